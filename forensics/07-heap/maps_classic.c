/* SPDX-License-Identifier: MIT */
/*
 * gr_maps: the classic implementation, runtime/map.go (Go <= 1.23) and
 * runtime/map_noswiss.go (1.24-1.25 under GOEXPERIMENT=noswissmap).
 *
 * hmap.buckets is an array of 2^B buckets; from B >= 4 makeBucketArray
 * allocates 2^(B-4) more (rounded up to fill the size class) at its end
 * and hands them out as overflow buckets through extra.nextOverflow, so
 * they belong to the array's object.  Other overflow buckets are objects
 * of their own (newoverflow: newobject(t.bucket)).  While the map grows,
 * oldbuckets holds the array being evacuated: 2^(B-1) buckets, or 2^B for
 * a same-size grow.  Each bucket belongs to exactly one chain, which is
 * what bounds the walk: a separate overflow object seen twice, or more
 * preallocated buckets entered than exist, is a cycle.
 */
#include <inttypes.h>
#include <string.h>

#include "forensics/07-heap/maps_internal.h"

enum { NO_ARRAY = 2 };

struct array {
	uint64_t base;	 /* bucket 0 */
	uint64_t nmain;	 /* 2^B */
	uint64_t ntotal; /* buckets in the allocation, preallocated included */
	uint64_t visits; /* preallocated buckets entered from chains */
	bool present;
};

GR_MUST_USE
static struct gr_error *bucket_array(struct map_walk *w, uint64_t addr,
				     unsigned b, enum gr_map_part part,
				     const char *what, struct array *a)
{
	const struct map_shape *sh = w->sh;
	uint64_t need;
	memset(a, 0, sizeof(*a));
	if (b > 63 || __builtin_mul_overflow((uint64_t)1 << b,
					     sh->container_size, &need))
		return maps_bad(w, "%s: B = %u", what, b);
	struct maps_storage st;
	struct gr_error *err = maps_storage(w, addr, need, sh->container_type,
					   0, part, what, &st);
	if (err)
		return err;
	a->base = addr;
	a->nmain = a->ntotal = (uint64_t)1 << b;
	/* "For small b, overflow buckets are unlikely" (makeBucketArray):
	 * only from b >= 4 is the rest of the allocation buckets. */
	if (b >= 4 && st.id != GR_HEAP_NO_OBJECT)
		a->ntotal = (st.end - addr) / sh->container_size;
	a->present = true;
	w->info->capacity += MAP_SLOTS * a->ntotal;
	return NULL;
}

/* Where an overflow pointer lands: a preallocated bucket of one of the
 * arrays (true), or elsewhere (false, to be checked as an object). */
GR_MUST_USE
static struct gr_error *in_array(struct map_walk *w, struct array *arrays,
				 uint64_t next, bool *ret)
{
	uint64_t bsz = w->sh->container_size;
	*ret = false;
	for (unsigned i = 0; i < NO_ARRAY; i++) {
		struct array *a = &arrays[i];
		if (!a->present || next < a->base ||
		    next - a->base >= a->ntotal * bsz)
			continue;
		uint64_t off = next - a->base;
		if (off % bsz)
			return maps_bad(w,
				       "overflow 0x%" PRIx64
				       " is not on a bucket boundary",
				       next);
		if (off / bsz < a->nmain)
			return maps_bad(w,
				       "overflow chain re-enters bucket %" PRIu64
				       " of array 0x%" PRIx64,
				       off / bsz, a->base);
		if (++a->visits > a->ntotal - a->nmain)
			return maps_bad(w,
				       "overflow chains loop through the "
				       "preallocated buckets of 0x%" PRIx64,
				       a->base);
		*ret = true;
		return NULL;
	}
	return NULL;
}

struct gr_error *gr_maps_chain_next(struct gr_maps_chain *c,
				    uint64_t *bucket_ret,
				    uint8_t tophash[GR_MAP_SLOTS])
{
	uint8_t top[GR_MAP_SLOTS];
	uint64_t next;
	struct gr_error *err;
	if ((err = gr_mem_read(c->mem, c->next + c->tophash_off, top,
			       sizeof(top))) ||
	    (err = gr_mem_read(c->mem, c->next + c->overflow_off, &next,
			       sizeof(next))))
		return err;
	memcpy(tophash, top, sizeof(top));
	*bucket_ret = c->next;
	c->next = next;
	return NULL;
}

GR_MUST_USE
static struct gr_error *chain(struct map_walk *w, struct array *arrays,
			      uint64_t b)
{
	const struct map_shape *sh = w->sh;
	struct gr_maps_chain c = {.mem = w->m->mem,
				  .overflow_off = sh->overflow_off,
				  .next = b};
	for (;;) {
		uint8_t tophash[MAP_SLOTS];
		struct gr_error *err = gr_maps_chain_next(&c, &b, tophash);
		if (err)
			return gr_error_prefix(err, "map 0x%" PRIx64,
					       w->header);
		uint64_t next = c.next;
		if (!maps_container(w, b, tophash) || !next)
			return NULL;
		bool prealloc;
		if ((err = in_array(w, arrays, next, &prealloc)))
			return err;
		if (!prealloc) {
			struct maps_storage st;
			if ((err = maps_storage(w, next, sh->container_size,
					       sh->container_type, 0,
					       GR_MAP_PART_OVERFLOW,
					       "overflow bucket", &st)))
				return err;
			if (!st.fresh)
				return maps_bad(w,
					       "overflow bucket 0x%" PRIx64
					       " reached twice (cycle)",
					       next);
			w->info->capacity += MAP_SLOTS;
		}
	}
}

GR_MUST_USE
static struct gr_error *walk_array(struct map_walk *w, struct array *arrays,
				   const struct array *a)
{
	for (uint64_t i = 0; i < a->nmain && !w->stopped; i++) {
		struct gr_error *err =
			chain(w, arrays, a->base + i * w->sh->container_size);
		if (err)
			return err;
	}
	return NULL;
}

/* hmap.extra (runtime/map.go mapextra): the overflow slices that keep
 * overflow buckets alive when buckets hold no pointers. */
GR_MUST_USE
static struct gr_error *extra(struct map_walk *w, uint64_t addr)
{
	const struct map_shape *sh = w->sh;
	uint64_t need = (sh->extra_overflow > sh->extra_oldoverflow
				 ? sh->extra_overflow
				 : sh->extra_oldoverflow) + 8;
	struct maps_storage st;
	struct gr_error *err = maps_storage(w, addr, need, sh->extra_type, 0,
					   GR_MAP_PART_EXTRA, "mapextra", &st);
	if (err)
		return err;
	uint64_t slices[2];
	if ((err = maps_read(w, addr + sh->extra_overflow, &slices[0], 8)) ||
	    (err = maps_read(w, addr + sh->extra_oldoverflow, &slices[1], 8)))
		return err;
	const struct gr_dwarf_type *st_type =
		gr_dwarf_type(w->m->dwarf, sh->extra_slice_type);
	uint32_t elem = st_type ? st_type->elem : GR_DWARF_NO_TYPE;
	for (unsigned i = 0; i < 2; i++) {
		uint64_t hdr[3]; /* array, len, cap */
		if (!slices[i])
			continue;
		if ((err = maps_storage(w, slices[i], sizeof(hdr),
				       sh->extra_slice_type, 0,
				       GR_MAP_PART_EXTRA, "overflow slice",
				       &st)) ||
		    (err = maps_read(w, slices[i], hdr, sizeof(hdr))))
			return err;
		if (!hdr[0])
			continue;
		if (hdr[1] > hdr[2] || hdr[2] > UINT64_MAX / 8)
			return maps_bad(w, "overflow slice 0x%" PRIx64
				       ": len %" PRIu64 ", cap %" PRIu64,
				       slices[i], hdr[1], hdr[2]);
		if ((err = maps_storage(w, hdr[0], 8 * hdr[2], elem, hdr[2],
				       GR_MAP_PART_EXTRA,
				       "overflow slice array", &st)))
			return err;
	}
	return NULL;
}

struct gr_error *maps_walk_classic(struct map_walk *w)
{
	const struct map_shape *sh = w->sh;
	const uint8_t *hdr = w->hdr;
	struct gr_error *err;
	uint64_t count = maps_member_value(hdr, &sh->count);
	uint64_t flags = maps_member_value(hdr, &sh->flags);
	unsigned b = (unsigned)maps_member_value(hdr, &sh->b);
	uint64_t buckets = maps_member_value(hdr, &sh->buckets);
	uint64_t oldbuckets = maps_member_value(hdr, &sh->oldbuckets);
	uint64_t extra_addr = maps_member_value(hdr, &sh->extra);
	if ((int64_t)count < 0)
		return maps_bad(w, "count %" PRId64, (int64_t)count);
	w->info->entries = count;
	w->writing = flags & CLASSIC_FLAG_WRITING;
	if (b > 63)
		return maps_bad(w, "B = %u", b);

	struct array arrays[NO_ARRAY];
	memset(arrays, 0, sizeof(arrays));
	/* makemap_small leaves buckets nil until the first insert. */
	if (buckets && (err = bucket_array(w, buckets, b, GR_MAP_PART_BUCKETS,
					   "buckets", &arrays[0])))
		return err;
	if (oldbuckets) {
		bool same = flags & CLASSIC_FLAG_SAME_SIZE;
		if (!buckets || (!same && b == 0))
			return maps_bad(w, "oldbuckets with B = %u", b);
		if ((err = bucket_array(w, oldbuckets, same ? b : b - 1,
					GR_MAP_PART_OLDBUCKETS, "oldbuckets",
					&arrays[1])))
			return err;
	}
	if (extra_addr && (err = extra(w, extra_addr)))
		return err;
	for (unsigned i = 0; i < NO_ARRAY && !w->stopped; i++)
		if (arrays[i].present &&
		    (err = walk_array(w, arrays, &arrays[i])))
			return err;
	return NULL;
}
