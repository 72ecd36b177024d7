/* SPDX-License-Identifier: MIT */
/*
 * gr_cursor: the one bounds-checked reader for every byte format goretain
 * parses (ELF notes, buildinfo, pclntab, moduledata, type descriptors, GC
 * bitmaps).  A cursor never reads outside [data, data + size) and never
 * advances on error.  Little-endian only: goretain analyses linux/amd64.
 *
 * Errors name the cursor's @what and the offset ("pclntab+0x1c4: ...").
 * Modelled on drgn's libdrgn/binary_buffer.h.
 */
#ifndef GR_CURSOR_H
#define GR_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

struct gr_cursor {
	const uint8_t *data;
	size_t size;
	size_t off;
	/* Name used in error messages; not owned. */
	const char *what;
};

static inline void gr_cursor_init(struct gr_cursor *c, const void *data,
				  size_t size, const char *what)
{
	c->data = data;
	c->size = size;
	c->off = 0;
	c->what = what;
}

static inline size_t gr_cursor_left(const struct gr_cursor *c)
{
	return c->size - c->off;
}

/* True if [off, off + len) lies inside [0, size); overflow-safe. */
static inline bool gr_range_ok(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && size - off >= len;
}

GR_MUST_USE
struct gr_error *gr_cursor_error(const struct gr_cursor *c, const char *fmt,
				 ...) __attribute__((format(printf, 2, 3)));

/* Move to absolute offset @off (<= size). */
GR_MUST_USE
struct gr_error *gr_cursor_seek(struct gr_cursor *c, uint64_t off);
GR_MUST_USE
struct gr_error *gr_cursor_skip(struct gr_cursor *c, uint64_t len);
/* Point *ret at @len bytes at the cursor and advance. */
GR_MUST_USE
struct gr_error *gr_cursor_bytes(struct gr_cursor *c, uint64_t len,
				 const uint8_t **ret);
GR_MUST_USE
struct gr_error *gr_cursor_u8(struct gr_cursor *c, uint8_t *ret);
GR_MUST_USE
struct gr_error *gr_cursor_u16(struct gr_cursor *c, uint16_t *ret);
GR_MUST_USE
struct gr_error *gr_cursor_u32(struct gr_cursor *c, uint32_t *ret);
GR_MUST_USE
struct gr_error *gr_cursor_u64(struct gr_cursor *c, uint64_t *ret);
/* Unsigned LEB128 / Go varint (at most 10 bytes, no overflow). */
GR_MUST_USE
struct gr_error *gr_cursor_uvarint(struct gr_cursor *c, uint64_t *ret);
/* Go zig-zag signed varint as used by pclntab pc-value tables. */
GR_MUST_USE
struct gr_error *gr_cursor_svarint(struct gr_cursor *c, int64_t *ret);
/*
 * A NUL-terminated string at the cursor; *ret points into the data, *len_ret
 * (if not NULL) gets its length.  Fails if no NUL before the end.
 */
GR_MUST_USE
struct gr_error *gr_cursor_cstr(struct gr_cursor *c, const char **ret,
				size_t *len_ret);

/* Bytes of an ELF note header (Elf64_Nhdr: namesz, descsz, type). */
enum { GR_ELF_NHDR_SIZE = 12 };

/* One ELF note; name and desc point into the cursor's data. */
struct gr_elf_note {
	uint32_t namesz, descsz, type;
	const uint8_t *name, *desc;
};

/*
 * The ELF note at the cursor (header, name, descriptor, each of the last
 * two padded to 4 bytes), and advance past it.  BAD_DATA naming the first
 * field cut short (the cursor does not move); the descriptor's padding
 * alone may be cut off, as a last note's is when nothing follows it (the
 * cursor then stops after the descriptor, fewer than 4 bytes from the
 * end).
 */
GR_MUST_USE
struct gr_error *gr_cursor_elf_note(struct gr_cursor *c,
				    struct gr_elf_note *ret);

/* Little-endian loads from a buffer the caller has already bounds-checked. */
static inline uint16_t gr_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t gr_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint64_t gr_le64(const uint8_t *p)
{
	return (uint64_t)gr_le32(p) | (uint64_t)gr_le32(p + 4) << 32;
}

#endif /* GR_CURSOR_H */
