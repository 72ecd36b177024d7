/* SPDX-License-Identifier: MIT */
/*
 * Stack objects and what scanstack finds beyond the frames
 * (runtime/mgcmark.go scanstack, runtime/mgcstack.go): address-taken
 * locals are scanned only when a pointer into the stack reaches them;
 * defer records; the panic record; sudogs of a blocked goroutine.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "forensics/01-base/array.h"
#include "forensics/09-roots/stackroots_internal.h"

enum {
	/* Longer chains than this are cycles in a corrupt core. */
	MAX_DEFERS = 1 << 16,
	MAX_SUDOGS = 1 << 16,
	/* A stack object larger than this is no stack object (the maximum
	 * stack is 1 GB on 64-bit: runtime/proc.go maxstacksize). */
	MAX_OBJECT = 1 << 30,
};

struct gr_error *stackroots_add_object(struct gr_sr_scan *sc, uint32_t frame,
				  uint64_t addr, int64_t size,
				  int64_t ptrdata, uint64_t gcdata)
{
	sc->st.stack_objects++;
	if (size <= 0 || size > MAX_OBJECT || ptrdata > size ||
	    -ptrdata > size || addr < sc->g->stack_lo ||
	    addr > sc->g->stack_hi ||
	    sc->g->stack_hi - addr < (uint64_t)size) {
		sc->st.damaged_frames++;
		return NULL;
	}
	struct gr_error *err =
		gr_array_grow(&sc->objs, &sc->objs_cap, sc->nobjs, 1);
	if (err)
		return err;
	sc->objs[sc->nobjs++] = (struct gr_sr_obj){
		.addr = addr, .size = (uint64_t)size, .ptrdata = ptrdata,
		.gcdata = gcdata, .frame = frame};
	return NULL;
}

static int cmp_obj(const void *a, const void *b)
{
	const struct gr_sr_obj *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* stackScanState.findObject: the object containing @p, or NULL. */
static struct gr_sr_obj *find_object(struct gr_sr_scan *sc, uint64_t p)
{
	size_t lo = 0, hi = sc->nobjs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sc->objs[mid].addr <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	struct gr_sr_obj *o = &sc->objs[lo - 1];
	return p - o->addr < o->size ? o : NULL;
}

GR_MUST_USE
static struct gr_error *scan_object(struct gr_sr_scan *sc,
				    struct gr_sr_obj *o, bool conservative)
{
	o->scanned = true;
	sc->st.stack_objects_live++;
	if (o->ptrdata < 0) {
		/* Go <= 1.23: the type's pointer map is a GC program
		 * (stack.go useGCProg).  Scan the pointer prefix word by
		 * word instead of running it. */
		return stackroots_block(sc, o->frame, NULL, true, o->addr,
				   (uint64_t)-o->ptrdata / 8, 0);
	}
	return stackroots_block(sc, o->frame, NULL, conservative, o->addr,
			   (uint64_t)o->ptrdata / 8, o->gcdata);
}

struct gr_error *stackroots_drain(struct gr_sr_scan *sc)
{
	if (sc->nobjs > 1)
		qsort(sc->objs, sc->nobjs, sizeof(*sc->objs), cmp_obj);
	for (;;) {
		bool cons = sc->precise.n == 0;
		struct gr_sr_ptrs *q = cons ? &sc->conservative : &sc->precise;
		if (q->n == 0)
			return NULL;
		uint64_t p = q->v[--q->n];
		struct gr_sr_obj *o = find_object(sc, p);
		if (!o || o->scanned)
			continue;
		struct gr_error *err = scan_object(sc, o, cons);
		if (err)
			return err;
	}
}

/* Member @m of the record at @base; *ok false when the core does not hold
 * it (FAULT), any other error returned. */
GR_MUST_USE
static struct gr_error *member(struct gr_sr_scan *sc, uint64_t base,
			       const struct gr_dwarf_member *m, uint64_t *ret,
			       bool *ok)
{
	*ret = 0;
	struct gr_error *err = gr_dwarf_member_read(sc->mem, base, m, ret);
	if (gr_error_catch(&err, GR_ERR_BIT(FAULT)))
		*ok = false;
	return err;
}

GR_MUST_USE
static struct gr_error *defers(struct gr_sr_scan *sc)
{
	uint64_t d = sc->g->defer_head;
	char what[64];
	for (int i = 0; d && i < MAX_DEFERS; i++) {
		bool ok = true;
		uint64_t fn, link, heap;
		struct gr_error *err;
		if ((err = member(sc, d, &sc->defer_fn, &fn, &ok)) ||
		    (err = member(sc, d, &sc->defer_link, &link, &ok)) ||
		    (err = member(sc, d, &sc->defer_heap, &heap, &ok)))
			return err;
		if (!ok)
			return NULL;
		snprintf(what, sizeof(what), "defer %#" PRIx64 " fn", d);
		err = stackroots_word(sc, GR_SR_NO_FRAME, what, GR_ROOT_DEFER,
				 d + sc->defer_fn.off, fn);
		snprintf(what, sizeof(what), "defer %#" PRIx64 " link", d);
		if (!err)
			err = stackroots_word(sc, GR_SR_NO_FRAME, what, GR_ROOT_DEFER,
					 d + sc->defer_link.off, link);
		/* "Retain defers records themselves": heap records may not be
		 * reachable otherwise. */
		snprintf(what, sizeof(what), "defer %#" PRIx64 " record", d);
		if (!err && heap)
			err = stackroots_word(sc, GR_SR_NO_FRAME, what, GR_ROOT_DEFER,
					 0, d);
		if (err)
			return err;
		d = link;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *sudogs(struct gr_sr_scan *sc)
{
	uint64_t sg = sc->g->waiting;
	char what[64];
	for (int i = 0; sg && i < MAX_SUDOGS; i++) {
		bool ok = true;
		uint64_t elem;
		struct gr_error *err =
			member(sc, sg, &sc->sudog_elem, &elem, &ok);
		if (err || !ok)
			return err;
		snprintf(what, sizeof(what), "waiting sudog %#" PRIx64 " elem",
			 sg);
		err = stackroots_word(sc, GR_SR_NO_FRAME, what,
				      GR_ROOT_CHANNEL_WAIT,
				      sg + sc->sudog_elem.off, elem);
		if (err)
			return err;
		if (!sc->sudog_waitlink.size)
			break;
		if ((err = member(sc, sg, &sc->sudog_waitlink, &sg, &ok)))
			return err;
		if (!ok)
			break;
	}
	return NULL;
}

struct gr_error *stackroots_goroutine_extras(struct gr_sr_scan *sc)
{
	struct gr_error *err = defers(sc);
	/* "Panics are always stack allocated": the record only makes the
	 * stack object holding it reachable. */
	if (!err && sc->g->panic_head)
		err = stackroots_put_ptr(sc, sc->g->panic_head, false);
	if (!err)
		err = sudogs(sc);
	return err;
}
