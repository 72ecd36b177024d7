/* SPDX-License-Identifier: MIT */
/*
 * The runtime structures gr_goroutines reads, resolved from DWARF: g, m,
 * gobuf, stack, sudog, _defer and the globals listing them.  Shapes, not
 * versions: a member that moved or appeared (g.parentGoid in 1.21,
 * g.syscallbp in 1.23, g.runningCleanups in 1.25, gobuf.ret gone in 1.26)
 * is found where DWARF says, and optional ones may be absent.
 */
#include <inttypes.h>
#include <string.h>

#include "forensics/stacks/goroutines_internal.h"

/* Offset of the member at dotted @path ("sched.sp") of the type named
 * @type. */
GR_MUST_USE
static struct gr_error *member(const struct gr_dwarf *d, const char *type,
			       const char *path, uint64_t *ret)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member_of(d, type, path, NULL, &m);
	if (!err)
		*ret = m.off;
	return err;
}

static void optional(const struct gr_dwarf *d, const char *type,
		     const char *field, uint64_t *ret)
{
	struct gr_error *err = member(d, type, field, ret);
	if (err) {
		*ret = GR_G_ABSENT;
		gr_error_destroy(err);
	}
}

/* Runtime address of global @name (and its array length), 0 if absent. */
static void global(const struct gr_dwarf *d, uint64_t bias, const char *name,
		   uint64_t *addr, uint64_t *count)
{
	const struct gr_dwarf_global *g;
	struct gr_error *err = gr_dwarf_global(d, name, &g);
	*addr = 0;
	if (count)
		*count = 0;
	if (err) {
		gr_error_destroy(err);
		return;
	}
	*addr = g->addr + bias;
	if (count) {
		const struct gr_dwarf_type *t =
			gr_dwarf_type(d, gr_dwarf_type_strip(d, g->type));
		if (t && t->kind == GR_DWARF_TYPE_ARRAY && t->has_count)
			*count = t->count;
	}
}

/* Address of @name.@field, 0 if either is absent. */
static void global_member(const struct gr_dwarf *d, uint64_t bias,
			  const char *name, const char *type,
			  const char *field, uint64_t *ret)
{
	uint64_t base, off;
	global(d, bias, name, &base, NULL);
	*ret = 0;
	if (!base)
		return;
	struct gr_error *err = member(d, type, field, &off);
	if (err) {
		gr_error_destroy(err);
		return;
	}
	*ret = base + off;
}

GR_MUST_USE
static struct gr_error *g_members(const struct gr_dwarf *d,
				  struct gr_g_layout *l)
{
	struct gr_error *err;
	uint32_t gt;
	if ((err = gr_dwarf_type_by_name(d, "runtime.g", &gt)))
		return err;
	if (!gr_dwarf_type_size(d, gt, &l->g_size) || l->g_size == 0 ||
	    l->g_size > 65536)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: runtime.g has no usable size");

	struct {
		const char *field;
		uint64_t *ret;
	} simple[] = {
		{"_panic", &l->panic},	       {"_defer", &l->defer},
		{"m", &l->m},		       {"syscallsp", &l->syscallsp},
		{"syscallpc", &l->syscallpc},  {"stktopsp", &l->stktopsp},
		{"atomicstatus", &l->atomicstatus},
		{"goid", &l->goid},	       {"waitsince", &l->waitsince},
		{"waitreason", &l->waitreason}, {"gopc", &l->gopc},
		{"startpc", &l->startpc},      {"labels", &l->labels},
		{"waiting", &l->waiting},
		{"asyncSafePoint", &l->async_safe_point},
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if ((err = member(d, "runtime.g", simple[i].field,
				  simple[i].ret)))
			return err;
	if ((err = member(d, "runtime.g", "stack.lo", &l->stack_lo)) ||
	    (err = member(d, "runtime.g", "stack.hi", &l->stack_hi)) ||
	    (err = member(d, "runtime.g", "sched.sp", &l->sched_sp)) ||
	    (err = member(d, "runtime.g", "sched.pc", &l->sched_pc)) ||
	    (err = member(d, "runtime.g", "sched.ctxt", &l->sched_ctxt)) ||
	    (err = member(d, "runtime.g", "sched.bp", &l->sched_bp)))
		return err;
	optional(d, "runtime.g", "parentGoid", &l->parent_goid);
	optional(d, "runtime.g", "runningCleanups", &l->running_cleanups);
	return NULL;
}

GR_MUST_USE
static struct gr_error *other_members(const struct gr_dwarf *d,
				      struct gr_g_layout *l)
{
	struct gr_error *err;
	if ((err = member(d, "runtime.m", "procid", &l->m_procid)) ||
	    (err = member(d, "runtime.m", "curg", &l->m_curg)) ||
	    (err = member(d, "runtime.m", "g0", &l->m_g0)) ||
	    (err = member(d, "runtime.m", "gsignal", &l->m_gsignal)) ||
	    (err = member(d, "runtime.m", "alllink", &l->m_alllink)) ||
	    (err = member(d, "runtime.sudog", "elem", &l->sudog_elem)) ||
	    (err = member(d, "runtime.sudog", "c", &l->sudog_c)) ||
	    (err = member(d, "runtime._defer", "fn", &l->defer_fn)) ||
	    (err = member(d, "runtime._defer", "link", &l->defer_link)) ||
	    (err = member(d, "runtime._defer", "heap", &l->defer_heap)))
		return err;
	optional(d, "runtime.sudog", "waitlink", &l->sudog_waitlink);
	return NULL;
}

static void globals(const struct gr_dwarf *d, uint64_t bias,
		    struct gr_g_layout *l)
{
	global(d, bias, "runtime.allgs", &l->allgs, NULL);
	global(d, bias, "runtime.allglen", &l->allglen, NULL);
	global(d, bias, "runtime.allgptr", &l->allgptr, NULL);
	global(d, bias, "runtime.allm", &l->allm, NULL);
	global(d, bias, "runtime.waitReasonStrings", &l->wait_reasons,
	       &l->wait_reasons_n);
	global(d, bias, "runtime.gStatusStrings", &l->status_strings,
	       &l->status_strings_n);
	/* runtime/mfinal.go: fingRunning bool (1.19-1.20), fingStatus with
	 * the fingRunningFinalizer bit (1.21+). */
	global(d, bias, "runtime.fingStatus", &l->fing_status, NULL);
	global(d, bias, "runtime.fingRunning", &l->fing_running, NULL);
	l->fing_running_bit = 2; /* 1 << 1: mfinal.go const block, 1.21-1.27 */
	int64_t v;
	struct gr_error *err =
		gr_dwarf_constant(d, "runtime.fingRunningFinalizer", &v);
	if (!err)
		l->fing_running_bit = v;
	gr_error_destroy(err);
	global_member(d, bias, "runtime.sched", "runtime.schedt", "lastpoll",
		      &l->sched_lastpoll);
	global_member(d, bias, "runtime.memstats", "runtime.mstats",
		      "last_gc_nanotime", &l->memstats_last_gc);
	global_member(d, bias, "runtime.work", "runtime.workType", "tstart",
		      &l->work_tstart);
}

/* Every member read from a copy of the g must lie inside it. */
GR_MUST_USE
static struct gr_error *check_g(const struct gr_g_layout *l)
{
	const struct {
		const char *name;
		uint64_t off, size;
	} m[] = {
		{"stack.lo", l->stack_lo, 8},	{"stack.hi", l->stack_hi, 8},
		{"_panic", l->panic, 8},	{"_defer", l->defer, 8},
		{"m", l->m, 8},			{"sched.sp", l->sched_sp, 8},
		{"sched.pc", l->sched_pc, 8},	{"sched.ctxt", l->sched_ctxt, 8},
		{"sched.bp", l->sched_bp, 8},	{"syscallsp", l->syscallsp, 8},
		{"syscallpc", l->syscallpc, 8}, {"stktopsp", l->stktopsp, 8},
		{"atomicstatus", l->atomicstatus, 4},
		{"goid", l->goid, 8},		{"waitsince", l->waitsince, 8},
		{"waitreason", l->waitreason, 1},
		{"gopc", l->gopc, 8},		{"startpc", l->startpc, 8},
		{"labels", l->labels, 8},	{"waiting", l->waiting, 8},
		{"asyncSafePoint", l->async_safe_point, 1},
		{"parentGoid", l->parent_goid, 8},
		{"runningCleanups", l->running_cleanups, 1},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (m[i].off == GR_G_ABSENT)
			continue;
		if (m[i].off > l->g_size || l->g_size - m[i].off < m[i].size)
			return gr_error_create(GR_ERR_BAD_DATA,
					       "DWARF: runtime.g.%s at %" PRIu64
					       " lies outside the %" PRIu64
					       "-byte g",
					       m[i].name, m[i].off, l->g_size);
	}
	return NULL;
}

struct gr_error *goroutines_layout_resolve(const struct gr_dwarf *d, uint64_t bias,
				     struct gr_g_layout *l)
{
	memset(l, 0, sizeof(*l));
	if (!gr_dwarf_present(d))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "goroutines: the executable has no DWARF");
	struct gr_error *err = g_members(d, l);
	if (!err)
		err = other_members(d, l);
	if (!err)
		err = check_g(l);
	if (err)
		return gr_error_prefix(err, "goroutines");
	globals(d, bias, l);
	if (!l->allgs && !(l->allgptr && l->allglen))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "goroutines: DWARF has neither "
				       "runtime.allgs nor runtime.allgptr");
	goroutines_labels_layout(d, l);
	return NULL;
}
