/* SPDX-License-Identifier: MIT */
/*
 * Closure struct types from the allocating code (see closures.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/04-gobin/closures.h"
#include "forensics/04-gobin/x86.h"

enum {
	/* Functions longer than this are not scanned (the runtime's largest
	 * are a few tens of kB; a bigger one is not compiler output). */
	MAX_FUNC_BYTES = 1 << 20,
	/* Instructions allowed between LEAQ type, AX and the CALL, and
	 * between the CALL and LEAQ funclit: the compiler puts them next to
	 * each other; a little slack covers spills. */
	LEA_WINDOW = 4,
	ALLOC_WINDOW = 6,
	/* x86-64 register numbers of AX and BX, the first and second
	 * integer arguments (ABIInternal). */
	REG_AX = 0,
	REG_BX = 3,
	MAX_ALLOCATORS = 64,
};

/* A descriptor equal to this marks an entry seen with two types. */
#define AMBIGUOUS UINT64_MAX

struct pair {
	uint64_t entry, type;
};

struct gr_closures {
	struct pair *v;
	size_t n, cap;
};

GR_MUST_USE
static struct gr_error *add(struct gr_closures *c, uint64_t entry,
			    uint64_t type)
{
	struct gr_error *err = gr_array_grow(&c->v, &c->cap, c->n, 1);
	if (err)
		return err;
	c->v[c->n++] = (struct pair){entry, type};
	return NULL;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	return (x->type > y->type) - (x->type < y->type);
}

/* Sort, fold duplicates, mark entries with two descriptors ambiguous. */
static void settle(struct gr_closures *c)
{
	if (!c->n)
		return;
	qsort(c->v, c->n, sizeof(*c->v), cmp_pair);
	size_t w = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (w && c->v[w - 1].entry == c->v[i].entry) {
			if (c->v[w - 1].type != c->v[i].type)
				c->v[w - 1].type = AMBIGUOUS;
			continue;
		}
		c->v[w++] = c->v[i];
	}
	c->n = w;
}

static bool is_entry(const struct gr_pcln *pcln, uint64_t pc)
{
	struct gr_pcln_func fn;
	/* A probe of the executable's table, not a read of the core. */
	struct gr_error *err = gr_pcln_find_func(pcln, pc, &fn);
	gr_error_destroy(err);
	return !err && fn.entry == pc;
}

/* A function that allocates an object of a type passed in a register:
 * runtime.newobject(typ) and, called directly since Go 1.26's
 * size-specialized allocation (runtime/malloc_generated.go), the
 * runtime.mallocgc*(size, typ, ...) family. */
struct allocator {
	uint64_t entry;
	unsigned reg;
};

struct scan {
	const struct gr_pcln *pcln;
	uint64_t types, etypes;
	struct allocator alloc[MAX_ALLOCATORS];
	size_t nalloc;
};

/* The register holding the type for a call to @pc, or -1. */
static int alloc_reg(const struct scan *s, uint64_t pc)
{
	for (size_t i = 0; i < s->nalloc; i++)
		if (s->alloc[i].entry == pc)
			return (int)s->alloc[i].reg;
	return -1;
}

GR_MUST_USE
static struct gr_error *scan_func(struct gr_closures *c, const struct scan *s,
				  const uint8_t *code, size_t len,
				  uint64_t entry)
{
	/* The last type descriptor loaded into AX and BX, and when. */
	uint64_t lea_type[2] = {0, 0}, alloc_type = 0;
	unsigned since_lea[2] = {0, 0}, since_alloc = 0;
	size_t at = 0;
	while (at < len) {
		struct gr_x86_insn in;
		if (!gr_x86_decode(code + at, len - at, entry + at, &in))
			break; /* data or an unknown form: stop, guess nothing */
		at += in.len;
		since_lea[0]++;
		since_lea[1]++;
		since_alloc++;
		if (in.is_call) {
			int reg = alloc_reg(s, in.branch_target);
			int k = reg == REG_AX ? 0 : reg == REG_BX ? 1 : -1;
			alloc_type = k >= 0 && since_lea[k] <= LEA_WINDOW
					     ? lea_type[k]
					     : 0;
			since_alloc = 0;
			lea_type[0] = lea_type[1] = 0;
			continue;
		}
		if (in.is_ret || in.is_jmp)
			lea_type[0] = lea_type[1] = alloc_type = 0;
		if (!in.is_lea)
			continue;
		uint64_t to = in.rip_target;
		if ((in.reg == REG_AX || in.reg == REG_BX) && to >= s->types &&
		    to < s->etypes) {
			int k = in.reg == REG_AX ? 0 : 1;
			lea_type[k] = to;
			since_lea[k] = 0;
		} else if (alloc_type && since_alloc <= ALLOC_WINDOW &&
			   is_entry(s->pcln, to)) {
			struct gr_error *err = add(c, to, alloc_type);
			if (err)
				return err;
			alloc_type = 0;
		}
	}
	return NULL;
}

struct gr_error *gr_closures_create(struct gr_mem *mem,
				    const struct gr_pcln *pcln, uint64_t types,
				    uint64_t etypes,
				    struct gr_damage_list *damage,
				    struct gr_closures **ret)
{
	*ret = NULL;
	struct scan s = {.pcln = pcln, .types = types, .etypes = etypes};
	uint32_t nfunc = gr_pcln_func_count(pcln);
	struct gr_pcln_func fn;
	bool newobject = false;
	for (uint32_t i = 0; i < nfunc && s.nalloc < MAX_ALLOCATORS; i++) {
		struct gr_error *err = gr_pcln_func_at(pcln, i, &fn);
		if (err) { /* the executable's table, searched: not damage */
			gr_error_destroy(err);
		} else if (!strcmp(fn.name, "runtime.newobject")) {
			s.alloc[s.nalloc++] = (struct allocator){fn.entry, REG_AX};
			newobject = true;
		} else if (!strncmp(fn.name, "runtime.mallocgc", 16)) {
			s.alloc[s.nalloc++] = (struct allocator){fn.entry, REG_BX};
		}
	}
	if (!newobject)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "no runtime.newobject in the pclntab");
	struct gr_closures *c = calloc(1, sizeof(*c));
	uint8_t *buf = malloc(MAX_FUNC_BYTES);
	if (!c || !buf) {
		free(c);
		free(buf);
		return gr_error_nomem();
	}
	for (uint32_t i = 0; i < nfunc; i++) {
		struct gr_error *err = gr_pcln_func_at(pcln, i, &fn);
		if (err || fn.end <= fn.entry ||
		    fn.end - fn.entry > MAX_FUNC_BYTES) {
			gr_error_destroy(err); /* the executable's table */
			continue;
		}
		size_t len = (size_t)(fn.end - fn.entry);
		const uint8_t *code = NULL;
		err = gr_mem_view_or_copy(mem, fn.entry, len, buf, &code);
		if (err) {
			err = gr_damage_fault(damage, err, "function code");
			if (err) {
				free(buf);
				gr_closures_destroy(c);
				return err;
			}
			continue;
		}
		if ((err = scan_func(c, &s, code, len, fn.entry))) {
			free(buf);
			gr_closures_destroy(c);
			return err;
		}
	}
	free(buf);
	settle(c);
	*ret = c;
	return NULL;
}

void gr_closures_destroy(struct gr_closures *c)
{
	if (!c)
		return;
	free(c->v);
	free(c);
}

uint64_t gr_closures_type(const struct gr_closures *c, uint64_t entry)
{
	size_t lo = 0, hi = c ? c->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->v[mid].entry < entry)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (c && lo < c->n && c->v[lo].entry == entry &&
	    c->v[lo].type != AMBIGUOUS)
		return c->v[lo].type;
	return 0;
}

size_t gr_closures_count(const struct gr_closures *c)
{
	size_t n = 0;
	for (size_t i = 0; c && i < c->n; i++)
		n += c->v[i].type != AMBIGUOUS;
	return n;
}
