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

#include "forensics/08-stacks/goroutines_internal.h"

/* Offset of the member at dotted @path ("sched.sp") of the type named
 * @type, of one of @sizes (NULL: any). */
GR_MUST_USE
static struct gr_error *member_sized(const struct gr_dwarf *d,
				     const char *type, const char *path,
				     const uint64_t *sizes, uint64_t *ret)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member_of(d, type, path, sizes, &m);
	if (!err)
		*ret = m.off;
	return err;
}

GR_MUST_USE
static struct gr_error *member(const struct gr_dwarf *d, const char *type,
			       const char *path, uint64_t *ret)
{
	return member_sized(d, type, path, NULL, ret);
}

/* The same for a member this Go may lack: GR_G_ABSENT then. */
GR_MUST_USE
static struct gr_error *optional(const struct gr_dwarf *d, const char *type,
				 const char *field, uint64_t *ret)
{
	struct gr_error *err = member(d, type, field, ret);
	if (gr_error_catch(&err, GR_ERR_BIT(UNSUPPORTED)))
		*ret = GR_G_ABSENT;
	return err;
}

/* Runtime address of global @name (and its array length), 0 if absent. */
GR_MUST_USE
static struct gr_error *global(const struct gr_dwarf *d, uint64_t bias,
			       const char *name, uint64_t *addr,
			       uint64_t *count)
{
	const struct gr_dwarf_global *g;
	struct gr_error *err = gr_dwarf_global(d, name, &g);
	*addr = 0;
	if (count)
		*count = 0;
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)) || err)
		return err;
	*addr = g->addr + bias;
	if (count) {
		const struct gr_dwarf_type *t =
			gr_dwarf_type(d, gr_dwarf_type_strip(d, g->type));
		if (t && t->kind == GR_DWARF_TYPE_ARRAY && t->has_count)
			*count = t->count;
	}
	return NULL;
}

/*
 * The value at @name.@path (the whole global when @path is NULL), of one
 * of @sizes: ret->base is 0 when the global, the member or a size that
 * fits is absent.
 */
GR_MUST_USE
static struct gr_error *global_value(const struct gr_dwarf *d, uint64_t bias,
				     const char *name, const char *path,
				     const uint64_t *sizes,
				     struct gr_g_global *ret)
{
	memset(ret, 0, sizeof(*ret));
	const struct gr_dwarf_global *g;
	struct gr_dwarf_member m = {.type = GR_DWARF_NO_TYPE};
	struct gr_error *err = gr_dwarf_global(d, name, &g);
	if (!err && path)
		err = gr_dwarf_member(d, g->type, path, sizes, &m);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND) |
					 GR_ERR_BIT(UNSUPPORTED)) ||
	    err)
		return err;
	if (!path) {
		m.type = g->type;
		if (!gr_dwarf_type_size(d, g->type, &m.size))
			return NULL;
		const uint64_t *s = sizes;
		while (*s && *s != m.size)
			s++;
		if (!*s)
			return NULL;
	}
	ret->base = g->addr + bias;
	ret->m = m;
	return NULL;
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

	/* decode_g reads these from a copy of the g at these sizes
	 * (runtime2.go: atomicstatus uint32 or atomic.Uint32, waitreason
	 * uint8, asyncSafePoint bool; the rest words). */
	struct {
		const char *field;
		uint64_t *ret;
		uint64_t size;
	} simple[] = {
		{"_panic", &l->panic, 8},
		{"_defer", &l->defer, 8},
		{"m", &l->m, 8},
		{"syscallsp", &l->syscallsp, 8},
		{"syscallpc", &l->syscallpc, 8},
		{"stktopsp", &l->stktopsp, 8},
		{"atomicstatus", &l->atomicstatus, 4},
		{"goid", &l->goid, 8},
		{"waitsince", &l->waitsince, 8},
		{"waitreason", &l->waitreason, 1},
		{"gopc", &l->gopc, 8},
		{"startpc", &l->startpc, 8},
		{"labels", &l->labels, 8},
		{"waiting", &l->waiting, 8},
		{"asyncSafePoint", &l->async_safe_point, 1},
		{"stack.lo", &l->stack_lo, 8},
		{"stack.hi", &l->stack_hi, 8},
		{"sched.sp", &l->sched_sp, 8},
		{"sched.pc", &l->sched_pc, 8},
		{"sched.ctxt", &l->sched_ctxt, 8},
		{"sched.bp", &l->sched_bp, 8},
		/* runtime2.go gobuf.lr: the link register of a parked
		 * goroutine on LR machines (arm64), 0 on amd64. */
		{"sched.lr", &l->sched_lr, 8},
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if ((err = member_sized(d, "runtime.g", simple[i].field,
					GR_DWARF_SIZES(simple[i].size),
					simple[i].ret)))
			return err;
	if ((err = optional(d, "runtime.g", "parentGoid", &l->parent_goid)))
		return err;
	return optional(d, "runtime.g", "runningCleanups",
			&l->running_cleanups);
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
	return optional(d, "runtime.sudog", "waitlink", &l->sudog_waitlink);
}

GR_MUST_USE
static struct gr_error *globals(const struct gr_dwarf *d, uint64_t bias,
				struct gr_g_layout *l)
{
	struct gr_error *err;
	if ((err = global(d, bias, "runtime.allgs", &l->allgs, NULL)) ||
	    (err = global(d, bias, "runtime.allglen", &l->allglen, NULL)) ||
	    (err = global(d, bias, "runtime.allgptr", &l->allgptr, NULL)) ||
	    (err = global(d, bias, "runtime.allm", &l->allm, NULL)) ||
	    (err = global(d, bias, "runtime.waitReasonStrings",
			  &l->wait_reasons, &l->wait_reasons_n)) ||
	    (err = global(d, bias, "runtime.gStatusStrings",
			  &l->status_strings, &l->status_strings_n)))
		return err;
	/* runtime/mfinal.go: fingRunning bool (1.19-1.20), fingStatus with
	 * the fingRunningFinalizer bit (1.21+). */
	l->fing_running_bit = 2; /* 1 << 1: mfinal.go const block, 1.21-1.27 */
	int64_t v;
	err = gr_dwarf_constant(d, "runtime.fingRunningFinalizer", &v);
	if (!err)
		l->fing_running_bit = v;
	else if (!gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		return err;
	const uint64_t *i64 = GR_DWARF_SIZES(8);
	if ((err = global_value(d, bias, "runtime.fingStatus", NULL,
				GR_DWARF_SIZES(4), &l->fing_status)) ||
	    (err = global_value(d, bias, "runtime.fingRunning", NULL,
				GR_DWARF_SIZES(1), &l->fing_running)) ||
	    (err = global_value(d, bias, "runtime.sched", "lastpoll", i64,
				&l->sched_lastpoll)) ||
	    (err = global_value(d, bias, "runtime.memstats",
				"last_gc_nanotime", i64,
				&l->memstats_last_gc)))
		return err;
	return global_value(d, bias, "runtime.work", "tstart", i64,
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
		{"sched.bp", l->sched_bp, 8},	{"sched.lr", l->sched_lr, 8},
		{"syscallsp", l->syscallsp, 8},
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
	if ((err = globals(d, bias, l)))
		return gr_error_prefix(err, "goroutines");
	if (!l->allgs && !(l->allgptr && l->allglen))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "goroutines: DWARF has neither "
				       "runtime.allgs nor runtime.allgptr");
	if ((err = goroutines_labels_layout(d, l)))
		return gr_error_prefix(err, "goroutines");
	return NULL;
}
