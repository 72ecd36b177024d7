// Command dwarfoff prints the members of a struct type in a Go binary's
// DWARF, one "name<TAB>offset<TAB>size<TAB>type" line each, preceded by a
// "size<TAB>N" line.  goretain's layouts/moduledata_offsets.c fallback offsets are
// checked against it (tests/unit/test_moduledata.c):
//
//	dwarfoff BINARY [TYPE]   (TYPE defaults to runtime.moduledata)
package main

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: dwarfoff BINARY [TYPE]")
		os.Exit(2)
	}
	want := "runtime.moduledata"
	if len(os.Args) == 3 {
		want = os.Args[2]
	}
	f, err := elf.Open(os.Args[1])
	if err != nil {
		fail(err)
	}
	d, err := f.DWARF()
	if err != nil {
		fail(err)
	}
	st, err := findStruct(d, want)
	if err != nil {
		fail(err)
	}
	fmt.Printf("size\t%d\n", st.ByteSize)
	for _, fld := range st.Field {
		fmt.Printf("%s\t%d\t%d\t%s\n", fld.Name, fld.ByteOffset, fld.Type.Size(), fld.Type.String())
	}
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

func fail(err error) {
	fmt.Fprintln(os.Stderr, "dwarfoff:", err)
	os.Exit(1)
}
