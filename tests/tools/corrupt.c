/* SPDX-License-Identifier: MIT */
/*
 * gr-corrupt: the case generator of the corruption suite
 * (tests/integration/hostile.sh).
 *
 *   gr-corrupt plan CORE BIN SEED N
 *       Print about N deterministic corruption cases for CORE (seeded by
 *       SEED), one a line:
 *         NAME trunc OFFSET               cut the file at OFFSET
 *         NAME patch OFF:NEW:OLD ...      write hex NEW at file offset OFF
 *                                         (OLD: the bytes there, to undo)
 *   gr-corrupt poke FILE new|old OFF:NEW:OLD ...
 *       Apply the patches (new) or undo them (old), in place.
 *
 * The plan needs addresses: it opens the pristine core with the library
 * (session, DWARF, heap walker) to find the mspan structs, their fields
 * (offsets from DWARF), runtime.allgs/allglen, mheap_.allspans, specials,
 * allocation bitmaps, malloc headers and heap bitmaps, and translates each
 * virtual address to a file offset through the PT_LOAD headers.  What it
 * does to them: random byte flips, absurd counts and sizes, pointers into
 * unmapped memory, cycles in linked lists, and truncation at notes,
 * segment boundaries and inside the heap.  A test tool: it aborts on
 * anything unexpected in the pristine core.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forensics/02-input/core.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"

/* An address no Go heap, stack or binary is mapped at on x86-64. */
#define UNMAPPED 0x00000dead0000000ull

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("gr-corrupt: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

struct plan {
	struct gr_session *s;
	struct gr_core *core;
	struct gr_mem *mem;
	struct gr_dwarf *dwarf;
	struct gr_heap *heap;
	int fd;
	uint64_t file_size;
	uint64_t rng;
	unsigned emitted;
};

/* xorshift64*: the same cases for the same seed on every machine. */
static uint64_t rnd(struct plan *p)
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 0x2545F4914F6CDD1Dull;
}

static uint64_t below(struct plan *p, uint64_t n)
{
	return n ? rnd(p) % n : 0;
}

/* File offset of @len bytes at @addr, or UINT64_MAX. */
static uint64_t file_off(const struct plan *p, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < gr_core_load_count(p->core); i++) {
		const struct gr_core_load *l = gr_core_load(p->core, i);
		if (addr >= l->vaddr && addr - l->vaddr < l->present &&
		    l->present - (addr - l->vaddr) >= len)
			return l->offset + (addr - l->vaddr);
	}
	return UINT64_MAX;
}

static void hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

/* One patch case: @n bytes @val at @addr (skipped when not in the file
 * or when it changes nothing). */
static void patch(struct plan *p, const char *name, uint64_t addr,
		  const void *val, size_t n)
{
	uint64_t off = file_off(p, addr, n);
	uint8_t old[64];
	if (off == UINT64_MAX || n > sizeof(old) ||
	    pread(p->fd, old, n, (off_t)off) != (ssize_t)n ||
	    memcmp(old, val, n) == 0)
		return;
	printf("%s-%u patch %" PRIu64 ":", name, p->emitted++, off);
	hex(stdout, val, n);
	putchar(':');
	hex(stdout, old, n);
	putchar('\n');
}

static void patch_u64(struct plan *p, const char *name, uint64_t addr,
		      uint64_t v)
{
	patch(p, name, addr, &v, 8);
}

static void trunc_at(struct plan *p, const char *name, uint64_t off)
{
	if (off > 0 && off < p->file_size)
		printf("%s-%u trunc %" PRIu64 "\n", name, p->emitted++, off);
}

static bool field(const struct plan *p, const char *type, const char *f,
		  uint64_t *ret)
{
	struct gr_error *err = gr_dwarf_field_offset(p->dwarf, type, f, ret);
	gr_error_destroy(err);
	return !err;
}

static bool read_u64(const struct plan *p, uint64_t addr, uint64_t *v)
{
	struct gr_error *err = gr_mem_u64(p->mem, addr, v);
	gr_error_destroy(err);
	return !err;
}

static const struct gr_span *random_span(struct plan *p)
{
	return gr_heap_span(p->heap, below(p, gr_heap_span_count(p->heap)));
}

/* Truncation: in the ELF and program headers, inside the notes, at and
 * around every PT_LOAD boundary with file data, inside the heap. */
static void truncations(struct plan *p, unsigned n)
{
	uint8_t eh[64];
	if (pread(p->fd, eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		die("short ELF header");
	uint64_t phoff;
	uint16_t phnum;
	memcpy(&phoff, eh + 32, 8);
	memcpy(&phnum, eh + 56, 2);
	static const uint64_t head[] = {1, 16, 63, 64};
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		trunc_at(p, "trunc-ehdr", head[i]);
	trunc_at(p, "trunc-phdr", phoff + 20);
	trunc_at(p, "trunc-phdr", phoff + 56 * (uint64_t)(phnum / 2));
	trunc_at(p, "trunc-phdr", phoff + 56 * (uint64_t)phnum - 1);
	for (uint16_t i = 0; i < phnum; i++) {
		uint8_t ph[56];
		if (pread(p->fd, ph, 56, (off_t)(phoff + 56u * i)) != 56)
			die("short program header");
		uint32_t type;
		uint64_t off, filesz;
		memcpy(&type, ph, 4);
		memcpy(&off, ph + 8, 8);
		memcpy(&filesz, ph + 32, 8);
		if (type == 4 /* PT_NOTE */)
			for (unsigned k = 1; k < 8; k += 2)
				trunc_at(p, "trunc-note", off + filesz * k / 8);
	}
	/* Boundaries of a spread of PT_LOADs with file data: the first,
	 * the last, and two in between. */
	size_t nl = gr_core_load_count(p->core), nd = 0;
	for (size_t i = 0; i < nl; i++)
		nd += gr_core_load(p->core, i)->filesz != 0;
	for (size_t i = 0, d = 0; i < nl; i++) {
		const struct gr_core_load *l = gr_core_load(p->core, i);
		if (!l->filesz)
			continue;
		if (d == 0 || d == nd - 1 || d == nd / 3 || d == 2 * nd / 3) {
			trunc_at(p, "trunc-load-start", l->offset);
			trunc_at(p, "trunc-load-end-1",
				 l->offset + l->filesz - 1);
		}
		d++;
	}
	/* The heap: the segment holding the first span's objects. */
	uint64_t base = gr_heap_span(p->heap, 0)->base;
	for (size_t i = 0; i < nl; i++) {
		const struct gr_core_load *l = gr_core_load(p->core, i);
		if (base < l->vaddr || base - l->vaddr >= l->filesz)
			continue;
		for (unsigned k = 1; k < 8; k += 2)
			trunc_at(p, "trunc-heap", l->offset + l->filesz * k / 8);
	}
	for (unsigned k = 0; k < n; k++)
		trunc_at(p, "trunc-random", 64 + below(p, p->file_size - 64));
}

/* What the mspan fields are called across Go versions. */
struct span_fields {
	uint64_t size;
	uint64_t next, start, npages, nelems, freeindex, elemsize, limit,
		alloc_bits, mark_bits, specials, spanclass, state, alloc_count,
		large_type;
	bool has_large_type;
};

static void span_fields(const struct plan *p, struct span_fields *f)
{
	uint32_t id;
	struct gr_error *err = gr_dwarf_type_by_name(p->dwarf, "runtime.mspan",
						     &id);
	if (err)
		die("%s", err->message);
	f->size = gr_dwarf_type(p->dwarf, id)->size;
	if (!field(p, "runtime.mspan", "next", &f->next) ||
	    !field(p, "runtime.mspan", "startAddr", &f->start) ||
	    !field(p, "runtime.mspan", "npages", &f->npages) ||
	    !field(p, "runtime.mspan", "nelems", &f->nelems) ||
	    !field(p, "runtime.mspan", "freeindex", &f->freeindex) ||
	    !field(p, "runtime.mspan", "elemsize", &f->elemsize) ||
	    !field(p, "runtime.mspan", "limit", &f->limit) ||
	    !field(p, "runtime.mspan", "allocBits", &f->alloc_bits) ||
	    !field(p, "runtime.mspan", "gcmarkBits", &f->mark_bits) ||
	    !field(p, "runtime.mspan", "specials", &f->specials) ||
	    !field(p, "runtime.mspan", "spanclass", &f->spanclass) ||
	    !field(p, "runtime.mspan", "state", &f->state) ||
	    !field(p, "runtime.mspan", "allocCount", &f->alloc_count))
		die("runtime.mspan lacks a field this tool knows");
	f->has_large_type =
		field(p, "runtime.mspan", "largeType", &f->large_type);
}

/* Random bytes flipped anywhere in random mspan structs. */
static void span_flips(struct plan *p, const struct span_fields *f,
		       unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		const struct gr_span *sp = random_span(p);
		uint8_t b[4];
		size_t len = 1 + below(p, 4);
		uint64_t at = sp->addr + below(p, f->size - len + 1);
		if (file_off(p, at, len) == UINT64_MAX)
			continue;
		struct gr_error *err = gr_mem_read(p->mem, at, b, len);
		if (err)
			die("%s", err->message);
		for (size_t i = 0; i < len; i++)
			b[i] ^= (uint8_t)(1 + below(p, 255));
		patch(p, "span-flip", at, b, len);
	}
}

/* Absurd values in the fields the walker trusts most. */
static void span_fields_absurd(struct plan *p, const struct span_fields *f,
			       unsigned rounds)
{
	for (unsigned k = 0; k < rounds; k++) {
		const struct gr_span *sp = random_span(p);
		uint64_t a = sp->addr;
		uint16_t u16;
		uint8_t u8;
		patch_u64(p, "span-npages-huge", a + f->npages, 1ull << 40);
		patch_u64(p, "span-npages-zero", a + f->npages, 0);
		patch_u64(p, "span-start-unmapped", a + f->start, UNMAPPED);
		patch_u64(p, "span-start-misaligned", a + f->start,
			  sp->base + 8);
		patch_u64(p, "span-elemsize-zero", a + f->elemsize, 0);
		patch_u64(p, "span-elemsize-huge", a + f->elemsize,
			  1ull << 50);
		patch_u64(p, "span-limit-huge", a + f->limit, ~0ull);
		patch_u64(p, "span-limit-zero", a + f->limit, 0);
		patch_u64(p, "span-allocbits-unmapped", a + f->alloc_bits,
			  UNMAPPED);
		patch_u64(p, "span-allocbits-nil", a + f->alloc_bits, 0);
		patch_u64(p, "span-markbits-unmapped", a + f->mark_bits,
			  UNMAPPED);
		/* nelems and freeindex are uintptr in older runtimes and
		 * uint16 in newer ones: the low two bytes are the count
		 * either way (little-endian). */
		u16 = 0xffff;
		patch(p, "span-nelems-huge", a + f->nelems, &u16, 2);
		u16 = 0;
		patch(p, "span-nelems-zero", a + f->nelems, &u16, 2);
		u16 = 0xfffe;
		patch(p, "span-freeindex-huge", a + f->freeindex, &u16, 2);
		u16 = 0xffff;
		patch(p, "span-alloccount-huge", a + f->alloc_count, &u16, 2);
		u8 = 0xff;
		patch(p, "span-class-bad", a + f->spanclass, &u8, 1);
		u8 = 0x7f;
		patch(p, "span-state-bad", a + f->state, &u8, 1);
		if (f->has_large_type)
			patch_u64(p, "span-largetype-unmapped",
				  a + f->large_type, UNMAPPED);
	}
}

/* Cycles: mspan.next to itself or to another span; a special's next to
 * itself or back to the first special; mspan.specials to itself. */
static void cycles(struct plan *p, const struct span_fields *f,
		   unsigned rounds)
{
	uint64_t special_next = 0;
	bool have_special = field(p, "runtime.special", "next", &special_next);
	for (unsigned k = 0; k < rounds; k++) {
		const struct gr_span *sp = random_span(p);
		patch_u64(p, "span-next-self", sp->addr + f->next, sp->addr);
		patch_u64(p, "span-next-back", sp->addr + f->next,
			  random_span(p)->addr);
	}
	unsigned found = 0;
	size_t n = gr_heap_span_count(p->heap);
	size_t start = below(p, n);
	for (size_t i = 0; i < n && found < rounds; i++) {
		const struct gr_span *sp = gr_heap_span(p->heap, (start + i) % n);
		uint64_t first, second = 0;
		if (!read_u64(p, sp->addr + f->specials, &first) || !first)
			continue;
		found++;
		patch_u64(p, "specials-head-self", sp->addr + f->specials,
			  sp->addr + f->specials);
		patch_u64(p, "specials-head-unmapped", sp->addr + f->specials,
			  UNMAPPED);
		if (!have_special)
			continue;
		patch_u64(p, "special-next-self", first + special_next, first);
		if (read_u64(p, first + special_next, &second) && second)
			patch_u64(p, "special-next-back",
				  second + special_next, first);
	}
}

/* Absurd counts and pointers in the runtime's globals. */
static void globals(struct plan *p)
{
	struct gr_exe *exe = gr_session_exe(p->s);
	uint64_t bias = gr_session_load_bias(p->s), addr, size, v;
	if (gr_exe_symbol(exe, "runtime.allglen", &addr, &size)) {
		addr += bias;
		patch_u64(p, "allglen-huge", addr, 1ull << 40);
		patch_u64(p, "allglen-max", addr, ~0ull);
		if (read_u64(p, addr, &v))
			patch_u64(p, "allglen-plus", addr, v + 1000);
	}
	if (gr_exe_symbol(exe, "runtime.allgs", &addr, &size)) {
		addr += bias;
		patch_u64(p, "allgs-array-unmapped", addr, UNMAPPED);
		patch_u64(p, "allgs-len-huge", addr + 8, 1ull << 40);
		patch_u64(p, "allgs-len-cap-huge", addr + 8, ~0ull >> 1);
		uint64_t arr, g0;
		if (read_u64(p, addr, &arr) && read_u64(p, arr, &g0)) {
			patch_u64(p, "allgs-elem-unmapped", arr + 8, UNMAPPED);
			patch_u64(p, "allgs-elem-dup", arr + 8, g0);
			patch_u64(p, "allgs-elem-self", arr, arr);
		}
	}
	/* The memory profile's bucket list: its failed read is the
	 * profile's damage (hostile.sh checks trust.damage.profile). */
	if (gr_exe_symbol(exe, "runtime.mbuckets", &addr, &size))
		patch_u64(p, "mbuckets-unmapped", addr + bias, UNMAPPED);
	uint64_t allspans;
	if (gr_exe_symbol(exe, "runtime.mheap_", &addr, &size) &&
	    field(p, "runtime.mheap", "allspans", &allspans)) {
		addr += bias;
		patch_u64(p, "allspans-array-unmapped", addr + allspans,
			  UNMAPPED);
		patch_u64(p, "allspans-len-huge", addr + allspans + 8,
			  1ull << 40);
		uint64_t arr;
		if (read_u64(p, addr + allspans, &arr)) {
			patch_u64(p, "allspans-elem-unmapped", arr + 8,
				  UNMAPPED);
			patch_u64(p, "allspans-elem-misaligned", arr + 8,
				  gr_heap_span(p->heap, 0)->addr + 3);
		}
	}
}

/* Allocation and mark bitmaps, heap bitmaps at the end of small-object
 * spans (Go 1.22+) and malloc headers (the first word of objects in
 * spans of 512-byte+ scan classes), object words pointing nowhere. */
static void bitmaps(struct plan *p, const struct span_fields *f, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		const struct gr_span *sp = random_span(p);
		uint64_t bits;
		uint8_t b;
		const char *which = k % 2 ? "markbits-flip" : "allocbits-flip";
		if (read_u64(p, sp->addr + (k % 2 ? f->mark_bits
						    : f->alloc_bits),
			     &bits) &&
		    bits && sp->nelems) {
			uint64_t at = bits + below(p, (sp->nelems + 7) / 8);
			struct gr_error *err = gr_mem_u8(p->mem, at, &b);
			if (!err) {
				b ^= (uint8_t)(1 + below(p, 255));
				patch(p, which, at, &b, 1);
			}
			gr_error_destroy(err);
		}
		/* The heap bits of a small scan span: its last bytes. */
		for (unsigned t = 0; t < 64 && (sp->noscan || !sp->elemsize ||
						sp->elemsize > 512 ||
						sp->limit <= sp->base);
		     t++)
			sp = random_span(p);
		if (!sp->noscan && sp->elemsize && sp->elemsize <= 512 &&
		    sp->limit > sp->base) {
			uint64_t end = sp->base + sp->npages * 8192;
			if (end > sp->limit) {
				uint64_t at = sp->limit + below(p, end - sp->limit);
				struct gr_error *err =
					gr_mem_u8(p->mem, at, &b);
				if (!err) {
					b ^= (uint8_t)(1 + below(p, 255));
					patch(p, "heapbits-flip", at, &b, 1);
				}
				gr_error_destroy(err);
			}
		}
	}
	/* Objects: the malloc header or first word, and a random word. */
	uint32_t nobj = gr_heap_object_count(p->heap);
	for (unsigned k = 0; k < n && nobj; k++) {
		/* Every other round, look for an object with a malloc
		 * header (most objects are small). */
		uint32_t id = (uint32_t)below(p, nobj);
		const struct gr_span *sp = gr_heap_object_span(p->heap, id);
		for (unsigned t = 0; k % 2 && t < 4096 &&
				     (!sp || sp->noscan || sp->elemsize <= 512);
		     t++) {
			id = (uint32_t)below(p, nobj);
			sp = gr_heap_object_span(p->heap, id);
		}
		uint64_t a = gr_heap_object_addr(p->heap, id);
		uint64_t sz = gr_heap_object_size(p->heap, id);
		if (sp && !sp->noscan && sp->elemsize > 512) {
			patch_u64(p, "mallocheader-unmapped", a, UNMAPPED);
			patch_u64(p, "mallocheader-self", a, a);
			patch_u64(p, "mallocheader-random", a, rnd(p));
		}
		if (sz >= 8) {
			uint64_t w = a + 8 * below(p, sz / 8);
			patch_u64(p, "object-word-unmapped", w, UNMAPPED);
			uint32_t other = (uint32_t)below(p, nobj);
			patch_u64(p, "object-word-interior", w,
				  gr_heap_object_addr(p->heap, other) + 1);
		}
	}
}

static void plan(const char *core, const char *bin, uint64_t seed,
		 unsigned n)
{
	struct plan p = {.rng = seed * 0x9E3779B97F4A7C15ull + 1};
	struct gr_session_options so = {.core_path = core, .exe_path = bin};
	struct gr_error *err = gr_session_open(&so, &p.s);
	if (err)
		die("%s", err->message);
	p.core = gr_session_core(p.s);
	p.mem = gr_session_mem(p.s);
	p.dwarf = gr_session_dwarf(p.s);
	if ((err = gr_heap_load(p.s, &p.heap)))
		die("%s", err->message);
	if (!gr_heap_span_count(p.heap))
		die("%s: no spans", core);
	p.fd = open(core, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (p.fd < 0 || fstat(p.fd, &st) != 0)
		die("%s: %s", core, strerror(errno));
	p.file_size = (uint64_t)st.st_size;
	struct span_fields f;
	span_fields(&p, &f);
	/* The fixed cases cost about 55; N spreads the random ones. */
	unsigned r = n > 55 ? (n - 55) / 4 : 1;
	truncations(&p, r / 2 + 1);
	span_flips(&p, &f, r);
	span_fields_absurd(&p, &f, 1);
	cycles(&p, &f, 1);
	globals(&p);
	bitmaps(&p, &f, r / 2 + 1);
	close(p.fd);
	gr_heap_destroy(p.heap);
	gr_session_destroy(p.s);
}

static int unhex(char c)
{
	return c >= '0' && c <= '9'	? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
				      : -1;
}

static void poke(const char *file, bool undo, int argc, char **argv)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", file, strerror(errno));
	/* Undo in reverse: patches of one case may overlap. */
	for (int i = undo ? argc - 1 : 0; undo ? i >= 0 : i < argc;
	     i += undo ? -1 : 1) {
		char *end;
		uint64_t off = strtoull(argv[i], &end, 10);
		if (*end != ':')
			die("bad patch '%s'", argv[i]);
		char *nw = end + 1, *old = strchr(nw, ':');
		if (!old)
			die("bad patch '%s'", argv[i]);
		const char *h = undo ? old + 1 : nw;
		size_t len = (size_t)(old - nw) / 2;
		uint8_t b[64];
		if (len > sizeof(b))
			die("patch too long");
		for (size_t j = 0; j < len; j++) {
			int hi = unhex(h[2 * j]), lo = unhex(h[2 * j + 1]);
			if (hi < 0 || lo < 0)
				die("bad hex in '%s'", argv[i]);
			b[j] = (uint8_t)(hi << 4 | lo);
		}
		if (pwrite(fd, b, len, (off_t)off) != (ssize_t)len)
			die("%s: write: %s", file, strerror(errno));
	}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "plan")) {
		plan(argv[2], argv[3], strtoull(argv[4], NULL, 10),
		     (unsigned)strtoul(argv[5], NULL, 10));
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "poke") &&
	    (!strcmp(argv[3], "new") || !strcmp(argv[3], "old"))) {
		poke(argv[2], !strcmp(argv[3], "old"), argc - 4, argv + 4);
		return 0;
	}
	fputs("usage: gr-corrupt plan CORE BIN SEED N\n"
	      "       gr-corrupt poke FILE new|old OFF:NEW:OLD...\n",
	      stderr);
	return 2;
}
