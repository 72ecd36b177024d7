/* SPDX-License-Identifier: MIT */
/*
 * gr_pprof: a writer of pprof profiles (profile.proto of
 * github.com/google/pprof, the format `go tool pprof` reads), gzipped as
 * every pprof tool expects.
 *
 * A profile is a list of sample types (type/unit pairs such as
 * "inuse_space"/"bytes") and samples, each with one value per sample type,
 * a stack of locations (leaf first, as pprof wants them) and optional
 * labels.  Here a location is exactly one function (name, optional file)
 * at one line: callers that know of inlining add one location per logical
 * frame.  Strings, functions (by name and file) and locations (by function
 * and line) are interned in hash tables, so building costs O(1) amortised
 * per frame and per sample, whatever their number.
 *
 * Samples are encoded as they are added (the builder keeps their bytes, not
 * their structure): add millions if need be.  Nothing is written until
 * gr_pprof_write_file() / gr_pprof_write_stream() / gr_pprof_encode().
 *
 * Strings are copied; the caller's may be freed after each call.  Errors:
 * NOMEM, USAGE (a sample whose value count differs from the sample types',
 * or naming a location that does not exist), OS (writing).
 */
#ifndef GR_PPROF_H
#define GR_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "forensics/01-base/error.h"

struct gr_pprof;

/* A label on a sample: string if @str is not NULL, else numeric. */
struct gr_pprof_label {
	const char *key;
	const char *str;
	int64_t num;
	/* Unit of a numeric label ("bytes"), or NULL. */
	const char *num_unit;
};

GR_MUST_USE
struct gr_error *gr_pprof_create(struct gr_pprof **ret);
void gr_pprof_destroy(struct gr_pprof *p);

/*
 * Append a sample type.  All sample types must be added before the first
 * sample (USAGE otherwise).
 */
GR_MUST_USE
struct gr_error *gr_pprof_add_sample_type(struct gr_pprof *p, const char *type,
					  const char *unit);
/* The sample type pprof shows by default (one of the types added). */
GR_MUST_USE
struct gr_error *gr_pprof_set_default_sample_type(struct gr_pprof *p,
						  const char *type);
/* Profile.period_type and period (e.g. "space"/"bytes", 524288). */
GR_MUST_USE
struct gr_error *gr_pprof_set_period(struct gr_pprof *p, const char *type,
				     const char *unit, int64_t period);
/* Profile.time_nanos (Unix time of collection) and duration_nanos; 0 = unset. */
void gr_pprof_set_time(struct gr_pprof *p, int64_t time_nanos,
		       int64_t duration_nanos);
/*
 * Give the profile one mapping, the program's executable @file with
 * @build_id (either may be NULL), that every location belongs to, marked
 * as already symbolized (functions, files, lines, inlined frames), so that
 * pprof names the binary and never tries to symbolize it again.
 */
GR_MUST_USE
struct gr_error *gr_pprof_set_mapping(struct gr_pprof *p, const char *file,
				      const char *build_id);
/* A free-form comment (Profile.comment), shown by `pprof -comments`. */
GR_MUST_USE
struct gr_error *gr_pprof_add_comment(struct gr_pprof *p, const char *comment);

/*
 * The id (> 0) of the location for function @func (never NULL) in @file
 * (NULL or "" when unknown) at @line (0 when unknown), created on first use.
 */
GR_MUST_USE
struct gr_error *gr_pprof_location(struct gr_pprof *p, const char *func,
				   const char *file, int64_t line,
				   uint64_t *ret);

/*
 * Append a sample: @nvalues values (must equal the number of sample types),
 * @nlocs location ids leaf first, @nlabels labels (@labels may be NULL when
 * 0).
 */
GR_MUST_USE
struct gr_error *gr_pprof_add_sample(struct gr_pprof *p, const int64_t *values,
				     size_t nvalues, const uint64_t *locs,
				     size_t nlocs,
				     const struct gr_pprof_label *labels,
				     size_t nlabels);

size_t gr_pprof_sample_count(const struct gr_pprof *p);
size_t gr_pprof_location_count(const struct gr_pprof *p);
size_t gr_pprof_function_count(const struct gr_pprof *p);
/* Including the empty string every string table starts with. */
size_t gr_pprof_string_count(const struct gr_pprof *p);

/* The uncompressed profile.proto message into a new buffer (free()). */
GR_MUST_USE
struct gr_error *gr_pprof_encode(const struct gr_pprof *p, uint8_t **buf_ret,
				 size_t *len_ret);
/* Gzip the profile onto @out (not closed); @name is for error messages. */
GR_MUST_USE
struct gr_error *gr_pprof_write_stream(const struct gr_pprof *p, FILE *out,
				       const char *name);
/*
 * Gzip the profile into @path atomically: written to a new file in the same
 * directory, flushed, then renamed over @path, so a reader never sees half
 * a profile and a failed write leaves any old @path untouched.
 */
GR_MUST_USE
struct gr_error *gr_pprof_write_file(const struct gr_pprof *p,
				     const char *path);

#endif /* GR_PPROF_H */
