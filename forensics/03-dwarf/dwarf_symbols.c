/* SPDX-License-Identifier: MIT */
/* Globals, constants and functions of the index. */
#include "forensics/03-dwarf/dwarf_internal.h"

size_t gr_dwarf_global_count(const struct gr_dwarf *d)
{
	return d->nglobals;
}

size_t gr_dwarf_constant_count(const struct gr_dwarf *d)
{
	return d->nconstants;
}

size_t gr_dwarf_function_count(const struct gr_dwarf *d)
{
	return d->nfunctions;
}

size_t gr_dwarf_var_count(const struct gr_dwarf *d)
{
	return d->nvars;
}

const struct gr_dwarf_global *gr_dwarf_global_at_index(const struct gr_dwarf *d,
						       size_t i)
{
	return i < d->nglobals ? &d->globals[i] : NULL;
}

struct gr_error *gr_dwarf_global(const struct gr_dwarf *d, const char *name,
				 const struct gr_dwarf_global **ret)
{
	uint32_t i = dwarfi_names_find(&d->global_names, name);
	if (i == GR_DWARF_NO_TYPE)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "DWARF: no global %s", name);
	if (d->rec_globals)
		d->rec_globals[i] |= GR_DWARF_REC_USED | GR_DWARF_REC_NAMED;
	*ret = &d->globals[i];
	return NULL;
}

/* Number of entries of @ids whose start (by @start) is <= @addr. */
static size_t upper_bound(const uint32_t *ids, size_t n, uint64_t addr,
			  uint64_t (*start)(const struct gr_dwarf *, uint32_t),
			  const struct gr_dwarf *d)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (start(d, ids[mid]) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t global_start(const struct gr_dwarf *d, uint32_t id)
{
	return d->globals[id].addr;
}

static uint64_t function_start(const struct gr_dwarf *d, uint32_t id)
{
	return d->functions[id].low_pc;
}

static bool global_covers(const struct gr_dwarf_global *g, uint64_t addr)
{
	if (addr == g->addr)
		return true;
	return g->has_size && addr - g->addr < g->size;
}

const struct gr_dwarf_global *gr_dwarf_global_at(const struct gr_dwarf *d,
						 uint64_t addr)
{
	size_t n = upper_bound(d->globals_by_addr, d->nglobals, addr,
			       global_start, d);
	if (n == 0)
		return NULL;
	/*
	 * Globals do not overlap, but zero-sized ones share an address with
	 * their neighbour: among those starting at the same place, prefer
	 * one that covers @addr, the sized one.
	 */
	uint64_t start = d->globals[d->globals_by_addr[n - 1]].addr;
	const struct gr_dwarf_global *best = NULL;
	for (size_t i = n; i > 0; i--) {
		const struct gr_dwarf_global *g =
			&d->globals[d->globals_by_addr[i - 1]];
		if (g->addr != start)
			break;
		if (global_covers(g, addr) &&
		    (!best || (g->has_size && g->size > best->size)))
			best = g;
	}
	return best;
}

const struct gr_dwarf_constant *
gr_dwarf_constant_at_index(const struct gr_dwarf *d, size_t i)
{
	return i < d->nconstants ? &d->constants[i] : NULL;
}

struct gr_error *gr_dwarf_constant(const struct gr_dwarf *d, const char *name,
				   int64_t *ret)
{
	uint32_t i = dwarfi_names_find(&d->constant_names, name);
	if (i == GR_DWARF_NO_TYPE)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "DWARF: no constant %s", name);
	if (d->rec_constants)
		d->rec_constants[i] |= GR_DWARF_REC_USED | GR_DWARF_REC_NAMED;
	*ret = d->constants[i].value;
	return NULL;
}

const struct gr_dwarf_function *
gr_dwarf_function_at_index(const struct gr_dwarf *d, size_t i)
{
	return i < d->nfunctions ? &d->functions[i] : NULL;
}

const struct gr_dwarf_function *gr_dwarf_function_at(const struct gr_dwarf *d,
						     uint64_t pc)
{
	size_t n = upper_bound(d->functions_by_pc, d->nfunctions, pc,
			       function_start, d);
	if (n == 0)
		return NULL;
	const struct gr_dwarf_function *f =
		&d->functions[d->functions_by_pc[n - 1]];
	return pc < f->high_pc ? f : NULL;
}

const struct gr_dwarf_var *gr_dwarf_function_var(const struct gr_dwarf *d,
						 const struct gr_dwarf_function *fn,
						 uint32_t i)
{
	if (!fn || i >= fn->nvars)
		return NULL;
	return &d->vars[fn->first_var_ + i];
}
