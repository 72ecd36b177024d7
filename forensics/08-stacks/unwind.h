/* SPDX-License-Identifier: MIT */
/*
 * gr_unwind: walk the frames of one goroutine stack the way the Go runtime's
 * own unwinder does for the garbage collector.
 *
 * The rules follow runtime/traceback.go (unwinder.initAt, resolveInternal,
 * next; gentraceback in Go 1.19, which computes the same values) for
 * linux/amd64 only:
 *   - the frame's fp (the caller's SP, which is also the DWARF CFA of Go
 *     code on amd64) is sp + pcsp spdelta(pc) + 8: CALL pushed the return
 *     address;
 *   - the return address is read at fp - 8;
 *   - varp = fp - 8, minus 8 more for the saved frame pointer when the frame
 *     has any size (framepointer_enabled is always true on amd64);
 *   - argp = fp (sys.MinFrameSize is 0 on amd64);
 *   - continpc = pc, except below runtime.sigpanic where it is the
 *     deferreturn call site + 1 or 0 ("dead frame");
 *   - functions flagged TOPFRAME (goexit, mstart, rt0_go...) end the walk;
 *     an SPWRITE function ends it unless it is the innermost frame or the
 *     frame was entered from a system call (the runtime ignores SPWRITE in
 *     both cases);
 *   - the frame called by an injected call (sigpanic, asyncPreempt,
 *     debugCallV2) was stopped at an arbitrary instruction: its pc is the
 *     faulting PC, not a return address (GR_FRAME_TRAP).
 * Stack switches (systemstack, morestack) are not followed: a goroutine's
 * frames end on its own stack; frames on g0 do not belong to it.
 *
 * Every read of the stack goes through gr_mem; a word that cannot be read
 * ends the walk with GR_UNWIND_FAULT rather than failing the analysis.
 */
#ifndef GR_UNWIND_H
#define GR_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/04-gobin/pclntab.h"

struct gr_session;

/* Runtime functions the unwinder and the stack scanner treat specially. */
enum gr_special_func {
	GR_SPECIAL_GOEXIT,
	GR_SPECIAL_SIGPANIC,
	GR_SPECIAL_ASYNC_PREEMPT,
	GR_SPECIAL_DEBUG_CALL,	/* runtime.debugCallV2 */
	GR_SPECIAL_CGOCALLBACK,
	GR_SPECIAL_SIGTRAMP,	/* runtime.sigtramp: the kernel's signal frame is above it */
	GR_SPECIAL_MAKE_FUNC_STUB,	   /* reflect.makeFuncStub */
	GR_SPECIAL_METHOD_VALUE_CALL, /* reflect.methodValueCall */
	GR_SPECIAL_COUNT
};

enum gr_frame_flags {
	GR_FRAME_INNERMOST = 1 << 0,
	/* The callee was an injected call: pc is where the function was
	 * stopped, not a return address (symbolise at pc, not pc - 1). */
	GR_FRAME_TRAP = 1 << 1,
	/* The runtime scans this frame conservatively (asyncPreempt and
	 * debugCallV2 frames and the frame they interrupted), or goretain does
	 * (the innermost frame of a goroutine caught running). */
	GR_FRAME_CONSERVATIVE = 1 << 2,
	/* Entered through g.syscallsp/pc. */
	GR_FRAME_SYSCALL = 1 << 3,
};

struct gr_frame {
	uint64_t pc;	   /* frame.pc */
	uint64_t sp, fp;   /* fp = caller's sp = CFA */
	uint64_t varp;	   /* top of the locals */
	uint64_t argp;	   /* bottom of the incoming arguments */
	uint64_t continpc; /* pc for liveness; 0 = dead frame */
	uint64_t lr;	   /* return address; 0 at the top */
	uint64_t entry;	   /* function entry PC */
	uint32_t func_index; /* into the pclntab functab */
	int32_t args;	   /* _func.args (GR_ARGS_SIZE_UNKNOWN possible) */
	uint32_t flags;	   /* enum gr_frame_flags */
	uint8_t func_id;   /* _func.funcID (numbering per binary) */
	/* Position of the pc (gr_frame_sym_pc): that of the innermost call
	 * inlined there, if any (gr_unwind_logical() gives each level). */
	int32_t line;	   /* 0 when unknown */
	const char *func;  /* the physical function; owned by the pclntab */
	const char *file;  /* "" when unknown */
	/* Which special function this is, or GR_SPECIAL_COUNT. */
	uint8_t special;
};

/* Why a walk ended. */
#define GR_UNWIND_ENDS(X)                                                      \
	X(TOP, "reached the top of the stack")                                 \
	X(SPWRITE, "function writes SP (stack switch); walk stopped")          \
	X(BAD_PC, "return address outside every Go function")                  \
	X(NO_FRAME_INFO, "function without pcsp table")                        \
	X(OUT_OF_STACK, "frame outside the goroutine's stack bounds")          \
	X(FAULT, "stack word not readable in the core")                        \
	X(STUCK, "unwinder made no progress")                                  \
	X(LIMIT, "too many frames")

enum gr_unwind_end {
#define GR_X(e, d) GR_UNWIND_##e,
	GR_UNWIND_ENDS(GR_X)
#undef GR_X
	GR_UNWIND_END_COUNT
};

const char *gr_unwind_end_name(enum gr_unwind_end e);
const char *gr_unwind_end_describe(enum gr_unwind_end e);

/* Resolved once per session: special functions, the pclntab, gr_mem. */
struct gr_unwind;

/* Borrowing @s; destroy before the session. */
GR_MUST_USE
struct gr_error *gr_unwind_create(struct gr_session *s, struct gr_unwind **ret);
void gr_unwind_destroy(struct gr_unwind *u);

/* Entry PC of special function @f, 0 if the binary lacks it. */
uint64_t gr_unwind_special_entry(const struct gr_unwind *u,
				 enum gr_special_func f);
/* Which special function has entry @entry, or GR_SPECIAL_COUNT. */
enum gr_special_func gr_unwind_special_at(const struct gr_unwind *u,
					  uint64_t entry);

struct gr_unwind_start {
	uint64_t pc, sp;
	/* The link register of an LR machine (gobuf.lr, x30), 0 if unknown
	 * (read from the frame then); unused on amd64. */
	uint64_t lr;
	/* [lo, hi) of the stack the walk must stay in; hi = 0: unchecked. */
	uint64_t stack_lo, stack_hi;
	/* pc/sp come from g.syscallpc/syscallsp. */
	bool syscall;
	/* Scan the innermost frame conservatively (caught running). */
	bool conservative_innermost;
};

/*
 * The iterator.  Stack-allocated by the caller; fields are private except
 * `end` (valid once gr_unwind_next() returned false) and `err` (FAULT or
 * BAD_DATA detail, owned by the iterator until gr_unwind_finish()).
 */
struct gr_unwinder {
	const struct gr_unwind *u;
	struct gr_unwind_start start;
	struct gr_frame frame;
	struct gr_pcln_func fn;
	unsigned n;
	bool valid;	  /* frame holds the next frame to return */
	bool done;
	uint8_t callee_special;
	enum gr_unwind_end end;
	struct gr_error *err;
};

/* At most this many frames per goroutine (the runtime has no such limit,
 * but a corrupt stack could loop within its bounds). */
enum { GR_UNWIND_MAX_FRAMES = 100000 };

void gr_unwind_begin(struct gr_unwinder *it, const struct gr_unwind *u,
		     const struct gr_unwind_start *start);
/*
 * The next frame, innermost first, into *ret; false when the walk is over
 * (it->end says why: TOP for a complete walk).
 */
bool gr_unwind_next(struct gr_unwinder *it, struct gr_frame *ret);
/* Release it->err. */
void gr_unwind_finish(struct gr_unwinder *it);

/* One source-level frame: a physical frame expands to the calls inlined
 * at its pc, then itself (runtime/symtabinl.go inlineUnwinder). */
struct gr_logical_frame {
	const char *func; /* funcnametab string, never NULL */
	const char *file; /* "" when unknown */
	int32_t line;
	bool inlined;	  /* an inlined call, not the physical function */
	bool wrapper;	  /* funcID is FuncIDWrapper (autogenerated code) */
};

/*
 * The logical frames of @f, innermost first: up to @max into @out, the total
 * through *n_ret (which may exceed @max).  A broken inline table yields the
 * physical frame alone, as the runtime's "non-strict" inline unwinder does;
 * an inline record or function name the core does not hold is recorded in
 * @damage, or not at all when @damage is NULL (a caller expanding frames
 * that were expanded, and recorded, before).  NOMEM is the only error.
 */
GR_MUST_USE
struct gr_error *gr_unwind_logical(const struct gr_unwind *u,
				   const struct gr_frame *f,
				   struct gr_damage_list *damage,
				   struct gr_logical_frame *out, size_t max,
				   size_t *n_ret);

/*
 * runtime/traceback.go showfuncinfo at the default GOTRACEBACK level: would
 * a traceback print this logical frame?  (Wrappers are elided unless
 * @callee_panics; unexported runtime functions are hidden.)
 */
bool gr_logical_frame_shown(const struct gr_logical_frame *lf,
			    bool callee_panics);

struct gr_regs;

/*
 * If the thread with registers @thread is inside a Go signal handler (its
 * own stack, walked from @thread, reaches runtime.sigtramp), the registers
 * of the code the signal interrupted, into *ret.  The kernel pushed an
 * rt_sigframe before entering sigtramp: the return address (sa_restorer)
 * at sigtramp's fp - 8, then the ucontext_t, whose uc_mcontext (offset 40)
 * holds r8-r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip (Linux x86-64
 * uapi asm/sigcontext.h).  *@found false if no sigtramp frame is found or
 * the context cannot be read (then recorded in @damage, not NULL).  NOMEM
 * is the only error.
 */
GR_MUST_USE
struct gr_error *gr_unwind_signal_regs(const struct gr_unwind *u,
				       const struct gr_regs *thread,
				       struct gr_damage_list *damage,
				       struct gr_regs *ret, bool *found);

/*
 * The PC to symbolise a frame at (runtime unwinder.symPC): pc - 1 for a
 * return address (inside the CALL), pc itself for trapped frames (also the
 * innermost frame of a goroutine caught running) and a pc at the entry.
 */
uint64_t gr_frame_sym_pc(const struct gr_frame *f);

#endif /* GR_UNWIND_H */
