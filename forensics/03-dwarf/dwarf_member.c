/* SPDX-License-Identifier: MIT */
/*
 * Members by dotted path and type sizes: the one place the runtime layout
 * resolvers of the later stages (heap, maps, rtype, stacks, roots) ask
 * DWARF where a member is and how big it is.
 */
#include "forensics/03-dwarf/dwarf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Longest path segment: runtime member names are short, a longer one is a
 * caller's mistake. */
enum { MAX_SEGMENT = 128 };

static const char *type_name(const struct gr_dwarf *d, uint32_t id)
{
	const struct gr_dwarf_type *t = gr_dwarf_type(d, id);
	return t && t->name[0] ? t->name : "(anonymous)";
}

bool gr_dwarf_type_size(const struct gr_dwarf *d, uint32_t id, uint64_t *ret)
{
	const struct gr_dwarf_type *t =
		gr_dwarf_type(d, gr_dwarf_type_strip(d, id));
	if (!t || !t->has_size)
		return false;
	*ret = t->size;
	return true;
}

struct gr_error *gr_dwarf_type_size_of(const struct gr_dwarf *d,
				       const char *type, uint64_t *ret)
{
	uint32_t id;
	struct gr_error *err = gr_dwarf_type_by_name(d, type, &id);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: %s is not described", type);
	if (err)
		return err;
	if (!gr_dwarf_type_size(d, id, ret))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: %s has no size", type);
	return NULL;
}

GR_MUST_USE
static struct gr_error *walk(const struct gr_dwarf *d, uint32_t id,
			     const char *tname, const char *path,
			     const uint64_t *sizes, struct gr_dwarf_member *ret)
{
	uint64_t off = 0;
	uint32_t type = id;
	for (const char *p = path;;) {
		size_t n = strcspn(p, ".");
		char name[MAX_SEGMENT];
		if (n >= sizeof(name))
			return gr_error_create(GR_ERR_LIMIT,
					       "DWARF: member path %s too long",
					       path);
		memcpy(name, p, n);
		name[n] = '\0';
		const struct gr_dwarf_field *f;
		struct gr_error *err = gr_dwarf_field(d, type, name, &f);
		if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
			return gr_error_create(GR_ERR_UNSUPPORTED,
					       "DWARF: %s.%s is not described",
					       tname, path);
		if (err)
			return err;
		off += f->offset;
		type = f->type;
		if (!p[n])
			break;
		p += n + 1;
	}
	uint64_t size;
	if (!gr_dwarf_type_size(d, type, &size))
		size = 0;
	bool ok = !sizes;
	for (const uint64_t *s = sizes; s && *s; s++)
		ok |= size == *s;
	if (!ok) {
		char want[64] = "";
		for (size_t i = 0, len = 0; sizes[i] && len < sizeof(want); i++)
			len += (size_t)snprintf(want + len, sizeof(want) - len,
						"%s%" PRIu64, i ? " or " : "",
						sizes[i]);
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: %s.%s is %" PRIu64
				       " bytes, expected %s",
				       tname, path, size, want);
	}
	*ret = (struct gr_dwarf_member){.off = off, .size = size, .type = type};
	return NULL;
}

struct gr_error *gr_dwarf_member(const struct gr_dwarf *d, uint32_t id,
				 const char *path, const uint64_t *sizes,
				 struct gr_dwarf_member *ret)
{
	return walk(d, id, type_name(d, id), path, sizes, ret);
}

struct gr_error *gr_dwarf_member_of(const struct gr_dwarf *d,
				    const char *type, const char *path,
				    const uint64_t *sizes,
				    struct gr_dwarf_member *ret)
{
	uint32_t id;
	struct gr_error *err = gr_dwarf_type_by_name(d, type, &id);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: %s.%s is not described (no type "
				       "%s)",
				       type, path, type);
	if (err)
		return err;
	return walk(d, id, type, path, sizes, ret);
}

struct gr_error *gr_dwarf_member_read(struct gr_mem *mem, uint64_t base,
				      const struct gr_dwarf_member *m,
				      uint64_t *ret)
{
	uint64_t at;
	if (__builtin_add_overflow(base, m->off, &at))
		return gr_error_fault(base, m->size,
				      "the member's offset wraps the address "
				      "space");
	struct gr_error *err;
	switch (m->size) {
	case 1: {
		uint8_t v;
		if ((err = gr_mem_u8(mem, at, &v)))
			return err;
		*ret = v;
		return NULL;
	}
	case 2: {
		uint16_t v;
		if ((err = gr_mem_u16(mem, at, &v)))
			return err;
		*ret = v;
		return NULL;
	}
	case 4: {
		uint32_t v;
		if ((err = gr_mem_u32(mem, at, &v)))
			return err;
		*ret = v;
		return NULL;
	}
	case 8:
		return gr_mem_u64(mem, at, ret);
	default:
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: the %" PRIu64 "-byte member at "
				       "+0x%" PRIx64 " is not an integer",
				       m->size, m->off);
	}
}

bool gr_dwarf_has_member(const struct gr_dwarf *d, const char *type,
			 const char *path)
{
	struct gr_dwarf_member m;
	/* A question about the executable's DWARF, not a read of the core:
	 * an absent member is the answer, not damage. */
	struct gr_error *err = gr_dwarf_member_of(d, type, path, NULL, &m);
	gr_error_destroy(err);
	return !err;
}
