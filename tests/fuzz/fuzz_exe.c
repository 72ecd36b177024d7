/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for what an executable alone feeds: gr_exe (libelf,
 * compressed sections, symbols, build IDs), gr_buildinfo on .go.buildinfo,
 * gr_pcln on the pclntab gr_pcln_locate() finds (every function's record,
 * line and pc-value tables), and gr_moduledata_load() over an address space
 * made of the file's own segments, with the fallback layout of the version
 * the build info names (as for a binary without DWARF).
 *
 * The bytes become a file (a memfd reopened through /proc/self/fd, as in
 * fuzz_input.c).  Errors are fine; crashes, leaks and sanitizer reports
 * are not.  Seeds: a Go binary cut down to its Go sections (fuzz.mk).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forensics/02-input/exe.h"
#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/buildinfo.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"
#include "layouts/layouts.h"
#include "tests/fuzz/fuzz_memfd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounds on the work per input: a valid table may list thousands. */
enum { MAX_FUNCS = 256, MAX_STEPS = 256 };

static void drop(struct gr_error *err)
{
	if (err && err->code == GR_ERR_OS)
		abort(); /* the file is a memfd: nothing may fail to read */
	gr_error_destroy(err);
}

static void walk_func(const struct gr_pcln *pcln, const struct gr_pcln_func *fn)
{
	const char *file;
	int32_t line, v;
	uint32_t off;
	uint64_t start, end;
	struct gr_error *err = NULL;

	/* The name lies in the section: touch its bytes. */
	volatile size_t n = strlen(fn->name);
	(void)n;
	drop(gr_pcln_line(pcln, fn, fn->entry, &file, &line));
	drop(gr_pcln_spdelta(pcln, fn, fn->entry, &v));
	drop(gr_pcln_file(pcln, fn, 0, &file));
	for (uint32_t t = 0; t < fn->npcdata && t < 4; t++) {
		drop(gr_pcln_pcdata(pcln, fn, t, fn->entry, &v));
		drop(gr_pcln_pcdata_off(pcln, fn, t, &off));
	}
	for (uint32_t i = 0; i < fn->nfuncdata && i < 4; i++)
		drop(gr_pcln_funcdata_off(pcln, fn, i, &off));

	struct gr_pcvalue_iter it;
	gr_pcvalue_iter_init(&it, pcln, fn, fn->pcln);
	for (int steps = 0; steps < MAX_STEPS; steps++) {
		if (!gr_pcvalue_iter_next(&it, &start, &end, &v, &err))
			break;
		/* A zero pc delta gives an empty run: harmless.  The pc
		 * may wrap only with an entry near 2^64 (fuzzed .text). */
		if (start > end && fn->entry < UINT64_MAX - (1ull << 40))
			abort();
	}
	drop(err);
}

static void fuzz_pcln(struct gr_exe *exe, const struct gr_pcln_location *loc)
{
	const struct gr_exe_section *text = gr_exe_section(exe, ".text");
	struct gr_pcln *pcln = NULL;
	struct gr_error *err = gr_pcln_create(loc->data, loc->size,
					      text ? text->addr : 0, &pcln);
	if (err) {
		drop(err);
		return;
	}
	uint32_t nfunc = gr_pcln_func_count(pcln);
	uint32_t stride = nfunc / MAX_FUNCS + 1;
	for (uint32_t i = 0; i < nfunc; i += stride) {
		struct gr_pcln_func fn;
		if ((err = gr_pcln_func_at(pcln, i, &fn))) {
			drop(err);
			continue;
		}
		if (fn.entry > fn.end)
			abort();
		walk_func(pcln, &fn);
		struct gr_pcln_func found;
		drop(gr_pcln_find_func(pcln, fn.entry, &found));
	}
	gr_pcln_destroy(pcln);
}

/* The file's PT_LOAD segments as an address space (bias 0). */
static struct gr_mem *exe_mem(const struct gr_exe *exe)
{
	size_t fsize;
	const uint8_t *fdata = gr_exe_file_data(exe, &fsize);
	struct gr_mem *mem = NULL;
	if (gr_mem_create(&mem))
		abort();
	for (size_t i = 0; i < gr_exe_segment_count(exe); i++) {
		const struct gr_exe_segment *es = gr_exe_segment_at(exe, i);
		uint64_t filesz = es->filesz < es->memsz ? es->filesz : es->memsz;
		if (es->offset > fsize)
			filesz = 0;
		else if (fsize - es->offset < filesz)
			filesz = fsize - es->offset;
		if (es->vaddr > UINT64_MAX - es->memsz)
			continue;
		struct gr_mem_segment seg = {
			.start = es->vaddr,
			.end = es->vaddr + filesz,
			.source = GR_MEM_EXE,
			.prot = es->prot,
			.data = fdata + (filesz ? es->offset : 0),
		};
		if (filesz)
			drop(gr_mem_add_under(mem, &seg));
		seg.start = seg.end;
		seg.end = es->vaddr + es->memsz;
		seg.source = GR_MEM_ZERO;
		seg.data = NULL;
		if (seg.start < seg.end)
			drop(gr_mem_add_under(mem, &seg));
	}
	return mem;
}

static void fuzz_moduledata(struct gr_exe *exe, const struct gr_buildinfo *bi)
{
	struct gr_go_version v = {.major = 1, .minor = 22};
	if (bi)
		(void)gr_buildinfo_version(bi, &v);
	struct gr_moduledata_layout layout;
	struct gr_error *err = gr_layout_moduledata(v.major, v.minor, &layout);
	if (err) {
		drop(err);
		return;
	}
	struct gr_mem *mem = exe_mem(exe);
	struct gr_moduledata *md = NULL;
	err = gr_moduledata_load(exe, mem, 0, &layout, &md);
	if (!err) {
		uint8_t *bits = NULL;
		uint64_t nbits;
		for (int bss = 0; bss < 2; bss++) {
			drop(gr_moduledata_gcmask(mem, md, bss, &bits, &nbits));
			free(bits);
			bits = NULL;
		}
		gr_moduledata_destroy(md);
	}
	drop(err);
	gr_mem_destroy(mem);
}

static void fuzz_exe(struct gr_exe *exe)
{
	const uint8_t *bytes;
	size_t n;
	for (size_t i = 0; i < gr_exe_section_count(exe); i++) {
		const struct gr_exe_section *s = gr_exe_section_at(exe, i);
		/* Decompresses SHF_COMPRESSED sections; touch both ends. */
		struct gr_error *e = gr_exe_section_bytes(exe, s->name, &bytes,
							  &n);
		if (!e && n) {
			uint8_t sum = bytes[0] ^ bytes[n - 1];
			__asm__ volatile("" : : "r"(sum));
		}
		drop(e);
	}
	uint64_t addr, sz;
	(void)gr_exe_symbol(exe, "runtime.firstmoduledata", &addr, &sz);
	const struct gr_build_ids *ids = gr_exe_build_ids(exe);
	if (memchr(ids->gnu, 0, sizeof(ids->gnu)) == NULL ||
	    memchr(ids->go, 0, sizeof(ids->go)) == NULL)
		abort();

	struct gr_buildinfo *bi = NULL;
	struct gr_error *err;
	if (!(err = gr_exe_section_bytes(exe, ".go.buildinfo", &bytes, &n)))
		err = gr_buildinfo_parse(bytes, n, &bi);
	drop(err);
	if (bi) {
		(void)gr_buildinfo_go_version(bi);
		for (size_t i = 0; i < gr_buildinfo_dep_count(bi); i++)
			(void)gr_buildinfo_dep(bi, i);
		for (size_t i = 0; i < gr_buildinfo_setting_count(bi); i++)
			(void)gr_buildinfo_setting_at(bi, i);
	}

	struct gr_pcln_location loc;
	if ((err = gr_pcln_locate(exe, &loc))) {
		drop(err);
	} else {
		fuzz_pcln(exe, &loc);
		fuzz_moduledata(exe, bi);
	}
	gr_buildinfo_destroy(bi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfd("fuzz-exe", data, size, path);
	struct gr_exe *exe = NULL;
	struct gr_error *err = gr_exe_open(path, &exe);
	if (err) {
		if (exe)
			abort();
		drop(err);
	} else {
		fuzz_exe(exe);
		gr_exe_destroy(exe);
	}
	close(fd);
	return 0;
}
