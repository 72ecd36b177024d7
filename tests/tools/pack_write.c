/* SPDX-License-Identifier: MIT */
/* Writing layout packs; the format is forensics/03-dwarf/dwarf_pack.c's. */
#include "tests/tools/pack_write.h"

#include <inttypes.h>
#include <stdlib.h>

#include "forensics/03-dwarf/dwarf_internal.h"

static void put_size(FILE *f, bool has, uint64_t v)
{
	if (has)
		fprintf(f, "\t%" PRIu64, v);
	else
		fputs("\t-", f);
}

struct gr_error *gr_dwarf_pack_write(const struct gr_dwarf *d,
				     const char *go_version,
				     const uint8_t *want,
				     const uint8_t *want_constants,
				     const uint8_t *want_globals,
				     const struct gr_dwarf_locator (*locators)
					     [GR_DWARF_MAX_LOCATORS],
				     FILE *f)
{
	int64_t *map = malloc((d->ntypes + 1) * sizeof(*map));
	if (!map)
		return gr_error_nomem();
	int64_t n = 0;
	for (size_t i = 0; i < d->ntypes; i++)
		map[i] = want[i] ? n++ : -1;
#define REF(id) ((id) < d->ntypes ? map[id] : -1)
	fprintf(f, "%s\t%d\ngo\t%s\ndwarf\t%u\n", GR_DWARF_PACK_MAGIC, GR_DWARF_PACK_FORMAT,
		go_version, d->version);
	for (size_t i = 0; i < d->ntypes; i++) {
		if (!want[i])
			continue;
		const struct gr_dwarf_type *t = &d->types[i];
		fprintf(f, "T\t%u\t%u\t%u\t%u", t->kind, t->go_kind, t->tag,
			t->encoding);
		put_size(f, t->has_size, t->size);
		put_size(f, t->has_count, t->count);
		fprintf(f, "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%d\t%u\t%s\n",
			REF(t->type), REF(t->elem), REF(t->key), t->go_alias,
			t->nfields, t->name);
		for (uint32_t k = 0; k < t->nfields; k++) {
			const struct gr_dwarf_field *fl =
				&d->fields[t->first_field_ + k];
			fprintf(f, "F\t%" PRIu64 "\t%" PRId64 "\t%d\t%s\n",
				fl->offset, REF(fl->type), fl->embedded,
				fl->name);
		}
	}
	for (size_t i = 0; i < d->nconstants; i++) {
		const struct gr_dwarf_constant *c = &d->constants[i];
		if (want_constants[i])
			fprintf(f, "C\t%" PRId64 "\t%" PRId64 "\t%s\n", c->value,
				REF(c->type), c->name);
	}
	for (size_t i = 0; i < d->nglobals; i++) {
		const struct gr_dwarf_global *g = &d->globals[i];
		unsigned nloc = 0;
		while (nloc < GR_DWARF_MAX_LOCATORS && locators[i][nloc].func)
			nloc++;
		if (!want_globals[i] || !nloc)
			continue;
		fprintf(f, "G\t%" PRId64, REF(g->type));
		put_size(f, g->has_size, g->size);
		fprintf(f, "\t%u", nloc);
		for (unsigned k = 0; k < nloc; k++)
			fprintf(f, "\t%08x\t%u\t%" PRId64 "\t%s",
				locators[i][k].fp, locators[i][k].ordinal,
				locators[i][k].delta, locators[i][k].func);
		fprintf(f, "\t%s\n", g->name);
	}
#undef REF
	free(map);
	if (ferror(f))
		return gr_error_create(GR_ERR_OUTPUT, "layout pack: write failed");
	return NULL;
}

