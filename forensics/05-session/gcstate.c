/* SPDX-License-Identifier: MIT */
#include "forensics/05-session/gcstate.h"

#include <string.h>

#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"

static const struct {
	const char *name, *global, *member;
} fields[] = {
#define GR_X(f, g, m) {#f, g, m},
	GR_GCSTATE_FIELDS(GR_X)
#undef GR_X
};

const char *gr_gcstate_name(enum gr_gcstate_field f)
{
	return (unsigned)f < GR_GCSTATE_COUNT ? fields[f].name : "unknown";
}

/*
 * The run-time address of global @i and its member (the whole global when
 * the field names none), or a member of size 0 when this Go has no such
 * field (or one of no integer size).  The runtime wraps some of these in
 * atomic types (atomic.Int32 since 1.19, atomic.Uint64 for heapLive since
 * 1.21): their value sits at offset 0, so the wrapper's size is the
 * value's.
 */
GR_MUST_USE
static struct gr_error *locate(const struct gr_dwarf *d, uint64_t bias,
			       size_t i, uint64_t *addr,
			       struct gr_dwarf_member *m)
{
	m->size = 0;
	const struct gr_dwarf_global *g;
	struct gr_error *err = gr_dwarf_global(d, fields[i].global, &g);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)) || err)
		return err;
	*addr = g->addr + bias;
	if (!fields[i].member) {
		uint64_t sz;
		if (gr_dwarf_type_size(d, g->type, &sz) &&
		    (sz == 1 || sz == 2 || sz == 4 || sz == 8))
			*m = (struct gr_dwarf_member){.size = sz,
						      .type = g->type};
		return NULL;
	}
	err = gr_dwarf_member(d, g->type, fields[i].member,
			      GR_DWARF_SIZES(1, 2, 4, 8), m);
	if (gr_error_catch(&err, GR_ERR_BIT(UNSUPPORTED)) || err)
		return err;
	return NULL;
}

enum { MAX_PROCS = 1 << 16 };

/*
 * Σ over the Ps' mcaches, over their cached spans, of (allocCount -
 * allocCountBeforeCache) × elemsize (gcstate.h).  mcache.alloc holds
 * &emptymspan for a class with none (allocCount 0).  False if anything is
 * missing or unreadable: a partial sum would be a wrong one.
 */
GR_MUST_USE
static struct gr_error *unflushed(const struct gr_dwarf *d, struct gr_mem *mem,
				  uint64_t bias, uint64_t *ret, bool *have)
{
	*have = false;
	const struct gr_dwarf_global *g;
	struct gr_dwarf_member p_mcache, mc_alloc, count, before, elemsize;
	struct gr_error *err = gr_dwarf_global(d, "runtime.allp", &g);
	if (!err)
		err = gr_dwarf_member_of(d, "runtime.p", "mcache",
					 GR_DWARF_SIZES(8), &p_mcache);
	if (!err)
		err = gr_dwarf_member_of(d, "runtime.mcache", "alloc", NULL,
					 &mc_alloc);
	if (!err)
		err = gr_dwarf_member_of(d, "runtime.mspan", "allocCount",
					 GR_DWARF_SIZES(2), &count);
	if (!err)
		err = gr_dwarf_member_of(d, "runtime.mspan",
					 "allocCountBeforeCache",
					 GR_DWARF_SIZES(2), &before);
	if (!err)
		err = gr_dwarf_member_of(d, "runtime.mspan", "elemsize",
					 GR_DWARF_SIZES(8), &elemsize);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND) |
					  GR_ERR_BIT(UNSUPPORTED)) ||
	    err)
		return err;
	uint64_t nclass = mc_alloc.size / 8, hdr[3], sum = 0;
	err = gr_mem_read(mem, g->addr + bias, hdr, sizeof(hdr));
	if (gr_error_catch(&err, GR_ERR_BIT(FAULT)) || err)
		return err;
	if (!nclass || hdr[1] > hdr[2] || hdr[1] > MAX_PROCS)
		return NULL;
	for (uint64_t i = 0; i < hdr[1]; i++) {
		uint64_t pp = 0, mc = 0;
		err = gr_mem_u64(mem, hdr[0] + 8 * i, &pp);
		if (!err && pp)
			err = gr_dwarf_member_read(mem, pp, &p_mcache, &mc);
		for (uint64_t k = 0; !err && mc && k < nclass; k++) {
			uint64_t sp, n, b, size;
			err = gr_mem_u64(mem, mc + mc_alloc.off + 8 * k, &sp);
			if (!err && sp)
				err = gr_dwarf_member_read(mem, sp, &count, &n);
			if (!err && sp)
				err = gr_dwarf_member_read(mem, sp, &before, &b);
			if (!err && sp)
				err = gr_dwarf_member_read(mem, sp, &elemsize,
							   &size);
			if (!err && sp && n > b)
				sum += (n - b) * size;
		}
		if (gr_error_catch(&err, GR_ERR_BIT(FAULT)) || err)
			return err;
	}
	*ret = sum;
	*have = true;
	return NULL;
}

struct gr_error *gr_gcstate_read(struct gr_session *s, struct gr_gcstate *ret)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	struct gr_mem *mem = gr_session_mem(s);
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < GR_GCSTATE_COUNT; i++) {
		uint64_t addr = 0, v = 0;
		struct gr_dwarf_member m;
		struct gr_error *err =
			locate(d, gr_session_load_bias(s), i, &addr, &m);
		if (err)
			return err;
		if (!m.size)
			continue;
		err = gr_dwarf_member_read(mem, addr, &m, &v);
		/* The session keeps no damage list: the caller that does
		 * records it from @unreadable. */
		if (gr_error_catch(&err, GR_ERR_BIT(FAULT))) {
			ret->unreadable[i] = true;
			continue;
		}
		if (err)
			return err;
		/* Sign-extend: gcPercent is -1 when GOGC=off. */
		if (m.size < 8 && (v >> (m.size * 8 - 1)) & 1)
			v |= ~(uint64_t)0 << (m.size * 8);
		ret->value[i] = (int64_t)v;
		ret->have[i] = true;
	}
	return unflushed(d, mem, gr_session_load_bias(s), &ret->unflushed_bytes,
			 &ret->have_unflushed);
}

double gr_gcstate_cpu_fraction(const struct gr_gcstate *st)
{
	if (!st->have[GR_GCSTATE_gc_cpu_fraction_bits])
		return -1;
	double f;
	int64_t bits = st->value[GR_GCSTATE_gc_cpu_fraction_bits];
	memcpy(&f, &bits, sizeof(f));
	return f;
}

uint64_t gr_gcstate_metadata_bytes(const struct gr_gcstate *st)
{
	uint64_t sum = 0;
	for (int f = GR_GCSTATE_mspan_sys; f <= GR_GCSTATE_other_sys; f++)
		if (st->have[f])
			sum += (uint64_t)st->value[f];
	return sum;
}
