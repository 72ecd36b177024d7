/* SPDX-License-Identifier: MIT */
/*
 * gr_x86: a bounded amd64 instruction decoder, just deep enough to read the
 * code the Go compiler emits.
 *
 * Some facts goretain needs are written nowhere but in the machine code:
 * which type descriptor a function passes to runtime.newobject before it
 * stores a func literal's PC (the layout of a closure on Go releases whose
 * DWARF has no DW_AT_go_closure_offset), or which address a runtime function
 * loads (a runtime global in a binary without symbols).  The decoder gives
 * each instruction's length, its opcode, and the two kinds of operand those
 * questions ask about: a RIP-relative memory operand (resolved to an absolute
 * address) and a direct branch target.  It reads only the bytes it is given
 * and never more than 15 per instruction; anything it cannot decode ends the
 * walk (the caller then knows nothing, rather than something wrong).
 */
#ifndef GR_X86_H
#define GR_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gr_x86_map {
	GR_X86_MAP_1 = 0,    /* one-byte opcodes */
	GR_X86_MAP_0F = 1,   /* 0F xx */
	GR_X86_MAP_0F38 = 2, /* 0F 38 xx */
	GR_X86_MAP_0F3A = 3, /* 0F 3A xx */
};

struct gr_x86_insn {
	uint64_t pc;	 /* address of the first byte */
	uint8_t len;	 /* total length in bytes, 1..15 */
	uint8_t map;	 /* enum gr_x86_map */
	uint8_t opcode;	 /* the opcode byte within its map */
	bool has_modrm;
	uint8_t mod, reg, rm; /* ModRM fields; reg and rm extended by REX (0..15) */
	bool rex_w;
	/* A RIP-relative memory operand: rip_target = pc + len + disp32. */
	bool rip_rel;
	uint64_t rip_target;
	/* A memory operand on SP with no index: sp_disp(SP), a slot of
	 * the frame. */
	bool sp_rel;
	int32_t sp_disp;
	/* A direct CALL/JMP/Jcc rel8/rel32: its destination. */
	bool is_call, is_jmp, is_jcc;
	uint64_t branch_target;
	bool is_ret;
	/* LEA r64, [rip+disp32]: reg is the destination. */
	bool is_lea;
};

/* Decodes the instruction at code[0..avail) whose address is pc.  Returns
 * false when the bytes are not an instruction this decoder knows (or are cut
 * short); *out is then undefined. */
bool gr_x86_decode(const uint8_t *code, size_t avail, uint64_t pc,
		   struct gr_x86_insn *out);

#endif /* GR_X86_H */
