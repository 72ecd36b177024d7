/* SPDX-License-Identifier: MIT */
#include "forensics/dwarf/dwarf_internal.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

/* --- arena --- */

struct gr_dwarf_arena_chunk {
	struct gr_dwarf_arena_chunk *next;
	max_align_t data[];
};

/* Big enough that a large binary's names take a few hundred chunks. */
enum { ARENA_CHUNK = 256 * 1024 };

void *gr_dwarf_arena_alloc(struct gr_dwarf_arena *a, size_t size)
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

char *gr_dwarf_arena_strdup(struct gr_dwarf_arena *a, const char *s,
			    size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = gr_dwarf_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void gr_dwarf_arena_deinit(struct gr_dwarf_arena *a)
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

struct gr_dwarf_name_slot {
	const char *name; /* NULL: empty */
	uint32_t hash;	  /* low bits of the hash, to skip most strcmps */
	uint32_t idx;
};

struct gr_error *gr_dwarf_names_init(struct gr_dwarf_names *t, size_t n)
{
	/* Load factor at most one half keeps probe chains short. */
	size_t cap = 16;
	while (cap / 2 < n) {
		if (cap > SIZE_MAX / 2 / sizeof(*t->slots))
			return gr_error_nomem();
		cap *= 2;
	}
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return gr_error_nomem();
	t->mask = cap - 1;
	return NULL;
}

void gr_dwarf_names_add(struct gr_dwarf_names *t, const char *name,
			uint32_t idx)
{
	uint64_t h = XXH3_64bits(name, strlen(name));
	for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
		struct gr_dwarf_name_slot *s = &t->slots[i];
		if (!s->name) {
			s->name = name;
			s->hash = (uint32_t)h;
			s->idx = idx;
			return;
		}
		if (s->hash == (uint32_t)h && strcmp(s->name, name) == 0)
			return;
	}
}

uint32_t gr_dwarf_names_find(const struct gr_dwarf_names *t, const char *name)
{
	if (!t->slots)
		return GR_DWARF_NO_TYPE;
	uint64_t h = XXH3_64bits(name, strlen(name));
	for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
		const struct gr_dwarf_name_slot *s = &t->slots[i];
		if (!s->name)
			return GR_DWARF_NO_TYPE;
		if (s->hash == (uint32_t)h && strcmp(s->name, name) == 0)
			return s->idx;
	}
}

void gr_dwarf_names_deinit(struct gr_dwarf_names *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = 0;
}

/* --- interned strings --- */

struct gr_dwarf_intern_slot {
	const char *s; /* NULL: empty */
	uint64_t hash;
};

static struct gr_error *intern_grow(struct gr_dwarf_intern *t)
{
	size_t cap = t->mask ? 2 * (t->mask + 1) : 1024;
	struct gr_dwarf_intern_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return gr_error_nomem();
	for (size_t i = 0; t->slots && i <= t->mask; i++) {
		if (!t->slots[i].s)
			continue;
		size_t j = (size_t)t->slots[i].hash & (cap - 1);
		while (slots[j].s)
			j = (j + 1) & (cap - 1);
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->mask = cap - 1;
	return NULL;
}

struct gr_error *gr_dwarf_intern(struct gr_dwarf_intern *t,
				 struct gr_dwarf_arena *a, const char *s,
				 const char **ret)
{
	if (2 * (t->count + 1) > (t->slots ? t->mask + 1 : 0)) {
		struct gr_error *err = intern_grow(t);
		if (err)
			return err;
	}
	size_t len = strlen(s);
	uint64_t h = XXH3_64bits(s, len);
	size_t i = (size_t)h & t->mask;
	for (; t->slots[i].s; i = (i + 1) & t->mask) {
		if (t->slots[i].hash == h && strcmp(t->slots[i].s, s) == 0) {
			*ret = t->slots[i].s;
			return NULL;
		}
	}
	char *copy = gr_dwarf_arena_strdup(a, s, len);
	if (!copy)
		return gr_error_nomem();
	t->slots[i] = (struct gr_dwarf_intern_slot){copy, h};
	t->count++;
	*ret = copy;
	return NULL;
}

void gr_dwarf_intern_deinit(struct gr_dwarf_intern *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = t->count = 0;
}
