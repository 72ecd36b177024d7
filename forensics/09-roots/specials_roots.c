/* SPDX-License-Identifier: MIT */
/*
 * The roots special records are to the garbage collector (runtime/
 * mgcmark.go markrootSpans, gcScanFinalizer, gcScanCleanup); see
 * specials.h for what each kind keeps.
 */
#include <inttypes.h>
#include <stdio.h>

#include "forensics/09-roots/specials_internal.h"

struct scan_arg {
	struct gr_roots *roots;
	struct gr_error *err;
};

static void scan_slot(void *arg, uint64_t slot, uint64_t value)
{
	struct scan_arg *a = arg;
	if (!a->err)
		a->err = gr_roots_add_slot(a->roots, slot, value);
}

/* " (main.FinObj)" or "" */
static void type_suffix(const struct gr_specials *sp, uint32_t type, char *buf,
			size_t size)
{
	const struct gr_dwarf_type *t = gr_dwarf_type(sp->dwarf, type);
	if (t && t->name[0])
		snprintf(buf, size, " (%s)", t->name);
	else
		buf[0] = '\0';
}

GR_MUST_USE
static struct gr_error *finalizer_roots(struct gr_specials *sp,
					struct gr_heap *heap,
					const struct gr_special *x,
					struct gr_roots *roots)
{
	char name[256], ty[160];
	type_suffix(sp, x->object_type, ty, sizeof(ty));
	snprintf(name, sizeof(name), "finalizer for %#" PRIx64 "%s", x->object,
		 ty);
	uint64_t slot = x->addr + sp->l.fin_fn;
	struct gr_error *err =
		gr_roots_add(roots, GR_ROOT_FINALIZER, name, slot, 8,
			     GR_ROOT_NO_TYPE, GR_ROOT_NO_GOROUTINE, false, NULL);
	if (!err)
		err = gr_roots_add_slot(roots, slot, x->fn);
	if (err)
		return err;
	/* The type goes in dwarf_type, not the name (reports print both). */
	snprintf(name, sizeof(name), "object %#" PRIx64 " with a finalizer",
		 x->object);
	bool found = x->object_id != GR_HEAP_NO_OBJECT;
	err = gr_roots_add(roots, GR_ROOT_FINALIZER_OBJECT, name, x->object,
			   found ? gr_heap_object_size(heap, x->object_id) : 0,
			   x->object_type == GR_DWARF_NO_TYPE ? GR_ROOT_NO_TYPE
							      : x->object_type,
			   GR_ROOT_NO_GOROUTINE, false, NULL);
	if (err)
		return err;
	/* markrootSpans: scanobject(p) when the span is not noscan. */
	if (found) {
		struct scan_arg a = {.roots = roots};
		struct gr_error *serr =
			gr_heap_scan_object(heap, x->object_id, scan_slot, &a);
		if (a.err) {
			gr_error_destroy(serr);
			return a.err;
		}
		if (serr &&
		    (err = gr_damage_catch(&sp->damage, serr, GR_ERR_CONTENT,
					   x->object, 0,
					   "object %#" PRIx64
					   " with a finalizer: "
					   "pointer words unreadable: %s",
					   x->object, serr->message)))
			return err;
	}
	/* The object itself: kept (resurrected onto finq) until its
	 * finalizer has run, see specials.h. */
	return gr_roots_add_slot(roots, 0, x->object);
}

GR_MUST_USE
static struct gr_error *cleanup_roots(struct gr_specials *sp,
				      const struct gr_special *x,
				      struct gr_roots *roots)
{
	char name[128];
	snprintf(name, sizeof(name), "cleanup %" PRIu64 " for %#" PRIx64,
		 x->id, x->object);
	const struct gr_specials_layout *l = &sp->l;
	/* 1.26+: gcScanCleanup scans cleanupFn{call, fn, arg} whole. */
	uint64_t first = l->cleanup_fnstruct ? l->cl_call : l->cl_fn;
	struct gr_error *err = gr_roots_add(
		roots, GR_ROOT_CLEANUP, name, x->addr + first,
		l->cleanup_fnstruct ? 24 : 8, GR_ROOT_NO_TYPE,
		GR_ROOT_NO_GOROUTINE, false, NULL);
	if (!err && l->cleanup_fnstruct)
		err = gr_roots_add_slot(roots, x->addr + l->cl_call, x->call);
	if (!err)
		err = gr_roots_add_slot(roots, x->addr + l->cl_fn, x->fn);
	if (!err && l->cleanup_fnstruct)
		err = gr_roots_add_slot(roots, x->addr + l->cl_arg, x->arg);
	return err;
}

GR_MUST_USE
static struct gr_error *weak_roots(struct gr_specials *sp,
				   const struct gr_special *x,
				   struct gr_roots *roots)
{
	char name[96];
	snprintf(name, sizeof(name), "weak handle for %#" PRIx64, x->object);
	uint64_t slot = x->addr + sp->l.weak_handle;
	struct gr_error *err =
		gr_roots_add(roots, GR_ROOT_RUNTIME, name, slot, 8,
			     GR_ROOT_NO_TYPE, GR_ROOT_NO_GOROUTINE, false, NULL);
	return err ? err : gr_roots_add_slot(roots, slot, x->handle);
}

struct gr_error *gr_specials_add_roots(struct gr_specials *sp,
				       struct gr_heap *heap,
				       struct gr_roots *roots)
{
	struct gr_error *err = NULL;
	for (size_t i = 0; !err && i < sp->n; i++) {
		/* Copy: gr_damage_add does not move sp->v, but keep it obvious. */
		struct gr_special x = sp->v[i];
		switch (x.kind) {
		case GR_SPECIAL_FINALIZER:
			err = finalizer_roots(sp, heap, &x, roots);
			break;
		case GR_SPECIAL_CLEANUP:
			err = cleanup_roots(sp, &x, roots);
			break;
		case GR_SPECIAL_WEAK_HANDLE:
			err = weak_roots(sp, &x, roots);
			break;
		default:
			break;
		}
	}
	/* The last step that records damage in @sp. */
	return err ? err : gr_damage_list_close(&sp->damage);
}
