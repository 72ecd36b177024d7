/* SPDX-License-Identifier: MIT */
/*
 * gr_suspects: leak suspects, as Eclipse MAT's leak-suspects report finds
 * them, over the dominator tree.
 *
 * A candidate is anything that alone keeps a large share of the live heap
 * alive: a root, an object no single root retains (a top of a shared
 * subgraph), or the goroutines of one creation site together.  A candidate
 * retaining at least min_share of the live heap is a suspect.  From it the
 * search descends the dominator tree while one child retains at least
 * accumulation_share of its parent: where that stops, the memory fans out
 * into many objects (the "accumulation point": a map's storage, a slice's
 * backing array).  Under the accumulation point the type whose topmost
 * instances retain the most is named, with its count: "4000 main.Session
 * retaining 4.2 MiB".
 */
#ifndef GR_SUSPECTS_H
#define GR_SUSPECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"

struct gr_suspect_options {
	double min_share;	   /* default 0.10 */
	double accumulation_share; /* default 0.80 */
	size_t max;		   /* default 10 */
	/* The analysis grouped by goroutine creation site, when the caller
	 * has it (a report): borrowed, saves building it again.  NULL:
	 * built and freed inside gr_suspects_find. */
	const struct gr_retention *sites;
};
#define GR_SUSPECT_DEFAULTS {0.10, 0.80, 10, NULL}

enum gr_suspect_kind {
	GR_SUSPECT_ROOT,   /* .root */
	GR_SUSPECT_SHARED, /* .object: retained by no single root */
	GR_SUSPECT_SITE,   /* .site: goroutines created at one go statement */
};

struct gr_suspect {
	enum gr_suspect_kind kind;
	uint32_t root;	 /* ROOT */
	uint32_t object; /* SHARED */
	char *site;	 /* SITE: "pkg.F (file:line)" */
	uint64_t retained_bytes, retained_objects;
	double share;	 /* of the live heap */
	/* Where the memory fans out, GR_HEAP_NO_OBJECT if nowhere below
	 * the candidate (or for sites). */
	uint32_t accumulation;
	uint64_t accumulation_bytes, accumulation_objects;
	/* The type accumulating under it, "" if none. */
	char *member_type;
	uint64_t members;	  /* its topmost instances */
	uint64_t member_bytes;	  /* what they retain together */
};

GR_MUST_USE
struct gr_error *gr_suspects_find(const struct gr_analysis *a,
				  const struct gr_suspect_options *o,
				  struct gr_suspect **ret, size_t *count);
void gr_suspects_free(struct gr_suspect *s, size_t count);

#endif /* GR_SUSPECTS_H */
