/* SPDX-License-Identifier: MIT */
/*
 * gr_pcln: the Go pc/line table (.gopclntab) of one module.
 *
 * Layout (runtime/symtab.go pcHeader, cmd/link/internal/ld/pcln.go):
 *   pcHeader   magic u32, pad u8 u8, minLC u8, ptrSize u8, nfunc, nfiles,
 *              textStart (unused and 0 from Go 1.26), then the offsets, from
 *              the header, of funcnametab, cutab, filetab, pctab, pclntable
 *              (each a uintptr).
 *   funcnametab  NUL-terminated function names
 *   cutab        u32 offsets into filetab, per compilation unit
 *   filetab      NUL-terminated file names
 *   pctab        pc-value tables (varint-encoded)
 *   pclntable    functab: nfunc+1 {entryoff u32, funcoff u32} sorted by pc
 *                (the last entry's entryoff is the end of the last function),
 *                then the _func records (runtime/runtime2.go) at funcoff,
 *                each followed by u32 pcdata[npcdata] and u32
 *                funcdata[nfuncdata].
 *   go:func.*    from Go 1.26 only: the funcdata blobs themselves
 *                (cmd/link/internal/ld/pcln.go generateFuncdata); before
 *                1.26 they are in .rodata.
 *
 * Supported magics (internal/abi/symtab.go): 0xfffffff0 (Go 1.18-1.19,
 * _func is 40 bytes) and 0xfffffff1 (Go 1.20+, _func gains startLine: 44
 * bytes).  Any other magic is UNSUPPORTED naming it.
 *
 * All addresses are "text-relative plus the text start given at creation":
 * pass the runtime value of moduledata.text (which differs from the .text
 * section address when the binary was linked externally, and includes the
 * PIE load bias) and every PC in and out is a runtime PC.  Only a single text
 * section is supported (linux/amd64 never splits text:
 * cmd/link/internal/ld/data.go splitTextSections).
 *
 * The section bytes are borrowed and must outlive the gr_pcln.  Names and
 * file names point into them.
 *
 * gr_pcln_pcvalue remembers its recent answers (like the runtime's own
 * pcvalueCache): unwinding 100,000 goroutines parked at the same few PCs
 * decodes each table once.  The cache makes a gr_pcln unsafe to share
 * between threads.
 */
#ifndef GR_PCLNTAB_H
#define GR_PCLNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/exe.h"

/* internal/abi/symtab.go PCLnTabMagic. */
enum gr_pcln_magic {
	GR_PCLN_MAGIC_GO118 = 0xfffffff0, /* Go 1.18-1.19 */
	GR_PCLN_MAGIC_GO120 = 0xfffffff1, /* Go 1.20+ */
};

/*
 * PCDATA table indexes (internal/abi/symtab.go; runtime/funcdata.h).  Stable
 * from Go 1.19 to 1.27 except PanicBounds, added in Go 1.26.
 */
enum gr_pcdata_index {
	GR_PCDATA_UNSAFE_POINT = 0,
	GR_PCDATA_STACK_MAP_INDEX = 1,
	GR_PCDATA_INL_TREE_INDEX = 2,
	GR_PCDATA_ARG_LIVE_INDEX = 3,
	GR_PCDATA_PANIC_BOUNDS = 4,
};

/* FUNCDATA indexes (internal/abi/symtab.go); stable from Go 1.19 to 1.27. */
enum gr_funcdata_index {
	GR_FUNCDATA_ARGS_POINTER_MAPS = 0,
	GR_FUNCDATA_LOCALS_POINTER_MAPS = 1,
	GR_FUNCDATA_STACK_OBJECTS = 2,
	GR_FUNCDATA_INL_TREE = 3,
	GR_FUNCDATA_OPEN_CODED_DEFER_INFO = 4,
	GR_FUNCDATA_ARG_INFO = 5,
	GR_FUNCDATA_ARG_LIVE_INFO = 6,
	GR_FUNCDATA_WRAP_INFO = 7,
};

/* Values of the PCDATA_UnsafePoint table (internal/abi/symtab.go). */
enum gr_unsafe_point {
	GR_UNSAFE_POINT_SAFE = -1,
	GR_UNSAFE_POINT_UNSAFE = -2,
	GR_UNSAFE_POINT_RESTART1 = -3,
	GR_UNSAFE_POINT_RESTART2 = -4,
	GR_UNSAFE_POINT_RESTART_AT_ENTRY = -5,
};

/* _func.flag bits (internal/abi/symtab.go FuncFlag). */
enum gr_func_flag {
	GR_FUNC_FLAG_TOP_FRAME = 1,
	GR_FUNC_FLAG_SPWRITE = 2,
	GR_FUNC_FLAG_ASM = 4,
};

/* _func.args value for an unknown argument size (abi.ArgsSizeUnknown). */
#define GR_ARGS_SIZE_UNKNOWN INT32_MIN

/*
 * One function, decoded from its functab entry and _func record.  Filled by
 * value into caller storage: iterating allocates nothing.  FuncID numbering
 * changes between Go versions (internal/abi/symtab.go): compare @func_id
 * only with values resolved for the binary at hand.
 */
struct gr_pcln_func {
	uint32_t index;	  /* position in the functab */
	uint64_t entry;	  /* runtime entry PC */
	uint64_t end;	  /* next functab entry's PC (exclusive end) */
	/*
	 * Into funcnametab, never NULL.  Read at nameOff even when it is 0
	 * (runtime funcName() returns "" then, but the first function's name
	 * really is stored at offset 0: cmd/link/internal/ld/pcln.go
	 * generateFuncnametab).
	 */
	const char *name;
	uint32_t entry_off;
	int32_t name_off;
	int32_t args; /* in/out args size, or GR_ARGS_SIZE_UNKNOWN */
	uint32_t deferreturn;
	uint32_t pcsp, pcfile, pcln; /* pctab offsets; 0 = no table */
	uint32_t npcdata;
	uint32_t cu_offset;
	int32_t start_line; /* Go 1.20+; 0 before */
	uint8_t func_id;
	uint8_t flag; /* enum gr_func_flag bits */
	uint8_t nfuncdata;
	/* Private: offset of the _func record in the section. */
	size_t rec_off;
};

struct gr_pcln;

/*
 * Parse the header of the .gopclntab bytes @data/@size and check that every
 * table lies inside them, that nfunc fits, and that the functab is sorted with
 * _func records inside pclntable.  @text_start is the runtime address of
 * moduledata.text.  Errors: UNSUPPORTED (magic, ptrSize != 8),
 * BAD_DATA (anything out of bounds), NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_pcln_create(const uint8_t *data, size_t size,
				uint64_t text_start, struct gr_pcln **ret);
void gr_pcln_destroy(struct gr_pcln *pcln);

uint32_t gr_pcln_magic(const struct gr_pcln *pcln);
uint32_t gr_pcln_func_count(const struct gr_pcln *pcln);
uint32_t gr_pcln_file_count(const struct gr_pcln *pcln);
/* PC quantum (pcHeader.minLC); 1 on amd64. */
unsigned gr_pcln_quantum(const struct gr_pcln *pcln);
uint64_t gr_pcln_text_start(const struct gr_pcln *pcln);
/*
 * pcHeader.textStart as stored in the file: the link-time text address up
 * to Go 1.25 (0 in a PIE file before relocation), always 0 from Go 1.26.
 */
uint64_t gr_pcln_header_text_start(const struct gr_pcln *pcln);

/*
 * Offsets from the start of the section of the tables the header names
 * (what moduledata's slices must point at) and of the end of pclntable
 * (the next table or the end of the section).
 */
struct gr_pcln_offsets {
	uint64_t funcnametab, cutab, filetab, pctab, pclntable, pclntable_end;
};
void gr_pcln_offsets(const struct gr_pcln *pcln, struct gr_pcln_offsets *ret);

/* Function @i < gr_pcln_func_count().  BAD_DATA if its record is broken. */
GR_MUST_USE
struct gr_error *gr_pcln_func_at(const struct gr_pcln *pcln, uint32_t i,
				 struct gr_pcln_func *ret);
/*
 * The function whose [entry, end) contains @pc (binary search over the
 * functab).  NOT_FOUND if @pc lies outside every function.
 */
GR_MUST_USE
struct gr_error *gr_pcln_find_func(const struct gr_pcln *pcln, uint64_t pc,
				   struct gr_pcln_func *ret);

/*
 * Value of the pc-value table at pctab offset @table_off for @pc, decoded as
 * runtime/symtab.go pcvalue() does (values start at -1; each step adds a
 * zig-zag delta and advances the pc by a varint times the quantum).  A table
 * offset of 0 means "no table" and yields -1.  *pc_start_ret (if not NULL)
 * gets the first PC with this value.  NOT_FOUND if @pc is outside @fn or
 * past the end of the table; BAD_DATA if the table runs out of the section.
 */
GR_MUST_USE
struct gr_error *gr_pcln_pcvalue(const struct gr_pcln *pcln,
				 const struct gr_pcln_func *fn,
				 uint32_t table_off, uint64_t pc, int32_t *ret,
				 uint64_t *pc_start_ret);

/*
 * Iterate the runs of a pc-value table: each call gives the next
 * [*start, *end) range and its value; false at the end of the table (or
 * with *err set on malformed data).  For tools that need whole tables
 * (stack maps by range, line tables).
 */
struct gr_pcvalue_iter {
	const struct gr_pcln *pcln;
	uint64_t off; /* into the section */
	uint64_t pc;
	int32_t val;
	bool first, done;
	uint64_t entry;
};
void gr_pcvalue_iter_init(struct gr_pcvalue_iter *it,
			  const struct gr_pcln *pcln,
			  const struct gr_pcln_func *fn, uint32_t table_off);
bool gr_pcvalue_iter_next(struct gr_pcvalue_iter *it, uint64_t *start,
			  uint64_t *end, int32_t *val, struct gr_error **err);

/*
 * SP delta at @pc (pcsp table; runtime funcspdelta): how many bytes the
 * function has moved SP down since entry.  On amd64 the caller's frame
 * starts at sp + delta + 8 (the return address; runtime/traceback.go).
 */
GR_MUST_USE
struct gr_error *gr_pcln_spdelta(const struct gr_pcln *pcln,
				 const struct gr_pcln_func *fn, uint64_t pc,
				 int32_t *ret);
/*
 * Value of PCDATA table @table at @pc, as runtime pcdatavalue(): -1 when the
 * function has no such table (table >= npcdata or offset 0).
 */
GR_MUST_USE
struct gr_error *gr_pcln_pcdata(const struct gr_pcln *pcln,
				const struct gr_pcln_func *fn, uint32_t table,
				uint64_t pc, int32_t *ret);
/* pctab offset of PCDATA table @table (0 = none). */
GR_MUST_USE
struct gr_error *gr_pcln_pcdata_off(const struct gr_pcln *pcln,
				    const struct gr_pcln_func *fn,
				    uint32_t table, uint32_t *ret);
/*
 * File and line at @pc (runtime funcline1).  *file_ret points into filetab.
 * NOT_FOUND when the function has no line information for @pc.
 */
GR_MUST_USE
struct gr_error *gr_pcln_line(const struct gr_pcln *pcln,
			      const struct gr_pcln_func *fn, uint64_t pc,
			      const char **file_ret, int32_t *line_ret);
/* Name of file number @fileno of @fn's compilation unit (runtime funcfile). */
GR_MUST_USE
struct gr_error *gr_pcln_file(const struct gr_pcln *pcln,
			      const struct gr_pcln_func *fn, int32_t fileno,
			      const char **ret);

/*
 * Raw FUNCDATA slot @i of @fn: an offset from moduledata.gofunc, or
 * 0xffffffff for none.  NOT_FOUND if @i >= nfuncdata.
 */
GR_MUST_USE
struct gr_error *gr_pcln_funcdata_off(const struct gr_pcln *pcln,
				      const struct gr_pcln_func *fn,
				      uint32_t i, uint32_t *ret);
/*
 * Runtime address of FUNCDATA @i of @fn: @gofunc (the runtime value of
 * moduledata.gofunc, i.e. symbol go:func.*) plus the slot's offset, as
 * runtime/symtab.go funcdata() computes it in every version 1.19-1.27.
 * What moved in Go 1.26 is only where go:func.* lives: inside .gopclntab,
 * after pclntable (cmd/link/internal/ld/pcln.go generateFuncdata), instead
 * of .rodata, so the address can be read from the section bytes with
 * gr_pcln_bytes_at().  NOT_FOUND when the function has no such funcdata.
 */
GR_MUST_USE
struct gr_error *gr_pcln_funcdata_addr(const struct gr_pcln *pcln,
				       const struct gr_pcln_func *fn,
				       uint32_t i, uint64_t gofunc,
				       uint64_t *ret);
/*
 * Point *ret at @len section bytes for runtime address @addr, given the
 * runtime address of the section (moduledata.pcHeader).  NOT_FOUND if the
 * range is not inside the section (e.g. funcdata in .rodata before Go 1.26:
 * read those through gr_mem).
 */
GR_MUST_USE
struct gr_error *gr_pcln_bytes_at(const struct gr_pcln *pcln,
				  uint64_t section_addr, uint64_t addr,
				  size_t len, const uint8_t **ret);

enum gr_pcln_origin {
	GR_PCLN_FROM_SECTION, /* .gopclntab or .data.rel.ro.gopclntab */
	GR_PCLN_FROM_SYMBOL,  /* runtime.pclntab .. runtime.epclntab */
	GR_PCLN_FROM_MAGIC,   /* a valid header found by scanning */
};

/* Where the pclntab of an executable is. */
struct gr_pcln_location {
	uint64_t addr; /* link-time address of the pcHeader */
	const uint8_t *data;
	/*
	 * To runtime.epclntab when known, else to the end of the containing
	 * section (the tables are bounded by that; nothing needs more).
	 */
	size_t size;
	enum gr_pcln_origin origin;
	const char *section; /* name of the containing section */
};

/*
 * Find the pclntab of @exe, trying in order:
 *   1. a section of its own: ".gopclntab", or ".data.rel.ro.gopclntab" in
 *      PIE binaries linked internally by Go 1.25 and before (the table
 *      needed a relocation for pcHeader.textStart, which Go 1.26 dropped:
 *      cmd/link/internal/ld/pcln.go);
 *   2. the symbols runtime.pclntab and runtime.epclntab: an external linker
 *      merges .data.rel.ro.gopclntab into .data.rel.ro (cgo PIE, Go <= 1.25);
 *   3. stripped and merged: an 8-byte aligned pclntab magic in an allocated,
 *      non-executable section, accepted only if gr_pcln_create() accepts
 *      the table there.
 * NOT_FOUND when none works.  The bytes are owned by @exe.
 */
GR_MUST_USE
struct gr_error *gr_pcln_locate(struct gr_exe *exe,
				struct gr_pcln_location *ret);

#endif /* GR_PCLNTAB_H */
