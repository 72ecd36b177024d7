/* SPDX-License-Identifier: MIT */
/*
 * gr_buildinfo: the Go build information the linker writes into the
 * .go.buildinfo section (debug/buildinfo, runtime/debug/mod.go), and Go
 * version strings.
 *
 * Section format (cmd/link/internal/ld/data.go, debug/buildinfo/buildinfo.go):
 * a 32-byte header at a 16-byte aligned offset,
 *   "\xff Go buildinf:" (14 bytes), pointer size (1), flags (1), 16 more bytes,
 * and, when flags has bit 1 set (Go 1.18 and later), two strings inline right
 * after the header, each a uvarint length followed by its bytes: the Go
 * version ("go1.22.12") and the module information text.  The older pointer
 * form (two pointers to Go string headers elsewhere in the image) is
 * rejected as UNSUPPORTED: every Go goretain supports writes the inline form.
 *
 * The module text is runtime/debug.BuildInfo.String()'s format framed by two
 * 16-byte sentinels: "path\tP\n", "mod\tPATH\tVERSION\tSUM\n",
 * "dep\t...", "=>\t..." (replacement), "build\tKEY=VALUE\n" with KEY and
 * VALUE Go-quoted when they contain spaces, tabs, quotes or newlines.
 */
#ifndef GR_BUILDINFO_H
#define GR_BUILDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

enum gr_go_version_kind {
	GR_GO_RELEASE,	  /* "go1.21.13", "go1.19" */
	GR_GO_PRERELEASE, /* "go1.22rc1", "go1.21beta2" */
	GR_GO_DEVEL,	  /* "devel go1.27-abcdef Tue ..." */
};

struct gr_go_version {
	unsigned major, minor, patch; /* patch is 0 when absent */
	enum gr_go_version_kind kind;
	/* "rc1", "beta2" for a pre-release; "" otherwise. */
	char prerelease[16];
};

/*
 * Parse a Go version string as runtime.Version() prints it: "go1.21.13",
 * "go1.21" (patch 0), "go1.22rc1", "devel go1.27-abcdef Tue Jan 2 ...", each
 * optionally followed by " X:experiment,..." (ignored).  BAD_DATA naming the
 * string when it is none of these; a "devel +hash" without a version is
 * BAD_DATA too (nothing to go on).
 */
GR_MUST_USE
struct gr_error *gr_go_version_parse(const char *s,
				     struct gr_go_version *ret);
/* <0, 0, >0 ordering by major, minor, patch only. */
int gr_go_version_cmp(const struct gr_go_version *a,
		      const struct gr_go_version *b);
/* True if @v is major.minor or later. */
bool gr_go_version_at_least(const struct gr_go_version *v, unsigned major,
			    unsigned minor);

struct gr_buildinfo_module {
	const char *path, *version, *sum; /* never NULL; "" when absent */
	/* The "=>" replacement, or NULL. */
	const struct gr_buildinfo_module *replace;
};

struct gr_buildinfo_setting {
	const char *key, *value; /* unquoted */
};

struct gr_buildinfo;

/*
 * Parse the bytes of the .go.buildinfo section (or any buffer in which the
 * header sits at a 16-byte aligned offset: the first such header is used).
 * The result owns copies of every string; @data may be freed afterwards.
 * Errors: BAD_DATA (no header, truncated strings, malformed module text),
 * UNSUPPORTED (pointer form, pointer size other than 8, big-endian).
 */
GR_MUST_USE
struct gr_error *gr_buildinfo_parse(const uint8_t *data, size_t size,
				    struct gr_buildinfo **ret);
void gr_buildinfo_destroy(struct gr_buildinfo *bi);

/* The Go version string, e.g. "go1.22.12"; never NULL. */
const char *gr_buildinfo_go_version(const struct gr_buildinfo *bi);
/* The parsed version; false if the string did not parse. */
bool gr_buildinfo_version(const struct gr_buildinfo *bi,
			  struct gr_go_version *ret);
/* Main package path ("example.com/cmd/x", "command-line-arguments"); "". */
const char *gr_buildinfo_path(const struct gr_buildinfo *bi);
/* Main module ("mod" line); fields are "" when there is none. */
const struct gr_buildinfo_module *
gr_buildinfo_main(const struct gr_buildinfo *bi);
size_t gr_buildinfo_dep_count(const struct gr_buildinfo *bi);
const struct gr_buildinfo_module *
gr_buildinfo_dep(const struct gr_buildinfo *bi, size_t i);
size_t gr_buildinfo_setting_count(const struct gr_buildinfo *bi);
const struct gr_buildinfo_setting *
gr_buildinfo_setting_at(const struct gr_buildinfo *bi, size_t i);
/*
 * Value of build setting @key ("-buildmode", "CGO_ENABLED", "GOEXPERIMENT",
 * "-ldflags", "-tags", "GOAMD64", "vcs.revision", ...), or NULL if absent.
 * The last occurrence wins, as in cmd/go.
 */
const char *gr_buildinfo_setting(const struct gr_buildinfo *bi,
				 const char *key);
/* The module text without its sentinels (may be ""). */
const char *gr_buildinfo_modinfo(const struct gr_buildinfo *bi);

#endif /* GR_BUILDINFO_H */
