/* SPDX-License-Identifier: MIT */
/*
 * Layout packs: an index written as text and read back (see dwarf.h).
 *
 * The text is line-oriented, fields separated by tabs, the name last (Go
 * type names hold spaces, never tabs):
 *
 *   goretain-layout-pack	1
 *   go	go1.24.4
 *   dwarf	4
 *   T	kind	go_kind	tag	encoding	size	count	type	elem	key	alias	nfields	name
 *   F	offset	type	embedded	name          (nfields of them follow a T)
 *   C	value	type	name
 *   G	type	size	n	(fp	ordinal	delta	func)×n	name
 *
 * Types are numbered in order from 0; a type reference is that number or
 * -1; an absent size or count is "-".  The reader trusts nothing: a pack is
 * compiled in, but a bad one must fail with its line, not crash.
 */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"

enum { MAX_COLS = 5 + 4 * GR_DWARF_MAX_LOCATORS };

const char *gr_dwarf_pack_version(const struct gr_dwarf *d)
{
	return d->pack_go_version;
}

size_t gr_dwarf_pack_unlocated(const struct gr_dwarf *d)
{
	return d->pack_unlocated;
}

/* --- recording --- */

struct gr_error *gr_dwarf_record(struct gr_dwarf *d)
{
	if (d->rec_types)
		return NULL;
	d->rec_types = calloc(d->ntypes + 1, 1);
	d->rec_globals = calloc(d->nglobals + 1, 1);
	d->rec_constants = calloc(d->nconstants + 1, 1);
	if (!d->rec_types || !d->rec_globals || !d->rec_constants)
		return gr_error_nomem();
	return NULL;
}

bool gr_dwarf_recorded(const struct gr_dwarf *d, enum gr_dwarf_rec_kind kind,
		       size_t i, bool named)
{
	const uint8_t *marks;
	size_t n;
	switch (kind) {
	case GR_DWARF_REC_TYPE:
		marks = d->rec_types, n = d->ntypes;
		break;
	case GR_DWARF_REC_GLOBAL:
		marks = d->rec_globals, n = d->nglobals;
		break;
	default:
		marks = d->rec_constants, n = d->nconstants;
		break;
	}
	if (!marks || i >= n)
		return false;
	return marks[i] & (named ? GR_DWARF_REC_NAMED : GR_DWARF_REC_USED);
}

/* --- reading --- */

struct reader {
	struct gr_dwarf *d;
	unsigned line;
	char *cols[MAX_COLS];
	size_t ncols;
};

GR_MUST_USE
static struct gr_error *bad(const struct reader *r, const char *what)
{
	return gr_error_create(GR_ERR_BAD_DATA, "layout pack line %u: %s",
			       r->line, what);
}

static bool num_u(const char *s, uint64_t max, uint64_t *ret)
{
	if (!*s || *s == '-')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

static bool num_s(const char *s, int64_t *ret)
{
	if (!*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

/* A type reference: -1 (none) or an index checked once all are read. */
static bool ref(const char *s, uint32_t *ret)
{
	int64_t v;
	if (!num_s(s, &v) || v < -1 || v >= (int64_t)GR_DWARF_NO_TYPE)
		return false;
	*ret = v < 0 ? GR_DWARF_NO_TYPE : (uint32_t)v;
	return true;
}

/* "-" or a number: *has says which. */
static bool opt_size(const char *s, bool *has, uint64_t *ret)
{
	*has = strcmp(s, "-") != 0;
	*ret = 0;
	return !*has || num_u(s, UINT64_MAX, ret);
}

static const char *name_copy(struct reader *r, const char *s)
{
	return dwarfi_arena_strdup(&r->d->arena, s, strlen(s));
}

GR_MUST_USE
static struct gr_error *read_type(struct reader *r, uint32_t *fields_due)
{
	struct gr_dwarf *d = r->d;
	if (r->ncols != 13)
		return bad(r, "a type needs 13 columns");
	struct gr_error *err =
		gr_array_grow(&d->types, &d->types_cap, d->ntypes, 1);
	if (err)
		return err;
	struct gr_dwarf_type t = {0};
	uint64_t kind, go_kind, tag, enc, alias, nfields;
	if (!num_u(r->cols[1], GR_DWARF_TYPE_UNSPECIFIED, &kind) ||
	    !num_u(r->cols[2], GR_GO_KIND_UNSAFE_POINTER, &go_kind) ||
	    !num_u(r->cols[3], UINT16_MAX, &tag) ||
	    !num_u(r->cols[4], UINT8_MAX, &enc) ||
	    !opt_size(r->cols[5], &t.has_size, &t.size) ||
	    !opt_size(r->cols[6], &t.has_count, &t.count) ||
	    !ref(r->cols[7], &t.type) || !ref(r->cols[8], &t.elem) ||
	    !ref(r->cols[9], &t.key) || !num_u(r->cols[10], 1, &alias) ||
	    !num_u(r->cols[11], UINT16_MAX, &nfields))
		return bad(r, "malformed type");
	t.kind = (uint8_t)kind;
	t.go_kind = (uint8_t)go_kind;
	t.tag = (uint16_t)tag;
	t.encoding = (uint8_t)enc;
	t.go_alias = alias != 0;
	t.nfields = 0; /* counted as F lines arrive */
	t.first_field_ = (uint32_t)d->nfields;
	t.die = d->ntypes + 1; /* unique and nonzero, as a DIE offset is */
	if (!(t.name = name_copy(r, r->cols[12])))
		return gr_error_nomem();
	d->types[d->ntypes++] = t;
	*fields_due = (uint32_t)nfields;
	return NULL;
}

GR_MUST_USE
static struct gr_error *read_field(struct reader *r)
{
	struct gr_dwarf *d = r->d;
	if (r->ncols != 5)
		return bad(r, "a field needs 5 columns");
	struct gr_error *err =
		gr_array_grow(&d->fields, &d->fields_cap, d->nfields, 1);
	if (err)
		return err;
	struct gr_dwarf_field f = {0};
	uint64_t emb;
	if (!num_u(r->cols[1], UINT64_MAX, &f.offset) ||
	    !ref(r->cols[2], &f.type) || !num_u(r->cols[3], 1, &emb))
		return bad(r, "malformed field");
	f.embedded = emb != 0;
	if (!(f.name = name_copy(r, r->cols[4])))
		return gr_error_nomem();
	d->fields[d->nfields++] = f;
	d->types[d->ntypes - 1].nfields++;
	return NULL;
}

GR_MUST_USE
static struct gr_error *read_constant(struct reader *r)
{
	struct gr_dwarf *d = r->d;
	if (r->ncols != 4)
		return bad(r, "a constant needs 4 columns");
	struct gr_error *err = gr_array_grow(&d->constants, &d->constants_cap,
					     d->nconstants, 1);
	if (err)
		return err;
	struct gr_dwarf_constant c = {0};
	if (!num_s(r->cols[1], &c.value) || !ref(r->cols[2], &c.type))
		return bad(r, "malformed constant");
	if (!(c.name = name_copy(r, r->cols[3])))
		return gr_error_nomem();
	d->constants[d->nconstants++] = c;
	return NULL;
}

GR_MUST_USE
static struct gr_error *read_global(struct reader *r, gr_dwarf_locate_fn *locate,
				    void *arg)
{
	struct gr_dwarf *d = r->d;
	struct gr_dwarf_global g = {0};
	uint64_t n;
	if (r->ncols < 5 || !ref(r->cols[1], &g.type) ||
	    !opt_size(r->cols[2], &g.has_size, &g.size) ||
	    !num_u(r->cols[3], GR_DWARF_MAX_LOCATORS, &n) || n == 0 ||
	    r->ncols != 5 + 4 * n)
		return bad(r, "malformed global");
	/* Every locator that resolves must say the same. */
	unsigned placed = 0;
	bool conflict = false;
	for (unsigned k = 0; k < n; k++) {
		char **c = &r->cols[4 + 4 * k];
		uint64_t fp, ordinal, addr;
		char *end;
		struct gr_dwarf_locator loc = {.func = c[3]};
		errno = 0;
		fp = strtoull(c[0], &end, 16);
		if (errno || *end || !*c[0] || fp > UINT32_MAX ||
		    !num_u(c[1], UINT32_MAX, &ordinal) ||
		    !num_s(c[2], &loc.delta) || !*loc.func)
			return bad(r, "malformed locator");
		loc.fp = (uint32_t)fp;
		loc.ordinal = (uint32_t)ordinal;
		if (!locate(arg, &loc, &addr))
			continue;
		if (placed++ && addr != g.addr)
			conflict = true;
		g.addr = addr;
	}
	if (!placed || conflict) {
		d->pack_unlocated++;
		return NULL;
	}
	struct gr_error *err =
		gr_array_grow(&d->globals, &d->globals_cap, d->nglobals, 1);
	if (err)
		return err;
	if (!(g.name = name_copy(r, r->cols[r->ncols - 1])))
		return gr_error_nomem();
	d->globals[d->nglobals++] = g;
	return NULL;
}

/* Every type reference must name a type of the pack. */
static bool refs_in_range(const struct gr_dwarf *d)
{
#define OK(id) ((id) == GR_DWARF_NO_TYPE || (id) < d->ntypes)
	for (size_t i = 0; i < d->ntypes; i++)
		if (!OK(d->types[i].type) || !OK(d->types[i].elem) ||
		    !OK(d->types[i].key))
			return false;
	for (size_t i = 0; i < d->nfields; i++)
		if (!OK(d->fields[i].type))
			return false;
	for (size_t i = 0; i < d->nconstants; i++)
		if (!OK(d->constants[i].type))
			return false;
	for (size_t i = 0; i < d->nglobals; i++)
		if (!OK(d->globals[i].type))
			return false;
#undef OK
	return true;
}

/* Split @line (NUL-terminated, modified) at tabs into r->cols. */
static bool split(struct reader *r, char *line)
{
	r->ncols = 0;
	for (char *p = line;;) {
		if (r->ncols == MAX_COLS)
			return false;
		r->cols[r->ncols++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			return true;
		*tab = '\0';
		p = tab + 1;
	}
}

GR_MUST_USE
static struct gr_error *parse(struct reader *r, char *text,
			      gr_dwarf_locate_fn *locate, void *arg)
{
	struct gr_dwarf *d = r->d;
	uint32_t fields_due = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		r->line++;
		if (!split(r, line))
			return bad(r, "too many columns");
		const char *tag = r->cols[0];
		struct gr_error *err = NULL;
		if (r->line == 1) {
			uint64_t v;
			if (r->ncols != 2 || strcmp(tag, GR_DWARF_PACK_MAGIC) != 0 ||
			    !num_u(r->cols[1], UINT32_MAX, &v))
				return bad(r, "not a layout pack");
			if (v != GR_DWARF_PACK_FORMAT)
				return gr_error_create(
					GR_ERR_UNSUPPORTED,
					"layout pack format %" PRIu64, v);
			continue;
		}
		if (fields_due && strcmp(tag, "F") != 0)
			return bad(r, "fewer fields than the type says");
		if (!strcmp(tag, "go") && r->ncols == 2) {
			if (!(d->pack_go_version = name_copy(r, r->cols[1])))
				return gr_error_nomem();
		} else if (!strcmp(tag, "dwarf") && r->ncols == 2) {
			uint64_t v;
			if (!num_u(r->cols[1], 5, &v))
				return bad(r, "bad DWARF version");
			d->version = (unsigned)v;
		} else if (!strcmp(tag, "T")) {
			err = read_type(r, &fields_due);
		} else if (!strcmp(tag, "F")) {
			if (!fields_due)
				return bad(r, "a field outside a type");
			fields_due--;
			err = read_field(r);
		} else if (!strcmp(tag, "C")) {
			err = read_constant(r);
		} else if (!strcmp(tag, "G")) {
			err = read_global(r, locate, arg);
		} else {
			return bad(r, "unknown record");
		}
		if (err)
			return err;
	}
	if (fields_due)
		return bad(r, "the last type lacks fields");
	if (!d->pack_go_version)
		return bad(r, "no Go version");
	if (!refs_in_range(d))
		return bad(r, "a type reference out of range");
	return NULL;
}

/* Sizes the pack left out but a referenced type implies (typedefs). */
static void derive_sizes(struct gr_dwarf *d)
{
	for (size_t i = 0; i < d->ntypes; i++) {
		struct gr_dwarf_type *t = &d->types[i];
		if (t->kind == GR_DWARF_TYPE_POINTER && !t->has_size) {
			t->size = 8;
			t->has_size = true;
		}
	}
}

struct gr_error *gr_dwarf_from_pack(const char *text, size_t len,
				    gr_dwarf_locate_fn *locate, void *arg,
				    struct gr_dwarf **ret)
{
	*ret = NULL;
	struct gr_dwarf *d = calloc(1, sizeof(*d));
	char *copy = malloc(len + 1);
	if (!d || !copy) {
		free(d);
		free(copy);
		return gr_error_nomem();
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	struct reader r = {.d = d};
	struct gr_error *err = parse(&r, copy, locate, arg);
	free(copy);
	if (!err) {
		derive_sizes(d);
		d->present = true;
		err = dwarfi_build_tables(d);
	}
	if (err) {
		gr_dwarf_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}
