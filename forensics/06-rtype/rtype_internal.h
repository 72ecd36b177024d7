/* SPDX-License-Identifier: MIT */
/* Private to rtype.c and rtype_mask.c. */
#ifndef GR_RTYPE_INTERNAL_H
#define GR_RTYPE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/hash.h"
#include "forensics/02-input/mem.h"
#include "forensics/05-session/session.h"
#include "forensics/06-rtype/rtype.h"

enum rt_member {
	RT_SIZE,
	RT_PTRBYTES,
	RT_HASH,
	RT_TFLAG,
	RT_ALIGN,
	RT_FIELDALIGN,
	RT_KIND,
	RT_GCDATA,
	RT_STR,
	RT_PTRTOTHIS,
	RT_MEMBER_COUNT
};

struct rt_layout {
	uint32_t size; /* sizeof the descriptor */
	uint32_t off[RT_MEMBER_COUNT];
};

/* Offsets for buildGCMask: abi.ArrayType{Elem, Len}, abi.StructType
 * {Fields}, abi.StructField{Typ, Offset}, size of a StructField. */
struct rt_composite_layout {
	bool resolved, ok;
	uint32_t array_elem, array_len;
	uint32_t struct_fields, field_typ, field_offset, field_size;
};

struct rt_rec {
	struct gr_rtype t; /* first: gr_rtype pointers are rt_rec pointers */
	char *name;	   /* decoded name, or NULL */
	uint8_t *mask;	   /* pointer mask, or NULL */
};

struct gr_rtypes {
	struct gr_session *s;
	struct gr_mem *mem;
	struct rt_layout layout;
	struct rt_composite_layout comp;
	uint8_t kind_mask, kind_gcprog, tflag_on_demand;
	uint64_t types, etypes; /* runtime.firstmoduledata.types, etypes */
	/* Records in blocks of BLOCK_RECS, so their addresses never move. */
	struct rt_rec **blocks;
	size_t nblocks, blocks_cap, nrecs;
	/* Descriptor address -> index of the record. */
	struct gr_hash cache;
};

#endif /* GR_RTYPE_INTERNAL_H */
