/* SPDX-License-Identifier: MIT */
#include "forensics/04-gobin/locate.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/04-gobin/x86.h"

/* Runtime functions are small; the biggest (mallocgc, gcDrain...) are a
 * few KiB.  Longer ones are not read. */
enum { MAX_FUNC_BYTES = 256 * 1024 };

struct name_slot {
	const char *name;
	uint64_t size, entry;
	uint32_t idx;
};

struct gr_locate {
	struct gr_mem *mem;
	const struct gr_pcln *pcln;
	uint64_t bias, lo, hi; /* data range, runtime addresses */
	uint8_t *buf;
	struct gr_locate_ref *refs;
	size_t nrefs, refs_cap;
	/* Function names sorted, for gr_locate_func. */
	struct name_slot *names;
	size_t nnames;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name_slot *)a)->name,
		      ((const struct name_slot *)b)->name);
}

/*
 * By name, then biggest first, then lowest address: a Go function and its
 * ABI wrapper share a name ("runtime.schedinit" is also a 32-byte ABI0
 * trampoline), and the body is the one that touches the globals.
 */
static int cmp_slot(const void *pa, const void *pb)
{
	const struct name_slot *a = pa, *b = pb;
	int c = cmp_name(a, b);
	if (c)
		return c;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

struct gr_error *gr_locate_create(struct gr_mem *mem, const struct gr_pcln *pcln,
				  const struct gr_moduledata *md, uint64_t bias,
				  struct gr_locate **ret)
{
	*ret = NULL;
	struct gr_locate *l = calloc(1, sizeof(*l));
	uint32_t n = gr_pcln_func_count(pcln);
	if (!l)
		return gr_error_nomem();
	l->mem = mem;
	l->pcln = pcln;
	l->bias = bias;
	l->lo = md->noptrdata;
	l->hi = md->enoptrbss;
	l->buf = malloc(MAX_FUNC_BYTES);
	l->names = malloc(((size_t)n + 1) * sizeof(*l->names));
	if (!l->buf || !l->names) {
		gr_locate_destroy(l);
		return gr_error_nomem();
	}
	for (uint32_t i = 0; i < n; i++) {
		struct gr_pcln_func fn;
		struct gr_error *err = gr_pcln_func_at(pcln, i, &fn);
		if (err) {
			/* The executable's pclntab: not damage. */
			gr_error_destroy(err);
			continue;
		}
		l->names[l->nnames++] = (struct name_slot){
			fn.name, fn.end - fn.entry, fn.entry, i};
	}
	qsort(l->names, l->nnames, sizeof(*l->names), cmp_slot);
	/* Keep the first of each name. */
	size_t k = 0;
	for (size_t j = 0; j < l->nnames; j++)
		if (k == 0 || strcmp(l->names[k - 1].name, l->names[j].name))
			l->names[k++] = l->names[j];
	l->nnames = k;
	*ret = l;
	return NULL;
}

void gr_locate_destroy(struct gr_locate *l)
{
	if (!l)
		return;
	free(l->buf);
	free(l->refs);
	free(l->names);
	free(l);
}

uint32_t gr_locate_func(const struct gr_locate *l, const char *name)
{
	struct name_slot key = {.name = name};
	const struct name_slot *s =
		bsearch(&key, l->names, l->nnames, sizeof(*l->names), cmp_name);
	return s ? s->idx : UINT32_MAX;
}

GR_MUST_USE
static struct gr_error *push(struct gr_locate *l, uint64_t addr, uint32_t fp)
{
	struct gr_error *err =
		gr_array_grow(&l->refs, &l->refs_cap, l->nrefs, 1);
	if (err)
		return err;
	l->refs[l->nrefs++] = (struct gr_locate_ref){addr, fp};
	return NULL;
}

/* The shape of an instruction: what it does to what, not where. */
static uint32_t shape(const struct gr_x86_insn *in)
{
	return (uint32_t)in->map << 24 | (uint32_t)in->opcode << 16 |
	       (uint32_t)(in->has_modrm ? (in->mod << 6 | (in->reg & 7) << 3 |
					  (in->rm & 7))
				       : 0xff)
		       << 8 |
	       in->len;
}

/* FNV-1a over the two shapes. */
static uint32_t fingerprint(uint32_t prev, uint32_t self)
{
	uint32_t h = 2166136261u;
	uint32_t w[2] = {prev, self};
	for (int i = 0; i < 2; i++)
		for (int b = 0; b < 32; b += 8) {
			h ^= (w[i] >> b) & 0xff;
			h *= 16777619u;
		}
	return h;
}

struct gr_error *gr_locate_refs(struct gr_locate *l, uint32_t i,
				const struct gr_locate_ref **refs, size_t *n)
{
	l->nrefs = 0;
	*refs = l->refs;
	*n = 0;
	struct gr_pcln_func fn;
	struct gr_error *err = gr_pcln_func_at(l->pcln, i, &fn);
	if (err || fn.end <= fn.entry || fn.end - fn.entry > MAX_FUNC_BYTES) {
		/* The executable's pclntab: not damage. */
		gr_error_destroy(err);
		return NULL;
	}
	size_t len = (size_t)(fn.end - fn.entry);
	const uint8_t *code = NULL;
	err = gr_mem_view_or_copy(l->mem, fn.entry, len, l->buf, &code);
	/* Code the core lacks yields no references: the globals only it
	 * would have located stay unlocated, which the report's trust
	 * notes say (gr_dwarf_pack_unlocated), so it is not recorded
	 * twice.  Anything but a FAULT is returned. */
	if (gr_error_catch(&err, GR_ERR_BIT(FAULT)) || err)
		return err;
	uint32_t prev = 0;
	for (size_t at = 0; at < len;) {
		struct gr_x86_insn in;
		if (!gr_x86_decode(code + at, len - at, fn.entry + at, &in))
			break;
		at += in.len;
		uint32_t self = shape(&in);
		if (in.rip_rel && in.rip_target >= l->lo &&
		    in.rip_target < l->hi &&
		    (err = push(l, in.rip_target - l->bias,
				fingerprint(prev, self))))
			return err;
		prev = self;
	}
	*refs = l->refs;
	*n = l->nrefs;
	return NULL;
}

bool gr_locate_resolve(void *arg, const struct gr_dwarf_locator *loc,
		       uint64_t *addr)
{
	struct gr_locate *l = arg;
	uint32_t i = gr_locate_func(l, loc->func);
	if (i == UINT32_MAX)
		return false;
	const struct gr_locate_ref *refs;
	size_t n;
	struct gr_error *err = gr_locate_refs(l, i, &refs, &n);
	if (err) {
		/* NOMEM, the only error: the callback type has no way to
		 * return it, and the global stays unlocated, as the trust
		 * notes say (gr_dwarf_pack_unlocated). */
		gr_error_destroy(err);
		return false;
	}
	for (size_t k = 0, seen = 0; k < n; k++) {
		if (refs[k].fp != loc->fp || seen++ != loc->ordinal)
			continue;
		*addr = refs[k].addr - (uint64_t)loc->delta;
		return true;
	}
	return false;
}
