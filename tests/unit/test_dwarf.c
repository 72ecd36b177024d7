/* SPDX-License-Identifier: MIT */
/*
 * gr_dwarf against the standard library's debug/dwarf: every installed Go
 * toolchain builds tests/tools/dwarfdump-oracle/testprog (and the shared
 * tests/tools/sample, with and without cgo), dwarfdump-oracle prints what
 * the index must hold, and the whole index is compared record by record.
 * Lookups are then checked against the same output, and damaged copies of
 * a binary must fail cleanly (run under ASan: make BUILD=build-san
 * SANITIZE=address,undefined tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forensics/01-base/cursor.h"
#include "forensics/02-input/exe.h"
#include "forensics/03-dwarf/dwarf.h"
#include "tests/tools/testbins.h"

/* ---- subjects ---- */

/* Every build the oracle described, see dwarfdump-oracle/testbins.sh. */
static const char *const subjects[] = {
	"exe",	      "pie",	    "plain",		   "nodwarf",
	"sample-exe", "sample-pie", "sample-pie.stripped", "sample-ext",
	"sample-extpie",
};

struct dw_state {
	struct tb_set set;
	char tmpdir[64];
};

static int setup(void **state)
{
	struct dw_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -1;
	const char *src = getenv("GR_SRCDIR");
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "%s/tests/tools/dwarfdump-oracle/testbins.sh",
		 src ? src : ".");
	FILE *p = popen(cmd, "r");
	char line[2 * PATH_MAX];
	while (p && st->set.n < TB_MAX_VERSIONS && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		struct tb_version *v = &st->set.v[st->set.n];
		if (strlen(line) >= sizeof(v->minor) ||
		    strlen(tab + 1) >= sizeof(v->dir))
			continue;
		memcpy(v->minor, line, strlen(line) + 1);
		memcpy(v->dir, tab + 1, strlen(tab + 1) + 1);
		st->set.n++;
	}
	int status = p ? pclose(p) : -1;
	snprintf(st->tmpdir, sizeof(st->tmpdir), "/tmp/gr-test-dwarf-XXXXXX");
	if (status != 0 || st->set.n == 0 || !mkdtemp(st->tmpdir)) {
		fprintf(stderr, "%s failed (status %d) or found no toolchain\n",
			cmd, status);
		free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct dw_state *st = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", st->tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", st->tmpdir);
	free(st);
	return 0;
}

struct subject {
	struct gr_exe *exe;
	struct gr_dwarf *d;
	struct tb_oracle o;
	char path[PATH_MAX + 32];
};

static void subject_open(struct subject *s, const struct tb_version *v,
			 const char *name)
{
	char opath[PATH_MAX + 64];
	tb_path(s->path, sizeof(s->path), v, name);
	snprintf(opath, sizeof(opath), "%s.dwarf", s->path);
	tb_oracle_load(&s->o, opath);
	tb_ok(gr_exe_open(s->path, &s->exe));
	tb_ok(gr_dwarf_open(s->exe, &s->d));
}

static void subject_close(struct subject *s)
{
	gr_dwarf_destroy(s->d);
	gr_exe_destroy(s->exe);
	tb_oracle_free(&s->o);
}

/* ---- the index in the oracle's format ---- */

static void dump_ref(FILE *out, const struct gr_dwarf *d, uint32_t id)
{
	const struct gr_dwarf_type *t = gr_dwarf_type(d, id);
	if (t)
		fprintf(out, "\t%" PRIu64, t->die);
	else
		fprintf(out, "\t-");
}

static void dump_types(FILE *out, const struct gr_dwarf *d)
{
	for (uint32_t i = 0; i < gr_dwarf_type_count(d); i++) {
		const struct gr_dwarf_type *t = gr_dwarf_type(d, i);
		fprintf(out, "type\t%" PRIu64 "\t%u\t%s\t", t->die, t->tag,
			t->name);
		if (t->has_size)
			fprintf(out, "%" PRIu64, t->size);
		else
			fprintf(out, "-");
		fprintf(out, "\t%u\t0x%" PRIx64, t->go_kind, t->runtime_type);
		dump_ref(out, d, t->type);
		dump_ref(out, d, t->elem);
		dump_ref(out, d, t->key);
		if (t->has_count)
			fprintf(out, "\t%" PRIu64, t->count);
		else
			fprintf(out, "\t-");
		fprintf(out, "\t%d\t%u\n", t->go_alias, t->nfields);
		for (uint32_t j = 0; j < t->nfields; j++) {
			const struct gr_dwarf_field *f =
				gr_dwarf_type_field(d, i, j);
			fprintf(out, "field\t%s\t%" PRIu64, f->name, f->offset);
			dump_ref(out, d, f->type);
			fprintf(out, "\t%d\n", f->embedded);
		}
	}
}

static const char *loc_name(uint8_t loc)
{
	switch (loc) {
	case GR_DWARF_LOC_FRAME:
		return "frame";
	case GR_DWARF_LOC_LOCLIST:
		return "loclist";
	case GR_DWARF_LOC_EXPR:
		return "expr";
	default:
		return "none";
	}
}

static void dump_functions(FILE *out, const struct gr_dwarf *d)
{
	for (size_t i = 0; i < gr_dwarf_function_count(d); i++) {
		const struct gr_dwarf_function *f =
			gr_dwarf_function_at_index(d, i);
		fprintf(out,
			"func\t%" PRIu64 "\t%s\t0x%" PRIx64 "\t0x%" PRIx64
			"\t%u\n",
			f->die, f->name, f->low_pc, f->high_pc, f->nvars);
		for (uint32_t j = 0; j < f->nvars; j++) {
			const struct gr_dwarf_var *v =
				gr_dwarf_function_var(d, f, j);
			fprintf(out, "var\t%s", v->name);
			dump_ref(out, d, v->type);
			fprintf(out, "\t%u\t%s\t", v->flags, loc_name(v->loc));
			if (v->loc == GR_DWARF_LOC_FRAME)
				fprintf(out, "%" PRId64 "\n", v->frame_offset);
			else if (v->loc == GR_DWARF_LOC_LOCLIST)
				fprintf(out, "%" PRIu64 "\n", v->loclist);
			else if (v->loc == GR_DWARF_LOC_EXPR)
				fprintf(out, "%u\n", v->expr_len);
			else
				fprintf(out, "-\n");
		}
	}
}

static void dump_index(FILE *out, const struct gr_dwarf *d)
{
	fprintf(out, "dwarf\t%d\t%u\n", gr_dwarf_present(d),
		gr_dwarf_version(d));
	fprintf(out, "counts\t%zu\t%zu\t%zu\t%zu\t%zu\n",
		gr_dwarf_type_count(d), gr_dwarf_global_count(d),
		gr_dwarf_constant_count(d), gr_dwarf_function_count(d),
		gr_dwarf_var_count(d));
	dump_types(out, d);
	for (size_t i = 0; i < gr_dwarf_global_count(d); i++) {
		const struct gr_dwarf_global *g = gr_dwarf_global_at_index(d, i);
		fprintf(out, "global\t%s\t0x%" PRIx64, g->name, g->addr);
		dump_ref(out, d, g->type);
		if (g->has_size)
			fprintf(out, "\t%" PRIu64 "\n", g->size);
		else
			fprintf(out, "\t-\n");
	}
	for (size_t i = 0; i < gr_dwarf_constant_count(d); i++) {
		const struct gr_dwarf_constant *c =
			gr_dwarf_constant_at_index(d, i);
		fprintf(out, "const\t%s\t%" PRId64 "\n", c->name, c->value);
	}
	dump_functions(out, d);
}

/* The whole index, line for line, equals the oracle's output. */
static void compare_with_oracle(const struct subject *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	dump_index(out, s->d);
	assert_int_equal(fclose(out), 0);
	size_t i = 0;
	for (char *line = buf; *line; i++) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		if (i >= s->o.nlines || strcmp(line, s->o.lines[i]) != 0)
			fail_msg("%s: line %zu:\n  gr_dwarf: %s\n  oracle:   %s",
				 s->path, i + 1, line,
				 i < s->o.nlines ? s->o.lines[i] : "(end)");
		line = nl + 1;
	}
	if (i != s->o.nlines)
		fail_msg("%s: %zu lines, oracle has %zu", s->path, i,
			 s->o.nlines);
	free(buf);
}

static void test_matches_oracle(void **state)
{
	struct dw_state *st = *state;
	for (size_t k = 0; k < st->set.n; k++) {
		for (size_t j = 0; j < sizeof(subjects) / sizeof(*subjects); j++) {
			struct subject s;
			subject_open(&s, &st->set.v[k], subjects[j]);
			compare_with_oracle(&s);
			subject_close(&s);
		}
	}
}

/* ---- lookups ---- */

enum { MAXF = 16 };

static uint64_t num(const char *s)
{
	return strtoull(s, NULL, 0);
}

static void check_type_lookups(const struct subject *s)
{
	char buf[4096];
	char *f[MAXF];
	for (size_t i = 0; i < s->o.nlines; i++) {
		if (strncmp(s->o.lines[i], "type\t", 5) != 0 ||
		    tb_fields(s->o.lines[i], buf, sizeof(buf), f, MAXF) < 13)
			continue;
		const char *name = f[3];
		uint64_t die = num(f[1]), rt = num(f[6]);
		bool alias = f[11][0] == '1';
		uint32_t id;
		const struct gr_dwarf_type *t;
		if (name[0]) {
			tb_ok(gr_dwarf_type_by_name(s->d, name, &id));
			t = gr_dwarf_type(s->d, id);
			assert_string_equal(t->name, name);
			/* The first definition of the name, else its alias. */
			if (!alias)
				assert_false(t->go_alias);
			if (!alias || t->go_alias)
				assert_true(t->die <= die);
		}
		if (rt) {
			assert_true(gr_dwarf_type_by_runtime_type(s->d, rt, &id));
			t = gr_dwarf_type(s->d, id);
			assert_int_equal(t->runtime_type, rt);
			assert_true(t->die <= die);
		}
	}
}

static void check_global_lookups(const struct subject *s)
{
	char buf[4096];
	char *f[MAXF];
	const struct gr_dwarf_global *first = gr_dwarf_global_at_index(s->d, 0);
	size_t gi = 0;
	for (size_t i = 0; i < s->o.nlines; i++) {
		if (strncmp(s->o.lines[i], "global\t", 7) != 0 ||
		    tb_fields(s->o.lines[i], buf, sizeof(buf), f, MAXF) < 5)
			continue;
		const struct gr_dwarf_global *g;
		tb_ok(gr_dwarf_global(s->d, f[1], &g));
		assert_string_equal(g->name, f[1]);
		assert_true((size_t)(g - first) <= gi);
		uint64_t addr = num(f[2]);
		if ((size_t)(g - first) == gi)
			assert_int_equal(g->addr, addr);
		g = gr_dwarf_global_at(s->d, addr);
		assert_non_null(g);
		assert_int_equal(g->addr, addr);
		if (f[4][0] != '-' && num(f[4]) > 1) {
			g = gr_dwarf_global_at(s->d, addr + num(f[4]) - 1);
			assert_non_null(g);
			assert_int_equal(g->addr, addr);
		}
		gi++;
	}
	assert_int_equal(gi, gr_dwarf_global_count(s->d));
	assert_null(gr_dwarf_global_at(s->d, 0));
}

static void check_constant_lookups(const struct subject *s)
{
	char buf[4096];
	char *f[MAXF];
	for (size_t i = 0; i < s->o.nlines; i++) {
		if (strncmp(s->o.lines[i], "const\t", 6) != 0 ||
		    tb_fields(s->o.lines[i], buf, sizeof(buf), f, MAXF) < 3)
			continue;
		int64_t v;
		tb_ok(gr_dwarf_constant(s->d, f[1], &v));
		if (v == strtoll(f[2], NULL, 10))
			continue;
		/* Only a later duplicate of the name may differ. */
		size_t j = i;
		char key[4096];
		snprintf(key, sizeof(key), "const\t%s\t", f[1]);
		while (j > 0 && strncmp(s->o.lines[j - 1], key, strlen(key)))
			j--;
		if (j == 0)
			fail_msg("constant %s = %" PRId64 ", oracle says %s",
				 f[1], v, f[2]);
	}
}

static void check_function_lookups(const struct subject *s)
{
	char buf[4096];
	char *f[MAXF];
	for (size_t i = 0; i < s->o.nlines; i++) {
		if (strncmp(s->o.lines[i], "func\t", 5) != 0 ||
		    tb_fields(s->o.lines[i], buf, sizeof(buf), f, MAXF) < 6)
			continue;
		uint64_t lo = num(f[3]), hi = num(f[4]);
		if (hi <= lo)
			continue;
		const struct gr_dwarf_function *fn =
			gr_dwarf_function_at(s->d, lo);
		assert_non_null(fn);
		assert_int_equal(fn->low_pc, lo);
		fn = gr_dwarf_function_at(s->d, hi - 1);
		assert_non_null(fn);
		assert_int_equal(fn->low_pc, lo);
		assert_string_equal(fn->name, f[2]);
	}
	assert_null(gr_dwarf_function_at(s->d, 0));
}

static void test_lookups(void **state)
{
	struct dw_state *st = *state;
	static const char *const names[] = {"exe", "pie", "sample-ext"};
	for (size_t k = 0; k < st->set.n; k++) {
		for (size_t j = 0; j < sizeof(names) / sizeof(*names); j++) {
			struct subject s;
			subject_open(&s, &st->set.v[k], names[j]);
			check_type_lookups(&s);
			check_global_lookups(&s);
			check_constant_lookups(&s);
			check_function_lookups(&s);
			subject_close(&s);
		}
	}
}

/* ---- runtime structures: every member, by name ---- */

static void check_struct_members(const struct subject *s, const char *type,
				 const char *const *must)
{
	char buf[4096];
	char *f[MAXF];
	size_t i = 0;
	for (; i < s->o.nlines; i++) {
		if (strncmp(s->o.lines[i], "type\t", 5) == 0 &&
		    tb_fields(s->o.lines[i], buf, sizeof(buf), f, MAXF) >= 13 &&
		    strcmp(f[3], type) == 0 && f[11][0] == '0')
			break;
	}
	if (i == s->o.nlines)
		fail_msg("%s: oracle has no %s", s->path, type);
	size_t nfields = (size_t)num(f[12]);
	assert_true(nfields > 0);
	for (size_t k = 1; k <= nfields; k++) {
		assert_true(tb_fields(s->o.lines[i + k], buf, sizeof(buf), f,
				      MAXF) >= 5);
		uint64_t off;
		tb_ok(gr_dwarf_field_offset(s->d, type, f[1], &off));
		/* Repeated names ("_" padding): the first one wins. */
		if (off != num(f[2]) && strcmp(f[1], "_") != 0)
			fail_msg("%s.%s at %" PRIu64 ", oracle says %s", type,
				 f[1], off, f[2]);
	}
	for (; *must; must++) {
		uint64_t off;
		tb_ok(gr_dwarf_field_offset(s->d, type, *must, &off));
	}
}

static void test_runtime_structs(void **state)
{
	struct dw_state *st = *state;
	static const char *const mspan[] = {"startAddr", "npages", "nelems",
					    "spanclass", "elemsize", NULL};
	static const char *const mheap[] = {"arenas", "allspans", "central",
					    NULL};
	static const char *const g[] = {"stack", "goid", "atomicstatus",
					"sched", NULL};
	static const char *const md[] = {"pclntable", "ftab", "types",
					 "etypes", "gcdata", "gcbss", "next",
					 NULL};
	for (size_t k = 0; k < st->set.n; k++) {
		struct subject s;
		subject_open(&s, &st->set.v[k], "exe");
		check_struct_members(&s, "runtime.mspan", mspan);
		check_struct_members(&s, "runtime.mheap", mheap);
		check_struct_members(&s, "runtime.g", g);
		check_struct_members(&s, "runtime.moduledata", md);
		subject_close(&s);
	}
}

/* ---- members by dotted path, sizes ---- */

static void assert_unsupported(struct gr_error *err, const char *needle)
{
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_UNSUPPORTED);
	if (!strstr(err->message, needle))
		fail_msg("\"%s\" does not say \"%s\"", err->message, needle);
	gr_error_destroy(err);
}

static void check_members(const struct gr_dwarf *d)
{
	/* A dotted path adds the offsets along it. */
	uint64_t sched, sp, hi, lo;
	tb_ok(gr_dwarf_field_offset(d, "runtime.g", "sched", &sched));
	tb_ok(gr_dwarf_field_offset(d, "runtime.gobuf", "sp", &sp));
	struct gr_dwarf_member m;
	tb_ok(gr_dwarf_member_of(d, "runtime.g", "sched.sp",
				 GR_DWARF_SIZES(8), &m));
	assert_int_equal(m.off, sched + sp);
	assert_int_equal(m.size, 8);
	tb_ok(gr_dwarf_field_offset(d, "runtime.g", "stack", &sched));
	tb_ok(gr_dwarf_field_offset(d, "runtime.stack", "hi", &hi));
	tb_ok(gr_dwarf_field_offset(d, "runtime.stack", "lo", &lo));
	tb_ok(gr_dwarf_member_of(d, "runtime.g", "stack.hi", NULL, &m));
	assert_int_equal(m.off, sched + hi);
	/* By id the same as by name, and the type is the member's. */
	uint32_t g;
	tb_ok(gr_dwarf_type_by_name(d, "runtime.g", &g));
	struct gr_dwarf_member byid;
	tb_ok(gr_dwarf_member(d, g, "stack.hi", NULL, &byid));
	assert_int_equal(byid.off, m.off);
	assert_int_equal(byid.type, m.type);
	uint64_t size;
	assert_true(gr_dwarf_type_size(d, m.type, &size));
	assert_int_equal(size, 8);
	/* One of several sizes; a whole struct member. */
	tb_ok(gr_dwarf_member_of(d, "runtime.mspan", "nelems",
				 GR_DWARF_SIZES(2, 8), &m));
	tb_ok(gr_dwarf_member_of(d, "runtime.g", "stack", GR_DWARF_SIZES(16),
				 &m));
	assert_int_equal(m.off, sched);
	/* Misses and wrong sizes name the type and the whole path. */
	assert_unsupported(gr_dwarf_member_of(d, "runtime.mspan", "startAddr",
					      GR_DWARF_SIZES(4), &m),
			   "runtime.mspan.startAddr is 8 bytes, expected 4");
	assert_unsupported(gr_dwarf_member_of(d, "runtime.mspan", "nelems",
					      GR_DWARF_SIZES(1, 3), &m),
			   "expected 1 or 3");
	assert_unsupported(gr_dwarf_member_of(d, "runtime.g", "sched.nosuch",
					      NULL, &m),
			   "runtime.g.sched.nosuch is not described");
	assert_unsupported(gr_dwarf_member_of(d, "runtime.g", "nosuch.sp",
					      NULL, &m),
			   "runtime.g.nosuch.sp");
	assert_unsupported(gr_dwarf_member_of(d, "runtime.NoSuchType", "x",
					      NULL, &m),
			   "runtime.NoSuchType.x");
	assert_unsupported(gr_dwarf_member(d, g, "stack.hi.deeper", NULL, &m),
			   "runtime.g.stack.hi.deeper");
	assert_true(gr_dwarf_has_member(d, "runtime.g", "sched.pc"));
	assert_false(gr_dwarf_has_member(d, "runtime.g", "sched.nosuch"));
	/* Sizes: by id, by name, and misses. */
	tb_ok(gr_dwarf_type_size_of(d, "runtime.stack", &size));
	assert_int_equal(size, 16);
	assert_false(gr_dwarf_type_size(d, GR_DWARF_NO_TYPE, &size));
	assert_unsupported(gr_dwarf_type_size_of(d, "runtime.NoSuchType",
						 &size),
			   "runtime.NoSuchType is not described");
}

/*
 * gr_dwarf_member_read over a made-up address space: each integer size
 * zero-extended and little-endian, faults passed up with their address,
 * a size no integer has refused.
 */
static void test_member_read(void **state)
{
	(void)state;
	static uint8_t bytes[32];
	for (int i = 0; i < 32; i++)
		bytes[i] = (uint8_t)(0xf0 + i);
	struct gr_mem *mem;
	tb_ok(gr_mem_create(&mem));
	struct gr_mem_segment seg = {.start = 0x1000, .end = 0x1020,
				     .source = GR_MEM_CORE, .data = bytes};
	tb_ok(gr_mem_add(mem, &seg));
	static const struct {
		uint64_t off, size, want;
	} cases[] = {
		{0, 1, 0xf0},
		{2, 2, 0xf3f2},
		{4, 4, 0xf7f6f5f4},
		{8, 8, 0xfffefdfcfbfaf9f8ull},
		{31, 1, 0x0f},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gr_dwarf_member m = {.off = cases[i].off,
					    .size = cases[i].size};
		uint64_t v = 0x5555;
		tb_ok(gr_dwarf_member_read(mem, 0x1000, &m, &v));
		assert_int_equal(v, cases[i].want);
	}
	/* Past the segment: gr_mem's fault, the value untouched. */
	struct gr_dwarf_member m = {.off = 0x1e, .size = 4};
	uint64_t v = 7;
	struct gr_error *err = gr_dwarf_member_read(mem, 0x1000, &m, &v);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_FAULT);
	assert_int_equal(err->address, 0x1020);
	assert_int_equal(v, 7);
	gr_error_destroy(err);
	/* base + off wrapping is a fault at the base, not a read elsewhere. */
	m = (struct gr_dwarf_member){.off = 0x2000, .size = 8};
	err = gr_dwarf_member_read(mem, UINT64_MAX - 0x10, &m, &v);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_FAULT);
	assert_int_equal(err->address, UINT64_MAX - 0x10);
	gr_error_destroy(err);
	/* Unsized, odd-sized and struct-sized members are not integers. */
	static const uint64_t bad[] = {0, 3, 16};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = (struct gr_dwarf_member){.off = 4, .size = bad[i]};
		assert_unsupported(gr_dwarf_member_read(mem, 0x1000, &m, &v),
				   "is not an integer");
	}
	assert_int_equal(v, 7);
	gr_mem_destroy(mem);
}

static void test_members(void **state)
{
	struct dw_state *st = *state;
	for (size_t k = 0; k < st->set.n; k++) {
		struct subject s;
		subject_open(&s, &st->set.v[k], "exe");
		check_members(s.d);
		subject_close(&s);
	}
}

/* ---- the shapes Go gives its types ---- */

static const struct gr_dwarf_type *named(const struct gr_dwarf *d,
					 const char *name)
{
	uint32_t id;
	tb_ok(gr_dwarf_type_by_name(d, name, &id));
	return gr_dwarf_type(d, id);
}

static const struct gr_dwarf_type *member_type(const struct gr_dwarf *d,
					       const char *type,
					       const char *field)
{
	uint32_t id;
	const struct gr_dwarf_field *f;
	tb_ok(gr_dwarf_type_by_name(d, type, &id));
	tb_ok(gr_dwarf_field(d, id, field, &f));
	return gr_dwarf_type(d, gr_dwarf_type_strip(d, f->type));
}

static void check_outer(const struct gr_dwarf *d)
{
	const struct gr_dwarf_type *t = named(d, "main.Outer");
	assert_int_equal(t->kind, GR_DWARF_TYPE_STRUCT);
	assert_int_equal(t->go_kind, GR_GO_KIND_STRUCT);
	assert_true(t->runtime_type != 0);
	uint32_t id;
	const struct gr_dwarf_field *f;
	tb_ok(gr_dwarf_type_by_name(d, "main.Outer", &id));
	tb_ok(gr_dwarf_field(d, id, "Inner", &f));
	assert_true(f->embedded);
	assert_int_equal(f->offset, 0);
	tb_ok(gr_dwarf_field(d, id, "P", &f));
	assert_false(f->embedded);

	const struct gr_dwarf_type *m = member_type(d, "main.Outer", "M");
	assert_int_equal(m->go_kind, GR_GO_KIND_MAP);
	assert_int_equal(m->size, 8);
	assert_string_equal(gr_dwarf_type(d, m->key)->name, "string");
	assert_string_equal(gr_dwarf_type(d, m->elem)->name, "*main.Point");
	const struct gr_dwarf_type *c = member_type(d, "main.Outer", "C");
	assert_int_equal(c->go_kind, GR_GO_KIND_CHAN);
	assert_string_equal(gr_dwarf_type(d, c->elem)->name, "int");
	assert_int_equal(member_type(d, "main.Outer", "F")->go_kind,
			 GR_GO_KIND_FUNC);
	const struct gr_dwarf_type *sl = member_type(d, "main.Outer", "S");
	assert_int_equal(sl->go_kind, GR_GO_KIND_SLICE);
	assert_int_equal(sl->size, 24);
	assert_string_equal(gr_dwarf_type(d, sl->elem)->name, "uint8");
	const struct gr_dwarf_type *in = member_type(d, "main.Outer", "I");
	assert_int_equal(in->go_kind, GR_GO_KIND_INTERFACE);
	assert_int_equal(in->size, 16);
	/* Fields of an interface are those of its representation. */
	const struct gr_dwarf_field *data;
	tb_ok(gr_dwarf_field(d, (uint32_t)(in - gr_dwarf_type(d, 0)), "data",
			     &data));
	assert_int_equal(data->offset, 8);
	const struct gr_dwarf_type *pad = member_type(d, "main.Outer", "Pad");
	assert_int_equal(pad->kind, GR_DWARF_TYPE_ARRAY);
	assert_true(pad->has_count);
	assert_int_equal(pad->count, 7);
	assert_int_equal(pad->size, 7);
	const struct gr_dwarf_type *p = member_type(d, "main.Outer", "P");
	assert_int_equal(p->kind, GR_DWARF_TYPE_POINTER);
	assert_int_equal(p->size, 8);
	assert_string_equal(gr_dwarf_type(d, p->type)->name, "main.Point");
}

static void check_globals(const struct gr_dwarf *d)
{
	static const struct {
		const char *name;
		uint64_t size;
		uint8_t go_kind;
	} want[] = {
		{"main.GlobalPoint", 32, GR_GO_KIND_STRUCT},
		{"main.GlobalOuter", 104, GR_GO_KIND_STRUCT},
		{"main.GlobalMap", 8, GR_GO_KIND_MAP},
		{"main.GlobalChan", 8, GR_GO_KIND_CHAN},
		{"main.GlobalFunc", 8, GR_GO_KIND_FUNC},
		{"main.GlobalSlice", 24, GR_GO_KIND_SLICE},
		{"main.GlobalArray", 128, GR_GO_KIND_ARRAY},
		{"main.GlobalIface", 16, GR_GO_KIND_INTERFACE},
		{"main.GlobalCount", 8, GR_GO_KIND_INT},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		const struct gr_dwarf_global *g;
		tb_ok(gr_dwarf_global(d, want[i].name, &g));
		assert_true(g->has_size);
		assert_int_equal(g->size, want[i].size);
		const struct gr_dwarf_type *t =
			gr_dwarf_type(d, gr_dwarf_type_strip(d, g->type));
		assert_int_equal(t->go_kind, want[i].go_kind);
		assert_ptr_equal(gr_dwarf_global_at(d, g->addr + g->size / 2),
				 g);
	}
	const struct gr_dwarf_global *g;
	tb_ok(gr_dwarf_global(d, "runtime.mheap_", &g));
	assert_string_equal(gr_dwarf_type(d, g->type)->name, "runtime.mheap");
}

static void check_functions(const struct gr_dwarf *d)
{
	bool work = false, closure = false;
	for (size_t i = 0; i < gr_dwarf_function_count(d); i++) {
		const struct gr_dwarf_function *fn =
			gr_dwarf_function_at_index(d, i);
		/* makeAdder's closure: main.main.func1 (1.19, inlined),
		 * main.main.makeAdder.func1 (1.21-1.26), main.makeAdder.func1
		 * (1.27 simplified closure names). */
		closure |= strncmp(fn->name, "main.", 5) == 0 &&
			   strstr(fn->name, ".func1") != NULL;
		if (strcmp(fn->name, "main.work") != 0)
			continue;
		work = true;
		assert_ptr_equal(gr_dwarf_function_at(d, fn->low_pc), fn);
		bool o = false, local = false;
		for (uint32_t j = 0; j < fn->nvars; j++) {
			const struct gr_dwarf_var *v =
				gr_dwarf_function_var(d, fn, j);
			if (strcmp(v->name, "o") == 0) {
				o = true;
				assert_true(v->flags & GR_DWARF_VAR_PARAM);
				assert_string_equal(gr_dwarf_type(d, v->type)->name,
						    "*main.Outer");
			}
			local |= strcmp(v->name, "local") == 0;
		}
		assert_true(o && local);
		assert_null(gr_dwarf_function_var(d, fn, fn->nvars));
	}
	assert_true(work);
	assert_true(closure);
}

/*
 * DW_AT_go_closure_offset appeared in Go 1.23; the runtime's own closures
 * (systemstack callbacks) capture variables, past the code pointer.
 */
static void check_closure_offsets(const struct gr_dwarf *d, unsigned minor)
{
	size_t captured = 0;
	for (size_t i = 0; i < gr_dwarf_function_count(d); i++) {
		const struct gr_dwarf_function *fn =
			gr_dwarf_function_at_index(d, i);
		for (uint32_t j = 0; j < fn->nvars; j++) {
			const struct gr_dwarf_var *v =
				gr_dwarf_function_var(d, fn, j);
			if (!v->has_closure_offset)
				continue;
			captured++;
			assert_true(v->closure_offset >= 8);
		}
	}
	if (minor >= 23)
		assert_true(captured > 0);
	else
		assert_int_equal(captured, 0);
}

static void check_constants(const struct gr_dwarf *d, unsigned minor)
{
	int64_t v;
	tb_ok(gr_dwarf_constant(d, "runtime._PageSize", &v));
	assert_int_equal(v, 8192);
	/* runtime.pageShift moved to internal/runtime/gc.PageShift in 1.25. */
	tb_ok(gr_dwarf_constant(d, minor >= 25 ? "internal/runtime/gc.PageShift"
					       : "runtime.pageShift",
				&v));
	assert_int_equal(v, 13);
	tb_ok(gr_dwarf_constant(d, "runtime._Gscan", &v));
	assert_int_equal(v, 0x1000);
	struct gr_error *err = gr_dwarf_constant(d, "runtime.noSuchConst", &v);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_NOT_FOUND);
	assert_non_null(strstr(err->message, "runtime.noSuchConst"));
	gr_error_destroy(err);
}

static void check_misses(const struct gr_dwarf *d)
{
	uint64_t off;
	struct gr_error *err =
		gr_dwarf_field_offset(d, "runtime.mspan", "noSuchField", &off);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_NOT_FOUND);
	assert_non_null(strstr(err->message, "runtime.mspan.noSuchField"));
	gr_error_destroy(err);
	uint32_t id;
	tb_assert_code(gr_dwarf_type_by_name(d, "main.NoSuchType", &id),
		       GR_ERR_NOT_FOUND);
	const struct gr_dwarf_global *g;
	tb_assert_code(gr_dwarf_global(d, "main.NoSuchGlobal", &g),
		       GR_ERR_NOT_FOUND);
	assert_false(gr_dwarf_type_by_runtime_type(d, 0, &id));
	assert_false(gr_dwarf_type_by_runtime_type(d, 1, &id));
	assert_null(gr_dwarf_type(d, GR_DWARF_NO_TYPE));
	assert_null(gr_dwarf_type_field(d, GR_DWARF_NO_TYPE, 0));
	assert_null(gr_dwarf_global_at_index(d, gr_dwarf_global_count(d)));
}

static void test_go_shapes(void **state)
{
	struct dw_state *st = *state;
	for (size_t k = 0; k < st->set.n; k++) {
		const struct tb_version *v = &st->set.v[k];
		for (int pie = 0; pie < 2; pie++) {
			struct subject s;
			subject_open(&s, v, pie ? "pie" : "exe");
			assert_int_equal(gr_exe_is_pie(s.exe), pie);
			assert_true(gr_dwarf_present(s.d));
			/* DWARF 5 by default from Go 1.25. */
			assert_int_equal(gr_dwarf_version(s.d),
					 tb_minor(v) >= 25 ? 5 : 4);
			check_outer(s.d);
			check_globals(s.d);
			check_functions(s.d);
			check_closure_offsets(s.d, tb_minor(v));
			check_constants(s.d, tb_minor(v));
			check_misses(s.d);
			/* The alias typedef strips to its definition. */
			const struct gr_dwarf_type *def = named(s.d, "main.Point");
			uint32_t n = (uint32_t)gr_dwarf_type_count(s.d);
			for (uint32_t i = 0; i < n; i++) {
				const struct gr_dwarf_type *t =
					gr_dwarf_type(s.d, i);
				if (t->go_alias && t->type != GR_DWARF_NO_TYPE &&
				    gr_dwarf_type(s.d, t->type) == def)
					assert_ptr_equal(gr_dwarf_type(
						s.d, gr_dwarf_type_strip(s.d, i)),
							 def);
			}
			subject_close(&s);
		}
	}
}

/* ---- no DWARF ---- */

static void test_no_dwarf(void **state)
{
	struct dw_state *st = *state;
	for (size_t k = 0; k < st->set.n; k++) {
		for (int j = 0; j < 2; j++) {
			struct subject s;
			subject_open(&s, &st->set.v[k],
				     j ? "sample-pie.stripped" : "nodwarf");
			assert_false(gr_dwarf_present(s.d));
			assert_int_equal(gr_dwarf_version(s.d), 0);
			assert_int_equal(gr_dwarf_type_count(s.d), 0);
			assert_int_equal(gr_dwarf_global_count(s.d), 0);
			assert_int_equal(gr_dwarf_constant_count(s.d), 0);
			assert_int_equal(gr_dwarf_function_count(s.d), 0);
			assert_int_equal(gr_dwarf_var_count(s.d), 0);
			check_misses(s.d);
			int64_t v;
			tb_assert_code(gr_dwarf_constant(s.d, "runtime._PageSize",
							 &v),
				       GR_ERR_NOT_FOUND);
			assert_null(gr_dwarf_global_at(s.d, 0x500000));
			assert_null(gr_dwarf_function_at(s.d, 0x401000));
			subject_close(&s);
		}
	}
	gr_dwarf_destroy(NULL);
}

/* ---- damaged copies ---- */

struct patched {
	char path[PATH_MAX];
	uint8_t *data;
	size_t size;
	/* .debug_info: file offset and size, and its section header. */
	uint64_t info_off, info_size;
	size_t info_shdr;
};

/* Load @name of the newest toolchain's build into memory, find .debug_info. */
static void patched_load(struct patched *p, const struct dw_state *st,
			 const char *name)
{
	char src[PATH_MAX + 32];
	tb_path(src, sizeof(src), &st->set.v[st->set.n - 1], name);
	FILE *f = fopen(src, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	p->size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	p->data = malloc(p->size);
	assert_non_null(p->data);
	assert_int_equal(fread(p->data, 1, p->size, f), p->size);
	fclose(f);
	snprintf(p->path, sizeof(p->path), "%s/%s", st->tmpdir, name);

	Elf64_Ehdr eh;
	memcpy(&eh, p->data, sizeof(eh));
	Elf64_Shdr strtab;
	memcpy(&strtab, p->data + eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(strtab),
	       sizeof(strtab));
	for (size_t i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		size_t at = eh.e_shoff + i * sizeof(sh);
		memcpy(&sh, p->data + at, sizeof(sh));
		if (strcmp((char *)p->data + strtab.sh_offset + sh.sh_name,
			   ".debug_info") == 0) {
			p->info_off = sh.sh_offset;
			p->info_size = sh.sh_size;
			p->info_shdr = at;
			return;
		}
	}
	fail_msg("%s has no .debug_info", src);
}

/* Write the (patched) bytes out and open them: the error gr_dwarf gives. */
GR_MUST_USE
static struct gr_error *patched_open(struct patched *p)
{
	FILE *f = fopen(p->path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p->data, 1, p->size, f), p->size);
	assert_int_equal(fclose(f), 0);
	struct gr_exe *exe;
	tb_ok(gr_exe_open(p->path, &exe));
	struct gr_dwarf *d = NULL;
	struct gr_error *err = gr_dwarf_open(exe, &d);
	gr_dwarf_destroy(d);
	gr_exe_destroy(exe);
	return err;
}

static void assert_bad_data(struct gr_error *err, const char *needle)
{
	if (!err)
		fail_msg("damaged DWARF opened without an error");
	if (err->code != GR_ERR_BAD_DATA || !strstr(err->message, needle))
		fail_msg("want BAD_DATA with \"%s\", got %s: %s", needle,
			 gr_error_code_name(err->code), err->message);
	gr_error_destroy(err);
}

/* Size of a DWARF 4/5 unit header (32-bit DWARF). */
static size_t unit_header_size(const uint8_t *cu)
{
	return gr_le16(cu + 4) >= 5 ? 12 : 11;
}

static void test_corrupt_abbrev_code(void **state)
{
	struct patched p;
	patched_load(&p, *state, "plain");
	/* The unit DIE of the first unit: an abbreviation code Go never
	 * defines. */
	uint8_t *cu = p.data + p.info_off;
	cu[unit_header_size(cu)] = 0x7f;
	assert_bad_data(patched_open(&p), ".debug_info+0x");
	free(p.data);
}

static void test_truncated_info(void **state)
{
	struct patched p;
	patched_load(&p, *state, "plain");
	/* Halve sh_size: the unit across the cut runs past the end. */
	Elf64_Shdr sh;
	memcpy(&sh, p.data + p.info_shdr, sizeof(sh));
	sh.sh_size /= 2;
	memcpy(p.data + p.info_shdr, &sh, sizeof(sh));
	assert_bad_data(patched_open(&p), ".debug_info");
	/* Cut in the middle of the first unit's header. */
	sh.sh_size = 5;
	memcpy(p.data + p.info_shdr, &sh, sizeof(sh));
	assert_bad_data(patched_open(&p), ".debug_info");
	free(p.data);
}

static void test_bad_unit_header(void **state)
{
	struct patched p;
	patched_load(&p, *state, "plain");
	uint8_t *cu = p.data + p.info_off;
	uint8_t saved[6];
	memcpy(saved, cu, sizeof(saved));
	/* A version no DWARF has. */
	cu[4] = 99;
	cu[5] = 0;
	assert_bad_data(patched_open(&p), ".debug_info");
	memcpy(cu, saved, sizeof(saved));
	/* A unit length past the section. */
	memcpy(cu, "\xf0\xff\xff\x7f", 4);
	assert_bad_data(patched_open(&p), ".debug_info");
	free(p.data);
}

static void test_corrupt_zlib(void **state)
{
	struct patched p;
	patched_load(&p, *state, "exe");
	/* Past the 24-byte Elf64_Chdr, in the middle of the zlib stream. */
	memset(p.data + p.info_off + p.info_size / 2, 0x55, 64);
	assert_bad_data(patched_open(&p), "zlib");
	free(p.data);
}

/*
 * Random damage to .debug_info and .debug_abbrev must end in success or
 * BAD_DATA, never in a crash or a leak (this is what ASan runs are for).
 */
static void test_random_damage(void **state)
{
	struct patched p;
	patched_load(&p, *state, "plain");
	uint8_t *orig = malloc(p.size);
	assert_non_null(orig);
	memcpy(orig, p.data, p.size);
	srandom(20261122);
	int failed = 0;
	for (int round = 0; round < 24; round++) {
		memcpy(p.data, orig, p.size);
		int n = 1 + (int)(random() % 8);
		for (int k = 0; k < n; k++) {
			size_t at = p.info_off + (size_t)random() % p.info_size;
			p.data[at] = (uint8_t)random();
		}
		struct gr_error *err = patched_open(&p);
		if (err) {
			failed++;
			if (err->code != GR_ERR_BAD_DATA)
				fail_msg("round %d: %s: %s", round,
					 gr_error_code_name(err->code),
					 err->message);
			gr_error_destroy(err);
		}
	}
	/* Most damage is caught; some only renames things. */
	assert_true(failed > 0);
	free(orig);
	free(p.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_oracle),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_runtime_structs),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_member_read),
		cmocka_unit_test(test_go_shapes),
		cmocka_unit_test(test_no_dwarf),
		cmocka_unit_test(test_corrupt_abbrev_code),
		cmocka_unit_test(test_truncated_info),
		cmocka_unit_test(test_bad_unit_header),
		cmocka_unit_test(test_corrupt_zlib),
		cmocka_unit_test(test_random_damage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
