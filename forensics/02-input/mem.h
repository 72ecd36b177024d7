/* SPDX-License-Identifier: MIT */
/*
 * gr_mem: the one memory reader over the dead process's address space.
 *
 * Every read of target memory goes through here.  The address space is a
 * sorted table of non-overlapping segments; each segment's bytes come from
 * one of:
 *   - the mmapped core (never copied),
 *   - zero fill (PT_LOAD with FileSiz < MemSiz: reads as zeros, no memory),
 *   - the mmapped executable (read-only file-backed pages the kernel did not
 *     dump),
 *   - nowhere (a range that was mapped in the process but whose bytes are not
 *     available: truncated core, pages of other files not dumped).  Reading
 *     it is a FAULT naming the reason.
 * Addresses outside every segment are FAULT "not mapped".
 *
 * Modelled on drgn's libdrgn/memory_reader.c.  Not thread-safe (it caches the
 * last segment); use one per session.
 */
#ifndef GR_MEM_H
#define GR_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

enum gr_mem_source {
	GR_MEM_CORE,	/* bytes from the core file */
	GR_MEM_ZERO,	/* reads as zeros */
	GR_MEM_EXE,	/* bytes from the executable file */
	GR_MEM_MISSING, /* mapped, but bytes unavailable */
};

enum gr_mem_prot {
	GR_PROT_R = 1,
	GR_PROT_W = 2,
	GR_PROT_X = 4,
};

struct gr_mem_segment {
	uint64_t start; /* inclusive */
	uint64_t end;	/* exclusive */
	enum gr_mem_source source;
	unsigned prot; /* enum gr_mem_prot bits */
	/* For CORE and EXE: the bytes of [start, end); not owned. */
	const uint8_t *data;
	/* For MISSING: why (static string, e.g. "truncated core"). */
	const char *reason;
};

struct gr_mem;

GR_MUST_USE
struct gr_error *gr_mem_create(struct gr_mem **ret);
void gr_mem_destroy(struct gr_mem *mem);

/*
 * Add a segment.  Segments must not overlap segments already added; a later
 * overlapping add is rejected with BAD_DATA (callers add the authoritative
 * source first and fill gaps with gr_mem_add_under()).
 */
GR_MUST_USE
struct gr_error *gr_mem_add(struct gr_mem *mem,
			    const struct gr_mem_segment *seg);
/*
 * Add @seg only where no segment exists yet: the parts of it that fall in
 * gaps are added, the rest ignored.  Used to lay executable pages and zero
 * fill under what the core provides.
 */
GR_MUST_USE
struct gr_error *gr_mem_add_under(struct gr_mem *mem,
				  const struct gr_mem_segment *seg);
/*
 * Replace the parts of MISSING segments inside [seg->start, seg->end) by
 * @seg's source (used when the executable supplies pages the core left out).
 */
GR_MUST_USE
struct gr_error *gr_mem_fill_missing(struct gr_mem *mem,
				     const struct gr_mem_segment *seg);

/* Copy @len bytes at @addr into @buf; FAULT on the first unreadable byte. */
GR_MUST_USE
struct gr_error *gr_mem_read(struct gr_mem *mem, uint64_t addr, void *buf,
			     size_t len);
/*
 * Point *ret at @len bytes at @addr without copying, when they lie in one
 * CORE or EXE segment; FAULT otherwise (callers fall back to gr_mem_read).
 * The pointer lives as long as the underlying mapping.
 */
GR_MUST_USE
struct gr_error *gr_mem_view(struct gr_mem *mem, uint64_t addr, size_t len,
			     const uint8_t **ret);
/*
 * @len bytes at @addr: a view where they lie in one segment, else a copy
 * into @buf (@len bytes at least), for readers that want the bytes whole
 * either way (the code scanners of forensics/04-gobin).  No view is not
 * an error; the copy's error is returned as gr_mem_read gives it.
 */
GR_MUST_USE
struct gr_error *gr_mem_view_or_copy(struct gr_mem *mem, uint64_t addr,
				     size_t len, uint8_t *buf,
				     const uint8_t **ret);
GR_MUST_USE
struct gr_error *gr_mem_u8(struct gr_mem *mem, uint64_t addr, uint8_t *ret);
GR_MUST_USE
struct gr_error *gr_mem_u16(struct gr_mem *mem, uint64_t addr, uint16_t *ret);
GR_MUST_USE
struct gr_error *gr_mem_u32(struct gr_mem *mem, uint64_t addr, uint32_t *ret);
GR_MUST_USE
struct gr_error *gr_mem_u64(struct gr_mem *mem, uint64_t addr, uint64_t *ret);
/* Read a NUL-terminated string of at most @max bytes into a new buffer. */
GR_MUST_USE
struct gr_error *gr_mem_cstr(struct gr_mem *mem, uint64_t addr, size_t max,
			     char **ret);

/* True if every byte of [addr, addr+len) is readable. */
bool gr_mem_readable(struct gr_mem *mem, uint64_t addr, uint64_t len);
/* The segment containing @addr, or NULL. */
const struct gr_mem_segment *gr_mem_find(struct gr_mem *mem, uint64_t addr);

/*
 * Access recording, for `goretain slim`: after gr_mem_record_start() every
 * page (4 KiB) of a CORE segment that a read, view, find or readable check
 * touches is remembered until gr_mem_record_stop().  No segment may be
 * added meanwhile (USAGE error).  Costs one bit per core page.
 */
GR_MUST_USE
struct gr_error *gr_mem_record_start(struct gr_mem *mem);
void gr_mem_record_stop(struct gr_mem *mem);
/* Whether reads are being recorded (recording is not thread-safe). */
bool gr_mem_recording(const struct gr_mem *mem);
/* Whether the page holding @addr was touched since recording started. */
bool gr_mem_page_touched(const struct gr_mem *mem, uint64_t addr);

size_t gr_mem_segment_count(const struct gr_mem *mem);
/* Segments in address order; @i < gr_mem_segment_count(). */
const struct gr_mem_segment *gr_mem_segment_at(const struct gr_mem *mem,
					       size_t i);

#endif /* GR_MEM_H */
