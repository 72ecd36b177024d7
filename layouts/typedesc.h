/* SPDX-License-Identifier: MIT */
/*
 * Runtime layouts goretain needs where DWARF has no type to ask: the
 * kind-specific tails of type descriptors (read when a stripped binary's
 * types are made from its descriptors, where the pack has no program
 * types), the funcval of a method value, and the entries of
 * internal/sync.HashTrieMap, which the linker may leave out of DWARF.
 * linux/amd64, unchanged from Go 1.19 to 1.27.
 */
#ifndef GR_LAYOUTS_TYPEDESC_H
#define GR_LAYOUTS_TYPEDESC_H

/*
 * Offsets from the end of the common header (sizeof(abi.Type), which
 * DWARF or the pack gives): internal/abi/type.go 1.21-1.27 PtrType{Type;
 * Elem}, SliceType{Type; Elem}, ArrayType{Type; Elem, Slice *Type; Len
 * uintptr}, StructType{Type; PkgPath Name; Fields []StructField},
 * InterfaceType{Type; PkgPath Name; Methods []Imethod}; runtime/type.go
 * 1.19-1.20 ptrtype, slicetype, arraytype, structtype, interfacetype, the
 * same members under lower-case names.  A Name is one pointer.
 */
enum {
	GR_DESC_ELEM = 0,	    /* Ptr, Slice and Array: Elem *Type */
	GR_DESC_ARRAY_LEN = 16,	    /* after Elem and Slice */
	GR_DESC_STRUCT_FIELDS = 8,  /* Fields.ptr, after PkgPath */
	GR_DESC_STRUCT_NFIELDS = 16, /* Fields.len */
	GR_DESC_IFACE_NMETHODS = 16, /* Methods.len, after PkgPath */
};

/* internal/abi.StructField{Name Name; Typ *Type; Offset uintptr}
 * (runtime.structfield{name, typ, offset} in 1.19-1.20). */
enum {
	GR_SFIELD_TYP = 8,
	GR_SFIELD_OFF = 16,
	GR_SFIELD_SIZE = 24,
};

/*
 * The bits of abi.Type.Kind_ and .TFlag goretain reads, for when DWARF
 * lacks the constants (rtype.c asks DWARF first):
 *   KindMask (1 << 5) - 1: runtime/typekind.go kindMask 1.19-1.20,
 *     internal/abi/type.go KindMask 1.21-1.25.  1.26 drops it: Kind_ is
 *     then the kind alone (KindDirectIface became TFlagDirectIface), and
 *     the mask keeps every kind.
 *   KindGCProg 1 << 6: kindGCProg 1.19-1.20, abi.KindGCProg 1.21-1.23;
 *     gone with GC programs in 1.24.
 *   TFlagGCMaskOnDemand 1 << 4: internal/abi/type.go 1.24-1.27 (the same
 *     bit is TFlagUnrolledBitmap, a plain mask, in 1.22-1.23).
 *   TFlagExtraStar 1 << 1: runtime/type.go tflagExtraStar 1.19-1.20,
 *     abi.TFlagExtraStar 1.21-1.27.
 *   UnsafePointer 26: the last abi.Kind, 1.19-1.27.
 */
enum {
	GR_KIND_MASK = (1 << 5) - 1,
	GR_KIND_GC_PROG = 1 << 6,
	GR_TFLAG_GC_MASK_ON_DEMAND = 1 << 4,
	GR_TFLAG_EXTRA_STAR = 1 << 1,
	GR_KIND_MAX = 26,
};

/*
 * A classic map type's descriptor after its common header:
 * runtime/type.go maptype{typ; key, elem, bucket *_type; ...}
 * (1.19-1.20), internal/abi/type.go MapType{Type; Key, Elem, Bucket
 * *Type; ...} (1.21-1.23, and 1.24-1.25's OldMapType of noswissmap
 * builds).
 */
enum {
	GR_DESC_MAP_KEY = 0,
	GR_DESC_MAP_ELEM = 8,
	GR_DESC_MAP_BUCKET = 16,
};

/*
 * The head of every descriptor, for code that must tell one from other
 * bytes before DWARF or a pack is at hand: runtime._type{size, ptrdata
 * uintptr; hash uint32; tflag, align, fieldAlign, kind uint8} (1.19-1.20)
 * and internal/abi.Type{Size_, PtrBytes; Hash; TFlag, Align_, FieldAlign_,
 * Kind_} (1.21-1.27) put the same members at the same offsets.  The kind
 * numbers (runtime/typekind.go, internal/abi.Kind) are the same in all.
 */
enum {
	GR_DESC_SIZE = 0,
	GR_DESC_PTRBYTES = 8,
	GR_DESC_ALIGN = 21,
	GR_DESC_KIND = 23,
	GR_DESC_HEAD_SIZE = 24,
	GR_KIND_CHAN = 18,
	GR_KIND_MAP = 21,
};

/*
 * The dynamic type in an itab: runtime.itab{inter, _type, ...} (1.19-1.20)
 * and internal/abi.ITab{Inter, Type, ...} (1.21-1.27) hold it in the
 * second word; for when DWARF describes neither.
 */
enum { GR_ITAB_TYPE = 8 };

/* A method value x.M is a funcval{F uintptr; R T}: the receiver after the
 * code pointer (cmd/compile/internal/walk methodValueWrapper). */
enum { GR_METHOD_VALUE_RECV = 8 };

/*
 * internal/sync/hashtriemap.go (1.24+): entry[K,V]{node[K,V]; overflow
 * atomic.Pointer[entry[K,V]]; key K; value V}, node being {isEntry bool}:
 * overflow is the second word, key starts the third, value follows at its
 * alignment.
 */
enum {
	GR_TRIE_ENTRY_OVERFLOW = 8,
	GR_TRIE_ENTRY_KEY = 16,
};

#endif /* GR_LAYOUTS_TYPEDESC_H */
