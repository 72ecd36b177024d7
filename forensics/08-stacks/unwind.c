/* SPDX-License-Identifier: MIT */
/*
 * Frames of one goroutine stack; see unwind.h for the rules and their
 * source (runtime/traceback.go).
 */
#include "forensics/08-stacks/unwind.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/02-input/core.h"
#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/05-session/session.h"

#include "forensics/08-stacks/unwind_internal.h"

/*
 * Names as the pclntab spells them.  The funcID the runtime compares
 * (cmd/internal/objabi/funcid.go) is itself assigned by these names, so
 * matching names is matching funcIDs without knowing their numbering, which
 * changes between versions (internal/abi/symtab.go).
 */
static const char *const special_names[GR_SPECIAL_COUNT] = {
	[GR_SPECIAL_GOEXIT] = "runtime.goexit",
	[GR_SPECIAL_SIGPANIC] = "runtime.sigpanic",
	[GR_SPECIAL_ASYNC_PREEMPT] = "runtime.asyncPreempt",
	[GR_SPECIAL_DEBUG_CALL] = "runtime.debugCallV2",
	[GR_SPECIAL_CGOCALLBACK] = "runtime.cgocallback",
	[GR_SPECIAL_SIGTRAMP] = "runtime.sigtramp",
	[GR_SPECIAL_MAKE_FUNC_STUB] = "reflect.makeFuncStub",
	[GR_SPECIAL_METHOD_VALUE_CALL] = "reflect.methodValueCall",
};

static const char *const end_names[] = {
#define GR_X(e, d) #e,
	GR_UNWIND_ENDS(GR_X)
#undef GR_X
};
static const char *const end_descs[] = {
#define GR_X(e, d) d,
	GR_UNWIND_ENDS(GR_X)
#undef GR_X
};

const char *gr_unwind_end_name(enum gr_unwind_end e)
{
	return e < GR_UNWIND_END_COUNT ? end_names[e] : "?";
}

const char *gr_unwind_end_describe(enum gr_unwind_end e)
{
	return e < GR_UNWIND_END_COUNT ? end_descs[e] : "?";
}

struct gr_error *gr_unwind_create(struct gr_session *s, struct gr_unwind **ret)
{
	struct gr_unwind *u = calloc(1, sizeof(*u));
	if (!u)
		return gr_error_nomem();
	u->pcln = gr_session_pcln(s);
	u->mem = gr_session_mem(s);
	u->uses_lr = gr_core_arch(gr_session_core(s)) == GR_ARCH_ARM64;
	if (!u->pcln) {
		free(u);
		return gr_error_create(GR_ERR_UNSUPPORTED, "unwind: no pclntab");
	}
	const struct gr_moduledata *md = gr_session_moduledata(s);
	if (md) {
		u->gofunc = md->gofunc;
		u->funcnametab = md->funcnametab.ptr;
		u->funcnametab_len = md->funcnametab.len;
	}
	/* internal/abi/symtab.go: the 1.18-1.19 table (magic 0xfffffff0)
	 * goes with the 20-byte inlinedCall of runtime/symtab.go 1.19; the
	 * 1.20 table with the 16-byte one of runtime/symtabinl.go. */
	u->inl_old = gr_pcln_magic(u->pcln) == GR_PCLN_MAGIC_GO118;
	uint32_t n = gr_pcln_func_count(u->pcln);
	for (uint32_t i = 0; i < n; i++) {
		struct gr_pcln_func f;
		struct gr_error *err = gr_pcln_func_at(u->pcln, i, &f);
		if (err) { /* the executable's table, searched: not damage */
			gr_error_destroy(err);
			continue;
		}
		for (int k = 0; k < GR_SPECIAL_COUNT; k++)
			if (!u->special[k] && strcmp(f.name, special_names[k]) == 0)
				u->special[k] = f.entry;
		/* cmd/internal/objabi/funcid.go maps runtime.deferreturn to
		 * the wrapper funcID in every version: learn its number. */
		if (!u->have_wrapper_id &&
		    strcmp(f.name, "runtime.deferreturn") == 0) {
			u->wrapper_id = f.func_id;
			u->have_wrapper_id = true;
		}
	}
	*ret = u;
	return NULL;
}

void gr_unwind_destroy(struct gr_unwind *u)
{
	free(u);
}

uint64_t gr_unwind_special_entry(const struct gr_unwind *u,
				 enum gr_special_func f)
{
	return f < GR_SPECIAL_COUNT ? u->special[f] : 0;
}

enum gr_special_func gr_unwind_special_at(const struct gr_unwind *u,
					  uint64_t entry)
{
	for (int k = 0; k < GR_SPECIAL_COUNT; k++)
		if (u->special[k] && u->special[k] == entry)
			return (enum gr_special_func)k;
	return GR_SPECIAL_COUNT;
}

uint64_t gr_frame_sym_pc(const struct gr_frame *f)
{
	if (!(f->flags & GR_FRAME_TRAP) && f->pc > f->entry)
		return f->pc - 1;
	return f->pc;
}

static void stop(struct gr_unwinder *it, enum gr_unwind_end end,
		 struct gr_error *err)
{
	it->done = true;
	it->valid = false;
	it->end = end;
	if (err && !it->err)
		it->err = err;
	else
		gr_error_destroy(err);
}

static bool in_stack(const struct gr_unwinder *it, uint64_t lo, uint64_t hi)
{
	if (!it->start.stack_hi)
		return true;
	return lo >= it->start.stack_lo && hi <= it->start.stack_hi && lo <= hi;
}

static bool is_injected(uint8_t special)
{
	/* runtime/traceback.go isInjectedCall. */
	return special == GR_SPECIAL_SIGPANIC ||
	       special == GR_SPECIAL_ASYNC_PREEMPT ||
	       special == GR_SPECIAL_DEBUG_CALL;
}

static void symbolise(const struct gr_unwind *u, struct gr_frame *f,
		      const struct gr_pcln_func *fn)
{
	const char *file = NULL;
	int32_t line = 0;
	/* The executable's pclntab, not the core: no line is no damage. */
	struct gr_error *err =
		gr_pcln_line(u->pcln, fn, gr_frame_sym_pc(f), &file, &line);
	if (err) {
		gr_error_destroy(err);
		file = "";
		line = 0;
	}
	f->file = file ? file : "";
	f->line = line;
}

/*
 * unwinder.resolveInternal: fp, lr, varp, argp and continpc of the frame
 * whose fn, pc and sp are set.  False when the walk must stop here before
 * the frame can be returned.
 */
static bool resolve(struct gr_unwinder *it, bool innermost, bool syscall)
{
	const struct gr_unwind *u = it->u;
	struct gr_frame *f = &it->frame;
	const struct gr_pcln_func *fn = &it->fn;

	if (fn->pcsp == 0) {
		/* No frame information ("must be external function"). */
		stop(it, GR_UNWIND_NO_FRAME_INFO, NULL);
		return false;
	}
	uint8_t flag = fn->flag;
	if (it->frame.special == GR_SPECIAL_CGOCALLBACK || syscall)
		flag &= (uint8_t)~GR_FUNC_FLAG_SPWRITE;

	int32_t delta;
	struct gr_error *err = gr_pcln_spdelta(u->pcln, fn, f->pc, &delta);
	if (err) {
		stop(it, GR_UNWIND_BAD_PC, err);
		return false;
	}
	if (delta < 0) {
		stop(it, GR_UNWIND_BAD_PC,
		     gr_error_create(GR_ERR_BAD_DATA,
				     "%s: negative spdelta %d at pc %#lx",
				     fn->name, delta, (unsigned long)f->pc));
		return false;
	}
	/* On x86 the CALL pushed the return PC before entering fn. */
	f->fp = f->sp + (uint64_t)delta + (u->uses_lr ? 0 : 8);
	if (!in_stack(it, f->sp, f->fp)) {
		stop(it, GR_UNWIND_OUT_OF_STACK, NULL);
		return false;
	}

	bool last = false;
	if (flag & GR_FUNC_FLAG_TOP_FRAME) {
		f->lr = 0;
		it->end = GR_UNWIND_TOP;
		last = true;
	} else if ((flag & GR_FUNC_FLAG_SPWRITE) && !innermost) {
		/*
		 * The runtime throws here when scanning ("unexpected SPWRITE
		 * function"); for the innermost frame it assumes the function
		 * stopped in its stack-growth check and goes on.
		 */
		f->lr = 0;
		it->end = GR_UNWIND_SPWRITE;
		last = true;
	} else if (!u->uses_lr || (innermost && f->sp < f->fp) || !f->lr) {
		/* x86: below the frame's top.  LR machines: the function
		 * saved the link register at 0(SP), unless it is the
		 * innermost frame and has none yet (stopped in its
		 * prologue, or a leaf): then the register holds it. */
		err = gr_mem_u64(u->mem, u->uses_lr ? f->sp : f->fp - 8,
				 &f->lr);
		if (err) {
			stop(it, GR_UNWIND_FAULT, err);
			return false;
		}
	}

	f->varp = u->uses_lr ? f->fp : f->fp - 8;
	/* The saved frame pointer sits at the top of any frame with a size
	 * (traceback.go: "if frame.varp > frame.sp && framepointer_enabled"). */
	if (f->varp > f->sp)
		f->varp -= 8;
	/* sys.MinFrameSize: the saved link register below the arguments. */
	f->argp = f->fp + (u->uses_lr ? 8 : 0);

	f->continpc = f->pc;
	if (it->callee_special == GR_SPECIAL_SIGPANIC) {
		/* The +1 offsets the -1 of getStackMap (stkframe.go). */
		f->continpc = fn->deferreturn
				      ? fn->entry + fn->deferreturn + 1
				      : 0;
	}
	if (last)
		it->done = true;
	return true;
}

static void fill_static(struct gr_unwinder *it)
{
	struct gr_frame *f = &it->frame;
	f->entry = it->fn.entry;
	f->func_index = it->fn.index;
	f->func = it->fn.name;
	f->args = it->fn.args;
	f->func_id = it->fn.func_id;
	f->special = (uint8_t)gr_unwind_special_at(it->u, it->fn.entry);
}

void gr_unwind_begin(struct gr_unwinder *it, const struct gr_unwind *u,
		     const struct gr_unwind_start *start)
{
	memset(it, 0, sizeof(*it));
	it->u = u;
	it->start = *start;
	it->callee_special = GR_SPECIAL_COUNT;
	it->end = GR_UNWIND_TOP;

	struct gr_frame *f = &it->frame;
	f->pc = start->pc;
	f->sp = start->sp;
	f->lr = u->uses_lr && !start->syscall ? start->lr : 0;
	if (f->pc == 0 && u->uses_lr) {
		/* A nil function call: the caller's PC is in the link
		 * register (traceback.go initAt). */
		f->pc = f->lr;
		f->lr = 0;
	} else if (f->pc == 0) {
		/* A nil function call: start in the caller's frame. */
		struct gr_error *err = gr_mem_u64(u->mem, f->sp, &f->pc);
		if (err) {
			stop(it, GR_UNWIND_FAULT, err);
			return;
		}
		f->sp += 8;
	}
	struct gr_error *err = gr_pcln_find_func(u->pcln, f->pc, &it->fn);
	if (err) {
		stop(it, GR_UNWIND_BAD_PC, err);
		return;
	}
	fill_static(it);
	f->flags = GR_FRAME_INNERMOST;
	if (start->syscall)
		f->flags |= GR_FRAME_SYSCALL;
	if (start->conservative_innermost)
		f->flags |= GR_FRAME_TRAP | GR_FRAME_CONSERVATIVE;
	if (!resolve(it, true, start->syscall))
		return;
	it->valid = true;
}

/* unwinder.next: move to the caller of the frame just returned. */
static void advance(struct gr_unwinder *it)
{
	const struct gr_unwind *u = it->u;
	struct gr_frame *f = &it->frame;

	if (it->done) {
		stop(it, it->end, NULL);
		return;
	}
	if (f->lr == 0) {
		/* A zero return address read from the stack: the runtime stops
		 * too, then finds sp != g.stktopsp and throws. */
		stop(it, GR_UNWIND_BAD_PC,
		     gr_error_create(GR_ERR_BAD_DATA,
				     "zero return address above %s",
				     f->func));
		return;
	}
	if (++it->n >= GR_UNWIND_MAX_FRAMES) {
		stop(it, GR_UNWIND_LIMIT, NULL);
		return;
	}
	struct gr_pcln_func caller;
	struct gr_error *err = gr_pcln_find_func(u->pcln, f->lr, &caller);
	if (err) {
		stop(it, GR_UNWIND_BAD_PC,
		     gr_error_prefix(err, "return pc %#lx of %s",
				     (unsigned long)f->lr, f->func));
		return;
	}
	if (f->pc == f->lr && f->sp == f->fp) {
		stop(it, GR_UNWIND_STUCK, NULL);
		return;
	}
	uint8_t callee = f->special;
	bool conservative_callee = callee == GR_SPECIAL_ASYNC_PREEMPT ||
				   callee == GR_SPECIAL_DEBUG_CALL;

	it->callee_special = callee;
	it->fn = caller;
	uint64_t pc = f->lr, sp = f->fp;
	memset(f, 0, sizeof(*f));
	f->pc = pc;
	f->sp = sp;
	fill_static(it);
	if (is_injected(callee))
		f->flags |= GR_FRAME_TRAP;
	/*
	 * mgcmark.go scanframeworker: the frame of asyncPreempt (or
	 * debugCallV2) holds the registers of the frame it interrupted, which
	 * is therefore scanned conservatively too.
	 */
	if (conservative_callee || f->special == GR_SPECIAL_ASYNC_PREEMPT ||
	    f->special == GR_SPECIAL_DEBUG_CALL)
		f->flags |= GR_FRAME_CONSERVATIVE;
	if (!resolve(it, false, false))
		return;
	it->valid = true;
}

bool gr_unwind_next(struct gr_unwinder *it, struct gr_frame *ret)
{
	if (!it->valid)
		return false;
	symbolise(it->u, &it->frame, &it->fn);
	if (it->frame.special == GR_SPECIAL_ASYNC_PREEMPT ||
	    it->frame.special == GR_SPECIAL_DEBUG_CALL)
		it->frame.flags |= GR_FRAME_CONSERVATIVE;
	*ret = it->frame;
	it->valid = false;
	advance(it);
	return true;
}

void gr_unwind_finish(struct gr_unwinder *it)
{
	gr_error_destroy(it->err);
	it->err = NULL;
}

/* Byte offsets in the kernel's struct ucontext_t (x86-64). */
enum {
	UC_MCONTEXT = 40,
	MC_NGREGS = 17,
	/* Frames to search for sigtramp on a signal stack. */
	SIGTRAMP_SEARCH = 64,
};

/* *@ok false when the core does not hold the context (damage). */
GR_MUST_USE
static struct gr_error *read_mcontext(struct gr_mem *mem, uint64_t mc,
				      struct gr_damage_list *damage,
				      struct gr_regs *regs, bool *ok)
{
	uint64_t r[MC_NGREGS];
	*ok = false;
	struct gr_error *err = gr_mem_read(mem, mc, r, sizeof(r));
	if (err)
		return gr_damage_fault(damage, err, "signal context");
	memset(regs, 0, sizeof(*regs));
	regs->r8 = r[0];
	regs->r9 = r[1];
	regs->r10 = r[2];
	regs->r11 = r[3];
	regs->r12 = r[4];
	regs->r13 = r[5];
	regs->r14 = r[6];
	regs->r15 = r[7];
	regs->rdi = r[8];
	regs->rsi = r[9];
	regs->rbp = r[10];
	regs->rbx = r[11];
	regs->rdx = r[12];
	regs->rax = r[13];
	regs->rcx = r[14];
	regs->rsp = r[15];
	regs->rip = r[16];
	*ok = true;
	return NULL;
}

struct gr_error *gr_unwind_signal_regs(const struct gr_unwind *u,
				       const struct gr_regs *thread,
				       struct gr_damage_list *damage,
				       struct gr_regs *ret, bool *found)
{
	struct gr_unwind_start st = {.pc = thread->rip, .sp = thread->rsp};
	struct gr_unwinder it;
	struct gr_frame f;
	struct gr_error *err = NULL;
	*found = false;
	gr_unwind_begin(&it, u, &st);
	for (int i = 0; i < SIGTRAMP_SEARCH && gr_unwind_next(&it, &f); i++) {
		if (f.special == GR_SPECIAL_SIGTRAMP) {
			err = read_mcontext(u->mem, f.fp + UC_MCONTEXT, damage,
					    ret, found);
			break;
		}
	}
	/* The search's own end (a frame it cannot read) is not damage:
	 * most threads are not in a signal handler, and the goroutine's
	 * own unwind says how far its stack could be read. */
	gr_unwind_finish(&it);
	return err;
}
