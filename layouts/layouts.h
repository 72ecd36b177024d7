/* SPDX-License-Identifier: MIT */
/*
 * layouts: what each Go version looks like where DWARF cannot say (stripped
 * binaries) or does not say (encodings, constants).  Every table cites the
 * Go version and runtime file it comes from.
 *
 * Checklist for adding a Go version (1.NN):
 *   1. Read /usr/lib/go-1.NN/src/runtime/symtab.go `type moduledata` and
 *      compare with the newest table in layouts/moduledata_offsets.c; add a table or
 *      widen the last one's range.
 *   2. Add NN to tests/tools/testbins.sh's version list and run
 *      `make unit`: test_moduledata compares every table with the DWARF of
 *      a binary built by that toolchain (tests/tools/dwarfoff).
 *   3. Make its layout pack (layouts/packs.h): `make cores tests &&
 *      scripts/make-packs.sh`, then commit layouts/packs/go1.NN.pack.
 */
#ifndef GR_LAYOUTS_H
#define GR_LAYOUTS_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

/*
 * runtime.moduledata members (runtime/symtab.go), in declaration order:
 * X(ENUM, "go name", kind, required).  A required member missing from a
 * layout is UNSUPPORTED; the others exist only in some versions (noted).
 */
#define GR_MD_FIELDS(X)                                                        \
	X(PCHEADER, "pcHeader", GR_MD_PTR, true)                                \
	X(FUNCNAMETAB, "funcnametab", GR_MD_SLICE, true)                        \
	X(CUTAB, "cutab", GR_MD_SLICE, true)                                    \
	X(FILETAB, "filetab", GR_MD_SLICE, true)                                \
	X(PCTAB, "pctab", GR_MD_SLICE, true)                                    \
	X(PCLNTABLE, "pclntable", GR_MD_SLICE, true)                            \
	X(FTAB, "ftab", GR_MD_SLICE, true)                                      \
	X(FINDFUNCTAB, "findfunctab", GR_MD_PTR, true)                          \
	X(MINPC, "minpc", GR_MD_PTR, true)                                      \
	X(MAXPC, "maxpc", GR_MD_PTR, true)                                      \
	X(TEXT, "text", GR_MD_PTR, true)                                        \
	X(ETEXT, "etext", GR_MD_PTR, true)                                      \
	X(NOPTRDATA, "noptrdata", GR_MD_PTR, true)                              \
	X(ENOPTRDATA, "enoptrdata", GR_MD_PTR, true)                            \
	X(DATA, "data", GR_MD_PTR, true)                                        \
	X(EDATA, "edata", GR_MD_PTR, true)                                      \
	X(BSS, "bss", GR_MD_PTR, true)                                          \
	X(EBSS, "ebss", GR_MD_PTR, true)                                        \
	X(NOPTRBSS, "noptrbss", GR_MD_PTR, true)                                \
	X(ENOPTRBSS, "enoptrbss", GR_MD_PTR, true)                              \
	X(COVCTRS, "covctrs", GR_MD_PTR, false)         /* 1.20+ */             \
	X(ECOVCTRS, "ecovctrs", GR_MD_PTR, false)       /* 1.20+ */             \
	X(END, "end", GR_MD_PTR, true)                                          \
	X(GCDATA, "gcdata", GR_MD_PTR, true)                                    \
	X(GCBSS, "gcbss", GR_MD_PTR, true)                                      \
	X(TYPES, "types", GR_MD_PTR, true)                                      \
	X(TYPEDESCLEN, "typedesclen", GR_MD_PTR, false) /* 1.27+ */             \
	X(ETYPES, "etypes", GR_MD_PTR, true)                                    \
	X(ITABOFFSET, "itaboffset", GR_MD_PTR, false)   /* 1.27+ */             \
	X(ITABSIZE, "itabsize", GR_MD_PTR, false)       /* 1.27+ */             \
	X(RODATA, "rodata", GR_MD_PTR, false)                                   \
	X(GOFUNC, "gofunc", GR_MD_PTR, true)                                    \
	X(EPCLNTAB, "epclntab", GR_MD_PTR, false)       /* 1.26+ */             \
	X(TEXTSECTMAP, "textsectmap", GR_MD_SLICE, true)                        \
	X(TYPELINKS, "typelinks", GR_MD_SLICE, false)   /* up to 1.26 */        \
	X(ITABLINKS, "itablinks", GR_MD_SLICE, false)   /* up to 1.26 */        \
	X(PTAB, "ptab", GR_MD_SLICE, false)                                     \
	X(PLUGINPATH, "pluginpath", GR_MD_STRING, false)                        \
	X(PKGHASHES, "pkghashes", GR_MD_SLICE, false)                           \
	X(INITTASKS, "inittasks", GR_MD_SLICE, false)   /* 1.21+ */             \
	X(MODULENAME, "modulename", GR_MD_STRING, true)                         \
	X(MODULEHASHES, "modulehashes", GR_MD_SLICE, false)                     \
	X(HASMAIN, "hasmain", GR_MD_U8, true)                                   \
	X(BAD, "bad", GR_MD_U8, false)                                          \
	X(GCDATAMASK, "gcdatamask", GR_MD_BITVECTOR, true)                      \
	X(GCBSSMASK, "gcbssmask", GR_MD_BITVECTOR, true)                        \
	X(TYPEMAP, "typemap", GR_MD_PTR, false)                                 \
	X(NEXT, "next", GR_MD_PTR, true)

/* Shapes of moduledata members and their sizes on linux/amd64. */
enum gr_md_kind {
	GR_MD_PTR,	 /* pointer, uintptr or map: 8 bytes */
	GR_MD_SLICE,	 /* {ptr, len, cap}: 24 bytes */
	GR_MD_STRING,	 /* {ptr, len}: 16 bytes */
	GR_MD_BITVECTOR, /* runtime/stack.go {n int32; bytedata *uint8}: 16 */
	GR_MD_U8,	 /* uint8 or bool: 1 byte */
};

enum gr_md_field {
#define GR_X(e, name, kind, req) GR_MD_##e,
	GR_MD_FIELDS(GR_X)
#undef GR_X
	GR_MD_FIELD_COUNT
};

#define GR_MD_ABSENT (-1)

/*
 * Byte offsets of the moduledata members in one binary.  Filled from DWARF
 * (runtime.moduledata) by the DWARF loader, or from the fallback tables
 * below for binaries without DWARF.
 */
struct gr_moduledata_layout {
	uint32_t size;			    /* sizeof(runtime.moduledata) */
	int32_t off[GR_MD_FIELD_COUNT];	    /* GR_MD_ABSENT if not a member */
	const char *source;		    /* for messages: "DWARF", "go1.22 fallback" */
};

/* Every member GR_MD_ABSENT, size 0, @source (static string). */
void gr_md_layout_init(struct gr_moduledata_layout *l, const char *source);
/* The Go member name ("pcHeader"). */
const char *gr_md_field_name(enum gr_md_field f);
enum gr_md_kind gr_md_field_kind(enum gr_md_field f);
bool gr_md_field_required(enum gr_md_field f);
/* Size in bytes of a member of @kind. */
unsigned gr_md_kind_size(enum gr_md_kind kind);
/* The field whose Go name is @name; false if goretain does not model it. */
bool gr_md_field_by_name(const char *name, enum gr_md_field *ret);
/*
 * UNSUPPORTED naming the first required member that is absent; BAD_DATA if
 * a member does not fit in @l->size or the size is absurd (> 4096).
 */
GR_MUST_USE
struct gr_error *gr_md_layout_check(const struct gr_moduledata_layout *l);

/*
 * The fallback layout of Go major.minor (layouts/moduledata_offsets.c), for binaries
 * without DWARF.  UNSUPPORTED for versions without a verified table (1.20,
 * anything before 1.19 or after 1.27).
 */
GR_MUST_USE
struct gr_error *gr_layout_moduledata(unsigned major, unsigned minor,
				      struct gr_moduledata_layout *ret);

#endif /* GR_LAYOUTS_H */
