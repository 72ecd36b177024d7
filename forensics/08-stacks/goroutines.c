/* SPDX-License-Identifier: MIT */
/*
 * Goroutines from runtime.allgs; see goroutines.h.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/04-gobin/pclntab.h"
#include "forensics/05-session/session.h"
#include "forensics/08-stacks/goroutines_internal.h"

/* --- string store --- */

struct gr_g_chunk {
	struct gr_g_chunk *next;
	size_t used, size;
	char data[];
};

const char *goroutines_strdup(struct gr_g_strings *st, const char *s, size_t len)
{
	struct gr_g_chunk *c = st->head;
	if (!c || c->size - c->used < len + 1) {
		size_t size = len + 1 > 16384 ? len + 1 : 16384;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = st->head;
		c->used = 0;
		c->size = size;
		st->head = c;
	}
	char *p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

void goroutines_strings_free(struct gr_g_strings *st)
{
	while (st->head) {
		struct gr_g_chunk *n = st->head->next;
		free(st->head);
		st->head = n;
	}
}

struct gr_error *goroutines_read_gostring(struct gr_goroutines *gs,
					  uint64_t addr, size_t max,
					  const char **ret)
{
	*ret = "";
	uint64_t hdr[2];
	struct gr_error *err = gr_mem_read(gs->mem, addr, hdr, sizeof(hdr));
	if (err)
		return gr_damage_catch(&gs->damage, err, GR_ERR_BIT(FAULT),
				       addr, sizeof(hdr), "string header: %s",
				       err->message);
	if (hdr[1] > max) /* not a name we keep: "" */
		return NULL;
	char *buf = malloc(hdr[1] + 1);
	if (!buf)
		return gr_error_nomem();
	if (hdr[1] && (err = gr_mem_read(gs->mem, hdr[0], buf, hdr[1]))) {
		free(buf);
		return gr_damage_catch(&gs->damage, err, GR_ERR_BIT(FAULT),
				       hdr[0], hdr[1], "string bytes: %s",
				       err->message);
	}
	const char *str = goroutines_strdup(&gs->str, buf, hdr[1]);
	free(buf);
	if (!str)
		return gr_error_nomem();
	*ret = str;
	return NULL;
}

/* --- tables read from the core --- */

/* Names of runtime/runtime2.go statuses: the fallback when the core's
 * gStatusStrings (traceback.go) lacks one; the runtime prints "???". */
static const char *const source_status_names[] = {
	"idle",	 "runnable",  "running", "syscall",   "waiting", "moribund",
	"dead",	 "enqueue",   "copystack", "preempted", "leaked",
	"waiting for cgo callback",
};

/* *@ret NULL when the binary has no such table; entries that cannot be
 * read are "" (and damage). */
GR_MUST_USE
static struct gr_error *read_string_table(struct gr_goroutines *gs,
					  uint64_t addr, uint64_t n,
					  const char ***ret)
{
	*ret = NULL;
	/* The tables hold a few dozen entries; anything larger is not one. */
	if (!addr || n == 0 || n > 1024)
		return NULL;
	const char **t = calloc(n, sizeof(*t));
	if (!t)
		return gr_error_nomem();
	for (uint64_t i = 0; i < n; i++) {
		struct gr_error *err =
			goroutines_read_gostring(gs, addr + 16 * i, 200, &t[i]);
		if (err) {
			free(t);
			return err;
		}
	}
	*ret = t;
	return NULL;
}

const char *gr_goroutines_status_name(const struct gr_goroutines *gs,
				      uint32_t status)
{
	if (gs->status_names && status < gs->l.status_strings_n &&
	    gs->status_names[status][0])
		return gs->status_names[status];
	if (status < sizeof(source_status_names) / sizeof(source_status_names[0]))
		return source_status_names[status];
	return "???";
}

/* The value of @v, 0 when the binary lacks it or the core does not hold
 * it (recorded as damage). */
GR_MUST_USE
static struct gr_error *read_global(struct gr_goroutines *gs,
				    const struct gr_g_global *v,
				    uint64_t *ret)
{
	*ret = 0;
	if (!v->base)
		return NULL;
	struct gr_error *err = gr_dwarf_member_read(gs->mem, v->base, &v->m, ret);
	if (err && err->code == GR_ERR_FAULT) {
		*ret = 0;
		err = gr_damage_fault(&gs->damage, err, "runtime global");
	}
	return err;
}

GR_MUST_USE
static struct gr_error *read_clocks(struct gr_goroutines *gs)
{
	const struct gr_g_global *clocks[3] = {&gs->l.memstats_last_gc,
					       &gs->l.work_tstart,
					       &gs->l.sched_lastpoll};
	uint64_t v;
	struct gr_error *err;
	for (int i = 0; i < 3; i++) {
		if ((err = read_global(gs, clocks[i], &v)))
			return err;
		if ((int64_t)v > gs->newest_nanotime)
			gs->newest_nanotime = (int64_t)v;
	}
	if (gs->l.fing_status.base) {
		if ((err = read_global(gs, &gs->l.fing_status, &v)))
			return err;
		gs->fing_running_finalizer =
			(v & (uint64_t)gs->l.fing_running_bit) != 0;
	} else if (gs->l.fing_running.base) {
		if ((err = read_global(gs, &gs->l.fing_running, &v)))
			return err;
		gs->fing_running_finalizer = v != 0;
	}
	return NULL;
}

/* --- allgs --- */

GR_MUST_USE
static struct gr_error *read_allgs(struct gr_goroutines *gs, uint64_t **ret,
				   uint64_t *n_ret)
{
	uint64_t ptr = 0, len = 0;
	struct gr_error *err = NULL;
	if (gs->l.allgs) {
		uint64_t sl[3];
		err = gr_mem_read(gs->mem, gs->l.allgs, sl, sizeof(sl));
		if (!err) {
			ptr = sl[0];
			len = sl[1];
			if (len > sl[2])
				err = gr_error_create(GR_ERR_BAD_DATA,
						      "runtime.allgs: len %lu > cap %lu",
						      (unsigned long)len,
						      (unsigned long)sl[2]);
		}
	}
	if (gs->l.allgptr && gs->l.allglen &&
	    (!gs->l.allgs ||
	     gr_error_catch(&err, GR_ERR_BIT(FAULT) | GR_ERR_BIT(BAD_DATA)))) {
		/* proc.go allgadd keeps allgptr/allglen for lock-free readers. */
		if (!(err = gr_mem_u64(gs->mem, gs->l.allgptr, &ptr)))
			err = gr_mem_u64(gs->mem, gs->l.allglen, &len);
	}
	if (err)
		return gr_error_prefix(err, "runtime.allgs");
	if (len > UINT64_MAX / 8 ||
	    (len && !gr_mem_readable(gs->mem, ptr, len * 8)))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "runtime.allgs: %lu entries at %#lx "
				       "are not all in the core",
				       (unsigned long)len, (unsigned long)ptr);
	uint64_t *v = calloc(len ? len : 1, sizeof(*v));
	if (!v)
		return gr_error_nomem();
	if (len && (err = gr_mem_read(gs->mem, ptr, v, len * 8))) {
		free(v);
		return gr_error_prefix(err, "runtime.allgs");
	}
	*ret = v;
	*n_ret = len;
	return NULL;
}

static uint64_t word(const uint8_t *buf, uint64_t off)
{
	uint64_t v;
	memcpy(&v, buf + off, 8);
	return v;
}

/*
 * Function and position of code address @pc.  For the creation site
 * (@back_up: gopc is the return PC of the newproc call) this is what
 * traceback.go printcreatedby1 prints in every version 1.19-1.27: the
 * physical function, and the file:line of pc - 1 (which is the position
 * inside an inlined callee when the go statement was inlined).
 */
static void site(struct gr_goroutines *gs, uint64_t pc, bool back_up,
		 const char **func, const char **file, int32_t *line)
{
	struct gr_pcln *pcln = gr_session_pcln(gs->s);
	struct gr_pcln_func fn;
	*func = *file = "";
	*line = 0;
	if (!pc)
		return;
	struct gr_error *err = gr_pcln_find_func(pcln, pc, &fn);
	if (err) {
		/* The executable's pclntab, searched: no function is not damage. */
		gr_error_destroy(err);
		return;
	}
	*func = fn.name;
	uint64_t at = back_up && pc > fn.entry ? pc - 1 : pc;
	if ((err = gr_pcln_line(pcln, &fn, at, file, line))) {
		/* The executable's pclntab: no line is not damage. */
		gr_error_destroy(err);
		*file = "";
		*line = 0;
	}
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* runtime/traceback.go isSystemGoroutine, comparing the names that fix
 * the funcIDs (cmd/internal/objabi/funcid.go). */
static void classify(struct gr_goroutines *gs, struct gr_goroutine *g,
		     const uint8_t *buf)
{
	const char *f = g->start_func;
	if (!f[0] || strcmp(f, "runtime.main") == 0 ||
	    strcmp(f, "runtime.corostart") == 0 ||
	    strcmp(f, "runtime.handleAsyncEvent") == 0) {
		g->is_system = g->created_system = false;
		return;
	}
	g->created_system = has_prefix(f, "runtime.");
	g->is_system = g->created_system;
	if (strcmp(f, "runtime.runfinq") == 0 ||
	    strcmp(f, "runtime.runFinalizers") == 0)
		g->is_system = !gs->fing_running_finalizer;
	else if (strcmp(f, "runtime.runCleanups") == 0 &&
		 gs->l.running_cleanups != GR_G_ABSENT)
		g->is_system = buf[gs->l.running_cleanups] == 0;
}

static void decode_g(struct gr_goroutines *gs, struct gr_goroutine *g,
		     const uint8_t *buf)
{
	const struct gr_g_layout *l = &gs->l;
	uint32_t st;
	memcpy(&st, buf + l->atomicstatus, 4);
	g->scan_bit = (st & GR_G_SCAN) != 0;
	g->status = st & ~(uint32_t)GR_G_SCAN;
	g->status_name = gr_goroutines_status_name(gs, g->status);
	g->id = word(buf, l->goid);
	g->wait_reason_index = buf[l->waitreason];
	g->wait_reason = "";
	if (gs->wait_reasons && g->wait_reason_index < l->wait_reasons_n)
		g->wait_reason = gs->wait_reasons[g->wait_reason_index];
	g->wait_since = (int64_t)word(buf, l->waitsince);
	g->wait_ns = -1;
	if (g->wait_since > 0 && gs->newest_nanotime >= g->wait_since)
		g->wait_ns = gs->newest_nanotime - g->wait_since;
	g->gopc = word(buf, l->gopc);
	g->startpc = word(buf, l->startpc);
	site(gs, g->gopc, true, &g->creator_func, &g->creator_file,
	     &g->creator_line);
	const char *sf, *sfile;
	int32_t sline;
	site(gs, g->startpc, false, &sf, &sfile, &sline);
	g->start_func = sf;
	if (l->parent_goid != GR_G_ABSENT) {
		g->parent_id = word(buf, l->parent_goid);
		g->has_parent = true;
	}
	g->m = word(buf, l->m);
	g->tid = -1;
	g->stack_lo = word(buf, l->stack_lo);
	g->stack_hi = word(buf, l->stack_hi);
	g->stktopsp = word(buf, l->stktopsp);
	g->sched_pc = word(buf, l->sched_pc);
	g->sched_sp = word(buf, l->sched_sp);
	g->sched_bp = word(buf, l->sched_bp);
	g->sched_lr = word(buf, l->sched_lr);
	g->sched_ctxt = word(buf, l->sched_ctxt);
	g->syscall_pc = word(buf, l->syscallpc);
	g->syscall_sp = word(buf, l->syscallsp);
	g->defer_head = word(buf, l->defer);
	g->panic_head = word(buf, l->panic);
	g->waiting = word(buf, l->waiting);
	g->labels_addr = word(buf, l->labels);
	g->async_safe_point = buf[l->async_safe_point] != 0;
	classify(gs, g, buf);
}

bool gr_g_is_dead(const struct gr_goroutine *g)
{
	return g->status == GR_G_DEAD || g->status == GR_G_DEADEXTRA ||
	       g->status == GR_G_IDLE;
}

GR_MUST_USE
static struct gr_error *push_frame(struct gr_goroutines *gs,
				   const struct gr_frame *f)
{
	struct gr_error *err =
		gr_array_grow(&gs->frames, &gs->frames_cap, gs->nframes, 1);
	if (err)
		return err;
	gs->frames[gs->nframes++] = *f;
	return NULL;
}

GR_MUST_USE
static struct gr_error *unwind_g(struct gr_goroutines *gs,
				 struct gr_goroutine *g)
{
	struct gr_unwind_start st = {0};
	enum gr_g_frames_from from = GR_G_FROM_NONE;
	g->first_frame_ = (uint32_t)gs->nframes;
	if (gr_g_is_dead(g) || g->stack_hi <= g->stack_lo)
		return NULL;
	bool running;
	struct gr_error *rerr =
		goroutines_running_start(gs, g, &st, &from, &running);
	if (rerr)
		return rerr;
	if (!running) {
		/* traceback.go initAt: syscallsp first, then sched. */
		if (g->syscall_sp) {
			st.pc = g->syscall_pc;
			st.sp = g->syscall_sp;
			st.syscall = true;
			from = GR_G_FROM_SYSCALL;
		} else {
			st.pc = g->sched_pc;
			st.sp = g->sched_sp;
			st.lr = g->sched_lr;
			from = GR_G_FROM_SCHED;
		}
	}
	if (!st.sp)
		return NULL;
	st.stack_lo = g->stack_lo;
	st.stack_hi = g->stack_hi;
	g->frames_from = from;

	struct gr_unwinder it;
	struct gr_frame f;
	gr_unwind_begin(&it, gs->unwind, &st);
	uint64_t last_sp = 0;
	const char *last_func = "";
	while (gr_unwind_next(&it, &f)) {
		struct gr_error *err = push_frame(gs, &f);
		if (err) {
			gr_unwind_finish(&it);
			return err;
		}
		last_sp = f.sp;
		last_func = f.func;
	}
	g->nframes = (uint32_t)(gs->nframes - g->first_frame_);
	g->unwind_end = it.end;
	if (it.err)
		g->unwind_error = goroutines_strdup(&gs->str, it.err->message,
					      strlen(it.err->message));
	gr_unwind_finish(&it);
	g->unwind_complete = it.end == GR_UNWIND_TOP &&
			     strcmp(last_func, "runtime.goexit") == 0 &&
			     last_sp == g->stktopsp;
	return NULL;
}

static bool panics(const char *f)
{
	/* traceback.go elideWrapperCalling: gopanic, sigpanic, panicwrap. */
	return strcmp(f, "runtime.gopanic") == 0 ||
	       strcmp(f, "runtime.sigpanic") == 0 ||
	       strcmp(f, "runtime.panicwrap") == 0;
}

/* go_func and the top user frame, from the logical frames. */
GR_MUST_USE
static struct gr_error *summarize(struct gr_goroutines *gs,
				  struct gr_goroutine *g)
{
	enum { MAX_LOGICAL = 64 };
	struct gr_logical_frame lf[MAX_LOGICAL];
	const struct gr_frame *f = gs->frames + g->first_frame_;
	bool callee_panics = false;
	for (uint32_t k = 0; k < g->nframes; k++) {
		size_t n;
		struct gr_error *err = gr_unwind_logical(
			gs->unwind, &f[k], &gs->damage, lf, MAX_LOGICAL, &n);
		if (err)
			return err;
		if (n > MAX_LOGICAL)
			n = MAX_LOGICAL;
		for (size_t j = 0; j < n; j++) {
			bool shown = gr_logical_frame_shown(&lf[j], callee_panics);
			callee_panics = panics(lf[j].func);
			if (!shown)
				continue;
			g->go_func = lf[j].func;
			if (!g->top_func[0] && !has_prefix(lf[j].func, "runtime.")) {
				g->top_func = lf[j].func;
				g->top_file = lf[j].file;
				g->top_line = lf[j].line;
			}
		}
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *load_all(struct gr_goroutines *gs)
{
	uint64_t *ptrs = NULL, n = 0;
	struct gr_error *err = read_allgs(gs, &ptrs, &n);
	if (err)
		return err;
	uint8_t *buf = malloc(gs->l.g_size);
	gs->g = calloc(n ? n : 1, sizeof(*gs->g));
	if (!buf || !gs->g) {
		free(buf);
		free(ptrs);
		return gr_error_nomem();
	}
	for (uint64_t i = 0; i < n && !err; i++) {
		struct gr_goroutine *g = &gs->g[gs->ng++];
		g->addr = ptrs[i];
		g->tid = -1;
		g->status_name = g->wait_reason = g->creator_func =
			g->creator_file = g->start_func = g->go_func =
				g->top_func = g->top_file = "";
		g->first_frame_ = (uint32_t)gs->nframes;
		g->first_label_ = (uint32_t)gs->nlabels;
		struct gr_error *rerr =
			gr_mem_read(gs->mem, g->addr, buf, gs->l.g_size);
		if (rerr) {
			g->status = GR_G_DEAD;
			g->status_name = "unreadable";
			g->unwind_end = GR_UNWIND_FAULT;
			g->unwind_error = goroutines_strdup(&gs->str, rerr->message,
						      strlen(rerr->message));
			/* Shown as unreadable and counted: an allgs entry
			 * the core lacks hides what that goroutine holds. */
			err = gr_damage_catch(&gs->damage, rerr, GR_ERR_CONTENT,
					      g->addr, gs->l.g_size,
					      "goroutine %#" PRIx64 ": %s",
					      g->addr, rerr->message);
			continue;
		}
		decode_g(gs, g, buf);
		if (!(err = goroutines_match_thread(gs, g)) &&
		    !(err = goroutines_decode_labels(gs, g)) &&
		    !(err = unwind_g(gs, g)))
			err = summarize(gs, g);
	}
	free(buf);
	free(ptrs);
	return err;
}

struct gr_error *gr_goroutines_load(struct gr_session *s,
				    struct gr_goroutines **ret)
{
	struct gr_goroutines *gs = calloc(1, sizeof(*gs));
	if (!gs)
		return gr_error_nomem();
	gs->s = s;
	gs->mem = gr_session_mem(s);
	struct gr_error *err = goroutines_layout_resolve(
		gr_session_dwarf(s), gr_session_load_bias(s), &gs->l);
	if (!err)
		err = gr_unwind_create(s, &gs->unwind);
	if (!err) {
		if (!(err = read_string_table(gs, gs->l.wait_reasons,
					      gs->l.wait_reasons_n,
					      &gs->wait_reasons)) &&
		    !(err = read_string_table(gs, gs->l.status_strings,
					      gs->l.status_strings_n,
					      &gs->status_names)) &&
		    !(err = read_clocks(gs)) && !(err = load_all(gs)))
			err = gr_damage_list_close(&gs->damage);
	}
	if (err) {
		gr_goroutines_destroy(gs);
		return err;
	}
	*ret = gs;
	return NULL;
}

void gr_goroutines_destroy(struct gr_goroutines *gs)
{
	if (!gs)
		return;
	gr_unwind_destroy(gs->unwind);
	goroutines_strings_free(&gs->str);
	free(gs->g);
	free(gs->frames);
	free(gs->labels);
	free(gs->wait_reasons);
	free(gs->status_names);
	gr_damage_list_deinit(&gs->damage);
	free(gs);
}

const struct gr_damage_list *
gr_goroutines_damage_list(const struct gr_goroutines *gs)
{
	return &gs->damage;
}

size_t gr_goroutines_count(const struct gr_goroutines *gs)
{
	return gs->ng;
}

const struct gr_goroutine *gr_goroutines_get(const struct gr_goroutines *gs,
					     size_t i)
{
	return i < gs->ng ? &gs->g[i] : NULL;
}

const struct gr_frame *gr_goroutines_frames(const struct gr_goroutines *gs,
					    size_t i)
{
	if (i >= gs->ng || gs->g[i].nframes == 0)
		return NULL;
	return &gs->frames[gs->g[i].first_frame_];
}

const struct gr_g_label *gr_goroutines_labels(const struct gr_goroutines *gs,
					      size_t i)
{
	if (i >= gs->ng || gs->g[i].nlabels == 0)
		return NULL;
	return &gs->labels[gs->g[i].first_label_];
}

int64_t gr_goroutines_newest_nanotime(const struct gr_goroutines *gs)
{
	return gs->newest_nanotime;
}

const struct gr_unwind *gr_goroutines_unwind(const struct gr_goroutines *gs)
{
	return gs->unwind;
}

uint32_t gr_g_top_user_frame(const struct gr_goroutines *gs, size_t i)
{
	const struct gr_frame *f = gr_goroutines_frames(gs, i);
	uint32_t n = i < gs->ng ? gs->g[i].nframes : 0;
	for (uint32_t k = 0; k < n; k++)
		if (!has_prefix(f[k].func, "runtime."))
			return k;
	return n;
}
