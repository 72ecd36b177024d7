/* SPDX-License-Identifier: MIT */
#include "forensics/02-input/exe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "forensics/01-base/cursor.h"
#include "forensics/02-input/mem.h"

/* Go's linker tags its build-ID note with this type (cmd/link/internal/ld/elf.go). */
enum { ELF_NOTE_GOBUILDID_TAG = 4 };

struct exe_section {
	struct gr_exe_section pub;
	/* Size of the bytes in the file (sh_size); pub.size is the size in
	 * memory, which differs for SHF_COMPRESSED sections. */
	uint64_t rawsize;
	/* Decompressed bytes of an SHF_COMPRESSED section, once asked for. */
	uint8_t *inflated;
};

struct gr_exe {
	char *path;
	enum gr_arch arch;
	int fd;
	const uint8_t *data;
	size_t size;
	Elf *elf;
	bool pie, dynamic;
	uint64_t entry;
	struct exe_section *sections;
	size_t nsections;
	struct gr_exe_segment *segments;
	size_t nsegments;
	/* .symtab, sorted by name for lookup. */
	struct exe_symbol {
		const char *name;
		uint64_t addr, size;
	} *symbols;
	size_t nsymbols;
	struct gr_build_ids ids;
};

GR_MUST_USE
static struct gr_error *elf_err(const struct gr_exe *exe, const char *what)
{
	return gr_error_create(GR_ERR_BAD_DATA, "%s: %s: %s", exe->path, what,
			       elf_errmsg(-1));
}

static unsigned prot_of(uint32_t flags)
{
	return (flags & PF_R ? GR_PROT_R : 0) | (flags & PF_W ? GR_PROT_W : 0) |
	       (flags & PF_X ? GR_PROT_X : 0);
}

static void hex(char *out, size_t outsz, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < n && 2 * i + 2 < outsz; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * i] = '\0';
}

/*
 * Parse one PT_NOTE area, recording GNU and Go build IDs.  A note cut
 * short ends the area (the IDs found so far stand); NOMEM only.
 */
GR_MUST_USE
static struct gr_error *notes_to_ids(const uint8_t *p, size_t len,
				     struct gr_build_ids *ids)
{
	struct gr_cursor c;
	gr_cursor_init(&c, p, len, "PT_NOTE");
	while (gr_cursor_left(&c) >= GR_ELF_NHDR_SIZE) {
		struct gr_elf_note n;
		struct gr_error *err = gr_cursor_elf_note(&c, &n);
		if (err) {
			gr_error_catch(&err, GR_ERR_BIT(BAD_DATA));
			return err;
		}
		if (n.namesz == 4 && memcmp(n.name, "GNU", 4) == 0 &&
		    n.type == NT_GNU_BUILD_ID && n.descsz <= 64)
			hex(ids->gnu, sizeof(ids->gnu), n.desc, n.descsz);
		/* Go's linker writes the name "Go\0\0" with namesz 4. */
		else if ((n.namesz == 3 || n.namesz == 4) &&
			 memcmp(n.name, "Go", 3) == 0 &&
			 n.type == ELF_NOTE_GOBUILDID_TAG &&
			 n.descsz < sizeof(ids->go)) {
			memcpy(ids->go, n.desc, n.descsz);
			ids->go[n.descsz] = '\0';
			/* Keep the ID printable whatever the bytes say. */
			for (size_t i = 0; i < n.descsz; i++)
				if (ids->go[i] < 0x20 || ids->go[i] > 0x7e)
					ids->go[i] = '?';
		}
	}
	return NULL;
}

struct gr_error *gr_build_ids_from_image(const uint8_t *buf, size_t size,
					 struct gr_build_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	if (size < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) != 0 ||
	    buf[EI_CLASS] != ELFCLASS64)
		return NULL;
	uint64_t phoff = gr_le64(buf + offsetof(Elf64_Ehdr, e_phoff));
	uint16_t phnum = gr_le16(buf + offsetof(Elf64_Ehdr, e_phnum));
	uint16_t phentsize = gr_le16(buf + offsetof(Elf64_Ehdr, e_phentsize));
	if (phentsize != sizeof(Elf64_Phdr) ||
	    !gr_range_ok(size, phoff, (uint64_t)phnum * sizeof(Elf64_Phdr)))
		return NULL;
	/* In a mapped image notes are found by vaddr relative to the first
	 * PT_LOAD at offset 0; in a file by offset.  For Go binaries the
	 * notes sit in the first page where both agree (offset == vaddr -
	 * first load vaddr), so use the offset. */
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = buf + phoff + i * sizeof(Elf64_Phdr);
		if (gr_le32(ph + offsetof(Elf64_Phdr, p_type)) != PT_NOTE)
			continue;
		uint64_t off = gr_le64(ph + offsetof(Elf64_Phdr, p_offset));
		uint64_t filesz = gr_le64(ph + offsetof(Elf64_Phdr, p_filesz));
		if (!gr_range_ok(size, off, filesz))
			continue;
		struct gr_error *err = notes_to_ids(buf + off, (size_t)filesz,
						    ids);
		if (err)
			return err;
		/*
		 * Go 1.24+ links .note.gnu.build-id right after
		 * .note.go.buildid but its PT_NOTE covers only the Go note
		 * (readelf -lW shows the GNU note in the text PT_LOAD alone):
		 * read on past the segment's end for notes that follow.  A
		 * GNU ID is taken only from a well-formed "GNU" note of type
		 * NT_GNU_BUILD_ID, so the code after the notes cannot pass
		 * for one.
		 */
		uint64_t end = off + filesz, more = size - end;
		if (!ids->gnu[0] && end % 4 == 0 && end < size &&
		    (err = notes_to_ids(buf + end,
					(size_t)(more < 256 ? more : 256), ids)))
			return err;
	}
	return NULL;
}

static int symbol_cmp(const void *a, const void *b)
{
	return strcmp(((const struct exe_symbol *)a)->name,
		      ((const struct exe_symbol *)b)->name);
}

GR_MUST_USE
static struct gr_error *load_sections(struct gr_exe *exe)
{
	size_t shnum, shstrndx;
	if (elf_getshdrnum(exe->elf, &shnum) || elf_getshdrstrndx(exe->elf, &shstrndx))
		return elf_err(exe, "reading section headers");
	exe->sections = calloc(shnum ? shnum : 1, sizeof(*exe->sections));
	if (!exe->sections)
		return gr_error_nomem();
	Elf_Scn *scn = NULL;
	Elf_Scn *symtab = NULL;
	while ((scn = elf_nextscn(exe->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return elf_err(exe, "reading a section header");
		const char *name = elf_strptr(exe->elf, shstrndx, sh.sh_name);
		if (!name)
			name = "";
		struct exe_section *s = &exe->sections[exe->nsections++];
		s->pub.name = name;
		s->pub.addr = sh.sh_addr;
		s->pub.size = sh.sh_size;
		s->pub.offset = sh.sh_offset;
		s->pub.type = sh.sh_type;
		s->pub.flags = sh.sh_flags;
		s->rawsize = sh.sh_size;
		if (sh.sh_type != SHT_NOBITS &&
		    !gr_range_ok(exe->size, sh.sh_offset, sh.sh_size))
			return gr_error_create(
				GR_ERR_BAD_DATA,
				"%s: section %s at 0x%llx+0x%llx past end of file",
				exe->path, name, (unsigned long long)sh.sh_offset,
				(unsigned long long)sh.sh_size);
		if ((sh.sh_flags & SHF_COMPRESSED) && sh.sh_size >= sizeof(Elf64_Chdr))
			s->pub.size = gr_le64(exe->data + sh.sh_offset +
					      offsetof(Elf64_Chdr, ch_size));
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
	}
	if (!symtab)
		return NULL;
	GElf_Shdr sh;
	Elf_Data *d = elf_getdata(symtab, NULL);
	if (!gelf_getshdr(symtab, &sh) || !d || !sh.sh_entsize)
		return NULL;
	size_t n = d->d_size / sizeof(Elf64_Sym);
	exe->symbols = calloc(n ? n : 1, sizeof(*exe->symbols));
	if (!exe->symbols)
		return gr_error_nomem();
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym))
			continue;
		const char *name = elf_strptr(exe->elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		struct exe_symbol *es = &exe->symbols[exe->nsymbols++];
		es->name = name;
		es->addr = sym.st_value;
		es->size = sym.st_size;
	}
	qsort(exe->symbols, exe->nsymbols, sizeof(*exe->symbols), symbol_cmp);
	return NULL;
}

GR_MUST_USE
static struct gr_error *load_segments(struct gr_exe *exe)
{
	size_t phnum;
	if (elf_getphdrnum(exe->elf, &phnum))
		return elf_err(exe, "reading program headers");
	exe->segments = calloc(phnum ? phnum : 1, sizeof(*exe->segments));
	if (!exe->segments)
		return gr_error_nomem();
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(exe->elf, (int)i, &ph))
			return elf_err(exe, "reading a program header");
		if (ph.p_type == PT_INTERP)
			exe->dynamic = true;
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz ||
		    !gr_range_ok(exe->size, ph.p_offset, ph.p_filesz))
			return gr_error_create(GR_ERR_BAD_DATA,
					       "%s: PT_LOAD %zu outside the file",
					       exe->path, i);
		struct gr_exe_segment *s = &exe->segments[exe->nsegments++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->prot = prot_of(ph.p_flags);
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *open_file(struct gr_exe *exe, const char *path)
{
	exe->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (exe->fd < 0)
		return gr_error_os(errno, path, "open");
	struct stat st;
	if (fstat(exe->fd, &st))
		return gr_error_os(errno, path, "stat");
	if (!S_ISREG(st.st_mode))
		return gr_error_create(GR_ERR_BAD_DATA, "%s: not a regular file",
				       path);
	if (st.st_size == 0)
		return gr_error_create(GR_ERR_BAD_DATA, "%s: empty file", path);
	exe->size = (size_t)st.st_size;
	void *p = mmap(NULL, exe->size, PROT_READ, MAP_PRIVATE, exe->fd, 0);
	if (p == MAP_FAILED)
		return gr_error_os(errno, path, "mmap");
	exe->data = p;
	return NULL;
}

GR_MUST_USE
static struct gr_error *check_header(struct gr_exe *exe)
{
	if (exe->size < SELFMAG || memcmp(exe->data, ELFMAG, SELFMAG) != 0)
		return gr_error_create(GR_ERR_BAD_DATA, "%s: not an ELF file",
				       exe->path);
	GElf_Ehdr eh;
	if (!gelf_getehdr(exe->elf, &eh))
		return elf_err(exe, "reading the ELF header");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    !gr_arch_of_machine(eh.e_machine, &exe->arch))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: not an x86-64 or AArch64 ELF64 "
				       "executable",
				       exe->path);
	if (eh.e_type == ET_CORE)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: is a core dump, not an executable",
				       exe->path);
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: ELF type %u is not an executable",
				       exe->path, eh.e_type);
	exe->pie = eh.e_type == ET_DYN;
	exe->entry = eh.e_entry;
	return NULL;
}

struct gr_error *gr_exe_open(const char *path, struct gr_exe **ret)
{
	struct gr_exe *exe = calloc(1, sizeof(*exe));
	if (!exe)
		return gr_error_nomem();
	exe->fd = -1;
	exe->path = strdup(path);
	struct gr_error *err = NULL;
	if (!exe->path) {
		err = gr_error_nomem();
		goto fail;
	}
	if ((err = open_file(exe, path)))
		goto fail;
	elf_version(EV_CURRENT);
	exe->elf = elf_memory((char *)exe->data, exe->size);
	if (!exe->elf) {
		err = elf_err(exe, "opening");
		goto fail;
	}
	if ((err = check_header(exe)) || (err = load_segments(exe)) ||
	    (err = load_sections(exe)) ||
	    (err = gr_build_ids_from_image(exe->data, exe->size, &exe->ids)))
		goto fail;
	*ret = exe;
	return NULL;
fail:
	gr_exe_destroy(exe);
	return err;
}

void gr_exe_destroy(struct gr_exe *exe)
{
	if (!exe)
		return;
	for (size_t i = 0; i < exe->nsections; i++)
		free(exe->sections[i].inflated);
	free(exe->sections);
	free(exe->segments);
	free(exe->symbols);
	if (exe->elf)
		elf_end(exe->elf);
	if (exe->data)
		munmap((void *)exe->data, exe->size);
	if (exe->fd >= 0)
		close(exe->fd);
	free(exe->path);
	free(exe);
}

const char *gr_exe_path(const struct gr_exe *exe)
{
	return exe->path;
}

const uint8_t *gr_exe_file_data(const struct gr_exe *exe, size_t *size_ret)
{
	*size_ret = exe->size;
	return exe->data;
}

enum gr_arch gr_exe_arch(const struct gr_exe *exe)
{
	return exe->arch;
}

bool gr_exe_is_pie(const struct gr_exe *exe)
{
	return exe->pie;
}

uint64_t gr_exe_entry(const struct gr_exe *exe)
{
	return exe->entry;
}

bool gr_exe_is_dynamic(const struct gr_exe *exe)
{
	return exe->dynamic;
}

const struct gr_build_ids *gr_exe_build_ids(const struct gr_exe *exe)
{
	return &exe->ids;
}

size_t gr_exe_section_count(const struct gr_exe *exe)
{
	return exe->nsections;
}

const struct gr_exe_section *gr_exe_section_at(const struct gr_exe *exe,
					       size_t i)
{
	return i < exe->nsections ? &exe->sections[i].pub : NULL;
}

static struct exe_section *find_section(const struct gr_exe *exe,
					const char *name)
{
	for (size_t i = 0; i < exe->nsections; i++)
		if (strcmp(exe->sections[i].pub.name, name) == 0)
			return &exe->sections[i];
	return NULL;
}

const struct gr_exe_section *gr_exe_section(const struct gr_exe *exe,
					    const char *name)
{
	struct exe_section *s = find_section(exe, name);
	return s ? &s->pub : NULL;
}

/* Inflate an SHF_COMPRESSED (ELFCOMPRESS_ZLIB) section. */
GR_MUST_USE
static struct gr_error *inflate_section(struct gr_exe *exe,
					struct exe_section *s, size_t rawsize)
{
	const uint8_t *raw = exe->data + s->pub.offset;
	if (rawsize < sizeof(Elf64_Chdr))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: %s: compression header truncated",
				       exe->path, s->pub.name);
	uint32_t type = gr_le32(raw + offsetof(Elf64_Chdr, ch_type));
	uint64_t size = gr_le64(raw + offsetof(Elf64_Chdr, ch_size));
	if (type != ELFCOMPRESS_ZLIB)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: %s: compression type %u",
				       exe->path, s->pub.name, type);
	/* zlib's best ratio is about 1032:1; anything above is a lie. */
	if (size > (uint64_t)rawsize * 1032 + 4096 || size > SIZE_MAX / 2)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: %s: implausible size %llu",
				       exe->path, s->pub.name,
				       (unsigned long long)size);
	uint8_t *out = malloc(size ? size : 1);
	if (!out)
		return gr_error_nomem();
	uLongf outlen = size;
	int rc = uncompress(out, &outlen, raw + sizeof(Elf64_Chdr),
			    rawsize - sizeof(Elf64_Chdr));
	if (rc != Z_OK || outlen != size) {
		free(out);
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: %s: corrupt zlib data (%d)",
				       exe->path, s->pub.name, rc);
	}
	s->inflated = out;
	return NULL;
}

struct gr_error *gr_exe_section_bytes(struct gr_exe *exe, const char *name,
				      const uint8_t **data_ret,
				      size_t *size_ret)
{
	struct exe_section *s = find_section(exe, name);
	if (!s || s->pub.type == SHT_NOBITS)
		return gr_error_create(GR_ERR_NOT_FOUND, "%s: no section %s",
				       exe->path, name);
	if (s->pub.flags & SHF_COMPRESSED) {
		if (!s->inflated) {
			struct gr_error *err =
				inflate_section(exe, s, (size_t)s->rawsize);
			if (err)
				return err;
		}
		*data_ret = s->inflated;
		*size_ret = s->pub.size;
		return NULL;
	}
	*data_ret = exe->data + s->pub.offset;
	*size_ret = s->pub.size;
	return NULL;
}

size_t gr_exe_segment_count(const struct gr_exe *exe)
{
	return exe->nsegments;
}

const struct gr_exe_segment *gr_exe_segment_at(const struct gr_exe *exe,
					       size_t i)
{
	return i < exe->nsegments ? &exe->segments[i] : NULL;
}

bool gr_exe_symbol(const struct gr_exe *exe, const char *name,
		   uint64_t *addr_ret, uint64_t *size_ret)
{
	struct exe_symbol key = {.name = name};
	if (!exe->nsymbols)
		return false;
	const struct exe_symbol *s = bsearch(&key, exe->symbols, exe->nsymbols,
					     sizeof(key), symbol_cmp);
	if (!s)
		return false;
	if (addr_ret)
		*addr_ret = s->addr;
	if (size_ret)
		*size_ret = s->size;
	return true;
}

size_t gr_exe_symbol_count(const struct gr_exe *exe)
{
	return exe->nsymbols;
}

struct gr_error *gr_exe_read_vaddr(const struct gr_exe *exe, uint64_t vaddr,
				   size_t len, const uint8_t **ret)
{
	for (size_t i = 0; i < exe->nsegments; i++) {
		const struct gr_exe_segment *s = &exe->segments[i];
		if (vaddr < s->vaddr || vaddr - s->vaddr >= s->filesz)
			continue;
		if (s->filesz - (vaddr - s->vaddr) < len)
			break;
		*ret = exe->data + s->offset + (vaddr - s->vaddr);
		return NULL;
	}
	return gr_error_fault(vaddr, len, "not file-backed in the executable");
}
