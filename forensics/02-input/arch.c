/* SPDX-License-Identifier: MIT */
#include "forensics/02-input/arch.h"

#include <elf.h>

bool gr_arch_of_machine(uint16_t machine, enum gr_arch *ret)
{
	switch (machine) {
	case EM_X86_64:
		*ret = GR_ARCH_AMD64;
		return true;
	case EM_AARCH64:
		*ret = GR_ARCH_ARM64;
		return true;
	default:
		return false;
	}
}

const char *gr_arch_name(enum gr_arch arch)
{
	return arch == GR_ARCH_ARM64 ? "arm64" : "amd64";
}
