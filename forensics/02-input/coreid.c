/* SPDX-License-Identifier: MIT */
#include "forensics/02-input/coreid.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/cursor.h"
#include "forensics/02-input/core.h"

enum { IMAGE_PAGE = 4096 };

/*
 * Where the executable's ELF header was mapped: the NT_FILE mapping at
 * file offset 0 of the file holding AT_ENTRY; without NT_FILE, the page of
 * AT_PHDR (the program headers follow the ELF header in the first page of
 * every executable the Go linker or ld writes).  The session does the
 * same with the executable at hand (forensics/05-session/session.c).
 */
static bool image_base(const struct gr_core *core, uint64_t *ret,
		       const char **path_ret)
{
	uint64_t at;
	*path_ret = NULL;
	if (gr_core_auxv(core, AT_ENTRY, &at)) {
		const struct gr_core_file_map *f = gr_core_file_map_at(core, at);
		for (size_t i = 0; f && i < gr_core_file_map_count(core); i++) {
			const struct gr_core_file_map *g =
				gr_core_file_map(core, i);
			if (g->file_offset == 0 && strcmp(g->path, f->path) == 0) {
				*ret = g->start;
				*path_ret = f->path;
				return true;
			}
		}
		if (f)
			*path_ret = f->path;
	}
	if (gr_core_auxv(core, AT_PHDR, &at)) {
		*ret = at & ~(uint64_t)(IMAGE_PAGE - 1);
		return true;
	}
	return false;
}

/* The core's bytes of the page at @addr, as far as the file has them. */
static const uint8_t *page_at(const struct gr_core *core, const uint8_t *data,
			      uint64_t addr, size_t *len_ret)
{
	for (size_t i = 0; i < gr_core_load_count(core); i++) {
		const struct gr_core_load *l = gr_core_load(core, i);
		if (addr < l->vaddr || addr - l->vaddr >= l->present)
			continue;
		uint64_t avail = l->present - (addr - l->vaddr);
		*len_ret = avail < IMAGE_PAGE ? (size_t)avail : IMAGE_PAGE;
		return data + l->offset + (addr - l->vaddr);
	}
	return NULL;
}


struct gr_error *gr_coreid_parse(const uint8_t *data, size_t size,
				 const char *name, struct gr_coreid *ret)
{
	struct gr_core *core;
	struct gr_error *err = gr_core_parse(data, size, name, &core);
	if (err)
		return err;
	struct gr_coreid id = {.size = size};
	const struct gr_core_process *p = gr_core_process(core);
	if (p->have_psinfo)
		memcpy(id.fname, p->fname, sizeof(id.fname));
	uint64_t base;
	const char *path;
	bool have_base = image_base(core, &base, &path);
	if (path && !(id.exe_path = strdup(path))) {
		gr_core_destroy(core);
		return gr_error_nomem();
	}
	size_t n = 0;
	const uint8_t *page = have_base ? page_at(core, data, base, &n) : NULL;
	if (page && (err = gr_build_ids_from_image(page, n, &id.ids))) {
		free(id.exe_path);
		gr_core_destroy(core);
		return err;
	}
	gr_core_destroy(core);
	*ret = id;
	return NULL;
}

struct gr_error *gr_coreid_read(const char *path,
				const struct gr_input_options *opts,
				struct gr_coreid *ret)
{
	struct gr_input *in;
	struct gr_error *err = gr_input_open(path, opts, &in);
	if (err)
		return err;
	err = gr_coreid_parse(gr_input_data(in), gr_input_size(in), path, ret);
	gr_input_destroy(in);
	return err;
}

void gr_coreid_deinit(struct gr_coreid *id)
{
	if (!id)
		return;
	free(id->exe_path);
	id->exe_path = NULL;
}
