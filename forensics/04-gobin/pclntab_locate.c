/* SPDX-License-Identifier: MIT */
/*
 * gr_pcln_locate(): where an executable keeps its pclntab.  Apart from
 * pclntab.c because it reads ELF sections and symbols, not the table.
 */
#include "forensics/04-gobin/pclntab.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "forensics/01-base/cursor.h"

/* runtime/symtab.go pcHeader on a 64-bit target: 8 bytes + 8 uintptrs. */
enum { PCHEADER_SIZE = 72 };

GR_MUST_USE
static struct gr_error *locate_section(struct gr_exe *exe,
				       struct gr_pcln_location *ret)
{
	static const char *const names[] = {".gopclntab",
					    ".data.rel.ro.gopclntab"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct gr_exe_section *sec = gr_exe_section(exe, names[i]);
		if (!sec)
			continue;
		struct gr_error *err = gr_exe_section_bytes(exe, names[i],
							    &ret->data,
							    &ret->size);
		if (err)
			return err;
		ret->addr = sec->addr;
		ret->origin = GR_PCLN_FROM_SECTION;
		ret->section = sec->name;
		return NULL;
	}
	return gr_error_create(GR_ERR_NOT_FOUND, "no pclntab section");
}

/* The allocated section containing link-time [addr, addr+len), or NULL. */
static const struct gr_exe_section *section_of(const struct gr_exe *exe,
					       uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < gr_exe_section_count(exe); i++) {
		const struct gr_exe_section *s = gr_exe_section_at(exe, i);
		if ((s->flags & SHF_ALLOC) && s->type != SHT_NOBITS &&
		    addr >= s->addr && addr - s->addr <= s->size &&
		    s->size - (addr - s->addr) >= len)
			return s;
	}
	return NULL;
}

/* Bytes of @s from link-time address @addr to its end. */
GR_MUST_USE
static struct gr_error *section_tail(struct gr_exe *exe,
				     const struct gr_exe_section *s,
				     uint64_t addr, const uint8_t **data,
				     size_t *size)
{
	const uint8_t *all;
	size_t n;
	struct gr_error *err = gr_exe_section_bytes(exe, s->name, &all, &n);
	if (err)
		return err;
	if (addr < s->addr || addr - s->addr > n)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: 0x%" PRIx64 " outside %s",
				       gr_exe_path(exe), addr, s->name);
	*data = all + (addr - s->addr);
	*size = n - (size_t)(addr - s->addr);
	return NULL;
}

GR_MUST_USE
static struct gr_error *locate_symbol(struct gr_exe *exe,
				      struct gr_pcln_location *ret)
{
	uint64_t start, end;
	if (gr_exe_symbol_count(exe) == 0 ||
	    !gr_exe_symbol(exe, "runtime.pclntab", &start, NULL))
		return gr_error_create(GR_ERR_NOT_FOUND, "no runtime.pclntab");
	const struct gr_exe_section *s = section_of(exe, start, PCHEADER_SIZE);
	if (!s)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: runtime.pclntab 0x%" PRIx64
				       " is in no allocated section",
				       gr_exe_path(exe), start);
	struct gr_error *err =
		section_tail(exe, s, start, &ret->data, &ret->size);
	if (err)
		return err;
	if (gr_exe_symbol(exe, "runtime.epclntab", &end, NULL) &&
	    end > start && end - start <= ret->size)
		ret->size = (size_t)(end - start);
	ret->addr = start;
	ret->origin = GR_PCLN_FROM_SYMBOL;
	ret->section = s->name;
	return NULL;
}

/* A cheap filter before gr_pcln_create() judges a candidate. */
static bool plausible_header(const uint8_t *p, size_t left)
{
	if (left < PCHEADER_SIZE)
		return false;
	uint32_t magic = gr_le32(p);
	/* runtime/symtab.go pcHeader: pad1, pad2 = 0; minLC 1 on amd64;
	 * ptrSize 8. */
	return (magic == GR_PCLN_MAGIC_GO118 || magic == GR_PCLN_MAGIC_GO120) &&
	       p[4] == 0 && p[5] == 0 && p[6] == 1 && p[7] == 8;
}

GR_MUST_USE
static struct gr_error *locate_magic(struct gr_exe *exe,
				     struct gr_pcln_location *ret)
{
	for (size_t i = 0; i < gr_exe_section_count(exe); i++) {
		const struct gr_exe_section *s = gr_exe_section_at(exe, i);
		if (!(s->flags & SHF_ALLOC) || (s->flags & SHF_EXECINSTR) ||
		    s->type != SHT_PROGBITS || s->size < PCHEADER_SIZE)
			continue;
		const uint8_t *all;
		size_t n;
		struct gr_error *err = gr_exe_section_bytes(exe, s->name, &all, &n);
		if (gr_error_catch(&err, GR_ERR_CONTENT))
			continue;
		if (err)
			return err;
		/* The linker aligns the pcHeader to the pointer size. */
		uint64_t skew = (8 - s->addr % 8) % 8;
		for (size_t off = (size_t)skew; off + PCHEADER_SIZE <= n; off += 8) {
			if (!plausible_header(all + off, n - off))
				continue;
			struct gr_pcln *p;
			err = gr_pcln_create(all + off, n - off, 0, &p);
			if (gr_error_catch(&err, GR_ERR_CONTENT))
				continue;
			if (err)
				return err;
			gr_pcln_destroy(p);
			ret->addr = s->addr + off;
			ret->data = all + off;
			ret->size = n - off;
			ret->origin = GR_PCLN_FROM_MAGIC;
			ret->section = s->name;
			return NULL;
		}
	}
	return gr_error_create(GR_ERR_NOT_FOUND, "no pclntab magic");
}

struct gr_error *gr_pcln_locate(struct gr_exe *exe,
				struct gr_pcln_location *ret)
{
	struct gr_error *(*const how[])(struct gr_exe *,
					struct gr_pcln_location *) = {
		locate_section, locate_symbol, locate_magic};
	for (size_t i = 0; i < sizeof(how) / sizeof(how[0]); i++) {
		struct gr_error *err = how[i](exe, ret);
		if (!err)
			return NULL;
		if (err->code != GR_ERR_NOT_FOUND)
			return err;
		/* Probing the executable the next way: not damage. */
		gr_error_destroy(err);
	}
	return gr_error_create(GR_ERR_NOT_FOUND,
			       "%s: no pclntab: no .gopclntab or "
			       ".data.rel.ro.gopclntab section, no "
			       "runtime.pclntab symbol, no valid pclntab "
			       "header in the data",
			       gr_exe_path(exe));
}
