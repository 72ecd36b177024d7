/* SPDX-License-Identifier: MIT */
/*
 * gr_rtype on the leakymap cores of every installed Go version: the type
 * descriptors the compiler wrote, checked against the binary's DWARF
 * (DW_AT_go_runtime_type names each type's descriptor), main.Session
 * against its Go declaration, and the on-demand mask builder against
 * the compiler's own masks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/05-session/session.h"
#include "forensics/06-rtype/rtype.h"
#include "tests/unit/corecache.h"

static struct gr_session *open_core(const struct cc_core *c)
{
	char cp[CC_PATH + 16], ep[CC_PATH + 16];
	snprintf(cp, sizeof(cp), "%s/core", c->dir);
	snprintf(ep, sizeof(ep), "%s/bin", c->dir);
	struct gr_session_options o = {0};
	o.core_path = cp;
	o.exe_path = ep;
	struct gr_session *s;
	struct gr_error *err = gr_session_open(&o, &s);
	if (err)
		fail_msg("%s: %s", cp, err->message);
	return s;
}

/*
 * Where a DW_AT_go_runtime_type value points: the linker writes it as a
 * section offset (cmd/link/internal/ld/dwarf.go, DW_CLS_GO_TYPEREF), the
 * offset of the descriptor from the start of the type data, which is
 * moduledata.types (runtime.types) in every version 1.19-1.27.  One value
 * per binary is seen as a link-time address instead (uintptr's, the first
 * type DIE, in Go 1.19): a value past the link-time start of the type
 * data is taken as an address.
 */
static uint64_t descriptor_addr(struct gr_session *s, uint64_t runtime_type)
{
	uint64_t types = gr_session_moduledata(s)->types;
	uint64_t bias = gr_session_load_bias(s);
	if (runtime_type >= types - bias)
		return runtime_type + bias;
	return types + runtime_type;
}

/* The descriptor of the DWARF type named @name. */
static const struct gr_rtype *by_dwarf_name(struct gr_session *s,
					    struct gr_rtypes *rt,
					    const char *name)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	uint32_t id;
	struct gr_error *err = gr_dwarf_type_by_name(d, name, &id);
	if (err)
		fail_msg("%s: %s", name, err->message);
	const struct gr_dwarf_type *t = gr_dwarf_type(d, id);
	if (!t->runtime_type)
		fail_msg("%s: no DW_AT_go_runtime_type", name);
	const struct gr_rtype *r;
	err = gr_rtype_get(rt, descriptor_addr(s, t->runtime_type), &r);
	if (err)
		fail_msg("%s: %s", name, err->message);
	return r;
}

/* type Session struct { ID, User string; Created, LastSeen int64; Hits
 * int; Payload []byte } (corpora/cmd/leakymap/main.go). */
static void check_session(struct gr_session *s, struct gr_rtypes *rt)
{
	const struct gr_rtype *t = by_dwarf_name(s, rt, "main.Session");
	const char *name;
	const uint8_t *mask;
	uint64_t nbits;
	assert_int_equal(t->size, 80);
	assert_int_equal(t->ptrbytes, 64); /* through Payload's pointer */
	assert_int_equal(t->kind, GR_GO_KIND_STRUCT);
	assert_int_equal(t->align, 8);
	assert_false(t->gc_prog);
	assert_null(gr_rtype_name(rt, t, &name));
	assert_string_equal(name, "main.Session");
	assert_null(gr_rtype_gcmask(rt, t, &mask, &nbits));
	assert_int_equal(nbits, 8);
	assert_int_equal(mask[0], 0x85); /* words 0 (ID), 2 (User), 7 */

	const struct gr_rtype *p = by_dwarf_name(s, rt, "*main.Session");
	assert_int_equal(p->kind, GR_GO_KIND_POINTER);
	assert_int_equal(p->size, 8);
	assert_int_equal(p->ptrbytes, 8);
	assert_null(gr_rtype_name(rt, p, &name));
	assert_string_equal(name, "*main.Session");
	assert_null(gr_rtype_gcmask(rt, p, &mask, &nbits));
	assert_int_equal(nbits, 1);
	assert_int_equal(mask[0] & 1, 1);

	/* The cache returns the same record. */
	const struct gr_rtype *again = by_dwarf_name(s, rt, "main.Session");
	assert_ptr_equal(again, t);
}

/*
 * Every descriptor DWARF names: readable, plausible, the same size as the
 * DWARF type, a name when it has a nameOff; for arrays and structs (Go
 * 1.21+, where internal/abi describes them) the mask built from the
 * structure equals the compiler's.
 */
static void check_all(const struct cc_core *c, struct gr_session *s,
		      struct gr_rtypes *rt)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	size_t n = 0, built = 0;
	for (size_t i = 0; i < gr_dwarf_type_count(d); i++) {
		const struct gr_dwarf_type *dt = gr_dwarf_type(d, (uint32_t)i);
		if (!dt->runtime_type)
			continue;
		const struct gr_rtype *t;
		uint64_t addr = descriptor_addr(s, dt->runtime_type);
		struct gr_error *err = gr_rtype_get(rt, addr, &t);
		if (err)
			fail_msg("%s: %s: %s", c->dir, dt->name, err->message);
		n++;
		if (dt->has_size && dt->size != t->size)
			fail_msg("%s: %s: DWARF size %" PRIu64
				 ", descriptor %" PRIu64,
				 c->dir, dt->name, dt->size, t->size);
		const char *name;
		if (t->str && (err = gr_rtype_name(rt, t, &name)))
			fail_msg("%s: %s: %s", c->dir, dt->name, err->message);
		if (!t->ptrbytes || t->gc_prog || t->mask_on_demand ||
		    (t->kind != GR_GO_KIND_STRUCT && t->kind != GR_GO_KIND_ARRAY))
			continue;
		const uint8_t *want;
		uint8_t *got;
		uint64_t nw, ng;
		if ((err = gr_rtype_gcmask(rt, t, &want, &nw)))
			fail_msg("%s: %s: %s", c->dir, dt->name, err->message);
		err = gr_rtype_build_gcmask(rt, t, &got, &ng);
		if (err && c->minor < 21 && err->code == GR_ERR_UNSUPPORTED) {
			gr_error_destroy(err);
			continue;
		}
		if (err)
			fail_msg("%s: %s: %s", c->dir, dt->name, err->message);
		assert_int_equal(ng, nw);
		if (memcmp(got, want, (nw + 7) / 8) != 0)
			fail_msg("%s: %s: built mask differs", c->dir,
				 dt->name);
		free(got);
		built++;
	}
	assert_true(n > 100);
	assert_true(c->minor < 21 || built > 10);
	assert_true(gr_rtypes_cached(rt) >= n / 2);
}

static void check_errors(struct gr_rtypes *rt)
{
	const struct gr_rtype *t;
	struct gr_error *err = gr_rtype_get(rt, 0x1001, &t);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_BAD_DATA); /* misaligned */
	gr_error_destroy(err);
	err = gr_rtype_get(rt, 0x10, &t);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_FAULT);
	assert_int_equal(err->address, 0x10);
	gr_error_destroy(err);
}

static void test_leakymap_types(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	size_t done = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct cc_core *c = &set.v[i];
		if (strcmp(c->variant, "leakymap-exe") != 0 &&
		    strcmp(c->variant, "leakymap-pie") != 0)
			continue;
		struct gr_session *s = open_core(c);
		struct gr_rtypes *rt;
		struct gr_error *err = gr_rtypes_create(s, &rt);
		if (err)
			fail_msg("%s: %s", c->dir, err->message);
		check_session(s, rt);
		check_all(c, s, rt);
		check_errors(rt);
		gr_rtypes_destroy(rt);
		gr_session_destroy(s);
		done++;
	}
	assert_true(done >= 2);
	cc_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leakymap_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
