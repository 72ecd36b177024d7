// Command oracle prints what the Go standard library (debug/elf,
// debug/gosym, debug/buildinfo, debug/dwarf) says about a Go executable, in
// the tab-separated line format tests/unit/test_{buildinfo,pclntab,
// moduledata}.c read.  It is built with the newest installed toolchain so
// that its debug/* packages understand every older format.
//
//	oracle BINARY
//
// Lines (fields separated by one TAB; the last field may contain spaces):
//
//	goversion  V                 debug/buildinfo GoVersion
//	path       P                 main package path
//	mod        PATH VERSION SUM  main module
//	dep        PATH VERSION SUM
//	setting    KEY VALUE
//	pie        0|1
//	text       ADDR              runtime.text
//	pclntab    ADDR SIZE NAME    section, or "(symbol)": runtime.pclntab..epclntab
//	gofunc     ADDR              go:func.* (go.func.* before Go 1.20)
//	sym        NAME ADDR SIZE    a few symbols the tests look at
//	nfunc      N
//	func       ENTRY END NAME    every function, functab order
//	pc         PC LINE FUNC FILE debug/gosym PCToLine at sampled PCs
//	mdsize     N                 DWARF byte size of runtime.moduledata
//	mdoff      FIELD OFF SIZE    DWARF member offsets
//	mdval      FIELD W1,W2,...   file contents of each member as 8-byte words
//	                              (1-byte members as one byte), non-PIE only
//
// Numbers are hexadecimal with 0x, except counts, sizes, offsets, lines.
package main

import (
	"bufio"
	"debug/buildinfo"
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
)

var out = bufio.NewWriter(os.Stdout)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: oracle BINARY")
		os.Exit(2)
	}
	path := os.Args[1]
	defer out.Flush()

	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		fail(err)
	}
	p("goversion\t%s", bi.GoVersion)
	p("path\t%s", bi.Path)
	p("mod\t%s\t%s\t%s", bi.Main.Path, bi.Main.Version, bi.Main.Sum)
	for _, d := range bi.Deps {
		p("dep\t%s\t%s\t%s", d.Path, d.Version, d.Sum)
	}
	for _, s := range bi.Settings {
		p("setting\t%s\t%s", s.Key, s.Value)
	}

	f, err := elf.Open(path)
	if err != nil {
		fail(err)
	}
	pie := f.Type == elf.ET_DYN
	p("pie\t%d", b2i(pie))
	syms, err := f.Symbols()
	if err != nil {
		fail(err)
	}
	symtab := map[string]elf.Symbol{}
	for _, s := range syms {
		symtab[s.Name] = s
	}
	text := symtab["runtime.text"].Value
	p("text\t%#x", text)
	for _, n := range []string{"go:func.*", "go.func.*"} {
		if s, ok := symtab[n]; ok {
			p("gofunc\t%#x", s.Value)
		}
	}
	for _, n := range []string{"runtime.firstmoduledata", "runtime.pclntab",
		"runtime.epclntab", "main.head", "main.lastNode", "main.table",
		"main.counter", "main.zeroCount", "main.main", "main.build"} {
		if s, ok := symtab[n]; ok {
			p("sym\t%s\t%#x\t%d", n, s.Value, s.Size)
		}
	}

	// Go's internal linker names it .data.rel.ro.gopclntab in PIE
	// binaries whose pclntab needs relocating (pcHeader.textStart, up to
	// Go 1.25); an external linker merges that into .data.rel.ro, where
	// only the symbols say where it is.
	var pcln []byte
	if sect := f.Section(".gopclntab"); sect != nil {
		pcln = sectionData(sect)
		p("pclntab\t%#x\t%d\t%s", sect.Addr, sect.Size, sect.Name)
	} else if sect := f.Section(".data.rel.ro.gopclntab"); sect != nil {
		pcln = sectionData(sect)
		p("pclntab\t%#x\t%d\t%s", sect.Addr, sect.Size, sect.Name)
	} else {
		start, end := symtab["runtime.pclntab"].Value, symtab["runtime.epclntab"].Value
		if start == 0 || end <= start {
			fail(fmt.Errorf("no .gopclntab and no runtime.pclntab"))
		}
		b, err := readVaddr(f, start, end-start)
		if err != nil {
			fail(err)
		}
		pcln = b
		p("pclntab\t%#x\t%d\t(symbol)", start, end-start)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(pcln, text))
	if err != nil {
		fail(err)
	}
	p("nfunc\t%d", len(tab.Funcs))
	for _, fn := range tab.Funcs {
		p("func\t%#x\t%#x\t%s", fn.Entry, fn.End, fn.Name)
	}
	for _, fn := range tab.Funcs {
		for _, pc := range []uint64{fn.Entry, fn.Entry + (fn.End-fn.Entry)/2, fn.End - 1} {
			file, line, g := tab.PCToLine(pc)
			name := ""
			if g != nil {
				name = g.Name
			}
			p("pc\t%#x\t%d\t%s\t%s", pc, line, name, file)
		}
	}

	moduledata(f, symtab, pie)
}

// moduledata prints runtime.moduledata's DWARF layout and, for a non-PIE
// binary, the link-time contents of runtime.firstmoduledata.
func moduledata(f *elf.File, symtab map[string]elf.Symbol, pie bool) {
	d, err := f.DWARF()
	if err != nil {
		fail(err)
	}
	st, err := findStruct(d, "runtime.moduledata")
	if err != nil {
		fail(err)
	}
	p("mdsize\t%d", st.ByteSize)
	for _, fld := range st.Field {
		p("mdoff\t%s\t%d\t%d", fld.Name, fld.ByteOffset, fld.Type.Size())
	}
	md, ok := symtab["runtime.firstmoduledata"]
	if !ok || pie {
		return
	}
	raw, err := readVaddr(f, md.Value, uint64(st.ByteSize))
	if err != nil {
		fail(err)
	}
	for _, fld := range st.Field {
		sz := fld.Type.Size()
		if sz <= 0 {
			continue
		}
		b := raw[fld.ByteOffset : fld.ByteOffset+sz]
		var words []string
		if sz < 8 {
			words = append(words, fmt.Sprintf("%#x", b[0]))
		} else {
			for i := int64(0); i+8 <= sz; i += 8 {
				words = append(words, fmt.Sprintf("%#x", binary.LittleEndian.Uint64(b[i:])))
			}
		}
		p("mdval\t%s\t%s", fld.Name, strings.Join(words, ","))
	}
}

func sectionData(s *elf.Section) []byte {
	b, err := s.Data()
	if err != nil {
		fail(err)
	}
	return b
}

func readVaddr(f *elf.File, addr, size uint64) ([]byte, error) {
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || addr < s.Addr || addr+size > s.Addr+s.Size {
			continue
		}
		b, err := s.Data()
		if err != nil {
			return nil, err
		}
		return b[addr-s.Addr : addr-s.Addr+size], nil
	}
	return nil, fmt.Errorf("address %#x not in a section with contents", addr)
}

func findStruct(d *dwarf.Data, name string) (*dwarf.StructType, error) {
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, fmt.Errorf("type %s not in DWARF", name)
		}
		if e.Tag != dwarf.TagStructType || e.Val(dwarf.AttrName) != name {
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			return nil, err
		}
		if st, ok := t.(*dwarf.StructType); ok {
			return st, nil
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func p(format string, args ...interface{}) {
	fmt.Fprintf(out, format+"\n", args...)
}

func fail(err error) {
	out.Flush()
	fmt.Fprintln(os.Stderr, "oracle:", err)
	os.Exit(1)
}
