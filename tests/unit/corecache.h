/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by test_heap and test_rtype: the corpora core cache that
 * scripts/make-cores.sh fills ($GR_CACHE/cores/go1.NN/<variant>/{bin, core,
 * oracle.json}) and the oracle's numbers, read with jq (which make-cores.sh
 * needs anyway).
 *
 * Header-only (static functions), like tests/tools/testbins.h.  The cache
 * is required: for every installed toolchain (/usr/lib/go-1.NN) the
 * leakymap-exe and leakymap-pie cores must exist, else cc_list() fails the
 * test with a message saying to run `make cores` (make check does).
 */
#ifndef GR_TEST_CORECACHE_H
#define GR_TEST_CORECACHE_H

#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka must be included before this header. */

enum { CC_PATH = PATH_MAX + 512 };

struct cc_core {
	char dir[CC_PATH];
	char variant[256]; /* "leakymap-pie" */
	char program[256]; /* "leakymap" */
	unsigned minor;	  /* 22 for go1.22 */
};

struct cc_set {
	struct cc_core *v;
	size_t n;
};

static inline bool cc_file(const char *dir, const char *name)
{
	char p[CC_PATH + 300];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static inline const char *cc_root(char *buf, size_t len)
{
	const char *c = getenv("GR_CACHE");
	const char *home = getenv("HOME");
	if (c && *c)
		snprintf(buf, len, "%s/cores", c);
	else
		snprintf(buf, len, "%s/.cache/goretain/cores", home ? home : ".");
	return buf;
}

static inline int cc_cmp(const void *a, const void *b)
{
	const struct cc_core *x = a, *y = b;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return strcmp(x->variant, y->variant);
}

/*
 * Every cached core with an oracle, sorted by version then variant.  Fails
 * the calling test when an installed toolchain has no leakymap-exe or
 * leakymap-pie core.
 */
static inline void cc_list(struct cc_set *set)
{
	static const unsigned versions[] = {19, 21, 22, 23, 24, 25, 26, 27};
	char root[PATH_MAX];
	cc_root(root, sizeof(root));
	if (strlen(root) > PATH_MAX - 64)
		fail_msg("cache path too long: %s", root);
	set->v = NULL;
	set->n = 0;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char gobin[64], vdir[PATH_MAX + 16];
		snprintf(gobin, sizeof(gobin), "/usr/lib/go-1.%u/bin/go",
			 versions[i]);
		if (access(gobin, X_OK) != 0)
			continue;
		snprintf(vdir, sizeof(vdir), "%s/go1.%u", root, versions[i]);
		const char *need[] = {"leakymap-exe", "leakymap-pie"};
		for (size_t k = 0; k < 2; k++) {
			char d[CC_PATH];
			snprintf(d, sizeof(d), "%s/%s", vdir, need[k]);
			if (!cc_file(d, "core") || !cc_file(d, "oracle.json") ||
			    !cc_file(d, "bin"))
				fail_msg("core cache incomplete: %s has no "
					 "core/oracle.json/bin (run `make "
					 "cores`)",
					 d);
		}
		DIR *dp = opendir(vdir);
		assert_non_null(dp);
		struct dirent *de;
		while ((de = readdir(dp))) {
			char d[CC_PATH];
			if (de->d_name[0] == '.')
				continue;
			snprintf(d, sizeof(d), "%s/%s", vdir, de->d_name);
			if (!cc_file(d, "core") || !cc_file(d, "oracle.json") ||
			    !cc_file(d, "bin"))
				continue;
			set->v = realloc(set->v, (set->n + 1) * sizeof(*set->v));
			assert_non_null(set->v);
			struct cc_core *c = &set->v[set->n++];
			snprintf(c->dir, sizeof(c->dir), "%s", d);
			snprintf(c->variant, sizeof(c->variant), "%s",
				 de->d_name);
			snprintf(c->program, sizeof(c->program), "%s",
				 de->d_name);
			c->program[strcspn(c->program, "-")] = '\0';
			c->minor = versions[i];
		}
		closedir(dp);
	}
	if (set->n == 0)
		fail_msg("no Go toolchain under /usr/lib/go-1.NN: run "
			 "scripts/install-go.sh and `make cores`");
	qsort(set->v, set->n, sizeof(*set->v), cc_cmp);
}

static inline void cc_free(struct cc_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

struct cc_object {
	uint64_t addr, size, alloc_size;
	char alloc[16]; /* "small", "small+header", "tiny", "large" */
	bool pointers;
	char type[64];	/* spaces replaced by '_' */
	char name[160];
};

enum { CC_CLASSES = 68 };

struct cc_oracle {
	uint64_t heap_alloc, heap_objects, heap_inuse, heap_idle,
		heap_released, stack_inuse;
	/* MemStats.BySize: size, mallocs, frees of the first classes. */
	uint64_t by_size[CC_CLASSES][3];
	size_t nclasses;
	struct cc_object *objs;
	size_t nobjs;
};

/* Parse @dir/oracle.json with jq; fails the test on error. */
static inline void cc_oracle_read(const char *dir, struct cc_oracle *o)
{
	char cmd[CC_PATH + 1024];
	memset(o, 0, sizeof(*o));
	snprintf(cmd, sizeof(cmd),
		 "jq -r '"
		 "\"M \\(.memstats.heap_alloc) \\(.memstats.heap_objects) "
		 "\\(.memstats.heap_inuse) \\(.memstats.heap_idle) "
		 "\\(.memstats.heap_released) \\(.memstats.stack_inuse)\", "
		 "(.by_size|to_entries[]|\"B \\(.key) \\(.value[0]) "
		 "\\(.value[1]) \\(.value[2])\"), "
		 "(.objects[]|\"O \\(.addr) \\(.size) \\(.alloc_size) "
		 "\\(.alloc) \\(.pointers) \\(.type|gsub(\" \";\"_\")) "
		 "\\(.name)\")' '%s/oracle.json'",
		 dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[512];
	bool have_m = false;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'M') {
			have_m = sscanf(line,
					"M %" SCNu64 " %" SCNu64 " %" SCNu64
					" %" SCNu64 " %" SCNu64 " %" SCNu64,
					&o->heap_alloc, &o->heap_objects,
					&o->heap_inuse, &o->heap_idle,
					&o->heap_released,
					&o->stack_inuse) == 6;
		} else if (line[0] == 'B') {
			unsigned k;
			uint64_t a, b, c;
			if (sscanf(line, "B %u %" SCNu64 " %" SCNu64 " %" SCNu64,
				   &k, &a, &b, &c) == 4 &&
			    k < CC_CLASSES) {
				o->by_size[k][0] = a;
				o->by_size[k][1] = b;
				o->by_size[k][2] = c;
				if (k + 1 > o->nclasses)
					o->nclasses = k + 1;
			}
		} else if (line[0] == 'O') {
			struct cc_object ob;
			char ptrs[8];
			int n = 0;
			memset(&ob, 0, sizeof(ob));
			if (sscanf(line,
				   "O %" SCNx64 " %" SCNu64 " %" SCNu64
				   " %15s %7s %63s %n",
				   &ob.addr, &ob.size, &ob.alloc_size, ob.alloc,
				   ptrs, ob.type, &n) < 6 ||
			    n == 0)
				continue;
			snprintf(ob.name, sizeof(ob.name), "%s", line + n);
			ob.pointers = strcmp(ptrs, "true") == 0;
			o->objs = realloc(o->objs, (o->nobjs + 1) * sizeof(ob));
			assert_non_null(o->objs);
			o->objs[o->nobjs++] = ob;
		}
	}
	int rc = pclose(p);
	if (rc != 0 || !have_m)
		fail_msg("%s/oracle.json: jq failed or no memstats", dir);
}

static inline void cc_oracle_free(struct cc_oracle *o)
{
	free(o->objs);
	o->objs = NULL;
}

static inline const struct cc_object *cc_object(const struct cc_oracle *o,
						const char *name)
{
	for (size_t i = 0; i < o->nobjs; i++)
		if (strcmp(o->objs[i].name, name) == 0)
			return &o->objs[i];
	return NULL;
}

#endif /* GR_TEST_CORECACHE_H */
