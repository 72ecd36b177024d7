/* SPDX-License-Identifier: MIT */
/*
 * The architectures goretain reads, taken from the files themselves (the
 * ELF header's e_machine): never from the host.  Both are 64-bit
 * little-endian, as the readers assume.
 */
#ifndef GR_ARCH_H
#define GR_ARCH_H

#include <stdbool.h>
#include <stdint.h>

enum gr_arch {
	GR_ARCH_AMD64,
	GR_ARCH_ARM64,
};

/* The architecture of ELF machine @machine (EM_X86_64, EM_AARCH64);
 * false for any other. */
bool gr_arch_of_machine(uint16_t machine, enum gr_arch *ret);
/* Go's name: "amd64", "arm64". */
const char *gr_arch_name(enum gr_arch arch);

#endif
