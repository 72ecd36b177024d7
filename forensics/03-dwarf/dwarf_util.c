/* SPDX-License-Identifier: MIT */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"

/* --- arena --- */

struct gr_dwarf_arena_chunk {
	struct gr_dwarf_arena_chunk *next;
	max_align_t data[];
};

/* Big enough that a large binary's names take a few hundred chunks. */
enum { ARENA_CHUNK = 256 * 1024 };

void *dwarfi_arena_alloc(struct gr_dwarf_arena *a, size_t size)
{
	size = (size + 7) & ~(size_t)7;
	if (!a->head || a->cap - a->used < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		struct gr_dwarf_arena_chunk *c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->cap = cap;
	}
	void *p = (char *)a->head->data + a->used;
	a->used += size;
	return p;
}

char *dwarfi_arena_strdup(struct gr_dwarf_arena *a, const char *s,
			    size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = dwarfi_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void dwarfi_arena_deinit(struct gr_dwarf_arena *a)
{
	struct gr_dwarf_arena_chunk *c = a->head;
	while (c) {
		struct gr_dwarf_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = a->cap = 0;
}

/* --- name table --- */

struct gr_error *dwarfi_names_init(struct gr_dwarf_names *t, size_t n)
{
	struct gr_error *err = gr_hash_reserve(&t->index, n);
	if (!err)
		err = gr_array_grow(&t->names, &t->cap, 0, n);
	if (!err)
		err = gr_array_grow(&t->idx, &t->idx_cap, 0, n);
	return err;
}

/* The entry of @name, UINT32_MAX if none. */
static uint32_t names_entry(const struct gr_dwarf_names *t, const char *name,
			    uint64_t h)
{
	struct gr_hash_probe p;
	uint32_t k;
	for (gr_hash_probe_init(&t->index, h, &p);
	     gr_hash_probe_next(&t->index, &p, &k);)
		if (strcmp(t->names[k], name) == 0)
			return k;
	return UINT32_MAX;
}

void dwarfi_names_add(struct gr_dwarf_names *t, const char *name,
			uint32_t idx)
{
	uint64_t h = gr_hash_str(name);
	/* Sized by dwarfi_names_init: inserting cannot fail below it. */
	if (t->n == t->cap || names_entry(t, name, h) != UINT32_MAX)
		return;
	struct gr_error *err = gr_hash_insert(&t->index, h, (uint32_t)t->n);
	if (err) {
		gr_error_destroy(err);
		return;
	}
	t->names[t->n] = name;
	t->idx[t->n++] = idx;
}

uint32_t dwarfi_names_find(const struct gr_dwarf_names *t, const char *name)
{
	if (!t->n)
		return GR_DWARF_NO_TYPE;
	uint32_t k = names_entry(t, name, gr_hash_str(name));
	return k == UINT32_MAX ? GR_DWARF_NO_TYPE : t->idx[k];
}

void dwarfi_names_deinit(struct gr_dwarf_names *t)
{
	gr_hash_deinit(&t->index);
	free(t->names);
	free(t->idx);
	*t = (struct gr_dwarf_names){0};
}

/* --- interned strings --- */

struct gr_error *dwarfi_intern(struct dwarfi_intern *t,
				 struct gr_dwarf_arena *a, const char *s,
				 const char **ret)
{
	size_t len = strlen(s);
	uint64_t h = gr_hash_bytes(s, len);
	struct gr_hash_probe p;
	uint32_t k;
	for (gr_hash_probe_init(&t->index, h, &p);
	     gr_hash_probe_next(&t->index, &p, &k);) {
		if (strcmp(t->strs[k], s) == 0) {
			*ret = t->strs[k];
			return NULL;
		}
	}
	struct gr_error *err = gr_array_grow(&t->strs, &t->cap, t->count, 1);
	if (err)
		return err;
	char *copy = dwarfi_arena_strdup(a, s, len);
	if (!copy)
		return gr_error_nomem();
	if ((err = gr_hash_insert(&t->index, h, (uint32_t)t->count)))
		return err;
	t->strs[t->count++] = copy;
	*ret = copy;
	return NULL;
}

void dwarfi_intern_deinit(struct dwarfi_intern *t)
{
	gr_hash_deinit(&t->index);
	free(t->strs);
	*t = (struct dwarfi_intern){0};
}
