/* SPDX-License-Identifier: MIT */
/*
 * gr_unwind: pure helpers, error paths, thread stacks and signal contexts
 * and inline expansion, on the chanblock cores of every installed Go
 * toolchain (non-PIE; test_goroutines covers PIE).  A missing core FAILS
 * the test (run `make cores`).
 *
 * The cores are taken by the kernel after SIGABRT with GOTRACEBACK=crash:
 * the runtime relays the signal to every M and each thread dies inside the
 * runtime's signal handler (runtime/signal_unix.go sighandler, crash), so
 * every thread's own stack ends at runtime.sigtramp and holds the kernel's
 * signal frame with the interrupted registers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forensics/02-input/core.h"
#include "forensics/05-session/session.h"
#include "forensics/08-stacks/goroutines.h"
#include "forensics/08-stacks/unwind.h"

#define ok(expr)                                                               \
	do {                                                                   \
		struct gr_error *e_ = (expr);                                  \
		if (e_)                                                        \
			fail_msg("%s:%d: %s: %s", __FILE__, __LINE__,          \
				 gr_error_code_name(e_->code), e_->message);   \
	} while (0)

static const unsigned versions[] = {19, 21, 22, 23, 24, 25, 26, 27};

enum { PATHLEN = PATH_MAX + 128, MAX_FRAMES = 256 };

static void test_sym_pc(void **state)
{
	(void)state;
	struct gr_frame f = {.pc = 0x1010, .entry = 0x1000};
	assert_int_equal(gr_frame_sym_pc(&f), 0x100f);
	f.flags = GR_FRAME_TRAP;
	assert_int_equal(gr_frame_sym_pc(&f), 0x1010);
	f.flags = 0;
	f.pc = f.entry;
	assert_int_equal(gr_frame_sym_pc(&f), 0x1000);
}

static bool shown(const char *func, bool wrapper, bool callee_panics)
{
	struct gr_logical_frame lf = {.func = func, .file = "",
				      .wrapper = wrapper};
	return gr_logical_frame_shown(&lf, callee_panics);
}

static void test_shown(void **state)
{
	(void)state;
	/* runtime/traceback.go showfuncinfo at the default level. */
	assert_true(shown("main.main", false, false));
	assert_false(shown("runtime.gopark", false, false));
	assert_true(shown("runtime.Gosched", false, false));
	assert_true(shown("runtime.gopanic", false, false));
	assert_false(shown("main.main.gowrap1", true, false));
	assert_true(shown("main.main.gowrap1", true, true));
	assert_false(shown("nodot", false, false));
}

static void test_end_names(void **state)
{
	(void)state;
	for (int i = 0; i < GR_UNWIND_END_COUNT; i++) {
		const char *n = gr_unwind_end_name((enum gr_unwind_end)i);
		assert_string_not_equal(n, "?");
		assert_string_not_equal(
			gr_unwind_end_describe((enum gr_unwind_end)i), "?");
		for (int k = 0; k < i; k++)
			assert_string_not_equal(
				n, gr_unwind_end_name((enum gr_unwind_end)k));
	}
	assert_string_equal(gr_unwind_end_describe(GR_UNWIND_END_COUNT), "?");
}

/* Walk from @st; frames into @f (at most MAX_FRAMES), count returned. */
static size_t walk(const struct gr_unwind *u, const struct gr_unwind_start *st,
		   struct gr_frame *f, enum gr_unwind_end *end,
		   enum gr_error_code *code)
{
	struct gr_unwinder it;
	struct gr_frame fr;
	size_t n = 0;
	gr_unwind_begin(&it, u, st);
	while (gr_unwind_next(&it, &fr)) {
		if (n < MAX_FRAMES)
			f[n] = fr;
		n++;
	}
	*end = it.end;
	*code = it.err ? it.err->code : GR_ERR_COUNT_;
	gr_unwind_finish(&it);
	return n;
}

static void check_specials(const struct gr_unwind *u)
{
	const enum gr_special_func need[] = {
		GR_SPECIAL_GOEXIT, GR_SPECIAL_SIGPANIC,
		GR_SPECIAL_ASYNC_PREEMPT, GR_SPECIAL_DEBUG_CALL,
		GR_SPECIAL_SIGTRAMP,
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		uint64_t e = gr_unwind_special_entry(u, need[i]);
		assert_true(e != 0);
		assert_int_equal(gr_unwind_special_at(u, e), need[i]);
	}
	assert_int_equal(gr_unwind_special_at(u, 1), GR_SPECIAL_COUNT);
	assert_int_equal(gr_unwind_special_entry(u, GR_SPECIAL_COUNT), 0);
}

static bool benign_end(enum gr_unwind_end e)
{
	/* A thread on g0 ends at mcall or systemstack (SPWRITE): the runtime
	 * would jump to curg there (traceback.go unwindJumpStack). */
	return e == GR_UNWIND_TOP || e == GR_UNWIND_SPWRITE;
}

static void check_threads(const char *id, struct gr_session *s,
			  const struct gr_unwind *u)
{
	static struct gr_frame f[MAX_FRAMES];
	struct gr_core *core = gr_session_core(s);
	size_t nt = gr_core_thread_count(core);
	assert_true(nt > 0);
	for (size_t i = 0; i < nt; i++) {
		const struct gr_core_thread *t = gr_core_thread(core, i);
		struct gr_unwind_start st = {.pc = t->regs.rip,
					     .sp = t->regs.rsp};
		enum gr_unwind_end end;
		enum gr_error_code code;
		size_t n = walk(u, &st, f, &end, &code);
		if (n == 0 || n > MAX_FRAMES || end != GR_UNWIND_TOP ||
		    f[n - 1].special != GR_SPECIAL_SIGTRAMP)
			fail_msg("%s: thread %d: %zu frames ending %s at %s", id,
				 t->tid, n, gr_unwind_end_name(end),
				 n ? f[n > MAX_FRAMES ? MAX_FRAMES - 1 : n - 1].func
				   : "-");
		assert_true(f[0].flags & GR_FRAME_INNERMOST);

		struct gr_regs r;
		struct gr_damage_list damage = {0};
		bool found;
		assert_null(gr_unwind_signal_regs(u, &t->regs, &damage, &r,
						  &found));
		if (!found)
			fail_msg("%s: thread %d: no signal context", id, t->tid);
		assert_int_equal(gr_damage_total(&damage), 0);
		struct gr_unwind_start in = {.pc = r.rip, .sp = r.rsp,
					     .conservative_innermost = true};
		n = walk(u, &in, f, &end, &code);
		if (n == 0 || !benign_end(end))
			fail_msg("%s: thread %d: interrupted context at %#" PRIx64
				 ": %zu frames, end %s", id, t->tid, r.rip, n,
				 gr_unwind_end_name(end));
		assert_true(f[0].flags & GR_FRAME_TRAP);
		assert_true(f[0].flags & GR_FRAME_CONSERVATIVE);
	}
}

/* A parked goroutine (the holder) to start from in the error tests. */
static const struct gr_goroutine *parked(const struct gr_goroutines *gs,
					 size_t *idx)
{
	for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		if (strcmp(g->go_func, "main.holder") == 0) {
			*idx = i;
			return g;
		}
	}
	fail_msg("no main.holder goroutine");
	return NULL;
}

static void check_errors(const char *id, const struct gr_goroutines *gs,
			 const struct gr_unwind *u)
{
	static struct gr_frame f[MAX_FRAMES];
	enum gr_unwind_end end;
	enum gr_error_code code;
	size_t gi;
	const struct gr_goroutine *g = parked(gs, &gi);

	/* The same walk as gr_goroutines gives. */
	struct gr_unwind_start st = {.pc = g->sched_pc, .sp = g->sched_sp,
				     .stack_lo = g->stack_lo,
				     .stack_hi = g->stack_hi};
	size_t n = walk(u, &st, f, &end, &code);
	assert_int_equal(n, g->nframes);
	assert_int_equal(end, GR_UNWIND_TOP);
	assert_int_equal(code, GR_ERR_COUNT_);
	assert_memory_equal(f, gr_goroutines_frames(gs, gi), n * sizeof(*f));

	/* A pc outside every function. */
	st.pc = 0x10;
	n = walk(u, &st, f, &end, &code);
	assert_int_equal(n, 0);
	assert_int_equal(end, GR_UNWIND_BAD_PC);
	assert_int_equal(code, GR_ERR_NOT_FOUND);

	/* A nil call (pc 0) with an unreadable sp: the return address cannot
	 * be read. */
	st.pc = 0;
	st.sp = 0x8;
	st.stack_hi = 0;
	n = walk(u, &st, f, &end, &code);
	assert_int_equal(n, 0);
	assert_int_equal(end, GR_UNWIND_FAULT);
	assert_int_equal(code, GR_ERR_FAULT);

	/* A valid pc on an unreadable stack. */
	st.pc = g->sched_pc;
	n = walk(u, &st, f, &end, &code);
	assert_int_equal(n, 0);
	assert_int_equal(end, GR_UNWIND_FAULT);

	/* Bounds that end inside the first frame. */
	st.sp = g->sched_sp;
	st.stack_lo = g->sched_sp;
	st.stack_hi = g->sched_sp + 8;
	n = walk(u, &st, f, &end, &code);
	assert_int_equal(n, 0);
	assert_int_equal(end, GR_UNWIND_OUT_OF_STACK);

	/* Bounds that end after the first frame. */
	st.stack_hi = gr_goroutines_frames(gs, gi)[0].fp;
	n = walk(u, &st, f, &end, &code);
	assert_int_equal(n, 1);
	assert_int_equal(end, GR_UNWIND_OUT_OF_STACK);
	(void)id;
}

/* The frame that runs main.recvWorker expands to it (inlined into a 1.22+
 * "gowrap" closure, or called from 1.19-1.21's argument closure), and the
 * closure is a wrapper. */
static void check_logical(const char *id, const struct gr_goroutines *gs,
			  const struct gr_unwind *u)
{
	bool seen = false;
	for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		if (strcmp(g->go_func, "main.recvWorker") != 0)
			continue;
		const struct gr_frame *f = gr_goroutines_frames(gs, i);
		bool worker = false, wrapper = false;
		for (uint32_t k = 0; k < g->nframes; k++) {
			struct gr_logical_frame lf[8];
			size_t n;
			struct gr_damage_list damage = {0};
			assert_null(gr_unwind_logical(u, &f[k], &damage, lf, 8,
						      &n));
			assert_int_equal(gr_damage_total(&damage), 0);
			assert_true(n >= 1 && n <= 8);
			assert_false(lf[n - 1].inlined);
			assert_string_equal(lf[n - 1].func, f[k].func);
			for (size_t j = 0; j < n; j++) {
				if (strcmp(lf[j].func, "main.recvWorker") == 0) {
					worker = true;
					assert_int_equal(lf[j].line, g->top_line);
				}
				if (strncmp(lf[j].func, "main.main.", 10) == 0)
					wrapper = wrapper || lf[j].wrapper;
			}
			/* Asking for fewer still counts all. */
			size_t m;
			assert_null(
				gr_unwind_logical(u, &f[k], NULL, lf, 0, &m));
			assert_int_equal(m, n);
		}
		if (!worker || !wrapper)
			fail_msg("%s: goroutine %" PRIu64 ": recvWorker frame "
				 "%d, wrapper closure %d", id, g->id, worker,
				 wrapper);
		seen = true;
	}
	assert_true(seen);
}

static void test_cores(void **state)
{
	(void)state;
	unsigned ncores = 0;
	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		char go[64], dir[PATHLEN], core[PATHLEN + 8], exe[PATHLEN + 8];
		char id[64];
		snprintf(go, sizeof(go), "/usr/lib/go-1.%u/bin/go", versions[v]);
		if (access(go, X_OK) != 0)
			continue;
		const char *c = getenv("GR_CACHE"), *home = getenv("HOME");
		if (c && *c)
			snprintf(dir, sizeof(dir), "%s/cores/go1.%u/chanblock-exe",
				 c, versions[v]);
		else
			snprintf(dir, sizeof(dir),
				 "%s/.cache/goretain/cores/go1.%u/chanblock-exe",
				 home ? home : ".", versions[v]);
		snprintf(core, sizeof(core), "%s/core", dir);
		snprintf(exe, sizeof(exe), "%s/bin", dir);
		snprintf(id, sizeof(id), "go1.%u/chanblock-exe", versions[v]);
		struct stat st;
		if (stat(core, &st) != 0 || stat(exe, &st) != 0)
			fail_msg("core cache incomplete: no %s (run `make cores`)",
				 core);
		struct gr_session_options o = {.core_path = core,
					       .exe_path = exe};
		struct gr_session *s;
		struct gr_goroutines *gs;
		struct gr_unwind *u;
		ok(gr_session_open(&o, &s));
		ok(gr_goroutines_load(s, &gs));
		ok(gr_unwind_create(s, &u));
		check_specials(u);
		check_threads(id, s, u);
		check_errors(id, gs, u);
		check_logical(id, gs, u);
		gr_unwind_destroy(u);
		gr_goroutines_destroy(gs);
		gr_session_destroy(s);
		ncores++;
	}
	if (ncores == 0)
		fail_msg("no Go toolchain under /usr/lib/go-1.NN: run "
			 "scripts/install-go.sh and `make cores`");
	gr_unwind_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sym_pc),
		cmocka_unit_test(test_shown),
		cmocka_unit_test(test_end_names),
		cmocka_unit_test(test_cores),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
