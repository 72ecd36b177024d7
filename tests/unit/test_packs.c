/* SPDX-License-Identifier: MIT */
/*
 * Layout packs (forensics/03-dwarf/dwarf_pack.c, forensics/04-gobin/locate.c, layouts/packs.h)
 * against the truth of real binaries:
 *
 *   test_pack_matches_dwarf  for every unstripped core of every toolchain
 *       (programs the pack was made from and the others), the compiled-in
 *       pack of its release, its globals placed through this binary's code,
 *       agrees with the binary's own DWARF: every global at the same address,
 *       every type with the same kind, size and fields at the same offsets,
 *       every constant with the same value.  A pack that is stale (the
 *       analysis reads something new: remake with scripts/make-packs.sh) or
 *       a locator that depends on the program fails here.
 *   test_stripped_copy  the claim, on one core: the leakymap,
 *       finalizer and shared cores analysed with their binary and with a
 *       copy of it after strip(1) (same code and data, no .symtab, no
 *       DWARF) give the same live objects, the same garbage, and every
 *       object the allocation header types (Go 1.22+) the same type;
 *       what inference types (shared's globals, from the code that
 *       fills them) is named "T (inferred)", T being DWARF's type.
 *   test_pack_reader  malformed packs fail with the line, never crash.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/locate.h"
#include "forensics/05-session/session.h"
#include "forensics/11-types/types.h"
#include "forensics/12-query/analysis.h"
#include "layouts/packs.h"
#include "tests/tools/typename.h"
#include "tests/unit/corecache.h"

static struct gr_session *open_pair(const char *bin, const char *core)
{
	struct gr_session_options so = {.core_path = core, .exe_path = bin};
	struct gr_session *s;
	struct gr_error *err = gr_session_open(&so, &s);
	if (err)
		fail_msg("%s: %s", core, err->message);
	return s;
}

/* The pack of @s's release with globals placed in @s's code. */
static struct gr_dwarf *pack_for(struct gr_session *s, unsigned minor)
{
	const char *text;
	size_t len;
	if (!gr_layout_pack(minor,
			    gr_layout_pack_variant(gr_session_go_version(s)),
			    &text, &len))
		fail_msg("no layout pack for go1.%u: run scripts/make-packs.sh",
			 minor);
	struct gr_locate *loc;
	assert_null(gr_locate_create(gr_session_mem(s), gr_session_pcln(s),
				     gr_session_moduledata(s),
				     gr_session_load_bias(s), &loc));
	struct gr_dwarf *d;
	struct gr_error *err =
		gr_dwarf_from_pack(text, len, gr_locate_resolve, loc, &d);
	gr_locate_destroy(loc);
	if (err)
		fail_msg("go1.%u pack: %s", minor, err->message);
	return d;
}

static const char *type_name(const struct gr_dwarf *d, uint32_t id)
{
	const struct gr_dwarf_type *t = gr_dwarf_type(d, id);
	return t ? t->name : "(none)";
}

static void same_type(const char *dir, const struct gr_dwarf *p, uint32_t pid,
		      const struct gr_dwarf *d, uint32_t did)
{
	const struct gr_dwarf_type *a = gr_dwarf_type(p, pid);
	const struct gr_dwarf_type *b = gr_dwarf_type(d, did);
	if (a->kind != b->kind || a->go_kind != b->go_kind ||
	    a->has_size != b->has_size || a->size != b->size ||
	    a->nfields != b->nfields || a->count != b->count)
		fail_msg("%s: type %s: pack kind %u size %" PRIu64
			 " fields %u, DWARF kind %u size %" PRIu64 " fields %u",
			 dir, a->name, a->kind, a->size, a->nfields, b->kind,
			 b->size, b->nfields);
	for (uint32_t k = 0; k < a->nfields; k++) {
		const struct gr_dwarf_field *fa = gr_dwarf_type_field(p, pid, k);
		const struct gr_dwarf_field *fb = gr_dwarf_type_field(d, did, k);
		if (strcmp(fa->name, fb->name) != 0 ||
		    fa->offset != fb->offset)
			fail_msg("%s: %s field %u: pack %s+%" PRIu64
				 ", DWARF %s+%" PRIu64,
				 dir, a->name, k, fa->name, fa->offset,
				 fb->name, fb->offset);
		if (fa->type != GR_DWARF_NO_TYPE &&
		    strcmp(type_name(p, fa->type), type_name(d, fb->type)))
			fail_msg("%s: %s.%s: pack type %s, DWARF %s", dir,
				 a->name, fa->name, type_name(p, fa->type),
				 type_name(d, fb->type));
	}
}

static void check_pack(const struct cc_core *c, size_t *nglobals)
{
	char bin[CC_PATH + 8], core[CC_PATH + 8];
	snprintf(bin, sizeof(bin), "%s/bin", c->dir);
	snprintf(core, sizeof(core), "%s/core", c->dir);
	struct gr_session *s = open_pair(bin, core);
	const struct gr_dwarf *d = gr_session_dwarf(s);
	struct gr_dwarf *p = pack_for(s, c->minor);
	/*
	 * A cgo build's runtime code differs in places from the programs the
	 * packs are made from: there a locator must find nothing rather than
	 * something wrong (checked below), and only the two name tables of
	 * goroutine states may go missing.
	 */
	size_t allowed = strstr(c->variant, "cgo") ? 2 : 0;
	if (gr_dwarf_pack_unlocated(p) > allowed)
		fail_msg("%s: %zu pack globals not placed", c->dir,
			 gr_dwarf_pack_unlocated(p));
	if (allowed)
		for (const char *const *n = (const char *const[]){
			     "runtime.mheap_", "runtime.allgs", "runtime.allglen",
			     "runtime.allp", "runtime.allm", "runtime.finq",
			     "runtime.allfin", "runtime.work", NULL};
		     *n; n++) {
			const struct gr_dwarf_global *g;
			struct gr_error *err = gr_dwarf_global(p, *n, &g);
			if (err)
				fail_msg("%s: %s", c->dir, err->message);
		}
	for (size_t i = 0; i < gr_dwarf_global_count(p); i++) {
		const struct gr_dwarf_global *g = gr_dwarf_global_at_index(p, i);
		const struct gr_dwarf_global *t;
		struct gr_error *err = gr_dwarf_global(d, g->name, &t);
		if (err)
			fail_msg("%s: %s", c->dir, err->message);
		if (t->addr != g->addr || t->size != g->size)
			fail_msg("%s: %s located at 0x%" PRIx64 " (%" PRIu64
				 " B), DWARF says 0x%" PRIx64 " (%" PRIu64 " B)",
				 c->dir, g->name, g->addr, g->size, t->addr,
				 t->size);
		if (strcmp(type_name(p, g->type), type_name(d, t->type)))
			fail_msg("%s: %s: pack type %s, DWARF %s", c->dir,
				 g->name, type_name(p, g->type),
				 type_name(d, t->type));
	}
	*nglobals += gr_dwarf_global_count(p);
	for (size_t i = 0; i < gr_dwarf_type_count(p); i++) {
		const char *name = gr_dwarf_type(p, (uint32_t)i)->name;
		uint32_t pid, did;
		if (!*name)
			continue;
		assert_null(gr_dwarf_type_by_name(p, name, &pid));
		struct gr_error *err = gr_dwarf_type_by_name(d, name, &did);
		/* A noswissmap build of a Swiss-map release links none of
		 * internal/runtime/maps; rtype_synth then leaves those
		 * types of its pack alone (links_swiss_maps). */
		if (err && strstr(c->variant, "classic") &&
		    !strncmp(name, "internal/runtime/maps.", 22)) {
			gr_error_destroy(err);
			continue;
		}
		if (err)
			fail_msg("%s: %s", c->dir, err->message);
		same_type(c->dir, p, pid, d, did);
	}
	for (size_t i = 0; i < gr_dwarf_constant_count(p); i++) {
		const struct gr_dwarf_constant *k = gr_dwarf_constant_at_index(p, i);
		int64_t v;
		struct gr_error *err = gr_dwarf_constant(d, k->name, &v);
		if (err)
			fail_msg("%s: %s", c->dir, err->message);
		if (v != k->value)
			fail_msg("%s: %s = %" PRId64 " in the pack, %" PRId64
				 " in DWARF", c->dir, k->name, k->value, v);
	}
	gr_dwarf_destroy(p);
	gr_session_destroy(s);
}

static void test_pack_matches_dwarf(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	size_t checked = 0, globals = 0;
	for (size_t i = 0; i < set.n; i++) {
		if (strstr(set.v[i].variant, "stripped"))
			continue;
		check_pack(&set.v[i], &globals);
		checked++;
	}
	print_message("packs: %zu unstripped cores agree with their pack "
		      "(%zu globals placed)\n",
		      checked, globals);
	assert_true(checked > 0);
	cc_free(&set);
}

/* strip(1) @bin into @out; the test cannot go on without it. */
static void strip_copy(const char *bin, const char *out)
{
	char cmd[2 * CC_PATH + 64];
	snprintf(cmd, sizeof(cmd), "strip -o '%s' '%s'", out, bin);
	if (system(cmd) != 0)
		fail_msg("%s failed (binutils' strip)", cmd);
}

static void compare_stripped(const struct cc_core *c, const char *tmpdir)
{
	char bin[CC_PATH + 8], core[CC_PATH + 8], sbin[PATH_MAX + 32];
	snprintf(bin, sizeof(bin), "%s/bin", c->dir);
	snprintf(core, sizeof(core), "%s/core", c->dir);
	snprintf(sbin, sizeof(sbin), "%s/bin-stripped", tmpdir);
	strip_copy(bin, sbin);

	struct gr_session *s1 = open_pair(bin, core), *s2 = open_pair(sbin, core);
	assert_null(gr_dwarf_pack_version(gr_session_dwarf(s1)));
	assert_non_null(gr_dwarf_pack_version(gr_session_dwarf(s2)));
	struct gr_analysis *a1, *a2;
	struct gr_error *err = gr_analysis_run(s1, NULL, &a1);
	if (!err)
		err = gr_analysis_run(s2, NULL, &a2);
	if (err)
		fail_msg("%s: %s", c->dir, err->message);

	uint32_t n = gr_heap_object_count(a1->heap);
	assert_int_equal(n, gr_heap_object_count(a2->heap));
	uint64_t live = 0, header = 0, mismatches = 0, mismatch_bytes = 0,
		 inferred_bytes = 0;
	for (uint32_t id = 0; id < n; id++) {
		bool l1 = gr_mark_is_live(a1->mark, id);
		if (l1 != gr_mark_is_live(a2->mark, id))
			fail_msg("%s: object 0x%" PRIx64 " is %s with DWARF, "
				 "%s stripped",
				 c->dir, gr_heap_object_addr(a1->heap, id),
				 l1 ? "live" : "dead", l1 ? "dead" : "live");
		live += l1;
		struct gr_type_object t1 = gr_types_object(a1->types, id);
		struct gr_type_object t2 = gr_types_object(a2->types, id);
		if (!l1 || t2.type == GR_TYPE_UNKNOWN)
			continue;
		header += t1.source == GR_TYPE_SOURCE_HEADER;
		/* Whatever the stripped analysis types, it types as DWARF
		 * does (header types and those propagated from them). */
		char n1[256], n2[256];
		gr_types_object_name(a1->types, id, n1, sizeof(n1));
		gr_types_object_name(a2->types, id, n2, sizeof(n2));
		/* An inferred type says so, and is otherwise DWARF's. */
		const char *suffix = " (inferred)";
		size_t l2 = strlen(n2), ls = strlen(suffix);
		bool inferred = gr_types_info(a2->types, t2.type)->inferred;
		assert_int_equal(inferred,
				 l2 > ls && !strcmp(n2 + l2 - ls, suffix));
		if (inferred) {
			n2[l2 - ls] = '\0';
			inferred_bytes += gr_heap_object_size(a1->heap, id);
		}
		gr_typename_normalize(n1);
		gr_typename_normalize(n2);
		/* What only the stripped analysis types (the code's
		 * records type frame slots DWARF describes as uintptr or
		 * not at all) has nothing to disagree with. */
		if (strcmp(n1, n2) == 0 || t1.type == GR_TYPE_UNKNOWN)
			continue;
		/* Bytes two paths reach ("string data" / "[8]uint8": the
		 * first path wins) or that only DWARF details
		 * ("runtime.hchan[os.Signal]": channel types stay opaque
		 * stripped) are named otherwise; a few, never many. */
		mismatch_bytes += gr_heap_object_size(a1->heap, id);
		if (mismatches++ < 3 || getenv("GR_TEST_VERBOSE"))
			print_message("%s: object 0x%" PRIx64 " (%s): %s with "
				      "DWARF, %s stripped\n",
				      c->dir, gr_heap_object_addr(a1->heap, id),
				      gr_type_source_name(t2.source), n1, n2);
	}
	const struct gr_types_stats *t1 = gr_types_stats(a1->types),
				    *t2 = gr_types_stats(a2->types);
	assert_int_equal(t1->source_objects[GR_TYPE_SOURCE_HEADER],
			 t2->source_objects[GR_TYPE_SOURCE_HEADER]);
	if (c->minor >= 22)
		assert_true(header > 0);
	uint64_t all = t1->typed_bytes + t1->unknown_bytes;
	print_message("%s: stripped copy: %" PRIu64 " live objects, same; %"
		      PRIu64 " header-typed, same; typed %.1f%% with DWARF, "
		      "%.1f%% stripped (%" PRIu64 " B inferred); %" PRIu64
		      " objects (%" PRIu64 " B) named otherwise\n",
		      c->dir, live, header,
		      all ? 100.0 * (double)t1->typed_bytes / (double)all : 0,
		      all ? 100.0 * (double)t2->typed_bytes / (double)all : 0,
		      inferred_bytes, mismatches, mismatch_bytes);
	assert_int_equal(inferred_bytes, t2->inferred_bytes);
	assert_true(t2->inference);
	assert_int_equal(t1->inferred_bytes, 0);
	/* main.left and main.right: *main.Holder from runtime.newobject,
	 * with their private arrays and the shared records behind; each
	 * is a root of its own, named by the function that fills it. */
	if (strncmp(c->variant, "shared", 6) == 0) {
		assert_true(inferred_bytes * 2 > all / 100);
		static const char *const globals[] = {"main.left", "main.right"};
		for (size_t k = 0; k < 2; k++) {
			const struct gr_dwarf_global *g;
			if ((err = gr_dwarf_global(gr_session_dwarf(s1),
						   globals[k], &g)))
				fail_msg("%s: %s", c->dir, err->message);
			uint64_t at = g->addr + gr_session_load_bias(s1);
			const char *name = NULL;
			for (size_t r = 0; r < gr_roots_count(a2->roots); r++) {
				const struct gr_root_slot *sl =
					gr_roots_slots(a2->roots, r);
				if (gr_roots_slot_count(a2->roots, r) &&
				    sl[0].slot == at)
					name = gr_roots_get(a2->roots, r)->name;
			}
			if (!name || !strstr(name, " (used by main.buildShared)"))
				fail_msg("%s: %s is root %s stripped", c->dir,
					 globals[k], name ? name : "(none)");
		}
	}
	assert_true(mismatch_bytes * 100 <= t2->typed_bytes);
	/* Go 1.22+: the header types carry the rest (rtype_synth.h). */
	if (c->minor >= 22 && strncmp(c->variant, "leakymap", 8) == 0)
		assert_true(t2->typed_bytes * 100 >= all * 95);
	gr_analysis_destroy(a1);
	gr_analysis_destroy(a2);
	gr_session_destroy(s1);
	gr_session_destroy(s2);
	unlink(sbin);
}

static void test_stripped_copy(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	char tmpdir[] = "/tmp/gr-packs-XXXXXX";
	assert_non_null(mkdtemp(tmpdir));
	size_t done = 0;
	for (size_t i = 0; i < set.n; i++) {
		const char *v = set.v[i].variant;
		if (strcmp(v, "leakymap-exe") && strcmp(v, "leakymap-pie") &&
		    strcmp(v, "finalizer-exe") && strcmp(v, "shared-exe"))
			continue;
		compare_stripped(&set.v[i], tmpdir);
		done++;
	}
	rmdir(tmpdir);
	assert_true(done > 0);
	cc_free(&set);
}

static bool never(void *arg, const struct gr_dwarf_locator *loc, uint64_t *addr)
{
	(void)arg;
	(void)loc;
	(void)addr;
	return false;
}

static void expect_bad(const char *text, const char *want)
{
	struct gr_dwarf *d = NULL;
	struct gr_error *err =
		gr_dwarf_from_pack(text, strlen(text), never, NULL, &d);
	assert_non_null(err);
	assert_null(d);
	if (!strstr(err->message, want))
		fail_msg("'%s' for %s", err->message, want);
	gr_error_destroy(err);
}

/* Which pack a version string asks for, and that Go 1.24 and 1.25's
 * noswissmap builds have theirs, with the classic map header. */
static void test_pack_variant(void **state)
{
	(void)state;
	assert_string_equal(gr_layout_pack_variant("go1.25.12"), "");
	assert_string_equal(gr_layout_pack_variant(NULL), "");
	assert_string_equal(gr_layout_pack_variant("go1.25.12 X:noswissmap"),
			    "noswissmap");
	assert_string_equal(
		gr_layout_pack_variant("go1.24.4 X:boringcrypto,noswissmap"),
		"noswissmap");
	assert_string_equal(gr_layout_pack_variant("go1.24.4 X:noswissmapx"),
			    "");
	assert_string_equal(gr_layout_pack_variant("go1.24.4 noswissmap"), "");
	for (unsigned minor = 24; minor <= 25; minor++) {
		const char *text, *plain;
		size_t len, plen;
		assert_true(gr_layout_pack(minor, "noswissmap", &text, &len));
		assert_true(gr_layout_pack(minor, "", &plain, &plen));
		assert_ptr_not_equal(text, plain);
		assert_non_null(memmem(text, len, "\truntime.hmap\n", 14));
		assert_null(memmem(plain, plen, "\truntime.hmap\n", 14));
	}
	/* An unknown variant falls back to the release's pack. */
	const char *a, *b;
	size_t la, lb;
	assert_true(gr_layout_pack(26, "noswissmap", &a, &la));
	assert_true(gr_layout_pack(26, "", &b, &lb));
	assert_ptr_equal(a, b);
}

static void test_pack_reader(void **state)
{
	(void)state;
	const char *head = "goretain-layout-pack\t1\ngo\tgo1.99.0\ndwarf\t4\n";
	char buf[512];
	expect_bad("", "no Go version");
	expect_bad("hello\n", "line 1: not a layout pack");
	expect_bad("goretain-layout-pack\t9\n", "format 9");
	snprintf(buf, sizeof(buf), "%sT\t2\t0\t19\t0\t8\t-\t5\t-1\t-1\t0\t0\tx\n",
		 head);
	expect_bad(buf, "out of range");
	snprintf(buf, sizeof(buf), "%sT\t2\t0\t19\t0\t8\t-\t-1\t-1\t-1\t0\t2\tx\n"
		 "F\t0\t-1\t0\ta\n", head);
	expect_bad(buf, "the last type lacks fields");
	snprintf(buf, sizeof(buf), "%sF\t0\t-1\t0\ta\n", head);
	expect_bad(buf, "line 4: a field outside a type");
	snprintf(buf, sizeof(buf), "%sT\t99\t0\t19\t0\t8\t-\t-1\t-1\t-1\t0\t0\tx\n",
		 head);
	expect_bad(buf, "line 4: malformed type");
	snprintf(buf, sizeof(buf), "%sC\tx\t-1\tc\n", head);
	expect_bad(buf, "malformed constant");
	snprintf(buf, sizeof(buf), "%sG\t-1\t8\t2\t1f\t0\t0\tp.f\tp.g\n",
		 head);
	expect_bad(buf, "malformed global");
	snprintf(buf, sizeof(buf), "%sG\t-1\t8\t1\txyz\t0\t0\tp.f\tp.g\n",
		 head);
	expect_bad(buf, "malformed locator");
	snprintf(buf, sizeof(buf), "%sQ\n", head);
	expect_bad(buf, "unknown record");

	/* A good one: a struct with a field of its own pointer type, a
	 * constant, and a global nothing can place. */
	snprintf(buf, sizeof(buf),
		 "%sT\t2\t25\t19\t0\t16\t-\t-1\t-1\t-1\t0\t2\tp.T\n"
		 "F\t0\t1\t0\tnext\nF\t8\t-1\t0\tn\n"
		 "T\t1\t22\t15\t0\t-\t-\t0\t-1\t-1\t0\t0\t*p.T\n"
		 "C\t42\t-1\tp.c\nG\t0\t16\t1\t1f\t0\t0\tp.f\tp.g\n",
		 head);
	struct gr_dwarf *d;
	assert_null(gr_dwarf_from_pack(buf, strlen(buf), never, NULL, &d));
	assert_string_equal(gr_dwarf_pack_version(d), "go1.99.0");
	assert_int_equal(gr_dwarf_pack_unlocated(d), 1);
	uint64_t off;
	assert_null(gr_dwarf_field_offset(d, "p.T", "n", &off));
	assert_int_equal(off, 8);
	uint32_t id;
	assert_null(gr_dwarf_type_by_name(d, "*p.T", &id));
	assert_int_equal(gr_dwarf_type(d, id)->size, 8);
	int64_t v;
	assert_null(gr_dwarf_constant(d, "p.c", &v));
	assert_int_equal(v, 42);
	const struct gr_dwarf_global *g;
	struct gr_error *err = gr_dwarf_global(d, "p.g", &g);
	assert_non_null(err);
	gr_error_destroy(err);
	gr_dwarf_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_variant),
		cmocka_unit_test(test_pack_reader),
		cmocka_unit_test(test_pack_matches_dwarf),
		cmocka_unit_test(test_stripped_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
