/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by test_buildinfo, test_pclntab and test_moduledata: the
 * Go binaries tests/tools/testbins.sh builds with each installed toolchain,
 * the oracle's output about them, and a gr_mem laid out from an executable
 * as the loader would (PIE bias and R_X86_64_RELATIVE relocations applied).
 *
 * Header-only (static functions, included by each test) so that the tests
 * need nothing from tests/support.  The tests run from the source root
 * (`make unit`); $GR_SRCDIR overrides.
 */
#ifndef GR_TESTBINS_H
#define GR_TESTBINS_H

#include <elf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/mem.h"

/* cmocka must be included before this header. */

struct tb_version {
	char minor[8];	    /* "1.22" */
	char dir[PATH_MAX]; /* exe, pie, pie.stripped, ext and *.oracle */
	char tools[PATH_MAX];
};

enum { TB_MAX_VERSIONS = 16 };

struct tb_set {
	struct tb_version v[TB_MAX_VERSIONS];
	size_t n;
};

/*
 * cmocka group setup: run testbins.sh (which builds what is not cached) and
 * keep its list in *state.  At least one toolchain must exist.
 */
static inline int tb_setup(void **state)
{
	struct tb_set *set = calloc(1, sizeof(*set));
	if (!set)
		return -1;
	const char *src = getenv("GR_SRCDIR");
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "%s/tests/tools/testbins.sh",
		 src ? src : ".");
	FILE *p = popen(cmd, "r");
	if (!p) {
		free(set);
		return -1;
	}
	char line[3 * PATH_MAX];
	while (set->n < TB_MAX_VERSIONS && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		char *a = strtok(line, "\t"), *b = strtok(NULL, "\t"),
		     *c = strtok(NULL, "\t");
		if (!a || !b || !c)
			continue;
		struct tb_version *v = &set->v[set->n++];
		snprintf(v->minor, sizeof(v->minor), "%s", a);
		snprintf(v->dir, sizeof(v->dir), "%s", b);
		snprintf(v->tools, sizeof(v->tools), "%s", c);
	}
	int status = pclose(p);
	if (status != 0 || set->n == 0) {
		fprintf(stderr,
			"%s failed (status %d) or found no Go toolchain\n",
			cmd, status);
		free(set);
		return -1;
	}
	*state = set;
	return 0;
}

static inline int tb_teardown(void **state)
{
	free(*state);
	return 0;
}

static inline unsigned tb_minor(const struct tb_version *v)
{
	return (unsigned)strtoul(v->minor + 2, NULL, 10);
}

static inline void tb_path(char *buf, size_t size, const struct tb_version *v,
		    const char *name)
{
	snprintf(buf, size, "%s/%s", v->dir, name);
}

/* ---- oracle output: TAB-separated lines ---- */

struct tb_oracle {
	char *text;
	char **lines;
	size_t nlines;
};

static inline void tb_oracle_load(struct tb_oracle *o, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open oracle output %s", path);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	o->text = malloc((size_t)size + 1);
	assert_non_null(o->text);
	assert_int_equal(fread(o->text, 1, (size_t)size, f), (size_t)size);
	o->text[size] = '\0';
	fclose(f);
	size_t cap = 1;
	for (long i = 0; i < size; i++)
		cap += o->text[i] == '\n';
	o->lines = calloc(cap, sizeof(char *));
	assert_non_null(o->lines);
	o->nlines = 0;
	for (char *s = o->text; *s;) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		o->lines[o->nlines++] = s;
		if (!nl)
			break;
		s = nl + 1;
	}
}

static inline void tb_oracle_free(struct tb_oracle *o)
{
	free(o->lines);
	free(o->text);
}

/*
 * Split a copy of @line (into @buf of @bufsize bytes) at TABs into at most
 * @max fields (the last keeps any further TABs).  Returns the count; a line
 * too long for @buf yields 0 fields.
 */
static inline size_t tb_fields(const char *line, char *buf, size_t bufsize,
			       char **f, size_t max)
{
	size_t len = strlen(line);
	if (len >= bufsize)
		return 0;
	memcpy(buf, line, len + 1);
	size_t n = 0;
	char *s = buf;
	while (n < max) {
		f[n++] = s;
		if (n == max)
			break;
		char *t = strchr(s, '\t');
		if (!t)
			break;
		*t = '\0';
		s = t + 1;
	}
	return n;
}

/* The rest of the first line "@key\t...", or NULL. */
static inline const char *tb_get(const struct tb_oracle *o, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i < o->nlines; i++)
		if (strncmp(o->lines[i], key, k) == 0 && o->lines[i][k] == '\t')
			return o->lines[i] + k + 1;
	return NULL;
}

static inline uint64_t tb_get_u64(const struct tb_oracle *o, const char *key)
{
	const char *s = tb_get(o, key);
	if (!s)
		fail_msg("oracle has no %s line", key);
	return strtoull(s, NULL, 0);
}

/* ---- memory image of an executable ---- */

struct tb_image {
	struct gr_mem *mem;
	uint8_t *seg[32];
	size_t nseg;
};

/*
 * Lay @exe's PT_LOAD segments at vaddr + @bias as the loader would: file
 * bytes then zeros, with every R_X86_64_RELATIVE of .rela.dyn applied
 * (*(u64 *)(where + bias) = addend + bias) so that pointers in a PIE's data
 * hold runtime addresses, as they do in a core.
 */
static inline void tb_image_init(struct tb_image *im, struct gr_exe *exe,
			  uint64_t bias)
{
	memset(im, 0, sizeof(*im));
	assert_null(gr_mem_create(&im->mem));
	size_t fsize;
	const uint8_t *file = gr_exe_file_data(exe, &fsize);
	for (size_t i = 0; i < gr_exe_segment_count(exe); i++) {
		const struct gr_exe_segment *s = gr_exe_segment_at(exe, i);
		if (s->memsz == 0)
			continue;
		assert_true(im->nseg < 32);
		uint8_t *img = calloc(1, s->memsz);
		assert_non_null(img);
		assert_true(s->offset + s->filesz <= fsize);
		memcpy(img, file + s->offset, s->filesz);
		/* Every allocated RELA section (".rela.dyn"; Go's own linker
		 * says ".rela"). */
		for (size_t k = 0; k < gr_exe_section_count(exe); k++) {
		const struct gr_exe_section *rs = gr_exe_section_at(exe, k);
		const uint8_t *rela;
		size_t rela_size;
		if (rs->type != SHT_RELA || !(rs->flags & SHF_ALLOC) ||
		    rs->size == 0)
			continue;
		assert_null(gr_exe_section_bytes(exe, rs->name, &rela,
						 &rela_size));
		for (size_t r = 0; r + 24 <= rela_size; r += 24) {
			uint64_t where, info, addend;
			memcpy(&where, rela + r, 8);
			memcpy(&info, rela + r + 8, 8);
			memcpy(&addend, rela + r + 16, 8);
			if ((uint32_t)info != R_X86_64_RELATIVE ||
			    where < s->vaddr || where + 8 > s->vaddr + s->memsz)
				continue;
			uint64_t v = addend + bias;
			memcpy(img + (where - s->vaddr), &v, 8);
		}
		}
		im->seg[im->nseg++] = img;
		struct gr_mem_segment ms = {
			.start = s->vaddr + bias,
			.end = s->vaddr + bias + s->memsz,
			.source = GR_MEM_CORE,
			.prot = s->prot,
			.data = img,
		};
		assert_null(gr_mem_add(im->mem, &ms));
	}
}

static inline void tb_image_deinit(struct tb_image *im)
{
	gr_mem_destroy(im->mem);
	for (size_t i = 0; i < im->nseg; i++)
		free(im->seg[i]);
}

/* Assert that @err is an error of @code (and destroy it). */
#define tb_assert_code(err, want)                                              \
	do {                                                                   \
		struct gr_error *tb_e_ = (err);                                \
		if (!tb_e_)                                                    \
			fail_msg("expected %s, got success",                   \
				 gr_error_code_name(want));                    \
		if (tb_e_->code != (want))                                     \
			fail_msg("expected %s, got %s: %s",                    \
				 gr_error_code_name(want),                     \
				 gr_error_code_name(tb_e_->code),              \
				 tb_e_->message);                              \
		gr_error_destroy(tb_e_);                                       \
	} while (0)

/* Fail with the message when @err is not NULL. */
#define tb_ok(err)                                                             \
	do {                                                                   \
		struct gr_error *tb_e_ = (err);                                \
		if (tb_e_)                                                     \
			fail_msg("%s:%d: unexpected %s: %s", __FILE__,         \
				 __LINE__, gr_error_code_name(tb_e_->code),    \
				 tb_e_->message);                              \
	} while (0)

#endif /* GR_TESTBINS_H */
