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

/*
 * The references the type catalogue follows (forensics/06-rtype/
 * rtype_catalog.c), offsets from the end of the common header as above:
 * ArrayType's Slice after Elem; MapType{Type; Key, Elem, Bucket *Type; ...}
 * (1.19-1.26 classic maps, runtime/type.go maptype, internal/abi/map.go)
 * and SwissMapType / MapType{Type; Key, Elem, Group *Type; ...}
 * (internal/abi/map_swiss.go 1.24-1.26, map.go 1.27): the same three
 * first; FuncType{Type; InCount, OutCount uint16} (the top bit of
 * OutCount marks a variadic function), its parameter and result types
 * ([InCount+OutCount]*Type) after the FuncType and, when TFlagUncommon is
 * set, the UncommonType (abi.FuncType.InSlice; runtime/type.go functype.in
 * in 1.19-1.20).
 */
enum {
	GR_DESC_ARRAY_SLICE = 8,
	GR_DESC_MAP_KEY = 0,
	GR_DESC_MAP_ELEM = 8,
	GR_DESC_MAP_GROUP = 16, /* a classic map's Bucket, a Swiss map's Group */
	GR_DESC_FUNC_IN = 0,
	GR_DESC_FUNC_OUT = 2,
	GR_DESC_FUNC_VARIADIC = 1 << 15,
};

/*
 * What each kind's descriptor adds to the common header (sizeof(XType) -
 * sizeof(Type) on linux/amd64, unchanged 1.19-1.27 but for maps), for the
 * walk of Go 1.27's descriptors (internal/abi/type.go DescriptorSize; the
 * catalogue asks DWARF first where it describes internal/abi.XType):
 * ArrayType{Elem, Slice, Len} 24, ChanType{Elem, Dir} 16, FuncType{InCount,
 * OutCount} 8 (padded), InterfaceType{PkgPath, Methods} 32, PtrType and
 * SliceType{Elem} 8, StructType{PkgPath, Fields} 32; go-1.27
 * internal/abi/map.go MapType{Key, Elem, Group, Hasher, GroupSize,
 * KeysOff, KeyStride, ElemsOff, ElemStride, ElemOff uintptr; Flags uint32}
 * 88 (padded).  Then UncommonType{PkgPath NameOff; Mcount, Xcount uint16;
 * Moff, _ uint32} 16 when TFlagUncommon (1 << 0) is set, its Mcount at 4;
 * then the kind's variable part: a FuncType's parameter types (8 each),
 * an InterfaceType's Imethod{Name NameOff; Typ TypeOff} (8 each), a
 * StructType's StructField (GR_SFIELD_SIZE each); then Mcount
 * Method{Name, Mtyp, Ifn, Tfn int32} (16 each).
 */
enum {
	GR_DESC_TAIL_ARRAY = 24,
	GR_DESC_TAIL_CHAN = 16,
	GR_DESC_TAIL_FUNC = 8,
	GR_DESC_TAIL_INTERFACE = 32,
	GR_DESC_TAIL_MAP_127 = 88,
	GR_DESC_TAIL_PTR = 8,
	GR_DESC_TAIL_SLICE = 8,
	GR_DESC_TAIL_STRUCT = 32,
	GR_DESC_UNCOMMON_SIZE = 16,
	GR_DESC_UNCOMMON_MCOUNT = 4,
	GR_DESC_METHOD_SIZE = 16,
	GR_DESC_IMETHOD_SIZE = 8,
	GR_TFLAG_UNCOMMON = 1 << 0,
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

/*
 * The rest of an itab for the type catalogue: its interface type in the
 * first word (itab.inter, abi.ITab.Inter, 1.19-1.27); go-1.27
 * internal/abi/iface.go ITab{Inter, Type *; Hash uint32; Fun [1]uintptr}
 * is 32 bytes and ITab.Size() adds a word per interface method past the
 * first unless Fun[0] is 0.
 */
enum {
	GR_ITAB_INTER = 0,
	GR_ITAB_FUN = 24,
	GR_ITAB_SIZE_127 = 32,
};

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
