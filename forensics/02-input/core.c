/* SPDX-License-Identifier: MIT */
#include "forensics/02-input/core.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/cursor.h"
#include "layouts/elfcore.h"

enum {
	/* Bound on counts read from the core before allocating. */
	MAX_THREADS = 1 << 20,
};

struct gr_core {
	const uint8_t *data;
	size_t size;
	enum gr_arch arch;
	char *name;
	struct gr_core_thread *threads;
	size_t nthreads, threads_cap;
	struct gr_core_file_map *files;
	size_t nfiles;
	struct gr_core_load *loads;
	size_t nloads;
	uint64_t *auxv; /* pairs */
	size_t nauxv;
	struct gr_core_process proc;
	uint64_t expected_size;
};

GR_MUST_USE
static struct gr_error *core_error(const struct gr_core *core,
				   enum gr_error_code code, const char *fmt,
				   ...) __attribute__((format(printf, 3, 4)));
GR_MUST_USE
static struct gr_error *core_error(const struct gr_core *core,
				   enum gr_error_code code, const char *fmt,
				   ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gr_error *err = gr_error_vcreate(code, fmt, ap);
	va_end(ap);
	return gr_error_prefix(err, "%s", core->name);
}

GR_MUST_USE
static struct gr_error *parse_prstatus(struct gr_core *core,
				       const uint8_t *desc, size_t len)
{
	size_t need = core->arch == GR_ARCH_ARM64 ? GR_PRSTATUS_ARM64_SIZE
						  : GR_PRSTATUS_SIZE;
	if (len < need)
		return core_error(core, GR_ERR_BAD_DATA,
				  "NT_PRSTATUS too short (%zu bytes)", len);
	if (core->nthreads >= MAX_THREADS)
		return core_error(core, GR_ERR_LIMIT, "more than %d threads",
				  MAX_THREADS);
	struct gr_error *err = gr_array_grow(&core->threads, &core->threads_cap,
					     core->nthreads, 1);
	if (err)
		return err;
	struct gr_core_thread *t = &core->threads[core->nthreads++];
	memset(t, 0, sizeof(*t));
	t->signo = gr_le16(desc + GR_PRSTATUS_CURSIG);
	t->tid = (int32_t)gr_le32(desc + GR_PRSTATUS_PID);
	if (core->arch == GR_ARCH_ARM64) {
		uint64_t *r = (uint64_t *)&t->regs_arm64;
		for (size_t i = 0; i < GR_PRSTATUS_ARM64_REGS; i++)
			r[i] = gr_le64(desc + GR_PRSTATUS_REG + 8 * i);
		t->pc = t->regs_arm64.pc;
		t->sp = t->regs_arm64.sp;
		return NULL;
	}
	uint64_t *regs = (uint64_t *)&t->regs;
	for (size_t i = 0; i < sizeof(t->regs) / 8; i++)
		regs[i] = gr_le64(desc + GR_PRSTATUS_REG + 8 * i);
	t->pc = t->regs.rip;
	t->sp = t->regs.rsp;
	return NULL;
}

static void copy_field(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

GR_MUST_USE
static struct gr_error *parse_prpsinfo(struct gr_core *core,
				       const uint8_t *desc, size_t len)
{
	if (len < GR_PRPSINFO_SIZE)
		return core_error(core, GR_ERR_BAD_DATA,
				  "NT_PRPSINFO too short (%zu bytes)", len);
	struct gr_core_process *p = &core->proc;
	p->have_psinfo = true;
	p->state = (char)desc[GR_PRPSINFO_SNAME];
	p->uid = (int32_t)gr_le32(desc + GR_PRPSINFO_UID);
	p->gid = (int32_t)gr_le32(desc + GR_PRPSINFO_GID);
	p->pid = (int32_t)gr_le32(desc + GR_PRPSINFO_PID);
	p->ppid = (int32_t)gr_le32(desc + GR_PRPSINFO_PPID);
	copy_field(p->fname, desc + GR_PRPSINFO_FNAME,
		   GR_PRPSINFO_FNAME_LEN);
	copy_field(p->psargs, desc + GR_PRPSINFO_PSARGS,
		   GR_PRPSINFO_PSARGS_LEN);
	return NULL;
}

GR_MUST_USE
static struct gr_error *parse_auxv(struct gr_core *core, const uint8_t *desc,
				   size_t len)
{
	size_t n = len / 16;
	if (!n)
		return NULL;
	uint64_t *v = calloc(n, 16);
	if (!v)
		return gr_error_nomem();
	size_t i;
	for (i = 0; i < n; i++) {
		v[2 * i] = gr_le64(desc + 16 * i);
		v[2 * i + 1] = gr_le64(desc + 16 * i + 8);
		if (v[2 * i] == AT_NULL)
			break;
	}
	free(core->auxv);
	core->auxv = v;
	core->nauxv = i;
	return NULL;
}

/* NT_FILE: count, page size, count x {start, end, pgoff}, count strings. */
GR_MUST_USE
static struct gr_error *parse_file(struct gr_core *core, const uint8_t *desc,
				   size_t len)
{
	struct gr_cursor c;
	gr_cursor_init(&c, desc, len, "NT_FILE");
	uint64_t count, page_size;
	struct gr_error *err;
	if ((err = gr_cursor_u64(&c, &count)) ||
	    (err = gr_cursor_u64(&c, &page_size)))
		return gr_error_prefix(err, "%s", core->name);
	/* Each entry needs 24 bytes plus at least a NUL. */
	if (count > gr_cursor_left(&c) / 25)
		return core_error(core, GR_ERR_BAD_DATA,
				  "NT_FILE count %llu too large for %zu bytes",
				  (unsigned long long)count, len);
	if (page_size == 0 || page_size > (1u << 30) ||
	    (page_size & (page_size - 1)))
		return core_error(core, GR_ERR_BAD_DATA,
				  "NT_FILE page size %llu",
				  (unsigned long long)page_size);
	struct gr_core_file_map *files = calloc(count ? count : 1,
						sizeof(*files));
	if (!files)
		return gr_error_nomem();
	for (uint64_t i = 0; i < count; i++) {
		uint64_t pgoff;
		if ((err = gr_cursor_u64(&c, &files[i].start)) ||
		    (err = gr_cursor_u64(&c, &files[i].end)) ||
		    (err = gr_cursor_u64(&c, &pgoff))) {
			free(files);
			return gr_error_prefix(err, "%s", core->name);
		}
		if (pgoff > UINT64_MAX / page_size) {
			free(files);
			return core_error(core, GR_ERR_BAD_DATA,
					  "NT_FILE entry %llu: offset overflows",
					  (unsigned long long)i);
		}
		files[i].file_offset = pgoff * page_size;
	}
	for (uint64_t i = 0; i < count; i++) {
		err = gr_cursor_cstr(&c, &files[i].path, NULL);
		if (err) {
			free(files);
			return gr_error_prefix(err, "%s", core->name);
		}
	}
	free(core->files);
	core->files = files;
	core->nfiles = count;
	return NULL;
}

GR_MUST_USE
static struct gr_error *parse_notes(struct gr_core *core, const uint8_t *data,
				    size_t len)
{
	struct gr_cursor c;
	gr_cursor_init(&c, data, len, "PT_NOTE");
	while (gr_cursor_left(&c) >= GR_ELF_NHDR_SIZE) {
		struct gr_elf_note n;
		size_t at = c.off;
		struct gr_error *err = gr_cursor_elf_note(&c, &n);
		if (err)
			return gr_error_prefix(err, "%s", core->name);
		/* Only the "CORE" notes carry the kernel structures; LINUX
		 * notes (registers sets) are not needed here. */
		if (n.namesz < 4 || memcmp(n.name, "CORE", 4) != 0)
			continue;
		switch (n.type) {
		case NT_PRSTATUS:
			err = parse_prstatus(core, n.desc, n.descsz);
			break;
		case NT_PRPSINFO:
			err = parse_prpsinfo(core, n.desc, n.descsz);
			break;
		case NT_AUXV:
			err = parse_auxv(core, n.desc, n.descsz);
			break;
		case NT_FILE:
			err = parse_file(core, n.desc, n.descsz);
			break;
		default:
			err = NULL;
		}
		if (err)
			return gr_error_prefix(err, "note at PT_NOTE+0x%zx", at);
	}
	return NULL;
}

static unsigned prot_of(uint32_t flags)
{
	return (flags & PF_R ? GR_PROT_R : 0) | (flags & PF_W ? GR_PROT_W : 0) |
	       (flags & PF_X ? GR_PROT_X : 0);
}

GR_MUST_USE
static struct gr_error *parse_headers(struct gr_core *core)
{
	const uint8_t *d = core->data;
	if (core->size < EI_NIDENT || memcmp(d, ELFMAG, SELFMAG) != 0)
		return core_error(core, GR_ERR_BAD_DATA, "not an ELF file");
	if (d[EI_CLASS] != ELFCLASS64 || d[EI_DATA] != ELFDATA2LSB)
		return core_error(core, GR_ERR_UNSUPPORTED,
				  "not a 64-bit little-endian ELF file");
	if (core->size < sizeof(Elf64_Ehdr))
		return core_error(core, GR_ERR_BAD_DATA,
				  "truncated ELF header (%zu bytes)",
				  core->size);
	uint16_t type = gr_le16(d + offsetof(Elf64_Ehdr, e_type));
	uint16_t machine = gr_le16(d + offsetof(Elf64_Ehdr, e_machine));
	if (type != ET_CORE)
		return core_error(core, GR_ERR_BAD_DATA,
				  "ELF type %u is not a core dump", type);
	if (!gr_arch_of_machine(machine, &core->arch))
		return core_error(core, GR_ERR_UNSUPPORTED,
				  "core of machine %u; only x86-64 and AArch64 "
				  "are supported",
				  machine);
	uint64_t phoff = gr_le64(d + offsetof(Elf64_Ehdr, e_phoff));
	uint16_t phentsize = gr_le16(d + offsetof(Elf64_Ehdr, e_phentsize));
	uint64_t phnum = gr_le16(d + offsetof(Elf64_Ehdr, e_phnum));
	if (phentsize != sizeof(Elf64_Phdr))
		return core_error(core, GR_ERR_BAD_DATA,
				  "program header size %u", phentsize);
	/* PN_XNUM: the real count is in section 0's sh_info. */
	if (phnum == PN_XNUM) {
		uint64_t shoff = gr_le64(d + offsetof(Elf64_Ehdr, e_shoff));
		if (!gr_range_ok(core->size, shoff, sizeof(Elf64_Shdr)))
			return core_error(core, GR_ERR_BAD_DATA,
					  "truncated: section 0 missing for "
					  "PN_XNUM program headers");
		phnum = gr_le32(d + shoff + offsetof(Elf64_Shdr, sh_info));
	}
	if (!gr_range_ok(core->size, phoff, phnum * sizeof(Elf64_Phdr)))
		return core_error(core, GR_ERR_BAD_DATA,
				  "truncated: %llu program headers at 0x%llx "
				  "past end of file (%zu bytes)",
				  (unsigned long long)phnum,
				  (unsigned long long)phoff, core->size);
	core->loads = calloc(phnum ? phnum : 1, sizeof(*core->loads));
	if (!core->loads)
		return gr_error_nomem();
	core->expected_size = phoff + phnum * sizeof(Elf64_Phdr);
	bool have_note = false;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = d + phoff + i * sizeof(Elf64_Phdr);
		uint32_t p_type = gr_le32(ph + offsetof(Elf64_Phdr, p_type));
		uint32_t flags = gr_le32(ph + offsetof(Elf64_Phdr, p_flags));
		uint64_t off = gr_le64(ph + offsetof(Elf64_Phdr, p_offset));
		uint64_t vaddr = gr_le64(ph + offsetof(Elf64_Phdr, p_vaddr));
		uint64_t filesz = gr_le64(ph + offsetof(Elf64_Phdr, p_filesz));
		uint64_t memsz = gr_le64(ph + offsetof(Elf64_Phdr, p_memsz));
		if (off + filesz < off || vaddr + memsz < vaddr)
			return core_error(core, GR_ERR_BAD_DATA,
					  "program header %llu overflows",
					  (unsigned long long)i);
		if (off + filesz > core->expected_size)
			core->expected_size = off + filesz;
		if (p_type == PT_NOTE) {
			if (!gr_range_ok(core->size, off, filesz))
				return core_error(
					core, GR_ERR_BAD_DATA,
					"truncated: notes at 0x%llx+0x%llx past "
					"end of file (%zu bytes)",
					(unsigned long long)off,
					(unsigned long long)filesz, core->size);
			struct gr_error *err =
				parse_notes(core, d + off, (size_t)filesz);
			if (err)
				return err;
			have_note = true;
		} else if (p_type == PT_LOAD && memsz) {
			if (filesz > memsz)
				return core_error(core, GR_ERR_BAD_DATA,
						  "PT_LOAD %llu: FileSiz > MemSiz",
						  (unsigned long long)i);
			struct gr_core_load *l = &core->loads[core->nloads++];
			l->vaddr = vaddr;
			l->memsz = memsz;
			l->offset = off;
			l->filesz = filesz;
			l->prot = prot_of(flags);
			if (off >= core->size)
				l->present = 0;
			else
				l->present = filesz < core->size - off
						     ? filesz
						     : core->size - off;
		}
	}
	if (!have_note)
		return core_error(core, GR_ERR_BAD_DATA, "core has no PT_NOTE");
	if (!core->nthreads)
		return core_error(core, GR_ERR_BAD_DATA,
				  "core has no NT_PRSTATUS (no threads)");
	return NULL;
}

struct gr_error *gr_core_parse(const uint8_t *data, size_t size,
			       const char *name, struct gr_core **ret)
{
	struct gr_core *core = calloc(1, sizeof(*core));
	if (!core)
		return gr_error_nomem();
	core->data = data;
	core->size = size;
	core->name = strdup(name ? name : "core");
	if (!core->name) {
		free(core);
		return gr_error_nomem();
	}
	struct gr_error *err = parse_headers(core);
	if (err) {
		gr_core_destroy(core);
		return err;
	}
	*ret = core;
	return NULL;
}

void gr_core_destroy(struct gr_core *core)
{
	if (!core)
		return;
	free(core->threads);
	free(core->files);
	free(core->loads);
	free(core->auxv);
	free(core->name);
	free(core);
}

enum gr_arch gr_core_arch(const struct gr_core *core)
{
	return core->arch;
}

size_t gr_core_thread_count(const struct gr_core *core)
{
	return core->nthreads;
}

const struct gr_core_thread *gr_core_thread(const struct gr_core *core,
					    size_t i)
{
	return i < core->nthreads ? &core->threads[i] : NULL;
}

size_t gr_core_file_map_count(const struct gr_core *core)
{
	return core->nfiles;
}

const struct gr_core_file_map *gr_core_file_map(const struct gr_core *core,
						size_t i)
{
	return i < core->nfiles ? &core->files[i] : NULL;
}

size_t gr_core_load_count(const struct gr_core *core)
{
	return core->nloads;
}

const struct gr_core_load *gr_core_load(const struct gr_core *core, size_t i)
{
	return i < core->nloads ? &core->loads[i] : NULL;
}

const struct gr_core_process *gr_core_process(const struct gr_core *core)
{
	return &core->proc;
}

bool gr_core_auxv(const struct gr_core *core, uint64_t type, uint64_t *ret)
{
	for (size_t i = 0; i < core->nauxv; i++) {
		if (core->auxv[2 * i] == type) {
			*ret = core->auxv[2 * i + 1];
			return true;
		}
	}
	return false;
}

bool gr_core_truncated(const struct gr_core *core)
{
	return core->expected_size > core->size;
}

uint64_t gr_core_expected_size(const struct gr_core *core)
{
	return core->expected_size;
}

const struct gr_core_file_map *gr_core_file_map_at(const struct gr_core *core,
						   uint64_t addr)
{
	for (size_t i = 0; i < core->nfiles; i++)
		if (addr >= core->files[i].start && addr < core->files[i].end)
			return &core->files[i];
	return NULL;
}

/* Add [start, end) of a load's non-file tail, split at NT_FILE boundaries. */
GR_MUST_USE
static struct gr_error *add_tail(const struct gr_core *core, struct gr_mem *mem,
				 uint64_t start, uint64_t end, unsigned prot)
{
	uint64_t cur = start;
	while (cur < end) {
		const struct gr_core_file_map *f = gr_core_file_map_at(core, cur);
		uint64_t next = end;
		struct gr_mem_segment seg = {.start = cur, .prot = prot};
		if (f) {
			if (f->end < next)
				next = f->end;
			seg.source = GR_MEM_MISSING;
			seg.reason = "file-backed page not dumped";
		} else {
			/* Up to the next file mapping, anonymous: zeros. */
			for (size_t i = 0; i < core->nfiles; i++)
				if (core->files[i].start > cur &&
				    core->files[i].start < next)
					next = core->files[i].start;
			seg.source = GR_MEM_ZERO;
		}
		seg.end = next;
		struct gr_error *err = gr_mem_add(mem, &seg);
		if (err)
			return gr_error_prefix(err, "%s", core->name);
		cur = next;
	}
	return NULL;
}

struct gr_error *gr_core_add_to_mem(const struct gr_core *core,
				    struct gr_mem *mem)
{
	for (size_t i = 0; i < core->nloads; i++) {
		const struct gr_core_load *l = &core->loads[i];
		struct gr_error *err;
		if (l->present) {
			struct gr_mem_segment seg = {
				.start = l->vaddr,
				.end = l->vaddr + l->present,
				.source = GR_MEM_CORE,
				.prot = l->prot,
				.data = core->data + l->offset,
			};
			if ((err = gr_mem_add(mem, &seg)))
				return gr_error_prefix(err, "%s", core->name);
		}
		if (l->present < l->filesz) {
			struct gr_mem_segment seg = {
				.start = l->vaddr + l->present,
				.end = l->vaddr + l->filesz,
				.source = GR_MEM_MISSING,
				.prot = l->prot,
				.reason = "truncated core",
			};
			if ((err = gr_mem_add(mem, &seg)))
				return gr_error_prefix(err, "%s", core->name);
		}
		if (l->filesz < l->memsz) {
			err = add_tail(core, mem, l->vaddr + l->filesz,
				       l->vaddr + l->memsz, l->prot);
			if (err)
				return err;
		}
	}
	return NULL;
}
