/* SPDX-License-Identifier: MIT */
#include "forensics/02-input/mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"

struct gr_mem {
	struct gr_mem_segment *segs; /* sorted by start, non-overlapping */
	size_t n, cap;
	/* Index of the last segment hit: reads cluster.  Atomic (relaxed)
	 * because threads scanning the heap read through one gr_mem. */
	_Atomic size_t last;
	/* gr_mem_record_start(): per segment, a bitmap of the 4 KiB pages
	 * read (CORE segments only, else NULL); NULL when not recording. */
	uint8_t **touched;
};

enum { PAGE_SHIFT = 12 };

struct gr_error *gr_mem_create(struct gr_mem **ret)
{
	struct gr_mem *mem = calloc(1, sizeof(*mem));
	if (!mem)
		return gr_error_nomem();
	*ret = mem;
	return NULL;
}

void gr_mem_destroy(struct gr_mem *mem)
{
	if (!mem)
		return;
	gr_mem_record_stop(mem);
	free(mem->segs);
	free(mem);
}

/* Index of the first segment with end > addr (n if none). */
static size_t lower_bound(const struct gr_mem *mem, uint64_t addr)
{
	size_t lo = 0, hi = mem->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mem->segs[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

GR_MUST_USE
static struct gr_error *insert_at(struct gr_mem *mem, size_t i,
				  const struct gr_mem_segment *seg)
{
	/* The bitmaps are indexed by segment: the table is fixed while
	 * recording (sessions record only after they are opened). */
	if (mem->touched)
		return gr_error_create(GR_ERR_USAGE, "memory segment added "
						     "while recording");
	struct gr_error *err = gr_array_grow(&mem->segs, &mem->cap, mem->n, 1);
	if (err)
		return err;
	memmove(&mem->segs[i + 1], &mem->segs[i],
		(mem->n - i) * sizeof(*mem->segs));
	mem->segs[i] = *seg;
	mem->n++;
	atomic_store_explicit(&mem->last, 0, memory_order_relaxed);
	return NULL;
}

GR_MUST_USE
static struct gr_error *check_seg(const struct gr_mem_segment *seg)
{
	if (seg->end <= seg->start)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "empty or inverted segment 0x%llx-0x%llx",
				       (unsigned long long)seg->start,
				       (unsigned long long)seg->end);
	if ((seg->source == GR_MEM_CORE || seg->source == GR_MEM_EXE) &&
	    !seg->data)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "segment 0x%llx has no data",
				       (unsigned long long)seg->start);
	return NULL;
}

struct gr_error *gr_mem_add(struct gr_mem *mem,
			    const struct gr_mem_segment *seg)
{
	struct gr_error *err = check_seg(seg);
	if (err)
		return err;
	size_t i = lower_bound(mem, seg->start);
	if (i < mem->n && mem->segs[i].start < seg->end)
		return gr_error_create(
			GR_ERR_BAD_DATA,
			"segment 0x%llx-0x%llx overlaps 0x%llx-0x%llx",
			(unsigned long long)seg->start,
			(unsigned long long)seg->end,
			(unsigned long long)mem->segs[i].start,
			(unsigned long long)mem->segs[i].end);
	return insert_at(mem, i, seg);
}

/* A piece [start, end) of @seg, its data pointer adjusted. */
static struct gr_mem_segment slice(const struct gr_mem_segment *seg,
				   uint64_t start, uint64_t end)
{
	struct gr_mem_segment s = *seg;
	if (s.data)
		s.data += start - seg->start;
	s.start = start;
	s.end = end;
	return s;
}

struct gr_error *gr_mem_add_under(struct gr_mem *mem,
				  const struct gr_mem_segment *seg)
{
	struct gr_error *err = check_seg(seg);
	if (err)
		return err;
	uint64_t cur = seg->start;
	while (cur < seg->end) {
		size_t i = lower_bound(mem, cur);
		uint64_t gap_end = seg->end;
		if (i < mem->n) {
			if (mem->segs[i].start <= cur) {
				cur = mem->segs[i].end;
				continue;
			}
			if (mem->segs[i].start < gap_end)
				gap_end = mem->segs[i].start;
		}
		struct gr_mem_segment piece = slice(seg, cur, gap_end);
		err = insert_at(mem, i, &piece);
		if (err)
			return err;
		cur = gap_end;
	}
	return NULL;
}

struct gr_error *gr_mem_fill_missing(struct gr_mem *mem,
				     const struct gr_mem_segment *seg)
{
	struct gr_error *err = check_seg(seg);
	if (err)
		return err;
	for (size_t i = lower_bound(mem, seg->start);
	     i < mem->n && mem->segs[i].start < seg->end; i++) {
		struct gr_mem_segment old = mem->segs[i];
		if (old.source != GR_MEM_MISSING)
			continue;
		uint64_t lo = old.start > seg->start ? old.start : seg->start;
		uint64_t hi = old.end < seg->end ? old.end : seg->end;
		/* Split old into [old.start, lo) missing, [lo, hi) filled,
		 * [hi, old.end) missing. */
		struct gr_mem_segment mid = slice(seg, lo, hi);
		mid.prot = old.prot;
		if (old.start < lo) {
			mem->segs[i].end = lo;
			err = insert_at(mem, ++i, &mid);
		} else {
			mem->segs[i] = mid;
		}
		if (err)
			return err;
		if (hi < old.end) {
			struct gr_mem_segment tail = slice(&old, hi, old.end);
			err = insert_at(mem, ++i, &tail);
			if (err)
				return err;
		}
	}
	return NULL;
}

/* Record that [addr, addr + len) of segment @s was looked at. */
static void mark(struct gr_mem *mem, const struct gr_mem_segment *s,
		 uint64_t addr, uint64_t len)
{
	uint8_t *bits = mem->touched[s - mem->segs];
	if (!bits || !len)
		return;
	if (addr < s->start)
		len -= s->start - addr, addr = s->start;
	if (len > s->end - addr)
		len = s->end - addr;
	uint64_t base = s->start >> PAGE_SHIFT;
	uint64_t last = (addr + len - 1) >> PAGE_SHIFT;
	for (uint64_t p = addr >> PAGE_SHIFT; p <= last; p++)
		bits[(p - base) / 8] |= (uint8_t)(1u << ((p - base) % 8));
}

#define MARK(mem, s, addr, len)                                                \
	do {                                                                   \
		if ((mem)->touched)                                            \
			mark(mem, s, addr, len);                               \
	} while (0)

bool gr_mem_recording(const struct gr_mem *mem)
{
	return mem->touched != NULL;
}

struct gr_error *gr_mem_record_start(struct gr_mem *mem)
{
	if (mem->touched)
		return NULL;
	uint8_t **t = calloc(mem->n ? mem->n : 1, sizeof(*t));
	if (!t)
		return gr_error_nomem();
	for (size_t i = 0; i < mem->n; i++) {
		const struct gr_mem_segment *s = &mem->segs[i];
		if (s->source != GR_MEM_CORE)
			continue;
		uint64_t pages = ((s->end - 1) >> PAGE_SHIFT) -
				 (s->start >> PAGE_SHIFT) + 1;
		if (!(t[i] = calloc(pages / 8 + 1, 1))) {
			while (i--)
				free(t[i]);
			free(t);
			return gr_error_nomem();
		}
	}
	mem->touched = t;
	return NULL;
}

void gr_mem_record_stop(struct gr_mem *mem)
{
	if (!mem->touched)
		return;
	for (size_t i = 0; i < mem->n; i++)
		free(mem->touched[i]);
	free(mem->touched);
	mem->touched = NULL;
}

bool gr_mem_page_touched(const struct gr_mem *mem, uint64_t addr)
{
	if (!mem->touched)
		return false;
	size_t i = lower_bound(mem, addr);
	if (i >= mem->n || mem->segs[i].start > addr || !mem->touched[i])
		return false;
	uint64_t p = (addr >> PAGE_SHIFT) - (mem->segs[i].start >> PAGE_SHIFT);
	return mem->touched[i][p / 8] >> (p % 8) & 1;
}

const struct gr_mem_segment *gr_mem_find(struct gr_mem *mem, uint64_t addr)
{
	size_t last = atomic_load_explicit(&mem->last, memory_order_relaxed);
	if (last < mem->n) {
		const struct gr_mem_segment *s = &mem->segs[last];
		if (addr >= s->start && addr < s->end) {
			MARK(mem, s, addr, 1);
			return s;
		}
	}
	size_t i = lower_bound(mem, addr);
	if (i < mem->n && mem->segs[i].start <= addr) {
		atomic_store_explicit(&mem->last, i, memory_order_relaxed);
		MARK(mem, &mem->segs[i], addr, 1);
		return &mem->segs[i];
	}
	return NULL;
}

struct gr_error *gr_mem_read(struct gr_mem *mem, uint64_t addr, void *buf,
			     size_t len)
{
	uint8_t *out = buf;
	uint64_t cur = addr;
	size_t left = len;
	if (len && addr + len < addr)
		return gr_error_fault(addr, len, "range wraps the address space");
	while (left) {
		const struct gr_mem_segment *s = gr_mem_find(mem, cur);
		if (!s)
			return gr_error_fault(cur, left, "not mapped");
		uint64_t avail = s->end - cur;
		size_t n = avail < left ? (size_t)avail : left;
		switch (s->source) {
		case GR_MEM_CORE:
			MARK(mem, s, cur, n);
			memcpy(out, s->data + (cur - s->start), n);
			break;
		case GR_MEM_EXE:
			memcpy(out, s->data + (cur - s->start), n);
			break;
		case GR_MEM_ZERO:
			memset(out, 0, n);
			break;
		case GR_MEM_MISSING:
			return gr_error_fault(cur, left,
					      s->reason ? s->reason
							: "not in the core");
		}
		out += n;
		cur += n;
		left -= n;
	}
	return NULL;
}

struct gr_error *gr_mem_view(struct gr_mem *mem, uint64_t addr, size_t len,
			     const uint8_t **ret)
{
	const struct gr_mem_segment *s = gr_mem_find(mem, addr);
	if (!s)
		return gr_error_fault(addr, len, "not mapped");
	if (s->source == GR_MEM_MISSING)
		return gr_error_fault(addr, len,
				      s->reason ? s->reason : "not in the core");
	if (s->source == GR_MEM_ZERO || s->end - addr < len)
		return gr_error_fault(addr, len, "not contiguous in one file");
	MARK(mem, s, addr, len);
	*ret = s->data + (addr - s->start);
	return NULL;
}

struct gr_error *gr_mem_view_or_copy(struct gr_mem *mem, uint64_t addr,
				     size_t len, uint8_t *buf,
				     const uint8_t **ret)
{
	struct gr_error *err = gr_mem_view(mem, addr, len, ret);
	if (!err)
		return NULL;
	/* No view (the bytes span segments, or some are zero-filled):
	 * the copy reads them as any read does. */
	gr_error_destroy(err);
	*ret = buf;
	return gr_mem_read(mem, addr, buf, len);
}

#define GR_MEM_TYPED(name, type)                                               \
	struct gr_error *gr_mem_##name(struct gr_mem *mem, uint64_t addr,     \
				       type *ret)                             \
	{                                                                      \
		type v;                                                        \
		struct gr_error *err = gr_mem_read(mem, addr, &v, sizeof(v));  \
		if (!err)                                                      \
			*ret = v;                                              \
		return err;                                                    \
	}
/* linux/amd64 is little-endian like the host; memcpy keeps it aligned-safe. */
GR_MEM_TYPED(u8, uint8_t)
GR_MEM_TYPED(u16, uint16_t)
GR_MEM_TYPED(u32, uint32_t)
GR_MEM_TYPED(u64, uint64_t)
#undef GR_MEM_TYPED

struct gr_error *gr_mem_cstr(struct gr_mem *mem, uint64_t addr, size_t max,
			     char **ret)
{
	char *buf = malloc(max + 1);
	if (!buf)
		return gr_error_nomem();
	size_t i;
	for (i = 0; i < max; i++) {
		uint8_t c;
		struct gr_error *err = gr_mem_u8(mem, addr + i, &c);
		if (err) {
			free(buf);
			return err;
		}
		buf[i] = (char)c;
		if (!c)
			break;
	}
	buf[i < max ? i : max] = '\0';
	*ret = buf;
	return NULL;
}

bool gr_mem_readable(struct gr_mem *mem, uint64_t addr, uint64_t len)
{
	uint64_t cur = addr;
	if (len && addr + len < addr)
		return false;
	while (cur < addr + len) {
		const struct gr_mem_segment *s = gr_mem_find(mem, cur);
		if (!s || s->source == GR_MEM_MISSING)
			return false;
		MARK(mem, s, cur, addr + len - cur);
		cur = s->end;
	}
	return true;
}

size_t gr_mem_segment_count(const struct gr_mem *mem)
{
	return mem->n;
}

const struct gr_mem_segment *gr_mem_segment_at(const struct gr_mem *mem,
					       size_t i)
{
	return i < mem->n ? &mem->segs[i] : NULL;
}
