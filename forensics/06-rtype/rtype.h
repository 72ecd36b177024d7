/* SPDX-License-Identifier: MIT */
/*
 * gr_rtype: the runtime type descriptors of a dead Go process.
 *
 * A type descriptor is runtime._type (Go <= 1.20) or internal/abi.Type
 * (Go 1.21+): Size_, PtrBytes, Hash, TFlag, Align_, FieldAlign_, Kind_,
 * Equal, GCData, Str (a nameOff into the module's types section),
 * PtrToThis.  Member offsets come from the binary's DWARF (fail closed:
 * UNSUPPORTED naming the member); every descriptor is read through gr_mem,
 * so compiled types (in .rodata, from the executable) and types the
 * process built at run time (reflect, in the heap) read the same way.
 *
 * Descriptors are cached by address: gr_rtype_get() reads each once, and
 * the records it returns stay valid (at the same address) until
 * gr_rtypes_destroy().  Names and pointer masks are decoded on first use
 * and cached with the record.  Not thread-safe.
 */
#ifndef GR_RTYPE_H
#define GR_RTYPE_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"

struct gr_rtype {
	uint64_t addr;	   /* where the descriptor lives */
	uint64_t size;	   /* Size_ */
	uint64_t ptrbytes; /* PtrBytes: prefix that may hold pointers */
	uint64_t gcdata;   /* GCData as stored (a **byte if mask_on_demand) */
	uint32_t hash;
	int32_t str;	     /* Str: nameOff from moduledata.types */
	int32_t ptr_to_this; /* PtrToThis: typeOff, 0 if none */
	uint8_t tflag;
	uint8_t align, field_align;
	uint8_t kind_raw; /* Kind_ as stored, flag bits included */
	uint8_t kind;	  /* enum gr_go_kind: Kind_ & KindMask */
	/* Kind_ & KindGCProg (Go <= 1.23): GCData is a GC program. */
	bool gc_prog;
	/* TFlag & TFlagGCMaskOnDemand (Go 1.24+): GCData points to a slot
	 * holding the mask, built by the runtime on first use. */
	bool mask_on_demand;
};

struct gr_rtypes;

/*
 * Resolve the descriptor layout from @s's DWARF.  UNSUPPORTED if the binary
 * has no DWARF or lacks a member.  @s must outlive the result.
 */
GR_MUST_USE
struct gr_error *gr_rtypes_create(struct gr_session *s,
				  struct gr_rtypes **ret);
void gr_rtypes_destroy(struct gr_rtypes *rt);

/*
 * The descriptor at @addr, read on first call and cached.  FAULT if it
 * cannot be read; BAD_DATA if it is not a plausible descriptor (kind out of
 * range, PtrBytes > Size_ or not word-aligned, pointers without GCData).
 */
GR_MUST_USE
struct gr_error *gr_rtype_get(struct gr_rtypes *rt, uint64_t addr,
			      const struct gr_rtype **ret);

/*
 * The type's name as reflect prints it ("main.Session", "[]uint8",
 * "*main.T" with the extra star of TFlagExtraStar removed).  Resolves Str
 * in the module whose [types, etypes) holds the descriptor, decodes the
 * name (runtime/type.go name / internal/abi.Name: a flag byte, a uvarint
 * length, the bytes).  NOT_FOUND for a descriptor outside every module
 * (made by reflect: its names live in the runtime's reflectOffs map) or
 * with Str 0.  The string is owned by @rt.
 */
GR_MUST_USE
struct gr_error *gr_rtype_name(struct gr_rtypes *rt, const struct gr_rtype *t,
			       const char **ret);

/*
 * The type's pointer mask: bit i (least significant first) set if word i
 * of a value may hold a pointer; *nbits_ret = PtrBytes / 8.  For on-demand
 * masks (1.24+) the mask the runtime built is used, or, if it never built
 * one, the mask is built from the type's structure as runtime/type.go
 * buildGCMask does.  UNSUPPORTED for GC programs (gc_prog: the heap
 * never needs them from 1.22 on, see forensics/07-heap/heap_scan.c).  *ret is
 * NULL when PtrBytes is 0.  Owned by @rt.
 */
GR_MUST_USE
struct gr_error *gr_rtype_gcmask(struct gr_rtypes *rt,
				 const struct gr_rtype *t,
				 const uint8_t **ret, uint64_t *nbits_ret);

/*
 * Build the mask of an array or struct type from its structure, as
 * runtime/type.go buildGCMask does for on-demand masks, whatever the type
 * carries (for tests: the result must equal gr_rtype_gcmask()).  Members
 * use their own masks.  Needs internal/abi.ArrayType, StructType and
 * StructField in DWARF (Go 1.21+), else UNSUPPORTED.  *ret (nbits_ret
 * bits) is malloc'd and the caller's.
 */
GR_MUST_USE
struct gr_error *gr_rtype_build_gcmask(struct gr_rtypes *rt,
				       const struct gr_rtype *t, uint8_t **ret,
				       uint64_t *nbits_ret);

/* Number of descriptors cached (for tests and statistics). */
size_t gr_rtypes_cached(const struct gr_rtypes *rt);

/* The abi.Name (runtime.name before 1.21) at @addr, as a new string: a
 * struct field's name; *len_ret (if not NULL) gets its length as the name
 * says it, NUL bytes inside included.  FAULT, BAD_DATA (a length varint
 * over 10 bytes or a name over 1 MiB), NOMEM. */
GR_MUST_USE
struct gr_error *gr_rtype_read_name(struct gr_rtypes *rt, uint64_t addr,
				    char **ret, size_t *len_ret);
/* sizeof(abi.Type) in this binary: where a PtrType's Elem, a SliceType's
 * Elem, an ArrayType's Elem or a StructType's PkgPath starts. */
uint32_t gr_rtype_desc_size(const struct gr_rtypes *rt);

#endif /* GR_RTYPE_H */
