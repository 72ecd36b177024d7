/* SPDX-License-Identifier: MIT */
#include "forensics/04-gobin/pclntab.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/cursor.h"

/*
 * runtime/symtab.go pcHeader on a 64-bit target: magic u32, pad1, pad2,
 * minLC, ptrSize (u8 each), then 8 uintptr words.
 */
enum {
	HDR_MINLC = 6,
	HDR_PTRSIZE = 7,
	HDR_NFUNC = 8,
	HDR_NFILES = 16,
	HDR_TEXTSTART = 24,
	HDR_FUNCNAMEOFF = 32,
	HDR_CUOFF = 40,
	HDR_FILETABOFF = 48,
	HDR_PCTABOFF = 56,
	HDR_PCLNOFF = 64,
	HDR_SIZE = 72,
	/* runtime/symtab.go functab: {entryoff, funcoff uint32}. */
	FUNCTAB_ENTRY_SIZE = 8,
	/*
	 * _func (runtime/runtime2.go): 10 u32 words up to Go 1.19
	 * (cmd/link/internal/ld/pcln.go funcSize = 10*4), 11 from Go 1.20
	 * when startLine was added after cuOffset.
	 */
	FUNC_SIZE_GO118 = 40,
	FUNC_SIZE_GO120 = 44,
	NO_FUNCDATA = 0xffffffff,
	NO_FILE = 0xffffffff,
};

/* One of the tables the header names: [off, end) in the section. */
struct pcln_table {
	uint64_t off, end;
};

enum { T_FUNCNAME, T_CU, T_FILE, T_PC, T_PCLN, T_COUNT };
static const char *const table_names[T_COUNT] = {
	"funcnametab", "cutab", "filetab", "pctab", "pclntable",
};

/*
 * A direct-mapped cache of pc-value lookups.  The key is the table, the
 * function entry (the linker shares identical tables between functions,
 * and their PCs are entry-relative) and the PC; only successful lookups
 * are kept.  Entries with table_off 0 are empty (offset 0 is never a
 * table: gr_pcln_pcvalue answers it without decoding).
 */
enum { PCVALUE_CACHE = 4096 };
struct pcvalue_cache_entry {
	uint64_t entry, pc, pc_start;
	uint32_t table_off;
	int32_t val;
};

struct gr_pcln {
	/* Mutable through a const gr_pcln: a lookup cache, not state. */
	struct pcvalue_cache_entry *cache;
	const uint8_t *data;
	size_t size;
	uint64_t text_start, header_text_start;
	uint32_t magic;
	unsigned quantum;
	uint32_t nfunc, nfiles;
	size_t func_size;
	struct pcln_table t[T_COUNT];
};

GR_MUST_USE
static struct gr_error *pcln_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
GR_MUST_USE
static struct gr_error *pcln_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gr_error *err = gr_error_vcreate(GR_ERR_BAD_DATA, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * The header gives only starts; each table ends where the next one (in
 * address order) starts, the last at the end of the section.  Not assuming
 * the linker's order keeps a reordering from silently misreading.
 */
static void table_ends(struct gr_pcln *p)
{
	for (int i = 0; i < T_COUNT; i++) {
		uint64_t end = p->size;
		for (int j = 0; j < T_COUNT; j++)
			if (p->t[j].off > p->t[i].off && p->t[j].off < end)
				end = p->t[j].off;
		p->t[i].end = end;
	}
}

GR_MUST_USE
static struct gr_error *parse_header(struct gr_pcln *p)
{
	const uint8_t *h = p->data;
	if (p->size < HDR_SIZE)
		return pcln_error("pclntab: %zu bytes, shorter than the %d-byte header",
				  p->size, HDR_SIZE);
	p->magic = gr_le32(h);
	switch (p->magic) {
	case GR_PCLN_MAGIC_GO118:
		p->func_size = FUNC_SIZE_GO118;
		break;
	case GR_PCLN_MAGIC_GO120:
		p->func_size = FUNC_SIZE_GO120;
		break;
	default:
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "pclntab: magic 0x%08" PRIx32
				       " is not a Go 1.18+ table (want "
				       "0xfffffff0 or 0xfffffff1)",
				       p->magic);
	}
	if (h[HDR_PTRSIZE] != 8)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "pclntab: pointer size %u, want 8",
				       h[HDR_PTRSIZE]);
	if (h[HDR_MINLC] == 0)
		return pcln_error("pclntab+0x%x: zero pc quantum", HDR_MINLC);
	p->quantum = h[HDR_MINLC];

	uint64_t nfunc = gr_le64(h + HDR_NFUNC), nfiles = gr_le64(h + HDR_NFILES);
	if (nfunc > UINT32_MAX - 1 || nfiles > UINT32_MAX)
		return pcln_error("pclntab+0x%x: absurd nfunc %" PRIu64 " / nfiles %" PRIu64,
				  HDR_NFUNC, nfunc, nfiles);
	p->nfunc = (uint32_t)nfunc;
	p->nfiles = (uint32_t)nfiles;
	p->header_text_start = gr_le64(h + HDR_TEXTSTART);

	static const int hdr_off[T_COUNT] = {HDR_FUNCNAMEOFF, HDR_CUOFF,
					     HDR_FILETABOFF, HDR_PCTABOFF,
					     HDR_PCLNOFF};
	for (int i = 0; i < T_COUNT; i++) {
		uint64_t off = gr_le64(h + hdr_off[i]);
		if (off < HDR_SIZE || off > p->size)
			return pcln_error("pclntab+0x%x: %s offset 0x%" PRIx64
					  " outside [0x%x, 0x%zx]",
					  hdr_off[i], table_names[i], off,
					  HDR_SIZE, p->size);
		p->t[i].off = off;
	}
	table_ends(p);
	return NULL;
}

/*
 * Check that the functab fits, is sorted, and that every funcoff leaves room
 * for a _func record inside pclntable, so lookups can binary-search and
 * func_at() only has to check the variable-length tail.
 */
GR_MUST_USE
static struct gr_error *check_functab(const struct gr_pcln *p)
{
	const struct pcln_table *t = &p->t[T_PCLN];
	uint64_t room = t->end - t->off;
	uint64_t need = ((uint64_t)p->nfunc + 1) * FUNCTAB_ENTRY_SIZE;
	if (need > room)
		return pcln_error("pclntab: nfunc %" PRIu32 " needs a 0x%" PRIx64
				  "-byte functab, pclntable has 0x%" PRIx64,
				  p->nfunc, need, room);
	const uint8_t *ft = p->data + t->off;
	uint32_t prev = 0;
	for (uint64_t i = 0; i <= p->nfunc; i++) {
		uint32_t entry = gr_le32(ft + i * FUNCTAB_ENTRY_SIZE);
		if (entry < prev)
			return pcln_error("pclntab+0x%" PRIx64 ": functab[%" PRIu64
					  "] entry 0x%" PRIx32
					  " below the previous 0x%" PRIx32,
					  t->off + i * FUNCTAB_ENTRY_SIZE, i,
					  entry, prev);
		prev = entry;
		if (i == p->nfunc)
			break;
		uint32_t funcoff = gr_le32(ft + i * FUNCTAB_ENTRY_SIZE + 4);
		if (!gr_range_ok(room, funcoff, p->func_size))
			return pcln_error("pclntab+0x%" PRIx64 ": functab[%" PRIu64
					  "] funcoff 0x%" PRIx32
					  " outside pclntable",
					  t->off + i * FUNCTAB_ENTRY_SIZE + 4, i,
					  funcoff);
	}
	return NULL;
}

struct gr_error *gr_pcln_create(const uint8_t *data, size_t size,
				uint64_t text_start, struct gr_pcln **ret)
{
	struct gr_pcln *p = calloc(1, sizeof(*p));
	if (!p)
		return gr_error_nomem();
	p->data = data;
	p->size = size;
	p->text_start = text_start;
	p->cache = calloc(PCVALUE_CACHE, sizeof(*p->cache));
	struct gr_error *err = p->cache ? parse_header(p) : gr_error_nomem();
	if (!err)
		err = check_functab(p);
	if (err) {
		free(p->cache);
		free(p);
		return err;
	}
	*ret = p;
	return NULL;
}

void gr_pcln_destroy(struct gr_pcln *pcln)
{
	if (pcln)
		free(pcln->cache);
	free(pcln);
}

uint32_t gr_pcln_magic(const struct gr_pcln *pcln)
{
	return pcln->magic;
}

uint32_t gr_pcln_func_count(const struct gr_pcln *pcln)
{
	return pcln->nfunc;
}

uint32_t gr_pcln_file_count(const struct gr_pcln *pcln)
{
	return pcln->nfiles;
}

unsigned gr_pcln_quantum(const struct gr_pcln *pcln)
{
	return pcln->quantum;
}

uint64_t gr_pcln_text_start(const struct gr_pcln *pcln)
{
	return pcln->text_start;
}

uint64_t gr_pcln_header_text_start(const struct gr_pcln *pcln)
{
	return pcln->header_text_start;
}

void gr_pcln_offsets(const struct gr_pcln *pcln, struct gr_pcln_offsets *ret)
{
	ret->funcnametab = pcln->t[T_FUNCNAME].off;
	ret->cutab = pcln->t[T_CU].off;
	ret->filetab = pcln->t[T_FILE].off;
	ret->pctab = pcln->t[T_PC].off;
	ret->pclntable = pcln->t[T_PCLN].off;
	ret->pclntable_end = pcln->t[T_PCLN].end;
}

/* A NUL-terminated string at @off inside table @ti. */
GR_MUST_USE
static struct gr_error *table_cstr(const struct gr_pcln *p, int ti,
				   uint64_t off, const char **ret)
{
	const struct pcln_table *t = &p->t[ti];
	struct gr_cursor c;
	gr_cursor_init(&c, p->data + t->off, t->end - t->off, table_names[ti]);
	struct gr_error *err = gr_cursor_seek(&c, off);
	if (!err)
		err = gr_cursor_cstr(&c, ret, NULL);
	return gr_error_prefix(err, "pclntab");
}

struct gr_error *gr_pcln_func_at(const struct gr_pcln *pcln, uint32_t i,
				 struct gr_pcln_func *ret)
{
	if (i >= pcln->nfunc)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "pclntab: function %" PRIu32
				       " of %" PRIu32,
				       i, pcln->nfunc);
	const struct pcln_table *t = &pcln->t[T_PCLN];
	const uint8_t *ft = pcln->data + t->off + (uint64_t)i * FUNCTAB_ENTRY_SIZE;
	struct gr_pcln_func f = {.index = i};
	uint32_t ft_entry = gr_le32(ft);
	f.end = pcln->text_start + gr_le32(ft + FUNCTAB_ENTRY_SIZE);
	f.rec_off = t->off + gr_le32(ft + 4); /* in bounds: check_functab */

	/* runtime/runtime2.go _func, field by field. */
	const uint8_t *r = pcln->data + f.rec_off;
	f.entry_off = gr_le32(r);
	f.name_off = (int32_t)gr_le32(r + 4);
	f.args = (int32_t)gr_le32(r + 8);
	f.deferreturn = gr_le32(r + 12);
	f.pcsp = gr_le32(r + 16);
	f.pcfile = gr_le32(r + 20);
	f.pcln = gr_le32(r + 24);
	f.npcdata = gr_le32(r + 28);
	f.cu_offset = gr_le32(r + 32);
	size_t b = 36;
	if (pcln->func_size == FUNC_SIZE_GO120) {
		f.start_line = (int32_t)gr_le32(r + 36);
		b = 40;
	}
	f.func_id = r[b];
	f.flag = r[b + 1];
	f.nfuncdata = r[b + 3];
	f.entry = pcln->text_start + f.entry_off;

	if (f.entry_off != ft_entry)
		return pcln_error("pclntab+0x%zx: _func of function %" PRIu32
				  " has entryOff 0x%" PRIx32
				  ", functab says 0x%" PRIx32,
				  f.rec_off, i, f.entry_off, ft_entry);
	uint64_t tail = ((uint64_t)f.npcdata + f.nfuncdata) * 4;
	if (!gr_range_ok(t->end, f.rec_off + pcln->func_size, tail))
		return pcln_error("pclntab+0x%zx: function %" PRIu32 " npcdata %" PRIu32
				  " nfuncdata %u run past pclntable",
				  f.rec_off, i, f.npcdata, f.nfuncdata);
	if (f.name_off < 0)
		return pcln_error("pclntab+0x%zx: function %" PRIu32
				  " has negative nameOff %" PRId32,
				  f.rec_off, i, f.name_off);
	struct gr_error *err =
		table_cstr(pcln, T_FUNCNAME, (uint64_t)f.name_off, &f.name);
	if (err)
		return gr_error_prefix(err, "function %" PRIu32 " name", i);
	*ret = f;
	return NULL;
}

struct gr_error *gr_pcln_find_func(const struct gr_pcln *pcln, uint64_t pc,
				   struct gr_pcln_func *ret)
{
	/*
	 * runtime findfunc() uses findfunctab buckets; a binary search over
	 * the sorted functab finds the same entry without trusting them.
	 */
	if (pc < pcln->text_start || pc - pcln->text_start > UINT32_MAX ||
	    pcln->nfunc == 0)
		goto not_found;
	uint32_t off = (uint32_t)(pc - pcln->text_start);
	const uint8_t *ft = pcln->data + pcln->t[T_PCLN].off;
	/* Invariant: entry[lo] <= off < entry[hi]; entry[nfunc] is the end. */
	if (off < gr_le32(ft) ||
	    off >= gr_le32(ft + (uint64_t)pcln->nfunc * FUNCTAB_ENTRY_SIZE))
		goto not_found;
	uint32_t lo = 0, hi = pcln->nfunc;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (gr_le32(ft + (uint64_t)mid * FUNCTAB_ENTRY_SIZE) <= off)
			lo = mid;
		else
			hi = mid;
	}
	return gr_pcln_func_at(pcln, lo, ret);
not_found:
	return gr_error_create(GR_ERR_NOT_FOUND,
			       "pclntab: no function contains pc 0x%" PRIx64, pc);
}

/* ---- pc-value tables (runtime/symtab.go pcvalue, step, readvarint) ---- */

void gr_pcvalue_iter_init(struct gr_pcvalue_iter *it,
			  const struct gr_pcln *pcln,
			  const struct gr_pcln_func *fn, uint32_t table_off)
{
	it->pcln = pcln;
	it->off = table_off;
	it->entry = it->pc = fn->entry;
	it->val = -1;
	it->first = true;
	it->done = table_off == 0;
}

GR_MUST_USE
static struct gr_error *read_u32_varint(struct gr_cursor *c, uint32_t *ret)
{
	uint64_t v;
	struct gr_error *err = gr_cursor_uvarint(c, &v);
	if (err)
		return err;
	if (v > UINT32_MAX)
		return gr_cursor_error(c, "pc-value delta 0x%" PRIx64
					  " exceeds 32 bits", v);
	*ret = (uint32_t)v;
	return NULL;
}

bool gr_pcvalue_iter_next(struct gr_pcvalue_iter *it, uint64_t *start,
			  uint64_t *end, int32_t *val, struct gr_error **err)
{
	*err = NULL;
	if (it->done)
		return false;
	const struct pcln_table *t = &it->pcln->t[T_PC];
	struct gr_cursor c;
	gr_cursor_init(&c, it->pcln->data + t->off, t->end - t->off, "pctab");
	uint32_t uvdelta = 0, pcdelta = 0;
	if ((*err = gr_cursor_seek(&c, it->off)))
		goto bad;
	/*
	 * step(): a single 0 byte ends the table, except as the very first
	 * value delta (the runtime passes first = pc == entry).
	 */
	if (gr_cursor_left(&c) > 0 && c.data[c.off] == 0 && !it->first) {
		it->done = true;
		return false;
	}
	if ((*err = read_u32_varint(&c, &uvdelta)) ||
	    (*err = read_u32_varint(&c, &pcdelta)))
		goto bad;
	/* int32(-(uvdelta & 1) ^ (uvdelta >> 1)), in unsigned arithmetic. */
	uint32_t delta = (0u - (uvdelta & 1)) ^ (uvdelta >> 1);
	it->val = (int32_t)((uint32_t)it->val + delta);
	*start = it->pc;
	it->pc += (uint64_t)pcdelta * it->pcln->quantum;
	*end = it->pc;
	*val = it->val;
	it->off = c.off;
	it->first = it->pc == it->entry;
	return true;
bad:
	it->done = true;
	*err = gr_error_prefix(*err, "pclntab");
	return false;
}

struct gr_error *gr_pcln_pcvalue(const struct gr_pcln *pcln,
				 const struct gr_pcln_func *fn,
				 uint32_t table_off, uint64_t pc, int32_t *ret,
				 uint64_t *pc_start_ret)
{
	if (pc < fn->entry || pc >= fn->end)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "pclntab: pc 0x%" PRIx64
				       " outside %s [0x%" PRIx64 ", 0x%" PRIx64
				       ")",
				       pc, fn->name, fn->entry, fn->end);
	if (table_off == 0) {
		*ret = -1;
		if (pc_start_ret)
			*pc_start_ret = fn->entry;
		return NULL;
	}
	uint64_t h = (pc ^ fn->entry * 31 ^ (uint64_t)table_off * 0x9E3779B1u) *
		     UINT64_C(0x9E3779B97F4A7C15);
	struct pcvalue_cache_entry *ce = &pcln->cache[h >> 52];
	if (ce->table_off == table_off && ce->pc == pc &&
	    ce->entry == fn->entry) {
		*ret = ce->val;
		if (pc_start_ret)
			*pc_start_ret = ce->pc_start;
		return NULL;
	}
	struct gr_pcvalue_iter it;
	uint64_t start, end;
	int32_t val;
	struct gr_error *err;
	gr_pcvalue_iter_init(&it, pcln, fn, table_off);
	while (gr_pcvalue_iter_next(&it, &start, &end, &val, &err)) {
		if (pc < end) {
			*ce = (struct pcvalue_cache_entry){
				.entry = fn->entry,
				.pc = pc,
				.pc_start = start,
				.table_off = table_off,
				.val = val,
			};
			*ret = val;
			if (pc_start_ret)
				*pc_start_ret = start;
			return NULL;
		}
	}
	if (err)
		return gr_error_prefix(err, "%s table 0x%" PRIx32, fn->name,
				       table_off);
	return gr_error_create(GR_ERR_NOT_FOUND,
			       "pclntab: %s: table 0x%" PRIx32
			       " ends before pc 0x%" PRIx64,
			       fn->name, table_off, pc);
}

struct gr_error *gr_pcln_spdelta(const struct gr_pcln *pcln,
				 const struct gr_pcln_func *fn, uint64_t pc,
				 int32_t *ret)
{
	return gr_pcln_pcvalue(pcln, fn, fn->pcsp, pc, ret, NULL);
}

/* u32 slot @i of the array following @fn's _func record. */
GR_MUST_USE
static struct gr_error *func_slot(const struct gr_pcln *pcln,
				  const struct gr_pcln_func *fn, uint64_t i,
				  uint32_t *ret)
{
	const struct pcln_table *t = &pcln->t[T_PCLN];
	struct gr_cursor c;
	gr_cursor_init(&c, pcln->data, t->end, "pclntab");
	struct gr_error *err =
		gr_cursor_seek(&c, fn->rec_off + pcln->func_size + i * 4);
	if (!err)
		err = gr_cursor_u32(&c, ret);
	return err;
}

struct gr_error *gr_pcln_pcdata_off(const struct gr_pcln *pcln,
				    const struct gr_pcln_func *fn,
				    uint32_t table, uint32_t *ret)
{
	/* runtime pcdatavalue(): tables past npcdata do not exist. */
	if (table >= fn->npcdata) {
		*ret = 0;
		return NULL;
	}
	return func_slot(pcln, fn, table, ret);
}

struct gr_error *gr_pcln_pcdata(const struct gr_pcln *pcln,
				const struct gr_pcln_func *fn, uint32_t table,
				uint64_t pc, int32_t *ret)
{
	uint32_t off;
	struct gr_error *err = gr_pcln_pcdata_off(pcln, fn, table, &off);
	if (!err)
		err = gr_pcln_pcvalue(pcln, fn, off, pc, ret, NULL);
	return err;
}

struct gr_error *gr_pcln_file(const struct gr_pcln *pcln,
			      const struct gr_pcln_func *fn, int32_t fileno,
			      const char **ret)
{
	/* runtime funcfile(): cutab[cuOffset+fileno] indexes filetab. */
	const struct pcln_table *t = &pcln->t[T_CU];
	uint64_t idx = (uint64_t)fn->cu_offset + (uint32_t)fileno;
	if (fileno < 0 || !gr_range_ok(t->end - t->off, idx * 4, 4))
		return pcln_error("pclntab: %s: file %" PRId32 " of CU 0x%" PRIx32
				  " outside cutab",
				  fn->name, fileno, fn->cu_offset);
	uint32_t fileoff = gr_le32(pcln->data + t->off + idx * 4);
	if (fileoff == NO_FILE)
		return pcln_error("pclntab: %s: file %" PRId32 " of CU 0x%" PRIx32
				  " has no name",
				  fn->name, fileno, fn->cu_offset);
	return table_cstr(pcln, T_FILE, fileoff, ret);
}

struct gr_error *gr_pcln_line(const struct gr_pcln *pcln,
			      const struct gr_pcln_func *fn, uint64_t pc,
			      const char **file_ret, int32_t *line_ret)
{
	int32_t fileno, line;
	struct gr_error *err;
	if ((err = gr_pcln_pcvalue(pcln, fn, fn->pcfile, pc, &fileno, NULL)) ||
	    (err = gr_pcln_pcvalue(pcln, fn, fn->pcln, pc, &line, NULL)))
		return err;
	/* runtime funcline1(): either table missing means no line. */
	if (fileno == -1 || line == -1)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "pclntab: %s has no line for pc 0x%" PRIx64,
				       fn->name, pc);
	if ((err = gr_pcln_file(pcln, fn, fileno, file_ret)))
		return err;
	*line_ret = line;
	return NULL;
}

struct gr_error *gr_pcln_funcdata_off(const struct gr_pcln *pcln,
				      const struct gr_pcln_func *fn,
				      uint32_t i, uint32_t *ret)
{
	if (i >= fn->nfuncdata)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "pclntab: %s has %u funcdata, no %" PRIu32,
				       fn->name, fn->nfuncdata, i);
	/* runtime funcdata(): after the npcdata pcdata slots. */
	return func_slot(pcln, fn, (uint64_t)fn->npcdata + i, ret);
}

struct gr_error *gr_pcln_funcdata_addr(const struct gr_pcln *pcln,
				       const struct gr_pcln_func *fn,
				       uint32_t i, uint64_t gofunc,
				       uint64_t *ret)
{
	uint32_t off;
	struct gr_error *err = gr_pcln_funcdata_off(pcln, fn, i, &off);
	if (err)
		return err;
	if (off == NO_FUNCDATA)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "pclntab: %s has no funcdata %" PRIu32,
				       fn->name, i);
	*ret = gofunc + off;
	return NULL;
}

struct gr_error *gr_pcln_bytes_at(const struct gr_pcln *pcln,
				  uint64_t section_addr, uint64_t addr,
				  size_t len, const uint8_t **ret)
{
	if (addr < section_addr ||
	    !gr_range_ok(pcln->size, addr - section_addr, len))
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "pclntab: [0x%" PRIx64 ", +%zu) is not "
				       "inside the section at 0x%" PRIx64,
				       addr, len, section_addr);
	*ret = pcln->data + (addr - section_addr);
	return NULL;
}
