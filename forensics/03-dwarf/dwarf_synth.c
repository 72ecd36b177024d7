/* SPDX-License-Identifier: MIT */
/* Types appended to an index after it was built (see dwarf.h). */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"

struct gr_error *gr_dwarf_synth_type(struct gr_dwarf *d, const char *name,
				     uint32_t *id)
{
	if (d->ntypes >= GR_DWARF_NO_TYPE - 1)
		return gr_error_create(GR_ERR_LIMIT, "DWARF: too many types");
	/* The recording marks (dwarf_pack.c) are sized for the types there
	 * were; packs are made from real DWARF, never from these. */
	if (d->rec_types)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: adding types while recording");
	struct gr_error *err =
		gr_array_grow(&d->types, &d->types_cap, d->ntypes, 1);
	if (err)
		return err;
	const char *copy = dwarfi_arena_strdup(&d->arena, name, strlen(name));
	if (!copy)
		return gr_error_nomem();
	struct gr_dwarf_type *t = &d->types[d->ntypes];
	memset(t, 0, sizeof(*t));
	t->name = copy;
	t->die = d->ntypes + 1;
	t->kind = GR_DWARF_TYPE_UNSPECIFIED;
	t->type = t->elem = t->key = GR_DWARF_NO_TYPE;
	t->first_field_ = (uint32_t)d->nfields;
	*id = (uint32_t)d->ntypes++;
	return NULL;
}

struct gr_dwarf_type *gr_dwarf_synth_edit(struct gr_dwarf *d, uint32_t id)
{
	return id < d->ntypes ? &d->types[id] : NULL;
}

struct gr_error *gr_dwarf_synth_field(struct gr_dwarf *d, uint32_t owner,
				      const char *name, uint64_t offset,
				      uint32_t type)
{
	if (owner >= d->ntypes)
		return gr_error_create(GR_ERR_BAD_DATA, "DWARF: no type %u",
				       owner);
	struct gr_dwarf_type *t = &d->types[owner];
	if (t->nfields == 0)
		t->first_field_ = (uint32_t)d->nfields;
	else if (t->first_field_ + t->nfields != d->nfields)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "DWARF: fields of %s not contiguous",
				       t->name);
	struct gr_error *err =
		gr_array_grow(&d->fields, &d->fields_cap, d->nfields, 1);
	if (err)
		return err;
	const char *copy = dwarfi_arena_strdup(&d->arena, name, strlen(name));
	if (!copy)
		return gr_error_nomem();
	d->fields[d->nfields++] = (struct gr_dwarf_field){copy, offset, type,
							   false};
	t->nfields++;
	return NULL;
}

struct gr_error *gr_dwarf_synth_done(struct gr_dwarf *d)
{
	dwarfi_names_deinit(&d->type_names);
	dwarfi_names_deinit(&d->global_names);
	dwarfi_names_deinit(&d->constant_names);
	free(d->by_runtime_type);
	free(d->globals_by_addr);
	free(d->functions_by_pc);
	d->by_runtime_type = NULL;
	d->globals_by_addr = NULL;
	d->functions_by_pc = NULL;
	return dwarfi_build_tables(d);
}
