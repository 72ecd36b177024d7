/* SPDX-License-Identifier: MIT */
/*
 * gr_moduledata: runtime.firstmoduledata, read from the process image.
 *
 * The linker writes one moduledata per module (runtime/symtab.go; filled by
 * cmd/link/internal/ld/symtab.go), in .noptrdata up to Go 1.25 and in its own
 * writable section ".go.module" from Go 1.26 (cmd/link/internal/ld/data.go,
 * SMODULEDATA).  It is found, in order, by:
 *   1. the ELF symbol runtime.firstmoduledata;
 *   2. the ".go.module" section (Go 1.26+, also when stripped);
 *   3. scanning the writable data sections for an 8-byte aligned word equal
 *      to the runtime address of the pclntab (moduledata's first member,
 *      pcHeader, points at it; gr_pcln_locate() finds it even in stripped
 *      binaries), each candidate being accepted only if the whole record is
 *      consistent.
 * Every candidate is checked (gr_moduledata_check) before it is returned, so
 * a wrong layout or a corrupt core is BAD_DATA, never garbage.
 *
 * Values are read through gr_mem, so they are the ones the process had:
 * runtime addresses, relocated by the PIE load bias.  The bias is only used
 * to turn link-time addresses (symbol, section addresses) into runtime ones.
 *
 * gcdatamask and gcbssmask are not in the executable: every version 1.19-1.27
 * builds them at start-up in modulesinit() (runtime/symtab.go) with
 * progToPointerMask() (runtime/mbitmap.go) from the GC programs at gcdata and
 * gcbss, into persistentalloc'd memory.  In a core they are readable through
 * gr_mem; read straight from the executable they are {0, 0}.
 */
#ifndef GR_MODULEDATA_H
#define GR_MODULEDATA_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/mem.h"
#include "layouts/layouts.h"

struct gr_go_slice {
	uint64_t ptr, len, cap;
};

struct gr_go_string {
	uint64_t ptr, len;
};

/* runtime/stack.go bitvector. */
struct gr_bitvector {
	int32_t n; /* number of bits */
	uint64_t bytedata;
};

enum gr_moduledata_origin {
	GR_MD_FROM_SYMBOL,  /* runtime.firstmoduledata */
	GR_MD_FROM_SECTION, /* .go.module */
	GR_MD_FROM_SCAN,    /* word equal to the pclntab address */
	GR_MD_FROM_ADDRESS, /* gr_moduledata_read() at a given address */
};

/*
 * A decoded moduledata.  Members the binary's layout lacks read as 0; test
 * with gr_moduledata_has().  All addresses are runtime addresses.
 */
struct gr_moduledata {
	uint64_t addr; /* where the record lives */
	enum gr_moduledata_origin origin;
	struct gr_moduledata_layout layout;

	uint64_t pcheader;
	struct gr_go_slice funcnametab, cutab, filetab, pctab, pclntable, ftab;
	uint64_t findfunctab, minpc, maxpc;
	uint64_t text, etext;
	uint64_t noptrdata, enoptrdata, data, edata, bss, ebss;
	uint64_t noptrbss, enoptrbss, covctrs, ecovctrs, end;
	uint64_t gcdata, gcbss;
	uint64_t types, typedesclen, etypes, itaboffset, itabsize;
	uint64_t rodata, gofunc, epclntab;
	struct gr_go_slice textsectmap, typelinks, itablinks, ptab, pkghashes;
	struct gr_go_slice inittasks, modulehashes;
	struct gr_go_string pluginpath, modulename;
	uint8_t hasmain, bad;
	struct gr_bitvector gcdatamask, gcbssmask;
	uint64_t typemap, next;
};

/* True if the binary's moduledata has member @f. */
bool gr_moduledata_has(const struct gr_moduledata *md, enum gr_md_field f);

/*
 * Find and decode runtime.firstmoduledata of @exe in @mem (see above).
 * @layout comes from DWARF or gr_layout_moduledata(); it is checked first
 * (gr_md_layout_check).  @bias is the PIE load bias (0 for ET_EXEC).
 * NOT_FOUND when no candidate exists, BAD_DATA when the candidates found are
 * inconsistent (the message names the first failure), FAULT when the
 * symbol's or section's address cannot be read.  *ret is the caller's, freed
 * with gr_moduledata_destroy().
 */
GR_MUST_USE
struct gr_error *gr_moduledata_load(struct gr_exe *exe, struct gr_mem *mem,
				    uint64_t bias,
				    const struct gr_moduledata_layout *layout,
				    struct gr_moduledata **ret);
void gr_moduledata_destroy(struct gr_moduledata *md);

/*
 * Decode the moduledata at runtime address @addr without checking it
 * (origin GR_MD_FROM_ADDRESS); for following md->next in processes with
 * plugins or shared libraries.  FAULT if the bytes cannot be read.
 */
GR_MUST_USE
struct gr_error *gr_moduledata_read(struct gr_mem *mem, uint64_t addr,
				    const struct gr_moduledata_layout *layout,
				    struct gr_moduledata *ret);

/*
 * Check @md against the pclntab it should describe: @pclntab_addr (runtime
 * address of the pcHeader) and its bytes @pcln/@pcln_size (as
 * gr_pcln_locate() gives them: possibly running past runtime.epclntab).  pcHeader must be
 * @pclntab_addr, the table slices must point where the pcHeader's offsets
 * say, ftab must have nfunc+1 entries, the text/data/bss bounds must be
 * ordered and slices must have len <= cap.  BAD_DATA naming the member.
 */
GR_MUST_USE
struct gr_error *gr_moduledata_check(const struct gr_moduledata *md,
				     uint64_t pclntab_addr,
				     const uint8_t *pcln, size_t pcln_size);

/*
 * Read the pointer bitmap of the data (@bss false) or bss (@bss true)
 * section: one bit per 8-byte word from md->data (md->bss) to edata (ebss),
 * least significant bit first, set for words the GC scans as pointers.
 * *nbits_ret is the number of words; *bits_ret (malloc'd, the caller's)
 * holds (nbits+7)/8 bytes.  progToPointerMask() (runtime/mbitmap.go) sizes
 * the buffer for the whole section but runGCProg may write fewer bits (n);
 * the words past n read as 0, as the runtime's zeroed buffer does.
 * Errors: UNSUPPORTED when the mask is still {0, 0} (a core taken before
 * modulesinit(), or the executable read instead of a core); BAD_DATA when
 * n exceeds what the section can hold; FAULT when the section or the bitmap
 * is not in @mem (the section's size is not believed before that).
 */
GR_MUST_USE
struct gr_error *gr_moduledata_gcmask(struct gr_mem *mem,
				      const struct gr_moduledata *md, bool bss,
				      uint8_t **bits_ret, uint64_t *nbits_ret);

#endif /* GR_MODULEDATA_H */
