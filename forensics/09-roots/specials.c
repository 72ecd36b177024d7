/* SPDX-License-Identifier: MIT */
#include "forensics/09-roots/specials.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/buildinfo.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/09-roots/specials_internal.h"

/*
 * Each object has at most one special of most kinds, but cleanups may
 * repeat (mheap.go addCleanup: addspecial(..., force=true)), so there is
 * no exact bound; past this many records a list is taken as corrupt.
 */
enum { MAX_SPECIALS_PER_SPAN = 1 << 20 };
/* runtime/malloc.go _PageShift = 13 on every version 1.19-1.27. */
enum { PAGE_SIZE = 8192 };

/* ---- layout ---- */

/*
 * Offset and size (0 if DWARF gives none) of the member at dotted @path
 * ("cleanup.fn") of the type named @type.
 */
GR_MUST_USE
static struct gr_error *member(const struct gr_dwarf *d, const char *type,
			       const char *path, uint64_t *off_ret,
			       uint64_t *size_ret)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member_of(d, type, path, NULL, &m);
	if (err)
		return err;
	*off_ret = m.off;
	if (size_ret)
		*size_ret = m.size;
	return NULL;
}

static bool has_type(const struct gr_dwarf *d, const char *name)
{
	uint32_t id;
	struct gr_error *err = gr_dwarf_type_by_name(d, name, &id);
	/* A probe of the executable's DWARF: not damage. */
	gr_error_destroy(err);
	return err == NULL;
}

GR_MUST_USE
static struct gr_error *resolve_layout(const struct gr_dwarf *d,
				       struct gr_specials_layout *l)
{
	struct gr_error *err;
	if ((err = member(d, "runtime.mspan", "specials", &l->span_specials,
			  NULL)) ||
	    (err = gr_dwarf_member_of(d, "runtime.special", "next",
				      GR_DWARF_SIZES(8), &l->next)) ||
	    (err = gr_dwarf_member_of(d, "runtime.special", "offset",
				      GR_DWARF_SIZES(2, 8), &l->offset)) ||
	    (err = gr_dwarf_member_of(d, "runtime.special", "kind",
				      GR_DWARF_SIZES(1), &l->kind)) ||
	    (err = member(d, "runtime.specialfinalizer", "fn", &l->fin_fn,
			  NULL)) ||
	    (err = member(d, "runtime.specialfinalizer", "nret", &l->fin_nret,
			  NULL)) ||
	    (err = member(d, "runtime.specialfinalizer", "fint", &l->fin_fint,
			  NULL)) ||
	    (err = member(d, "runtime.specialfinalizer", "ot", &l->fin_ot,
			  NULL)))
		return gr_error_prefix(err, "special records");
	if (has_type(d, "runtime.specialCleanup")) {
		l->cleanup_ok = true;
		l->cleanup_fnstruct = has_type(d, "runtime.cleanupFn");
		err = member(d, "runtime.specialCleanup", "id", &l->cl_id, NULL);
		if (!err && l->cleanup_fnstruct &&
		    !(err = member(d, "runtime.specialCleanup", "cleanup.call",
				   &l->cl_call, NULL)) &&
		    !(err = member(d, "runtime.specialCleanup", "cleanup.fn",
				   &l->cl_fn, NULL)))
			err = member(d, "runtime.specialCleanup", "cleanup.arg",
				     &l->cl_arg, NULL);
		else if (!err && !l->cleanup_fnstruct)
			err = member(d, "runtime.specialCleanup", "fn",
				     &l->cl_fn, NULL);
		if (err)
			return err;
	}
	if (has_type(d, "runtime.specialWeakHandle")) {
		l->weak_ok = true;
		if ((err = member(d, "runtime.specialWeakHandle", "handle",
				  &l->weak_handle, NULL)))
			return err;
	}
	if (has_type(d, "runtime.specialprofile")) {
		l->profile_ok = true;
		if ((err = member(d, "runtime.specialprofile", "b", &l->prof_b,
				  NULL)))
			return err;
	}
	return NULL;
}

/*
 * Kind bytes: the version's table, overridden by every DWARF constant
 * present (DWARF describes the binary at hand; the table only the release).
 */
GR_MUST_USE
static struct gr_error *resolve_kinds(struct gr_session *s,
				      struct gr_special_kinds *k)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	struct gr_go_version v;
	struct gr_error *table_err;
	if (gr_buildinfo_version(gr_session_buildinfo(s), &v))
		table_err = gr_layout_special_kinds(v.major, v.minor, k);
	else
		table_err = gr_error_create(GR_ERR_UNSUPPORTED,
					    "unparsable Go version '%s'",
					    gr_session_go_version(s));
	if (table_err)
		memset(k, 0, sizeof(*k));
	bool dwarf = false;
	for (size_t i = 0; i < GR_SPECIAL_KIND_COUNT; i++) {
		int64_t val;
		struct gr_error *err = gr_dwarf_constant(
			d, gr_special_kind_constant((enum gr_special_kind)i),
			&val);
		if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
			continue;
		if (err) {
			gr_error_destroy(table_err);
			return err;
		}
		if (val <= 0 || val > 255)
			continue;
		k->value[i] = (uint8_t)val;
		dwarf = true;
	}
	if (dwarf) {
		k->source = "DWARF";
		gr_error_destroy(table_err);
		return NULL;
	}
	return table_err
		       ? gr_error_prefix(table_err,
					 "no runtime._KindSpecial* in DWARF")
		       : NULL;
}

/* ---- the walk ---- */

GR_MUST_USE
static struct gr_error *push(struct gr_specials *sp, const struct gr_special *x)
{
	struct gr_error *err = gr_array_grow(&sp->v, &sp->cap, sp->n, 1);
	if (err)
		return err;
	sp->v[sp->n++] = *x;
	sp->stats.count[x->kind]++;
	return NULL;
}

/*
 * The DWARF type of the object a finalizer is set on, from its ot (the
 * *ptrtype of *T): T.  DW_AT_go_runtime_type is DW_CLS_GO_TYPEREF, which
 * cmd/internal/dwarf/dwarf.go putattr writes with AddSectionOffset: an
 * offset into the type data, which starts at moduledata.types (1.19-1.27).
 * A link-time address is tried too, in case the DWARF reader ever
 * normalises the attribute as dwarf.h describes it.
 */
static uint32_t object_type(const struct gr_specials *sp, uint64_t ot)
{
	uint32_t id;
	bool found = (ot >= sp->types &&
		      gr_dwarf_type_by_runtime_type(sp->dwarf, ot - sp->types,
						    &id)) ||
		     (ot >= sp->bias &&
		      gr_dwarf_type_by_runtime_type(sp->dwarf, ot - sp->bias,
						    &id));
	if (!found)
		return GR_DWARF_NO_TYPE;
	const struct gr_dwarf_type *t =
		gr_dwarf_type(sp->dwarf, gr_dwarf_type_strip(sp->dwarf, id));
	return t && t->kind == GR_DWARF_TYPE_POINTER ? t->type
						     : GR_DWARF_NO_TYPE;
}

/* Reads of the kind-specific words; a fault leaves them 0 and says so. */
static bool read_words(struct gr_specials *sp, uint64_t base,
		       const uint64_t *offs, uint64_t **dst, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct gr_error *err = gr_mem_u64(sp->mem, base + offs[i], dst[i]);
		if (err) {
			/* Not damage here: decode_body's caller records the special. */
			gr_error_destroy(err);
			return false;
		}
	}
	return true;
}

static bool decode_body(struct gr_specials *sp, struct gr_special *x)
{
	const struct gr_specials_layout *l = &sp->l;
	switch (x->kind) {
	case GR_SPECIAL_FINALIZER: {
		uint64_t offs[] = {l->fin_fn, l->fin_nret, l->fin_fint,
				   l->fin_ot};
		uint64_t *dst[] = {&x->fn, &x->nret, &x->fint, &x->ot};
		if (!read_words(sp, x->addr, offs, dst, 4))
			return false;
		x->object_type = object_type(sp, x->ot);
		return true;
	}
	case GR_SPECIAL_CLEANUP: {
		if (!l->cleanup_ok)
			return false;
		uint64_t offs[] = {l->cl_fn, l->cl_id, l->cl_call, l->cl_arg};
		uint64_t *dst[] = {&x->fn, &x->id, &x->call, &x->arg};
		return read_words(sp, x->addr, offs, dst,
				  l->cleanup_fnstruct ? 4 : 2);
	}
	case GR_SPECIAL_WEAK_HANDLE: {
		uint64_t *dst[] = {&x->handle};
		return l->weak_ok &&
		       read_words(sp, x->addr, &l->weak_handle, dst, 1);
	}
	case GR_SPECIAL_PROFILE: {
		uint64_t *dst[] = {&x->bucket};
		return l->profile_ok &&
		       read_words(sp, x->addr, &l->prof_b, dst, 1);
	}
	default:
		return true; /* no pointer the GC marks */
	}
}

/* The common header of the special at @p. */
GR_MUST_USE
static struct gr_error *read_header(struct gr_specials *sp, uint64_t p,
				    uint64_t *next, uint64_t *offset,
				    uint8_t *kind)
{
	const struct gr_specials_layout *l = &sp->l;
	uint64_t k;
	struct gr_error *err;
	if ((err = gr_dwarf_member_read(sp->mem, p, &l->next, next)) ||
	    (err = gr_dwarf_member_read(sp->mem, p, &l->offset, offset)) ||
	    (err = gr_dwarf_member_read(sp->mem, p, &l->kind, &k)))
		return err;
	*kind = (uint8_t)k;
	return NULL;
}

GR_MUST_USE
static struct gr_error *walk_span(struct gr_specials *sp, struct gr_heap *heap,
				  const struct gr_span *span, uint64_t head)
{
	uint64_t span_bytes = span->npages * PAGE_SIZE;
	uint64_t prev_off = 0, tortoise = head, power = 1, lam = 1;
	uint8_t prev_kind = 0;
	size_t count = 0;
	for (uint64_t p = head; p;) {
		uint64_t next = 0, offset = 0;
		uint8_t raw = 0;
		if (count == MAX_SPECIALS_PER_SPAN)
			return gr_damage_add(
				&sp->damage, span->addr, 0,
				"specials of span %#" PRIx64
				": more than %d records, rest skipped",
				span->base, MAX_SPECIALS_PER_SPAN);
		bool unreadable = p % 8 != 0;
		if (!unreadable) {
			struct gr_error *herr =
				read_header(sp, p, &next, &offset, &raw);
			unreadable = gr_error_catch(&herr, GR_ERR_BIT(FAULT));
			if (herr)
				return herr;
		}
		if (unreadable)
			return gr_damage_add(&sp->damage, p, 0,
					     "special record %#" PRIx64
					     " of span %#" PRIx64 " unreadable",
					     p, span->base);
		if (count && (offset < prev_off ||
			      (offset == prev_off && raw < prev_kind)))
			return gr_damage_add(&sp->damage, p, 0,
					     "specials of span %#" PRIx64
					     " out of order at %#" PRIx64
					     " (offset %#" PRIx64 " kind %u): "
					     "list cut",
					     span->base, p, offset, raw);
		if (offset >= span_bytes || !span->elemsize)
			return gr_damage_add(&sp->damage, p, 0,
					     "special %#" PRIx64
					     " offset %#" PRIx64
					     " outside span %#" PRIx64
					     ": list cut",
					     p, offset, span->base);
		struct gr_special x = {
			.addr = p,
			.span = span->addr,
			.target = span->base + offset,
			.object = span->base +
				  offset / span->elemsize * span->elemsize,
			.raw_kind = raw,
			.kind = (uint8_t)gr_special_kind_decode(&sp->kinds, raw),
			.object_type = GR_DWARF_NO_TYPE,
		};
		x.object_id = gr_heap_find(heap, x.object);
		/* A record whose body cannot be read is left out; its
		 * header was fine, so the list goes on. */
		bool keep = true;
		struct gr_error *err = NULL;
		if (x.kind == GR_SPECIAL_UNKNOWN) {
			err = gr_damage_add(&sp->damage, p, 0,
					    "special %#" PRIx64
					    ": unknown kind %u",
					    p, raw);
		} else if (!decode_body(sp, &x)) {
			keep = false;
			err = gr_damage_add(&sp->damage, p, 0,
					    "special %#" PRIx64 " (%s)"
					    " unreadable",
					    p, gr_special_kind_name(x.kind));
		}
		if (!err && keep && x.object_id == GR_HEAP_NO_OBJECT)
			err = gr_damage_add(&sp->damage, p, 0,
					    "special %#" PRIx64 " (%s) on "
					    "%#" PRIx64 ", not an allocated "
					    "object",
					    p, gr_special_kind_name(x.kind),
					    x.object);
		if (!err && keep)
			err = push(sp, &x);
		if (err)
			return err;
		prev_off = offset;
		prev_kind = raw;
		count++;
		p = next;
		/* Brent: a cycle of equal keys passes the order check. */
		if (p && p == tortoise)
			return gr_damage_add(&sp->damage, p, 0,
					     "specials of span %#" PRIx64
					     " loop back to %#" PRIx64
					     ": list cut",
					     span->base, p);
		if (power == lam) {
			tortoise = p;
			power *= 2;
			lam = 0;
		}
		lam++;
	}
	return NULL;
}

struct gr_error *gr_specials_load(struct gr_session *s, struct gr_heap *heap,
				  struct gr_specials **ret)
{
	struct gr_specials *sp = calloc(1, sizeof(*sp));
	if (!sp)
		return gr_error_nomem();
	sp->mem = gr_session_mem(s);
	sp->dwarf = gr_session_dwarf(s);
	sp->bias = gr_session_load_bias(s);
	sp->types = gr_session_moduledata(s)->types;
	struct gr_error *err = resolve_layout(sp->dwarf, &sp->l);
	if (!err)
		err = resolve_kinds(s, &sp->kinds);
	for (size_t i = 0; !err && i < gr_heap_span_count(heap); i++) {
		const struct gr_span *span = gr_heap_span(heap, i);
		if (span->state != GR_SPAN_IN_USE)
			continue;
		uint64_t head;
		err = gr_mem_u64(sp->mem, span->addr + sp->l.span_specials,
				 &head);
		if (err) {
			err = gr_damage_catch(&sp->damage, err,
					      GR_ERR_BIT(FAULT), span->addr, 0,
					      "mspan %#" PRIx64
					      ".specials unreadable",
					      span->addr);
			continue;
		}
		if (!head)
			continue;
		sp->stats.spans_with_specials++;
		err = walk_span(sp, heap, span, head);
	}
	if (err) {
		gr_specials_destroy(sp);
		return err;
	}
	*ret = sp;
	return NULL;
}

void gr_specials_destroy(struct gr_specials *sp)
{
	if (!sp)
		return;
	gr_damage_list_deinit(&sp->damage);
	free(sp->v);
	free(sp);
}

size_t gr_specials_count(const struct gr_specials *sp)
{
	return sp->n;
}

const struct gr_special *gr_specials_get(const struct gr_specials *sp,
					 size_t i)
{
	return i < sp->n ? &sp->v[i] : NULL;
}

const struct gr_specials_stats *gr_specials_stats(const struct gr_specials *sp)
{
	return &sp->stats;
}

const char *gr_specials_kinds_source(const struct gr_specials *sp)
{
	return sp->kinds.source;
}

size_t gr_specials_damage_count(const struct gr_specials *sp)
{
	return gr_damage_count(&sp->damage);
}

const struct gr_damage *gr_specials_damage(const struct gr_specials *sp,
					   size_t i)
{
	return gr_damage_get(&sp->damage, i);
}

const struct gr_damage_list *
gr_specials_damage_list(const struct gr_specials *sp)
{
	return &sp->damage;
}
