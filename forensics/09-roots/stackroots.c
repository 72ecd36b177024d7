/* SPDX-License-Identifier: MIT */
/*
 * Stack roots: frames (runtime/mgcmark.go scanframeworker with
 * runtime/stkframe.go getStackMap; runtime/stack.go getStackMap in 1.19),
 * naming, and the driver.  See stackroots.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"
#include "forensics/09-roots/stackroots_internal.h"

enum {
	/* runtime/traceback.go reflectMethodValue{fn, stack *bitvector,
	 * argLen} and bitvector{n int32, bytedata *uint8}, unchanged
	 * 1.19-1.27. */
	MV_FN = 0,
	MV_STACK = 8,
	MV_ARGLEN = 16,
	/* stkframe.go argMapInternal: retValid at arg0 + 4*PtrSize. */
	MV_RET_VALID = 32,
	/* runtime/stack.go stackObjectRecord: {off, size int32; ptrdata
	 * int32 (named _ptrdata <= 1.23, ptrBytes 1.24+); gcdataoff uint32}. */
	STACK_OBJECT_RECORD = 16,
	/* More stack objects than this in one frame is a corrupt record. */
	MAX_FRAME_OBJECTS = 1 << 16,
	/* Stack maps: runtime/symtab.go stackmap{n, nbit int32; bytedata}. */
	STACKMAP_HEADER = 8,
};

/* --- naming and reporting --- */

static const struct gr_sr_frame_info *frame_info(struct gr_sr_scan *sc,
						  uint32_t frame)
{
	enum { NCACHE = sizeof(sc->frame_cache) / sizeof(sc->frame_cache[0]),
	       MAX_LOGICAL = 16 };
	const struct gr_frame *f = &sc->frames[frame];
	uint64_t pc = gr_frame_sym_pc(f);
	struct gr_sr_frame_info *fi =
		&sc->frame_cache[(pc ^ pc >> 7 ^ pc >> 13) % NCACHE];
	if (fi->pc == pc)
		return fi;
	fi->pc = pc;
	struct gr_error *err = stackroots_frame_vars(sc->names, pc, &fi->vars);
	gr_error_destroy(err); /* NOMEM: the slots stay unnamed */
	/* Name the frame after the innermost call inlined at its pc, whose
	 * variables the DWARF lists with the physical function's. */
	struct gr_logical_frame lf[MAX_LOGICAL];
	size_t n = 0;
	/* The goroutines' walk expanded these frames first and recorded
	 * what it could not read: NULL, not twice.  NOMEM, as above: the
	 * frame is named after its physical function. */
	err = gr_unwind_logical(sc->unwind, f, NULL, lf, MAX_LOGICAL, &n);
	gr_error_destroy(err);
	if (n > 1)
		snprintf(fi->label, sizeof(fi->label), "%s (inlined in %s)",
			 lf[0].func, f->func);
	else
		snprintf(fi->label, sizeof(fi->label), "%s", f->func);
	return fi;
}

static void root_name(struct gr_sr_scan *sc, uint32_t frame, const char *what,
		      uint64_t slot, char *buf, size_t size, uint32_t *type,
		      uint64_t *var_size)
{
	const struct gr_goroutine *g = sc->g;
	const char *gf = g->go_func[0] ? g->go_func : g->start_func;
	*type = GR_ROOT_NO_TYPE;
	*var_size = 8;
	int n = snprintf(buf, size, "goroutine %" PRIu64 " (%s)", g->id,
			 gf[0] ? gf : "?");
	if (n < 0 || (size_t)n >= size)
		return;
	if (frame == GR_SR_NO_FRAME) {
		snprintf(buf + n, size - (size_t)n, " %s", what);
		return;
	}
	const struct gr_frame *f = &sc->frames[frame];
	const struct gr_sr_frame_info *fi = frame_info(sc, frame);
	const struct gr_sr_vars *vars = &fi->vars;
	int m = snprintf(buf + n, size - (size_t)n, " frame %u %s", frame,
			 fi->label);
	if (m < 0 || (size_t)(n + m) >= size)
		return;
	n += m;
	uint64_t off;
	const struct gr_sr_piece *p =
		slot ? stackroots_lookup(vars, f->fp, slot, &off) : NULL;
	if (p && off)
		snprintf(buf + n, size - (size_t)n, " var %s+%#" PRIx64 "%s%s",
			 p->name, off, what ? " " : "", what ? what : "");
	else if (p)
		snprintf(buf + n, size - (size_t)n, " var %s%s%s", p->name,
			 what ? " " : "", what ? what : "");
	else
		snprintf(buf + n, size - (size_t)n, " sp+%#" PRIx64 "%s%s",
			 slot - f->sp, what ? " " : "", what ? what : "");
	if (p) {
		*type = p->type;
		*var_size = p->size;
	}
}

struct gr_error *stackroots_put_ptr(struct gr_sr_scan *sc, uint64_t v,
			       bool conservative)
{
	struct gr_sr_ptrs *q = conservative ? &sc->conservative : &sc->precise;
	struct gr_error *err = gr_array_grow(&q->v, &q->cap, q->n, 1);
	if (err)
		return err;
	q->v[q->n++] = v;
	return NULL;
}

static uint64_t hash_slot(uint64_t x)
{
	/* splitmix64 finaliser. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Insert @slot in the seen set; *@before says whether it was there
 * already.  NOMEM only. */
GR_MUST_USE
static struct gr_error *seen_before(struct gr_sr_scan *sc, uint64_t slot,
				    bool *before)
{
	if (2 * (sc->seen_n + 1) > sc->seen_cap) {
		size_t cap = sc->seen_cap ? 2 * sc->seen_cap : 1024;
		struct gr_sr_seen *n = calloc(cap, sizeof(*n));
		if (!n)
			return gr_error_nomem();
		for (size_t i = 0; i < sc->seen_cap; i++) {
			const struct gr_sr_seen *e = &sc->seen[i];
			if (e->gen != sc->gen)
				continue;
			size_t h = hash_slot(e->slot) & (cap - 1);
			while (n[h].gen == sc->gen)
				h = (h + 1) & (cap - 1);
			n[h] = *e;
		}
		free(sc->seen);
		sc->seen = n;
		sc->seen_cap = cap;
	}
	size_t h = hash_slot(slot) & (sc->seen_cap - 1);
	*before = true;
	for (; sc->seen[h].gen == sc->gen; h = (h + 1) & (sc->seen_cap - 1))
		if (sc->seen[h].slot == slot)
			return NULL;
	*before = false;
	sc->seen[h] = (struct gr_sr_seen){slot, sc->gen};
	sc->seen_n++;
	return NULL;
}

struct gr_error *stackroots_word(struct gr_sr_scan *sc, uint32_t frame,
			    const char *what, enum gr_root_kind kind,
			    uint64_t slot, uint64_t value)
{
	bool cons = kind == GR_ROOT_STACK_CONSERVATIVE;
	if (value == 0)
		return NULL;
	if (value >= sc->g->stack_lo && value < sc->g->stack_hi) {
		/* mgcmark.go scanblock/scanConservative: stk.putPtr. */
		if (kind == GR_ROOT_CHANNEL_WAIT)
			return NULL;
		return stackroots_put_ptr(sc, value, cons);
	}
	if (cons && sc->heap && gr_heap_find(sc->heap, value) == GR_HEAP_NO_OBJECT)
		return NULL;
	struct gr_error *err;
	bool before = false;
	if (slot && (err = seen_before(sc, slot, &before)))
		return err;
	if (before)
		return NULL;

	char name[sizeof(sc->root_name)];
	uint32_t type;
	uint64_t size;
	root_name(sc, frame, what, slot, name, sizeof(name), &type, &size);
	if (!sc->have_root || sc->root_kind != kind ||
	    strcmp(name, sc->root_name) != 0) {
		uint32_t ri;
		err = gr_roots_add(sc->roots, kind, name, slot, size, type,
				   (uint32_t)sc->gi, false, &ri);
		if (err)
			return err;
		if (frame != GR_SR_NO_FRAME)
			gr_roots_set_frame(sc->roots, ri, sc->frames[frame].sp,
					   sc->frames[frame].entry);
		sc->have_root = true;
		sc->root_kind = kind;
		memcpy(sc->root_name, name, sizeof(name));
	}
	if ((err = gr_roots_add_slot(sc->roots, slot, value)))
		return err;
	if (kind == GR_ROOT_STACK)
		sc->st.precise_slots++;
	else if (kind == GR_ROOT_STACK_CONSERVATIVE)
		sc->st.conservative_slots++;
	else if (kind == GR_ROOT_DEFER)
		sc->st.defer_slots++;
	else if (kind == GR_ROOT_CHANNEL_WAIT)
		sc->st.channel_wait_slots++;
	return NULL;
}

struct gr_error *stackroots_block(struct gr_sr_scan *sc, uint32_t frame,
			     const char *what, bool conservative,
			     uint64_t addr, uint64_t nbits, uint64_t mask)
{
	enum gr_root_kind kind =
		conservative ? GR_ROOT_STACK_CONSERVATIVE : GR_ROOT_STACK;
	uint8_t byte = 0xff;
	for (uint64_t i = 0; i < nbits; i++) {
		struct gr_error *err;
		if (mask && i % 8 == 0 &&
		    (err = gr_mem_u8(sc->mem, mask + i / 8, &byte))) {
			/* An unreadable bitmap: the rest is unknown. */
			if (!gr_error_catch(&err, GR_ERR_BIT(FAULT)))
				return err;
			sc->st.damaged_frames++;
			return NULL;
		}
		if (!(byte >> (i % 8) & 1))
			continue;
		uint64_t v;
		if ((err = gr_mem_u64(sc->mem, addr + 8 * i, &v))) {
			if (!gr_error_catch(&err, GR_ERR_BIT(FAULT)))
				return err;
			sc->st.unreadable_words++;
			continue;
		}
		if ((err = stackroots_word(sc, frame, what, kind, addr + 8 * i, v)))
			return err;
	}
	return NULL;
}

/* --- frames --- */

static bool funcdata(struct gr_sr_scan *sc, const struct gr_pcln_func *fn,
		     uint32_t i, uint64_t *ret)
{
	struct gr_error *err =
		gr_pcln_funcdata_addr(sc->pcln, fn, i, sc->gofunc, ret);
	/* The executable's pclntab; the caller counts the frame damaged. */
	gr_error_destroy(err);
	return !err;
}

/*
 * Entry @idx of the stack map at @map: its bit count and bitmap address.
 * False for a missing or inconsistent map (the runtime throws).
 */
static bool stackmap(struct gr_sr_scan *sc, uint64_t map, int32_t idx,
		     int32_t *nbit, uint64_t *bits)
{
	int32_t hdr[2];
	struct gr_error *err = gr_mem_read(sc->mem, map, hdr, sizeof(hdr));
	if (err) {
		/* Not a damage record: the caller counts the frame damaged. */
		gr_error_destroy(err);
		return false;
	}
	if (hdr[0] <= 0 || hdr[1] < 0)
		return false;
	*nbit = hdr[1];
	if (hdr[1] == 0)
		return true;
	if (idx < 0 || idx >= hdr[0])
		return false;
	*bits = map + STACKMAP_HEADER +
		(uint64_t)idx * (((uint64_t)hdr[1] + 7) / 8);
	return true;
}

GR_MUST_USE
static struct gr_error *conservative_frame(struct gr_sr_scan *sc,
					   uint32_t k, uint64_t argbytes)
{
	const struct gr_frame *f = &sc->frames[k];
	struct gr_error *err = NULL;
	if (f->varp != 0 && f->varp > f->sp)
		err = stackroots_block(sc, k, NULL, true, f->sp,
				  (f->varp - f->sp) / 8, 0);
	if (!err && argbytes)
		err = stackroots_block(sc, k, NULL, true, f->argp, argbytes / 8, 0);
	return err;
}

/* stkframe.go argMapInternal for reflect.makeFuncStub/methodValueCall:
 * nbits and mask of the arguments, 0 bits when not yet known. */
static bool reflect_args(struct gr_sr_scan *sc, const struct gr_frame *f,
			 int32_t *nbits, uint64_t *mask)
{
	uint64_t arg0 = f->sp, mv, fn, stk, arglen, bytedata;
	uint8_t ret_valid;
	int32_t n;
	*nbits = 0;
	*mask = 0;
	if (arg0 >= f->fp - 8)
		return true; /* not started yet: no arguments */
	struct gr_error *err = gr_mem_u64(sc->mem, arg0, &mv);
	if (!err)
		err = gr_mem_u8(sc->mem, arg0 + MV_RET_VALID, &ret_valid);
	if (!err)
		err = gr_mem_u64(sc->mem, mv + MV_FN, &fn);
	if (!err)
		err = gr_mem_u64(sc->mem, mv + MV_STACK, &stk);
	if (!err)
		err = gr_mem_u64(sc->mem, mv + MV_ARGLEN, &arglen);
	if (!err)
		err = gr_mem_read(sc->mem, stk, &n, sizeof(n));
	if (!err)
		err = gr_mem_u64(sc->mem, stk + 8, &bytedata);
	if (err || fn != f->entry || n < 0) {
		/* Not a damage record: the caller counts the frame damaged. */
		gr_error_destroy(err);
		return false;
	}
	if (!ret_valid && (int64_t)(arglen / 8) < n)
		n = (int32_t)(arglen / 8);
	*nbits = n;
	*mask = bytedata;
	return true;
}

GR_MUST_USE
static struct gr_error *frame_objects(struct gr_sr_scan *sc, uint32_t k,
				      const struct gr_pcln_func *fn,
				      bool reflect)
{
	const struct gr_frame *f = &sc->frames[k];
	uint64_t recs, n = 1;
	if (f->varp == 0)
		return NULL;
	if (reflect) {
		recs = sc->method_value_objs;
		if (!recs)
			return NULL;
	} else {
		uint64_t p;
		if (!funcdata(sc, fn, GR_FUNCDATA_STACK_OBJECTS, &p))
			return NULL;
		struct gr_error *err = gr_mem_u64(sc->mem, p, &n);
		if (err && !gr_error_catch(&err, GR_ERR_BIT(FAULT)))
			return err;
		if (err || n > MAX_FRAME_OBJECTS) {
			sc->st.damaged_frames++;
			return NULL;
		}
		recs = p + 8;
	}
	for (uint64_t i = 0; i < n; i++) {
		int32_t r[4];
		struct gr_error *err = gr_mem_read(
			sc->mem, recs + i * STACK_OBJECT_RECORD, r, sizeof(r));
		if (gr_error_catch(&err, GR_ERR_BIT(FAULT))) {
			sc->st.damaged_frames++;
			return NULL;
		}
		if (err)
			return err;
		uint64_t base = r[0] >= 0 ? f->argp : f->varp;
		uint64_t ptr = base + (uint64_t)(int64_t)r[0];
		if (ptr < f->sp)
			continue; /* not allocated in the frame yet */
		err = stackroots_add_object(sc, k, ptr, r[1], r[2],
				       sc->rodata + (uint32_t)r[3]);
		if (err)
			return err;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *precise_frame(struct gr_sr_scan *sc, uint32_t k)
{
	const struct gr_frame *f = &sc->frames[k];
	struct gr_pcln_func fn;
	struct gr_error *err;
	if (f->continpc == 0)
		return NULL; /* dead frame: getStackMap returns nothing */
	if ((err = gr_pcln_func_at(sc->pcln, f->func_index, &fn))) {
		if (!gr_error_catch(&err, GR_ERR_CONTENT))
			return err;
		sc->st.damaged_frames++;
		return conservative_frame(sc, k, 0);
	}
	/* Back up to the CALL, except at the entry (use the entry map). */
	int32_t idx = -1;
	uint64_t target = f->continpc;
	if (target != fn.entry) {
		target--;
		err = gr_pcln_pcdata(sc->pcln, &fn, GR_PCDATA_STACK_MAP_INDEX,
				     target, &idx);
		if (!gr_error_catch(&err, GR_ERR_CONTENT) && err)
			return err;
	}
	if (idx == -1)
		idx = 0; /* "likely the function prologue" */

	int32_t nbit = 0;
	uint64_t map, bits = 0;
	bool bad = false;
	if (f->varp > f->sp) {
		if (!funcdata(sc, &fn, GR_FUNCDATA_LOCALS_POINTER_MAPS, &map) ||
		    !stackmap(sc, map, idx, &nbit, &bits) ||
		    8 * (uint64_t)nbit > f->varp - f->sp)
			bad = true;
	}
	int32_t anbit = 0;
	uint64_t abits = 0;
	bool reflect = false;
	if (f->args == GR_ARGS_SIZE_UNKNOWN) {
		reflect = f->special == GR_SPECIAL_MAKE_FUNC_STUB ||
			  f->special == GR_SPECIAL_METHOD_VALUE_CALL;
		if (reflect && !reflect_args(sc, f, &anbit, &abits))
			bad = true;
	} else if (f->args > 0) {
		/* The map covers the arguments and results, no more. */
		if (!funcdata(sc, &fn, GR_FUNCDATA_ARGS_POINTER_MAPS, &map) ||
		    !stackmap(sc, map, idx, &anbit, &abits) ||
		    8 * (int64_t)anbit > f->args)
			bad = true;
	}
	if (anbit > 0 && (f->argp > sc->g->stack_hi ||
			  (sc->g->stack_hi - f->argp) / 8 < (uint64_t)anbit))
		bad = true;
	if (bad) {
		sc->st.damaged_frames++;
		return conservative_frame(
			sc, k, f->args > 0 ? (uint64_t)f->args : 0);
	}
	if (nbit > 0 && (err = stackroots_block(sc, k, NULL, false,
					   f->varp - 8 * (uint64_t)nbit,
					   (uint64_t)nbit, bits)))
		return err;
	if (anbit > 0 && (err = stackroots_block(sc, k, NULL, false, f->argp,
					    (uint64_t)anbit, abits)))
		return err;
	return frame_objects(sc, k, &fn, reflect);
}

GR_MUST_USE
static struct gr_error *scan_frame(struct gr_sr_scan *sc, uint32_t k)
{
	const struct gr_frame *f = &sc->frames[k];
	sc->st.frames++;
	if (f->flags & GR_FRAME_CONSERVATIVE) {
		uint64_t args = f->args > 0 ? (uint64_t)f->args : 0;
		if (f->args == GR_ARGS_SIZE_UNKNOWN) {
			int32_t n;
			uint64_t m;
			if (reflect_args(sc, f, &n, &m))
				args = 8 * (uint64_t)n;
		}
		return conservative_frame(sc, k, args);
	}
	return precise_frame(sc, k);
}

/* --- goroutines --- */

GR_MUST_USE
static struct gr_error *registers(struct gr_sr_scan *sc)
{
	const struct gr_regs *r = &sc->g->regs;
	const uint64_t amd64[] = {r->rax, r->rbx, r->rcx, r->rdx, r->rsi,
				  r->rdi, r->rbp, r->r8,  r->r9,  r->r10,
				  r->r11, r->r12, r->r13, r->r14, r->r15};
	/* arm64: x0-x30, arguments, results, temporaries, fp and lr. */
	const uint64_t *v = sc->g->regs_are_arm64 ? sc->g->regs_arm64.x : amd64;
	size_t n = sc->g->regs_are_arm64
			   ? sizeof(sc->g->regs_arm64.x) / sizeof(uint64_t)
			   : sizeof(amd64) / sizeof(amd64[0]);
	for (size_t i = 0; i < n; i++) {
		struct gr_error *err =
			stackroots_word(sc, GR_SR_NO_FRAME, "registers",
				   GR_ROOT_STACK_CONSERVATIVE, 0, v[i]);
		if (err)
			return err;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *scan_goroutine(struct gr_sr_scan *sc, size_t gi)
{
	const struct gr_goroutine *g = gr_goroutines_get(sc->gs, gi);
	if (gr_g_is_dead(g) || g->frames_from == GR_G_FROM_NONE)
		return NULL;
	sc->gi = gi;
	sc->g = g;
	sc->frames = gr_goroutines_frames(sc->gs, gi);
	sc->nobjs = sc->precise.n = sc->conservative.n = 0;
	sc->have_root = false;
	/* Generation 0 marks empty entries. */
	sc->gen++;
	sc->seen_n = 0;
	sc->st.goroutines++;
	if (g->unwind_end != GR_UNWIND_TOP)
		sc->st.incomplete_stacks++;

	struct gr_error *err = NULL;
	/* mgcmark.go scanstack: "Scan the saved context register". */
	if (g->sched_ctxt)
		err = stackroots_word(sc, GR_SR_NO_FRAME, "sched.ctxt", GR_ROOT_STACK,
				 0, g->sched_ctxt);
	if (!err && g->have_regs)
		err = registers(sc);
	for (uint32_t k = 0; !err && k < g->nframes; k++)
		err = scan_frame(sc, k);
	if (!err)
		err = stackroots_goroutine_extras(sc);
	if (!err)
		err = stackroots_drain(sc);
	return err;
}

GR_MUST_USE
static struct gr_error *scan_init(struct gr_sr_scan *sc, struct gr_session *s)
{
	const struct gr_moduledata *md = gr_session_moduledata(s);
	const struct gr_dwarf *d = gr_session_dwarf(s);
	sc->s = s;
	sc->mem = gr_session_mem(s);
	sc->pcln = gr_session_pcln(s);
	sc->gofunc = md->gofunc;
	sc->rodata = md->rodata;
	const struct gr_dwarf_global *glob;
	struct gr_error *err =
		gr_dwarf_global(d, "runtime.methodValueCallFrameObjs", &glob);
	if (!err)
		sc->method_value_objs = glob->addr + gr_session_load_bias(s);
	if (!gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)) && err)
		return err;
	/* runtime2.go: sudog.elem is unsafe.Pointer up to 1.25, a
	 * maybeTraceablePtr{vp, vu} from 1.26, read at vp as before. */
	const char *elem = gr_dwarf_has_member(d, "runtime.sudog", "elem.vp")
				   ? "elem.vp"
				   : "elem";
	const uint64_t *word = GR_DWARF_SIZES(8);
	if ((err = gr_dwarf_member_of(d, "runtime._defer", "fn", word,
				      &sc->defer_fn)) ||
	    (err = gr_dwarf_member_of(d, "runtime._defer", "link", word,
				      &sc->defer_link)) ||
	    (err = gr_dwarf_member_of(d, "runtime._defer", "heap",
				      GR_DWARF_SIZES(1), &sc->defer_heap)) ||
	    (err = gr_dwarf_member_of(d, "runtime.sudog", elem, word,
				      &sc->sudog_elem)))
		return gr_error_prefix(err, "stack roots");
	sc->sudog_waitlink = (struct gr_dwarf_member){0};
	err = gr_dwarf_member_of(d, "runtime.sudog", "waitlink", word,
				 &sc->sudog_waitlink);
	if (!gr_error_catch(&err, GR_ERR_BIT(UNSUPPORTED)) && err)
		return err;
	return stackroots_names_create(s, &sc->names);
}

struct gr_error *gr_stackroots_add(struct gr_session *s,
				   const struct gr_goroutines *gs,
				   const struct gr_heap *heap,
				   struct gr_roots *roots,
				   struct gr_stackroots_stats *stats)
{
	struct gr_sr_scan sc = {0};
	sc.gs = gs;
	sc.unwind = gr_goroutines_unwind(gs);
	sc.heap = heap;
	sc.roots = roots;
	struct gr_error *err = scan_init(&sc, s);
	for (size_t i = 0; !err && i < gr_goroutines_count(gs); i++)
		err = scan_goroutine(&sc, i);
	if (!err && stats)
		*stats = sc.st;
	stackroots_names_destroy(sc.names);
	for (size_t i = 0; i < sizeof(sc.frame_cache) / sizeof(sc.frame_cache[0]);
	     i++)
		stackroots_vars_free(&sc.frame_cache[i].vars);
	free(sc.objs);
	free(sc.seen);
	free(sc.precise.v);
	free(sc.conservative.v);
	return err;
}
