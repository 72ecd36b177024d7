/* SPDX-License-Identifier: MIT */
/*
 * Pointer masks of type descriptors: GCData read as a bitmap, or, for the
 * on-demand masks of Go 1.24+, the mask the runtime built, or one built
 * here the way runtime/type.go buildGCMask does when the process never
 * needed it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/cursor.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/06-rtype/rtype_internal.h"

enum {
	/* Work items the mask builder may process for one type. */
	MAX_BUILD_STEPS = 1 << 24,
	/* Fields of one struct type accepted. */
	MAX_FIELDS = 1 << 16,
};

GR_MUST_USE
static struct gr_error *member_off(const struct gr_dwarf *d, const char *type,
				   const char *field, uint32_t *ret)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member_of(d, type, field, NULL, &m);
	if (err)
		return err;
	*ret = (uint32_t)m.off;
	return NULL;
}

/* internal/abi/type.go (1.24+): ArrayType{Type; Elem, Slice *Type; Len
 * uintptr}, StructType{Type; PkgPath Name; Fields []StructField},
 * StructField{Name Name; Typ *Type; Offset uintptr}. */
GR_MUST_USE
static struct gr_error *resolve_composite(struct gr_rtypes *rt)
{
	struct rt_composite_layout *c = &rt->comp;
	const struct gr_dwarf *d = gr_session_dwarf(rt->s);
	struct gr_error *err;
	uint64_t size;
	if ((err = member_off(d, "internal/abi.ArrayType", "Elem",
			      &c->array_elem)) ||
	    (err = member_off(d, "internal/abi.ArrayType", "Len",
			      &c->array_len)) ||
	    (err = member_off(d, "internal/abi.StructType", "Fields",
			      &c->struct_fields)) ||
	    (err = member_off(d, "internal/abi.StructField", "Typ",
			      &c->field_typ)) ||
	    (err = member_off(d, "internal/abi.StructField", "Offset",
			      &c->field_offset)))
		return err;
	if ((err = gr_dwarf_type_size_of(d, "internal/abi.StructField",
					 &size)))
		return err;
	if (size < 24 || size > 64)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: internal/abi.StructField has no "
				       "plausible size");
	c->field_size = (uint32_t)size;
	return NULL;
}

static void set_bit(uint8_t *dst, uint64_t nbits, uint64_t i)
{
	if (i < nbits)
		dst[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* OR @srcbits bits of @src into @dst from bit @off. */
static void copy_bits(uint8_t *dst, uint64_t nbits, uint64_t off,
		      const uint8_t *src, uint64_t srcbits)
{
	for (uint64_t i = 0; i < srcbits && off + i < nbits; i++)
		if ((src[i / 8] >> (i % 8)) & 1)
			set_bit(dst, nbits, off + i);
}

/* The runtime's own mask of @t, read into a new buffer; *ret NULL when an
 * on-demand mask was never built (its slot is nil or the runtime's
 * inProgress sentinel). */
GR_MUST_USE
static struct gr_error *read_mask(struct gr_rtypes *rt,
				  const struct gr_rtype *t, uint8_t **ret)
{
	uint64_t nbytes = (t->ptrbytes / 8 + 7) / 8;
	uint64_t at = t->gcdata;
	struct gr_error *err;
	*ret = NULL;
	if (t->mask_on_demand) {
		/* getGCMaskOnDemand (runtime/type.go 1.24+): "GCData ...
		 * points to a pointer to a bitmask". */
		if ((err = gr_mem_u64(rt->mem, t->gcdata, &at)))
			return gr_error_prefix(err, "type 0x%" PRIx64
						    ": GCData slot",
					       t->addr);
		const struct gr_dwarf_global *g;
		if (at && gr_dwarf_global(gr_session_dwarf(rt->s),
					  "runtime.inProgress", &g) == NULL &&
		    at == g->addr + gr_session_load_bias(rt->s))
			at = 0;
		if (!at)
			return NULL;
	}
	if (!gr_mem_readable(rt->mem, at, nbytes))
		return gr_error_fault(at, nbytes, "pointer mask not readable");
	uint8_t *m = malloc(nbytes ? nbytes : 1);
	if (!m)
		return gr_error_nomem();
	if ((err = gr_mem_read(rt->mem, at, m, nbytes))) {
		free(m);
		return err;
	}
	*ret = m;
	return NULL;
}

struct build_item {
	uint64_t type, bit, count, stride; /* count instances, stride bits */
};

struct builder {
	struct gr_rtypes *rt;
	uint8_t *dst;
	uint64_t nbits;
	struct build_item *stack;
	size_t n, cap;
};

GR_MUST_USE
static struct gr_error *push(struct builder *b, struct build_item it)
{
	struct gr_error *err = gr_array_grow(&b->stack, &b->cap, b->n, 1);
	if (err)
		return err;
	b->stack[b->n++] = it;
	return NULL;
}

GR_MUST_USE
static struct gr_error *expand_struct(struct builder *b,
				      const struct gr_rtype *t, uint64_t bit)
{
	const struct rt_composite_layout *c = &b->rt->comp;
	struct gr_mem *mem = b->rt->mem;
	uint64_t ptr, len;
	struct gr_error *err;
	if ((err = gr_mem_u64(mem, t->addr + c->struct_fields, &ptr)) ||
	    (err = gr_mem_u64(mem, t->addr + c->struct_fields + 8, &len)))
		return err;
	if (len > MAX_FIELDS)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "struct type 0x%" PRIx64
				       ": %" PRIu64 " fields",
				       t->addr, len);
	for (uint64_t i = 0; i < len; i++) {
		uint64_t f = ptr + i * c->field_size, typ, off;
		if ((err = gr_mem_u64(mem, f + c->field_typ, &typ)) ||
		    (err = gr_mem_u64(mem, f + c->field_offset, &off)))
			return err;
		if (off % 8 || off >= t->size)
			continue; /* pointer fields are word-aligned */
		if ((err = push(b, (struct build_item){typ, bit + off / 8, 1,
						       0})))
			return err;
	}
	return NULL;
}

/* One instance of the item on top of the stack. */
GR_MUST_USE
static struct gr_error *build_step(struct builder *b)
{
	struct build_item *it = &b->stack[b->n - 1];
	uint64_t type = it->type, bit = it->bit;
	if (--it->count == 0)
		b->n--;
	else
		it->bit += it->stride;
	const struct gr_rtype *t;
	struct gr_error *err = gr_rtype_get(b->rt, type, &t);
	if (err)
		return err;
	if (t->ptrbytes == 0 || bit >= b->nbits)
		return NULL;
	if (!t->mask_on_demand || ((struct rt_rec *)t)->mask) {
		const uint8_t *m;
		uint64_t n;
		if ((err = gr_rtype_gcmask(b->rt, t, &m, &n)))
			return err;
		copy_bits(b->dst, b->nbits, bit, m, n);
		return NULL;
	}
	uint8_t *m;
	if ((err = read_mask(b->rt, t, &m)))
		return err;
	if (m) {
		copy_bits(b->dst, b->nbits, bit, m, t->ptrbytes / 8);
		free(m);
		return NULL;
	}
	/* buildGCMask: "The above case should handle all kinds except
	 * possibly arrays and structs." */
	const struct rt_composite_layout *c = &b->rt->comp;
	if (t->kind == GR_GO_KIND_ARRAY) {
		uint64_t elem, len;
		if ((err = gr_mem_u64(b->rt->mem, t->addr + c->array_elem,
				      &elem)) ||
		    (err = gr_mem_u64(b->rt->mem, t->addr + c->array_len,
				      &len)))
			return err;
		const struct gr_rtype *e;
		if ((err = gr_rtype_get(b->rt, elem, &e)))
			return err;
		if (e->size == 0 || e->size % 8 || len == 0 ||
		    len > t->size / e->size)
			return NULL;
		return push(b, (struct build_item){elem, bit, len,
						   e->size / 8});
	}
	if (t->kind == GR_GO_KIND_STRUCT)
		return expand_struct(b, t, bit);
	return gr_error_create(GR_ERR_BAD_DATA,
			       "type 0x%" PRIx64
			       ": on-demand mask for kind %u",
			       t->addr, t->kind);
}

/* buildGCMask with an explicit stack instead of recursion. */
GR_MUST_USE
static struct gr_error *build_mask(struct gr_rtypes *rt,
				   const struct gr_rtype *t, uint8_t *dst)
{
	if (!rt->comp.resolved) {
		/* A layout DWARF lacks is remembered; anything else (NOMEM)
		 * is passed up and the next mask tries again. */
		struct gr_error *err = resolve_composite(rt);
		bool absent = gr_error_catch(&err, GR_ERR_CONTENT);
		if (err)
			return err;
		rt->comp.resolved = true;
		rt->comp.ok = !absent;
	}
	if (!rt->comp.ok)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "type 0x%" PRIx64
				       ": on-demand mask never built and "
				       "DWARF lacks internal/abi.ArrayType/"
				       "StructType",
				       t->addr);
	struct builder b = {rt, dst, t->ptrbytes / 8, NULL, 0, 0};
	struct gr_error *err = NULL;
	if (t->kind == GR_GO_KIND_ARRAY || t->kind == GR_GO_KIND_STRUCT) {
		/* Expand @t itself: its own mask slot is known to be empty. */
		const struct rt_composite_layout *c = &rt->comp;
		if (t->kind == GR_GO_KIND_STRUCT) {
			err = expand_struct(&b, t, 0);
		} else {
			uint64_t elem, len;
			const struct gr_rtype *e;
			if (!(err = gr_mem_u64(rt->mem, t->addr + c->array_elem,
					       &elem)) &&
			    !(err = gr_mem_u64(rt->mem, t->addr + c->array_len,
					       &len)) &&
			    !(err = gr_rtype_get(rt, elem, &e)) && e->size &&
			    e->size % 8 == 0 && len && len <= t->size / e->size)
				err = push(&b, (struct build_item){
						       elem, 0, len,
						       e->size / 8});
		}
	} else {
		err = gr_error_create(GR_ERR_BAD_DATA,
				      "type 0x%" PRIx64
				      ": on-demand mask for kind %u",
				      t->addr, t->kind);
	}
	for (uint64_t steps = 0; !err && b.n; steps++) {
		if (steps == MAX_BUILD_STEPS)
			err = gr_error_create(GR_ERR_LIMIT,
					      "type 0x%" PRIx64
					      ": mask too costly to build",
					      t->addr);
		else
			err = build_step(&b);
	}
	free(b.stack);
	return err;
}

struct gr_error *gr_rtype_build_gcmask(struct gr_rtypes *rt,
				       const struct gr_rtype *t, uint8_t **ret,
				       uint64_t *nbits_ret)
{
	uint64_t nbits = t->ptrbytes / 8;
	uint8_t *m = calloc(nbits ? (nbits + 7) / 8 : 1, 1);
	if (!m)
		return gr_error_nomem();
	struct gr_error *err = nbits ? build_mask(rt, t, m) : NULL;
	if (err) {
		free(m);
		return err;
	}
	*ret = m;
	*nbits_ret = nbits;
	return NULL;
}

struct gr_error *gr_rtype_gcmask(struct gr_rtypes *rt,
				 const struct gr_rtype *t,
				 const uint8_t **ret, uint64_t *nbits_ret)
{
	struct rt_rec *r = (struct rt_rec *)t;
	uint64_t nbits = t->ptrbytes / 8;
	if (nbits == 0) {
		*ret = NULL;
		*nbits_ret = 0;
		return NULL;
	}
	if (r->mask) {
		*ret = r->mask;
		*nbits_ret = nbits;
		return NULL;
	}
	if (t->gc_prog)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "type 0x%" PRIx64
				       ": GCData is a GC program",
				       t->addr);
	uint8_t *m;
	struct gr_error *err = read_mask(rt, t, &m);
	if (err)
		return err;
	if (!m) {
		m = calloc((nbits + 7) / 8, 1);
		if (!m)
			return gr_error_nomem();
		if ((err = build_mask(rt, t, m))) {
			free(m);
			return err;
		}
	}
	r->mask = m;
	*ret = m;
	*nbits_ret = nbits;
	return NULL;
}
