/* SPDX-License-Identifier: MIT */
/*
 * Kind bytes of the runtime's special records per Go version, from the
 * const block above `type special struct` in runtime/mheap.go of each
 * version (read in /usr/lib/go-1.NN/src).  See specials.h.
 */
#include "layouts/special_kinds.h"

#include <stddef.h>

const char *gr_special_kind_name(enum gr_special_kind k)
{
	static const char *const names[] = {
#define GR_X(e, json, cname) json,
		GR_SPECIAL_KINDS(GR_X)
#undef GR_X
	};
	return (unsigned)k < GR_SPECIAL_KIND_COUNT ? names[k] : "unknown";
}

const char *gr_special_kind_constant(enum gr_special_kind k)
{
	static const char *const names[] = {
#define GR_X(e, json, cname) cname,
		GR_SPECIAL_KINDS(GR_X)
#undef GR_X
	};
	return (unsigned)k < GR_SPECIAL_KIND_COUNT ? names[k] : "?";
}

enum { TB = GR_SPECIAL_TINY_BLOCK, FI = GR_SPECIAL_FINALIZER,
       WH = GR_SPECIAL_WEAK_HANDLE, PR = GR_SPECIAL_PROFILE,
       RE = GR_SPECIAL_REACHABLE, PC = GR_SPECIAL_PIN_COUNTER,
       CL = GR_SPECIAL_CLEANUP, CF = GR_SPECIAL_CHECK_FINALIZER,
       BU = GR_SPECIAL_BUBBLE, SE = GR_SPECIAL_SECRET };

static const struct row {
	unsigned lo, hi; /* Go 1.lo through 1.hi */
	const char *source;
	uint8_t value[GR_SPECIAL_KIND_COUNT];
} rows[] = {
	/* go1.19 runtime/mheap.go: Finalizer 1, Profile 2, Reachable 3. */
	{19, 19, "go1.19 table", {[FI] = 1, [PR] = 2, [RE] = 3}},
	/* go1.21, go1.22: PinCounter 4 added (runtime.Pinner, 1.21). */
	{21, 22, "go1.21 table", {[FI] = 1, [PR] = 2, [RE] = 3, [PC] = 4}},
	/* go1.23: WeakHandle inserted at 2 (package unique). */
	{23, 23, "go1.23 table",
	 {[FI] = 1, [WH] = 2, [PR] = 3, [RE] = 4, [PC] = 5}},
	/* go1.24: Cleanup 6 (runtime.AddCleanup). */
	{24, 24, "go1.24 table",
	 {[FI] = 1, [WH] = 2, [PR] = 3, [RE] = 4, [PC] = 5, [CL] = 6}},
	/* go1.25: TinyBlock inserted at 1; CheckFinalizer 8, Bubble 9. */
	{25, 25, "go1.25 table",
	 {[TB] = 1, [FI] = 2, [WH] = 3, [PR] = 4, [RE] = 5, [PC] = 6, [CL] = 7,
	  [CF] = 8, [BU] = 9}},
	/* go1.26, go1.27: Secret 10 (runtime/secret). */
	{26, 27, "go1.26 table",
	 {[TB] = 1, [FI] = 2, [WH] = 3, [PR] = 4, [RE] = 5, [PC] = 6, [CL] = 7,
	  [CF] = 8, [BU] = 9, [SE] = 10}},
};

struct gr_error *gr_layout_special_kinds(unsigned major, unsigned minor,
					 struct gr_special_kinds *ret)
{
	for (size_t i = 0; major == 1 && i < sizeof(rows) / sizeof(rows[0]);
	     i++) {
		if (minor < rows[i].lo || minor > rows[i].hi)
			continue;
		for (size_t k = 0; k < GR_SPECIAL_KIND_COUNT; k++)
			ret->value[k] = rows[i].value[k];
		ret->source = rows[i].source;
		return NULL;
	}
	return gr_error_create(GR_ERR_UNSUPPORTED,
			       "no verified table of special kinds for go%u.%u "
			       "(runtime/mheap.go _KindSpecial*)",
			       major, minor);
}

enum gr_special_kind gr_special_kind_decode(const struct gr_special_kinds *k,
					    uint8_t raw)
{
	for (size_t i = 0; raw && i < GR_SPECIAL_KIND_COUNT; i++)
		if (k->value[i] == raw)
			return (enum gr_special_kind)i;
	return GR_SPECIAL_UNKNOWN;
}
