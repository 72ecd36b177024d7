/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "forensics/02-input/exe.h"

/*
 * Found by fuzzing (tests/fuzz/fuzz_core, which reads build IDs from the
 * core's first page as the session does): a PT_NOTE whose last
 * descriptor's 4-byte padding is cut off.  The GNU build ID before the cut
 * is still read, and the cursor's error for the padding must not leak
 * (ASan's leak check in `make check`).
 */
static void test_build_id_note_padding_cut(void **state)
{
	(void)state;
	static const uint8_t image[64 + 56 + 16 + 3] = {
		/* Elf64_Ehdr: ELFCLASS64, phoff 64, one phdr */
		0x7f, 'E', 'L', 'F', 2, 1, 1, 0, [16] = 2, 0, 62, 0, 1,
		[32] = 64, [52] = 64, 0, 56, 0, 1, 0,
		/* Elf64_Phdr: PT_NOTE at offset 120, 19 bytes */
		[64] = 4, [72] = 120, [96] = 19, [104] = 19,
		/* namesz 4, descsz 3, NT_GNU_BUILD_ID, "GNU", 3 bytes */
		[120] = 4, [124] = 3, [128] = 3, [132] = 'G', 'N', 'U', 0,
		0xab, 0xcd, 0xef,
	};
	struct gr_build_ids ids;
	assert_null(gr_build_ids_from_image(image, sizeof(image), &ids));
	assert_string_equal(ids.gnu, "abcdef");
	assert_string_equal(ids.go, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_id_note_padding_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
