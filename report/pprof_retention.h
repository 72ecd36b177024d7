/* SPDX-License-Identifier: MIT */
/*
 * gr_pprof_retention: retention as a pprof profile, so that `go tool pprof`
 * browses who holds the heap the way Go developers browse heap profiles.
 *
 * Every live object is a sample of its own bytes (retained_space) and of
 * one object (retained_objects) whose stack is its chain of dominators:
 * the root outermost ("main.sessions (bss)"), then the type of each
 * dominating object, the object's own type as the leaf.  A frame's cum is
 * then exactly what that root or object retains, and its flat what objects
 * of that type take themselves.  Chains are merged by their frame names,
 * and cut at 64 frames (the deepest frame takes the rest).  Objects that
 * no single root retains hang under "(shared by several roots)".
 *
 * Reachable sizes do not sum along a tree; each root gets one sample of
 * its reachable bytes and objects (reachable_space, reachable_objects)
 * with the root as its only frame, so `-sample_index=reachable_space
 * -top` lists roots by everything they reach.
 */
#ifndef GR_PPROF_RETENTION_H
#define GR_PPROF_RETENTION_H

#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"

/* Write the gzipped profile to @out (@path names it in errors). */
GR_MUST_USE
struct gr_error *gr_pprof_retention_write(const struct gr_analysis *a,
					  FILE *out, const char *path);

#endif /* GR_PPROF_RETENTION_H */
