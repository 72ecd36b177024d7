/* SPDX-License-Identifier: MIT */
/*
 * Types of globals from the code that stores into them (see codetypes.h).
 */
#include "forensics/04-gobin/codetypes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/04-gobin/x86.h"
#include "layouts/typedesc.h"

enum {
	/* Functions longer than this are not scanned (as in closures.c: the
	 * runtime's largest are tens of kB). */
	MAX_FUNC_BYTES = 1 << 20,
	/* A register's fact is forgotten this many instructions after it
	 * was learnt, along the path that carries it: a backstop for an
	 * instruction that writes a register clobber() does not know.
	 * Every path is followed (labels meet, loops settle), so the
	 * limit is far: a constructor's result may be spilled, reloaded
	 * and returned a few hundred instructions after its allocation. */
	MAX_AGE = 1024,
	/* Forward jumps whose target is still ahead, per function; beyond
	 * this a target is entered with nothing known. */
	MAX_PENDING = 1024,
	NREGS = 16,
	REG_AX = 0,
	REG_CX = 1,
	REG_DX = 2,
	REG_BX = 3,
	REG_SI = 6,
	REG_DI = 7,
	REG_R11 = 11,
	/* More allocation functions than this is not the runtime. */
	MAX_CALLEES = 256,
	/* Integer argument registers of the Go internal ABI (regabi). */
	NARGS = 9,
	/* Stack slots followed per function; more are not followed. */
	MAX_SLOTS = 64,
	/* A LEAQ of a frame address lets a callee write the variable there:
	 * a slot at that address holds nothing known.  (Go gives variables
	 * that are live together their own bytes, so only the variable
	 * itself is at risk; its size is not known here, its first word
	 * is what a pointer store through the address most often writes.
	 * The funcdata's stack objects would give the extent.) */
	LEA_REACH = 8,
	REG_BP = 5,
	/* Rounds of passing a parameter's type from callee to caller. */
	MAX_ROUNDS = 8,
	/* Passes over one function (scan_func). */
	MAX_PASSES = 4,
};

/* cmd/compile/abi-internal.md: RAX, RBX, RCX, RDI, RSI, R8-R11. */
static const uint8_t arg_regs[NARGS] = {0, 3, 1, 7, 6, 8, 9, 10, 11};

/* What a register is known to hold. */
enum what {
	W_NONE,
	W_TYPE,	  /* a descriptor address: LEAQ into [types, etypes) */
	W_ADDR,	  /* another address LEAQ loaded (an itab, perhaps) */
	W_GLOBAL, /* the value of the global word at v */
	W_NEW,	  /* a new object of type v */
	W_ARRAY,  /* a new array of element type v */
	W_MAP,	  /* a map of map type v */
	W_CHAN,	  /* a channel of chan type v */
	W_SCALAR, /* (stores only) an immediate or a byte */
	W_PARAM,  /* the function's integer argument v, as it was passed */
	W_RESULT, /* what the function at v returned (its first result) */
	W_ZERO,	  /* zero: nil (XORL r, r) */
	W_GADDR,  /* the address of the global word at v (LEAQ) */
	W_TOP,	  /* not known yet: a loop head's back edge in a guess
		   * (enter_label); meets as anything */
	W_SPADDR, /* an address in the frame (LEAQ off(SP)): no heap object,
		   * so it meets a new object's or array's fact as that fact
		   * (Go 1.25+ keeps a small make([]T, n) on the stack) */
};


struct reg {
	uint8_t what;
	/* The pass's instruction count when the fact was learnt; it is
	 * forgotten MAX_AGE instructions later (expire). */
	uint32_t born;
	uint64_t v;
};

/* Whether @a and @b may meet as @a: equal, or @b a frame address where
 * @a is an allocation's result. */
static bool subsumes(const struct reg *a, const struct reg *b)
{
	if (a->what == b->what && a->v == b->v)
		return true;
	return b->what == W_SPADDR && (a->what == W_NEW || a->what == W_ARRAY);
}

/* How a call's callee is treated. */
enum role {
	R_OTHER,     /* forgets every register */
	R_NEWOBJECT, /* newobject(typ): AX = new typ */
	R_MALLOCGC,  /* mallocgc*(size, typ, ...): AX = new typ (BX) */
	R_MAKESLICE, /* makeslice(et, ...), makeslicecopy: AX = []et */
	R_GROWSLICE, /* growslice: et in SI (Go 1.20+) or AX (1.19) */
	R_MAKEMAP,   /* makemap(t, ...), makemap64: AX = map t */
	R_MAKECHAN,  /* makechan(t, ...), makechan64: AX = chan t */
	R_MAPOP,     /* mapassign*, mapaccess*, ...(t, m, ...) */
	R_BARRIER,   /* write barrier helpers: registers preserved */
	R_NORETURN,  /* panics, throw, morestack: nothing falls through */
};

struct callee {
	uint64_t entry;
	uint8_t role;
};

struct pending {
	uint64_t target;
	struct reg regs[NREGS];
};

/* A stack slot of the function being scanned: every store into it
 * (MOVQ reg, disp(SP)) stored the same @fact, or it is @bad. */
struct slot {
	int32_t disp;
	uint8_t what;
	uint64_t v;
	bool bad, loaded;
	/* The same learnt again by the pass under way (@seen: a store was
	 * met), with what it knows of loops: the frame records come from
	 * the last pass (frame_record). */
	uint8_t fwhat;
	uint64_t fv;
	bool fbad, fseen;
	bool ranged; /* in a range slots_bad gave (the first pass) */
};

/* Merge a store of @r into a slot's (@what, @v, @bad); @known: a store
 * was met before. */
static void slot_merge(const struct reg *r, bool known, uint8_t *what,
		       uint64_t *v, bool *bad);

/* What a function returns in AX at one of its RETs (W_NONE: unknown). */
struct ret {
	uint64_t entry;
	uint64_t v;
	uint8_t what;
};

/* A global stored with what a call returned. */
struct result_store {
	uint64_t global;
	uint64_t callee;
};

/* What a function does with its parameter: map operations of one map
 * type on it (@type), or passing it on to @to's parameter @to_param. */
struct param_use {
	uint64_t entry; /* the function's */
	uint64_t type;	/* a map descriptor, or 0 with @to set */
	uint64_t to;	/* callee entry, 0 with @type set */
	uint8_t param, to_param;
};

struct method {
	uint64_t entry;
	uint32_t func; /* pclntab index */
};

/* A global's value passed as a call's argument. */
struct global_arg {
	uint64_t global;
	uint64_t to;
	uint8_t param;
};

/* A register store into a global, kept per function: an interface's
 * type word counts only with its data word stored beside it. */
struct store {
	uint64_t addr;
	uint64_t v;
	uint8_t what;
};

struct scan {
	struct gr_mem *mem;
	struct store *stores;
	size_t nstores, stores_cap;
	const struct gr_moduledata *md;
	struct callee callees[MAX_CALLEES];
	size_t ncallees;
	/* One function's labels: bit i of @label = a jump lands at byte i,
	 * of @back = one lands there from further on (a loop). */
	uint8_t *label, *back;
	struct pending *pend;
	size_t npend;
	/* The states at the jumps back to a loop head, of this pass
	 * (@backs) and of the one before (@prev, NULL in the first): a loop
	 * head is entered with what the previous pass found at its back
	 * edges as well as with what reaches it forward.  A list that did
	 * not fit is @over, and its loop heads start from nothing. */
	struct pending *backs, *prev, *bk[2];
	size_t nbacks, nprev;
	bool backs_over, prev_over, pend_over;
	uint32_t now; /* instructions so far in this pass */
	enum { LOOPS_FORGET, LOOPS_FORWARD, LOOPS_BACKS } loops;
	bool has_loops; /* a back bit is set (find_labels) */
	/* The function decoded (find_labels), for every pass. */
	struct gr_x86_insn *insns;
	size_t ninsns, insns_cap;
	/* The function's stack slots; in its second pass (@slots_known) a
	 * load from a slot of one parameter gives that parameter. */
	struct slot slots[MAX_SLOTS];
	size_t nslots;
	bool slots_known;
	/* Frame ranges written by what the scan does not follow, applied
	 * to every slot when the first pass ends (a slot first stored after
	 * its address was taken is no better); all of them past the last. */
	int64_t bad_lo[MAX_SLOTS], bad_hi[MAX_SLOTS];
	size_t nbad;
	struct param_use *puses;
	size_t npuses, puses_cap;
	struct global_arg *gargs;
	size_t ngargs, gargs_cap;
	struct ret *rets;
	size_t nrets, rets_cap;
	/* Methods with a pointer receiver of a named, non-generic type
	 * ("pkg.(*T).M"), by entry: a call of one on a global's address
	 * says a T lives there. */
	struct method *methods;
	size_t nmethods, methods_cap;
	const struct gr_pcln *pcln;
	/* The function is the runtime's: what it returns (an *hmap from
	 * makemap_small, an *hchan) the code types better as a map or a
	 * channel, so its RETs are not kept. */
	bool runtime_fn;
	struct result_store *rstores;
	size_t nrstores, rstores_cap;
};

/* A function that refers to a global word (any RIP-relative operand). */
struct user {
	uint64_t addr;
	uint32_t func; /* pclntab index */
	uint8_t rank;  /* 0: the program's own code, 1: the runtime's */
};

/* A frame slot's record (gr_codetypes_frame): rec.addr is the slot's
 * offset from the frame's SP. */
struct frame_rec {
	uint64_t entry;
	struct gr_codetype rec;
};

/* A frame slot stored with what a call returned, resolved at the end. */
struct frame_result {
	uint64_t entry;
	int64_t disp;
	uint64_t callee;
};

struct gr_codetypes {
	struct gr_codetype *v;
	size_t n, cap;
	/* Receivers (gr_codetypes_value_get); names owned. */
	struct gr_codetype_value *values;
	size_t nvalues, values_cap;
	/* Sorted by (entry, disp), one per slot. */
	struct frame_rec *frames;
	size_t nframes, frames_cap;
	struct frame_result *fresults;
	size_t nfresults, fresults_cap;
	/* Sorted by address, one per word: the best function that refers
	 * to it (gr_codetypes_user). */
	struct user *users;
	size_t nusers, users_cap;
	const struct gr_pcln *pcln;
};

/* Runtime functions by name (pclntab names: Go 1.24+'s Swiss map code is
 * linknamed to the same runtime.* names). */
static enum role role_of(const char *name)
{
	static const struct {
		const char *prefix;
		bool exact;
		enum role role;
	} names[] = {
		{"runtime.newobject", true, R_NEWOBJECT},
		{"runtime.mallocgc", false, R_MALLOCGC},
		{"runtime.makeslice", true, R_MAKESLICE},
		{"runtime.makeslicecopy", true, R_MAKESLICE},
		{"runtime.growslice", true, R_GROWSLICE},
		{"runtime.makemap", true, R_MAKEMAP},
		{"runtime.makemap64", true, R_MAKEMAP},
		{"runtime.makechan", true, R_MAKECHAN},
		{"runtime.makechan64", true, R_MAKECHAN},
		{"runtime.mapassign", false, R_MAPOP},
		{"runtime.mapaccess", false, R_MAPOP},
		{"runtime.mapdelete", false, R_MAPOP},
		{"runtime.mapiterinit", true, R_MAPOP},
		{"runtime.mapclear", true, R_MAPOP},
		{"runtime.gcWriteBarrier", false, R_BARRIER},
		{"runtime.wbZero", true, R_BARRIER},
		{"runtime.wbMove", true, R_BARRIER},
		{"runtime.panic", false, R_NORETURN},
		{"runtime.goPanic", false, R_NORETURN},
		{"runtime.throw", true, R_NORETURN},
		{"runtime.morestack", false, R_NORETURN},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].prefix);
		if (names[i].exact ? !strcmp(name, names[i].prefix)
				   : !strncmp(name, names[i].prefix, n))
			return names[i].role;
	}
	return R_OTHER;
}

/* The first of @n elements of @size bytes at @v, sorted by their first
 * member (a uint64_t entry PC), whose entry is not below @entry. */
static size_t first_entry(const void *v, size_t n, size_t size,
			  uint64_t entry)
{
	size_t a = 0, b = n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		uint64_t e;
		memcpy(&e, (const char *)v + m * size, sizeof(e));
		if (e < entry)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

static int cmp_callee(const void *a, const void *b)
{
	const struct callee *x = a, *y = b;
	return (x->entry > y->entry) - (x->entry < y->entry);
}

/* @s->callees is sorted by entry. */
static enum role callee_role(const struct scan *s, uint64_t pc)
{
	size_t a = first_entry(s->callees, s->ncallees, sizeof(*s->callees), pc);
	return a < s->ncallees && s->callees[a].entry == pc
		       ? (enum role)s->callees[a].role
		       : R_OTHER;
}

static bool within(uint64_t a, uint64_t lo, uint64_t hi)
{
	return a >= lo && a < hi;
}

/* Data and bss: the sections whose words may hold pointers. */
static bool is_global(const struct scan *s, uint64_t a)
{
	return within(a, s->md->data, s->md->edata) ||
	       within(a, s->md->bss, s->md->ebss);
}

GR_MUST_USE
static struct gr_error *record_of(struct gr_codetypes *c, uint64_t addr,
				  enum gr_codetype_kind kind, uint64_t type,
				  bool derived)
{
	struct gr_error *err = gr_array_grow(&c->v, &c->cap, c->n, 1);
	if (err)
		return err;
	c->v[c->n++] = (struct gr_codetype){addr, type, kind, derived};
	return NULL;
}

GR_MUST_USE
static struct gr_error *record(struct gr_codetypes *c, uint64_t addr,
			       enum gr_codetype_kind kind, uint64_t type)
{
	return record_of(c, addr, kind, type, false);
}

/*
 * A plausible descriptor head at @addr (layouts/typedesc.h) of kind @kind
 * (0: any): the type data holds strings and other bytes too, and a
 * wrong record is worse than none.  The typing reads it again, whole.
 */
static bool is_desc(const struct scan *s, uint64_t addr, unsigned kind)
{
	uint8_t h[GR_DESC_HEAD_SIZE];
	if (addr & 7 || !within(addr, s->md->types, s->md->etypes))
		return false;
	struct gr_error *err = gr_mem_read(s->mem, addr, h, sizeof(h));
	/* Bytes the image lacks are no descriptor. */
	gr_error_destroy(err);
	if (err)
		return false;
	uint64_t size, ptrbytes;
	memcpy(&size, h + GR_DESC_SIZE, 8);
	memcpy(&ptrbytes, h + GR_DESC_PTRBYTES, 8);
	unsigned k = h[GR_DESC_KIND] & GR_KIND_MASK, align = h[GR_DESC_ALIGN];
	return ptrbytes <= size && !(ptrbytes & 7) && k >= 1 &&
	       k <= GR_KIND_MAX && (!kind || k == kind) && align &&
	       align <= 8 && !(align & (align - 1));
}

/*
 * An itab (runtime/iface.go, internal/abi.ITab): its first two words are
 * the interface's descriptor and the concrete type's, both in the
 * module's type data.  Anything else LEAQ loads (a string's bytes, a
 * static value) is no interface word.
 */
static bool is_itab(const struct scan *s, uint64_t addr)
{
	uint64_t inter, type;
	struct gr_error *err = gr_mem_u64(s->mem, addr, &inter);
	if (!err)
		err = gr_mem_u64(s->mem, addr + 8, &type);
	/* An address the image lacks is no itab. */
	gr_error_destroy(err);
	return !err && is_desc(s, inter, 0) && is_desc(s, type, 0);
}

/* The record a store of @r into a global makes, if any. */
static bool store_kind(const struct scan *s, const struct reg *r,
		       enum gr_codetype_kind *kind)
{
	switch (r->what) {
	case W_NEW:
		*kind = GR_CODETYPE_POINTER;
		return is_desc(s, r->v, 0);
	case W_ARRAY:
		*kind = GR_CODETYPE_ARRAY;
		return is_desc(s, r->v, 0);
	case W_MAP:
		*kind = GR_CODETYPE_MAP;
		return is_desc(s, r->v, GR_KIND_MAP);
	case W_CHAN:
		*kind = GR_CODETYPE_CHAN;
		return is_desc(s, r->v, GR_KIND_CHAN);
	case W_TYPE:
		/* Itabs may lie among the descriptors (Go 1.19's
		 * go.itab.* are in .rodata before runtime.etypes). */
		*kind = GR_CODETYPE_IFACE;
		return is_desc(s, r->v, 0) || is_itab(s, r->v);
	case W_ADDR:
		*kind = GR_CODETYPE_IFACE;
		return is_itab(s, r->v);
	default:
		return false;
	}
}

static void set(const struct scan *s, struct reg *r, enum what w,
		uint64_t v);

/* A store of @r into the global word at @addr. */
GR_MUST_USE
static struct gr_error *store_global(struct scan *s, uint64_t addr,
				     struct reg *r)
{
	struct gr_error *err =
		gr_array_grow(&s->stores, &s->stores_cap, s->nstores, 1);
	if (err)
		return err;
	s->stores[s->nstores++] = (struct store){addr, r->v, r->what};
	/* The register now also holds the global's value: passed on to a
	 * function that uses it as a map, it types the global
	 * (G = makemap_small(); fill(G)). */
	if (r->what == W_NONE || r->what == W_RESULT)
		set(s, r, W_GLOBAL, addr);
	return NULL;
}

static void forget_all(struct reg *regs)
{
	memset(regs, 0, NREGS * sizeof(*regs));
}

static void set(const struct scan *s, struct reg *r, enum what w,
		uint64_t v)
{
	*r = (struct reg){.what = (uint8_t)w, .born = s->now, .v = v};
}

/* Forget the facts learnt more than MAX_AGE instructions ago: the
 * compiler puts a LEAQ, its call and the store close together; older
 * facts are more likely stale. */
static void expire(const struct scan *s, struct reg *regs)
{
	for (int i = 0; i < NREGS; i++)
		if (regs[i].what && regs[i].what != W_TOP &&
		    s->now - regs[i].born > MAX_AGE)
			regs[i] = (struct reg){0};
}

/* The meet of two states: what both paths agree on. */
static void meet(struct reg *into, const struct reg *other)
{
	for (int i = 0; i < NREGS; i++)
		if (other[i].what == W_TOP)
			continue;
		else if (into[i].what == W_TOP)
			into[i] = other[i];
		else if (subsumes(&other[i], &into[i]))
			into[i].what = other[i].what, into[i].v = other[i].v,
			into[i].born = other[i].born < into[i].born
					       ? other[i].born
					       : into[i].born;
		else if (!subsumes(&into[i], &other[i]))
			into[i] = (struct reg){0};
		else if (other[i].born < into[i].born)
			into[i].born = other[i].born;
}

/* Remember the state at a forward jump to @target. */
/*
 * A state kept for a label holds its facts' ages, not their birth: a
 * fact ages along the path that carries it, and waits unaged at a jump
 * for its label.  REL + born - now, so the older of two is still the
 * smaller (meet).
 */
#define REL 0x80000000u

static void to_rel(const struct scan *s, struct reg *out,
		   const struct reg *regs)
{
	for (int i = 0; i < NREGS; i++) {
		out[i] = regs[i];
		out[i].born = REL + regs[i].born - s->now;
	}
}

static void from_rel(const struct scan *s, struct reg *out,
		     const struct reg *rel)
{
	for (int i = 0; i < NREGS; i++) {
		out[i] = rel[i];
		out[i].born = s->now + rel[i].born - REL;
	}
}

static void push_pending(struct scan *s, uint64_t target,
			 const struct reg *regs)
{
	struct reg rel[NREGS];
	to_rel(s, rel, regs);
	for (size_t i = 0; i < s->npend; i++)
		if (s->pend[i].target == target) {
			meet(s->pend[i].regs, rel);
			return;
		}
	if (s->npend == MAX_PENDING) {
		s->pend_over = true;
		return; /* the label then starts from nothing (see below) */
	}
	s->pend[s->npend].target = target;
	memcpy(s->pend[s->npend].regs, rel, sizeof(rel));
	s->npend++;
}

/* Remember the state at a jump back to @target (a loop head). */
static void push_back(struct scan *s, uint64_t target, const struct reg *regs)
{
	for (size_t i = 0; i < s->nbacks; i++)
		if (s->backs[i].target == target) {
			meet(s->backs[i].regs, regs);
			return;
		}
	if (s->nbacks == MAX_PENDING) {
		s->backs_over = true;
		return;
	}
	s->backs[s->nbacks].target = target;
	memcpy(s->backs[s->nbacks].regs, regs, NREGS * sizeof(*regs));
	s->nbacks++;
}

/*
 * The state entering the label at @pc: the meet of the fall-through's
 * (unless the instruction before cannot fall through) and of every
 * forward jump's; nothing for a label whose jumps did not fit.  A loop
 * head (@back) depends on s->loops: LOOPS_FORGET starts it from nothing,
 * LOOPS_FORWARD from what reaches it forward alone (an optimistic guess),
 * LOOPS_BACKS also meets what the guess before found at its back edges
 * (scan_func repeats until that holds still: then every fact at the head
 * holds on every turn of the loop).
 */
static void enter_label(struct scan *s, uint64_t pc, bool back,
			bool falls_in, struct reg *regs)
{
	size_t i = 0;
	while (i < s->npend && s->pend[i].target != pc)
		i++;
	bool fwd = i < s->npend;
	const struct pending *b = NULL;
	for (size_t k = 0; back && s->loops == LOOPS_BACKS && !s->prev_over &&
			   k < s->nprev;
	     k++)
		if (s->prev[k].target == pc)
			b = &s->prev[k];
	/* Inputs: the fall-through, the forward jumps, the back edges. */
	bool forget = s->pend_over || (!back && !fwd) ||
		      (back && (s->loops == LOOPS_FORGET ||
				(s->loops == LOOPS_BACKS && !b)));
	if (forget) {
		forget_all(regs);
	} else {
		bool have = falls_in;
		if (fwd) {
			struct reg f[NREGS];
			from_rel(s, f, s->pend[i].regs);
			if (have)
				meet(regs, f);
			else
				memcpy(regs, f, sizeof(f));
			have = true;
		}
		for (int r = 0; back && r < NREGS; r++) {
			/* The guess takes its back edges as anything. */
			struct reg e = b ? b->regs[r]
					 : (struct reg){.what = W_TOP};
			/* A fact from a back edge starts young: its age
			 * there grows with every pass, and the passes would
			 * not settle. */
			e.born = s->now;
			if (!have || regs[r].what == W_TOP)
				regs[r] = e;
			else if (e.what != W_TOP &&
				 (regs[r].what != e.what || regs[r].v != e.v))
				regs[r] = (struct reg){0};
			/* else the forward fact, its age kept: a fact the
			 * loop keeps is as old as when it was entered. */
		}
	}
	if (fwd)
		s->pend[i] = s->pend[--s->npend];
}

/* Forget what an instruction this scan does not follow may write. */
static void clobber(const struct gr_x86_insn *in, struct reg *regs)
{
	uint8_t op = in->opcode;
	if (in->map != GR_X86_MAP_1) {
		/* NOPL (0F 1F /0, the assembler's alignment padding) and
		 * the prefetch hints write nothing: their reg field is no
		 * operand. */
		if (in->map == GR_X86_MAP_0F &&
		    (op == 0x1f || op == 0x18 || op == 0x0d))
			return;
		if (!in->has_modrm) {
			forget_all(regs); /* syscall, cpuid, rdtsc ... */
			return;
		}
		/* Two-byte opcodes write their reg operand or, for a
		 * register form, their r/m one: forget both. */
		regs[in->reg] = (struct reg){0};
		if (in->mod == 3)
			regs[in->rm] = (struct reg){0};
		return;
	}
	if (!in->has_modrm) {
		int r = op & 7;
		if ((op >= 0xb0 && op <= 0xbf) || (op >= 0x58 && op <= 0x5f)) {
			regs[r] = regs[r + 8] = (struct reg){0};
		} else if (op >= 0x91 && op <= 0x97) {
			regs[REG_AX] = regs[r] = regs[r + 8] = (struct reg){0};
		} else if (op == 0x98 || op == 0x99) {
			regs[REG_AX] = regs[REG_DX] = (struct reg){0};
		} else if (op >= 0xa4 && op <= 0xaf) {
			regs[REG_AX] = regs[REG_CX] = (struct reg){0};
			regs[REG_SI] = regs[REG_DI] = (struct reg){0};
		} else if (op == 0xcc || op == 0xcd || op == 0xf4) {
			forget_all(regs);
		}
		return;
	}
	/* ALU ops with the direction bit write their reg operand; CMP
	 * (0x3a, 0x3b) writes nothing. */
	bool writes_reg = (op < 0x40 && (op & 7) >= 2 && (op & 7) <= 3 &&
			   op != 0x3a && op != 0x3b) ||
			  op == 0x63 || op == 0x69 || op == 0x6b || op == 0x86 ||
			  op == 0x87 || op == 0x8a || op == 0x8b || op == 0x8d;
	bool reads_only = op == 0x38 || op == 0x39 || op == 0x3a ||
			  op == 0x3b || op == 0x84 || op == 0x85 ||
			  ((op == 0x80 || op == 0x81 || op == 0x83) &&
			   in->reg == 7) ||
			  ((op == 0xf6 || op == 0xf7) && in->reg == 0);
	if (writes_reg)
		regs[in->reg] = (struct reg){0};
	if (in->mod == 3 && !reads_only)
		regs[in->rm] = (struct reg){0};
	/* MUL, IMUL, DIV, IDIV write AX and DX. */
	if ((op == 0xf6 || op == 0xf7) && in->reg >= 4)
		regs[REG_AX] = regs[REG_DX] = (struct reg){0};
	/* Indirect calls and jumps. */
	if (op == 0xff && in->reg >= 2 && in->reg <= 5)
		forget_all(regs);
}

/* A call: what its result is, and what it tells of a global map. */
GR_MUST_USE
static struct gr_error *param_use(struct scan *s, struct param_use u)
{
	struct gr_error *err =
		gr_array_grow(&s->puses, &s->puses_cap, s->npuses, 1);
	if (!err)
		s->puses[s->npuses++] = u;
	return err;
}

/* What a direct call to a function of the program passes: globals'
 * values and the caller's own parameters (resolved once every function
 * is scanned, gr_codetypes_create). */
GR_MUST_USE
static struct gr_error *call_args(struct scan *s, uint64_t entry,
				  uint64_t target, const struct reg *regs)
{
	for (uint8_t j = 0; j < NARGS; j++) {
		const struct reg *r = &regs[arg_regs[j]];
		struct gr_error *err = NULL;
		if (r->what == W_GLOBAL) {
			err = gr_array_grow(&s->gargs, &s->gargs_cap,
					    s->ngargs, 1);
			if (!err)
				s->gargs[s->ngargs++] =
					(struct global_arg){r->v, target, j};
		} else if (r->what == W_PARAM) {
			err = param_use(s, (struct param_use){
						   .entry = entry,
						   .to = target,
						   .param = (uint8_t)r->v,
						   .to_param = j});
		}
		if (err)
			return err;
	}
	return NULL;
}

/*
 * "pkg.T" of a method "pkg.(*T).M" into @buf; false if it is none.  A
 * generic method's code is shared by a shape ("(*HashTrieMap[go.shape.
 * interface {},go.shape.interface {}]).Load"): the shape's types stand
 * for its type arguments ("HashTrieMap[interface {},interface {}]"),
 * which the caller's lookup of the name must then find.  The receiver
 * is the first argument either way (the dictionary follows it).
 */
static bool receiver_type(const char *name, char *buf, size_t size)
{
	static const char shape[] = "go.shape.";
	const char *p = strstr(name, ".(*");
	if (!p || p[3] == ')')
		return false;
	/* The receiver type's end: the ")." after balanced brackets. */
	const char *e = p + 3;
	int depth = 0;
	for (; *e && (depth || *e != ')'); e++)
		depth += *e == '[' ? 1 : *e == ']' ? -1 : 0;
	if (*e != ')' || e[1] != '.')
		return false;
	int n = snprintf(buf, size, "%.*s.", (int)(p - name), name);
	if (n <= 0 || (size_t)n >= size)
		return false;
	size_t w = (size_t)n;
	for (const char *r = p + 3; r < e; r++) {
		if (!strncmp(r, shape, sizeof(shape) - 1)) {
			r += sizeof(shape) - 2;
			continue;
		}
		if (w + 1 >= size)
			return false;
		buf[w++] = *r;
	}
	buf[w] = 0;
	return true;
}

/* A call of the method at @target: its receiver, a global's address in
 * AX, says what is there. */
GR_MUST_USE
static struct gr_error *receiver(struct gr_codetypes *c,
				 const struct scan *s, uint64_t target,
				 const struct reg *regs)
{
	if (regs[REG_AX].what != W_GADDR)
		return NULL;
	size_t a = first_entry(s->methods, s->nmethods, sizeof(*s->methods),
			       target);
	if (a == s->nmethods || s->methods[a].entry != target)
		return NULL;
	struct gr_pcln_func fn;
	char name[256];
	struct gr_error *err = gr_pcln_func_at(s->pcln, s->methods[a].func, &fn);
	/* Read when the methods were listed. */
	gr_error_destroy(err);
	if (err || !receiver_type(fn.name, name, sizeof(name)))
		return NULL;
	uint64_t addr = regs[REG_AX].v;
	char *copy = strdup(name);
	if (!copy ||
	    (err = gr_array_grow(&c->values, &c->values_cap, c->nvalues, 1))) {
		free(copy);
		return err ? err : gr_error_nomem();
	}
	c->values[c->nvalues++] = (struct gr_codetype_value){addr, copy};
	return NULL;
}

GR_MUST_USE
static struct gr_error *call(struct gr_codetypes *c, struct scan *s,
			     uint64_t entry, uint64_t target,
			     struct reg *regs)
{
	enum role role = callee_role(s, target);
	const struct reg *ax = &regs[REG_AX], *bx = &regs[REG_BX];
	struct reg result = {0};
	switch (role) {
	case R_BARRIER: {
		/* Go 1.19-1.20's gcWriteBarrier stores AX at DI's address
		 * (the path taken while the GC marks); a global's address
		 * there is a store into it. */
		struct gr_error *err =
			regs[REG_DI].what == W_GADDR
				? store_global(s, regs[REG_DI].v, &regs[REG_AX])
				: NULL;
		/* Go 1.21+ returns the buffer in R11; the others are kept
		 * (runtime/asm_amd64.s gcWriteBarrier). */
		regs[REG_R11] = (struct reg){0};
		return err;
	}
	case R_NEWOBJECT:
		if (ax->what == W_TYPE)
			set(s, &result, W_NEW, ax->v);
		break;
	case R_MALLOCGC:
		if (bx->what == W_TYPE)
			set(s, &result, W_NEW, bx->v);
		break;
	case R_MAKESLICE:
		if (ax->what == W_TYPE)
			set(s, &result, W_ARRAY, ax->v);
		break;
	case R_GROWSLICE:
		if (regs[REG_SI].what == W_TYPE)
			set(s, &result, W_ARRAY, regs[REG_SI].v);
		else if (ax->what == W_TYPE)
			set(s, &result, W_ARRAY, ax->v);
		break;
	case R_MAKEMAP:
		if (ax->what == W_TYPE)
			set(s, &result, W_MAP, ax->v);
		break;
	case R_MAKECHAN:
		if (ax->what == W_TYPE)
			set(s, &result, W_CHAN, ax->v);
		break;
	case R_MAPOP:
		if (ax->what == W_TYPE && (bx->what == W_GLOBAL ||
					   bx->what == W_PARAM) &&
		    is_desc(s, ax->v, GR_KIND_MAP)) {
			struct gr_error *err =
				bx->what == W_GLOBAL
					? record(c, bx->v, GR_CODETYPE_MAP,
						 ax->v)
					: param_use(s, (struct param_use){
						  .entry = entry,
						  .type = ax->v,
						  .param = (uint8_t)bx->v});
			if (err)
				return err;
		}
		break;
	case R_OTHER: {
		struct gr_error *err = call_args(s, entry, target, regs);
		if (!err)
			err = receiver(c, s, target, regs);
		if (err)
			return err;
		set(s, &result, W_RESULT, target);
		break;
	}
	case R_NORETURN:
		break;
	}
	forget_all(regs);
	regs[REG_AX] = result;
	return NULL;
}

/*
 * The function's stores, as records.  An interface's type word (a
 * descriptor or an itab) counts only where the same function stores a
 * register that holds no such address into the word after it: a global
 * *abi.Type next to another (reflect's rtypeOf caches) is no interface,
 * and an interface's data word is a pointer, never an immediate.
 */
GR_MUST_USE
static struct gr_error *stores_to_records(struct gr_codetypes *c,
					  struct scan *s)
{
	for (size_t i = 0; i < s->nstores; i++) {
		const struct store *st = &s->stores[i];
		struct reg r = {.what = st->what, .v = st->v};
		enum gr_codetype_kind kind;
		if (st->what == W_RESULT) {
			struct gr_error *err = gr_array_grow(
				&s->rstores, &s->rstores_cap, s->nrstores, 1);
			if (err)
				return err;
			s->rstores[s->nrstores++] =
				(struct result_store){st->addr, st->v};
			continue;
		}
		if (st->what == W_SCALAR || !store_kind(s, &r, &kind))
			continue;
		if (kind == GR_CODETYPE_IFACE) {
			bool data = false, veto = false;
			for (size_t j = 0; j < s->nstores; j++) {
				const struct store *d = &s->stores[j];
				if (d->addr != st->addr + 8)
					continue;
				if (d->what == W_TYPE || d->what == W_ADDR ||
				    d->what == W_SCALAR)
					veto = true;
				else
					data = true;
			}
			if (!data || veto)
				continue;
		}
		struct gr_error *err = record(c, st->addr, kind, st->v);
		if (err)
			return err;
	}
	s->nstores = 0;
	return NULL;
}

/* Decode the function once (s->insns, up to what cannot be decoded: data
 * or an unknown form, where every pass stops and guesses nothing) and
 * mark where jumps land inside it. */
GR_MUST_USE
static struct gr_error *find_labels(struct scan *s, const uint8_t *code,
				    size_t len, uint64_t entry)
{
	memset(s->label, 0, len / 8 + 1);
	memset(s->back, 0, len / 8 + 1);
	s->has_loops = false;
	s->ninsns = 0;
	for (size_t at = 0; at < len;) {
		struct gr_error *err =
			gr_array_grow(&s->insns, &s->insns_cap, s->ninsns, 1);
		if (err)
			return err;
		struct gr_x86_insn *ip = &s->insns[s->ninsns];
		if (!gr_x86_decode(code + at, len - at, entry + at, ip))
			break;
		s->ninsns++;
		const struct gr_x86_insn in = *ip;
		if ((in.is_jmp || in.is_jcc) &&
		    within(in.branch_target, entry, entry + len)) {
			size_t t = (size_t)(in.branch_target - entry);
			s->label[t / 8] |= (uint8_t)(1u << (t % 8));
			if (t <= at) {
				s->back[t / 8] |= (uint8_t)(1u << (t % 8));
				s->has_loops = true;
			}
		}
		at += in.len;
	}
	return NULL;
}

/* The slot at @disp, added if @add (NULL when there is no room). */
static struct slot *slot_at(struct scan *s, int32_t disp, bool add)
{
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].disp == disp)
			return &s->slots[i];
	if (!add || s->nslots == MAX_SLOTS)
		return NULL;
	s->slots[s->nslots] = (struct slot){.disp = disp};
	return &s->slots[s->nslots++];
}

static void slot_merge(const struct reg *r, bool known, uint8_t *what,
		       uint64_t *v, bool *bad)
{
	bool kept = r->what == W_PARAM || r->what == W_NEW ||
		    r->what == W_ARRAY || r->what == W_MAP ||
		    r->what == W_CHAN || r->what == W_RESULT ||
		    r->what == W_SPADDR;
	struct reg had = {.what = *what, .v = *v};
	if (!kept)
		*bad = true;
	else if (!known || subsumes(r, &had))
		*what = r->what, *v = r->v;
	else if (!subsumes(&had, r))
		*bad = true;
}

/* Slots [@lo, @hi) may be written by what the scan does not follow. */
static void slots_bad(struct scan *s, int64_t lo, int64_t hi)
{
	if (s->nbad == MAX_SLOTS) {
		s->bad_lo[MAX_SLOTS - 1] = INT64_MIN;
		s->bad_hi[MAX_SLOTS - 1] = INT64_MAX;
		return;
	}
	s->bad_lo[s->nbad] = lo;
	s->bad_hi[s->nbad++] = hi;
}

/*
 * A stack slot operand of @in, with the registers before it; true when
 * the instruction is done with.  The compiler spills a parameter it
 * needs after a call (no register survives one) and loads it from the
 * slot again, in a loop too: a slot that only ever holds one parameter
 * gives that parameter wherever it is loaded.  The first pass learns the
 * slots, the second (@s->slots_known) uses them; a slot any other
 * instruction writes, or whose address is taken, holds nothing known.
 */
static bool stack_slot(struct scan *s, const struct gr_x86_insn *in,
		       struct reg *regs)
{
	bool movq = in->map == GR_X86_MAP_1 && in->rex_w && in->mod != 3;
	if (movq && in->opcode == 0x8b) {
		struct slot *sl = slot_at(s, in->sp_disp, false);
		if (!s->slots_known) {
			if (sl)
				sl->loaded = true;
			return false; /* the register: clobber() */
		}
		if (sl && !sl->bad) {
			set(s, &regs[in->reg], (enum what)sl->what, sl->v);
			return true;
		}
		return false;
	}
	if (movq && in->opcode == 0x89) {
		const struct reg *r = &regs[in->reg];
		bool known = slot_at(s, in->sp_disp, false) != NULL;
		struct slot *sl = slot_at(s, in->sp_disp, !s->slots_known);
		if (!sl)
			return !s->slots_known;
		if (!s->slots_known)
			slot_merge(r, known, &sl->what, &sl->v, &sl->bad);
		slot_merge(r, sl->fseen, &sl->fwhat, &sl->fv, &sl->fbad);
		sl->fseen = true;
		return !s->slots_known;
	}
	/* LEAQ off(SP), BP sets the frame pointer (Go 1.19-1.20's
	 * prologue): no callee writes through it. */
	if (in->map == GR_X86_MAP_1 && in->opcode == 0x8d) {
		if (in->reg == REG_BP)
			return false;
		if (!s->slots_known)
			slots_bad(s, in->sp_disp,
				  (int64_t)in->sp_disp + LEA_REACH);
		set(s, &regs[in->reg], W_SPADDR, 0);
		return true;
	}
	if (s->slots_known)
		return false;
	bool reads_only = in->map == GR_X86_MAP_1 &&
			  (in->opcode == 0x38 || in->opcode == 0x39 ||
			   in->opcode == 0x3a || in->opcode == 0x3b ||
			   in->opcode == 0x84 || in->opcode == 0x85);
	if (!reads_only) { /* up to 16 bytes (MOVUPS X15, zeroing) */
		slots_bad(s, (int64_t)in->sp_disp - 7,
			  (int64_t)in->sp_disp + 16);
	}
	return false;
}

GR_MUST_USE
static struct gr_error *scan_pass(struct gr_codetypes *c, struct scan *s,
				  size_t len, uint64_t entry, uint32_t func,
				  uint8_t rank)
{
	struct reg regs[NREGS] = {{0}};
	const struct gr_moduledata *md = s->md;
	bool falls_in = true;
	s->npend = 0;
	s->nbacks = 0;
	s->now = 0;
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		sl->fwhat = 0;
		sl->fv = 0;
		sl->fbad = sl->fseen = false;
	}
	s->pend_over = s->backs_over = false;
	s->nstores = 0;
	for (size_t k = 0; k < s->ninsns; k++) {
		const struct gr_x86_insn in = s->insns[k];
		size_t at = (size_t)(in.pc - entry);
		/* @falls_in: the instruction before can run and falls
		 * through to this one (dead padding after a jump cannot). */
		if (s->label[at / 8] & (1u << (at % 8))) {
			enter_label(s, in.pc, s->back[at / 8] & (1u << (at % 8)),
				    falls_in, regs);
			falls_in = true;
		} else if (!falls_in) {
			forget_all(regs); /* reached by nothing we saw */
		}
		/* The entry, also the target of the morestack path's jump
		 * back with the arguments reloaded. */
		if (at == 0)
			for (uint8_t j = 0; j < NARGS; j++)
				set(s, &regs[arg_regs[j]], W_PARAM, j);
		if (in.rip_rel && is_global(s, in.rip_target) &&
		    (!c->nusers || c->users[c->nusers - 1].addr !=
					   in.rip_target ||
		     c->users[c->nusers - 1].func != func)) {
			struct gr_error *err = gr_array_grow(
				&c->users, &c->users_cap, c->nusers, 1);
			if (err)
				return err;
			c->users[c->nusers++] =
				(struct user){in.rip_target, func, rank};
		}
		s->now++;
		/* Facts are read by calls, returns and stores alone, and
		 * carried by jumps to labels: old ones are forgotten there
		 * (a label falling in meets them as the older of two). */
		if (in.is_call || in.is_ret || in.is_jcc || in.is_jmp ||
		    (in.map == GR_X86_MAP_1 && in.opcode == 0x89 &&
		     in.mod != 3))
			expire(s, regs);
		if (in.is_call) {
			struct gr_error *err =
				call(c, s, entry, in.branch_target, regs);
			if (err)
				return err;
			/* The out-of-line blocks after a panic call are
			 * entered only by their jumps. */
			falls_in = callee_role(s, in.branch_target) !=
				   R_NORETURN;
			continue;
		}
		if (in.is_jcc || in.is_jmp) {
			if (within(in.branch_target, entry, entry + len)) {
				if (in.branch_target > in.pc)
					push_pending(s, in.branch_target, regs);
				else
					push_back(s, in.branch_target, regs);
			}
			if (in.is_jmp) {
				forget_all(regs);
				falls_in = false;
			}
			continue;
		}
		if (in.is_ret && !s->runtime_fn) {
			struct gr_error *err = gr_array_grow(
				&s->rets, &s->rets_cap, s->nrets, 1);
			if (err)
				return err;
			const struct reg *ax = &regs[REG_AX];
			s->rets[s->nrets++] = (struct ret){entry, ax->v, ax->what};
		}
		if (in.is_ret || (in.map == GR_X86_MAP_1 && in.opcode == 0xcc)) {
			forget_all(regs);
			falls_in = false;
			continue;
		}
		if (in.sp_rel && stack_slot(s, &in, regs))
			continue;
		if (in.is_lea && in.rip_rel) {
			/* Checked as a descriptor (is_desc) only where
			 * it is used. */
			if (within(in.rip_target, md->types, md->etypes))
				set(s, &regs[in.reg], W_TYPE, in.rip_target);
			else if (!is_global(s, in.rip_target))
				set(s, &regs[in.reg], W_ADDR, in.rip_target);
			else
				set(s, &regs[in.reg], W_GADDR, in.rip_target);
			continue;
		}
		if (in.map == GR_X86_MAP_1 && in.rex_w && in.rip_rel &&
		    in.opcode == 0x8b) {
			if (is_global(s, in.rip_target))
				set(s, &regs[in.reg], W_GLOBAL, in.rip_target);
			else
				regs[in.reg] = (struct reg){0};
			continue;
		}
		if (in.map == GR_X86_MAP_1 && in.rex_w && in.rip_rel &&
		    in.opcode == 0x89 && is_global(s, in.rip_target)) {
			struct gr_error *err =
				store_global(s, in.rip_target, &regs[in.reg]);
			if (err)
				return err;
			continue;
		}
		if (in.map == GR_X86_MAP_1 && in.rip_rel &&
		    (in.opcode == 0xc7 || in.opcode == 0x88) &&
		    is_global(s, in.rip_target)) {
			/* An immediate or a byte: no pointer.  Kept so that
			 * it vetoes an interface word before it. */
			struct gr_error *err = gr_array_grow(
				&s->stores, &s->stores_cap, s->nstores, 1);
			if (err)
				return err;
			s->stores[s->nstores++] =
				(struct store){in.rip_target, 0, W_SCALAR};
			continue;
		}
		if (in.map == GR_X86_MAP_1 && in.rex_w && in.has_modrm &&
		    in.mod == 3 && (in.opcode == 0x89 || in.opcode == 0x8b)) {
			/* MOVQ between registers: the fact moves along. */
			if (in.opcode == 0x89)
				regs[in.rm] = regs[in.reg];
			else
				regs[in.reg] = regs[in.rm];
			continue;
		}
		if (in.map == GR_X86_MAP_1 &&
		    (in.opcode == 0x31 || in.opcode == 0x33) && in.mod == 3 &&
		    in.reg == in.rm) {
			set(s, &regs[in.reg], W_ZERO, 0); /* XORL r, r */
			continue;
		}
		clobber(&in, regs);
	}
	return stores_to_records(c, s);
}

/* Whether the pass just made found the back edges the one before did
 * (ages aside): another pass would find nothing new. */
static bool same_backs(const struct scan *s)
{
	if (s->nbacks != s->nprev || s->backs_over != s->prev_over)
		return false;
	for (size_t i = 0; i < s->nbacks; i++) {
		const struct pending *a = &s->backs[i], *b = NULL;
		for (size_t k = 0; k < s->nprev && !b; k++)
			if (s->prev[k].target == a->target)
				b = &s->prev[k];
		if (!b)
			return false;
		for (int r = 0; r < NREGS; r++)
			if (a->regs[r].what != b->regs[r].what ||
			    a->regs[r].v != b->regs[r].v)
				return false;
	}
	return true;
}

/* A frame slot's one value, if it is what a record says. */
/* The frame records of the function's slots, from the last pass. */
GR_MUST_USE
static struct gr_error *frame_records(struct gr_codetypes *c,
				      const struct scan *s, uint64_t entry)
{
	for (size_t i = 0; i < s->nslots; i++) {
		const struct slot *sl = &s->slots[i];
		if (sl->ranged || sl->fbad || !sl->fseen)
			continue;
		struct gr_error *err = NULL;
		if (sl->fwhat == W_RESULT) {
			err = gr_array_grow(&c->fresults, &c->fresults_cap,
					    c->nfresults, 1);
			if (!err)
				c->fresults[c->nfresults++] =
					(struct frame_result){entry, sl->disp,
							      sl->fv};
			if (err)
				return err;
			continue;
		}
		struct reg r = {.what = sl->fwhat, .v = sl->fv};
		enum gr_codetype_kind kind;
		if (r.what == W_PARAM || !store_kind(s, &r, &kind) ||
		    kind == GR_CODETYPE_IFACE)
			continue;
		err = gr_array_grow(&c->frames, &c->frames_cap, c->nframes, 1);
		if (err)
			return err;
		c->frames[c->nframes++] = (struct frame_rec){
			entry, {(uint64_t)(int64_t)sl->disp, sl->fv, kind, false}};
	}
	return NULL;
}

/* What a pass of one function added, taken back before another. */
struct mark {
	size_t n, nusers, npuses, ngargs, nrets, nrstores, nvalues;
};

static struct mark mark_of(const struct gr_codetypes *c,
			   const struct scan *s)
{
	return (struct mark){c->n,	  c->nusers, s->npuses,  s->ngargs,
			     s->nrets, s->nrstores, c->nvalues};
}

static void roll_back(struct gr_codetypes *c, struct scan *s,
		      const struct mark *m)
{
	c->n = m->n;
	c->nusers = m->nusers;
	s->npuses = m->npuses;
	s->ngargs = m->ngargs;
	s->nrets = m->nrets;
	s->nrstores = m->nrstores;
	while (c->nvalues > m->nvalues)
		free((char *)c->values[--c->nvalues].type);
}

/*
 * One function.  The first pass starts every loop head from nothing and
 * learns the stack slots (stack_slot); later passes, each in place of the
 * one before, load the slots' values and carry what loop heads keep: a
 * guess from the forward edges, then the guess met with its back edges
 * until they hold still (at most MAX_PASSES), else loop heads from
 * nothing again.
 */
GR_MUST_USE
static struct gr_error *scan_func(struct gr_codetypes *c, struct scan *s,
				  const uint8_t *code, size_t len,
				  uint64_t entry, uint32_t func, uint8_t rank)
{
	struct mark m = mark_of(c, s);
	struct gr_error *err = find_labels(s, code, len, entry);
	if (err)
		return err;
	s->nslots = 0;
	s->nbad = 0;
	s->slots_known = false;
	s->loops = LOOPS_FORGET;
	s->backs = s->bk[0];
	err = scan_pass(c, s, len, entry, func, rank);
	bool slots = false;
	for (size_t i = 0; !err && i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		for (size_t k = 0; k < s->nbad; k++)
			sl->ranged |= sl->disp >= s->bad_lo[k] &&
				      sl->disp < s->bad_hi[k];
		sl->bad |= sl->ranged || !sl->loaded;
		slots |= !sl->bad;
	}
	if (err || (!slots && !s->has_loops))
		return err ? err : frame_records(c, s, entry);
	s->slots_known = true;
	if (s->has_loops) {
		s->loops = LOOPS_FORWARD;
		for (int pass = 0; !err && pass < MAX_PASSES; pass++) {
			roll_back(c, s, &m);
			err = scan_pass(c, s, len, entry, func, rank);
			if (err)
				return err;
			if (s->loops == LOOPS_BACKS && same_backs(s))
				return frame_records(c, s, entry);
			/* This pass's back edges are the next one's. */
			s->loops = LOOPS_BACKS;
			s->prev = s->backs;
			s->nprev = s->nbacks;
			s->prev_over = s->backs_over;
			s->backs = s->bk[(pass + 1) & 1];
		}
		if (err)
			return err;
	}
	s->loops = LOOPS_FORGET;
	roll_back(c, s, &m);
	err = scan_pass(c, s, len, entry, func, rank);
	return err ? err : frame_records(c, s, entry);
}

static int cmp_puse(const void *a, const void *b)
{
	const struct param_use *x = a, *y = b;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	if (x->param != y->param)
		return x->param < y->param ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return (x->to_param > y->to_param) - (x->to_param < y->to_param);
}

/* The first of @v[0..@n) (sorted) for (@entry, @param). */
static size_t puse_first(const struct param_use *v, size_t n,
			 uint64_t entry, uint8_t param)
{
	size_t a = 0, b = n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (v[m].entry < entry ||
		    (v[m].entry == entry && v[m].param < param))
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* Sort @s->puses and drop repeats. */
static void puses_settle(struct scan *s)
{
	if (!s->npuses)
		return;
	qsort(s->puses, s->npuses, sizeof(*s->puses), cmp_puse);
	size_t w = 1;
	for (size_t i = 1; i < s->npuses; i++)
		if (cmp_puse(&s->puses[w - 1], &s->puses[i]))
			s->puses[w++] = s->puses[i];
	s->npuses = w;
}

/* The one map type of (@entry, @param) in the first @n uses (settled):
 * 0 when there is none or more than one. */
static uint64_t param_type(const struct scan *s, size_t n, uint64_t entry,
			   uint8_t param)
{
	uint64_t type = 0;
	for (size_t i = puse_first(s->puses, n, entry, param);
	     i < n && s->puses[i].entry == entry &&
	     s->puses[i].param == param;
	     i++) {
		if (!s->puses[i].type)
			continue;
		if (type && type != s->puses[i].type)
			return 0;
		type = s->puses[i].type;
	}
	return type;
}

/*
 * A map made where no type is passed (runtime.makemap_small, a map
 * literal) and filled by a function it is passed to:
 *
 *	MOVQ main.grown(SB), AX
 *	CALL main.fill(SB)            fill: ... mapassign_fast64(type, m, k)
 *
 * A parameter used in map operations of one map type has that type, and
 * so has a caller's parameter passed on to it (a few rounds deep); a
 * global whose value is passed as such a parameter is that map.  Two
 * types for one parameter are none.
 */
GR_MUST_USE
static struct gr_error *resolve_params(struct gr_codetypes *c,
				       struct scan *s)
{
	puses_settle(s);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		size_t n = s->npuses;
		for (size_t i = 0; i < n; i++) {
			const struct param_use u = s->puses[i];
			uint64_t t =
				u.to ? param_type(s, n, u.to, u.to_param) : 0;
			if (!t)
				continue;
			struct gr_error *err = param_use(
				s, (struct param_use){.entry = u.entry,
						      .type = t,
						      .param = u.param});
			if (err)
				return err;
		}
		size_t before = n;
		puses_settle(s);
		if (s->npuses == before)
			break;
	}
	for (size_t i = 0; i < s->ngargs; i++) {
		const struct global_arg *g = &s->gargs[i];
		uint64_t t = param_type(s, s->npuses, g->to, g->param);
		struct gr_error *err =
			t ? record(c, g->global, GR_CODETYPE_MAP, t) : NULL;
		if (err)
			return err;
	}
	return NULL;
}

static int cmp_ret(const void *a, const void *b)
{
	const struct ret *x = a, *y = b;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	if (x->what != y->what)
		return x->what < y->what ? -1 : 1;
	return (x->v > y->v) - (x->v < y->v);
}

/* Returns of the functions being resolved; @state per distinct entry
 * in ret order: 0 not yet, 1 under way (a cycle: unknown), 2 done. */
struct rets_view {
	const struct scan *s;
	uint8_t *state;
	struct reg *fact;
};

static size_t ret_first(const struct scan *s, uint64_t entry)
{
	return first_entry(s->rets, s->nrets, sizeof(*s->rets), entry);
}

/*
 * What the function at @entry returns at every RET that returns
 * something (nil returns aside), resolving a returned call's result
 * through its callee, @depth calls deep at most; W_NONE when the RETs
 * disagree or one returns what the scan does not know.
 */
static struct reg ret_fact(struct rets_view *rv, uint64_t entry,
			   unsigned depth)
{
	const struct scan *s = rv->s;
	struct reg none = {0};
	size_t i = ret_first(s, entry);
	if (i == s->nrets || s->rets[i].entry != entry ||
	    depth >= MAX_ROUNDS || rv->state[i] == 1)
		return none;
	if (rv->state[i] == 2)
		return rv->fact[i];
	rv->state[i] = 1;
	struct reg f = none;
	bool ok = true;
	for (size_t j = i; ok && j < s->nrets && s->rets[j].entry == entry;
	     j++) {
		struct reg r = {.what = s->rets[j].what, .v = s->rets[j].v};
		if (r.what == W_ZERO)
			continue;
		if (r.what == W_RESULT)
			r = ret_fact(rv, r.v, depth + 1);
		if (r.what != W_NEW && r.what != W_ARRAY && r.what != W_MAP &&
		    r.what != W_CHAN)
			ok = false;
		else if (f.what && (f.what != r.what || f.v != r.v))
			ok = false;
		else
			f = (struct reg){.what = r.what, .v = r.v};
	}
	rv->state[i] = 2;
	rv->fact[i] = ok ? f : none;
	return rv->fact[i];
}

/*
 * Globals stored with a call's result, typed by what the callee returns:
 *
 *	CALL encoding/base64.NewEncoding(SB)    NewEncoding: e := new(Encoding)
 *	MOVQ AX, encoding/base64.StdEncoding(SB)             ... return e
 *
 * (constructors: the commonest way a package variable is filled).
 */
GR_MUST_USE
static struct gr_error *resolve_results(struct gr_codetypes *c,
					struct scan *s)
{
	if ((!s->nrstores && !c->nfresults) || !s->nrets)
		return NULL;
	qsort(s->rets, s->nrets, sizeof(*s->rets), cmp_ret);
	struct rets_view rv = {.s = s,
			       .state = calloc(s->nrets, 1),
			       .fact = calloc(s->nrets, sizeof(struct reg))};
	struct gr_error *err = NULL;
	if (!rv.state || !rv.fact)
		err = gr_error_nomem();
	for (size_t i = 0; !err && i < s->nrstores; i++) {
		struct reg f = ret_fact(&rv, s->rstores[i].callee, 0);
		enum gr_codetype_kind kind;
		if (f.what && store_kind(s, &f, &kind))
			err = record_of(c, s->rstores[i].global, kind, f.v,
					true);
	}
	for (size_t i = 0; !err && i < c->nfresults; i++) {
		const struct frame_result *fr = &c->fresults[i];
		struct reg f = ret_fact(&rv, fr->callee, 0);
		enum gr_codetype_kind kind;
		if (!f.what || !store_kind(s, &f, &kind) ||
		    kind == GR_CODETYPE_IFACE)
			continue;
		err = gr_array_grow(&c->frames, &c->frames_cap, c->nframes, 1);
		if (!err)
			c->frames[c->nframes++] = (struct frame_rec){
				fr->entry,
				{(uint64_t)fr->disp, f.v, kind, true}};
	}
	free(rv.state);
	free(rv.fact);
	return err;
}

static int cmp_frame(const void *a, const void *b)
{
	const struct frame_rec *x = a, *y = b;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	int64_t dx = (int64_t)x->rec.addr, dy = (int64_t)y->rec.addr;
	return (dx > dy) - (dx < dy);
}

const struct gr_codetype *gr_codetypes_frame(const struct gr_codetypes *c,
					     uint64_t entry, int64_t disp)
{
	if (!c || !c->nframes)
		return NULL;
	struct frame_rec key = {entry, {(uint64_t)disp, 0, 0, false}};
	const struct frame_rec *f = bsearch(&key, c->frames, c->nframes,
					    sizeof(*c->frames), cmp_frame);
	return f ? &f->rec : NULL;
}

static int cmp_method(const void *a, const void *b)
{
	const struct method *x = a, *y = b;
	return (x->entry > y->entry) - (x->entry < y->entry);
}

static int cmp_value(const void *a, const void *b)
{
	const struct gr_codetype_value *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->type, y->type);
}

/* Sort the receivers; one per address, none where two names meet. */
static void settle_values(struct gr_codetypes *c)
{
	if (!c->nvalues)
		return;
	qsort(c->values, c->nvalues, sizeof(*c->values), cmp_value);
	size_t w = 0;
	for (size_t i = 0; i < c->nvalues;) {
		size_t j = i + 1;
		bool same = true;
		for (; j < c->nvalues && c->values[j].addr == c->values[i].addr;
		     j++)
			same &= !strcmp(c->values[j].type, c->values[i].type);
		for (size_t k = i + 1; k < j; k++)
			free((char *)c->values[k].type);
		if (same)
			c->values[w++] = c->values[i];
		else
			free((char *)c->values[i].type);
		i = j;
	}
	c->nvalues = w;
}

size_t gr_codetypes_value_count(const struct gr_codetypes *c)
{
	return c ? c->nvalues : 0;
}

const struct gr_codetype_value *
gr_codetypes_value_get(const struct gr_codetypes *c, size_t i)
{
	return c && i < c->nvalues ? &c->values[i] : NULL;
}

static int cmp_record(const void *a, const void *b)
{
	const struct gr_codetype *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->derived != y->derived)
		return x->derived ? 1 : -1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->type > y->type) - (x->type < y->type);
}

/* Sort, fold duplicates, drop the words given two different records.
 * A word the code stores or uses directly takes no derived record (what
 * a callee returns: makemap_small's *hmap for a map the code then fills
 * through a parameter). */
static void settle(struct gr_codetypes *c)
{
	if (!c->n)
		return;
	qsort(c->v, c->n, sizeof(*c->v), cmp_record);
	size_t w = 0;
	for (size_t i = 0; i < c->n;) {
		size_t j = i + 1;
		bool same = true;
		for (; j < c->n && c->v[j].addr == c->v[i].addr; j++)
			same &= (c->v[j].derived && !c->v[i].derived) ||
				(c->v[j].kind == c->v[i].kind &&
				 c->v[j].type == c->v[i].type);
		if (same)
			c->v[w++] = c->v[i];

		i = j;
	}
	c->n = w;
}

/* The runtime's own functions name a global less well than the
 * program's: a run the program and the runtime both touch is the
 * program's. */
static uint8_t rank_of(const char *name)
{
	return !strncmp(name, "runtime.", 8) || !strncmp(name, "internal/", 9) ||
	       !strncmp(name, "sync.", 5) || !strncmp(name, "reflect.", 8);
}

static int cmp_user(const void *a, const void *b)
{
	const struct user *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->func > y->func) - (x->func < y->func);
}

/* Sort the users; keep the best of each word (lowest rank, then the
 * first function in the pclntab: address order, so deterministic). */
static void settle_users(struct gr_codetypes *c)
{
	if (!c->nusers)
		return;
	qsort(c->users, c->nusers, sizeof(*c->users), cmp_user);
	size_t w = 0;
	for (size_t i = 0; i < c->nusers; i++)
		if (!w || c->users[w - 1].addr != c->users[i].addr)
			c->users[w++] = c->users[i];
	c->nusers = w;
}

/* The scan's buffers: a function's bytes (*@buf) and its labels,
 * jumps and back edges.  scan_free frees them and what the scan grew. */
GR_MUST_USE
static struct gr_error *scan_alloc(struct scan *s, uint8_t **buf)
{
	*buf = malloc(MAX_FUNC_BYTES);
	s->label = malloc(MAX_FUNC_BYTES / 8 + 1);
	s->back = malloc(MAX_FUNC_BYTES / 8 + 1);
	s->pend = malloc(MAX_PENDING * sizeof(*s->pend));
	s->bk[0] = malloc(MAX_PENDING * sizeof(*s->bk[0]));
	s->bk[1] = malloc(MAX_PENDING * sizeof(*s->bk[1]));
	return *buf && s->label && s->back && s->pend && s->bk[0] && s->bk[1]
		       ? NULL
		       : gr_error_nomem();
}

static void scan_free(struct scan *s, uint8_t *buf)
{
	free(buf);
	free(s->label);
	free(s->back);
	free(s->pend);
	free(s->bk[0]);
	free(s->bk[1]);
	free(s->insns);
	free(s->stores);
	free(s->puses);
	free(s->gargs);
	free(s->rets);
	free(s->rstores);
	free(s->methods);
}

/* After every function: what crosses functions, then one record per
 * word; @c is handed over in *@ret, or destroyed on an error. */
GR_MUST_USE
static struct gr_error *finish(struct gr_codetypes *c, struct scan *s,
			       struct gr_error *err, struct gr_codetypes **ret)
{
	if (!err)
		err = resolve_params(c, s);
	if (!err)
		err = resolve_results(c, s);
	if (err) {
		gr_codetypes_destroy(c);
		return err;
	}
	settle(c);
	settle_users(c);
	settle_values(c);
	/* One record per slot of a function: no two to settle. */
	if (c->nframes)
		qsort(c->frames, c->nframes, sizeof(*c->frames), cmp_frame);
	free(c->fresults);
	c->fresults = NULL;
	c->nfresults = 0;
	*ret = c;
	return NULL;
}

/* The methods with a pointer receiver, and the runtime functions the scan
 * knows, from the pclntab; NOT_FOUND without an allocator. */
GR_MUST_USE
static struct gr_error *list_functions(struct scan *s,
				       const struct gr_pcln *pcln)
{
	uint32_t nfunc = gr_pcln_func_count(pcln);
	struct gr_pcln_func fn;
	bool alloc = false;
	char rname[256];
	for (uint32_t i = 0; i < nfunc; i++) {
		struct gr_error *err = gr_pcln_func_at(pcln, i, &fn);
		/* A name that cannot be read is no function the scan knows. */
		if (gr_error_catch(&err, GR_ERR_CONTENT))
			continue;
		if (err)
			return err;
		if (receiver_type(fn.name, rname, sizeof(rname))) {
			if ((err = gr_array_grow(&s->methods, &s->methods_cap,
						 s->nmethods, 1)))
				return err;
			s->methods[s->nmethods++] = (struct method){fn.entry, i};
		}
		enum role r = role_of(fn.name);
		if (r == R_OTHER || s->ncallees == MAX_CALLEES)
			continue;
		alloc |= r == R_NEWOBJECT || r == R_MALLOCGC;
		s->callees[s->ncallees++] = (struct callee){fn.entry, (uint8_t)r};
	}
	qsort(s->methods, s->nmethods, sizeof(*s->methods), cmp_method);
	qsort(s->callees, s->ncallees, sizeof(*s->callees), cmp_callee);
	return alloc ? NULL
		     : gr_error_create(GR_ERR_NOT_FOUND,
				       "no runtime.newobject in the pclntab");
}

struct gr_error *gr_codetypes_create(struct gr_mem *mem,
				     const struct gr_pcln *pcln,
				     const struct gr_moduledata *md,
				     struct gr_codetypes **ret)
{
	*ret = NULL;
	struct scan s = {.mem = mem, .md = md, .pcln = pcln};
	uint8_t *buf = NULL;
	struct gr_codetypes *c = calloc(1, sizeof(*c));
	struct gr_error *err = c ? list_functions(&s, pcln) : gr_error_nomem();
	if (!err)
		err = scan_alloc(&s, &buf);
	uint32_t nfunc = gr_pcln_func_count(pcln);
	for (uint32_t i = 0; !err && i < nfunc; i++) {
		struct gr_pcln_func fn;
		err = gr_pcln_func_at(pcln, i, &fn);
		if (gr_error_catch(&err, GR_ERR_CONTENT) || err ||
		    fn.end <= fn.entry || fn.end - fn.entry > MAX_FUNC_BYTES)
			continue;
		size_t len = (size_t)(fn.end - fn.entry);
		const uint8_t *code = NULL;
		err = gr_mem_view_or_copy(mem, fn.entry, len, buf, &code);
		/* Code the core and the executable both lack: skipped. */
		if (gr_error_catch(&err, GR_ERR_CONTENT) || err)
			continue;
		s.runtime_fn = !strncmp(fn.name, "runtime.", 8);
		err = scan_func(c, &s, code, len, fn.entry, i,
				rank_of(fn.name));
	}
	if (c)
		c->pcln = pcln;
	err = c ? finish(c, &s, err, ret) : err;
	scan_free(&s, buf);
	return err;
}

struct gr_error *gr_codetypes_scan_one(struct gr_mem *mem,
				       const struct gr_moduledata *md,
				       uint64_t entry, size_t len,
				       struct gr_codetypes **ret)
{
	*ret = NULL;
	if (len > MAX_FUNC_BYTES)
		return gr_error_create(GR_ERR_LIMIT,
				       "function of %zu bytes: more than %d",
				       len, (int)MAX_FUNC_BYTES);
	struct scan s = {.mem = mem, .md = md};
	uint8_t *buf = NULL;
	struct gr_codetypes *c = calloc(1, sizeof(*c));
	struct gr_error *err = c ? scan_alloc(&s, &buf) : gr_error_nomem();
	const uint8_t *code = NULL;
	if (!err && len)
		err = gr_mem_view_or_copy(mem, entry, len, buf, &code);
	if (!err && len)
		err = scan_func(c, &s, code, len, entry, 0, 0);
	err = c ? finish(c, &s, err, ret) : err;
	scan_free(&s, buf);
	return err;
}

void gr_codetypes_destroy(struct gr_codetypes *c)
{
	if (!c)
		return;
	free(c->v);
	free(c->users);
	for (size_t i = 0; i < c->nvalues; i++)
		free((char *)c->values[i].type);
	free(c->values);
	free(c->frames);
	free(c->fresults);
	free(c);
}

size_t gr_codetypes_count(const struct gr_codetypes *c)
{
	return c ? c->n : 0;
}

const struct gr_codetype *gr_codetypes_get(const struct gr_codetypes *c,
					   size_t i)
{
	return c && i < c->n ? &c->v[i] : NULL;
}

static int cmp_addr(const void *key, const void *rec)
{
	uint64_t a = *(const uint64_t *)key;
	const struct gr_codetype *r = rec;
	return (a > r->addr) - (a < r->addr);
}

const struct gr_codetype *gr_codetypes_find(const struct gr_codetypes *c,
					    uint64_t addr)
{
	/* One record per address (settle), so an exact match is all. */
	return gr_codetypes_count(c)
		       ? bsearch(&addr, c->v, c->n, sizeof(*c->v), cmp_addr)
		       : NULL;
}

bool gr_codetypes_user(const struct gr_codetypes *c, uint64_t lo, uint64_t hi,
		       const char **ret)
{
	if (!c || lo >= hi)
		return false;
	/* The first user at or after @lo. */
	size_t a = 0, b = c->nusers;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (c->users[mid].addr < lo)
			a = mid + 1;
		else
			b = mid;
	}
	const struct user *best = NULL;
	for (size_t i = a; i < c->nusers && c->users[i].addr < hi; i++) {
		const struct user *u = &c->users[i];
		if (!best || u->rank < best->rank ||
		    (u->rank == best->rank && u->func < best->func))
			best = u;
	}
	struct gr_pcln_func fn;
	if (!best || !c->pcln)
		return false;
	struct gr_error *err = gr_pcln_func_at(c->pcln, best->func, &fn);
	/* It was read when the scan ran. */
	gr_error_destroy(err);
	if (err)
		return false;
	*ret = fn.name;
	return true;
}
