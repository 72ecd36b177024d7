/* SPDX-License-Identifier: MIT */
/*
 * coregen: a small ELF core writer for tests.  Builds minimal and malformed
 * x86-64 cores in memory: PT_LOAD segments and the CORE notes goretain
 * reads (NT_PRSTATUS, NT_PRPSINFO, NT_AUXV, NT_FILE).
 */
#ifndef GR_COREGEN_H
#define GR_COREGEN_H

#include <stddef.h>
#include <stdint.h>

struct coregen;

struct coregen *coregen_new(void);
void coregen_free(struct coregen *g);
/* A PT_LOAD at @vaddr: @filesz bytes of @data (may be NULL: zeros), @memsz in memory. */
void coregen_load(struct coregen *g, uint64_t vaddr, const void *data,
		  uint64_t filesz, uint64_t memsz, uint32_t pflags);
void coregen_thread(struct coregen *g, int32_t tid, uint64_t rip,
		    uint64_t rsp, uint64_t fs_base);
/* An AArch64 core (e_machine), and a thread of one (NT_PRSTATUS with
 * struct user_pt_regs). */
void coregen_arm64(struct coregen *g);
void coregen_thread_arm64(struct coregen *g, int32_t tid, uint64_t pc,
			  uint64_t sp, uint64_t lr, uint64_t fp);
void coregen_psinfo(struct coregen *g, int32_t pid, const char *fname,
		    const char *args);
void coregen_auxv(struct coregen *g, uint64_t type, uint64_t value);
void coregen_file(struct coregen *g, uint64_t start, uint64_t end,
		  uint64_t pgoff, const char *path);
/* Any raw note (name "CORE"), for malformed-note tests. */
void coregen_raw_note(struct coregen *g, uint32_t type, const void *desc,
		      size_t len);
/* Serialise; the buffer is malloc'd and owned by the caller. */
uint8_t *coregen_build(struct coregen *g, size_t *size_ret);
/* Serialise to a file; returns 0 on success. */
int coregen_write(struct coregen *g, const char *path);

#endif /* GR_COREGEN_H */
