/* SPDX-License-Identifier: MIT */
/*
 * After the walk: group fields and vars by owner, turn DIE offsets into ids,
 * derive sizes, name abstract copies, and build the lookup tables.
 */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <stdlib.h>
#include <string.h>

/* --- grouping --- */

/*
 * Fields and vars are appended in DIE order, which interleaves them when
 * one owner nests inside another (a C++ class in a class, a GNU C nested
 * function).  perm[j] is the index of the j-th record once grouped by
 * owner, keeping DIE order inside a group (a stable counting sort).
 */
GR_MUST_USE
static struct gr_error *owner_permutation(const uint32_t *owner, size_t n,
					  size_t nowners, uint32_t *first,
					  uint32_t *count, uint32_t **ret)
{
	for (size_t i = 0; i < n; i++)
		count[owner[i]]++;
	uint32_t pos = 0;
	for (size_t o = 0; o < nowners; o++) {
		first[o] = pos;
		pos += count[o];
	}
	uint32_t *perm = malloc((n ? n : 1) * sizeof(*perm));
	uint32_t *next = calloc(nowners ? nowners : 1, sizeof(*next));
	if (!perm || !next) {
		free(perm);
		free(next);
		return gr_error_nomem();
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t o = owner[i];
		perm[first[o] + next[o]++] = (uint32_t)i;
	}
	free(next);
	*ret = perm;
	return NULL;
}

GR_MUST_USE
static struct gr_error *permute(void *records, size_t size, size_t n,
				const uint32_t *perm)
{
	if (!records || n == 0)
		return NULL;
	char *tmp = malloc(n * size);
	if (!tmp)
		return gr_error_nomem();
	for (size_t j = 0; j < n; j++)
		memcpy(tmp + j * size, (char *)records + (size_t)perm[j] * size,
		       size);
	memcpy(records, tmp, n * size);
	free(tmp);
	return NULL;
}

GR_MUST_USE
static struct gr_error *group_fields(struct gr_dwarf_build *b)
{
	struct gr_dwarf *d = b->d;
	size_t nt = d->ntypes ? d->ntypes : 1;
	uint32_t *first = calloc(nt, sizeof(*first));
	uint32_t *count = calloc(nt, sizeof(*count));
	uint32_t *perm = NULL;
	struct gr_error *err = first && count ? NULL : gr_error_nomem();
	if (!err)
		err = owner_permutation(b->field_owner, d->nfields, d->ntypes,
					first, count, &perm);
	if (!err)
		err = permute(d->fields, sizeof(*d->fields), d->nfields, perm);
	if (!err)
		err = permute(b->field_refs, sizeof(*b->field_refs),
			      d->nfields, perm);
	for (size_t i = 0; !err && i < d->ntypes; i++) {
		d->types[i].first_field_ = first[i];
		d->types[i].nfields = count[i];
	}
	free(perm);
	free(first);
	free(count);
	return err;
}

GR_MUST_USE
static struct gr_error *group_vars(struct gr_dwarf_build *b)
{
	struct gr_dwarf *d = b->d;
	size_t nf = d->nfunctions ? d->nfunctions : 1;
	uint32_t *first = calloc(nf, sizeof(*first));
	uint32_t *count = calloc(nf, sizeof(*count));
	uint32_t *perm = NULL;
	struct gr_error *err = first && count ? NULL : gr_error_nomem();
	if (!err)
		err = owner_permutation(b->var_owner, d->nvars, d->nfunctions,
					first, count, &perm);
	if (!err)
		err = permute(d->vars, sizeof(*d->vars), d->nvars, perm);
	if (!err)
		err = permute(b->var_refs, sizeof(*b->var_refs), d->nvars,
			      perm);
	if (!err)
		err = permute(b->var_origins, sizeof(*b->var_origins),
			      d->nvars, perm);
	for (size_t i = 0; !err && i < d->nfunctions; i++) {
		d->functions[i].first_var_ = first[i];
		d->functions[i].nvars = count[i];
	}
	free(perm);
	free(first);
	free(count);
	return err;
}

/* --- references --- */

/* Types are appended in DIE order, so their offsets are sorted. */
static uint32_t type_at_die(const struct gr_dwarf *d, uint64_t die)
{
	if (die == 0)
		return GR_DWARF_NO_TYPE;
	size_t lo = 0, hi = d->ntypes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->types[mid].die < die)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->ntypes && d->types[lo].die == die)
		return (uint32_t)lo;
	return GR_DWARF_NO_TYPE;
}

static const struct gr_dwarf_abstract *
abstract_at_die(const struct gr_dwarf_build *b, uint64_t die)
{
	size_t lo = 0, hi = b->nabstracts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->abstracts[mid].die < die)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (die && lo < b->nabstracts && b->abstracts[lo].die == die)
		return &b->abstracts[lo];
	return NULL;
}

static void resolve_refs(struct gr_dwarf_build *b)
{
	struct gr_dwarf *d = b->d;
	for (size_t i = 0; i < d->ntypes; i++) {
		d->types[i].type = type_at_die(d, b->type_refs[i].type);
		d->types[i].elem = type_at_die(d, b->type_refs[i].elem);
		d->types[i].key = type_at_die(d, b->type_refs[i].key);
	}
	for (size_t i = 0; i < d->nfields; i++)
		d->fields[i].type = type_at_die(d, b->field_refs[i]);
	for (size_t i = 0; i < d->nglobals; i++)
		d->globals[i].type = type_at_die(d, b->global_refs[i]);
	for (size_t i = 0; i < d->nconstants; i++)
		d->constants[i].type = type_at_die(d, b->const_refs[i]);
	for (size_t i = 0; i < d->nfunctions; i++) {
		const struct gr_dwarf_abstract *ab =
			abstract_at_die(b, b->func_origins[i]);
		if (ab)
			d->functions[i].name = ab->name;
	}
	for (size_t i = 0; i < d->nvars; i++) {
		uint64_t type = b->var_refs[i];
		const struct gr_dwarf_abstract *ab =
			abstract_at_die(b, b->var_origins[i]);
		if (ab) {
			d->vars[i].name = ab->name;
			if (!type)
				type = ab->type;
		}
		d->vars[i].type = type_at_die(d, type);
	}
}

/* --- sizes and aliases --- */

/* Hops through typedefs and qualifiers before giving up (cycles). */
enum { MAX_CHAIN = 16 };

/*
 * The size rule of dwarf.h, over the raw DW_AT_byte_size values (has_size
 * is only set for those until every type has been computed).
 */
static bool derived_size(const struct gr_dwarf *d, uint32_t id, uint64_t *ret)
{
	for (int hop = 0; hop < MAX_CHAIN && id != GR_DWARF_NO_TYPE; hop++) {
		const struct gr_dwarf_type *t = &d->types[id];
		if (t->has_size) {
			*ret = t->size;
			return true;
		}
		if (t->kind == GR_DWARF_TYPE_POINTER) {
			*ret = 8;
			return true;
		}
		if (t->kind != GR_DWARF_TYPE_TYPEDEF &&
		    t->kind != GR_DWARF_TYPE_QUALIFIER)
			return false;
		id = t->type;
	}
	return false;
}

GR_MUST_USE
static struct gr_error *resolve_sizes(struct gr_dwarf *d)
{
	uint64_t *size = malloc((d->ntypes ? d->ntypes : 1) * sizeof(*size));
	bool *known = calloc(d->ntypes ? d->ntypes : 1, sizeof(*known));
	if (!size || !known) {
		free(size);
		free(known);
		return gr_error_nomem();
	}
	for (size_t i = 0; i < d->ntypes; i++)
		known[i] = derived_size(d, (uint32_t)i, &size[i]);
	for (size_t i = 0; i < d->ntypes; i++) {
		struct gr_dwarf_type *t = &d->types[i];
		t->has_size = known[i];
		t->size = known[i] ? size[i] : 0;
		t->go_alias = t->kind == GR_DWARF_TYPE_TYPEDEF &&
			      t->type != GR_DWARF_NO_TYPE && t->name[0] &&
			      strcmp(d->types[t->type].name, t->name) == 0;
	}
	for (size_t i = 0; i < d->nglobals; i++) {
		struct gr_dwarf_global *g = &d->globals[i];
		if (g->type != GR_DWARF_NO_TYPE) {
			g->has_size = d->types[g->type].has_size;
			g->size = d->types[g->type].size;
		}
	}
	free(size);
	free(known);
	return NULL;
}

/* --- lookup tables --- */

GR_MUST_USE
static struct gr_error *build_names(struct gr_dwarf *d)
{
	struct gr_error *err = dwarfi_names_init(&d->type_names, d->ntypes);
	if (!err)
		err = dwarfi_names_init(&d->global_names, d->nglobals);
	if (!err)
		err = dwarfi_names_init(&d->constant_names, d->nconstants);
	if (err)
		return err;
	/* Definitions first, so that an alias typedef is found only alone. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < d->ntypes; i++) {
			const struct gr_dwarf_type *t = &d->types[i];
			if (t->name[0] && t->go_alias == (pass == 1))
				dwarfi_names_add(&d->type_names, t->name,
						   (uint32_t)i);
		}
	}
	for (size_t i = 0; i < d->nglobals; i++)
		dwarfi_names_add(&d->global_names, d->globals[i].name,
				   (uint32_t)i);
	for (size_t i = 0; i < d->nconstants; i++)
		dwarfi_names_add(&d->constant_names, d->constants[i].name,
				   (uint32_t)i);
	return NULL;
}

static int cmp_addr_entry(const void *pa, const void *pb)
{
	const struct gr_dwarf_addr_entry *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Sort (key, id) pairs and keep the ids in *ids (if not NULL). */
GR_MUST_USE
static struct gr_error *sorted_ids(struct gr_dwarf_addr_entry *e, size_t n,
				   uint32_t **ids)
{
	qsort(e, n, sizeof(*e), cmp_addr_entry);
	if (!ids)
		return NULL;
	*ids = malloc((n ? n : 1) * sizeof(**ids));
	if (!*ids)
		return gr_error_nomem();
	for (size_t i = 0; i < n; i++)
		(*ids)[i] = e[i].id;
	return NULL;
}

GR_MUST_USE
static struct gr_error *build_addr_tables(struct gr_dwarf *d)
{
	size_t n = d->ntypes > d->nglobals ? d->ntypes : d->nglobals;
	if (d->nfunctions > n)
		n = d->nfunctions;
	struct gr_dwarf_addr_entry *e = malloc((n ? n : 1) * sizeof(*e));
	if (!e)
		return gr_error_nomem();

	/* Globals and functions by address, DIE order among equals. */
	for (size_t i = 0; i < d->nglobals; i++)
		e[i] = (struct gr_dwarf_addr_entry){d->globals[i].addr,
						     (uint32_t)i};
	struct gr_error *err = sorted_ids(e, d->nglobals, &d->globals_by_addr);
	for (size_t i = 0; !err && i < d->nfunctions; i++)
		e[i] = (struct gr_dwarf_addr_entry){d->functions[i].low_pc,
						     (uint32_t)i};
	if (!err)
		err = sorted_ids(e, d->nfunctions, &d->functions_by_pc);
	free(e);
	if (err)
		return err;

	size_t nrt = 0;
	for (size_t i = 0; i < d->ntypes; i++)
		nrt += d->types[i].runtime_type != 0;
	d->by_runtime_type = malloc((nrt ? nrt : 1) * sizeof(*e));
	if (!d->by_runtime_type)
		return gr_error_nomem();
	for (size_t i = 0, j = 0; i < d->ntypes; i++) {
		if (d->types[i].runtime_type)
			d->by_runtime_type[j++] = (struct gr_dwarf_addr_entry){
				d->types[i].runtime_type, (uint32_t)i};
	}
	d->nby_runtime_type = nrt;
	return sorted_ids(d->by_runtime_type, nrt, NULL);
}

struct gr_error *dwarfi_build_tables(struct gr_dwarf *d)
{
	struct gr_error *err = build_names(d);
	return err ? err : build_addr_tables(d);
}

/* Give back the slack of doubling growth; a failed shrink changes nothing. */
static void shrink(void **p, size_t n, size_t elsize)
{
	if (*p && n) {
		void *np = realloc(*p, n * elsize);
		if (np)
			*p = np;
	}
}

static void shrink_all(struct gr_dwarf *d)
{
	shrink((void **)&d->types, d->ntypes, sizeof(*d->types));
	shrink((void **)&d->fields, d->nfields, sizeof(*d->fields));
	shrink((void **)&d->globals, d->nglobals, sizeof(*d->globals));
	shrink((void **)&d->constants, d->nconstants, sizeof(*d->constants));
	shrink((void **)&d->functions, d->nfunctions, sizeof(*d->functions));
	shrink((void **)&d->vars, d->nvars, sizeof(*d->vars));
}

struct gr_error *dwarfi_resolve(struct gr_dwarf_build *b)
{
	struct gr_error *err = group_fields(b);
	if (!err)
		err = group_vars(b);
	if (err)
		return err;
	resolve_refs(b);
	err = resolve_sizes(b->d);
	if (!err)
		err = dwarfi_build_tables(b->d);
	if (!err)
		shrink_all(b->d);
	return err;
}
