/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for gr_dwarf (the DWARF index over libdwarf).
 *
 * Input: a 4-byte little-endian length A, then A bytes of .debug_abbrev,
 * then the rest as .debug_info (A is clamped to what is there).  The target
 * wraps them in a minimal ELF executable (x86-64, no segments, sections
 * .debug_abbrev, .debug_info, .shstrtab), writes it to a memfd and runs
 * gr_exe_open() + gr_dwarf_open(), then looks up the names the runtime
 * layouts need.  Fuzzing only these two sections rather than a whole Go
 * binary keeps inputs at tens of KiB (the seed is the first compile units
 * of a real Go 1.22 binary, cut by dwarf_seed.py) while still reaching
 * everything gr_dwarf itself decodes: DIE trees, attributes, forms, Go's
 * own attributes, type references between units.  Line tables, location
 * lists and ranges are libdwarf's business and are absent here.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forensics/02-input/exe.h"
#include "forensics/03-dwarf/dwarf.h"
#include "tests/fuzz/fuzz_memfd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char shstrtab[] = "\0.debug_abbrev\0.debug_info\0.shstrtab";
enum { NAME_ABBREV = 1, NAME_INFO = 15, NAME_SHSTRTAB = 27 };

/* Write the ELF: header, abbrev, info, shstrtab, section headers. */
static void write_elf(int fd, const uint8_t *abbrev, size_t alen,
		      const uint8_t *info, size_t ilen)
{
	uint64_t off_abbrev = sizeof(Elf64_Ehdr);
	uint64_t off_info = off_abbrev + alen;
	uint64_t off_str = off_info + ilen;
	uint64_t off_sh = (off_str + sizeof(shstrtab) + 7) & ~(uint64_t)7;
	Elf64_Ehdr eh = {
		.e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			    ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE},
		.e_type = ET_EXEC,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = 0x401000,
		.e_shoff = off_sh,
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_shentsize = sizeof(Elf64_Shdr),
		.e_shnum = 4,
		.e_shstrndx = 3,
	};
	Elf64_Shdr sh[4] = {
		[1] = {.sh_name = NAME_ABBREV, .sh_type = SHT_PROGBITS,
		       .sh_offset = off_abbrev, .sh_size = alen,
		       .sh_addralign = 1},
		[2] = {.sh_name = NAME_INFO, .sh_type = SHT_PROGBITS,
		       .sh_offset = off_info, .sh_size = ilen,
		       .sh_addralign = 1},
		[3] = {.sh_name = NAME_SHSTRTAB, .sh_type = SHT_STRTAB,
		       .sh_offset = off_str, .sh_size = sizeof(shstrtab),
		       .sh_addralign = 1},
	};
	static const uint8_t pad[8];
	fuzz_write(fd, &eh, sizeof(eh));
	fuzz_write(fd, abbrev, alen);
	fuzz_write(fd, info, ilen);
	fuzz_write(fd, shstrtab, sizeof(shstrtab));
	fuzz_write(fd, pad, off_sh - off_str - sizeof(shstrtab));
	fuzz_write(fd, sh, sizeof(sh));
}

/* What the runtime layouts and moduledata ask the index for. */
static const char *const type_names[] = {
	"runtime.mheap", "runtime.mspan", "runtime.g", "runtime.moduledata",
	"runtime._type", "internal/abi.Type", "runtime.hmap",
	"runtime.heapArena", "runtime.special",
};

static void query(const struct gr_dwarf *d)
{
	for (size_t i = 0; i < gr_dwarf_type_count(d); i++) {
		const struct gr_dwarf_type *t = gr_dwarf_type(d, (uint32_t)i);
		if (!t)
			abort();
		(void)gr_dwarf_type_strip(d, (uint32_t)i);
	}
	for (size_t i = 0; i < sizeof(type_names) / sizeof(*type_names);
	     i++) {
		uint32_t id;
		struct gr_error *err = gr_dwarf_type_by_name(d, type_names[i],
							     &id);
		if (err) {
			if (err->code != GR_ERR_NOT_FOUND)
				abort();
			gr_error_destroy(err);
		}
	}
	(void)gr_dwarf_global_count(d);
	(void)gr_dwarf_constant_count(d);
	(void)gr_dwarf_function_count(d);
	(void)gr_dwarf_var_count(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	size_t alen = (size_t)data[0] | (size_t)data[1] << 8 |
		      (size_t)data[2] << 16 | (size_t)data[3] << 24;
	data += 4, size -= 4;
	if (alen > size)
		alen = size;

	char path[64];
	int fd = fuzz_memfd("fuzz-dwarf", NULL, 0, path);
	write_elf(fd, data, alen, data + alen, size - alen);

	struct gr_exe *exe = NULL;
	struct gr_error *err = gr_exe_open(path, &exe);
	if (err) /* the template is a valid ELF whatever the bytes */
		abort();
	struct gr_dwarf *d = NULL;
	err = gr_dwarf_open(exe, &d);
	gr_exe_destroy(exe); /* gr_dwarf must not need it any more */
	if (err) {
		if (d || (err->code != GR_ERR_BAD_DATA &&
			  err->code != GR_ERR_UNSUPPORTED &&
			  err->code != GR_ERR_LIMIT))
			abort();
		gr_error_destroy(err);
	} else {
		query(d);
		gr_dwarf_destroy(d);
	}
	close(fd);
	return 0;
}
