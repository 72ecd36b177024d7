/* SPDX-License-Identifier: MIT */
/*
 * The runtime's memory profile buckets; see memprofile.h for the layout and
 * the accounting rules (runtime/mprof.go of Go 1.19 to 1.27).
 */
#include "forensics/08-stacks/memprofile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/damage.h"
#include "forensics/01-base/u64map.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/pclntab.h"
#include "forensics/05-session/gcstate.h"
#include "forensics/08-stacks/unwind.h"

enum {
	/* runtime/mprof.go bucketType memProfile. */
	MEM_PROFILE = 1,
	/* runtime/mprof.go memRecord.future: cycles C, C+1 and C+2. */
	NFUTURE = 3,
	/* maxProfStackDepth (Go 1.23+), the larger of the two caps, for a
	 * binary whose DWARF has neither constant. */
	DEFAULT_MAX_STACK = 1024,
	/* Without memstats.buckhash_sys, a bound no real process reaches. */
	DEFAULT_MAX_BUCKETS = 1 << 24,
	/* Logical frames an inlined PC may expand to (unwind_inline.c's own
	 * bound on inlining depth). */
	MAX_INLINE = 256,
};

struct layout {
	uint64_t next_off, allnext_off, typ_off, size_off, nstk_off;
	uint64_t header_size;
	uint64_t active_off, future_off, record_size;
	uint64_t allocs_off, frees_off, alloc_bytes_off, free_bytes_off;
	uint64_t cycle_size;
	bool bytes; /* memRecordCycle has alloc_bytes/free_bytes */
};

struct gr_memprof {
	struct gr_session *s;
	struct gr_unwind *unwind;
	struct gr_memprof_info info;
	struct gr_memprof_record *rec;
	size_t nrec, rec_cap;
	/* All stacks, back to back; records point into it after the walk. */
	uint64_t *pcs;
	size_t npcs, pcs_cap;
	/* gr_memprof_frames() output. */
	struct gr_memprof_frame *frames;
	size_t frames_cap;
	struct gr_logical_frame *lf;
	/* What the walk and the stacks' symbolisation could not read. */
	struct gr_damage_list damage;
};

GR_MUST_USE
static struct gr_error *field(const struct gr_dwarf *d, const char *type,
			      const char *name, uint64_t *ret)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member_of(d, type, name, NULL, &m);
	if (err)
		return gr_error_prefix(err, "memory profile");
	*ret = m.off;
	return NULL;
}

GR_MUST_USE
static struct gr_error *type_size(const struct gr_dwarf *d, const char *name,
				  uint64_t *ret)
{
	struct gr_error *err = gr_dwarf_type_size_of(d, name, ret);
	return err ? gr_error_prefix(err, "memory profile") : NULL;
}

GR_MUST_USE
static struct gr_error *resolve_layout(const struct gr_dwarf *d,
				       struct layout *l)
{
	static const char B[] = "runtime.bucket", R[] = "runtime.memRecord",
			  C[] = "runtime.memRecordCycle";
	struct gr_error *err = NULL;
	if (!err) err = field(d, B, "next", &l->next_off);
	if (!err) err = field(d, B, "allnext", &l->allnext_off);
	if (!err) err = field(d, B, "typ", &l->typ_off);
	if (!err) err = field(d, B, "size", &l->size_off);
	if (!err) err = field(d, B, "nstk", &l->nstk_off);
	if (!err) err = type_size(d, B, &l->header_size);
	if (!err) err = field(d, R, "active", &l->active_off);
	if (!err) err = field(d, R, "future", &l->future_off);
	if (!err) err = type_size(d, R, &l->record_size);
	if (!err) err = field(d, C, "allocs", &l->allocs_off);
	if (!err) err = field(d, C, "frees", &l->frees_off);
	if (!err) err = type_size(d, C, &l->cycle_size);
	if (err)
		return err;
	/* Go 1.27 dropped the byte counts: bytes are size * count. */
	struct gr_error *e1 = field(d, C, "alloc_bytes", &l->alloc_bytes_off);
	struct gr_error *e2 = field(d, C, "free_bytes", &l->free_bytes_off);
	l->bytes = !e1 && !e2;
	/* Only a member DWARF lacks means "no byte counts". */
	gr_error_catch(&e1, GR_ERR_BIT(UNSUPPORTED));
	gr_error_catch(&e2, GR_ERR_BIT(UNSUPPORTED));
	if (e1) {
		gr_error_destroy(e2);
		return e1;
	}
	if (e2)
		return e2;
	/* Every field is a uintptr inside its struct: check the shapes once
	 * so the walk can index its buffer without further checks. */
	uint64_t hdr_fields[] = {l->next_off, l->allnext_off, l->typ_off,
				 l->size_off, l->nstk_off};
	for (size_t i = 0; i < sizeof(hdr_fields) / sizeof(hdr_fields[0]); i++)
		if (hdr_fields[i] > l->header_size ||
		    l->header_size - hdr_fields[i] < 8)
			return gr_error_create(GR_ERR_BAD_DATA,
					       "memory profile: runtime.bucket "
					       "field outside its %llu bytes",
					       (unsigned long long)l->header_size);
	uint64_t cyc_fields[] = {l->allocs_off, l->frees_off,
				 l->bytes ? l->alloc_bytes_off : 0,
				 l->bytes ? l->free_bytes_off : 0};
	for (size_t i = 0; i < 4; i++)
		if (cyc_fields[i] > l->cycle_size || l->cycle_size - cyc_fields[i] < 8)
			return gr_error_create(GR_ERR_BAD_DATA,
					       "memory profile: bad "
					       "runtime.memRecordCycle layout");
	if (l->cycle_size == 0 || l->header_size > 4096 ||
	    l->record_size > 4096 || l->active_off > l->record_size ||
	    l->record_size - l->active_off < l->cycle_size ||
	    l->future_off > l->record_size ||
	    (l->record_size - l->future_off) / l->cycle_size < NFUTURE)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "memory profile: bad runtime.memRecord "
				       "layout");
	return NULL;
}

GR_MUST_USE
static struct gr_error *global_addr(struct gr_session *s, const char *name,
				    uint64_t *ret)
{
	const struct gr_dwarf_global *g;
	struct gr_error *err = gr_dwarf_global(gr_session_dwarf(s), name, &g);
	if (err)
		return gr_error_prefix(err, "memory profile");
	*ret = g->addr + gr_session_load_bias(s);
	return NULL;
}

/* MemProfileRate, disableMemoryProfiling, mProfCycle and the stack cap. */
GR_MUST_USE
static struct gr_error *read_globals(struct gr_memprof *mp, uint64_t *head)
{
	struct gr_session *s = mp->s;
	struct gr_mem *mem = gr_session_mem(s);
	const struct gr_dwarf *d = gr_session_dwarf(s);
	uint64_t a, v;
	struct gr_error *err = global_addr(s, "runtime.mbuckets", &a);
	/* atomic.UnsafePointer: the pointer is its first word. */
	if (!err)
		err = gr_mem_u64(mem, a, head);
	if (!err)
		err = global_addr(s, "runtime.MemProfileRate", &a);
	if (!err)
		err = gr_mem_u64(mem, a, &v);
	if (err)
		return gr_error_prefix(err, "memory profile");
	mp->info.rate = (int64_t)v;
	/* Absent (or unreadable): profiling was not disabled by the linker. */
	uint8_t dis = 0;
	err = global_addr(s, "runtime.disableMemoryProfiling", &a);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		a = 0;
	if (!err && a)
		err = gr_damage_fault(&mp->damage, gr_mem_u8(mem, a, &dis),
				      "memory profile: "
				      "runtime.disableMemoryProfiling");
	if (err)
		return err;
	mp->info.disabled = dis != 0;
	/* mProfCycleHolder.value (atomic.Uint32): cycle << 1 | flushed. */
	uint32_t cyc;
	err = global_addr(s, "runtime.mProfCycle", &a);
	if (!err)
		err = gr_mem_u32(mem, a, &cyc);
	if (err)
		return gr_error_prefix(err, "memory profile");
	mp->info.cycle = cyc >> 1;
	mp->info.flushed = cyc & 1;
	int64_t max;
	err = gr_dwarf_constant(d, "runtime.maxProfStackDepth", &max);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		err = gr_dwarf_constant(d, "runtime.maxStack", &max);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		max = DEFAULT_MAX_STACK;
	if (err)
		return err;
	mp->info.max_stack = max > 0 && max <= DEFAULT_MAX_STACK * 64
				     ? (uint32_t)max
				     : DEFAULT_MAX_STACK;
	return NULL;
}

static uint64_t word(const uint8_t *p, uint64_t off)
{
	uint64_t v;
	memcpy(&v, p + off, 8);
	return v;
}

struct cycle {
	uint64_t allocs, frees, alloc_bytes, free_bytes;
};

static void cycle_add(struct cycle *c, const struct layout *l,
		      const uint8_t *rec, uint64_t off)
{
	c->allocs += word(rec, off + l->allocs_off);
	c->frees += word(rec, off + l->frees_off);
	if (l->bytes) {
		c->alloc_bytes += word(rec, off + l->alloc_bytes_off);
		c->free_bytes += word(rec, off + l->free_bytes_off);
	}
}

static void stop(struct gr_memprof *mp, const char *why, uint64_t at)
{
	mp->info.stopped = why;
	mp->info.stop_addr = at;
}

/* @len bytes of bucket @b from @off on, into @dst.  A bucket the core
 * lacks stops the walk (*@ok false) and is recorded as damage; any other
 * error is returned. */
GR_MUST_USE
static struct gr_error *read_bucket(struct gr_memprof *mp,
				    struct gr_mem *mem, uint64_t b,
				    uint64_t off, uint8_t *dst, size_t len,
				    bool *ok)
{
	struct gr_error *err = gr_mem_read(mem, b + off, dst, len);
	*ok = !err;
	if (err && err->code == GR_ERR_FAULT) {
		stop(mp, "bucket not readable", b);
		return gr_damage_fault(&mp->damage, err,
				       "memory profile bucket");
	}
	return err;
}

/* Most buckets the runtime's bucket memory could hold. */
GR_MUST_USE
static struct gr_error *max_buckets(struct gr_memprof *mp,
				    const struct layout *l, uint64_t *ret)
{
	struct gr_gcstate st;
	struct gr_error *err = gr_gcstate_read(mp->s, &st);
	if (err)
		return err;
	if (st.unreadable[GR_GCSTATE_buckhash_sys] &&
	    (err = gr_damage_add(&mp->damage, 0, 0,
				 "memory profile: memstats.buckhash_sys "
				 "not readable; the bucket count unbounded")))
		return err;
	if (!st.have[GR_GCSTATE_buckhash_sys]) {
		*ret = DEFAULT_MAX_BUCKETS;
		return NULL;
	}
	/* Every bucket, of whatever profile, was persistentalloc'd out of
	 * memstats.buckhash_sys. */
	uint64_t sys = (uint64_t)st.value[GR_GCSTATE_buckhash_sys];
	*ret = sys / (l->header_size + l->record_size) + 1;
	return NULL;
}

/* Per bucket while walking: the cycles MemProfile may add up. */
struct raw {
	struct cycle active, current, futures;
};

/* Append one bucket read into @buf. */
GR_MUST_USE
static struct gr_error *add_bucket(struct gr_memprof *mp,
				   const struct layout *l, uint64_t b,
				   const uint8_t *buf, struct raw **raws,
				   size_t *raw_cap)
{
	uint64_t nstk = word(buf, l->nstk_off);
	struct gr_error *err;
	if ((err = gr_array_grow(&mp->rec, &mp->rec_cap, mp->nrec, 1)) ||
	    (err = gr_array_grow(raws, raw_cap, mp->nrec, 1)) ||
	    (err = gr_array_grow(&mp->pcs, &mp->pcs_cap, mp->npcs, nstk)))
		return err;
	struct gr_memprof_record *r = &mp->rec[mp->nrec];
	memset(r, 0, sizeof(*r));
	r->bucket = b;
	r->size = word(buf, l->size_off);
	r->nstk = (uint32_t)nstk;
	/* Offsets into pcs until the walk ends (pcs may still move). */
	r->stk = (const uint64_t *)(uintptr_t)mp->npcs;
	memcpy(mp->pcs + mp->npcs, buf + l->header_size, nstk * 8);
	mp->npcs += nstk;
	/* runtime bucket.mp(): the record follows the stack. */
	const uint8_t *rec = buf + l->header_size + nstk * 8;
	struct raw *w = &(*raws)[mp->nrec];
	memset(w, 0, sizeof(*w));
	cycle_add(&w->active, l, rec, l->active_off);
	cycle_add(&w->current, l, rec,
		  l->future_off + (mp->info.cycle % NFUTURE) * l->cycle_size);
	for (unsigned c = 0; c < NFUTURE; c++)
		cycle_add(&w->futures, l, rec, l->future_off + c * l->cycle_size);
	mp->nrec++;
	return NULL;
}

/* Walk mbuckets from @head into records and their raw cycle counts. */
GR_MUST_USE
static struct gr_error *walk(struct gr_memprof *mp, const struct layout *l,
			     uint64_t head, struct raw **raws)
{
	struct gr_mem *mem = gr_session_mem(mp->s);
	uint64_t limit;
	struct gr_error *err = max_buckets(mp, l, &limit);
	if (err)
		return err;
	size_t cap = l->header_size + (size_t)mp->info.max_stack * 8 +
		     l->record_size, raw_cap = 0;
	uint8_t *buf = malloc(cap);
	/* Addresses seen, to stop on a cycle in the allnext chain. */
	struct gr_u64set seen = {0};
	if (!buf)
		return gr_error_nomem();
	for (uint64_t b = head; b && !err; b = word(buf, l->allnext_off)) {
		bool added, ok;
		if (mp->nrec >= limit) {
			stop(mp, "more buckets than memstats.buckhash_sys holds",
			     b);
			break;
		}
		if ((err = gr_u64set_add(&seen, b, &added)))
			break;
		if (!added) {
			stop(mp, "bucket list loops", b);
			break;
		}
		if ((err = read_bucket(mp, mem, b, 0, buf, l->header_size,
				       &ok)) ||
		    !ok)
			break;
		uint64_t nstk = word(buf, l->nstk_off);
		if (word(buf, l->typ_off) != MEM_PROFILE) {
			stop(mp, "bucket is not of the memory profile", b);
			break;
		}
		/* runtime bucket.stk() throws past its cap: so do we. */
		if (nstk > mp->info.max_stack) {
			stop(mp, "bucket stack deeper than the runtime allows", b);
			break;
		}
		size_t body = (size_t)nstk * 8 + l->record_size;
		if (b > UINT64_MAX - l->header_size - body) {
			stop(mp, "bucket wraps the address space", b);
			break;
		}
		if ((err = read_bucket(mp, mem, b, l->header_size,
				       buf + l->header_size, body, &ok)) ||
		    !ok)
			break;
		err = add_bucket(mp, l, b, buf, raws, &raw_cap);
	}
	gr_u64set_free(&seen);
	free(buf);
	return err;
}

/*
 * runtime MemProfile: flush future[cycle % 3] into active; if then no
 * bucket has any count, sum every future cycle in.
 */
static void publish(struct gr_memprof *mp, const struct layout *l,
		    const struct raw *raws)
{
	bool clear = true;
	for (size_t i = 0; i < mp->nrec && clear; i++)
		if (raws[i].active.allocs + raws[i].current.allocs ||
		    raws[i].active.frees + raws[i].current.frees)
			clear = false;
	mp->info.accumulated = clear && mp->nrec > 0;
	for (size_t i = 0; i < mp->nrec; i++) {
		struct gr_memprof_record *r = &mp->rec[i];
		const struct cycle *a = &raws[i].active;
		const struct cycle *add = clear ? &raws[i].futures
						: &raws[i].current;
		r->allocs = a->allocs + add->allocs;
		r->frees = a->frees + add->frees;
		if (l->bytes) {
			r->alloc_bytes = a->alloc_bytes + add->alloc_bytes;
			r->free_bytes = a->free_bytes + add->free_bytes;
		} else {
			/* Go 1.27 copyMemProfileRecord: count * size. */
			r->alloc_bytes = r->allocs * r->size;
			r->free_bytes = r->frees * r->size;
		}
		r->stk = mp->pcs + (uintptr_t)r->stk;
	}
}

/*
 * The logical frames at return PC @pc, innermost first, into mp->lf
 * (*@n_ret of them, 0 when @pc is in no function); inline records and
 * names the core lacks go to @damage (NULL: already recorded).  NOMEM
 * only.
 */
GR_MUST_USE
static struct gr_error *logical(struct gr_memprof *mp, uint64_t pc,
				struct gr_damage_list *damage, size_t *n_ret)
{
	*n_ret = 0;
	struct gr_pcln_func fn;
	struct gr_error *err = gr_pcln_find_func(gr_session_pcln(mp->s),
						 pc ? pc - 1 : pc, &fn);
	/* The executable's pclntab, searched: a PC in no function is no
	 * damage (the frame is kept by address). */
	if (gr_error_catch(&err, GR_ERR_CONTENT))
		return NULL;
	if (err)
		return err;
	struct gr_frame f = {
		.pc = pc,
		.entry = fn.entry,
		.func_index = fn.index,
		.func_id = fn.func_id,
		.func = fn.name,
	};
	/* gr_unwind_logical() takes the physical frame's position from the
	 * frame, as the unwinder would have filled it. */
	err = gr_pcln_line(gr_session_pcln(mp->s), &fn, gr_frame_sym_pc(&f),
			   &f.file, &f.line);
	/* The executable's pclntab again: no line is no damage. */
	if (gr_error_catch(&err, GR_ERR_CONTENT))
		f.line = 0;
	if (err)
		return err;
	if (!f.file)
		f.file = "";
	size_t n = 0;
	if ((err = gr_unwind_logical(mp->unwind, &f, damage, mp->lf,
				     MAX_INLINE, &n)))
		return err;
	*n_ret = n < MAX_INLINE ? n : MAX_INLINE;
	return NULL;
}

/*
 * Symbolise every distinct PC of the profile once, for what the core
 * lacks of their inline records: the damage is then known when the walk
 * is, whichever records a report goes on to print.
 */
GR_MUST_USE
static struct gr_error *stacks_damage(struct gr_memprof *mp)
{
	struct gr_u64set seen = {0};
	struct gr_error *err = NULL;
	for (size_t i = 0; i < mp->nrec && !err; i++) {
		const struct gr_memprof_record *r = &mp->rec[i];
		for (uint32_t k = 0; k < r->nstk && !err; k++) {
			bool added;
			size_t n;
			if (!(err = gr_u64set_add(&seen, r->stk[k], &added)) &&
			    added)
				err = logical(mp, r->stk[k], &mp->damage, &n);
		}
	}
	gr_u64set_free(&seen);
	return err;
}

struct gr_error *gr_memprof_read(struct gr_session *s, struct gr_memprof **ret)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	if (!gr_dwarf_present(d))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "memory profile: the executable has no "
				       "DWARF (built with -ldflags=-w or "
				       "stripped)");
	struct layout l;
	struct gr_error *err = resolve_layout(d, &l);
	if (err)
		return err;
	struct gr_memprof *mp = calloc(1, sizeof(*mp));
	if (!mp)
		return gr_error_nomem();
	mp->s = s;
	mp->info.has_byte_counts = l.bytes;
	uint64_t head = 0;
	struct raw *raws = NULL;
	err = read_globals(mp, &head);
	if (!err)
		err = walk(mp, &l, head, &raws);
	if (!err) {
		publish(mp, &l, raws);
		err = gr_unwind_create(s, &mp->unwind);
	}
	if (!err && !(mp->lf = calloc(MAX_INLINE, sizeof(*mp->lf))))
		err = gr_error_nomem();
	if (!err)
		err = stacks_damage(mp);
	if (!err)
		err = gr_damage_list_close(&mp->damage);
	free(raws);
	if (err) {
		/* Offsets, not pointers, until publish(). */
		mp->nrec = 0;
		gr_memprof_destroy(mp);
		return err;
	}
	*ret = mp;
	return NULL;
}

void gr_memprof_destroy(struct gr_memprof *mp)
{
	if (!mp)
		return;
	gr_unwind_destroy(mp->unwind);
	free(mp->rec);
	free(mp->pcs);
	free(mp->frames);
	free(mp->lf);
	gr_damage_list_deinit(&mp->damage);
	free(mp);
}

const struct gr_memprof_info *gr_memprof_info(const struct gr_memprof *mp)
{
	return &mp->info;
}

const struct gr_damage_list *gr_memprof_damage_list(const struct gr_memprof *mp)
{
	return &mp->damage;
}

size_t gr_memprof_count(const struct gr_memprof *mp)
{
	return mp->nrec;
}

const struct gr_memprof_record *gr_memprof_record(const struct gr_memprof *mp,
						  size_t i)
{
	return i < mp->nrec ? &mp->rec[i] : NULL;
}

void gr_memprof_scale(int64_t count, int64_t bytes, int64_t rate,
		      int64_t *count_ret, int64_t *bytes_ret)
{
	if (count == 0 || bytes == 0) {
		*count_ret = *bytes_ret = 0;
		return;
	}
	if (rate <= 1) {
		*count_ret = count;
		*bytes_ret = bytes;
		return;
	}
	/* Go 1.27 passes the object size where older versions pass
	 * bytes / count: the same number, as a bucket has one size. */
	double avg = (double)bytes / (double)count;
	double scale = 1 / (1 - exp(-avg / (double)rate));
	*count_ret = (int64_t)((double)count * scale);
	*bytes_ret = (int64_t)((double)bytes * scale);
}

static bool runtime_func(const char *name)
{
	return strncmp(name, "runtime.", 8) == 0 ||
	       strncmp(name, "internal/runtime/", 17) == 0;
}

struct gr_error *gr_memprof_frames(struct gr_memprof *mp, size_t i,
				   const struct gr_memprof_frame **ret,
				   size_t *n_ret)
{
	const struct gr_memprof_record *r = &mp->rec[i];
	size_t n = 0;
	bool hide = true;
	for (int pass = 0; pass < 2 && n == 0; pass++, hide = false) {
		for (uint32_t k = 0; k < r->nstk; k++) {
			uint64_t pc = r->stk[k];
			size_t nl;
			/* NULL: gr_memprof_read() recorded each PC's damage. */
			struct gr_error *err = logical(mp, pc, NULL, &nl);
			if (err)
				return err;
			bool last = k + 1 == r->nstk;
			if (nl == 0) {
				/* A PC in no function: keep it, by address. */
				nl = 1;
				mp->lf[0] = (struct gr_logical_frame){
					.func = "?", .file = ""};
			}
			if (!last)
				nl = 1;
			if (strcmp(mp->lf[0].func, "runtime.goexit") == 0)
				continue;
			if (hide && n == 0 && runtime_func(mp->lf[0].func))
				continue;
			err = gr_array_grow(&mp->frames, &mp->frames_cap, n,
					    nl);
			if (err)
				return err;
			for (size_t j = 0; j < nl; j++)
				mp->frames[n++] = (struct gr_memprof_frame){
					.func = mp->lf[j].func,
					.file = mp->lf[j].file,
					.line = mp->lf[j].line,
					.pc = pc,
					.inlined = mp->lf[j].inlined,
				};
		}
	}
	*ret = mp->frames;
	*n_ret = n;
	return NULL;
}
