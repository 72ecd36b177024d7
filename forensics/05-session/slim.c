/* SPDX-License-Identifier: MIT */
#include "forensics/05-session/slim.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zstd.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/outfile.h"
#include "forensics/02-input/core.h"
#include "forensics/02-input/input.h"
#include "forensics/02-input/mem.h"

enum { PAGE = 4096 };

/* One program header of the output, and where its bytes come from. */
struct out_seg {
	Elf64_Phdr ph;	 /* p_offset filled when laid out */
	uint64_t src;	 /* offset of the bytes in the input */
};

struct segs {
	struct out_seg *v;
	size_t n, cap;
};

GR_MUST_USE
static struct gr_error *push(struct segs *s, const Elf64_Phdr *ph,
			     uint64_t src)
{
	struct gr_error *err = gr_array_grow(&s->v, &s->cap, s->n, 1);
	if (err)
		return err;
	s->v[s->n++] = (struct out_seg){.ph = *ph, .src = src};
	return NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* A page to keep: touched and holding something, or the head of a file
 * mapping (the executable's ELF header is read there without the memory
 * reader), or touched inside a file mapping (zero fill would read back as
 * "not dumped" there, not as zeros). */
static bool keep_page(const struct gr_core *core, const struct gr_mem *mem,
		      uint64_t addr, const uint8_t *data, size_t n)
{
	const struct gr_core_file_map *f = gr_core_file_map_at(core, addr);
	if (f && f->file_offset == 0 && addr == f->start)
		return true;
	if (!gr_mem_page_touched(mem, addr))
		return false;
	return f || !all_zero(data, n);
}

/* The PT_LOAD @ph (its bytes at data + ph->p_offset) as runs of kept
 * pages, each a PT_LOAD whose zero fill reaches to the next. */
GR_MUST_USE
static struct gr_error *split_load(struct gr_session *s, const Elf64_Phdr *ph,
				   const uint8_t *data, struct segs *out,
				   struct gr_slim_stats *st)
{
	struct gr_core *core = gr_session_core(s);
	struct gr_mem *mem = gr_session_mem(s);
	uint64_t filesz = ph->p_filesz;
	for (uint64_t off = 0; off < filesz; off += PAGE) {
		size_t n = filesz - off < PAGE ? (size_t)(filesz - off) : PAGE;
		if (!all_zero(data + ph->p_offset + off, n))
			st->nonzero_bytes += n;
	}
	if (!filesz || ph->p_vaddr % PAGE)
		return push(out, ph, ph->p_offset);
	size_t first = out->n;
	for (uint64_t off = 0; off < filesz;) {
		size_t n = filesz - off < PAGE ? (size_t)(filesz - off) : PAGE;
		if (!keep_page(core, mem, ph->p_vaddr + off,
			       data + ph->p_offset + off, n)) {
			off += PAGE;
			continue;
		}
		/* A run of kept pages. */
		uint64_t end = off;
		while (end < filesz) {
			size_t m = filesz - end < PAGE ? (size_t)(filesz - end)
						       : PAGE;
			if (!keep_page(core, mem, ph->p_vaddr + end,
				       data + ph->p_offset + end, m))
				break;
			end += m;
		}
		Elf64_Phdr p = *ph;
		p.p_vaddr = ph->p_vaddr + off;
		p.p_paddr = 0;
		p.p_filesz = end - off;
		p.p_memsz = p.p_filesz; /* grown to the next run below */
		p.p_align = PAGE;
		struct gr_error *err = push(out, &p, ph->p_offset + off);
		if (err)
			return err;
		st->kept_bytes += p.p_filesz;
		off = end;
	}
	/* Zero fill: each run up to the next, the last to the end; pages
	 * before the first run get a PT_LOAD of their own. */
	uint64_t end = ph->p_vaddr + ph->p_memsz;
	for (size_t i = out->n; i-- > first;) {
		out->v[i].ph.p_memsz = end - out->v[i].ph.p_vaddr;
		end = out->v[i].ph.p_vaddr;
	}
	if (out->n == first || out->v[first].ph.p_vaddr > ph->p_vaddr) {
		Elf64_Phdr p = *ph;
		p.p_filesz = 0;
		p.p_memsz = end - ph->p_vaddr;
		p.p_align = PAGE;
		struct gr_error *err = push(out, &p, 0);
		if (err)
			return err;
		/* Keep address order: move it before the runs. */
		struct out_seg lead = out->v[out->n - 1];
		memmove(&out->v[first + 1], &out->v[first],
			(out->n - 1 - first) * sizeof(*out->v));
		out->v[first] = lead;
	}
	return NULL;
}

/* Where the bytes go: a FILE, through zstd or not. */
struct sink {
	FILE *f;
	const char *path;
	ZSTD_CCtx *z;
	uint8_t *zbuf;
	size_t zcap;
	uint64_t pos;
};

GR_MUST_USE
static struct gr_error *sink_out(struct sink *k, const void *buf, size_t len,
				 ZSTD_EndDirective end)
{
	if (!k->z) {
		if (len && fwrite(buf, 1, len, k->f) != len)
			return gr_error_output(errno ? errno : EIO, k->path,
					       "write");
		return NULL;
	}
	ZSTD_inBuffer in = {buf, len, 0};
	for (;;) {
		ZSTD_outBuffer o = {k->zbuf, k->zcap, 0};
		size_t left = ZSTD_compressStream2(k->z, &o, &in, end);
		if (ZSTD_isError(left))
			return gr_error_create(GR_ERR_OUTPUT, "%s: zstd: %s",
					       k->path,
					       ZSTD_getErrorName(left));
		if (o.pos && fwrite(k->zbuf, 1, o.pos, k->f) != o.pos)
			return gr_error_output(errno ? errno : EIO, k->path,
					       "write");
		if (end == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return NULL;
	}
}

GR_MUST_USE
static struct gr_error *sink_write(struct sink *k, const void *buf,
				   size_t len)
{
	k->pos += len;
	return sink_out(k, buf, len, ZSTD_e_continue);
}

GR_MUST_USE
static struct gr_error *sink_pad(struct sink *k, uint64_t to)
{
	static const uint8_t zeros[PAGE];
	struct gr_error *err = NULL;
	while (!err && k->pos < to) {
		uint64_t n = to - k->pos < PAGE ? to - k->pos : PAGE;
		err = sink_write(k, zeros, (size_t)n);
	}
	return err;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

GR_MUST_USE
static struct gr_error *emit(const uint8_t *data, const Elf64_Ehdr *eh,
			     struct segs *segs, struct sink *k)
{
	/* Lay out: headers, notes, then page-aligned load data. */
	uint64_t pos = sizeof(Elf64_Ehdr) + segs->n * sizeof(Elf64_Phdr);
	for (size_t i = 0; i < segs->n; i++) {
		Elf64_Phdr *p = &segs->v[i].ph;
		if (p->p_type != PT_NOTE)
			continue;
		pos = (pos + 7) & ~7ull;
		p->p_offset = pos;
		pos += p->p_filesz;
	}
	for (size_t i = 0; i < segs->n; i++) {
		Elf64_Phdr *p = &segs->v[i].ph;
		if (p->p_type == PT_NOTE)
			continue;
		pos = (pos + PAGE - 1) & ~(uint64_t)(PAGE - 1);
		p->p_offset = p->p_filesz ? pos : 0;
		pos += p->p_filesz;
	}
	Elf64_Ehdr h = *eh;
	h.e_phoff = sizeof(Elf64_Ehdr);
	h.e_phentsize = sizeof(Elf64_Phdr);
	h.e_phnum = (Elf64_Half)segs->n;
	h.e_shoff = 0;
	h.e_shnum = 0;
	h.e_shstrndx = 0;
	struct gr_error *err = sink_write(k, &h, sizeof(h));
	for (size_t i = 0; !err && i < segs->n; i++)
		err = sink_write(k, &segs->v[i].ph, sizeof(Elf64_Phdr));
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; !err && i < segs->n; i++) {
			const Elf64_Phdr *p = &segs->v[i].ph;
			if ((p->p_type == PT_NOTE) != (pass == 0) ||
			    !p->p_filesz)
				continue;
			if (!(err = sink_pad(k, p->p_offset)))
				err = sink_write(k, data + segs->v[i].src,
						 p->p_filesz);
		}
	if (!err && k->z)
		err = sink_out(k, NULL, 0, ZSTD_e_end);
	return err;
}

struct gr_error *gr_slim_write(struct gr_session *s, const char *path,
			       struct gr_slim_stats *st)
{
	memset(st, 0, sizeof(*st));
	struct gr_core *core = gr_session_core(s);
	struct gr_input *in = gr_session_input(s);
	const uint8_t *data = gr_input_data(in);
	st->file_bytes = gr_input_file_size(in);
	if (gr_core_truncated(core))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: truncated core: its missing bytes "
				       "cannot be kept apart from zeros in a "
				       "slim core",
				       gr_input_path(in));
	/* gr_core_parse() checked the header and every program header
	 * lies in the file. */
	Elf64_Ehdr eh;
	memcpy(&eh, data, sizeof(eh));
	struct segs segs = {0};
	struct gr_error *err = NULL;
	for (size_t i = 0; !err && i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE)
			err = push(&segs, &ph, ph.p_offset);
		else if (ph.p_type == PT_LOAD) {
			st->loads_in++;
			err = split_load(s, &ph, data, &segs, st);
		}
	}
	if (!err && segs.n >= PN_XNUM)
		err = gr_error_create(GR_ERR_LIMIT,
				      "%s: %zu program headers: more than an "
				      "ELF header can count",
				      path, segs.n);
	for (size_t i = 0; i < segs.n; i++)
		st->loads_out += segs.v[i].ph.p_type == PT_LOAD;
	struct gr_outfile out = {0};
	if (!err)
		err = gr_outfile_open(path, &out);
	struct sink k = {.f = out.f, .path = path};
	if (!err && ends_with(path, ".zst")) {
		k.zcap = ZSTD_CStreamOutSize();
		if (!(k.z = ZSTD_createCCtx()) || !(k.zbuf = malloc(k.zcap)))
			err = gr_error_nomem();
		else if (ZSTD_isError(ZSTD_CCtx_setParameter(
				 k.z, ZSTD_c_compressionLevel, 3)) ||
			 ZSTD_isError(ZSTD_CCtx_setParameter(
				 k.z, ZSTD_c_checksumFlag, 1)))
			err = gr_error_create(GR_ERR_OUTPUT,
					      "%s: zstd parameters", path);
	}
	if (!err)
		err = emit(data, &eh, &segs, &k);
	if (!err)
		err = gr_outfile_commit(&out);
	gr_outfile_abort(&out);
	ZSTD_freeCCtx(k.z);
	free(k.zbuf);
	free(segs.v);
	/* The core's mtime is when it was taken (the report's taken_at):
	 * the slim copy carries it over. */
	struct stat sb;
	if (!err && stat(gr_input_path(in), &sb) == 0) {
		struct timespec t[2] = {sb.st_atim, sb.st_mtim};
		utimensat(AT_FDCWD, path, t, 0);
	}
	if (!err && stat(path, &sb) == 0)
		st->slim_bytes = (uint64_t)sb.st_size;
	return err;
}
