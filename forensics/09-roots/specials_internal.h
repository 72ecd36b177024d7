/* SPDX-License-Identifier: MIT */
/*
 * Shared by specials.c (layout, walk) and specials_roots.c (roots).  Not
 * part of the API.
 */
#ifndef GR_SPECIALS_INTERNAL_H
#define GR_SPECIALS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/09-roots/specials.h"

/* Offsets resolved from DWARF; *_ok false when the type is absent (the
 * kind does not exist in this version). */
struct gr_specials_layout {
	uint64_t span_specials;
	/* The header every special has; offset is uint16 up to 1.23,
	 * uintptr from 1.24 (mheap.go). */
	struct gr_dwarf_member next, offset, kind;
	uint64_t fin_fn, fin_nret, fin_fint, fin_ot;
	bool cleanup_ok;
	bool cleanup_fnstruct; /* 1.26+: cleanupFn{call, fn, arg} */
	uint64_t cl_fn, cl_call, cl_arg, cl_id;
	bool weak_ok;
	uint64_t weak_handle;
	bool profile_ok;
	uint64_t prof_b;
};

struct gr_specials {
	struct gr_mem *mem;
	const struct gr_dwarf *dwarf;
	uint64_t bias;
	uint64_t types; /* moduledata.types, runtime address */
	struct gr_specials_layout l;
	struct gr_special_kinds kinds;
	struct gr_special *v;
	size_t n, cap;
	struct gr_damage_list damage;
	struct gr_specials_stats stats;
};

#endif /* GR_SPECIALS_INTERNAL_H */
