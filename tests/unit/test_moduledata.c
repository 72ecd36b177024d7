/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forensics/02-input/core.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"
#include "layouts/layouts.h"
#include "tests/tools/testbins.h"

/* Where each moduledata member lands in struct gr_moduledata. */
static const struct {
	enum gr_md_field f;
	size_t off;
} members[] = {
#define M(e, m) {GR_MD_##e, offsetof(struct gr_moduledata, m)}
	M(PCHEADER, pcheader),	   M(FUNCNAMETAB, funcnametab),
	M(CUTAB, cutab),	   M(FILETAB, filetab),
	M(PCTAB, pctab),	   M(PCLNTABLE, pclntable),
	M(FTAB, ftab),		   M(FINDFUNCTAB, findfunctab),
	M(MINPC, minpc),	   M(MAXPC, maxpc),
	M(TEXT, text),		   M(ETEXT, etext),
	M(NOPTRDATA, noptrdata),   M(ENOPTRDATA, enoptrdata),
	M(DATA, data),		   M(EDATA, edata),
	M(BSS, bss),		   M(EBSS, ebss),
	M(NOPTRBSS, noptrbss),	   M(ENOPTRBSS, enoptrbss),
	M(COVCTRS, covctrs),	   M(ECOVCTRS, ecovctrs),
	M(END, end),		   M(GCDATA, gcdata),
	M(GCBSS, gcbss),	   M(TYPES, types),
	M(TYPEDESCLEN, typedesclen), M(ETYPES, etypes),
	M(ITABOFFSET, itaboffset), M(ITABSIZE, itabsize),
	M(RODATA, rodata),	   M(GOFUNC, gofunc),
	M(EPCLNTAB, epclntab),	   M(TEXTSECTMAP, textsectmap),
	M(TYPELINKS, typelinks),   M(ITABLINKS, itablinks),
	M(PTAB, ptab),		   M(PLUGINPATH, pluginpath),
	M(PKGHASHES, pkghashes),   M(INITTASKS, inittasks),
	M(MODULENAME, modulename), M(MODULEHASHES, modulehashes),
	M(HASMAIN, hasmain),	   M(BAD, bad),
	M(GCDATAMASK, gcdatamask), M(GCBSSMASK, gcbssmask),
	M(TYPEMAP, typemap),	   M(NEXT, next),
#undef M
};

/* The decoded value of @f as the oracle prints it: up to 3 words. */
static size_t member_words(const struct gr_moduledata *md, enum gr_md_field f,
			   uint64_t w[3])
{
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (members[i].f != f)
			continue;
		const char *p = (const char *)md + members[i].off;
		switch (gr_md_field_kind(f)) {
		case GR_MD_PTR:
			memcpy(w, p, 8);
			return 1;
		case GR_MD_SLICE:
			memcpy(w, p, 24);
			return 3;
		case GR_MD_STRING:
			memcpy(w, p, 16);
			return 2;
		case GR_MD_U8:
			w[0] = *(const uint8_t *)p;
			return 1;
		case GR_MD_BITVECTOR: {
			const struct gr_bitvector *bv = (const void *)p;
			w[0] = (uint32_t)bv->n;
			w[1] = bv->bytedata;
			return 2;
		}
		}
	}
	fail_msg("member %s not mapped", gr_md_field_name(f));
	return 0;
}

static void layout_for(const struct tb_version *v,
		       struct gr_moduledata_layout *l)
{
	tb_ok(gr_layout_moduledata(1, tb_minor(v), l));
}

static void exe_open(const struct tb_version *v, const char *name,
		     struct gr_exe **exe, struct tb_oracle *o)
{
	char path[PATH_MAX + 32], opath[PATH_MAX + 64];
	tb_path(path, sizeof(path), v, name);
	tb_ok(gr_exe_open(path, exe));
	if (o) {
		/* X.stripped shares X's addresses: strip(1) moves none. */
		snprintf(opath, sizeof(opath), "%s/%.*s.oracle", v->dir,
			 (int)strcspn(name, "."), name);
		tb_oracle_load(o, opath);
	}
}

/* ---- layouts against DWARF ---- */

static void check_layout(const struct tb_version *v)
{
	struct gr_moduledata_layout fb, dw;
	layout_for(v, &fb);
	tb_ok(gr_md_layout_check(&fb));
	gr_md_layout_init(&dw, "DWARF");

	char cmd[3 * PATH_MAX];
	snprintf(cmd, sizeof(cmd), "%s/dwarfoff %s/exe", v->tools, v->dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[512];
	size_t members_seen = 0;
	while (fgets(line, sizeof(line), p)) {
		char *f[4] = {0}, buf[512];
		line[strcspn(line, "\n")] = '\0';
		size_t nf = tb_fields(line, buf, sizeof(buf), f, 4);
		assert_true(nf > 0);
		if (strcmp(f[0], "size") == 0) {
			dw.size = (uint32_t)strtoul(f[1], NULL, 10);
			continue;
		}
		assert_int_equal(nf, 4);
		long off = strtol(f[1], NULL, 10), size = strtol(f[2], NULL, 10);
		if (size == 0) /* sys.NotInHeap */
			continue;
		enum gr_md_field field;
		if (!gr_md_field_by_name(f[0], &field))
			fail_msg("go%s: runtime.moduledata.%s (%s) not modelled",
				 v->minor, f[0], f[3]);
		assert_int_equal(size, gr_md_kind_size(gr_md_field_kind(field)));
		dw.off[field] = (int32_t)off;
		if (fb.off[field] != off)
			fail_msg("go%s: moduledata.%s at %ld, fallback says %d",
				 v->minor, f[0], off, fb.off[field]);
		members_seen++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(dw.size, fb.size);
	for (int i = 0; i < GR_MD_FIELD_COUNT; i++)
		if (fb.off[i] != dw.off[i])
			fail_msg("go%s: fallback has %s at %d, DWARF at %d",
				 v->minor, gr_md_field_name((enum gr_md_field)i),
				 fb.off[i], dw.off[i]);
	assert_true(members_seen > 40);
	tb_ok(gr_md_layout_check(&dw));
}

static void test_layouts_match_dwarf(void **state)
{
	const struct tb_set *set = *state;
	for (size_t i = 0; i < set->n; i++)
		check_layout(&set->v[i]);
}

static void test_layout_errors(void **state)
{
	(void)state;
	struct gr_moduledata_layout l;
	tb_assert_code(gr_layout_moduledata(1, 20, &l), GR_ERR_UNSUPPORTED);
	tb_assert_code(gr_layout_moduledata(1, 18, &l), GR_ERR_UNSUPPORTED);
	tb_assert_code(gr_layout_moduledata(1, 28, &l), GR_ERR_UNSUPPORTED);
	tb_assert_code(gr_layout_moduledata(2, 0, &l), GR_ERR_UNSUPPORTED);
	static const unsigned ok[] = {19, 21, 22, 23, 24, 25, 26, 27};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		tb_ok(gr_layout_moduledata(1, ok[i], &l));
		tb_ok(gr_md_layout_check(&l));
	}

	tb_ok(gr_layout_moduledata(1, 22, &l));
	l.off[GR_MD_FTAB] = GR_MD_ABSENT;
	struct gr_error *err = gr_md_layout_check(&l);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_UNSUPPORTED);
	assert_non_null(strstr(err->message, "ftab"));
	gr_error_destroy(err);
	tb_ok(gr_layout_moduledata(1, 22, &l));
	l.off[GR_MD_NEXT] = (int32_t)l.size - 4;
	tb_assert_code(gr_md_layout_check(&l), GR_ERR_BAD_DATA);
	l.size = 100000;
	tb_assert_code(gr_md_layout_check(&l), GR_ERR_BAD_DATA);

	enum gr_md_field f;
	assert_true(gr_md_field_by_name("gcdatamask", &f));
	assert_int_equal(f, GR_MD_GCDATAMASK);
	assert_false(gr_md_field_by_name("NotInHeap", &f));
	assert_string_equal(gr_md_field_name(GR_MD_PCHEADER), "pcHeader");
}

/* ---- reading the executable's initial image ---- */

static void check_exe_values(const struct tb_version *v, const char *name)
{
	struct gr_exe *exe;
	struct tb_oracle o;
	exe_open(v, name, &exe, &o);
	struct gr_moduledata_layout l;
	layout_for(v, &l);
	struct tb_image im;
	tb_image_init(&im, exe, 0);
	struct gr_moduledata *md;
	tb_ok(gr_moduledata_load(exe, im.mem, 0, &l, &md));
	assert_int_equal(md->origin, GR_MD_FROM_SYMBOL);
	char sym[64];
	snprintf(sym, sizeof(sym), "runtime.firstmoduledata");
	uint64_t addr;
	assert_true(gr_exe_symbol(exe, sym, &addr, NULL));
	assert_int_equal(md->addr, addr);

	size_t nvals = 0;
	for (size_t i = 0; i < o.nlines; i++) {
		char buf[512], *f[3] = {0};
		if (tb_fields(o.lines[i], buf, sizeof(buf), f, 3) != 3 ||
		    strcmp(f[0], "mdval") != 0)
			continue;
		enum gr_md_field field;
		if (!gr_md_field_by_name(f[1], &field))
			continue;
		assert_true(gr_moduledata_has(md, field));
		uint64_t got[3], want[3] = {0};
		size_t n = member_words(md, field, got), k = 0;
		for (char *s = f[2]; *s && k < 3; k++) {
			char *e;
			want[k] = strtoull(s, &e, 0);
			s = *e == ',' ? e + 1 : e;
		}
		if (field == GR_MD_GCDATAMASK || field == GR_MD_GCBSSMASK)
			want[0] &= 0xffffffff; /* int32 n, then padding */
		assert_int_equal(k, n);
		for (size_t j = 0; j < n; j++)
			if (got[j] != want[j])
				fail_msg("go%s %s: moduledata.%s word %zu: "
					 "%#llx, DWARF+file say %#llx",
					 v->minor, name, f[1], j,
					 (unsigned long long)got[j],
					 (unsigned long long)want[j]);
		nvals++;
	}
	assert_true(nvals > 40);
	/* Spot checks that need no oracle arithmetic. */
	assert_int_equal(md->text, tb_get_u64(&o, "text"));
	assert_int_equal(md->hasmain, 1);
	assert_int_equal(md->next, 0);
	if (tb_minor(v) >= 26) {
		const struct gr_exe_section *gm = gr_exe_section(exe, ".go.module");
		assert_non_null(gm);
		assert_int_equal(gm->addr, md->addr);
	}

	/* The masks are built at run time: not in the file. */
	uint8_t *bits;
	uint64_t nbits;
	tb_assert_code(gr_moduledata_gcmask(im.mem, md, false, &bits, &nbits),
		       GR_ERR_UNSUPPORTED);
	gr_moduledata_destroy(md);
	gr_moduledata_destroy(NULL);
	tb_image_deinit(&im);
	gr_exe_destroy(exe);
	tb_oracle_free(&o);
}

static void test_exe_values(void **state)
{
	const struct tb_set *set = *state;
	for (size_t i = 0; i < set->n; i++) {
		check_exe_values(&set->v[i], "exe");
		check_exe_values(&set->v[i], "ext");
	}
}

static uint64_t sym_of(const struct tb_oracle *o, const char *name)
{
	char key[128];
	snprintf(key, sizeof(key), "sym\t%s\t", name);
	for (size_t i = 0; i < o->nlines; i++)
		if (strncmp(o->lines[i], key, strlen(key)) == 0)
			return strtoull(o->lines[i] + strlen(key), NULL, 0);
	fail_msg("oracle has no symbol %s", name);
	return 0;
}

/* The relocated PIE image, with and without symbols, at a high bias. */
static void check_pie(const struct tb_version *v, const char *name)
{
	const uint64_t bias = 0x7f0000000000ull;
	struct gr_moduledata_layout l;
	layout_for(v, &l);
	struct tb_oracle o;
	struct gr_exe *pie, *stripped;
	char sname[32];
	snprintf(sname, sizeof(sname), "%s.stripped", name);
	exe_open(v, name, &pie, &o);
	exe_open(v, sname, &stripped, NULL);
	assert_int_equal(gr_exe_symbol_count(stripped), 0);

	struct tb_image im;
	tb_image_init(&im, stripped, bias);
	struct gr_moduledata *md, *md2;
	tb_ok(gr_moduledata_load(stripped, im.mem, bias, &l, &md));
	assert_int_equal(md->origin, tb_minor(v) >= 26 ? GR_MD_FROM_SECTION
						      : GR_MD_FROM_SCAN);
	assert_int_equal(md->addr, sym_of(&o, "runtime.firstmoduledata") + bias);
	assert_int_equal(md->pcheader, tb_get_u64(&o, "pclntab") + bias);
	assert_int_equal(md->text, tb_get_u64(&o, "text") + bias);
	assert_int_equal(md->gofunc, tb_get_u64(&o, "gofunc") + bias);
	assert_int_equal(md->ftab.len, tb_get_u64(&o, "nfunc") + 1);
	uint64_t head = sym_of(&o, "main.head") + bias;
	uint64_t last = sym_of(&o, "main.lastNode") + bias;
	uint64_t counter = sym_of(&o, "main.counter") + bias;
	uint64_t zero = sym_of(&o, "main.zeroCount") + bias;
	assert_true(md->data <= head && head < md->edata);
	assert_true(md->bss <= last && last < md->ebss);
	assert_true(md->noptrdata <= counter && counter < md->enoptrdata);
	assert_true(md->noptrbss <= zero && zero < md->enoptrbss);
	assert_true(md->minpc >= md->text && md->maxpc <= md->etext);

	/* The runtime PCs work with the pclntab at md->text. */
	struct gr_pcln_location loc;
	tb_ok(gr_pcln_locate(stripped, &loc));
	struct gr_pcln *pcln;
	tb_ok(gr_pcln_create(loc.data, loc.size, md->text, &pcln));
	struct gr_pcln_func fn;
	tb_ok(gr_pcln_find_func(pcln, sym_of(&o, "main.main") + bias, &fn));
	assert_string_equal(fn.name, "main.main");
	gr_pcln_destroy(pcln);

	/* With symbols, the same record. */
	tb_ok(gr_moduledata_load(pie, im.mem, bias, &l, &md2));
	assert_int_equal(md2->origin, GR_MD_FROM_SYMBOL);
	assert_int_equal(md2->addr, md->addr);
	assert_int_equal(md2->etext, md->etext);
	assert_memory_equal(&md2->ftab, &md->ftab, sizeof(md->ftab));
	gr_moduledata_destroy(md2);

	/* The wrong bias finds nothing. */
	struct gr_error *err =
		gr_moduledata_load(stripped, im.mem, bias + 0x1000, &l, &md2);
	assert_non_null(err);
	assert_true(err->code == GR_ERR_NOT_FOUND ||
		    err->code == GR_ERR_BAD_DATA || err->code == GR_ERR_FAULT);
	gr_error_destroy(err);

	gr_moduledata_destroy(md);
	tb_image_deinit(&im);
	gr_exe_destroy(stripped);
	gr_exe_destroy(pie);
	tb_oracle_free(&o);
}

static void test_pie_stripped(void **state)
{
	const struct tb_set *set = *state;
	for (size_t i = 0; i < set->n; i++) {
		check_pie(&set->v[i], "pie");
		check_pie(&set->v[i], "extpie");
	}
}

/* Another version's layout never passes for this version's moduledata. */
static void test_wrong_layout(void **state)
{
	const struct tb_set *set = *state;
	for (size_t i = 0; i < set->n; i++) {
		const struct tb_version *v = &set->v[i];
		static const unsigned others[] = {19, 21, 23, 26, 27};
		for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
			struct gr_moduledata_layout l, mine;
			tb_ok(gr_layout_moduledata(1, others[k], &l));
			layout_for(v, &mine);
			/*
			 * Layouts differing only after textsectmap (1.21 vs
			 * 1.23: bad moved) read the same values in a
			 * single-module program; nothing can tell them apart.
			 */
			if (memcmp(l.off, mine.off,
				   sizeof(l.off[0]) * (GR_MD_TEXTSECTMAP + 1)) == 0)
				continue;
			const char *names[] = {"exe", "pie.stripped"};
			for (int n = 0; n < 2; n++) {
				struct gr_exe *exe;
				exe_open(v, names[n], &exe, NULL);
				struct tb_image im;
				tb_image_init(&im, exe, n ? 0x7f0000000000ull : 0);
				struct gr_moduledata *md;
				struct gr_error *err = gr_moduledata_load(
					exe, im.mem, n ? 0x7f0000000000ull : 0,
					&l, &md);
				if (!err)
					fail_msg("go%s %s accepted the go1.%u "
						 "layout",
						 v->minor, names[n], others[k]);
				assert_true(err->code == GR_ERR_BAD_DATA ||
					    err->code == GR_ERR_NOT_FOUND);
				gr_error_destroy(err);
				tb_image_deinit(&im);
				gr_exe_destroy(exe);
			}
		}
	}
}

static void test_unreadable(void **state)
{
	const struct tb_set *set = *state;
	const struct tb_version *v = &set->v[set->n - 1];
	struct gr_moduledata_layout l;
	layout_for(v, &l);
	struct gr_mem *empty;
	tb_ok(gr_mem_create(&empty));
	struct gr_moduledata *md;
	struct gr_exe *exe;
	exe_open(v, "exe", &exe, NULL);
	struct gr_error *err = gr_moduledata_load(exe, empty, 0, &l, &md);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_FAULT);
	assert_non_null(strstr(err->message, "runtime.moduledata"));
	gr_error_destroy(err);
	gr_exe_destroy(exe);

	/* A stripped ≤1.25 image with no data at all: nothing to scan. */
	v = &set->v[0];
	layout_for(v, &l);
	exe_open(v, "pie.stripped", &exe, NULL);
	tb_assert_code(gr_moduledata_load(exe, empty, 0, &l, &md),
		       tb_minor(v) >= 26 ? GR_ERR_FAULT : GR_ERR_NOT_FOUND);
	gr_exe_destroy(exe);
	gr_mem_destroy(empty);
}

/* ---- GC masks ---- */

static void test_gcmask_synthetic(void **state)
{
	(void)state;
	uint8_t bits[3] = {0x05, 0x81, 0x01};
	struct gr_mem *mem;
	tb_ok(gr_mem_create(&mem));
	struct gr_mem_segment seg = {.start = 0x20000, .end = 0x20003,
				     .source = GR_MEM_CORE, .data = bits};
	tb_ok(gr_mem_add(mem, &seg));
	struct gr_mem_segment data = {.start = 0x10000, .end = 0x10000 + 8 * 20,
				      .source = GR_MEM_ZERO};
	tb_ok(gr_mem_add(mem, &data));
	struct gr_moduledata md = {0};
	gr_md_layout_init(&md.layout, "test");
	md.data = 0x10000;
	md.edata = 0x10000 + 8 * 20; /* 20 words: 3 bytes, 24 bits */
	md.gcdatamask = (struct gr_bitvector){24, 0x20000};
	uint8_t *got;
	uint64_t n;
	tb_ok(gr_moduledata_gcmask(mem, &md, false, &got, &n));
	assert_int_equal(n, 20); /* one bit per word of the section */
	assert_memory_equal(got, bits, 3);
	free(got);

	/* runGCProg may stop early: bits past n read as 0, not from memory. */
	md.gcdatamask.n = 9;
	tb_ok(gr_moduledata_gcmask(mem, &md, false, &got, &n));
	assert_int_equal(n, 20);
	assert_int_equal(got[0], 0x05);
	assert_int_equal(got[1], 0x01);
	assert_int_equal(got[2], 0);
	free(got);
	md.gcdatamask.n = 24;

	/* Empty bss: no bits, whatever the mask. */
	tb_ok(gr_moduledata_gcmask(mem, &md, true, &got, &n));
	assert_int_equal(n, 0);
	free(got);

	md.gcdatamask.n = 25;
	tb_assert_code(gr_moduledata_gcmask(mem, &md, false, &got, &n),
		       GR_ERR_BAD_DATA);
	md.gcdatamask.n = -24;
	tb_assert_code(gr_moduledata_gcmask(mem, &md, false, &got, &n),
		       GR_ERR_BAD_DATA);
	md.gcdatamask = (struct gr_bitvector){24, 0x20001};
	struct gr_error *err = gr_moduledata_gcmask(mem, &md, false, &got, &n);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_FAULT);
	assert_int_equal(err->address, 0x20003); /* first byte not there */
	gr_error_destroy(err);
	md.gcdatamask = (struct gr_bitvector){0, 0};
	tb_assert_code(gr_moduledata_gcmask(mem, &md, false, &got, &n),
		       GR_ERR_UNSUPPORTED);
	/* A section size from a corrupt core is not believed. */
	md.gcdatamask = (struct gr_bitvector){24, 0x20000};
	md.edata = md.data + (1ull << 50);
	err = gr_moduledata_gcmask(mem, &md, false, &got, &n);
	assert_non_null(err);
	assert_true(err->code == GR_ERR_FAULT || err->code == GR_ERR_BAD_DATA);
	gr_error_destroy(err);
	md.gcdatamask.n = 1 << 30;
	md.edata = md.data + 8 * 20;
	tb_assert_code(gr_moduledata_gcmask(mem, &md, false, &got, &n),
		       GR_ERR_BAD_DATA);
	md.edata = md.data - 8;
	tb_assert_code(gr_moduledata_gcmask(mem, &md, false, &got, &n),
		       GR_ERR_BAD_DATA);
	gr_mem_destroy(mem);
}

/* ---- a real core: the kernel's, of the sample aborted with SIGABRT ---- */

struct core_run {
	char dir[PATH_MAX];
	uint8_t *data;
	size_t size;
	struct gr_core *core;
	struct gr_mem *mem;
};

/*
 * gdb's gcore of live process @pid into @file, as scripts/make-cores.sh
 * takes it where the kernel's core would not reach us.
 */
static bool take_gcore(pid_t pid, const char *file)
{
	char cmd[PATH_MAX + 256];
	snprintf(cmd, sizeof(cmd),
		 "gdb -nx -batch -iex 'set auto-load off' -iex 'set debuginfod "
		 "enabled off' -p %d -ex 'gcore %s' >/dev/null 2>&1",
		 (int)pid, file);
	return system(cmd) == 0;
}

/*
 * Run @path wait in a temp directory with RLIMIT_CORE unlimited, and once
 * it is idle take its core and map it: the kernel's, by aborting it, where
 * core_pattern leaves the core in the working directory; else (a pipe to a
 * collector, an absolute directory) or with GR_CORES_FORCE_GCORE=1, gdb's
 * gcore of the live process, the fallback make-cores.sh uses.  Any failure
 * to get a core fails the test: a skipped check is not a pass.
 */
static void make_core(const char *path, struct core_run *r)
{
	char pattern[256] = "";
	FILE *cp = fopen("/proc/sys/kernel/core_pattern", "r");
	if (cp) {
		if (!fgets(pattern, sizeof(pattern), cp))
			pattern[0] = '\0';
		fclose(cp);
	}
	const char *force = getenv("GR_CORES_FORCE_GCORE");
	bool gcore = pattern[0] == '|' || strchr(pattern, '/') ||
		     (force && strcmp(force, "1") == 0);
	snprintf(r->dir, sizeof(r->dir), "%s/grcoreXXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(r->dir));
	int out[2];
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
		setrlimit(RLIMIT_CORE, &rl);
		if (chdir(r->dir) != 0)
			_exit(126);
		dup2(out[1], 1);
		close(out[0]);
		/* GOTRACEBACK=crash dumps every goroutine on stderr. */
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		setenv("GOTRACEBACK", "crash", 1);
		execl(path, path, "wait", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	/* The sample prints its pid last, once its globals are set. */
	FILE *f = fdopen(out[0], "r");
	char line[256];
	bool ready = false;
	while (fgets(line, sizeof(line), f))
		if (strtol(line, NULL, 10) == pid) {
			ready = true;
			break;
		}
	char core[PATH_MAX + 16];
	snprintf(core, sizeof(core), "%s/core", r->dir);
	bool taken = false;
	if (ready && gcore)
		taken = take_gcore(pid, core);
	kill(pid, ready && !gcore ? SIGABRT : SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	fclose(f);
	if (!ready)
		fail_msg("%s never said it was ready", path);
	int fd = -1;
	if (gcore) {
		if (!taken)
			fail_msg("gdb gcore of %s (pid %d) failed", path,
				 (int)pid);
		fd = open(core, O_RDONLY);
	} else {
		if (!WIFSIGNALED(status) || !WCOREDUMP(status))
			fail_msg("%s: no core after SIGABRT (core_pattern "
				 "'%s'; RLIMIT_CORE?)",
				 path, pattern);
		fd = open(core, O_RDONLY);
		if (fd < 0) {
			snprintf(core, sizeof(core), "%s/core.%d", r->dir,
				 (int)pid);
			fd = open(core, O_RDONLY);
		}
	}
	if (fd < 0)
		fail_msg("no core file in %s", r->dir);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	r->size = (size_t)st.st_size;
	r->data = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(r->data != MAP_FAILED);
	close(fd);
	unlink(core);
	rmdir(r->dir);
	tb_ok(gr_core_parse(r->data, r->size, "core", &r->core));
	tb_ok(gr_mem_create(&r->mem));
	tb_ok(gr_core_add_to_mem(r->core, r->mem));
}

/* Pages of the executable the kernel did not dump come from the file. */
static void fill_from_exe(struct core_run *r, struct gr_exe *exe,
			  uint64_t bias)
{
	size_t fsize;
	const uint8_t *file = gr_exe_file_data(exe, &fsize);
	for (size_t i = 0; i < gr_exe_segment_count(exe); i++) {
		const struct gr_exe_segment *s = gr_exe_segment_at(exe, i);
		if (s->filesz == 0)
			continue;
		struct gr_mem_segment seg = {
			.start = s->vaddr + bias,
			.end = s->vaddr + bias + s->filesz,
			.source = GR_MEM_EXE,
			.prot = s->prot,
			.data = file + s->offset,
		};
		tb_ok(gr_mem_fill_missing(r->mem, &seg));
		tb_ok(gr_mem_add_under(r->mem, &seg));
	}
}

static void core_done(struct core_run *r)
{
	gr_mem_destroy(r->mem);
	gr_core_destroy(r->core);
	munmap(r->data, r->size);
}

static bool bit(const uint8_t *bits, uint64_t i)
{
	return bits[i / 8] >> (i % 8) & 1;
}

static void check_core(const struct tb_version *v, const char *name)
{
	struct gr_exe *exe;
	struct tb_oracle o;
	exe_open(v, name, &exe, &o);
	struct core_run r;
	make_core(gr_exe_path(exe), &r);
	uint64_t bias = 0, entry;
	assert_true(gr_core_auxv(r.core, AT_ENTRY, &entry));
	if (gr_exe_is_pie(exe))
		bias = entry - gr_exe_entry(exe);
	else
		assert_int_equal(entry, gr_exe_entry(exe));
	fill_from_exe(&r, exe, bias);

	struct gr_moduledata_layout l;
	layout_for(v, &l);
	struct gr_moduledata *md;
	tb_ok(gr_moduledata_load(exe, r.mem, bias, &l, &md));
	assert_int_equal(md->text, tb_get_u64(&o, "text") + bias);
	assert_int_equal(md->hasmain, 1);

	/* progToPointerMask output: the pointer globals' bits are set. */
	uint8_t *dbits, *bbits;
	uint64_t dn, bn;
	tb_ok(gr_moduledata_gcmask(r.mem, md, false, &dbits, &dn));
	tb_ok(gr_moduledata_gcmask(r.mem, md, true, &bbits, &bn));
	assert_int_equal(dn, (md->edata - md->data) / 8);
	assert_int_equal(bn, (md->ebss - md->bss) / 8);
	uint64_t head = sym_of(&o, "main.head") + bias;
	uint64_t table = sym_of(&o, "main.table") + bias;
	uint64_t last = sym_of(&o, "main.lastNode") + bias;
	assert_true(head >= md->data && head < md->edata);
	assert_true(bit(dbits, (head - md->data) / 8));
	assert_true(table >= md->bss && table < md->ebss);
	assert_true(bit(bbits, (table - md->bss) / 8));
	assert_true(bit(bbits, (last - md->bss) / 8));
	free(dbits);
	free(bbits);

	/* Walk the main goroutine's idle pclntab lookups at a thread PC. */
	struct gr_pcln_location loc;
	tb_ok(gr_pcln_locate(exe, &loc));
	struct gr_pcln *pcln;
	tb_ok(gr_pcln_create(loc.data, loc.size, md->text, &pcln));
	tb_ok(gr_moduledata_check(md, loc.addr + bias, loc.data, loc.size));
	size_t found = 0;
	for (size_t t = 0; t < gr_core_thread_count(r.core); t++) {
		struct gr_pcln_func fn;
		struct gr_error *err = gr_pcln_find_func(
			pcln, gr_core_thread(r.core, t)->regs.rip, &fn);
		if (!err)
			found++;
		gr_error_destroy(err);
	}
	assert_true(found > 0);
	gr_pcln_destroy(pcln);
	gr_moduledata_destroy(md);
	core_done(&r);
	gr_exe_destroy(exe);
	tb_oracle_free(&o);
}

static void test_core(void **state)
{
	const struct tb_set *set = *state;
	/*
	 * Oldest and newest; stripped PIEs exercise the bias and the scans
	 * (for the oldest, cgo PIE: pclntab found by its magic).
	 */
	check_core(&set->v[0], "exe");
	check_core(&set->v[0], "pie.stripped");
	check_core(&set->v[0], "extpie.stripped");
	check_core(&set->v[set->n - 1], "exe");
	check_core(&set->v[set->n - 1], "pie.stripped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts_match_dwarf),
		cmocka_unit_test(test_layout_errors),
		cmocka_unit_test(test_exe_values),
		cmocka_unit_test(test_pie_stripped),
		cmocka_unit_test(test_wrong_layout),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_gcmask_synthetic),
		cmocka_unit_test(test_core),
	};
	return cmocka_run_group_tests(tests, tb_setup, tb_teardown);
}
