/* SPDX-License-Identifier: MIT */
/*
 * gr_heap on real cores of every installed Go version, checked against the
 * program's own runtime.MemStats (oracle.json), plus the bitmap encodings
 * of layouts/heapbits.c on hand-made bytes, and corrupted cores.
 *
 * The oracle's MemStats are read after runtime.GC() with nothing allocated
 * afterwards (corpora/internal/oracle/tail.go checks Mallocs did not move
 * while the oracle was written), so the walker must find exactly HeapAlloc
 * bytes in exactly HeapObjects objects, HeapInuse bytes of in-use spans,
 * StackInuse bytes of stack spans and HeapIdle/HeapReleased free pages.
 * One difference is genuine: after writing the oracle, the program's main
 * goroutine blocks in `<-stop` (oracle.Finish), and chanrecv takes a sudog
 * (runtime/proc.go acquireSudog): from the P's sudog cache if it holds one,
 * else new(sudog), a 96-byte allocation made after MemStats were read.
 * When the core holds one object more than HeapObjects, that object must
 * be the sudog queued on oracle.stop's receive queue, its size the only
 * difference in bytes, and its size class the only class whose count
 * differs from MemStats.BySize.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <fcntl.h>
#include <time.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"
#include "forensics/07-heap/heap_internal.h"
#include "layouts/heapbits.h"
#include "tests/unit/corecache.h"

/* ---- layouts/heapbits.c and sizeclasses.c on hand-made bytes ---- */

static void test_sizeclasses(void **state)
{
	(void)state;
	assert_int_equal(gr_sizeclass_size(0), 0);
	assert_int_equal(gr_sizeclass_size(1), 8);
	/* runtime/malloc.go: tinySizeClass 2 holds maxTinySize 16;
	 * _MaxSmallSize (gc.MaxSmallSize from 1.25) is 32768. */
	assert_int_equal(gr_sizeclass_size(2), 16);
	assert_int_equal(gr_sizeclass_size(GR_NUM_SIZE_CLASSES - 1), 32768);
	assert_int_equal(gr_sizeclass_size(GR_NUM_SIZE_CLASSES), 0);
	for (unsigned c = 1; c < GR_NUM_SIZE_CLASSES; c++) {
		uint32_t s = gr_sizeclass_size(c);
		assert_true(s > gr_sizeclass_size(c - 1));
		assert_int_equal(s % 8, 0);
		assert_true(gr_sizeclass_npages(c) >= 1);
		assert_true(gr_sizeclass_npages(c) * 8192 / s >= 1);
	}
	/* heapBitsInSpan's boundary is a class boundary (512, 576). */
	assert_int_equal(gr_sizeclass_size(26), 512);
	assert_int_equal(gr_sizeclass_size(27), 576);
}

static void test_hb2(void **state)
{
	(void)state;
	uint64_t byte;
	unsigned shift;
	gr_hb2_locate(0xc000000000 + 8 * 5, 2 << 20, &byte, &shift);
	assert_int_equal(byte, 1);
	assert_int_equal(shift, 1);
	/* Words 0..5 from shift 1: scan bits on words 0-4, pointers on 0
	 * and 3; word 5 has its scan bit clear, so the walk stops there. */
	uint8_t bm[2] = {
		(uint8_t)(0xe0 | 0x02), /* pos 1,2,3: scan; pos 1: ptr */
		(uint8_t)(0x30 | 0x01), /* pos 4,5: scan; pos 4: ptr */
	};
	uint64_t ptrs[1];
	assert_int_equal(gr_hb2_decode(bm, 1, 6, ptrs), 5);
	assert_int_equal(ptrs[0], 0x9); /* words 0 and 3 */
	bm[1] |= 0xc0;			/* pos 6, 7 scan too */
	assert_int_equal(gr_hb2_decode(bm, 1, 6, ptrs), 6);
}

static void test_hb1(void **state)
{
	(void)state;
	uint64_t mask, used;
	bool last;
	/* An object of 3 words at word 62: 2 words from this bitmap word. */
	gr_hb1_step(UINT64_C(3) << 62, 0, 62, 3, &mask, &used, &last);
	assert_int_equal(mask, 3);
	assert_int_equal(used, 2);
	assert_false(last);
	/* The same with noMorePtrs set for bitmap word 0 (bit 0 of byte 0). */
	gr_hb1_step(UINT64_C(3) << 62, 1, 62, 3, &mask, &used, &last);
	assert_true(last);
	/* A 2-word object at word 10 ends inside the word: squash the rest. */
	gr_hb1_step(UINT64_MAX, 0, 10, 2, &mask, &used, &last);
	assert_int_equal(mask, 3);
	assert_int_equal(used, 2);
	assert_true(last);
	/* Bitmap word index 9 -> noMorePtrs byte 1, bit 1. */
	gr_hb1_step(1, 0x02, 9 * 64, 100, &mask, &used, &last);
	assert_int_equal(used, 64);
	assert_true(last);
}

static void test_span_bits(void **state)
{
	(void)state;
	struct gr_heap_consts k;
	gr_heap_consts_default(&k);
	uint64_t base, size;
	gr_hb_span_bitmap_range(&k, 0x1000000, 8192, false, &base, &size);
	assert_int_equal(size, 128);
	assert_int_equal(base, 0x1000000 + 8192 - 128);
	gr_hb_span_bitmap_range(&k, 0x1000000, 8192, true, &base, &size);
	assert_int_equal(base, 0x1000000 + 8192 - 128 - 128);
	assert_true(gr_hb_in_span(&k, 512));
	assert_false(gr_hb_in_span(&k, 576));

	uint8_t bm[128] = {0};
	/* A 48-byte object (6 words) at byte 480 = word 60: bits 60..65,
	 * crossing into the second bitmap word; pointers at words 0, 5. */
	uint64_t w0 = UINT64_C(1) << 60, w1 = UINT64_C(1) << 1;
	for (int i = 0; i < 8; i++) {
		bm[i] = (uint8_t)(w0 >> (8 * i));
		bm[8 + i] = (uint8_t)(w1 >> (8 * i));
	}
	uint64_t bits;
	assert_true(gr_hb_span_object_bits(bm, sizeof(bm), 480, 48, &bits));
	assert_int_equal(bits, 0x21);
	/* 512-byte slots: all 64 bits of one word. */
	memset(bm, 0xff, 8);
	assert_true(gr_hb_span_object_bits(bm, sizeof(bm), 0, 512, &bits));
	assert_int_equal(bits, UINT64_MAX);
	assert_false(gr_hb_span_object_bits(bm, 8, 504, 16, &bits));
}

static void test_tile(void **state)
{
	(void)state;
	/* A 24-byte element with a pointer in word 0 and 2 (PtrBytes 24),
	 * tiled over 80 bytes: words 0, 2, 3, 5, 6, 8, 9; word 11 is past. */
	uint8_t mask[8] = {0x05};
	struct gr_hb_tile t;
	uint64_t off, want[] = {0, 16, 24, 40, 48, 64, 72};
	size_t n = 0;
	gr_hb_tile_init(&t, mask, 24, 24, 80);
	while (gr_hb_tile_next(&t, &off)) {
		assert_true(n < 7);
		assert_int_equal(off, want[n]);
		n++;
	}
	assert_int_equal(n, 7);
	/* A pointer-free tail is never scanned: PtrBytes 8 of 4096. */
	gr_hb_tile_init(&t, mask, 4096, 8, 3 * 4096);
	n = 0;
	while (gr_hb_tile_next(&t, &off))
		assert_int_equal(off, 4096 * n++);
	assert_int_equal(n, 3);
	/* Zero-sized element: nothing, no endless loop. */
	gr_hb_tile_init(&t, mask, 0, 0, 100);
	assert_false(gr_hb_tile_next(&t, &off));
}

/* ---- real cores ---- */

/* The session of @core_dir/core with @exe_dir/bin. */
static struct gr_session *open_core(const char *core_dir, const char *exe_dir)
{
	char cp[CC_PATH + 16], ep[CC_PATH + 16];
	snprintf(cp, sizeof(cp), "%s/core", core_dir);
	snprintf(ep, sizeof(ep), "%s/bin", exe_dir);
	struct gr_session_options o = {0};
	o.core_path = cp;
	o.exe_path = ep;
	struct gr_session *s;
	struct gr_error *err = gr_session_open(&o, &s);
	if (err)
		fail_msg("%s: %s", cp, err->message);
	return s;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct slots {
	uint64_t addr, size, last, n;
	bool bad;
	uint64_t got[64], val[64];
};

static void on_slot(void *arg, uint64_t slot, uint64_t value)
{
	struct slots *s = arg;
	if (slot < s->addr || slot - s->addr > s->size - 8 || slot % 8 ||
	    (s->n && slot <= s->last))
		s->bad = true;
	if (s->n < 64) {
		s->got[s->n] = slot;
		s->val[s->n] = value;
	}
	s->last = slot;
	s->n++;
}

static struct slots scan(struct gr_heap *h, uint32_t id)
{
	struct slots s = {0};
	s.addr = gr_heap_object_addr(h, id);
	s.size = gr_heap_object_size(h, id);
	struct gr_error *err = gr_heap_scan_object(h, id, on_slot, &s);
	if (err)
		fail_msg("scan of object %u at 0x%" PRIx64 ": %s", id, s.addr,
			 err->message);
	assert_false(s.bad);
	return s;
}

/* The sudog the main goroutine waits on in oracle.Finish's <-stop. */
static uint32_t stop_sudog(struct gr_session *s, struct gr_heap *h)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	const struct gr_dwarf_global *g;
	uint64_t ch, first, off;
	struct gr_error *err =
		gr_dwarf_global(d, "goretain/corpora/internal/oracle.stop", &g);
	if (!err)
		err = gr_dwarf_field_offset(d, "runtime.hchan", "recvq", &off);
	if (!err)
		err = gr_mem_u64(gr_session_mem(s),
				 g->addr + gr_session_load_bias(s), &ch);
	if (!err)
		err = gr_mem_u64(gr_session_mem(s), ch + off, &first);
	if (err)
		fail_msg("oracle.stop's receive queue: %s", err->message);
	return gr_heap_find(h, first);
}

/*
 * Programs whose heap does not change after the oracle's MemStats, save for
 * the late sudog.  pool's finalizer Puts into main.bufPool after the last
 * collection, allocating the [P]poolLocal array, the allPools slice and a
 * poolChainElt with its ring (corpora/cmd/pool/main.go says so), after
 * MemStats were read: its totals are bounded below only.
 */
static bool exact_program(const char *p)
{
	return strcmp(p, "leakymap") == 0 || strcmp(p, "chanblock") == 0 ||
	       strcmp(p, "finalizer") == 0;
}

static void count_classes(struct gr_heap *h, uint64_t per_class[CC_CLASSES],
			  uint64_t *bytes)
{
	struct gr_heap_breakdown bd;
	gr_heap_breakdown(h, &bd);
	uint32_t n = gr_heap_object_count(h);
	*bytes = 0;
	for (uint32_t id = 0; id < n; id++) {
		const struct gr_span *sp = gr_heap_object_span(h, id);
		*bytes += gr_heap_object_size(h, id);
		per_class[sp->sizeclass]++;
	}
	assert_int_equal(*bytes, bd.object_bytes);
	assert_int_equal(n, bd.objects);
	assert_int_equal(bd.span_inuse_bytes, bd.object_bytes +
						      bd.free_slot_bytes +
						      bd.tail_waste_bytes);
	assert_int_equal(bd.arena_bytes % (64 << 20), 0);
	assert_true(bd.arena_bytes >= bd.span_inuse_bytes + bd.stack_span_bytes +
					      bd.heap_idle_bytes);
}

/* Totals against MemStats; see the comment at the top of the file. */
static void check_totals(const struct cc_core *c, struct gr_session *s,
			 struct gr_heap *h, const struct cc_oracle *o)
{
	struct gr_heap_breakdown bd;
	uint64_t per_class[CC_CLASSES] = {0}, bytes;
	uint32_t n = gr_heap_object_count(h);
	gr_heap_breakdown(h, &bd);
	count_classes(h, per_class, &bytes);
	for (unsigned k = 1; k < o->nclasses; k++)
		assert_int_equal(o->by_size[k][0], gr_sizeclass_size(k));
	if (!exact_program(c->program)) {
		assert_true(bytes >= o->heap_alloc);
		assert_true(n >= o->heap_objects);
		for (unsigned k = 1; k < o->nclasses; k++)
			assert_true(per_class[k] >=
				    o->by_size[k][1] - o->by_size[k][2]);
		assert_true(bd.span_inuse_bytes >= o->heap_inuse);
		return;
	}
	uint64_t extra_bytes = bytes - o->heap_alloc;
	uint64_t extra_objs = n - o->heap_objects;
	unsigned sudog_class = CC_CLASSES;
	if ((extra_bytes || extra_objs) && strstr(c->variant, "stripped")) {
		/* No symbol for oracle.stop: one object of the size class of
		 * runtime.sudog (its size from the layout pack) is the sudog. */
		uint32_t st;
		const struct gr_dwarf *d = gr_session_dwarf(s);
		assert_non_null(gr_dwarf_pack_version(d));
		assert_null(gr_dwarf_type_by_name(d, "runtime.sudog", &st));
		uint64_t sz = gr_dwarf_type(d, st)->size;
		for (sudog_class = 1; sudog_class < o->nclasses &&
				      gr_sizeclass_size(sudog_class) < sz;
		     sudog_class++)
			;
		if (extra_objs != 1 ||
		    extra_bytes != gr_sizeclass_size(sudog_class))
			fail_msg("%s: %" PRIu64 " bytes in %u objects, MemStats "
				 "say %" PRIu64 " in %" PRIu64
				 " (not one sudog of %" PRIu64 " B)",
				 c->dir, bytes, n, o->heap_alloc,
				 o->heap_objects, sz);
	} else if (extra_bytes || extra_objs) {
		uint32_t id = stop_sudog(s, h);
		if (extra_objs != 1 || id == GR_HEAP_NO_OBJECT ||
		    extra_bytes != gr_heap_object_size(h, id))
			fail_msg("%s: %" PRIu64 " bytes in %u objects, MemStats "
				 "say %" PRIu64 " in %" PRIu64
				 " (not the late sudog)",
				 c->dir, bytes, n, o->heap_alloc,
				 o->heap_objects);
		sudog_class = gr_heap_object_span(h, id)->sizeclass;
	}
	for (unsigned k = 1; k < o->nclasses; k++) {
		uint64_t live = o->by_size[k][1] - o->by_size[k][2];
		uint64_t want = live + (k == sudog_class ? 1 : 0);
		if (per_class[k] != want)
			fail_msg("%s: size class %u (%" PRIu64 " B): %" PRIu64
				 " objects, MemStats.BySize says %" PRIu64,
				 c->dir, k, o->by_size[k][0], per_class[k],
				 live);
	}
	assert_int_equal(bd.span_inuse_bytes, o->heap_inuse);
	assert_int_equal(bd.stack_span_bytes, o->stack_inuse);
	assert_int_equal(bd.heap_idle_bytes, o->heap_idle);
	assert_int_equal(bd.heap_released_bytes, o->heap_released);
}

/* Spans sorted and disjoint, ids dense and in address order, every object
 * found at its first and last byte, gaps found as nothing. */
static void check_structure(struct gr_heap *h)
{
	size_t ns = gr_heap_span_count(h), inuse = 0, manual = 0;
	uint64_t end = 0;
	uint32_t next = 0;
	for (size_t i = 0; i < ns; i++) {
		const struct gr_span *sp = gr_heap_span(h, i);
		assert_true(sp->base >= end);
		end = sp->base + sp->npages * 8192;
		assert_true(sp->state == GR_SPAN_IN_USE ||
			    sp->state == GR_SPAN_MANUAL);
		assert_ptr_equal(gr_heap_span_at(h, sp->base), sp);
		assert_ptr_equal(gr_heap_span_at(h, end - 1), sp);
		if (sp->state == GR_SPAN_MANUAL) {
			manual++;
			continue;
		}
		inuse++;
		assert_int_equal(sp->first_object, next);
		assert_true(sp->alloc_count <= sp->nelems);
		assert_true((uint64_t)sp->nelems * sp->elemsize <=
			    sp->npages * 8192);
		next += sp->alloc_count;
	}
	assert_true(inuse > 0);
	assert_true(manual > 0);
	assert_int_equal(next, gr_heap_object_count(h));
	uint64_t prev_end = 0;
	for (uint32_t id = 0; id < gr_heap_object_count(h); id++) {
		uint64_t a = gr_heap_object_addr(h, id);
		uint64_t sz = gr_heap_object_size(h, id);
		assert_true(a >= prev_end);
		assert_int_equal(gr_heap_find(h, a), id);
		assert_int_equal(gr_heap_find(h, a + sz - 1), id);
		if (a > prev_end && prev_end &&
		    gr_heap_span_at(h, prev_end) == gr_heap_object_span(h, id))
			assert_int_equal(gr_heap_find(h, prev_end),
					 GR_HEAP_NO_OBJECT);
		prev_end = a + sz;
	}
	assert_int_equal(gr_heap_find(h, 0), GR_HEAP_NO_OBJECT);
	assert_int_equal(gr_heap_find(h, UINT64_MAX), GR_HEAP_NO_OBJECT);
}

/*
 * Every object scans without error, slots inside it, in order; headers
 * and largeType read as type descriptors.  @gcore: gdb's gcore leaves the
 * executable's read-only data out of the core and the session does not
 * lay it in from the file yet (no PT_LOAD, hence no MISSING range for
 * NT_FILE to fill), so type descriptors in .rodata are unmapped: FAULTs on
 * them are counted, not failed.
 */
static void check_scans(const struct cc_core *c, struct gr_heap *h, bool gcore)
{
	uint64_t slots = 0, faults = 0;
	for (uint32_t id = 0; id < gr_heap_object_count(h); id++) {
		struct slots s = {0};
		s.addr = gr_heap_object_addr(h, id);
		s.size = gr_heap_object_size(h, id);
		struct gr_error *err = gr_heap_scan_object(h, id, on_slot, &s);
		if (err && gcore && err->code == GR_ERR_FAULT) {
			faults++;
			gr_error_destroy(err);
			continue;
		}
		if (err)
			fail_msg("%s: scan of object %u at 0x%" PRIx64 ": %s",
				 c->dir, id, s.addr, err->message);
		assert_false(s.bad);
		if (gr_heap_object_span(h, id)->noscan)
			assert_int_equal(s.n, 0);
		slots += s.n;
		uint64_t t = gr_heap_object_rtype(h, id);
		const struct gr_rtype *r;
		if (t && (err = gr_rtype_get(gr_heap_rtypes(h), t, &r)))
			fail_msg("%s: object %u type: %s", c->dir, id,
				 err->message);
	}
	assert_true(slots > 0);
	if (faults)
		print_message("%s: %" PRIu64 " objects with unreadable type "
			      "descriptors (gcore)\n",
			      c->variant, faults);
}

/* The oracle's objects: found, with the allocator's slot size, the header
 * in front for small+header, in a noscan span iff pointer-free. */
static void check_oracle_objects(const struct cc_core *c, struct gr_heap *h,
				 const struct cc_oracle *o)
{
	for (size_t i = 0; i < o->nobjs; i++) {
		const struct cc_object *ob = &o->objs[i];
		uint32_t id = gr_heap_find(h, ob->addr);
		if (id == GR_HEAP_NO_OBJECT) {
			/* Kept on a goroutine stack by escape analysis, or laid
			 * out statically in the data sections: never inside an
			 * in-use span. */
			const struct gr_span *sp = gr_heap_span_at(h, ob->addr);
			if (sp && sp->state != GR_SPAN_MANUAL)
				fail_msg("%s: %s at 0x%" PRIx64 " not found",
					 c->dir, ob->name, ob->addr);
			continue;
		}
		uint64_t base = gr_heap_object_addr(h, id);
		const struct gr_span *sp = gr_heap_object_span(h, id);
		if (gr_heap_object_size(h, id) != ob->alloc_size)
			fail_msg("%s: %s: slot %" PRIu64 " bytes, oracle %" PRIu64,
				 c->dir, ob->name, gr_heap_object_size(h, id),
				 ob->alloc_size);
		if (strcmp(ob->alloc, "tiny") == 0) {
			assert_true(ob->addr - base < 16);
			assert_true(sp->noscan);
			continue;
		}
		uint64_t hdr = strcmp(ob->alloc, "small+header") == 0 ? 8 : 0;
		if (ob->addr - base != hdr)
			fail_msg("%s: %s at 0x%" PRIx64 ", object at 0x%" PRIx64,
				 c->dir, ob->name, ob->addr, base);
		if (sp->noscan == ob->pointers)
			fail_msg("%s: %s: noscan %d, pointers %d", c->dir,
				 ob->name, sp->noscan, ob->pointers);
	}
}

/* leakymap: Session{ID, User string; Created, LastSeen, Hits int64;
 * Payload []byte} has pointers at 0 (ID), 16 (User), 56 (Payload); the
 * config struct{Name string; Limits []int; Banner []byte; Servers
 * []string} at 0, 16, 40, 64. */
static void check_leakymap(const struct cc_core *c, struct gr_heap *h,
			   const struct cc_oracle *o)
{
	size_t sessions = 0;
	for (size_t i = 0; i < o->nobjs; i++) {
		const struct cc_object *ob = &o->objs[i];
		if (strcmp(ob->type, "main.Session") != 0)
			continue;
		char name[200];
		snprintf(name, sizeof(name), "%s.Payload", ob->name);
		const struct cc_object *pay = cc_object(o, name);
		snprintf(name, sizeof(name), "%s.ID", ob->name);
		const struct cc_object *key = cc_object(o, name);
		assert_non_null(pay);
		assert_non_null(key);
		struct slots s = scan(h, gr_heap_find(h, ob->addr));
		if (s.n != 3 || s.got[0] != ob->addr ||
		    s.got[1] != ob->addr + 16 || s.got[2] != ob->addr + 56)
			fail_msg("%s: %s: %" PRIu64 " pointer slots, want 0, 16, "
				 "56",
				 c->dir, ob->name, s.n);
		assert_int_equal(s.val[0], key->addr);
		assert_int_equal(s.val[2], pay->addr);
		sessions++;
	}
	assert_true(sessions >= 1);
	const struct cc_object *cfg = cc_object(o, "config");
	const struct cc_object *banner = cc_object(o, "config.Banner");
	assert_non_null(cfg);
	assert_non_null(banner);
	/* The compiler may lay the config literal out statically in .data
	 * (then it is a root, not a heap object). */
	uint32_t id = gr_heap_find(h, cfg->addr);
	if (id == GR_HEAP_NO_OBJECT)
		return;
	struct slots s = scan(h, id);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.got[0], cfg->addr);
	assert_int_equal(s.got[1], cfg->addr + 16);
	assert_int_equal(s.got[2], cfg->addr + 40);
	assert_int_equal(s.got[3], cfg->addr + 64);
	assert_int_equal(s.val[2], banner->addr);
}

/*
 * Which cores test_cores checks: every leakymap variant of every version,
 * and the other programs in one build mode per version (exe for odd
 * minors, pie for even ones), which keeps the run near 20 s; all of them
 * with GR_HEAP_ALL_CORES=1.
 */
static bool selected(const struct cc_core *c)
{
	const char *all = getenv("GR_HEAP_ALL_CORES");
	if ((all && *all && strcmp(all, "0") != 0) ||
	    strcmp(c->program, "leakymap") == 0)
		return true;
	const char *mode = strrchr(c->variant, '-');
	return mode && strcmp(mode, c->minor % 2 ? "-exe" : "-pie") == 0;
}

static void test_cores(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	double worst = 0;
	const char *worst_dir = "";
	size_t checked = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct cc_core *c = &set.v[i];
		if (!selected(c))
			continue;
		checked++;
		struct cc_oracle o;
		cc_oracle_read(c->dir, &o);
		struct gr_session *s = open_core(c->dir, c->dir);
		struct gr_heap *h;
		double t0 = now();
		struct gr_error *err = gr_heap_load(s, &h);
		double dt = now() - t0;
		if (err)
			fail_msg("%s: %s", c->dir, err->message);
		if (dt > worst) {
			worst = dt;
			worst_dir = c->dir;
		}
		for (size_t k = 0; k < gr_heap_damage_count(h); k++) {
			const struct gr_damage *d = gr_heap_damage(h, k);
			fail_msg("%s: damage at 0x%" PRIx64 ": %s", c->dir,
				 d->addr, d->what);
		}
		assert_int_equal(gr_heap_regime(h),
				 c->minor <= 19	  ? GR_HEAPBITS_ARENA_2BIT
				 : c->minor <= 21 ? GR_HEAPBITS_ARENA_1BIT
						  : GR_HEAPBITS_HEADERS);
		check_totals(c, s, h, &o);
		check_structure(h);
		check_scans(c, h, strstr(c->variant, "gcore") != NULL);
		check_oracle_objects(c, h, &o);
		if (strcmp(c->program, "leakymap") == 0)
			check_leakymap(c, h, &o);
		gr_heap_destroy(h);
		gr_session_destroy(s);
		cc_oracle_free(&o);
	}
	print_message("heap: %zu of %zu cores; slowest gr_heap_load %.3f s "
		      "(%s)\n",
		      checked, set.n, worst, worst_dir);
	cc_free(&set);
}

/* ---- corrupted cores ---- */

/* File offset of @addr in the core at @path (its PT_LOAD table), or -1. */
static off_t file_offset(const char *path, uint64_t addr)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	Elf64_Ehdr eh;
	off_t ret = -1;
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		assert_int_equal(pread(fd, &ph, sizeof(ph),
				       (off_t)(eh.e_phoff + i * sizeof(ph))),
				 sizeof(ph));
		if (ph.p_type == PT_LOAD && addr >= ph.p_vaddr &&
		    addr - ph.p_vaddr < ph.p_filesz)
			ret = (off_t)(ph.p_offset + (addr - ph.p_vaddr));
	}
	close(fd);
	return ret;
}

static void patch(const char *path, uint64_t addr, const void *bytes,
		  size_t len)
{
	off_t off = file_offset(path, addr);
	if (off < 0)
		fail_msg("%s: 0x%" PRIx64 " is not in the file", path, addr);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, len, off), (ssize_t)len);
	close(fd);
}

static void patch_u64(const char *path, uint64_t addr, uint64_t v)
{
	patch(path, addr, &v, 8);
}

static uint64_t member_off(struct gr_session *s, const char *type,
			   const char *field)
{
	uint64_t off;
	struct gr_error *err = gr_dwarf_field_offset(gr_session_dwarf(s),
						     type, field, &off);
	if (err)
		fail_msg("%s.%s: %s", type, field, err->message);
	return off;
}

static bool has_damage(struct gr_heap *h, const char *what)
{
	for (size_t i = 0; i < gr_heap_damage_count(h); i++)
		if (strcmp(gr_heap_damage(h, i)->what, what) == 0)
			return true;
	return false;
}

/* Corrupt five spans of @c's core in five ways, an allspans entry, and
 * (1.22+) a malloc header and a largeType; the walk must finish with each
 * recorded as damage, and scanning every object must not crash. */
static void damage_core(const struct cc_core *c, const char *tmp)
{
	char path[PATH_MAX + 64], cmd[3 * CC_PATH];
	snprintf(path, sizeof(path), "%s/core", tmp);
	snprintf(cmd, sizeof(cmd), "cp --sparse=always '%s/core' '%s'",
		 c->dir, path);
	assert_int_equal(system(cmd), 0);

	struct gr_session *s = open_core(c->dir, c->dir);
	struct gr_heap *h;
	struct gr_error *err = gr_heap_load(s, &h);
	if (err)
		fail_msg("%s: %s", c->dir, err->message);
	/* Five small in-use spans with objects, one large scan span. */
	const struct gr_span *pick[5] = {0}, *large = NULL;
	size_t npick = 0;
	for (size_t i = 0; i < gr_heap_span_count(h); i++) {
		const struct gr_span *sp = gr_heap_span(h, i);
		if (sp->state != GR_SPAN_IN_USE || !sp->alloc_count)
			continue;
		if (sp->sizeclass == 0 && !sp->noscan && sp->large_type &&
		    !large)
			large = sp;
		else if (sp->sizeclass && npick < 5)
			pick[npick++] = sp;
	}
	assert_int_equal(npick, 5);
	uint64_t lost = 0;
	for (size_t i = 0; i < 5; i++)
		lost += pick[i]->alloc_count;
	uint32_t before = gr_heap_object_count(h);

	uint8_t garbage[160];
	memset(garbage, 0xa5, sizeof(garbage));
	patch(path, pick[0]->addr + member_off(s, "runtime.mspan", "state"),
	      garbage, 1);
	patch_u64(path,
		  pick[1]->addr + member_off(s, "runtime.mspan", "allocBits"),
		  0x1000);
	patch(path, pick[2]->addr + member_off(s, "runtime.mspan", "nelems"),
	      garbage, 2);
	patch_u64(path,
		  pick[3]->addr + member_off(s, "runtime.mspan", "startAddr"),
		  0x7777000000000);
	/* The allspans slot of pick[4] points at unmapped memory. */
	const struct gr_dwarf_global *g;
	assert_null(gr_dwarf_global(gr_session_dwarf(s), "runtime.mheap_", &g));
	uint64_t allspans, len;
	uint64_t sl = g->addr + gr_session_load_bias(s) +
		      member_off(s, "runtime.mheap", "allspans");
	assert_null(gr_mem_u64(gr_session_mem(s), sl, &allspans));
	assert_null(gr_mem_u64(gr_session_mem(s), sl + 8, &len));
	bool found = false;
	for (uint64_t i = 0; i < len && !found; i++) {
		uint64_t p;
		assert_null(gr_mem_u64(gr_session_mem(s), allspans + 8 * i, &p));
		if (p == pick[4]->addr) {
			patch_u64(path, allspans + 8 * i, 0xdead0000);
			found = true;
		}
	}
	assert_true(found);
	/* 1.22+: a malloc header and a largeType pointing at garbage. */
	bool headers = gr_heap_regime(h) == GR_HEAPBITS_HEADERS;
	uint64_t hdr_obj = 0;
	for (uint32_t id = 0; headers && id < gr_heap_object_count(h); id++) {
		const struct gr_span *sp = gr_heap_object_span(h, id);
		bool skip = false;
		for (size_t k = 0; k < 5; k++)
			skip |= sp == pick[k];
		if (!skip && sp->sizeclass && gr_heap_object_rtype(h, id)) {
			hdr_obj = gr_heap_object_addr(h, id);
			patch_u64(path, hdr_obj, 0x10);
			break;
		}
	}
	if (headers && large)
		patch_u64(path,
			  large->addr +
				  member_off(s, "runtime.mspan", "largeType"),
			  0x7777000000008);
	gr_heap_destroy(h);
	gr_session_destroy(s);

	s = open_core(tmp, c->dir);
	err = gr_heap_load(s, &h);
	if (err)
		fail_msg("damaged %s: %s", c->dir, err->message);
	assert_true(has_damage(h, "bad span state"));
	assert_true(has_damage(h, "unreadable allocBits"));
	assert_true(has_damage(h, "span fields disagree with its size class") ||
		    has_damage(h, "too many elements"));
	assert_true(has_damage(h, "span outside the heap arenas"));
	assert_true(has_damage(h, "unreadable span"));
	assert_int_equal(gr_heap_object_count(h), before - lost);
	size_t errors = 0;
	for (uint32_t id = 0; id < gr_heap_object_count(h); id++) {
		struct slots sl2 = {0};
		sl2.addr = gr_heap_object_addr(h, id);
		sl2.size = gr_heap_object_size(h, id);
		err = gr_heap_scan_object(h, id, on_slot, &sl2);
		if (err) {
			errors++;
			assert_true(err->code == GR_ERR_FAULT ||
				    err->code == GR_ERR_BAD_DATA);
			gr_error_destroy(err);
		}
		(void)gr_heap_object_rtype(h, id);
	}
	if (hdr_obj)
		assert_true(errors >= 1);
	print_message("damaged %s: %zu damage records, %zu scan errors\n",
		      c->variant, gr_heap_damage_count(h), errors);
	gr_heap_destroy(h);
	gr_session_destroy(s);

	/* An absurd allspans length: the list cannot be read, the load
	 * fails cleanly (BAD_DATA), nothing is allocated for it. */
	patch_u64(path, sl + 8, UINT64_C(1) << 40);
	s = open_core(tmp, c->dir);
	err = gr_heap_load(s, &h);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	gr_error_destroy(err);
	gr_session_destroy(s);
}

/* The first half of a core only: whatever is left must load or fail with
 * an error, never crash. */
static void truncated_core(const struct cc_core *c, const char *tmp)
{
	char path[CC_PATH + 64], cmd[4 * CC_PATH];
	struct stat st;
	snprintf(path, sizeof(path), "%s/core", c->dir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/core", tmp);
	snprintf(cmd, sizeof(cmd),
		 "cp --sparse=always '%s/core' '%s' && truncate -s %lld '%s'",
		 c->dir, path, (long long)st.st_size / 2, path);
	assert_int_equal(system(cmd), 0);
	char ep[CC_PATH + 16];
	snprintf(ep, sizeof(ep), "%s/bin", c->dir);
	struct gr_session_options o = {0};
	o.core_path = path;
	o.exe_path = ep;
	struct gr_session *s;
	struct gr_error *err = gr_session_open(&o, &s);
	if (err) {
		gr_error_destroy(err);
		return;
	}
	struct gr_heap *h;
	err = gr_heap_load(s, &h);
	if (!err) {
		for (uint32_t id = 0; id < gr_heap_object_count(h); id++) {
			struct slots sl = {0};
			sl.addr = gr_heap_object_addr(h, id);
			sl.size = gr_heap_object_size(h, id);
			gr_error_destroy(
				gr_heap_scan_object(h, id, on_slot, &sl));
		}
		gr_heap_destroy(h);
	}
	gr_error_destroy(err);
	gr_session_destroy(s);
}

static void test_damage(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	char tmp[] = "/tmp/gr-heap-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	/* The oldest and the newest toolchain's leakymap-exe: an arena-bitmap
	 * regime and the header regime. */
	const struct cc_core *first = NULL, *last = NULL;
	for (size_t i = 0; i < set.n; i++) {
		if (strcmp(set.v[i].variant, "leakymap-exe") != 0)
			continue;
		if (!first)
			first = &set.v[i];
		last = &set.v[i];
	}
	assert_non_null(first);
	damage_core(first, tmp);
	if (last != first)
		damage_core(last, tmp);
	truncated_core(last, tmp);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	cc_free(&set);
}

/* heap_select64 against a bit-by-bit count: words of every density, and
 * every rank of the full word (an object's slot from its rank). */
static void test_select64(void **state)
{
	(void)state;
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
	for (int it = 0; it < 200000; it++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t w = it % 3 == 0 ? x & (x >> 5) : it % 3 == 1 ? x : x | (x << 9);
		if (!w)
			continue;
		unsigned n = heap_popcount64(w), k = (unsigned)(x >> 40) % n;
		unsigned c = 0, want = 64;
		for (unsigned b = 0; b < 64 && want == 64; b++)
			if (w >> b & 1 && c++ == k)
				want = b;
		assert_int_equal(heap_select64(w, k), want);
	}
	for (unsigned k = 0; k < 64; k++)
		assert_int_equal(heap_select64(~UINT64_C(0), k), k);
	assert_int_equal(heap_select64(UINT64_C(1) << 63, 0), 63);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizeclasses),
		cmocka_unit_test(test_select64),
		cmocka_unit_test(test_hb2),
		cmocka_unit_test(test_hb1),
		cmocka_unit_test(test_span_bits),
		cmocka_unit_test(test_tile),
		cmocka_unit_test(test_cores),
		cmocka_unit_test(test_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
