/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for gr_core: the bytes are parsed as an ELF core (header,
 * program headers, notes), every accessor is read back, and the segments are
 * laid into a gr_mem.  Whatever the bytes, the result must be a core whose
 * tables lie inside the bytes given, or a BAD_DATA/UNSUPPORTED/LIMIT error;
 * any other outcome is a bug.  The same bytes also go through
 * gr_build_ids_from_image(), as the session reads the executable's header
 * page out of a core.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/02-input/core.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_core(const struct gr_core *core, const uint8_t *data,
		       size_t size)
{
	for (size_t i = 0; i < gr_core_thread_count(core); i++)
		if (!gr_core_thread(core, i))
			abort();
	for (size_t i = 0; i < gr_core_file_map_count(core); i++) {
		const struct gr_core_file_map *fm = gr_core_file_map(core, i);
		/* Paths point into the core and end inside it. */
		const uint8_t *p = (const uint8_t *)fm->path;
		if (p < data || p >= data + size ||
		    !memchr(p, 0, (size_t)(data + size - p)))
			abort();
		if (gr_core_file_map_at(core, fm->start) == NULL &&
		    fm->start < fm->end)
			abort();
	}
	for (size_t i = 0; i < gr_core_load_count(core); i++) {
		const struct gr_core_load *l = gr_core_load(core, i);
		if (l->present > l->filesz)
			abort();
		if (l->present &&
		    (l->offset > size || size - l->offset < l->present))
			abort();
	}
	const struct gr_core_process *proc = gr_core_process(core);
	if (proc->fname[sizeof(proc->fname) - 1] ||
	    proc->psargs[sizeof(proc->psargs) - 1])
		abort();
	uint64_t v;
	(void)gr_core_auxv(core, 9 /* AT_ENTRY */, &v);
	if (gr_core_truncated(core) && gr_core_expected_size(core) <= size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gr_build_ids ids;
	/* NOMEM only: the IDs are checked for their NULs either way. */
	gr_error_destroy(gr_build_ids_from_image(data, size, &ids));
	if (!memchr(ids.gnu, 0, sizeof(ids.gnu)) ||
	    !memchr(ids.go, 0, sizeof(ids.go)))
		abort();

	struct gr_core *core = NULL;
	struct gr_error *err = gr_core_parse(data, size, "fuzz.core", &core);
	if (err) {
		if (core || (err->code != GR_ERR_BAD_DATA &&
			     err->code != GR_ERR_UNSUPPORTED &&
			     err->code != GR_ERR_LIMIT &&
			     err->code != GR_ERR_NOMEM))
			abort();
		gr_error_destroy(err);
		return 0;
	}
	check_core(core, data, size);

	struct gr_mem *mem = NULL;
	if ((err = gr_mem_create(&mem)))
		abort();
	err = gr_core_add_to_mem(core, mem);
	if (err) {
		if (err->code != GR_ERR_BAD_DATA && err->code != GR_ERR_NOMEM &&
		    err->code != GR_ERR_LIMIT)
			abort();
		gr_error_destroy(err);
	} else {
		/* Read the first bytes of every segment through the reader. */
		for (size_t i = 0; i < gr_mem_segment_count(mem); i++) {
			const struct gr_mem_segment *seg =
				gr_mem_segment_at(mem, i);
			uint8_t buf[16];
			size_t n = seg->end - seg->start < sizeof(buf)
					   ? (size_t)(seg->end - seg->start)
					   : sizeof(buf);
			struct gr_error *e =
				gr_mem_read(mem, seg->start, buf, n);
			if (e && e->code != GR_ERR_FAULT)
				abort();
			gr_error_destroy(e);
		}
	}
	gr_mem_destroy(mem);
	gr_core_destroy(core);
	return 0;
}
