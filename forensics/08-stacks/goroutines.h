/* SPDX-License-Identifier: MIT */
/*
 * gr_goroutines: every goroutine of the dead process, with its state, its
 * creation site and its frames.
 *
 * Goroutines are read from runtime.allgs (the slice of every g ever
 * created: runtime/proc.go allgadd; dead ones stay in it for reuse), or
 * from allgptr/allglen when the slice cannot be read.  Field offsets of g,
 * m, gobuf, sudog, _defer come from DWARF (fail closed: UNSUPPORTED naming
 * the field).  Strings that differ between Go versions are read from the
 * core itself: wait reasons from runtime.waitReasonStrings, status names
 * from runtime.gStatusStrings (both runtime globals in every version
 * 1.19-1.27), so no version table is needed.
 *
 * Frames come from gr_unwind (unwind.h): for parked goroutines from
 * g.sched, for _Gsyscall from g.syscallsp/syscallpc, for goroutines caught
 * _Grunning from the registers of their thread (NT_PRSTATUS, or the
 * signal context the kernel saved when the thread is in a signal handler),
 * falling back to g.sched when the thread is on its g0 stack (systemstack).
 *
 * A g that cannot be read, or whose stack cannot be walked, is data, not a
 * failure: its record says what went wrong (unwind_end, unwind_error).
 * All strings are owned by the gr_goroutines.
 */
#ifndef GR_GOROUTINES_H
#define GR_GOROUTINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/02-input/core.h"
#include "forensics/08-stacks/unwind.h"

struct gr_session;

/* runtime/runtime2.go goroutine statuses (stable numbering 1.19-1.27;
 * _Gleaked and _Gdeadextra exist from Go 1.26). */
enum gr_gstatus {
	GR_G_IDLE = 0,
	GR_G_RUNNABLE = 1,
	GR_G_RUNNING = 2,
	GR_G_SYSCALL = 3,
	GR_G_WAITING = 4,
	GR_G_MORIBUND_UNUSED = 5,
	GR_G_DEAD = 6,
	GR_G_ENQUEUE_UNUSED = 7,
	GR_G_COPYSTACK = 8,
	GR_G_PREEMPTED = 9,
	GR_G_LEAKED = 10,
	GR_G_DEADEXTRA = 11,
	GR_G_SCAN = 0x1000,
};

/* Where a goroutine's frames were unwound from. */
enum gr_g_frames_from {
	GR_G_FROM_NONE,	    /* not unwound (idle, dead, no stack) */
	GR_G_FROM_SCHED,    /* g.sched */
	GR_G_FROM_SYSCALL,  /* g.syscallsp/syscallpc */
	GR_G_FROM_THREAD,   /* the thread's registers */
	GR_G_FROM_SIGNAL,   /* the signal context on the thread's gsignal stack */
};

struct gr_g_label {
	const char *key, *value;
};

struct gr_goroutine {
	uint64_t addr;	   /* the runtime.g */
	uint64_t id;	   /* goid */
	uint32_t status;   /* atomicstatus with _Gscan stripped */
	bool scan_bit;	   /* _Gscan was set */
	const char *status_name; /* from runtime.gStatusStrings: "waiting" */
	uint8_t wait_reason_index; /* g.waitreason */
	/* runtime.waitReasonStrings[waitreason]; "" for waitReasonZero. */
	const char *wait_reason;
	/*
	 * g.waitsince: nanotime() of the start of the first GC that found the
	 * goroutine blocked (runtime/mgcmark.go markroot sets it from
	 * work.tstart), 0 if none has.  wait_ns = newest known nanotime -
	 * waitsince, a lower bound of how long it had been blocked; -1 when
	 * unknown.
	 */
	int64_t wait_since;
	int64_t wait_ns;
	/* Creation site: the go statement (g.gopc, symbolised at gopc - 1). */
	uint64_t gopc;
	const char *creator_func; /* "" if unknown */
	const char *creator_file;
	int32_t creator_line;
	uint64_t startpc;
	const char *start_func; /* "" if unknown */
	/*
	 * The function the go statement started, as a traceback names it:
	 * the outermost logical frame a default-level traceback would print
	 * (inlined calls expanded, wrappers such as the 1.22+ "gowrap"
	 * closures or 1.19's "func1" argument closures elided, unexported
	 * runtime frames hidden).  "" when no frame would be printed (system
	 * goroutines) or the stack was not walked.
	 */
	const char *go_func;
	/* The innermost such frame outside package runtime: where user code
	 * is blocked.  "" / 0 when none. */
	const char *top_func, *top_file;
	int32_t top_line;
	/* g.parentGoid (Go 1.21+); has_parent false before. */
	uint64_t parent_id;
	bool has_parent;
	/* runtime.isSystemGoroutine(gp, false) (runtime/traceback.go). */
	bool is_system;
	/* Counted in runtime.sched.ngsys at creation: the start function
	 * decides alone (newproc1 calls isSystemGoroutine(newg, false) before
	 * any finalizer runs), so finalizer/cleanup goroutines always are. */
	bool created_system;
	/* g.m and its thread (m.procid matched to NT_PRSTATUS), -1 if none. */
	uint64_t m;
	int32_t tid;
	/* For goroutines unwound from a thread or signal context: the
	 * registers they were stopped with (live values the stack scanner
	 * treats conservatively). */
	bool have_regs;
	struct gr_regs regs;		 /* amd64 */
	struct gr_regs_arm64 regs_arm64; /* arm64 */
	bool regs_are_arm64;
	uint64_t stack_lo, stack_hi;
	uint64_t stktopsp;
	uint64_t sched_pc, sched_sp, sched_bp, sched_ctxt, sched_lr;
	uint64_t syscall_pc, syscall_sp;
	uint64_t defer_head;  /* g._defer */
	uint64_t panic_head;  /* g._panic */
	uint64_t waiting;     /* g.waiting (first sudog) */
	uint64_t labels_addr; /* g.labels */
	bool async_safe_point;
	/* pprof labels; labels_decoded false when g.labels is set but could
	 * not be decoded (see gr_goroutines_labels()). */
	bool labels_decoded;
	uint32_t nlabels;
	uint32_t first_label_;
	/* Frames: gr_goroutines_frames(gs, i)[0 .. nframes). */
	enum gr_g_frames_from frames_from;
	uint32_t nframes;
	uint32_t first_frame_;
	enum gr_unwind_end unwind_end;
	/* Detail when unwind_end is not TOP or the g was unreadable; NULL. */
	const char *unwind_error;
	/* The walk ended at goexit with sp == g.stktopsp (the runtime's own
	 * completeness check, traceback.go finishInternal). */
	bool unwind_complete;
};

struct gr_goroutines;

/*
 * Read every goroutine and unwind its stack.  Fails only when the runtime
 * structures themselves are missing (UNSUPPORTED naming the DWARF
 * field/global) or allgs cannot be read (FAULT, BAD_DATA for a count that
 * cannot be).  *ret is the caller's, freed with gr_goroutines_destroy();
 * @s must outlive it.
 */
GR_MUST_USE
struct gr_error *gr_goroutines_load(struct gr_session *s,
				    struct gr_goroutines **ret);
void gr_goroutines_destroy(struct gr_goroutines *gs);
/* What could not be read (names, labels); see damage.h. */
const struct gr_damage_list *
gr_goroutines_damage_list(const struct gr_goroutines *gs);

/* Every g in allgs, dead ones included, in allgs order. */
size_t gr_goroutines_count(const struct gr_goroutines *gs);
const struct gr_goroutine *gr_goroutines_get(const struct gr_goroutines *gs,
					     size_t i);
/* The frames of goroutine @i, innermost first (NULL when nframes is 0). */
const struct gr_frame *gr_goroutines_frames(const struct gr_goroutines *gs,
					    size_t i);
/* The labels of goroutine @i (NULL when nlabels is 0). */
const struct gr_g_label *gr_goroutines_labels(const struct gr_goroutines *gs,
					      size_t i);
/*
 * The newest nanotime() value found in the core: the maximum of
 * memstats.last_gc_nanotime, work.tstart and sched.lastpoll; 0 if none.
 * Wait durations are measured against it.
 */
int64_t gr_goroutines_newest_nanotime(const struct gr_goroutines *gs);
/* The unwinder used (for callers walking other stacks). */
const struct gr_unwind *gr_goroutines_unwind(const struct gr_goroutines *gs);

/* "waiting", "runnable"... for @status without the scan bit; the core's
 * own gStatusStrings first, then the runtime source names. */
const char *gr_goroutines_status_name(const struct gr_goroutines *gs,
				      uint32_t status);
/* True if the goroutine is gone (_Gdead, _Gdeadextra) or never started
 * (_Gidle): no stack to scan, not counted by runtime.NumGoroutine. */
bool gr_g_is_dead(const struct gr_goroutine *g);
/* Index of the first physical frame outside package runtime, or nframes
 * if none. */
uint32_t gr_g_top_user_frame(const struct gr_goroutines *gs, size_t i);

#endif /* GR_GOROUTINES_H */
