/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/cursor.h"
#include "forensics/04-gobin/pclntab.h"
#include "tests/tools/testbins.h"

/* One variant of the sample, opened, with its oracle and parsed pclntab. */
struct subject {
	struct gr_exe *exe;
	struct tb_oracle o;
	struct gr_pcln_location loc;
	const uint8_t *data;
	size_t size;
	uint64_t text;
	struct gr_pcln *pcln;
};

static void subject_open(struct subject *s, const struct tb_version *v,
			 const char *name, uint64_t bias)
{
	char path[PATH_MAX + 32], opath[PATH_MAX + 64];
	tb_path(path, sizeof(path), v, name);
	snprintf(opath, sizeof(opath), "%s.oracle", path);
	tb_oracle_load(&s->o, opath);
	tb_ok(gr_exe_open(path, &s->exe));
	tb_ok(gr_pcln_locate(s->exe, &s->loc));
	s->data = s->loc.data;
	s->size = s->loc.size;
	assert_int_equal(s->loc.addr, tb_get_u64(&s->o, "pclntab"));
	s->text = tb_get_u64(&s->o, "text");
	tb_ok(gr_pcln_create(s->data, s->size, s->text + bias, &s->pcln));
}

static void subject_close(struct subject *s)
{
	gr_pcln_destroy(s->pcln);
	gr_exe_destroy(s->exe);
	tb_oracle_free(&s->o);
}

/* Every function and every sampled pc agree with debug/gosym. */
static void check_against_gosym(const struct tb_version *v, const char *name)
{
	struct subject s;
	subject_open(&s, v, name, 0);
	struct gr_pcln *p = s.pcln;
	uint32_t magic = tb_minor(v) >= 20 ? GR_PCLN_MAGIC_GO120
					   : GR_PCLN_MAGIC_GO118;
	assert_int_equal(gr_pcln_magic(p), magic);
	assert_int_equal(gr_pcln_quantum(p), 1);
	assert_int_equal(gr_pcln_func_count(p), tb_get_u64(&s.o, "nfunc"));
	assert_true(gr_pcln_file_count(p) > 10);
	/* pcHeader.textStart: gone in 1.26 (pcln.go), unrelocated in a PIE. */
	if (tb_minor(v) >= 26)
		assert_int_equal(gr_pcln_header_text_start(p), 0);
	else if (strstr(name, "pie") == NULL)
		assert_int_equal(gr_pcln_header_text_start(p), s.text);

	/* Where it was found (see gr_pcln_locate). */
	const char *where = tb_get(&s.o, "pclntab");
	if (strstr(where, "(symbol)"))
		assert_int_equal(s.loc.origin, GR_PCLN_FROM_SYMBOL);
	else
		assert_int_equal(s.loc.origin, GR_PCLN_FROM_SECTION);

	uint32_t fi = 0;
	size_t npc = 0, nlines = 0;
	for (size_t i = 0; i < s.o.nlines; i++) {
		char buf[4096], *f[5] = {0};
		size_t nf = tb_fields(s.o.lines[i], buf, sizeof(buf), f, 5);
		if (nf == 0)
			continue; /* long settings lines */
		struct gr_pcln_func fn;
		if (strcmp(f[0], "func") == 0 && nf == 4) {
			tb_ok(gr_pcln_func_at(p, fi, &fn));
			assert_int_equal(fn.index, fi);
			assert_int_equal(fn.entry, strtoull(f[1], NULL, 0));
			assert_int_equal(fn.end, strtoull(f[2], NULL, 0));
			assert_string_equal(fn.name, f[3]);
			if (tb_minor(v) < 20)
				assert_int_equal(fn.start_line, 0);
			fi++;
		} else if (strcmp(f[0], "pc") == 0 && nf == 5) {
			uint64_t pc = strtoull(f[1], NULL, 0);
			long want_line = strtol(f[2], NULL, 10);
			tb_ok(gr_pcln_find_func(p, pc, &fn));
			assert_string_equal(fn.name, f[3]);
			const char *file;
			int32_t line;
			struct gr_error *err = gr_pcln_line(p, &fn, pc, &file, &line);
			if (want_line <= 0) {
				/* gosym found no line: neither must we. */
				tb_assert_code(err, GR_ERR_NOT_FOUND);
			} else {
				tb_ok(err);
				if (line != want_line || strcmp(file, f[4]) != 0)
					fail_msg("go%s %s pc %#llx in %s: %s:%d, "
						 "gosym %s:%ld",
						 v->minor, name,
						 (unsigned long long)pc, fn.name,
						 file, line, f[4], want_line);
				nlines++;
			}
			/*
			 * pcsp: 0 at entry, then whole words (runtime
			 * funcspdelta's debugPcln check).  The tables stop at
			 * the last instruction: the alignment padding up to
			 * the next function has no line and no SP delta.
			 */
			int32_t sp;
			err = gr_pcln_spdelta(p, &fn, pc, &sp);
			if (want_line <= 0 && err) {
				tb_assert_code(err, GR_ERR_NOT_FOUND);
			} else {
				tb_ok(err);
				if (fn.pcsp == 0)
					assert_int_equal(sp, -1); /* no table */
				else if (pc == fn.entry)
					assert_int_equal(sp, 0);
				else
					assert_true(sp >= 0 && sp % 8 == 0);
			}
			npc++;
		}
	}
	assert_int_equal(fi, gr_pcln_func_count(p));
	assert_true(npc >= 3 * (size_t)fi);
	assert_true(nlines > npc / 2);

	/* main.main exists and starts at a line of main.go. */
	struct gr_pcln_func fn;
	const char *sym = NULL;
	for (size_t i = 0; i < s.o.nlines; i++)
		if (strncmp(s.o.lines[i], "sym\tmain.main\t", 14) == 0)
			sym = s.o.lines[i] + 14;
	assert_non_null(sym);
	tb_ok(gr_pcln_find_func(p, strtoull(sym, NULL, 0), &fn));
	assert_string_equal(fn.name, "main.main");
	if (tb_minor(v) >= 20)
		assert_true(fn.start_line > 50);
	const char *file;
	int32_t line;
	tb_ok(gr_pcln_line(p, &fn, fn.entry, &file, &line));
	assert_non_null(strstr(file, "tests/tools/sample/main.go"));

	/* Outside every function. */
	tb_assert_code(gr_pcln_find_func(p, s.text - 1, &fn), GR_ERR_NOT_FOUND);
	tb_assert_code(gr_pcln_find_func(p, 0, &fn), GR_ERR_NOT_FOUND);
	tb_assert_code(gr_pcln_find_func(p, UINT64_MAX, &fn), GR_ERR_NOT_FOUND);
	tb_assert_code(gr_pcln_func_at(p, gr_pcln_func_count(p), &fn),
		       GR_ERR_NOT_FOUND);
	subject_close(&s);
}

static void test_against_gosym(void **state)
{
	const struct tb_set *set = *state;
	for (size_t i = 0; i < set->n; i++) {
		check_against_gosym(&set->v[i], "exe");
		check_against_gosym(&set->v[i], "pie");
		check_against_gosym(&set->v[i], "ext");
		check_against_gosym(&set->v[i], "extpie");
	}
}

/* Runtime PCs of a PIE: the same lookups, shifted by the load bias. */
static void test_bias(void **state)
{
	const struct tb_set *set = *state;
	const uint64_t bias = 0x7f3a12c00000ull;
	for (size_t i = 0; i < set->n; i++) {
		struct subject s;
		subject_open(&s, &set->v[i], "pie", bias);
		assert_int_equal(gr_pcln_text_start(s.pcln), s.text + bias);
		for (uint32_t k = 0; k < gr_pcln_func_count(s.pcln); k += 97) {
			struct gr_pcln_func a, b;
			tb_ok(gr_pcln_func_at(s.pcln, k, &a));
			assert_true(a.entry >= bias);
			uint64_t mid = a.entry + (a.end - a.entry) / 2;
			tb_ok(gr_pcln_find_func(s.pcln, mid, &b));
			assert_int_equal(b.index, k);
		}
		subject_close(&s);
	}
}

/*
 * Stripped binaries: the table is found by its section or, when an external
 * linker merged it into .data.rel.ro (cgo PIE up to Go 1.25), by its magic,
 * at the address the symbols give in the unstripped twin.
 */
static void test_locate_stripped(void **state)
{
	const struct tb_set *set = *state;
	for (size_t i = 0; i < set->n; i++) {
		const struct tb_version *v = &set->v[i];
		static const char *const names[] = {"pie", "extpie"};
		for (int k = 0; k < 2; k++) {
			char path[PATH_MAX + 32], opath[PATH_MAX + 64];
			snprintf(opath, sizeof(opath), "%s/%s.oracle", v->dir,
				 names[k]);
			snprintf(path, sizeof(path), "%s/%s.stripped", v->dir,
				 names[k]);
			struct tb_oracle o;
			tb_oracle_load(&o, opath);
			struct gr_exe *exe;
			tb_ok(gr_exe_open(path, &exe));
			struct gr_pcln_location loc;
			tb_ok(gr_pcln_locate(exe, &loc));
			assert_int_equal(loc.addr, tb_get_u64(&o, "pclntab"));
			bool merged = strstr(tb_get(&o, "pclntab"), "(symbol)");
			assert_int_equal(loc.origin, merged ? GR_PCLN_FROM_MAGIC
							    : GR_PCLN_FROM_SECTION);
			if (merged)
				assert_string_equal(loc.section, ".data.rel.ro");
			struct gr_pcln *p;
			tb_ok(gr_pcln_create(loc.data, loc.size,
					     tb_get_u64(&o, "text"), &p));
			assert_int_equal(gr_pcln_func_count(p),
					 tb_get_u64(&o, "nfunc"));
			gr_pcln_destroy(p);
			gr_exe_destroy(exe);
			tb_oracle_free(&o);
		}
	}
}

/*
 * Funcdata and pcdata agree with each other: a function's locals stack map
 * (FUNCDATA_LocalsPointerMaps, runtime/symtab.go stackmap {n, nbit int32})
 * has n entries and PCDATA_StackMapIndex stays in [-1, n) over the whole
 * function.  The maps live at gofunc + offset: inside .gopclntab from Go
 * 1.26, in .rodata before.
 */
static void check_funcdata(const struct tb_version *v)
{
	struct subject s;
	subject_open(&s, v, "exe", 0);
	uint64_t gofunc = tb_get_u64(&s.o, "gofunc");
	const struct gr_exe_section *rodata = gr_exe_section(s.exe, ".rodata");
	assert_non_null(rodata);
	size_t nmaps = 0, in_pcln = 0;
	for (uint32_t k = 0; k < gr_pcln_func_count(s.pcln); k++) {
		struct gr_pcln_func fn;
		tb_ok(gr_pcln_func_at(s.pcln, k, &fn));
		uint64_t addr;
		struct gr_error *err = gr_pcln_funcdata_addr(
			s.pcln, &fn, GR_FUNCDATA_LOCALS_POINTER_MAPS, gofunc,
			&addr);
		if (err) {
			tb_assert_code(err, GR_ERR_NOT_FOUND);
			continue;
		}
		uint32_t off;
		tb_ok(gr_pcln_funcdata_off(s.pcln, &fn,
					   GR_FUNCDATA_LOCALS_POINTER_MAPS, &off));
		assert_int_equal(addr, gofunc + off);
		const uint8_t *hdr;
		err = gr_pcln_bytes_at(s.pcln, s.loc.addr, addr, 8, &hdr);
		if (tb_minor(v) >= 26) {
			tb_ok(err);
			in_pcln++;
		} else {
			tb_assert_code(err, GR_ERR_NOT_FOUND);
			assert_true(addr >= rodata->addr &&
				    addr + 8 <= rodata->addr + rodata->size);
			tb_ok(gr_exe_read_vaddr(s.exe, addr, 8, &hdr));
		}
		int32_t n = (int32_t)gr_le32(hdr), nbit = (int32_t)gr_le32(hdr + 4);
		assert_true(n >= 1 && n < 100000);
		assert_true(nbit >= 0 && nbit < 1000000);
		nmaps++;

		/* Walk the stack-map index table over the whole function. */
		uint32_t toff;
		tb_ok(gr_pcln_pcdata_off(s.pcln, &fn, GR_PCDATA_STACK_MAP_INDEX,
					 &toff));
		struct gr_pcvalue_iter it;
		uint64_t start, end, expect = fn.entry;
		int32_t val;
		gr_pcvalue_iter_init(&it, s.pcln, &fn, toff);
		while (gr_pcvalue_iter_next(&it, &start, &end, &val, &err)) {
			assert_int_equal(start, expect);
			assert_true(val >= -1 && val < n);
			int32_t at;
			tb_ok(gr_pcln_pcdata(s.pcln, &fn,
					     GR_PCDATA_STACK_MAP_INDEX, start,
					     &at));
			assert_int_equal(at, val);
			expect = end;
		}
		assert_null(err);
		/* Up to the last instruction; padding follows. */
		assert_true(expect <= fn.end);
		if (toff != 0)
			assert_true(expect > fn.entry);
	}
	assert_true(nmaps > 100);
	if (tb_minor(v) >= 26)
		assert_int_equal(in_pcln, nmaps);

	/* Index past nfuncdata; a table the function lacks reads -1. */
	struct gr_pcln_func fn;
	tb_ok(gr_pcln_func_at(s.pcln, 0, &fn));
	uint32_t off;
	tb_assert_code(gr_pcln_funcdata_off(s.pcln, &fn, fn.nfuncdata, &off),
		       GR_ERR_NOT_FOUND);
	int32_t val;
	tb_ok(gr_pcln_pcdata(s.pcln, &fn, fn.npcdata + 1, fn.entry, &val));
	assert_int_equal(val, -1);
	subject_close(&s);
}

static void test_funcdata(void **state)
{
	const struct tb_set *set = *state;
	for (size_t i = 0; i < set->n; i++)
		check_funcdata(&set->v[i]);
}

/* ---- malformed tables ---- */

/*
 * Exercise everything on a possibly-broken table: every error must be one
 * of the documented codes, and nothing may read outside the buffer (the
 * sanitizer build checks that).
 */
static void exercise(const uint8_t *data, size_t size, uint64_t text,
		     uint32_t stride)
{
	struct gr_pcln *p;
	struct gr_error *err = gr_pcln_create(data, size, text, &p);
	if (err) {
		assert_true(err->code == GR_ERR_BAD_DATA ||
			    err->code == GR_ERR_UNSUPPORTED);
		gr_error_destroy(err);
		return;
	}
	for (uint32_t k = 0; k < gr_pcln_func_count(p); k += stride) {
		struct gr_pcln_func fn;
		err = gr_pcln_func_at(p, k, &fn);
		if (err) {
			tb_assert_code(err, GR_ERR_BAD_DATA);
			continue;
		}
		uint64_t pcs[2] = {fn.entry, fn.entry + (fn.end - fn.entry) / 2};
		for (int j = 0; j < 2; j++) {
			const char *file;
			int32_t line, v;
			uint64_t a;
			struct gr_error *errs[4] = {
				gr_pcln_line(p, &fn, pcs[j], &file, &line),
				gr_pcln_spdelta(p, &fn, pcs[j], &v),
				gr_pcln_pcdata(p, &fn, 1, pcs[j], &v),
				gr_pcln_funcdata_addr(p, &fn, 1, 0x1000, &a),
			};
			for (int e = 0; e < 4; e++) {
				if (!errs[e])
					continue;
				assert_true(errs[e]->code == GR_ERR_BAD_DATA ||
					    errs[e]->code == GR_ERR_NOT_FOUND);
				gr_error_destroy(errs[e]);
			}
		}
		struct gr_pcln_func g;
		err = gr_pcln_find_func(p, fn.entry, &g);
		gr_error_destroy(err);
	}
	gr_pcln_destroy(p);
}

static uint8_t *copy_of(const uint8_t *data, size_t size)
{
	uint8_t *c = malloc(size ? size : 1);
	assert_non_null(c);
	memcpy(c, data, size);
	return c;
}

static void check_malformed(const struct tb_version *v)
{
	struct subject s;
	subject_open(&s, v, "exe", 0);
	const uint8_t *d = s.data;
	size_t n = s.size;

	/* Truncations: the header byte by byte, then across the tables. */
	for (size_t cut = 0; cut < n; cut += cut < 128 ? 1 : n / 37) {
		uint8_t *c = copy_of(d, cut);
		exercise(c, cut, s.text, 61);
		free(c);
	}
	/* Header truncations are all BAD_DATA. */
	for (size_t cut = 0; cut < 72; cut++) {
		uint8_t *c = copy_of(d, cut);
		struct gr_pcln *p;
		tb_assert_code(gr_pcln_create(c, cut, s.text, &p),
			       GR_ERR_BAD_DATA);
		free(c);
	}

	uint8_t *c = copy_of(d, n);
	struct gr_pcln *p;
	struct gr_error *err;

	/* Unknown magics name themselves. */
	static const uint32_t magics[] = {0xfffffffb, 0xfffffffa, 0xfffffff2,
					  0x12345678};
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		memcpy(c, &magics[i], 4);
		err = gr_pcln_create(c, n, s.text, &p);
		assert_non_null(err);
		assert_int_equal(err->code, GR_ERR_UNSUPPORTED);
		char want[16];
		snprintf(want, sizeof(want), "0x%08x", magics[i]);
		assert_non_null(strstr(err->message, want));
		gr_error_destroy(err);
	}
	memcpy(c, d, 8);
	c[7] = 4;
	tb_assert_code(gr_pcln_create(c, n, s.text, &p), GR_ERR_UNSUPPORTED);
	c[7] = 8;

	/* Absurd counts and offsets. */
	uint64_t big = 1ull << 40;
	memcpy(c + 8, &big, 8);
	tb_assert_code(gr_pcln_create(c, n, s.text, &p), GR_ERR_BAD_DATA);
	uint64_t many = n / 8;
	memcpy(c + 8, &many, 8);
	tb_assert_code(gr_pcln_create(c, n, s.text, &p), GR_ERR_BAD_DATA);
	memcpy(c + 8, d + 8, 8);
	for (int w = 4; w < 9; w++) {
		uint64_t off = n + 1;
		memcpy(c + 8 * w, &off, 8);
		tb_assert_code(gr_pcln_create(c, n, s.text, &p), GR_ERR_BAD_DATA);
		off = 3;
		memcpy(c + 8 * w, &off, 8);
		tb_assert_code(gr_pcln_create(c, n, s.text, &p), GR_ERR_BAD_DATA);
		memcpy(c + 8 * w, d + 8 * w, 8);
	}
	tb_ok(gr_pcln_create(c, n, s.text, &p));
	gr_pcln_destroy(p);

	/* An unsorted functab. */
	uint64_t pcln_off;
	memcpy(&pcln_off, d + 64, 8);
	uint32_t e;
	memcpy(&e, c + pcln_off + 8, 4);
	e += 0x1000000;
	memcpy(c + pcln_off + 8, &e, 4);
	err = gr_pcln_create(c, n, s.text, &p);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "functab[2]"));
	gr_error_destroy(err);
	memcpy(c, d, n);

	/* Random byte flips in every region (deterministic LCG). */
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ n;
	for (int round = 0; round < 40; round++) {
		for (int k = 0; k < 16; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			size_t at = (size_t)((seed >> 17) % n);
			c[at] ^= (uint8_t)(seed >> 56 | 1);
		}
		exercise(c, n, s.text, 127);
		memcpy(c, d, n);
	}
	free(c);
	subject_close(&s);
}

static void test_malformed(void **state)
{
	const struct tb_set *set = *state;
	/* The oldest (0xfffffff0) and newest (0xfffffff1) formats. */
	check_malformed(&set->v[0]);
	if (set->n > 1)
		check_malformed(&set->v[set->n - 1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_gosym),
		cmocka_unit_test(test_bias),
		cmocka_unit_test(test_locate_stripped),
		cmocka_unit_test(test_funcdata),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, tb_setup, tb_teardown);
}
