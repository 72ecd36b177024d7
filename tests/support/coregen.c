/* SPDX-License-Identifier: MIT */
#include "tests/support/coregen.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cg_load {
	uint64_t vaddr, filesz, memsz;
	uint32_t flags;
	uint8_t *data;
};

struct coregen {
	struct cg_load loads[64];
	size_t nloads;
	uint8_t *notes;
	size_t notes_len;
	uint64_t auxv[64];
	size_t nauxv;
	struct {
		uint64_t start, end, pgoff;
		char path[256];
	} files[32];
	size_t nfiles;
	uint16_t machine; /* EM_X86_64 unless coregen_arm64 */
};

struct coregen *coregen_new(void)
{
	return calloc(1, sizeof(struct coregen));
}

void coregen_free(struct coregen *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nloads; i++)
		free(g->loads[i].data);
	free(g->notes);
	free(g);
}

void coregen_load(struct coregen *g, uint64_t vaddr, const void *data,
		  uint64_t filesz, uint64_t memsz, uint32_t pflags)
{
	struct cg_load *l = &g->loads[g->nloads++];
	l->vaddr = vaddr;
	l->filesz = filesz;
	l->memsz = memsz;
	l->flags = pflags;
	l->data = calloc(1, filesz ? filesz : 1);
	if (data)
		memcpy(l->data, data, filesz);
}

static void append_note(struct coregen *g, const char *name, uint32_t type,
			const void *desc, size_t len)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t nlen = (namesz + 3) & ~3u, dlen = (len + 3) & ~(size_t)3;
	size_t total = 12 + nlen + dlen;
	g->notes = realloc(g->notes, g->notes_len + total);
	uint8_t *p = g->notes + g->notes_len;
	memset(p, 0, total);
	uint32_t hdr[3] = {namesz, (uint32_t)len, type};
	memcpy(p, hdr, 12);
	memcpy(p + 12, name, namesz);
	memcpy(p + 12 + nlen, desc, len);
	g->notes_len += total;
}

void coregen_thread(struct coregen *g, int32_t tid, uint64_t rip,
		    uint64_t rsp, uint64_t fs_base)
{
	uint8_t d[336] = {0};
	memcpy(d + 32, &tid, 4);
	uint64_t *regs = (uint64_t *)(void *)(d + 112);
	regs[16] = rip;
	regs[19] = rsp;
	regs[21] = fs_base;
	append_note(g, "CORE", NT_PRSTATUS, d, sizeof(d));
}

void coregen_arm64(struct coregen *g)
{
	g->machine = EM_AARCH64;
}

void coregen_thread_arm64(struct coregen *g, int32_t tid, uint64_t pc,
			  uint64_t sp, uint64_t lr, uint64_t fp)
{
	/* struct elf_prstatus of arm64: user_pt_regs at 112, 392 bytes. */
	uint8_t d[392] = {0};
	memcpy(d + 32, &tid, 4);
	uint64_t *regs = (uint64_t *)(void *)(d + 112);
	regs[29] = fp;
	regs[30] = lr;
	regs[31] = sp;
	regs[32] = pc;
	append_note(g, "CORE", NT_PRSTATUS, d, sizeof(d));
}

void coregen_psinfo(struct coregen *g, int32_t pid, const char *fname,
		    const char *args)
{
	uint8_t d[136] = {0};
	memcpy(d + 24, &pid, 4);
	memcpy(d + 40, fname, strlen(fname) < 16 ? strlen(fname) : 16);
	memcpy(d + 56, args, strlen(args) < 80 ? strlen(args) : 80);
	append_note(g, "CORE", NT_PRPSINFO, d, sizeof(d));
}

void coregen_auxv(struct coregen *g, uint64_t type, uint64_t value)
{
	g->auxv[g->nauxv++] = type;
	g->auxv[g->nauxv++] = value;
}

void coregen_file(struct coregen *g, uint64_t start, uint64_t end,
		  uint64_t pgoff, const char *path)
{
	g->files[g->nfiles].start = start;
	g->files[g->nfiles].end = end;
	g->files[g->nfiles].pgoff = pgoff;
	snprintf(g->files[g->nfiles].path, sizeof(g->files[0].path), "%s", path);
	g->nfiles++;
}

void coregen_raw_note(struct coregen *g, uint32_t type, const void *desc,
		      size_t len)
{
	append_note(g, "CORE", type, desc, len);
}

static void finish_notes(struct coregen *g)
{
	if (g->nauxv) {
		uint64_t v[66];
		memcpy(v, g->auxv, g->nauxv * 8);
		v[g->nauxv] = AT_NULL;
		v[g->nauxv + 1] = 0;
		append_note(g, "CORE", NT_AUXV, v, (g->nauxv + 2) * 8);
		g->nauxv = 0;
	}
	if (g->nfiles) {
		size_t len = 16 + g->nfiles * 24;
		for (size_t i = 0; i < g->nfiles; i++)
			len += strlen(g->files[i].path) + 1;
		uint8_t *d = calloc(1, len);
		uint64_t hdr[2] = {g->nfiles, 4096};
		memcpy(d, hdr, 16);
		size_t off = 16;
		for (size_t i = 0; i < g->nfiles; i++) {
			uint64_t e[3] = {g->files[i].start, g->files[i].end,
					 g->files[i].pgoff};
			memcpy(d + off, e, 24);
			off += 24;
		}
		for (size_t i = 0; i < g->nfiles; i++) {
			size_t n = strlen(g->files[i].path) + 1;
			memcpy(d + off, g->files[i].path, n);
			off += n;
		}
		append_note(g, "CORE", NT_FILE, d, len);
		free(d);
		g->nfiles = 0;
	}
}

uint8_t *coregen_build(struct coregen *g, size_t *size_ret)
{
	finish_notes(g);
	size_t phnum = 1 + g->nloads;
	size_t off = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
	size_t notes_off = off;
	off += g->notes_len;
	size_t total = off;
	for (size_t i = 0; i < g->nloads; i++)
		total += g->loads[i].filesz;
	uint8_t *buf = calloc(1, total);
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = g->machine ? g->machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)phnum;
	memcpy(buf, &eh, sizeof(eh));
	Elf64_Phdr ph = {.p_type = PT_NOTE, .p_offset = notes_off,
			 .p_filesz = g->notes_len, .p_align = 4};
	memcpy(buf + eh.e_phoff, &ph, sizeof(ph));
	memcpy(buf + notes_off, g->notes, g->notes_len);
	for (size_t i = 0; i < g->nloads; i++) {
		struct cg_load *l = &g->loads[i];
		Elf64_Phdr lp = {.p_type = PT_LOAD, .p_flags = l->flags,
				 .p_offset = off, .p_vaddr = l->vaddr,
				 .p_filesz = l->filesz, .p_memsz = l->memsz,
				 .p_align = 4096};
		memcpy(buf + eh.e_phoff + (i + 1) * sizeof(Elf64_Phdr), &lp,
		       sizeof(lp));
		memcpy(buf + off, l->data, l->filesz);
		off += l->filesz;
	}
	*size_ret = total;
	return buf;
}

int coregen_write(struct coregen *g, const char *path)
{
	size_t size;
	uint8_t *buf = coregen_build(g, &size);
	FILE *f = fopen(path, "wb");
	int rc = -1;
	if (f) {
		rc = fwrite(buf, 1, size, f) == size ? 0 : -1;
		if (fclose(f))
			rc = -1;
	}
	free(buf);
	return rc;
}
