/* SPDX-License-Identifier: MIT */
/*
 * Fallback runtime.moduledata layouts for binaries without DWARF.
 *
 * Offsets computed from `type moduledata struct` in each version's
 * runtime/symtab.go on linux/amd64 (pointers and uintptrs 8 bytes, slices
 * 24, strings 16, bitvector 16 = {int32, pad, *uint8}, sys.NotInHeap 0) and
 * checked against the DWARF of a binary built by that toolchain
 * (tests/unit/test_moduledata.c with tests/tools/dwarfoff), for go1.19.8,
 * go1.21.13, go1.22.12, go1.23.5, go1.24.4, go1.25.12, go1.26.10, go1.27.3.
 */
#include <stdio.h>
#include <string.h>

#include "layouts/layouts.h"

struct md_entry {
	enum gr_md_field field;
	uint16_t off;
};

struct md_table {
	unsigned first_minor, last_minor; /* Go 1.first..1.last */
	uint16_t size;
	const char *source;
	const struct md_entry *entries;
	size_t nentries;
};

/* Members shared, at the same offsets, by every version 1.19-1.27. */
#define MD_COMMON_PREFIX                                                       \
	{GR_MD_PCHEADER, 0}, {GR_MD_FUNCNAMETAB, 8}, {GR_MD_CUTAB, 32},         \
		{GR_MD_FILETAB, 56}, {GR_MD_PCTAB, 80}, {GR_MD_PCLNTABLE, 104}, \
		{GR_MD_FTAB, 128}, {GR_MD_FINDFUNCTAB, 152}, {GR_MD_MINPC, 160},\
		{GR_MD_MAXPC, 168}, {GR_MD_TEXT, 176}, {GR_MD_ETEXT, 184},      \
		{GR_MD_NOPTRDATA, 192}, {GR_MD_ENOPTRDATA, 200},                \
		{GR_MD_DATA, 208}, {GR_MD_EDATA, 216}, {GR_MD_BSS, 224},        \
		{GR_MD_EBSS, 232}, {GR_MD_NOPTRBSS, 240},                       \
		{GR_MD_ENOPTRBSS, 248}

/*
 * /usr/lib/go-1.19/src/runtime/symtab.go:415: no covctrs or inittasks; typemap
 * and bad come after the masks.
 */
static const struct md_entry go119[] = {
	MD_COMMON_PREFIX,
	{GR_MD_END, 256},	   {GR_MD_GCDATA, 264},
	{GR_MD_GCBSS, 272},	   {GR_MD_TYPES, 280},
	{GR_MD_ETYPES, 288},	   {GR_MD_RODATA, 296},
	{GR_MD_GOFUNC, 304},	   {GR_MD_TEXTSECTMAP, 312},
	{GR_MD_TYPELINKS, 336},	   {GR_MD_ITABLINKS, 360},
	{GR_MD_PTAB, 384},	   {GR_MD_PLUGINPATH, 408},
	{GR_MD_PKGHASHES, 424},	   {GR_MD_MODULENAME, 448},
	{GR_MD_MODULEHASHES, 464}, {GR_MD_HASMAIN, 488},
	{GR_MD_GCDATAMASK, 496},   {GR_MD_GCBSSMASK, 512},
	{GR_MD_TYPEMAP, 528},	   {GR_MD_BAD, 536},
	{GR_MD_NEXT, 544},
};

/*
 * /usr/lib/go-1.21/src/runtime/symtab.go:334 and go-1.22 (:333): covctrs/ecovctrs
 * after enoptrbss (coverage redesign, 1.20) and inittasks after pkghashes.
 */
static const struct md_entry go121[] = {
	MD_COMMON_PREFIX,
	{GR_MD_COVCTRS, 256},	   {GR_MD_ECOVCTRS, 264},
	{GR_MD_END, 272},	   {GR_MD_GCDATA, 280},
	{GR_MD_GCBSS, 288},	   {GR_MD_TYPES, 296},
	{GR_MD_ETYPES, 304},	   {GR_MD_RODATA, 312},
	{GR_MD_GOFUNC, 320},	   {GR_MD_TEXTSECTMAP, 328},
	{GR_MD_TYPELINKS, 352},	   {GR_MD_ITABLINKS, 376},
	{GR_MD_PTAB, 400},	   {GR_MD_PLUGINPATH, 424},
	{GR_MD_PKGHASHES, 440},	   {GR_MD_INITTASKS, 464},
	{GR_MD_MODULENAME, 488},   {GR_MD_MODULEHASHES, 504},
	{GR_MD_HASMAIN, 528},	   {GR_MD_GCDATAMASK, 536},
	{GR_MD_GCBSSMASK, 552},	   {GR_MD_TYPEMAP, 568},
	{GR_MD_BAD, 576},	   {GR_MD_NEXT, 584},
};

/*
 * /usr/lib/go-1.23/src/runtime/symtab.go:388 (same in 1.24 and 1.25 at
 * :394): bad moves
 * next to hasmain, so the struct shrinks by 8.
 */
static const struct md_entry go123[] = {
	MD_COMMON_PREFIX,
	{GR_MD_COVCTRS, 256},	   {GR_MD_ECOVCTRS, 264},
	{GR_MD_END, 272},	   {GR_MD_GCDATA, 280},
	{GR_MD_GCBSS, 288},	   {GR_MD_TYPES, 296},
	{GR_MD_ETYPES, 304},	   {GR_MD_RODATA, 312},
	{GR_MD_GOFUNC, 320},	   {GR_MD_TEXTSECTMAP, 328},
	{GR_MD_TYPELINKS, 352},	   {GR_MD_ITABLINKS, 376},
	{GR_MD_PTAB, 400},	   {GR_MD_PLUGINPATH, 424},
	{GR_MD_PKGHASHES, 440},	   {GR_MD_INITTASKS, 464},
	{GR_MD_MODULENAME, 488},   {GR_MD_MODULEHASHES, 504},
	{GR_MD_HASMAIN, 528},	   {GR_MD_BAD, 529},
	{GR_MD_GCDATAMASK, 536},   {GR_MD_GCBSSMASK, 552},
	{GR_MD_TYPEMAP, 568},	   {GR_MD_NEXT, 576},
};

/*
 * /usr/lib/go-1.26/src/runtime/symtab.go:402: epclntab after gofunc (funcdata
 * moved into .gopclntab; cmd/link/internal/ld/symtab.go writes
 * runtime.epclntab there).
 */
static const struct md_entry go126[] = {
	MD_COMMON_PREFIX,
	{GR_MD_COVCTRS, 256},	   {GR_MD_ECOVCTRS, 264},
	{GR_MD_END, 272},	   {GR_MD_GCDATA, 280},
	{GR_MD_GCBSS, 288},	   {GR_MD_TYPES, 296},
	{GR_MD_ETYPES, 304},	   {GR_MD_RODATA, 312},
	{GR_MD_GOFUNC, 320},	   {GR_MD_EPCLNTAB, 328},
	{GR_MD_TEXTSECTMAP, 336},  {GR_MD_TYPELINKS, 360},
	{GR_MD_ITABLINKS, 384},	   {GR_MD_PTAB, 408},
	{GR_MD_PLUGINPATH, 432},   {GR_MD_PKGHASHES, 448},
	{GR_MD_INITTASKS, 472},	   {GR_MD_MODULENAME, 496},
	{GR_MD_MODULEHASHES, 512}, {GR_MD_HASMAIN, 536},
	{GR_MD_BAD, 537},	   {GR_MD_GCDATAMASK, 544},
	{GR_MD_GCBSSMASK, 560},	   {GR_MD_TYPEMAP, 576},
	{GR_MD_NEXT, 584},
};

/*
 * /usr/lib/go-1.27/src/runtime/symtab.go:402: typelinks and itablinks are gone;
 * typedesclen (after types) and itaboffset, itabsize (after etypes) are
 * filled in by the linker (cmd/link/internal/ld/symtab.go
 * moduledataTypeDescOffset, moduledataItabOffset).
 */
static const struct md_entry go127[] = {
	MD_COMMON_PREFIX,
	{GR_MD_COVCTRS, 256},	   {GR_MD_ECOVCTRS, 264},
	{GR_MD_END, 272},	   {GR_MD_GCDATA, 280},
	{GR_MD_GCBSS, 288},	   {GR_MD_TYPES, 296},
	{GR_MD_TYPEDESCLEN, 304},  {GR_MD_ETYPES, 312},
	{GR_MD_ITABOFFSET, 320},   {GR_MD_ITABSIZE, 328},
	{GR_MD_RODATA, 336},	   {GR_MD_GOFUNC, 344},
	{GR_MD_EPCLNTAB, 352},	   {GR_MD_TEXTSECTMAP, 360},
	{GR_MD_PTAB, 384},	   {GR_MD_PLUGINPATH, 408},
	{GR_MD_PKGHASHES, 424},	   {GR_MD_INITTASKS, 448},
	{GR_MD_MODULENAME, 472},   {GR_MD_MODULEHASHES, 488},
	{GR_MD_HASMAIN, 512},	   {GR_MD_BAD, 513},
	{GR_MD_GCDATAMASK, 520},   {GR_MD_GCBSSMASK, 536},
	{GR_MD_TYPEMAP, 552},	   {GR_MD_NEXT, 560},
};

#define MD_TABLE(first, last, size, src, arr)                                  \
	{first, last, size, src, arr, sizeof(arr) / sizeof(arr[0])}

static const struct md_table tables[] = {
	MD_TABLE(19, 19, 552, "go1.19 fallback", go119),
	/* 1.20 is not installed here, so unverified: no table. */
	MD_TABLE(21, 22, 592, "go1.21-1.22 fallback", go121),
	MD_TABLE(23, 25, 584, "go1.23-1.25 fallback", go123),
	MD_TABLE(26, 26, 592, "go1.26 fallback", go126),
	MD_TABLE(27, 27, 568, "go1.27 fallback", go127),
};

struct gr_error *gr_layout_moduledata(unsigned major, unsigned minor,
				      struct gr_moduledata_layout *ret)
{
	for (size_t i = 0; major == 1 && i < sizeof(tables) / sizeof(tables[0]);
	     i++) {
		const struct md_table *t = &tables[i];
		if (minor < t->first_minor || minor > t->last_minor)
			continue;
		gr_md_layout_init(ret, t->source);
		ret->size = t->size;
		for (size_t j = 0; j < t->nentries; j++)
			ret->off[t->entries[j].field] = t->entries[j].off;
		return NULL;
	}
	return gr_error_create(GR_ERR_UNSUPPORTED,
			       "no runtime.moduledata layout for go%u.%u "
			       "without DWARF (known: 1.19, 1.21-1.27)",
			       major, minor);
}

/* ---- field metadata ---- */

static const struct {
	const char *name;
	enum gr_md_kind kind;
	bool required;
} fields[GR_MD_FIELD_COUNT] = {
#define GR_X(e, n, k, r) [GR_MD_##e] = {n, k, r},
	GR_MD_FIELDS(GR_X)
#undef GR_X
};

void gr_md_layout_init(struct gr_moduledata_layout *l, const char *source)
{
	l->size = 0;
	for (int i = 0; i < GR_MD_FIELD_COUNT; i++)
		l->off[i] = GR_MD_ABSENT;
	l->source = source;
}

const char *gr_md_field_name(enum gr_md_field f)
{
	return (unsigned)f < GR_MD_FIELD_COUNT ? fields[f].name : "?";
}

enum gr_md_kind gr_md_field_kind(enum gr_md_field f)
{
	return fields[f].kind;
}

bool gr_md_field_required(enum gr_md_field f)
{
	return fields[f].required;
}

unsigned gr_md_kind_size(enum gr_md_kind kind)
{
	switch (kind) {
	case GR_MD_PTR:
		return 8;
	case GR_MD_SLICE:
		return 24;
	case GR_MD_STRING:
	case GR_MD_BITVECTOR:
		return 16;
	case GR_MD_U8:
		return 1;
	}
	return 0;
}

bool gr_md_field_by_name(const char *name, enum gr_md_field *ret)
{
	for (int i = 0; i < GR_MD_FIELD_COUNT; i++) {
		if (strcmp(fields[i].name, name) == 0) {
			*ret = (enum gr_md_field)i;
			return true;
		}
	}
	return false;
}

struct gr_error *gr_md_layout_check(const struct gr_moduledata_layout *l)
{
	const char *src = l->source ? l->source : "layout";
	if (l->size == 0 || l->size > 4096)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: runtime.moduledata size %u is absurd",
				       src, l->size);
	for (int i = 0; i < GR_MD_FIELD_COUNT; i++) {
		if (l->off[i] == GR_MD_ABSENT) {
			if (fields[i].required)
				return gr_error_create(
					GR_ERR_UNSUPPORTED,
					"%s: runtime.moduledata has no member %s",
					src, fields[i].name);
			continue;
		}
		if (l->off[i] < 0 ||
		    (uint32_t)l->off[i] + gr_md_kind_size(fields[i].kind) > l->size)
			return gr_error_create(
				GR_ERR_BAD_DATA,
				"%s: runtime.moduledata.%s at %d does not fit in "
				"%u bytes",
				src, fields[i].name, l->off[i], l->size);
	}
	return NULL;
}
