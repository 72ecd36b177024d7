/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by test_globals, test_specials and test_rtroots: the
 * corpora core cache (scripts/make-cores.sh) and the oracles written by the
 * corpus programs (corpora/README.md).
 *
 * Every installed toolchain (scripts/install-go.sh --list) must have the
 * -exe and -pie cores of the program asked for: a missing core FAILS the
 * test (run `make cores`), it is never skipped.  The cache is $GR_CACHE,
 * else $HOME/.cache/goretain; the tests run from the source root (`make
 * unit`), $GR_SRCDIR overrides.
 *
 * Header-only; cmocka must be included first.
 */
#ifndef GR_TEST_ROOTCORES_H
#define GR_TEST_ROOTCORES_H

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/mem.h"
#include "forensics/05-session/session.h"

#define rc_ok(err)                                                             \
	do {                                                                   \
		struct gr_error *rc_e_ = (err);                                \
		if (rc_e_)                                                     \
			fail_msg("%s:%d: unexpected %s: %s", __FILE__,         \
				 __LINE__, gr_error_code_name(rc_e_->code),    \
				 rc_e_->message);                              \
	} while (0)

enum { RC_MAX_VARIANTS = 32 };

/* One cached core: "go1.22/leakymap-pie". */
struct rc_core {
	char id[64];
	char dir[PATH_MAX + 80];
	char *oracle; /* the oracle's text */
};

struct rc_set {
	struct rc_core v[RC_MAX_VARIANTS];
	size_t n;
};

static inline char *rc_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = size >= 0 ? malloc((size_t)size + 1) : NULL;
	if (s && fread(s, 1, (size_t)size, f) != (size_t)size) {
		free(s);
		s = NULL;
	}
	if (s)
		s[size] = '\0';
	fclose(f);
	return s;
}

/*
 * Fill @set with the -exe and -pie cores of @prog for every installed
 * toolchain; fail the test if one is missing or has no complete oracle.
 */
static inline void rc_load(struct rc_set *set, const char *prog)
{
	const char *src = getenv("GR_SRCDIR");
	char cmd[PATH_MAX + 64], cache[PATH_MAX];
	snprintf(cmd, sizeof(cmd), "%s/scripts/install-go.sh --list",
		 src ? src : ".");
	const char *c = getenv("GR_CACHE");
	if (c && *c)
		snprintf(cache, sizeof(cache), "%s/cores", c);
	else
		snprintf(cache, sizeof(cache), "%s/.cache/goretain/cores",
			 getenv("HOME") ? getenv("HOME") : "");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[PATH_MAX];
	set->n = 0;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		const char *ver = strstr(line, "go-");
		if (!ver)
			continue;
		for (int pie = 0; pie < 2; pie++) {
			if (set->n == RC_MAX_VARIANTS)
				fail_msg("too many toolchains");
			struct rc_core *r = &set->v[set->n++];
			char id[sizeof(r->id)];
			snprintf(id, sizeof(id), "go%.8s/%.32s-%s", ver + 3,
				 prog, pie ? "pie" : "exe");
			memcpy(r->id, id, sizeof(id));
			snprintf(r->dir, sizeof(r->dir), "%s/%s", cache, id);
			char path[sizeof(r->dir) + 16];
			struct stat st;
			snprintf(path, sizeof(path), "%s/core", r->dir);
			if (stat(path, &st) != 0)
				fail_msg("%s: no cached core (run `make cores`)",
					 r->id);
			snprintf(path, sizeof(path), "%s/oracle.json", r->dir);
			r->oracle = rc_slurp(path);
			if (!r->oracle || !strstr(r->oracle, "\"alloc_check\""))
				fail_msg("%s: no complete oracle.json", r->id);
		}
	}
	pclose(p);
	if (set->n == 0)
		fail_msg("no Go toolchain installed (scripts/install-go.sh)");
}

static inline void rc_free(struct rc_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i].oracle);
	set->n = 0;
}

static inline void rc_open(const struct rc_core *r, struct gr_session **ret)
{
	char core[sizeof(r->dir) + 8], exe[sizeof(r->dir) + 8];
	snprintf(core, sizeof(core), "%s/core", r->dir);
	snprintf(exe, sizeof(exe), "%s/bin", r->dir);
	struct gr_session_options o = {.core_path = core, .exe_path = exe};
	struct gr_error *err = gr_session_open(&o, ret);
	if (err)
		fail_msg("%s: %s", r->id, err->message);
}

/* Go minor version of a core ("go1.22/..." -> 22). */
static inline unsigned rc_minor(const struct rc_core *r)
{
	return (unsigned)strtoul(r->id + 4, NULL, 10);
}

/*
 * The oracle is written by encoding/json without spaces.  The value of
 * the first "key":"0x..." after @from (NULL: the start), as a number; fails
 * the test if absent.
 */
static inline uint64_t rc_hex(const struct rc_core *r, const char *from,
			      const char *key)
{
	const char *s = from ? strstr(r->oracle, from) : r->oracle;
	if (!s)
		fail_msg("%s: oracle has no %s", r->id, from ? from : "start");
	char pat[96];
	snprintf(pat, sizeof(pat), "\"%s\":\"0x", key);
	const char *k = strstr(s, pat);
	if (!k)
		fail_msg("%s: oracle has no %s after %s", r->id, key,
			 from ? from : "start");
	return strtoull(k + strlen(pat), NULL, 16);
}

/* The "addr" of the oracle object named @name. */
static inline uint64_t rc_object(const struct rc_core *r, const char *name)
{
	char from[96];
	snprintf(from, sizeof(from), "{\"name\":\"%s\",", name);
	return rc_hex(r, from, "addr");
}

/* The first "key":N after @from (NULL: start). */
static inline uint64_t rc_num(const struct rc_core *r, const char *from,
			      const char *key)
{
	const char *s = from ? strstr(r->oracle, from) : r->oracle;
	if (!s)
		fail_msg("%s: oracle has no %s", r->id, from ? from : "start");
	char pat[96];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *k = strstr(s, pat);
	if (!k)
		fail_msg("%s: oracle has no %s", r->id, key);
	return strtoull(k + strlen(pat), NULL, 10);
}

/* ---- patched copies of a core ---- */

/* File offset in the core of target address @addr. */
static inline off_t rc_core_offset(struct gr_session *s, uint64_t addr)
{
	const struct gr_mem_segment *seg = gr_mem_find(gr_session_mem(s), addr);
	assert_non_null(seg);
	assert_int_equal(seg->source, GR_MEM_CORE);
	return (off_t)(seg->data + (addr - seg->start) -
		       gr_input_data(gr_session_input(s)));
}

struct rc_patch {
	uint64_t addr;
	const void *bytes;
	size_t len;
};

/*
 * Open a sparse copy of @r's core, written to @tmp (PATH_MAX bytes; the
 * caller unlinks it), with @np patches at target addresses (mapped to file
 * offsets through @orig, a session on the original).
 */
static inline void rc_open_patched(const struct rc_core *r, struct gr_session *orig,
			 const struct rc_patch *p, size_t np, char *tmp,
			 struct gr_session **ret)
{
	const char *dir = getenv("TMPDIR");
	snprintf(tmp, PATH_MAX, "%s/gr-rootcores-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	int fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	char cmd[3 * PATH_MAX];
	snprintf(cmd, sizeof(cmd), "cp --sparse=always '%s/core' '%s'",
		 r->dir, tmp);
	assert_int_equal(system(cmd), 0);
	fd = open(tmp, O_WRONLY);
	assert_true(fd >= 0);
	for (size_t i = 0; i < np; i++)
		assert_int_equal(pwrite(fd, p[i].bytes, p[i].len,
					rc_core_offset(orig, p[i].addr)),
				 (ssize_t)p[i].len);
	close(fd);
	char exe[sizeof(r->dir) + 8];
	snprintf(exe, sizeof(exe), "%s/bin", r->dir);
	struct gr_session_options o = {.core_path = tmp, .exe_path = exe};
	rc_ok(gr_session_open(&o, ret));
}

#endif /* GR_TEST_ROOTCORES_H */
