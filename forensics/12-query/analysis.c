/* SPDX-License-Identifier: MIT */
#include "forensics/12-query/analysis.h"

#include <pthread.h>
#include <stdlib.h>

#include "forensics/02-input/exe.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/11-types/types.h"

static void graph_progress(void *arg, uint64_t done, uint64_t total)
{
	(void)total;
	gr_progress_update(arg, done);
}

GR_MUST_USE
static struct gr_error *add_roots(struct gr_analysis *a,
				  struct gr_progress *p)
{
	struct gr_error *err;
	gr_progress_phase(p, "finding roots", 0);
	/*
	 * The order decides ownership (gr_mark credits each object to the
	 * first root that reaches it).  Runtime roots come first: a pool's
	 * contents or a queued finalizer's argument are also reachable from
	 * globals through the runtime's own structures, but the pool or the
	 * queue is what holds them.  Finalizer and cleanup specials come last,
	 * so an object kept by a global and also finalized is the global's,
	 * and only what nothing else reaches is credited to a finalizer.
	 */
	if ((err = gr_roots_create(&a->roots)) ||
	    (err = gr_rtroots_add(a->session, a->roots, &a->rtroots)) ||
	    (err = gr_globals_add_roots(a->session, a->roots, &a->globals)) ||
	    (err = gr_goroutines_load(a->session, &a->goroutines)) ||
	    (err = gr_stackroots_add(a->session, a->goroutines, a->heap,
				     a->roots, &a->stack_stats)) ||
	    (err = gr_specials_load(a->session, a->heap, &a->specials)) ||
	    (err = gr_specials_add_roots(a->specials, a->heap, a->roots)))
		return err;
	gr_progress_update(p, gr_roots_count(a->roots));
	gr_progress_done(p);
	return NULL;
}

/* gr_dom_build on a thread of its own. */
struct dom_job {
	struct gr_analysis *a;
	struct gr_error *err;
};

static void *dom_thread(void *arg)
{
	struct dom_job *j = arg;
	j->err = gr_dom_build(j->a->heap, j->a->graph, j->a->mark, &j->a->dom);
	return NULL;
}

/*
 * Typing and the dominator tree read the same finished graph and marks
 * and nothing of each other (dominators only the graph's arrays, through
 * a const heap), so with a second thread they run side by side: the two
 * longest serial phases, overlapped.  Their results are the same either
 * way; only the timing lines differ (one phase instead of two).
 */
GR_MUST_USE
static struct gr_error *types_and_dominators(struct gr_analysis *a,
					     struct gr_progress *p,
					     unsigned threads)
{
	struct gr_error *err;
	pthread_t tid;
	struct dom_job job = {.a = a};
	if (threads > 1 &&
	    pthread_create(&tid, NULL, dom_thread, &job) == 0) {
		gr_progress_phase(p, "typing objects and dominators", 0);
		err = gr_types_build(a->session, a->heap, a->graph, a->roots,
				     a->mark, &a->types);
		pthread_join(tid, NULL);
		gr_progress_done(p);
		if (err) {
			gr_error_destroy(job.err);
			return err;
		}
		return job.err;
	}
	gr_progress_phase(p, "typing objects", 0);
	if ((err = gr_types_build(a->session, a->heap, a->graph, a->roots,
				  a->mark, &a->types)))
		return err;
	gr_progress_done(p);
	gr_progress_phase(p, "dominators", 0);
	if ((err = gr_dom_build(a->heap, a->graph, a->mark, &a->dom)))
		return err;
	gr_progress_done(p);
	return NULL;
}

struct gr_error *gr_analysis_run(struct gr_session *s,
				 struct gr_progress *p,
				 struct gr_analysis **ret)
{
	return gr_analysis_run_to(s, p, GR_ANALYSIS_FULL, ret);
}

struct gr_error *gr_analysis_run_to(struct gr_session *s,
				    struct gr_progress *p,
				    enum gr_analysis_depth depth,
				    struct gr_analysis **ret)
{
	struct gr_analysis *a = calloc(1, sizeof(*a));
	if (!a)
		return gr_error_nomem();
	double t0 = gr_now();
	a->session = s;
	struct gr_error *err;
	gr_progress_phase(p, "walking the heap", 0);
	/* Without DWARF and without a layout pack nothing of the runtime can
	 * be found: say which, not the first global that is missing. */
	const struct gr_dwarf *d = gr_session_dwarf(s);
	if (!gr_dwarf_present(d) && !gr_dwarf_pack_version(d)) {
		err = gr_error_create(
			GR_ERR_UNSUPPORTED,
			"%s: no DWARF, and goretain has no layout pack for %s "
			"linux/%s (stripped executables are read for "
			"linux/amd64 Go 1.19 and 1.21 to 1.27)",
			gr_exe_path(gr_session_exe(s)), gr_session_go_version(s),
			gr_arch_name(gr_exe_arch(gr_session_exe(s))));
		goto fail;
	}
	if ((err = gr_heap_load(s, &a->heap)))
		goto fail;
	gr_progress_update(p, gr_heap_object_count(a->heap));
	gr_progress_done(p);
	if ((err = add_roots(a, p)))
		goto fail;
	gr_progress_phase(p, "scanning objects", gr_heap_object_count(a->heap));
	/* Recording the pages read (goretain slim) is not thread-safe. */
	unsigned threads = gr_mem_recording(gr_session_mem(s))
				   ? 1
				   : gr_session_threads(s);
	if ((err = gr_graph_build(a->heap, a->roots, threads, graph_progress, p,
				  &a->graph)))
		goto fail;
	gr_progress_done(p);
	const struct gr_graph_stats *gs = gr_graph_stats(a->graph);
	gr_progress_count(p, "objects", gr_heap_object_count(a->heap));
	gr_progress_count(p, "roots", gr_roots_count(a->roots));
	gr_progress_count(p, "pointer_words", gs->pointer_words);
	gr_progress_count(p, "edges", gs->edges + gs->root_edges);
	gr_progress_phase(p, "marking", gr_roots_count(a->roots));
	if ((err = gr_mark_run(a->heap, a->graph, a->roots, 0,
			       depth >= GR_ANALYSIS_FULL, &a->mark)))
		goto fail;
	gr_progress_done(p);
	if (depth < GR_ANALYSIS_FULL)
		goto done;
	if ((err = types_and_dominators(a, p, threads)))
		goto fail;
done:
	a->seconds = gr_now() - t0;
	*ret = a;
	return NULL;
fail:
	gr_analysis_destroy(a);
	return err;
}

void gr_analysis_destroy(struct gr_analysis *a)
{
	if (!a)
		return;
	gr_types_destroy(a->types);
	gr_dom_destroy(a->dom);
	gr_mark_destroy(a->mark);
	gr_graph_destroy(a->graph);
	gr_rtroots_destroy(a->rtroots);
	gr_specials_destroy(a->specials);
	gr_globals_destroy(a->globals);
	gr_goroutines_destroy(a->goroutines);
	gr_roots_destroy(a->roots);
	gr_heap_destroy(a->heap);
	free(a);
}

const char *gr_analysis_stage_name(enum gr_analysis_stage st)
{
	static const char *const names[GR_ANALYSIS_STAGE_COUNT] = {
		[GR_ANALYSIS_HEAP] = "heap",
		[GR_ANALYSIS_ROOTS] = "roots",
		[GR_ANALYSIS_GOROUTINES] = "goroutines",
		[GR_ANALYSIS_TYPES] = "types",
	};
	return (unsigned)st < GR_ANALYSIS_STAGE_COUNT ? names[st] : NULL;
}

uint64_t gr_analysis_damage(const struct gr_analysis *a,
			    enum gr_analysis_stage st)
{
	switch (st) {
	case GR_ANALYSIS_HEAP:
		return gr_damage_total(gr_heap_damage_list(a->heap));
	case GR_ANALYSIS_ROOTS:
		return gr_damage_total(gr_globals_damage_list(a->globals)) +
		       gr_damage_total(gr_specials_damage_list(a->specials)) +
		       gr_damage_total(gr_rtroots_damage_list(a->rtroots)) +
		       a->stack_stats.unreadable_words;
	case GR_ANALYSIS_GOROUTINES:
		return gr_damage_total(
			gr_goroutines_damage_list(a->goroutines));
	case GR_ANALYSIS_TYPES:
		return a->types
			       ? gr_damage_total(gr_types_damage_list(a->types))
			       : 0;
	default:
		return 0;
	}
}
