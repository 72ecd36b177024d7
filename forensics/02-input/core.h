/* SPDX-License-Identifier: MIT */
/*
 * gr_core: an ELF core file of a linux/amd64 or linux/arm64 process, parsed
 * defensively (the architecture is the file's e_machine, arch.h).
 *
 * Parses the program headers (PT_LOAD, PT_NOTE) and the notes goretain needs:
 * NT_PRSTATUS (one per thread, with registers), NT_PRPSINFO (command line),
 * NT_AUXV (AT_ENTRY, AT_PHDR for the PIE load bias), NT_FILE (file-backed
 * mappings).  Every offset and count is checked against the bytes present;
 * a core cut short is reported as truncated, not trusted.
 *
 * The core bytes are borrowed (normally an mmap owned by gr_input) and must
 * outlive the gr_core.
 */
#ifndef GR_CORE_H
#define GR_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/arch.h"
#include "forensics/02-input/mem.h"

/* x86-64 user_regs_struct, in the kernel's order (sys/user.h). */
struct gr_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};

/* arm64 struct user_pt_regs: x0-x30 (x29 the frame pointer, x30 the link
 * register), sp, pc, pstate. */
struct gr_regs_arm64 {
	uint64_t x[31], sp, pc, pstate;
};

struct gr_core_thread {
	int32_t tid;
	int32_t signo; /* pr_cursig: the signal being delivered, if any */
	struct gr_regs regs;		 /* amd64; zero for arm64 */
	struct gr_regs_arm64 regs_arm64; /* arm64; zero for amd64 */
	/* Either architecture's: the program counter and stack pointer. */
	uint64_t pc, sp;
};

/* One NT_FILE entry. */
struct gr_core_file_map {
	uint64_t start, end;
	uint64_t file_offset; /* byte offset in the file */
	const char *path;     /* NUL-terminated, points into the core */
};

/* One PT_LOAD header, with how many of its file bytes the core really has. */
struct gr_core_load {
	uint64_t vaddr, memsz;
	uint64_t offset, filesz;
	uint64_t present; /* <= filesz; less when the core is truncated */
	unsigned prot;	  /* enum gr_mem_prot bits */
};

struct gr_core_process {
	bool have_psinfo;
	int32_t pid, ppid, uid, gid;
	char state;
	char fname[17];	  /* pr_fname, NUL-terminated */
	char psargs[81];  /* pr_psargs, NUL-terminated */
};

struct gr_core;

/*
 * Parse @size bytes at @data.  @name names the core in errors.  Fails with
 * BAD_DATA for what is not an ELF core, UNSUPPORTED for a core of another
 * architecture or class.
 */
GR_MUST_USE
struct gr_error *gr_core_parse(const uint8_t *data, size_t size,
			       const char *name, struct gr_core **ret);
void gr_core_destroy(struct gr_core *core);

enum gr_arch gr_core_arch(const struct gr_core *core);
size_t gr_core_thread_count(const struct gr_core *core);
const struct gr_core_thread *gr_core_thread(const struct gr_core *core,
					    size_t i);
size_t gr_core_file_map_count(const struct gr_core *core);
const struct gr_core_file_map *gr_core_file_map(const struct gr_core *core,
						size_t i);
size_t gr_core_load_count(const struct gr_core *core);
const struct gr_core_load *gr_core_load(const struct gr_core *core, size_t i);
const struct gr_core_process *gr_core_process(const struct gr_core *core);
/* Value of auxv entry @type (AT_ENTRY = 9, AT_PHDR = 3); false if absent. */
bool gr_core_auxv(const struct gr_core *core, uint64_t type, uint64_t *ret);
/* True if the file is shorter than its program headers say. */
bool gr_core_truncated(const struct gr_core *core);
/* The file size the program headers imply. */
uint64_t gr_core_expected_size(const struct gr_core *core);
/* The file-backed mapping containing @addr, or NULL. */
const struct gr_core_file_map *gr_core_file_map_at(const struct gr_core *core,
						   uint64_t addr);

/*
 * Lay the core's PT_LOAD segments into @mem: bytes present in the file as
 * CORE, bytes cut off by truncation as MISSING "truncated core", and the
 * FileSiz..MemSiz tail as ZERO for anonymous memory (never touched) or
 * MISSING "file page not dumped" where NT_FILE says a file backs it (the
 * caller can fill those from the executable with gr_mem_fill_missing()).
 */
GR_MUST_USE
struct gr_error *gr_core_add_to_mem(const struct gr_core *core,
				    struct gr_mem *mem);

#endif /* GR_CORE_H */
