/* SPDX-License-Identifier: MIT */
/*
 * gr_codetypes on the shared, leakymap and mapwaste corpora of every
 * installed Go version, checked against the binaries' own DWARF: every
 * record for a word at a global's own address must agree with the
 * global's declared type (a pointer to the record's type, a slice of it,
 * a map or channel of exactly that type, an interface), and the globals
 * the programs fill in main are found: main.left and main.right
 * (*main.Holder, runtime.newobject), main.queue (chan *main.Job,
 * makechan), main.shape (an interface holding an itab),
 * and main.sessions (map[string]*main.Session, mapassign on the
 * global).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/codetypes.h"
#include "forensics/04-gobin/moduledata.h"
#include "tests/unit/rootcores.h"

/* The DWARF type of the descriptor at runtime address @rt, or NO_TYPE. */
static uint32_t dwarf_of(const struct gr_dwarf *d,
			 const struct gr_moduledata *md, uint64_t bias,
			 uint64_t rt)
{
	uint32_t id;
	/* DW_AT_go_runtime_type is an offset into the type data on some
	 * releases and an address on others (as types.c reads it). */
	if ((rt >= md->types &&
	     gr_dwarf_type_by_runtime_type(d, rt - md->types, &id)) ||
	    (rt >= bias && gr_dwarf_type_by_runtime_type(d, rt - bias, &id)))
		return id;
	return GR_DWARF_NO_TYPE;
}

/* Skip typedefs of the same name (Go's named types). */
static const struct gr_dwarf_type *resolve(const struct gr_dwarf *d,
					   uint32_t id)
{
	const struct gr_dwarf_type *t = gr_dwarf_type(d, id);
	for (int i = 0; t && t->kind == GR_DWARF_TYPE_TYPEDEF && i < 8; i++)
		t = gr_dwarf_type(d, t->type);
	return t;
}

/* Does record @r agree with the declared type @gt of a global's first
 * word? */
static bool agrees_one(const struct gr_dwarf *d,
		       const struct gr_moduledata *md, uint64_t bias,
		       const struct gr_codetype *r, uint32_t gt)
{
	const struct gr_dwarf_type *g = resolve(d, gt);
	uint32_t want = dwarf_of(d, md, bias, r->type);
	if (!g)
		return false;
	switch (r->kind) {
	case GR_CODETYPE_POINTER:
		/* *T, an unsafe.Pointer, or a func value pointing at its
		 * closure (a method value's struct { F uintptr; R T }). */
		return (g->kind == GR_DWARF_TYPE_POINTER &&
			g->go_kind != GR_GO_KIND_FUNC &&
			(want == GR_DWARF_NO_TYPE ||
			 resolve(d, g->type) == resolve(d, want))) ||
		       g->go_kind == GR_GO_KIND_UNSAFE_POINTER ||
		       /* Go 1.19 gives unsafe.Pointer no kind. */
		       (g->name && !strcmp(g->name, "unsafe.Pointer")) ||
		       g->go_kind == GR_GO_KIND_FUNC;
	case GR_CODETYPE_ARRAY:
		return g->go_kind == GR_GO_KIND_SLICE &&
		       (want == GR_DWARF_NO_TYPE ||
			resolve(d, g->elem) == resolve(d, want));
	case GR_CODETYPE_MAP:
	case GR_CODETYPE_CHAN:
		return resolve(d, gt) == resolve(d, want) ||
		       (want != GR_DWARF_NO_TYPE &&
			!strcmp(gr_dwarf_type(d, gt)->name,
				gr_dwarf_type(d, want)->name));
	case GR_CODETYPE_IFACE:
		/* Go 1.19 writes "interface {}" as a typedef of
		 * runtime.eface without a kind. */
		return g->go_kind == GR_GO_KIND_INTERFACE ||
		       gr_dwarf_type(d, gt)->go_kind == GR_GO_KIND_INTERFACE ||
		       (g->name && (!strcmp(g->name, "runtime.eface") ||
				    !strcmp(g->name, "runtime.iface")));
	}
	return false;
}

/* The global's type or, for a struct or array, that of what starts it. */
static bool agrees(const struct gr_dwarf *d, const struct gr_moduledata *md,
		   uint64_t bias, const struct gr_codetype *r, uint32_t gt)
{
	for (int depth = 0; depth < 8; depth++) {
		if (agrees_one(d, md, bias, r, gt))
			return true;
		const struct gr_dwarf_type *g = gr_dwarf_type(d, gt);
		for (int i = 0; g && g->kind == GR_DWARF_TYPE_TYPEDEF && i < 8;
		     i++)
			g = gr_dwarf_type(d, gt = g->type);
		const struct gr_dwarf_field *f =
			g && g->kind == GR_DWARF_TYPE_STRUCT && g->nfields
				? gr_dwarf_type_field(d, gt, 0)
				: NULL;
		if (f && f->offset == 0)
			gt = f->type;
		else if (g && g->kind == GR_DWARF_TYPE_ARRAY && g->count)
			gt = g->type;
		else
			return false;
	}
	return false;
}

static void expect(const struct gr_dwarf *d, const struct gr_codetypes *c,
		   uint64_t bias, const char *id, const char *global,
		   enum gr_codetype_kind kind)
{
	const struct gr_dwarf_global *g;
	rc_ok(gr_dwarf_global(d, global, &g));
	const struct gr_codetype *r = gr_codetypes_find(c, g->addr + bias);
	if (!r || r->kind != kind)
		fail_msg("%s: %s: %s", id, global,
			 r ? "another kind of record" : "no record");
}

static void check(const char *prog, const char *const *globals,
		  const enum gr_codetype_kind *kinds, size_t nglobals)
{
	struct rc_set set;
	rc_load(&set, prog);
	assert_true(set.n > 0);
	for (size_t i = 0; i < set.n; i++) {
		struct gr_session *s;
		rc_open(&set.v[i], &s);
		const struct gr_moduledata *md = gr_session_moduledata(s);
		const struct gr_dwarf *d = gr_session_dwarf(s);
		uint64_t bias = gr_session_load_bias(s);
		struct gr_codetypes *c;
		rc_ok(gr_codetypes_create(gr_session_mem(s),
					  gr_session_pcln(s), md, &c));
		size_t checked = 0;
		for (size_t k = 0; k < gr_codetypes_count(c); k++) {
			const struct gr_codetype *r = gr_codetypes_get(c, k);
			const struct gr_dwarf_global *g =
				gr_dwarf_global_at(d, r->addr - bias);
			if (!g || g->addr + bias != r->addr)
				continue;
			checked++;
			if (!agrees(d, md, bias, r, g->type))
			{
				uint32_t w = dwarf_of(d, md, bias, r->type);
				fail_msg("%s: %s (%s): record kind %d type "
					 "%#" PRIx64 " (%s) disagrees with DWARF",
					 set.v[i].id, g->name,
					 gr_dwarf_type(d, g->type)->name,
					 (int)r->kind, r->type,
					 w == GR_DWARF_NO_TYPE
						 ? "no DWARF type"
						 : gr_dwarf_type(d, w)->name);
			}
		}
		for (size_t k = 0; k < nglobals; k++)
			expect(d, c, bias, set.v[i].id, globals[k], kinds[k]);
		printf("  %-24s %zu records, %zu at a global's address, all "
		       "as DWARF says\n",
		       set.v[i].id, gr_codetypes_count(c), checked);
		assert_true(checked >= nglobals && checked > 0);
		gr_codetypes_destroy(c);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

static void test_shared(void **state)
{
	(void)state;
	static const char *const g[] = {"main.left", "main.right",
					"main.queue", "main.shape"};
	static const enum gr_codetype_kind k[] = {
		GR_CODETYPE_POINTER, GR_CODETYPE_POINTER, GR_CODETYPE_CHAN,
		GR_CODETYPE_IFACE};
	check("shared", g, k, 4);
}

static void test_leakymap(void **state)
{
	(void)state;
	static const char *const g[] = {"main.sessions"};
	static const enum gr_codetype_kind k[] = {GR_CODETYPE_MAP};
	check("leakymap", g, k, 1);
}

static void test_mapwaste(void **state)
{
	(void)state;
	/* main.grown and main.control are made by makemap_small (no type)
	 * and filled by main.fill through its parameter, which is spilled
	 * and loaded again in the loop: the map type comes from the
	 * callee's map operations.  encoding/base64.StdEncoding is what
	 * NewEncoding returns (a derived record, checked as the rest). */
	static const char *const g[] = {"main.grown", "main.control",
					"encoding/base64.StdEncoding"};
	static const enum gr_codetype_kind k[] = {
		GR_CODETYPE_MAP, GR_CODETYPE_MAP, GR_CODETYPE_POINTER};
	check("mapwaste", g, k, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_leakymap),
		cmocka_unit_test(test_mapwaste),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
