/* SPDX-License-Identifier: MIT */
/*
 * The note payloads of a Linux x86-64 core goretain reads, as the kernel
 * writes them: struct elf_prstatus and struct elf_prpsinfo of
 * include/uapi/linux/elfcore.h (glibc's sys/procfs.h prstatus_t and
 * prpsinfo_t are the same bytes), with x86-64's 8-byte longs, 4-byte
 * __kernel_pid_t and __kernel_uid_t, and elf_gregset_t of 27 registers in
 * struct user_regs_struct order (arch/x86/include/asm/user_64.h).
 * Unchanged since Linux 2.6; gdb and elfutils read the same offsets.
 */
#ifndef GR_LAYOUTS_ELFCORE_H
#define GR_LAYOUTS_ELFCORE_H

/* struct elf_prstatus. */
enum {
	/* short pr_cursig, after struct elf_siginfo pr_info (3 ints). */
	GR_PRSTATUS_CURSIG = 12,
	/* pr_sigpend, pr_sighold (unsigned long) come first. */
	GR_PRSTATUS_PID = 32,
	/* elf_gregset_t pr_reg, after pr_pid, pr_ppid, pr_pgrp, pr_sid and
	 * four struct timevals (pr_utime .. pr_cstime). */
	GR_PRSTATUS_REG = 112,
	/* pr_reg's 27 * 8 bytes, int pr_fpvalid, padding. */
	GR_PRSTATUS_SIZE = 336,
};

/* struct elf_prstatus of linux/arm64 (arch/arm64/include/asm/elf.h):
 * the same head, elf_gregset_t = struct user_pt_regs {regs[31], sp, pc,
 * pstate} (arch/arm64/include/uapi/asm/ptrace.h), int pr_fpvalid and
 * padding. */
enum {
	GR_PRSTATUS_ARM64_REGS = 34,
	GR_PRSTATUS_ARM64_SIZE = 392,
};

/* struct elf_prpsinfo. */
enum {
	/* char pr_sname: the state letter; pr_state is the number at 0. */
	GR_PRPSINFO_SNAME = 1,
	/* pr_uid, pr_gid, pr_pid, pr_ppid: 4 bytes each, after
	 * pr_state..pr_nice (4 chars) and unsigned long pr_flag at 8. */
	GR_PRPSINFO_UID = 16,
	GR_PRPSINFO_GID = 20,
	GR_PRPSINFO_PID = 24,
	GR_PRPSINFO_PPID = 28,
	/* char pr_fname[16], after pr_pgrp and pr_sid. */
	GR_PRPSINFO_FNAME = 40,
	GR_PRPSINFO_FNAME_LEN = 16,
	/* char pr_psargs[ELF_PRARGSZ = 80]: the end of the struct. */
	GR_PRPSINFO_PSARGS = 56,
	GR_PRPSINFO_PSARGS_LEN = 80,
	GR_PRPSINFO_SIZE = 136,
};

#endif /* GR_LAYOUTS_ELFCORE_H */
