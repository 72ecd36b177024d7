/* SPDX-License-Identifier: MIT */
/*
 * gr_paths: why an object is alive, as the shortest chains of references
 * from roots to it.
 *
 * A query runs one breadth-first search backwards from the targets over
 * the reversed live graph (built once per gr_paths, CSR), giving every
 * object its distance to the nearest target; each root's shortest path
 * then follows distances down.  Paths come from distinct roots, nearest
 * first.
 *
 * Some roots explain nothing a person can act on: sync.Pool victim caches
 * (gone at the next GC), weak roots, finalizers and objects kept alive by
 * their own finalizer.  Paths avoid them unless @via_all is set or no
 * other root reaches a target; such a path is flagged.
 */
#ifndef GR_PATHS_H
#define GR_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"

struct gr_path {
	uint32_t root;	/* root index */
	/* The path avoided roots only because none other reaches. */
	bool fallback;
	size_t len;	 /* objects on the path, the target last */
	uint32_t *objects;
	/* slots[i]: address of the pointer word (in the root for i = 0,
	 * else in objects[i-1]) that points into objects[i]; 0 if unknown. */
	uint64_t *slots;
};

/* What `goretain why` was asked about. */
enum gr_target_kind {
	GR_TARGET_OBJECT, /* an address inside a live object */
	GR_TARGET_ROOT,	  /* a root by name: what it points at */
	GR_TARGET_TYPE,	  /* every live object of a type (glob) */
};

struct gr_target {
	enum gr_target_kind kind;
	uint32_t root;	    /* GR_TARGET_ROOT: the first root so named */
	uint32_t nroots;    /* roots with that name */
	uint32_t *objects;  /* live object ids, ascending */
	size_t nobjects;
};

/*
 * Resolve @text: "0xc000123450" (interior addresses resolve to their
 * object), a root's name ("main.sessions"), or a type name as reported
 * ("main.Session", "map[string]*main.Session"; "*T" also finds objects
 * of type T; arrays match as "[]T"), first literally, then as a glob
 * (fnmatch) when nothing matched literally.  NOT_FOUND with a message
 * saying what was tried; NOMEM.  Free with gr_target_free.
 */
GR_MUST_USE
struct gr_error *gr_target_resolve(const struct gr_analysis *a,
				   const char *text, struct gr_target *ret);
void gr_target_free(struct gr_target *t);

struct gr_paths;

/* Reverse the live graph of @a (borrowed).  NOMEM. */
GR_MUST_USE
struct gr_error *gr_paths_create(const struct gr_analysis *a,
				 struct gr_paths **ret);
void gr_paths_destroy(struct gr_paths *p);

/* Whether gr_paths_find avoids root @r unless asked (see above). */
bool gr_paths_root_avoided(const struct gr_root *r);

/*
 * Up to @max shortest paths from distinct roots to any of @targets (live
 * object ids; others are ignored), nearest first, ties by root index.
 * *ret (free with gr_paths_free) may be empty when nothing reaches them.
 * NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_paths_find(struct gr_paths *p, const uint32_t *targets,
			       size_t ntargets, size_t max, bool via_all,
			       struct gr_path **ret, size_t *count);
void gr_paths_free(struct gr_path *paths, size_t count);

#endif /* GR_PATHS_H */
