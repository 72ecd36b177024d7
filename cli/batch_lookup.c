/* SPDX-License-Identifier: MIT */
#include "cli/batch_lookup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "forensics/04-gobin/pclntab.h"

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

struct gr_error *gr_batch_exe_check(const char *path,
				    const struct gr_build_ids *want)
{
	if (!is_file(path))
		return gr_error_os(errno ? errno : ENOENT, path, "stat");
	struct gr_exe *exe;
	struct gr_error *err = gr_exe_open(path, &exe);
	if (err)
		return err;
	const struct gr_build_ids *ids = gr_exe_build_ids(exe);
	bool gnu_bad = want->gnu[0] && strcmp(want->gnu, ids->gnu) != 0;
	bool go_bad = want->go[0] && strcmp(want->go, ids->go) != 0;
	struct gr_pcln_location loc;
	if (gnu_bad || go_bad) {
		err = gr_error_create(
			GR_ERR_MISMATCH, "%s: %s build ID %s, the core's is %s",
			path, gnu_bad ? "GNU" : "Go",
			(gnu_bad ? ids->gnu : ids->go)[0]
				? (gnu_bad ? ids->gnu : ids->go)
				: "(none)",
			gnu_bad ? want->gnu : want->go);
	} else if ((err = gr_pcln_locate(exe, &loc))) {
		gr_error_destroy(err);
		err = gr_error_create(GR_ERR_BAD_DATA,
				      "%s: not a whole Go executable (no "
				      "pclntab: debug info only?)",
				      path);
	}
	gr_exe_destroy(exe);
	return err;
}

/* Try @path: true (and *@path_ret owns a copy) when it is the one; the
 * first mismatch beside the core is kept in *@mismatch for the message. */
static bool try_candidate(const char *path, const struct gr_build_ids *want,
			  char **path_ret, struct gr_error **mismatch)
{
	struct gr_error *err = gr_batch_exe_check(path, want);
	if (!err) {
		*path_ret = strdup(path);
		return *path_ret != NULL;
	}
	if (mismatch && !*mismatch && err->code == GR_ERR_MISMATCH)
		*mismatch = err;
	else
		gr_error_destroy(err);
	return false;
}

static bool in_dir(const char *dir, const char *gnu, char **path_ret,
		   const struct gr_build_ids *want)
{
	size_t n = strlen(dir) + strlen(gnu) + 32;
	char *p = malloc(n);
	if (!p)
		return false;
	bool found = false;
	for (int layout = 0; layout < 4 && !found; layout++) {
		switch (layout) {
		case 0:
			snprintf(p, n, "%s/%s", dir, gnu);
			break;
		case 1:
			snprintf(p, n, "%s/%.2s/%s", dir, gnu, gnu + 2);
			break;
		case 2:
			snprintf(p, n, "%s/%.2s/%s.debug", dir, gnu, gnu + 2);
			break;
		default:
			snprintf(p, n, "%s/%s/executable", dir, gnu);
		}
		found = try_candidate(p, want, path_ret, NULL);
	}
	free(p);
	return found;
}

/* @name from the core, as a file in the core's directory: only a plain
 * name, never a path the core could steer elsewhere. */
static bool beside(const char *core_path, const char *name,
		   const struct gr_build_ids *want, char **path_ret,
		   struct gr_error **mismatch)
{
	if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	const char *slash = strrchr(core_path, '/');
	int dirlen = slash ? (int)(slash - core_path) + 1 : 0;
	size_t n = (size_t)dirlen + strlen(name) + 1;
	char *p = malloc(n);
	if (!p)
		return false;
	snprintf(p, n, "%.*s%s", dirlen, core_path, name);
	bool found = try_candidate(p, want, path_ret, mismatch);
	free(p);
	return found;
}

struct gr_error *gr_batch_lookup_exe(const struct gr_coreid *id,
				     const char *core_path,
				     const char *const *dirs, size_t ndirs,
				     char **path_ret)
{
	const struct gr_build_ids *want = &id->ids;
	if (!want->gnu[0] && !want->go[0])
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: the core holds no build ID (the "
				       "executable's first page was not "
				       "dumped): give --exe",
				       core_path);
	char *found = NULL;
	/* A GNU build ID is hex: safe as a file name. */
	for (size_t i = 0; want->gnu[0] && i < ndirs && !found; i++)
		in_dir(dirs[i], want->gnu, &found, want);
	struct gr_error *mismatch = NULL;
	const char *base = id->exe_path ? strrchr(id->exe_path, '/') : NULL;
	base = base ? base + 1 : id->exe_path;
	if (!found)
		beside(core_path, id->fname, want, &found, &mismatch);
	if (!found && (!base || strcmp(base, id->fname) != 0))
		beside(core_path, base, want, &found, &mismatch);
	if (found) {
		gr_error_destroy(mismatch);
		*path_ret = found;
		return NULL;
	}
	if (mismatch)
		return gr_error_prefix(mismatch, "%s: no matching executable",
				       core_path);
	const char *kind = want->gnu[0] ? "GNU" : "Go";
	return gr_error_create(GR_ERR_NOT_FOUND,
			       "%s: no executable with %s build ID %s in "
			       "%zu --exe-dir%s or beside the core",
			       core_path, kind,
			       want->gnu[0] ? want->gnu : want->go, ndirs,
			       ndirs == 1 ? "" : "s");
}
