/* SPDX-License-Identifier: MIT */
#include "forensics/09-roots/roots.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"

struct gr_roots {
	struct gr_root *roots;
	size_t n, cap;
	struct gr_root_slot *slots;
	uint64_t nslots;
	size_t slots_cap;
};

const char *gr_root_kind_name(enum gr_root_kind kind)
{
	static const char *const names[] = {
#define GR_X(e, json, desc) json,
		GR_ROOT_KINDS(GR_X)
#undef GR_X
	};
	return (unsigned)kind < GR_ROOT_KIND_COUNT ? names[kind] : "unknown";
}

const char *gr_root_kind_describe(enum gr_root_kind kind)
{
	static const char *const descs[] = {
#define GR_X(e, json, desc) desc,
		GR_ROOT_KINDS(GR_X)
#undef GR_X
	};
	return (unsigned)kind < GR_ROOT_KIND_COUNT ? descs[kind] : "unknown";
}

struct gr_error *gr_roots_create(struct gr_roots **ret)
{
	struct gr_roots *r = calloc(1, sizeof(*r));
	if (!r)
		return gr_error_nomem();
	*ret = r;
	return NULL;
}

void gr_roots_destroy(struct gr_roots *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free((char *)r->roots[i].name);
	free(r->roots);
	free(r->slots);
	free(r);
}

struct gr_error *gr_roots_add(struct gr_roots *r, enum gr_root_kind kind,
			      const char *name, uint64_t addr, uint64_t size,
			      uint32_t dwarf_type, uint32_t goroutine,
			      bool weak, uint32_t *ret)
{
	struct gr_error *err = gr_array_grow(&r->roots, &r->cap, r->n, 1);
	if (err)
		return err;
	char *copy = strdup(name ? name : "");
	if (!copy)
		return gr_error_nomem();
	r->roots[r->n] = (struct gr_root){
		.kind = kind,
		.name = copy,
		.addr = addr,
		.size = size,
		.dwarf_type = dwarf_type,
		.goroutine = goroutine,
		.weak = weak,
		.first_slot_ = r->nslots,
	};
	if (ret)
		*ret = (uint32_t)r->n;
	r->n++;
	return NULL;
}

void gr_roots_set_frame(struct gr_roots *r, size_t i, uint64_t sp,
			uint64_t entry)
{
	if (i < r->n) {
		r->roots[i].frame_sp = sp;
		r->roots[i].frame_entry = entry;
	}
}

struct gr_error *gr_roots_rename(struct gr_roots *r, size_t i,
				 const char *name)
{
	char *copy = strdup(name);
	if (!copy)
		return gr_error_nomem();
	free((char *)r->roots[i].name);
	r->roots[i].name = copy;
	return NULL;
}

struct gr_error *gr_roots_add_slot(struct gr_roots *r, uint64_t slot,
				   uint64_t value)
{
	if (!r->n)
		return gr_error_create(GR_ERR_BAD_DATA, "root slot with no root");
	struct gr_error *err =
		gr_array_grow(&r->slots, &r->slots_cap, r->nslots, 1);
	if (err)
		return err;
	r->slots[r->nslots++] = (struct gr_root_slot){slot, value};
	r->roots[r->n - 1].nslots_++;
	return NULL;
}

size_t gr_roots_count(const struct gr_roots *r)
{
	return r->n;
}

const struct gr_root *gr_roots_get(const struct gr_roots *r, size_t i)
{
	return i < r->n ? &r->roots[i] : NULL;
}

size_t gr_roots_slot_count(const struct gr_roots *r, size_t i)
{
	return i < r->n ? r->roots[i].nslots_ : 0;
}

const struct gr_root_slot *gr_roots_slots(const struct gr_roots *r, size_t i)
{
	return i < r->n ? r->slots + r->roots[i].first_slot_ : NULL;
}
