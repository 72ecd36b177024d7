/* SPDX-License-Identifier: MIT */
#include "forensics/05-session/session.h"

#include <elf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forensics/01-base/cursor.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/codetypes.h"
#include "forensics/05-session/session_go.h"

enum { IMAGE_PAGE = 4096 };

struct gr_session {
	struct gr_input *input;
	struct gr_core *core;
	struct gr_exe *exe;
	struct gr_mem *mem;
	struct gr_session_go go;
	uint64_t bias;
	uint64_t image_base;
	/* NT_FILE path of the executable in the core, or NULL. */
	const char *core_exe_path;
	enum gr_build_match match;
	struct gr_build_ids core_ids;
	unsigned threads;
	/* Built on first use, for a binary without DWARF (codetypes.h). */
	struct gr_codetypes *codetypes;
	bool codetypes_tried;
};

const char *gr_build_match_name(enum gr_build_match m)
{
	switch (m) {
	case GR_BUILD_MATCH:
		return "match";
	case GR_BUILD_MISMATCH_FORCED:
		return "mismatch-forced";
	case GR_BUILD_UNVERIFIED:
		return "unverified";
	}
	return "unknown";
}

/* The executable's PT_LOAD that holds file offset 0 (its ELF header). */
static const struct gr_exe_segment *header_segment(const struct gr_exe *exe)
{
	for (size_t i = 0; i < gr_exe_segment_count(exe); i++) {
		const struct gr_exe_segment *seg = gr_exe_segment_at(exe, i);
		if (seg->offset == 0)
			return seg;
	}
	return NULL;
}

/*
 * Where the process mapped its executable: the NT_FILE mapping at file
 * offset 0 of the file that holds AT_ENTRY (the real program, whichever
 * file the user gave); without NT_FILE, AT_PHDR minus the header offset;
 * without either, the link-time address of a non-PIE file.
 */
static bool find_image_base(struct gr_session *s)
{
	uint64_t at;
	if (gr_core_auxv(s->core, AT_ENTRY, &at)) {
		const struct gr_core_file_map *f = gr_core_file_map_at(s->core, at);
		for (size_t i = 0; f && i < gr_core_file_map_count(s->core); i++) {
			const struct gr_core_file_map *g =
				gr_core_file_map(s->core, i);
			if (g->file_offset == 0 && strcmp(g->path, f->path) == 0) {
				s->image_base = g->start;
				return true;
			}
		}
	}
	size_t size;
	const uint8_t *eh = gr_exe_file_data(s->exe, &size);
	if (gr_core_auxv(s->core, AT_PHDR, &at)) {
		uint64_t phoff = gr_le64(eh + offsetof(Elf64_Ehdr, e_phoff));
		s->image_base = (at - phoff) & ~(uint64_t)(IMAGE_PAGE - 1);
		return true;
	}
	const struct gr_exe_segment *hdr = header_segment(s->exe);
	if (!gr_exe_is_pie(s->exe) && hdr) {
		s->image_base = hdr->vaddr & ~(uint64_t)(IMAGE_PAGE - 1);
		return true;
	}
	return false;
}

/*
 * The load bias maps the file's link-time addresses to the process's: the
 * image base minus the header segment's link-time page.  A non-PIE file
 * must load at bias 0, and AT_ENTRY must be the file's entry point moved
 * by the bias: otherwise the file is not the program the core came from.
 */
GR_MUST_USE
static struct gr_error *find_bias(struct gr_session *s,
				  const struct gr_session_options *o)
{
	const struct gr_exe_segment *hdr = header_segment(s->exe);
	if (!hdr)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: no PT_LOAD maps the ELF header",
				       o->exe_path);
	if (!find_image_base(s))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: no NT_AUXV or NT_FILE note: cannot "
				       "find where the executable was loaded",
				       o->core_path);
	s->bias = s->image_base - (hdr->vaddr & ~(uint64_t)(IMAGE_PAGE - 1));
	return NULL;
}

/* One architecture for both files (--force does not help: no address
 * or register of the one means anything for the other). */
GR_MUST_USE
static struct gr_error *check_arch(const struct gr_session *s,
				   const struct gr_session_options *o)
{
	enum gr_arch c = gr_core_arch(s->core), e = gr_exe_arch(s->exe);
	if (c == e)
		return NULL;
	return gr_error_create(GR_ERR_MISMATCH,
			       "%s: a linux/%s executable; %s is the core of a "
			       "linux/%s process",
			       o->exe_path, gr_arch_name(e), o->core_path,
			       gr_arch_name(c));
}

GR_MUST_USE
static struct gr_error *check_entry(struct gr_session *s,
				    const struct gr_session_options *o)
{
	uint64_t at;
	uint64_t want = gr_exe_entry(s->exe) + s->bias;
	bool bad = (!gr_exe_is_pie(s->exe) && s->bias != 0) ||
		   (gr_core_auxv(s->core, AT_ENTRY, &at) && at != want);
	if (!bad || o->force) {
		if (bad)
			s->match = GR_BUILD_MISMATCH_FORCED;
		return NULL;
	}
	if (!gr_core_auxv(s->core, AT_ENTRY, &at))
		at = s->image_base;
	return gr_error_create(
		GR_ERR_MISMATCH,
		"%s: does not match %s: the process was entered at 0x%llx, the "
		"executable's entry point would be 0x%llx (%s) (use --force to "
		"analyse anyway)",
		o->exe_path, o->core_path, (unsigned long long)at,
		(unsigned long long)want,
		gr_exe_is_pie(s->exe) ? "PIE" : "non-PIE");
}

/*
 * Compare the build IDs in the core's dump of the executable's first page
 * (the kernel dumps it by default: coredump_filter bit 4) with the file's.
 * Every kind of ID the core holds must be equal in the file; a core with
 * no readable header page, or no IDs in it, leaves the match unverified.
 */
GR_MUST_USE
static struct gr_error *check_build_ids(struct gr_session *s,
					const struct gr_session_options *o)
{
	uint8_t page[IMAGE_PAGE];
	size_t n = 0;
	const struct gr_mem_segment *seg = gr_mem_find(s->mem, s->image_base);
	if (seg && seg->source == GR_MEM_CORE) {
		uint64_t avail = seg->end - s->image_base;
		n = avail < sizeof(page) ? (size_t)avail : sizeof(page);
		memcpy(page, seg->data + (s->image_base - seg->start), n);
	}
	struct gr_error *err = gr_build_ids_from_image(page, n, &s->core_ids);
	if (err)
		return err;
	const struct gr_build_ids *ids = gr_exe_build_ids(s->exe);
	const struct gr_build_ids *c = &s->core_ids;
	if (!c->gnu[0] && !c->go[0]) {
		s->match = GR_BUILD_UNVERIFIED;
		return NULL;
	}
	bool same = (!c->gnu[0] || strcmp(c->gnu, ids->gnu) == 0) &&
		    (!c->go[0] || strcmp(c->go, ids->go) == 0);
	if (same) {
		s->match = GR_BUILD_MATCH;
		return NULL;
	}
	if (o->force) {
		s->match = GR_BUILD_MISMATCH_FORCED;
		return NULL;
	}
	bool gnu_differs = c->gnu[0] && strcmp(c->gnu, ids->gnu) != 0;
	const char *kind = gnu_differs ? "GNU" : "Go";
	const char *cid = gnu_differs ? c->gnu : c->go;
	const char *eid = gnu_differs ? ids->gnu : ids->go;
	return gr_error_create(GR_ERR_MISMATCH,
			       "%s: does not match %s: %s build ID %s in the "
			       "core, %s in the executable (use --force to "
			       "analyse anyway)",
			       o->exe_path, o->core_path, kind, cid,
			       eid[0] ? eid : "(none)");
}

/*
 * Pages of the executable the kernel left out of the core (text, rodata:
 * unmodified private file mappings) are read from the file.  NT_FILE says
 * which mappings are the executable's and at which file offset.
 */
GR_MUST_USE
static struct gr_error *fill_from_exe(struct gr_session *s)
{
	size_t size;
	const uint8_t *data = gr_exe_file_data(s->exe, &size);
	const struct gr_core_file_map *self =
		gr_core_file_map_at(s->core, s->image_base);
	struct gr_error *err;
	if (self) {
		s->core_exe_path = self->path;
		for (size_t i = 0; i < gr_core_file_map_count(s->core); i++) {
			const struct gr_core_file_map *f =
				gr_core_file_map(s->core, i);
			if (strcmp(f->path, self->path) != 0 ||
			    f->file_offset >= size)
				continue;
			uint64_t len = f->end - f->start;
			if (len > size - f->file_offset)
				len = size - f->file_offset;
			struct gr_mem_segment seg = {
				.start = f->start,
				.end = f->start + len,
				.source = GR_MEM_EXE,
				.data = data + f->file_offset,
			};
			/* gdb's gcore leaves unmodified read-only mappings
			 * out entirely (no PT_LOAD): lay them in the gaps. */
			if (len && ((err = gr_mem_add_under(s->mem, &seg)) ||
				    (err = gr_mem_fill_missing(s->mem, &seg))))
				return err;
		}
		return NULL;
	}
	/* No NT_FILE (some gcore versions): lay the file's segments under
	 * whatever the core has. */
	for (size_t i = 0; i < gr_exe_segment_count(s->exe); i++) {
		const struct gr_exe_segment *es = gr_exe_segment_at(s->exe, i);
		if (!es->filesz)
			continue;
		struct gr_mem_segment seg = {
			.start = es->vaddr + s->bias,
			.end = es->vaddr + s->bias + es->filesz,
			.source = GR_MEM_EXE,
			.prot = es->prot,
			.data = data + es->offset,
		};
		if ((err = gr_mem_add_under(s->mem, &seg)) ||
		    (err = gr_mem_fill_missing(s->mem, &seg)))
			return err;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *open_inputs(struct gr_session *s,
				    const struct gr_session_options *o)
{
	struct gr_error *err;
	if ((err = gr_input_open(o->core_path, &o->input, &s->input)))
		return err;
	if ((err = gr_core_parse(gr_input_data(s->input),
				 gr_input_size(s->input), o->core_path,
				 &s->core)))
		return err;
	if ((err = gr_exe_open(o->exe_path, &s->exe)))
		return err;
	return gr_session_go_check_exe(&s->go, s->exe);
}

struct gr_error *gr_session_open(const struct gr_session_options *o,
				 struct gr_session **ret)
{
	struct gr_session *s = calloc(1, sizeof(*s));
	if (!s)
		return gr_error_nomem();
	s->threads = o->threads;
	if (!s->threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		s->threads = n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
	}
	struct gr_error *err;
	if ((err = open_inputs(s, o)) || (err = check_arch(s, o)) ||
	    (err = find_bias(s, o)) ||
	    (err = gr_mem_create(&s->mem)) ||
	    (err = gr_core_add_to_mem(s->core, s->mem)) ||
	    (err = check_build_ids(s, o)) || (err = check_entry(s, o)) ||
	    (err = fill_from_exe(s)) ||
	    (o->record_access && (err = gr_mem_record_start(s->mem))) ||
	    (err = gr_session_go_load(&s->go, s->exe, s->mem, s->bias))) {
		gr_session_destroy(s);
		return err;
	}
	*ret = s;
	return NULL;
}

void gr_session_destroy(struct gr_session *s)
{
	if (!s)
		return;
	gr_codetypes_destroy(s->codetypes);
	gr_session_go_deinit(&s->go);
	gr_mem_destroy(s->mem);
	gr_exe_destroy(s->exe);
	gr_core_destroy(s->core);
	gr_input_destroy(s->input);
	free(s);
}

struct gr_input *gr_session_input(const struct gr_session *s)
{
	return s->input;
}

struct gr_core *gr_session_core(const struct gr_session *s)
{
	return s->core;
}

struct gr_exe *gr_session_exe(const struct gr_session *s)
{
	return s->exe;
}

struct gr_mem *gr_session_mem(const struct gr_session *s)
{
	return s->mem;
}

unsigned gr_session_threads(const struct gr_session *s)
{
	return s->threads;
}

struct gr_buildinfo *gr_session_buildinfo(const struct gr_session *s)
{
	return s->go.buildinfo;
}

struct gr_pcln *gr_session_pcln(const struct gr_session *s)
{
	return s->go.pcln;
}

struct gr_moduledata *gr_session_moduledata(const struct gr_session *s)
{
	return s->go.moduledata;
}

struct gr_dwarf *gr_session_dwarf(const struct gr_session *s)
{
	return s->go.dwarf;
}

uint64_t gr_session_load_bias(const struct gr_session *s)
{
	return s->bias;
}

uint64_t gr_session_image_base(const struct gr_session *s)
{
	return s->image_base;
}

enum gr_build_match gr_session_build_match(const struct gr_session *s)
{
	return s->match;
}

const struct gr_build_ids *gr_session_core_build_ids(const struct gr_session *s)
{
	return &s->core_ids;
}

const char *gr_session_go_version(const struct gr_session *s)
{
	return s->go.version;
}

struct gr_error *gr_session_codetypes(struct gr_session *s,
				      const struct gr_codetypes **ret)
{
	*ret = NULL;
	if (!s->codetypes_tried && gr_dwarf_pack_version(s->go.dwarf)) {
		s->codetypes_tried = true;
		struct gr_error *err =
			gr_codetypes_create(s->mem, s->go.pcln,
					    s->go.moduledata, &s->codetypes);
		/* Code this scan does not know: no names, nothing inferred. */
		if (!gr_error_catch(&err, GR_ERR_CONTENT |
						  GR_ERR_BIT(NOT_FOUND)) &&
		    err)
			return err;
	}
	*ret = s->codetypes;
	return NULL;
}
