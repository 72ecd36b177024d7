/* SPDX-License-Identifier: MIT */
/*
 * Goroutines and the threads of the core: which thread runs a goroutine
 * (m.procid is the thread id: runtime/os_linux.go minit sets it from
 * gettid), and where to unwind a goroutine caught _Grunning from.
 *
 * A running goroutine's stack state is only in its thread's registers.
 * The thread may be:
 *   - on the goroutine's own stack: unwind from NT_PRSTATUS rip/rsp;
 *   - in a signal handler on its gsignal stack (the usual case in a core
 *     the runtime dumped itself with GOTRACEBACK=crash): the kernel saved
 *     the interrupted registers in its signal frame
 *     (gr_unwind_signal_regs);
 *   - on g0 (systemstack): g.sched was saved by systemstack
 *     (asm_amd64.s gosave_systemstack_switch), so the goroutine is
 *     unwound from there like a parked one.
 */
#include <string.h>

#include "forensics/02-input/core.h"
#include "forensics/05-session/session.h"
#include "forensics/08-stacks/goroutines_internal.h"

/* The thread running @m, or NULL.  A procid the core lacks leaves its
 * FAULT in *@fault for the caller to record (NULL @fault: recorded by
 * goroutines_match_thread already, the same read). */
static const struct gr_core_thread *thread_of(struct gr_goroutines *gs,
					      uint64_t m,
					      struct gr_error **fault)
{
	uint64_t procid;
	if (!m)
		return NULL;
	struct gr_error *err =
		gr_mem_u64(gs->mem, m + gs->l.m_procid, &procid);
	if (err) {
		if (fault)
			*fault = err;
		else
			gr_error_destroy(err);
		return NULL;
	}
	struct gr_core *core = gr_session_core(gs->s);
	size_t n = gr_core_thread_count(core);
	for (size_t i = 0; procid && i < n; i++) {
		const struct gr_core_thread *t = gr_core_thread(core, i);
		if ((uint64_t)(uint32_t)t->tid == procid)
			return t;
	}
	return NULL;
}

struct gr_error *goroutines_match_thread(struct gr_goroutines *gs,
					 struct gr_goroutine *g)
{
	struct gr_error *fault = NULL;
	const struct gr_core_thread *t = thread_of(gs, g->m, &fault);
	g->tid = t ? t->tid : -1;
	return gr_damage_fault(&gs->damage, fault, "m.procid");
}

static bool on_stack(const struct gr_goroutine *g, uint64_t sp)
{
	return sp >= g->stack_lo && sp < g->stack_hi;
}

struct gr_error *goroutines_running_start(struct gr_goroutines *gs,
					  struct gr_goroutine *g,
					  struct gr_unwind_start *start,
					  enum gr_g_frames_from *from,
					  bool *ret)
{
	*ret = false;
	if (g->status != GR_G_RUNNING || g->tid < 0)
		return NULL;
	const struct gr_core_thread *t = thread_of(gs, g->m, NULL);
	if (!t)
		return NULL;
	bool arm64 = gr_core_arch(gr_session_core(gs->s)) == GR_ARCH_ARM64;
	struct gr_regs regs = t->regs;
	enum gr_g_frames_from src = GR_G_FROM_THREAD;
	if (arm64) {
		/* linux/arm64: pc, sp and the link register x30.  A thread
		 * stopped in a signal handler is not on the goroutine's
		 * stack: g.sched then (signal frames are read on amd64
		 * only). */
		if (!on_stack(g, t->sp))
			return NULL;
	} else if (!on_stack(g, regs.rsp)) {
		bool found;
		struct gr_error *err = gr_unwind_signal_regs(
			gs->unwind, &t->regs, &gs->damage, &regs, &found);
		if (err)
			return err;
		if (!found || !on_stack(g, regs.rsp))
			return NULL; /* on g0, or unknown: use g.sched */
		src = GR_G_FROM_SIGNAL;
	}
	memset(start, 0, sizeof(*start));
	start->pc = arm64 ? t->pc : regs.rip;
	start->sp = arm64 ? t->sp : regs.rsp;
	start->lr = arm64 ? t->regs_arm64.x[30] : 0;
	start->conservative_innermost = true;
	g->have_regs = true;
	g->regs = regs;
	g->regs_are_arm64 = arm64;
	g->regs_arm64 = t->regs_arm64;
	*from = src;
	*ret = true;
	return NULL;
}
