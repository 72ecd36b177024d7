/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for gr_input: the bytes become a file (a memfd, reopened
 * through /proc/self/fd so gr_input_open() takes its ordinary path) and are
 * opened as a core.  Whatever the bytes, the result must be a mapping whose
 * every byte is readable, or a BAD_DATA/LIMIT error naming the file; any
 * other outcome is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forensics/02-input/input.h"
#include "tests/fuzz/fuzz_memfd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfd("fuzz-input", data, size, path);
	/* Small limit: bombs are cut off quickly; tmpfs keeps it off disk. */
	struct gr_input_options opts = {
		.temp_dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NULL,
		.max_size = 16 << 20,
	};
	struct gr_input *input = NULL;
	struct gr_error *err = gr_input_open(path, &opts, &input);
	if (err) {
		if (input || !strstr(err->message, path) ||
		    (err->code != GR_ERR_BAD_DATA && err->code != GR_ERR_LIMIT))
			abort();
		gr_error_destroy(err);
	} else {
		size_t n = gr_input_size(input);
		const uint8_t *p = gr_input_data(input);
		if (n == 0 || (gr_input_format(input) != GR_INPUT_RAW &&
			       n > opts.max_size))
			abort();
		if (gr_input_format(input) == GR_INPUT_RAW &&
		    (n != size || memcmp(p, data, size) != 0))
			abort();
		/* Touch every page: the holes must read back as zeros. */
		uint8_t sum = p[n - 1];
		for (size_t i = 0; i < n; i += 4096)
			sum ^= p[i];
		/* Keep the reads: the compiler may not drop them. */
		__asm__ volatile("" : : "r"(sum));
		gr_input_destroy(input);
	}
	close(fd);
	return 0;
}
