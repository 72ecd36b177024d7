// dwarfdump-oracle prints what goretain's DWARF index should hold for a Go
// executable, read independently through the standard library's debug/elf
// and debug/dwarf.  tests/unit/test_dwarf.c compares gr_dwarf against it
// record by record.
//
// Usage: dwarfdump-oracle EXE
//
// Output: one record per line, fields separated by tabs, numbers in decimal
// (addresses in hex with 0x).  DIE order is kept, so the n-th "type" line is
// the n-th type gr_dwarf indexes.  The selection rules below are the
// contract of forensics/03-dwarf/dwarf.h, restated independently:
//
//	dwarf    <present 0|1>  <max CU version>
//	counts   <types> <globals> <constants> <functions> <vars>
//	type     <die> <tag> <name> <size|-> <go_kind> <runtime_type> <type die|-> <elem die|-> <key die|-> <count|-> <go alias 0|1> <nfields>
//	field    <name> <offset> <type die|-> <embedded 0|1>
//	global   <name> <addr> <type die|-> <size|->
//	const    <name> <value>
//	func     <die> <name> <low_pc> <high_pc> <nvars>
//	var      <name> <type die|-> <flags> <loc kind> <frame offset|loclist offset|expr length|->
//
// A type is any DIE whose tag is a type tag, at any depth.  Fields are the
// DW_TAG_member children of structs/unions and the DW_TAG_formal_parameter
// children of subroutine types.  A global is a DW_TAG_variable child of a
// compile unit whose location is exactly DW_OP_addr.  A constant is a
// DW_TAG_constant with an integer DW_AT_const_value.  A function is a
// DW_TAG_subprogram with DW_AT_low_pc; its name comes from
// DW_AT_abstract_origin when it has none.  Its vars are the
// DW_TAG_variable/DW_TAG_formal_parameter DIEs anywhere below it (also in
// lexical blocks and inlined subroutines), named through their abstract
// origin when they have no name of their own.
//
// Derived values: a type's size is DW_AT_byte_size, else 8 for a pointer,
// else for a typedef or qualifier the size of the type it names (at most 16
// hops); a global's size is its type's.  A go alias is a typedef naming a
// type of the same name.  Var flags: 1 parameter, 2 DW_AT_variable_parameter,
// 4 inside an inlined subroutine.  A function without DW_AT_high_pc ends
// where it starts.
package main

import (
	"bufio"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
)

const (
	atGoKind        = dwarf.Attr(0x2900)
	atGoKey         = dwarf.Attr(0x2901)
	atGoElem        = dwarf.Attr(0x2902)
	atGoEmbedded    = dwarf.Attr(0x2903)
	atGoRuntimeType = dwarf.Attr(0x2904)
)

var typeTags = map[dwarf.Tag]bool{
	dwarf.TagBaseType: true, dwarf.TagPointerType: true,
	dwarf.TagReferenceType: true, dwarf.TagRvalueReferenceType: true,
	dwarf.TagStructType: true, dwarf.TagUnionType: true,
	dwarf.TagClassType: true, dwarf.TagEnumerationType: true,
	dwarf.TagArrayType: true, dwarf.TagTypedef: true,
	dwarf.TagSubroutineType: true, dwarf.TagUnspecifiedType: true,
	dwarf.TagConstType: true, dwarf.TagVolatileType: true,
	dwarf.TagRestrictType: true, dwarf.TagAtomicType: true,
	dwarf.TagPtrToMemberType: true,
}

type typeRec struct {
	head    string
	line    string
	fields  []string
	count   string
	name    string
	tag     dwarf.Tag
	size    int64
	hasSize bool
	typ     dwarf.Offset
}

type varRec struct {
	name, typ  string
	origin     dwarf.Offset
	flags      int
	kind, locv string
}

type funcRec struct {
	die    dwarf.Offset
	name   string
	origin dwarf.Offset
	lo, hi uint64
	vars   []varRec
}

type named struct {
	name string
	typ  string
}

func ref(e *dwarf.Entry, a dwarf.Attr) string {
	if v, ok := e.Val(a).(dwarf.Offset); ok {
		return fmt.Sprint(uint64(v))
	}
	return "-"
}

func intVal(e *dwarf.Entry, a dwarf.Attr) (int64, bool) {
	switch v := e.Val(a).(type) {
	case int64:
		return v, true
	case uint64:
		return int64(v), true
	}
	return 0, false
}

// location classifies a DW_AT_location the way gr_dwarf does: Go writes
// DW_OP_call_frame_cfa or DW_OP_fbreg N (frame base = CFA) for stack slots
// and a location list for registerised variables.
func location(e *dwarf.Entry) (string, string) {
	f := e.AttrField(dwarf.AttrLocation)
	if f == nil {
		return "none", "-"
	}
	switch v := f.Val.(type) {
	case int64:
		return "loclist", fmt.Sprint(v)
	case []byte:
		if len(v) == 0 {
			return "none", "-"
		}
		if len(v) == 1 && v[0] == 0x9c { // DW_OP_call_frame_cfa
			return "frame", "0"
		}
		if v[0] == 0x91 { // DW_OP_fbreg
			n, k := sleb(v[1:])
			if k > 0 && 1+k == len(v) {
				return "frame", fmt.Sprint(n)
			}
		}
		return "expr", fmt.Sprint(len(v))
	}
	return "none", "-"
}

func sleb(b []byte) (int64, int) {
	var r int64
	var shift uint
	for i, c := range b {
		r |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				r |= -1 << shift
			}
			return r, i + 1
		}
		if shift >= 64 {
			return 0, 0
		}
	}
	return 0, 0
}

func maxVersion(f *elf.File) int {
	s := f.Section(".debug_info")
	if s == nil {
		return 0
	}
	b, err := s.Data()
	if err != nil {
		return 0
	}
	v := 0
	for off := 0; off+6 <= len(b); {
		l := int(binary.LittleEndian.Uint32(b[off:]))
		hdr := 4
		if l == 0xffffffff {
			if off+14 > len(b) {
				break
			}
			l = int(binary.LittleEndian.Uint64(b[off+4:]))
			hdr = 12
		}
		if ver := int(binary.LittleEndian.Uint16(b[off+hdr:])); ver > v {
			v = ver
		}
		off += hdr + l
	}
	return v
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dwarfdump-oracle EXE")
		os.Exit(2)
	}
	f, err := elf.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	if f.Section(".debug_info") == nil && f.Section(".zdebug_info") == nil {
		fmt.Fprintf(w, "dwarf\t0\t0\ncounts\t0\t0\t0\t0\t0\n")
		return
	}
	d, err := f.DWARF()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	var types []*typeRec
	byOffset := map[dwarf.Offset]*typeRec{}
	var globalTypes []dwarf.Offset
	var globals, consts []string
	var funcs []*funcRec
	abstract := map[dwarf.Offset]named{}

	// Stack of open DIEs with children: their tags, plus the type record
	// or function they belong to.
	type frame struct {
		tag     dwarf.Tag
		typ     *typeRec
		fn      *funcRec
		inlined bool
	}
	var stack []frame
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if e == nil {
			break
		}
		if e.Tag == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		var parent frame
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		var fn *funcRec
		for i := len(stack) - 1; i >= 0 && fn == nil; i-- {
			fn = stack[i].fn
		}
		cur := frame{tag: e.Tag, inlined: parent.inlined || e.Tag == dwarf.TagInlinedSubroutine}
		name, _ := e.Val(dwarf.AttrName).(string)

		if typeTags[e.Tag] {
			t := &typeRec{count: "-", name: name, tag: e.Tag}
			t.size, t.hasSize = intVal(e, dwarf.AttrByteSize)
			t.typ, _ = e.Val(dwarf.AttrType).(dwarf.Offset)
			gk, _ := intVal(e, atGoKind)
			rt, _ := e.Val(atGoRuntimeType).(uint64)
			// The size goes between head and line once every
			// type is known.
			t.head = fmt.Sprintf("type\t%d\t%d\t%s", e.Offset, e.Tag, name)
			t.line = fmt.Sprintf("%d\t0x%x\t%s\t%s\t%s",
				gk, rt, ref(e, dwarf.AttrType), ref(e, atGoElem), ref(e, atGoKey))
			types = append(types, t)
			byOffset[e.Offset] = t
			cur.typ = t
		}
		switch {
		case e.Tag == dwarf.TagMember && parent.typ != nil,
			e.Tag == dwarf.TagFormalParameter && parent.typ != nil:
			off := "0"
			if v, ok := intVal(e, dwarf.AttrDataMemberLoc); ok {
				off = fmt.Sprint(v)
			} else if b, ok := e.Val(dwarf.AttrDataMemberLoc).([]byte); ok && len(b) > 1 && b[0] == 0x23 {
				// DW_OP_plus_uconst
				var u uint64
				var s uint
				for _, c := range b[1:] {
					u |= uint64(c&0x7f) << s
					s += 7
					if c&0x80 == 0 {
						break
					}
				}
				off = fmt.Sprint(u)
			}
			emb := 0
			if v, _ := e.Val(atGoEmbedded).(bool); v {
				emb = 1
			}
			parent.typ.fields = append(parent.typ.fields,
				fmt.Sprintf("field\t%s\t%s\t%s\t%d", name, off, ref(e, dwarf.AttrType), emb))
		case e.Tag == dwarf.TagSubrangeType && parent.typ != nil:
			if v, ok := intVal(e, dwarf.AttrCount); ok {
				parent.typ.count = fmt.Sprint(v)
			} else if v, ok := intVal(e, dwarf.AttrUpperBound); ok {
				parent.typ.count = fmt.Sprint(v + 1)
			}
		case e.Tag == dwarf.TagVariable && parent.tag == dwarf.TagCompileUnit:
			if b, ok := e.Val(dwarf.AttrLocation).([]byte); ok && len(b) == 9 && b[0] == 0x03 {
				addr := binary.LittleEndian.Uint64(b[1:])
				globals = append(globals, fmt.Sprintf("global\t%s\t0x%x\t%s", name, addr, ref(e, dwarf.AttrType)))
				gt, _ := e.Val(dwarf.AttrType).(dwarf.Offset)
				globalTypes = append(globalTypes, gt)
			}
		case e.Tag == dwarf.TagConstant:
			if v, ok := intVal(e, dwarf.AttrConstValue); ok {
				consts = append(consts, fmt.Sprintf("const\t%s\t%d", name, v))
			}
		case e.Tag == dwarf.TagSubprogram:
			if lo, ok := e.Val(dwarf.AttrLowpc).(uint64); ok {
				f := &funcRec{die: e.Offset, name: name, lo: lo, hi: lo}
				switch hv := e.Val(dwarf.AttrHighpc).(type) {
				case uint64:
					f.hi = hv
				case int64:
					f.hi = lo + uint64(hv)
				}
				if o, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
					f.origin = o
				}
				funcs = append(funcs, f)
				cur.fn = f
			} else if name != "" {
				abstract[e.Offset] = named{name: name}
			}
		case (e.Tag == dwarf.TagVariable || e.Tag == dwarf.TagFormalParameter) && fn != nil:
			v := varRec{name: name, typ: ref(e, dwarf.AttrType)}
			if e.Tag == dwarf.TagFormalParameter {
				v.flags |= 1
			}
			if b, _ := e.Val(dwarf.AttrVarParam).(bool); b {
				v.flags |= 2
			}
			if parent.inlined {
				v.flags |= 4
			}
			if o, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
				v.origin = o
			}
			v.kind, v.locv = location(e)
			fn.vars = append(fn.vars, v)
		case e.Tag == dwarf.TagVariable || e.Tag == dwarf.TagFormalParameter:
			// Children of abstract subprograms: the names and types
			// that concrete copies refer to.
			abstract[e.Offset] = named{name: name, typ: ref(e, dwarf.AttrType)}
		}
		if e.Children {
			stack = append(stack, cur)
		}
	}

	nvars := 0
	for _, f := range funcs {
		nvars += len(f.vars)
	}
	fmt.Fprintf(w, "dwarf\t1\t%d\n", maxVersion(f))
	fmt.Fprintf(w, "counts\t%d\t%d\t%d\t%d\t%d\n", len(types), len(globals), len(consts), len(funcs), nvars)
	sizeOf := func(t *typeRec) string {
		for hop := 0; hop < 16 && t != nil; hop++ {
			switch {
			case t.hasSize:
				return fmt.Sprint(t.size)
			case t.tag == dwarf.TagPointerType || t.tag == dwarf.TagReferenceType ||
				t.tag == dwarf.TagRvalueReferenceType || t.tag == dwarf.TagPtrToMemberType:
				return "8"
			case t.tag == dwarf.TagTypedef || t.tag == dwarf.TagConstType ||
				t.tag == dwarf.TagVolatileType || t.tag == dwarf.TagRestrictType ||
				t.tag == dwarf.TagAtomicType:
				t = byOffset[t.typ]
			default:
				return "-"
			}
		}
		return "-"
	}
	for _, t := range types {
		alias := 0
		if u := byOffset[t.typ]; t.tag == dwarf.TagTypedef && u != nil && t.name != "" && u.name == t.name {
			alias = 1
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\n", t.head, sizeOf(t), t.line, t.count, alias, len(t.fields))
		for _, fl := range t.fields {
			fmt.Fprintln(w, fl)
		}
	}
	for i, g := range globals {
		size := "-"
		if t := byOffset[globalTypes[i]]; t != nil {
			size = sizeOf(t)
		}
		fmt.Fprintf(w, "%s\t%s\n", g, size)
	}
	for _, c := range consts {
		fmt.Fprintln(w, c)
	}
	for _, fn := range funcs {
		name := fn.name
		if name == "" && fn.origin != 0 {
			name = abstract[fn.origin].name
		}
		fmt.Fprintf(w, "func\t%d\t%s\t0x%x\t0x%x\t%d\n", fn.die, name, fn.lo, fn.hi, len(fn.vars))
		for _, v := range fn.vars {
			if v.name == "" && v.origin != 0 {
				v.name = abstract[v.origin].name
				if v.typ == "-" {
					v.typ = abstract[v.origin].typ
				}
			}
			fmt.Fprintf(w, "var\t%s\t%s\t%d\t%s\t%s\n", v.name, v.typ, v.flags, v.kind, v.locv)
		}
	}
}
