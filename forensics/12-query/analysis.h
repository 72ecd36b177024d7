/* SPDX-License-Identifier: MIT */
/*
 * gr_analysis: the whole pipeline over one session, in order:
 *   heap walk -> roots (globals, goroutine stacks, specials, runtime roots)
 *   -> object graph -> mark -> types -> dominator tree.
 * Each stage's result stays available to the report writers.  Roots are
 * appended in a fixed order (globals, stacks, specials, runtime), which is
 * also the order in which gr_mark attributes ownership.
 */
#ifndef GR_ANALYSIS_H
#define GR_ANALYSIS_H

#include "forensics/01-base/error.h"
#include "forensics/01-base/progress.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"
#include "forensics/08-stacks/goroutines.h"
#include "forensics/09-roots/globals.h"
#include "forensics/09-roots/roots.h"
#include "forensics/09-roots/rtroots.h"
#include "forensics/09-roots/specials.h"
#include "forensics/09-roots/stackroots.h"
#include "forensics/10-graph/dominators.h"
#include "forensics/10-graph/graph.h"
#include "forensics/10-graph/mark.h"

struct gr_types;

struct gr_analysis {
	struct gr_session *session; /* borrowed */
	struct gr_heap *heap;
	struct gr_goroutines *goroutines;
	struct gr_roots *roots;
	struct gr_globals *globals;
	struct gr_stackroots_stats stack_stats;
	struct gr_specials *specials;
	struct gr_rtroots *rtroots;
	struct gr_graph *graph;
	struct gr_mark *mark;
	struct gr_dom *dom;
	struct gr_types *types;
	double seconds;
};

/* How far an analysis goes: a command pays only for what it prints. */
enum gr_analysis_depth {
	/* Heap, roots, goroutines, graph and ownership marking: live and
	 * garbage, owners and totals (goretain heap).  No per-root
	 * reachable sizes (unknown), types or dominators (NULL). */
	GR_ANALYSIS_LIVE,
	/* Everything. */
	GR_ANALYSIS_FULL,
};

/* Run everything on @s; @progress may be NULL. */
GR_MUST_USE
struct gr_error *gr_analysis_run(struct gr_session *s,
				 struct gr_progress *progress,
				 struct gr_analysis **ret);
/* Run on @s as far as @depth. */
GR_MUST_USE
struct gr_error *gr_analysis_run_to(struct gr_session *s,
				    struct gr_progress *progress,
				    enum gr_analysis_depth depth,
				    struct gr_analysis **ret);
void gr_analysis_destroy(struct gr_analysis *a);

/* The stages that record what they could not read (damage.h), as the
 * report's trust section counts them. */
enum gr_analysis_stage {
	GR_ANALYSIS_HEAP,
	GR_ANALYSIS_ROOTS, /* globals, specials, runtime roots */
	GR_ANALYSIS_GOROUTINES,
	GR_ANALYSIS_TYPES, /* 0 when the analysis stopped before typing */
	GR_ANALYSIS_STAGE_COUNT,
};

/* "heap", "roots", "goroutines", "types"; NULL past the last. */
const char *gr_analysis_stage_name(enum gr_analysis_stage st);
/* How many things @st could not read (gr_damage_total of its lists). */
uint64_t gr_analysis_damage(const struct gr_analysis *a,
			    enum gr_analysis_stage st);

#endif /* GR_ANALYSIS_H */
