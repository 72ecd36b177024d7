/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/cursor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gr_error *gr_cursor_error(const struct gr_cursor *c, const char *fmt,
				 ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gr_error *err = gr_error_vcreate(GR_ERR_BAD_DATA, fmt, ap);
	va_end(ap);
	return gr_error_prefix(err, "%s+0x%zx", c->what ? c->what : "data",
			       c->off);
}

GR_MUST_USE
static struct gr_error *short_read(const struct gr_cursor *c, uint64_t len)
{
	return gr_cursor_error(c, "need %llu bytes, %zu left",
			       (unsigned long long)len, gr_cursor_left(c));
}

struct gr_error *gr_cursor_seek(struct gr_cursor *c, uint64_t off)
{
	if (off > c->size)
		return gr_cursor_error(c, "seek to 0x%llx past end 0x%zx",
				       (unsigned long long)off, c->size);
	c->off = (size_t)off;
	return NULL;
}

struct gr_error *gr_cursor_skip(struct gr_cursor *c, uint64_t len)
{
	if (!gr_range_ok(c->size, c->off, len))
		return short_read(c, len);
	c->off += (size_t)len;
	return NULL;
}

struct gr_error *gr_cursor_bytes(struct gr_cursor *c, uint64_t len,
				 const uint8_t **ret)
{
	if (!gr_range_ok(c->size, c->off, len))
		return short_read(c, len);
	*ret = c->data + c->off;
	c->off += (size_t)len;
	return NULL;
}

struct gr_error *gr_cursor_u8(struct gr_cursor *c, uint8_t *ret)
{
	const uint8_t *p = NULL;
	struct gr_error *err = gr_cursor_bytes(c, 1, &p);
	if (!err)
		*ret = p[0];
	return err;
}

struct gr_error *gr_cursor_u16(struct gr_cursor *c, uint16_t *ret)
{
	const uint8_t *p = NULL;
	struct gr_error *err = gr_cursor_bytes(c, 2, &p);
	if (!err)
		*ret = gr_le16(p);
	return err;
}

struct gr_error *gr_cursor_u32(struct gr_cursor *c, uint32_t *ret)
{
	const uint8_t *p = NULL;
	struct gr_error *err = gr_cursor_bytes(c, 4, &p);
	if (!err)
		*ret = gr_le32(p);
	return err;
}

struct gr_error *gr_cursor_u64(struct gr_cursor *c, uint64_t *ret)
{
	const uint8_t *p = NULL;
	struct gr_error *err = gr_cursor_bytes(c, 8, &p);
	if (!err)
		*ret = gr_le64(p);
	return err;
}

struct gr_error *gr_cursor_uvarint(struct gr_cursor *c, uint64_t *ret)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (c->off + i >= c->size)
			return gr_cursor_error(c, "truncated varint");
		uint8_t b = c->data[c->off + i];
		if (i == 9 && b > 1)
			return gr_cursor_error(c, "varint overflows 64 bits");
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			c->off += i + 1;
			*ret = v;
			return NULL;
		}
	}
	return gr_cursor_error(c, "varint longer than 10 bytes");
}

struct gr_error *gr_cursor_svarint(struct gr_cursor *c, int64_t *ret)
{
	uint64_t u;
	struct gr_error *err = gr_cursor_uvarint(c, &u);
	if (err)
		return err;
	/* Zig-zag as runtime/symtab.go step() decodes it: ^(uv>>1) if uv&1. */
	*ret = (u & 1) ? ~(int64_t)(u >> 1) : (int64_t)(u >> 1);
	return NULL;
}

struct gr_error *gr_cursor_cstr(struct gr_cursor *c, const char **ret,
				size_t *len_ret)
{
	const void *nul = memchr(c->data + c->off, 0, gr_cursor_left(c));
	if (!nul)
		return gr_cursor_error(c, "unterminated string");
	size_t len = (size_t)((const uint8_t *)nul - (c->data + c->off));
	*ret = (const char *)(c->data + c->off);
	if (len_ret)
		*len_ret = len;
	c->off += len + 1;
	return NULL;
}

struct gr_error *gr_cursor_elf_note(struct gr_cursor *c,
				    struct gr_elf_note *ret)
{
	struct gr_elf_note n;
	size_t start = c->off;
	struct gr_error *err;
	if ((err = gr_cursor_u32(c, &n.namesz)) ||
	    (err = gr_cursor_u32(c, &n.descsz)) ||
	    (err = gr_cursor_u32(c, &n.type)) ||
	    (err = gr_cursor_bytes(c, n.namesz, &n.name)) ||
	    (err = gr_cursor_skip(c, (4 - n.namesz % 4) % 4)) ||
	    (err = gr_cursor_bytes(c, n.descsz, &n.desc))) {
		c->off = start;
		return err;
	}
	/* Nothing can follow a descriptor whose padding is cut off. */
	if (gr_range_ok(c->size, c->off, (4 - n.descsz % 4) % 4))
		c->off += (4 - n.descsz % 4) % 4;
	*ret = n;
	return NULL;
}
