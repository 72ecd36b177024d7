/* SPDX-License-Identifier: MIT */
#include "forensics/04-gobin/moduledata.h"

#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/cursor.h"
#include "forensics/04-gobin/pclntab.h"

enum {
	/* Candidates from the scan checked before giving up. */
	MAX_SCAN_CANDIDATES = 64,
	SCAN_CHUNK = 64 * 1024,
};

bool gr_moduledata_has(const struct gr_moduledata *md, enum gr_md_field f)
{
	return (unsigned)f < GR_MD_FIELD_COUNT &&
	       md->layout.off[f] != GR_MD_ABSENT;
}

/* ---- decoding ---- */

static uint64_t word(const uint8_t *buf, const struct gr_moduledata_layout *l,
		     enum gr_md_field f, unsigned i)
{
	if (l->off[f] == GR_MD_ABSENT)
		return 0;
	return gr_le64(buf + l->off[f] + 8 * i);
}

static struct gr_go_slice slice(const uint8_t *buf,
				const struct gr_moduledata_layout *l,
				enum gr_md_field f)
{
	return (struct gr_go_slice){word(buf, l, f, 0), word(buf, l, f, 1),
				    word(buf, l, f, 2)};
}

static struct gr_go_string string(const uint8_t *buf,
				  const struct gr_moduledata_layout *l,
				  enum gr_md_field f)
{
	return (struct gr_go_string){word(buf, l, f, 0), word(buf, l, f, 1)};
}

static uint8_t byte(const uint8_t *buf, const struct gr_moduledata_layout *l,
		    enum gr_md_field f)
{
	return l->off[f] == GR_MD_ABSENT ? 0 : buf[l->off[f]];
}

static struct gr_bitvector bitvector(const uint8_t *buf,
				     const struct gr_moduledata_layout *l,
				     enum gr_md_field f)
{
	if (l->off[f] == GR_MD_ABSENT)
		return (struct gr_bitvector){0, 0};
	/* runtime/stack.go: {n int32; bytedata *uint8}, pointer at +8. */
	return (struct gr_bitvector){(int32_t)gr_le32(buf + l->off[f]),
				     gr_le64(buf + l->off[f] + 8)};
}

static void decode(const uint8_t *buf, const struct gr_moduledata_layout *l,
		   struct gr_moduledata *md)
{
	md->pcheader = word(buf, l, GR_MD_PCHEADER, 0);
	md->funcnametab = slice(buf, l, GR_MD_FUNCNAMETAB);
	md->cutab = slice(buf, l, GR_MD_CUTAB);
	md->filetab = slice(buf, l, GR_MD_FILETAB);
	md->pctab = slice(buf, l, GR_MD_PCTAB);
	md->pclntable = slice(buf, l, GR_MD_PCLNTABLE);
	md->ftab = slice(buf, l, GR_MD_FTAB);
	md->findfunctab = word(buf, l, GR_MD_FINDFUNCTAB, 0);
	md->minpc = word(buf, l, GR_MD_MINPC, 0);
	md->maxpc = word(buf, l, GR_MD_MAXPC, 0);
	md->text = word(buf, l, GR_MD_TEXT, 0);
	md->etext = word(buf, l, GR_MD_ETEXT, 0);
	md->noptrdata = word(buf, l, GR_MD_NOPTRDATA, 0);
	md->enoptrdata = word(buf, l, GR_MD_ENOPTRDATA, 0);
	md->data = word(buf, l, GR_MD_DATA, 0);
	md->edata = word(buf, l, GR_MD_EDATA, 0);
	md->bss = word(buf, l, GR_MD_BSS, 0);
	md->ebss = word(buf, l, GR_MD_EBSS, 0);
	md->noptrbss = word(buf, l, GR_MD_NOPTRBSS, 0);
	md->enoptrbss = word(buf, l, GR_MD_ENOPTRBSS, 0);
	md->covctrs = word(buf, l, GR_MD_COVCTRS, 0);
	md->ecovctrs = word(buf, l, GR_MD_ECOVCTRS, 0);
	md->end = word(buf, l, GR_MD_END, 0);
	md->gcdata = word(buf, l, GR_MD_GCDATA, 0);
	md->gcbss = word(buf, l, GR_MD_GCBSS, 0);
	md->types = word(buf, l, GR_MD_TYPES, 0);
	md->typedesclen = word(buf, l, GR_MD_TYPEDESCLEN, 0);
	md->etypes = word(buf, l, GR_MD_ETYPES, 0);
	md->itaboffset = word(buf, l, GR_MD_ITABOFFSET, 0);
	md->itabsize = word(buf, l, GR_MD_ITABSIZE, 0);
	md->rodata = word(buf, l, GR_MD_RODATA, 0);
	md->gofunc = word(buf, l, GR_MD_GOFUNC, 0);
	md->epclntab = word(buf, l, GR_MD_EPCLNTAB, 0);
	md->textsectmap = slice(buf, l, GR_MD_TEXTSECTMAP);
	md->typelinks = slice(buf, l, GR_MD_TYPELINKS);
	md->itablinks = slice(buf, l, GR_MD_ITABLINKS);
	md->ptab = slice(buf, l, GR_MD_PTAB);
	md->pluginpath = string(buf, l, GR_MD_PLUGINPATH);
	md->pkghashes = slice(buf, l, GR_MD_PKGHASHES);
	md->inittasks = slice(buf, l, GR_MD_INITTASKS);
	md->modulename = string(buf, l, GR_MD_MODULENAME);
	md->modulehashes = slice(buf, l, GR_MD_MODULEHASHES);
	md->hasmain = byte(buf, l, GR_MD_HASMAIN);
	md->bad = byte(buf, l, GR_MD_BAD);
	md->gcdatamask = bitvector(buf, l, GR_MD_GCDATAMASK);
	md->gcbssmask = bitvector(buf, l, GR_MD_GCBSSMASK);
	md->typemap = word(buf, l, GR_MD_TYPEMAP, 0);
	md->next = word(buf, l, GR_MD_NEXT, 0);
}

struct gr_error *gr_moduledata_read(struct gr_mem *mem, uint64_t addr,
				    const struct gr_moduledata_layout *layout,
				    struct gr_moduledata *ret)
{
	struct gr_error *err = gr_md_layout_check(layout);
	if (err)
		return err;
	uint8_t buf[4096]; /* gr_md_layout_check bounds size */
	if ((err = gr_mem_read(mem, addr, buf, layout->size)))
		return gr_error_prefix(err, "runtime.moduledata at 0x%" PRIx64,
				       addr);
	memset(ret, 0, sizeof(*ret));
	ret->addr = addr;
	ret->origin = GR_MD_FROM_ADDRESS;
	ret->layout = *layout;
	decode(buf, layout, ret);
	return NULL;
}

/* ---- consistency ---- */

GR_MUST_USE
static struct gr_error *md_bad(const struct gr_moduledata *md, const char *fmt,
			       ...) __attribute__((format(printf, 2, 3)));
GR_MUST_USE
static struct gr_error *md_bad(const struct gr_moduledata *md, const char *fmt,
			       ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gr_error *err = gr_error_vcreate(GR_ERR_BAD_DATA, fmt, ap);
	va_end(ap);
	return gr_error_prefix(err, "runtime.moduledata at 0x%" PRIx64 " (%s)",
			       md->addr,
			       md->layout.source ? md->layout.source : "layout");
}

GR_MUST_USE
static struct gr_error *check_table(const struct gr_moduledata *md,
				    const char *name,
				    const struct gr_go_slice *s, uint64_t want)
{
	if (s->ptr != want)
		return md_bad(md, "%s points to 0x%" PRIx64
				  ", the pclntab header says 0x%" PRIx64,
			      name, s->ptr, want);
	return NULL;
}

GR_MUST_USE
static struct gr_error *check_order(const struct gr_moduledata *md,
				    const char *lo_name, uint64_t lo,
				    const char *hi_name, uint64_t hi)
{
	if (lo > hi)
		return md_bad(md, "%s 0x%" PRIx64 " > %s 0x%" PRIx64, lo_name,
			      lo, hi_name, hi);
	return NULL;
}

struct gr_error *gr_moduledata_check(const struct gr_moduledata *md,
				     uint64_t pclntab_addr,
				     const uint8_t *pcln, size_t pcln_size)
{
	if (md->pcheader != pclntab_addr)
		return md_bad(md, "pcHeader 0x%" PRIx64
				  " is not the pclntab address 0x%" PRIx64,
			      md->pcheader, pclntab_addr);
	/* Only the header matters here: the text start is not known yet. */
	struct gr_pcln *p;
	struct gr_error *err = gr_pcln_create(pcln, pcln_size, 0, &p);
	if (err)
		return err;
	struct gr_pcln_offsets o;
	gr_pcln_offsets(p, &o);
	uint64_t nfunc = gr_pcln_func_count(p);
	gr_pcln_destroy(p);

	const uint64_t P = pclntab_addr;
	if ((err = check_table(md, "funcnametab", &md->funcnametab,
			       P + o.funcnametab)) ||
	    (err = check_table(md, "cutab", &md->cutab, P + o.cutab)) ||
	    (err = check_table(md, "filetab", &md->filetab, P + o.filetab)) ||
	    (err = check_table(md, "pctab", &md->pctab, P + o.pctab)) ||
	    (err = check_table(md, "pclntable", &md->pclntable,
			       P + o.pclntable)) ||
	    (err = check_table(md, "ftab", &md->ftab, P + o.pclntable)))
		return err;
	if (md->ftab.len != nfunc + 1)
		return md_bad(md, "ftab has %" PRIu64
				  " entries, the pclntab header %" PRIu64
				  " functions",
			      md->ftab.len, nfunc);

	static const enum gr_md_field slices[] = {
		GR_MD_FUNCNAMETAB, GR_MD_CUTAB,	   GR_MD_FILETAB,
		GR_MD_PCTAB,	   GR_MD_PCLNTABLE, GR_MD_FTAB,
		GR_MD_TEXTSECTMAP, GR_MD_TYPELINKS, GR_MD_ITABLINKS,
		GR_MD_PTAB,	   GR_MD_PKGHASHES, GR_MD_INITTASKS,
		GR_MD_MODULEHASHES,
	};
	const struct gr_go_slice *sv[] = {
		&md->funcnametab, &md->cutab,	  &md->filetab,
		&md->pctab,	  &md->pclntable, &md->ftab,
		&md->textsectmap, &md->typelinks, &md->itablinks,
		&md->ptab,	  &md->pkghashes, &md->inittasks,
		&md->modulehashes,
	};
	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++)
		if (sv[i]->len > sv[i]->cap)
			return md_bad(md, "%s has len %" PRIu64 " > cap %" PRIu64,
				      gr_md_field_name(slices[i]), sv[i]->len,
				      sv[i]->cap);

	if ((err = check_order(md, "text", md->text, "minpc", md->minpc)) ||
	    (err = check_order(md, "minpc", md->minpc, "maxpc", md->maxpc)) ||
	    (err = check_order(md, "maxpc", md->maxpc, "etext", md->etext)) ||
	    (err = check_order(md, "noptrdata", md->noptrdata, "enoptrdata",
			       md->enoptrdata)) ||
	    (err = check_order(md, "data", md->data, "edata", md->edata)) ||
	    (err = check_order(md, "bss", md->bss, "ebss", md->ebss)) ||
	    (err = check_order(md, "noptrbss", md->noptrbss, "enoptrbss",
			       md->enoptrbss)) ||
	    (err = check_order(md, "types", md->types, "etypes", md->etypes)))
		return err;
	if (md->text == 0 || md->gofunc == 0)
		return md_bad(md, "text or gofunc is 0");
	/*
	 * Go 1.26+: runtime.epclntab closes .gopclntab (cmd/link data.go
	 * xdefine("runtime.epclntab", ... pclntab.Vaddr+pclntab.Length)); the
	 * bytes we have may run further (to the end of a merged section).
	 */
	if (gr_moduledata_has(md, GR_MD_EPCLNTAB) &&
	    (md->epclntab <= P || md->epclntab - P > pcln_size))
		return md_bad(md, "epclntab 0x%" PRIx64
				  " is not inside the pclntab [0x%" PRIx64
				  ", 0x%" PRIx64 "]",
			      md->epclntab, P, P + pcln_size);
	return NULL;
}

/* ---- locating ---- */

GR_MUST_USE
static struct gr_error *try_at(struct gr_mem *mem, uint64_t addr,
			       const struct gr_moduledata_layout *layout,
			       enum gr_moduledata_origin origin,
			       uint64_t pclntab_addr, const uint8_t *pcln,
			       size_t pcln_size, struct gr_moduledata *md)
{
	struct gr_error *err = gr_moduledata_read(mem, addr, layout, md);
	if (err)
		return err;
	md->origin = origin;
	return gr_moduledata_check(md, pclntab_addr, pcln, pcln_size);
}

static bool is_data_section(const struct gr_exe_section *s)
{
	return (s->flags & (SHF_ALLOC | SHF_WRITE)) == (SHF_ALLOC | SHF_WRITE) &&
	       s->type != SHT_NOBITS && s->size >= 8;
}

/*
 * Scan one section for words equal to @needle and try each; stops at the
 * first consistent candidate.  *tried counts candidates across sections;
 * *first_err keeps the first candidate's error for the report.
 */
static bool scan_section(struct gr_mem *mem, uint64_t start, uint64_t size,
			 uint64_t needle,
			 const struct gr_moduledata_layout *layout,
			 const uint8_t *pcln, size_t pcln_size,
			 struct gr_moduledata *md, unsigned *tried,
			 struct gr_error **first_err)
{
	uint8_t *buf = malloc(SCAN_CHUNK);
	if (!buf) {
		if (!*first_err)
			*first_err = gr_error_nomem();
		return false;
	}
	bool found = false;
	uint64_t first = (start + 7) & ~(uint64_t)7;
	for (uint64_t a = first; a < start + size && !found;
	     a += SCAN_CHUNK) {
		size_t n = (size_t)(start + size - a < SCAN_CHUNK
					    ? start + size - a
					    : SCAN_CHUNK);
		n &= ~(size_t)7;
		/* Pages the core lacks cannot hold a live moduledata. */
		struct gr_error *err = gr_mem_read(mem, a, buf, n);
		if (err) {
			gr_error_destroy(err);
			continue;
		}
		for (size_t i = 0; i < n && !found; i += 8) {
			if (gr_le64(buf + i) != needle)
				continue;
			if (*tried >= MAX_SCAN_CANDIDATES)
				break;
			++*tried;
			err = try_at(mem, a + i, layout, GR_MD_FROM_SCAN, needle,
				     pcln, pcln_size, md);
			/* Probing candidates: a miss is not damage. */
			if (!err)
				found = true;
			else if (!*first_err)
				*first_err = err;
			else
				gr_error_destroy(err);
		}
	}
	free(buf);
	return found;
}

GR_MUST_USE
static struct gr_error *scan(struct gr_exe *exe, struct gr_mem *mem,
			     uint64_t bias, uint64_t pclntab_addr,
			     const struct gr_moduledata_layout *layout,
			     const uint8_t *pcln, size_t pcln_size,
			     struct gr_moduledata *md)
{
	unsigned tried = 0;
	struct gr_error *first_err = NULL;
	/* .noptrdata first: moduledata lives there up to Go 1.25. */
	const struct gr_exe_section *nd = gr_exe_section(exe, ".noptrdata");
	if (nd && is_data_section(nd) &&
	    scan_section(mem, nd->addr + bias, nd->size, pclntab_addr, layout,
			 pcln, pcln_size, md, &tried, &first_err))
		goto found;
	for (size_t i = 0; i < gr_exe_section_count(exe); i++) {
		const struct gr_exe_section *s = gr_exe_section_at(exe, i);
		if (s == nd || !is_data_section(s))
			continue;
		if (scan_section(mem, s->addr + bias, s->size, pclntab_addr,
				 layout, pcln, pcln_size, md, &tried,
				 &first_err))
			goto found;
	}
	if (first_err)
		return gr_error_prefix(first_err,
				       "no consistent runtime.moduledata among "
				       "%u candidates; first",
				       tried);
	return gr_error_create(GR_ERR_NOT_FOUND,
			       "%s: no runtime.firstmoduledata symbol, no "
			       ".go.module section, and no data word equals "
			       "the pclntab address 0x%" PRIx64,
			       gr_exe_path(exe), pclntab_addr);
found:
	gr_error_destroy(first_err);
	return NULL;
}

struct gr_error *gr_moduledata_load(struct gr_exe *exe, struct gr_mem *mem,
				    uint64_t bias,
				    const struct gr_moduledata_layout *layout,
				    struct gr_moduledata **ret)
{
	struct gr_error *err = gr_md_layout_check(layout);
	if (err)
		return err;
	struct gr_pcln_location loc;
	if ((err = gr_pcln_locate(exe, &loc)))
		return err;
	const uint8_t *pcln = loc.data;
	size_t pcln_size = loc.size;
	uint64_t pclntab_addr = loc.addr + bias;

	struct gr_moduledata *md = calloc(1, sizeof(*md));
	if (!md)
		return gr_error_nomem();
	uint64_t sym;
	const struct gr_exe_section *gm;
	if (gr_exe_symbol_count(exe) > 0 &&
	    gr_exe_symbol(exe, "runtime.firstmoduledata", &sym, NULL)) {
		err = try_at(mem, sym + bias, layout, GR_MD_FROM_SYMBOL,
			     pclntab_addr, pcln, pcln_size, md);
	} else if ((gm = gr_exe_section(exe, ".go.module"))) {
		/*
		 * Go 1.26+: the section holds exactly the one SMODULEDATA
		 * symbol (cmd/link/internal/ld/data.go, go-1.26 line 1948).
		 */
		err = try_at(mem, gm->addr + bias, layout, GR_MD_FROM_SECTION,
			     pclntab_addr, pcln, pcln_size, md);
	} else {
		err = scan(exe, mem, bias, pclntab_addr, layout, pcln,
			   pcln_size, md);
	}
	if (err) {
		free(md);
		return err;
	}
	*ret = md;
	return NULL;
}

void gr_moduledata_destroy(struct gr_moduledata *md)
{
	free(md);
}

/* ---- GC masks ---- */

struct gr_error *gr_moduledata_gcmask(struct gr_mem *mem,
				      const struct gr_moduledata *md, bool bss,
				      uint8_t **bits_ret, uint64_t *nbits_ret)
{
	const struct gr_bitvector *bv = bss ? &md->gcbssmask : &md->gcdatamask;
	uint64_t lo = bss ? md->bss : md->data, hi = bss ? md->ebss : md->edata;
	const char *name = bss ? "gcbssmask" : "gcdatamask";
	if (hi < lo)
		return md_bad(md, "%s: section end below its start", name);
	/*
	 * progToPointerMask: a zeroed buffer of (size/PtrSize + 7)/8 bytes in
	 * which runGCProg writes n bits (the program may end before the
	 * section does); the rest stay 0.
	 */
	uint64_t nwords = (hi - lo) / 8, nbytes = (nwords + 7) / 8;
	if (nwords > 0 && bv->n == 0 && bv->bytedata == 0)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "runtime.moduledata.%s is not built "
				       "(modulesinit has not run, or this is "
				       "not a core)",
				       name);
	if (bv->n < 0 || (uint64_t)bv->n > nbytes * 8)
		return md_bad(md, "%s has %" PRId32 " bits, more than the %" PRIu64
				  " the section can hold",
			      name, bv->n, nbytes * 8);
	/* The section itself must exist before its size is believed. */
	if (nwords > 0 && !gr_mem_readable(mem, lo, hi - lo))
		return gr_error_fault(lo, hi - lo,
				      bss ? "bss section not in the core"
					  : "data section not in the core");
	uint8_t *bits = calloc(nbytes ? nbytes : 1, 1);
	if (!bits)
		return gr_error_nomem();
	struct gr_error *err =
		gr_mem_read(mem, bv->bytedata, bits, ((uint64_t)bv->n + 7) / 8);
	if (err) {
		free(bits);
		return err;
	}
	/* Bits past n in the last byte are not the program's. */
	if (bv->n % 8)
		bits[bv->n / 8] &= (uint8_t)((1u << (bv->n % 8)) - 1);
	*bits_ret = bits;
	*nbits_ret = nwords;
	return NULL;
}
