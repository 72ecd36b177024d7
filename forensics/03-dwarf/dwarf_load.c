/* SPDX-License-Identifier: MIT */
/*
 * The libdwarf session.  libdwarf is fed through its object-access
 * interface with section bytes from gr_exe_section_bytes(), which inflates
 * SHF_COMPRESSED sections (every Go toolchain from 1.19 to 1.27 compresses
 * its DWARF with zlib).  Debian's libdwarf 20210528 would inflate them
 * itself only through its own ELF readers, and those install a
 * process-wide hook (_dwarf_get_elf_flags_func_ptr) that libdwarf would
 * then call on our object: goretain must never call dwarf_init_path(),
 * dwarf_init_b() or dwarf_elf_init() anywhere.
 *
 * libdwarf is closed before gr_dwarf_open() returns; the index keeps no
 * pointer into it.
 */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

/*
 * The sections the index reads, directly or through libdwarf (strings,
 * DWARF 5 address and offset tables).  .debug_line and .debug_frame are
 * not needed and are never inflated.
 */
static const char *const wanted_sections[] = {
	".debug_info",	   ".debug_abbrev",	 ".debug_str",
	".debug_line_str", ".debug_str_offsets", ".debug_addr",
};
enum { NWANTED = sizeof(wanted_sections) / sizeof(wanted_sections[0]) };

struct loader {
	struct gr_exe *exe;
	/* Index 0 is ELF's null section: libdwarf never treats it as real. */
	const struct gr_exe_section *secs[NWANTED + 1];
	unsigned nsecs;
	/* A failure inside a callback, returned instead of libdwarf's. */
	struct gr_error *callback_err;
	/* Set once dwarf_object_init_b() has returned it. */
	Dwarf_Debug dbg;
};

static int get_section_info(void *obj, Dwarf_Half i,
			    Dwarf_Obj_Access_Section *ret, int *error)
{
	struct loader *l = obj;
	(void)error;
	if (i >= l->nsecs)
		return DW_DLV_NO_ENTRY;
	memset(ret, 0, sizeof(*ret));
	if (i == 0) {
		ret->name = "";
		return DW_DLV_OK;
	}
	ret->name = l->secs[i]->name;
	ret->size = l->secs[i]->size;
	ret->type = SHT_PROGBITS;
	return DW_DLV_OK;
}

static Dwarf_Endianness get_byte_order(void *obj)
{
	(void)obj;
	return DW_OBJECT_LSB;
}

/* 32-bit DWARF offsets; each unit header still says its own. */
static Dwarf_Small get_length_size(void *obj)
{
	(void)obj;
	return 4;
}

static Dwarf_Small get_pointer_size(void *obj)
{
	(void)obj;
	return 8;
}

static Dwarf_Unsigned get_section_count(void *obj)
{
	return ((struct loader *)obj)->nsecs;
}

static int load_section(void *obj, Dwarf_Half i, Dwarf_Small **ret, int *error)
{
	struct loader *l = obj;
	if (i == 0 || i >= l->nsecs)
		return DW_DLV_NO_ENTRY;
	const uint8_t *data;
	size_t size;
	struct gr_error *err =
		gr_exe_section_bytes(l->exe, l->secs[i]->name, &data, &size);
	if (!err && size != l->secs[i]->size)
		err = gr_error_create(GR_ERR_BAD_DATA,
				      "%s: %s: %zu bytes, header says %llu",
				      gr_exe_path(l->exe), l->secs[i]->name,
				      size,
				      (unsigned long long)l->secs[i]->size);
	if (err) {
		if (!l->callback_err)
			l->callback_err = err;
		else
			gr_error_destroy(err);
		*error = DW_DLE_ELF_SECT_ERR;
		return DW_DLV_ERROR;
	}
	/* libdwarf never writes to sections it does not relocate. */
	*ret = (Dwarf_Small *)(uintptr_t)data;
	return DW_DLV_OK;
}

static const Dwarf_Obj_Access_Methods methods = {
	.get_section_info = get_section_info,
	.get_byte_order = get_byte_order,
	.get_length_size = get_length_size,
	.get_pointer_size = get_pointer_size,
	.get_section_count = get_section_count,
	.load_section = load_section,
	.relocate_a_section = NULL,
};

/*
 * libdwarf calls this instead of abort() when one of its internal calls
 * passes no Dwarf_Error (we always pass one).  Keep the first such message
 * as the cause of whatever failure follows.  @e is ours to free, which
 * needs the Dwarf_Debug (with allocation tracking off, nothing else would).
 */
static void error_handler(Dwarf_Error e, Dwarf_Ptr arg)
{
	struct loader *l = arg;
	const char *msg = e ? dwarf_errmsg(e) : NULL;
	if (!l->callback_err)
		l->callback_err = gr_error_create(
			GR_ERR_BAD_DATA, "%s: DWARF: %s", gr_exe_path(l->exe),
			msg ? msg : "libdwarf error");
	if (e && l->dbg)
		dwarf_dealloc_error(l->dbg, e);
}

/* Prefer what our callbacks saw to libdwarf's summary of it. */
GR_MUST_USE
static struct gr_error *pick_error(struct loader *l, struct gr_error *err)
{
	if (!l->callback_err)
		return err;
	gr_error_destroy(err);
	err = l->callback_err;
	l->callback_err = NULL;
	return err;
}

GR_MUST_USE
static struct gr_error *index_with_libdwarf(struct gr_dwarf *d,
					    struct loader *l)
{
	Dwarf_Obj_Access_Interface obj = {.object = l, .methods = &methods};
	Dwarf_Debug dbg = NULL;
	Dwarf_Error e = NULL;
	const char *path = gr_exe_path(l->exe);
	/*
	 * libdwarf tracks every allocation in a search tree so that
	 * dwarf_finish() can free what callers forget; we free everything
	 * ourselves, and the tracking costs an eighth of the walk.  The
	 * switch is process-wide (libdwarf 20200307+), so restore it.
	 */
	int tracking = dwarf_set_de_alloc_flag(0);
	int r = dwarf_object_init_b(&obj, error_handler, l, DW_GROUPNUMBER_ANY,
				    &dbg, &e);
	if (r != DW_DLV_OK) {
		struct gr_error *err =
			r == DW_DLV_NO_ENTRY
				? NULL
				: pick_error(l, dwarfi_lib_error(
							NULL, e, path, 0,
							"opening DWARF"));
		dwarf_set_de_alloc_flag(tracking);
		return err;
	}
	l->dbg = dbg;
	d->present = true;
	struct gr_dwarf_build b = {.d = d, .dbg = dbg, .path = path,
				   .info_size = l->secs[1]->size};
	struct gr_error *err = dwarfi_index(&b);
	if (!err)
		err = dwarfi_resolve(&b);
	if (err)
		err = pick_error(l, err);
	free(b.type_refs);
	free(b.field_refs);
	free(b.global_refs);
	free(b.const_refs);
	free(b.var_refs);
	free(b.var_origins);
	free(b.func_origins);
	free(b.field_owner);
	free(b.var_owner);
	free(b.abstracts);
	dwarfi_intern_deinit(&b.names);
	e = NULL;
	if (dwarf_object_finish(dbg, &e) == DW_DLV_ERROR)
		dwarf_dealloc_error(NULL, e);
	dwarf_set_de_alloc_flag(tracking);
	return err;
}

struct gr_error *gr_dwarf_open(struct gr_exe *exe, struct gr_dwarf **ret)
{
	struct gr_dwarf *d = calloc(1, sizeof(*d));
	if (!d)
		return gr_error_nomem();
	struct loader l = {.exe = exe, .nsecs = 1};
	for (unsigned i = 0; i < NWANTED; i++) {
		const struct gr_exe_section *s =
			gr_exe_section(exe, wanted_sections[i]);
		if (s && s->type != SHT_NOBITS)
			l.secs[l.nsecs++] = s;
	}
	/* wanted_sections[0] is .debug_info: secs[1] if it has bytes. */
	struct gr_error *err = NULL;
	if (l.nsecs > 1 && strcmp(l.secs[1]->name, ".debug_info") == 0)
		err = index_with_libdwarf(d, &l);
	else if (gr_exe_section(exe, ".zdebug_info"))
		err = gr_error_create(GR_ERR_UNSUPPORTED,
				      "%s: GNU .zdebug DWARF sections (Go "
				      "1.19+ writes SHF_COMPRESSED ones)",
				      gr_exe_path(exe));
	gr_error_destroy(l.callback_err);
	if (err) {
		gr_dwarf_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}

void gr_dwarf_destroy(struct gr_dwarf *d)
{
	if (!d)
		return;
	free(d->types);
	free(d->fields);
	free(d->globals);
	free(d->constants);
	free(d->functions);
	free(d->vars);
	free(d->by_runtime_type);
	free(d->globals_by_addr);
	free(d->functions_by_pc);
	free(d->rec_types);
	free(d->rec_globals);
	free(d->rec_constants);
	dwarfi_names_deinit(&d->type_names);
	dwarfi_names_deinit(&d->global_names);
	dwarfi_names_deinit(&d->constant_names);
	dwarfi_arena_deinit(&d->arena);
	free(d);
}
