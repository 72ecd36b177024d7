/* SPDX-License-Identifier: MIT */
/*
 * A table-driven amd64 length decoder (see x86.h for why it exists).
 *
 * The opcode maps follow the Intel SDM volume 2, appendix A (opcode maps,
 * 64-bit mode): for each opcode, whether a ModRM byte follows and the size
 * of the immediate.  Opcodes invalid in 64-bit mode end the walk.  VEX
 * (C4/C5) and EVEX (62) forms are sized by their map, as the runtime's
 * assembly (memmove, memclr, the AES hash) uses them; nothing here looks
 * at what they compute.
 */
#include <string.h>

#include "forensics/04-gobin/x86.h"

/* Immediate kinds. */
enum {
	I_NONE,
	I_8,
	I_16,
	I_Z,	  /* 16 with the 66 prefix, else 32 */
	I_V,	  /* 64 with REX.W (MOV r64, imm64), else as I_Z */
	I_16_8,	  /* ENTER: 16 then 8 */
	I_MOFFS,  /* address-sized: 8 bytes, 4 with 67 */
	I_REL8,	  /* branch displacement */
	I_REL32,  /* branch displacement (16 with 66: never in Go code) */
	I_GRP3,	  /* F6/F7: imm only when ModRM.reg is 0 or 1 */
	I_BAD,	  /* invalid in 64-bit mode */
	I_PREFIX, /* handled before the table */
};

struct op {
	unsigned char modrm : 1;
	unsigned char imm : 7;
};

#define M(i) {1, i}
#define N(i) {0, i}
#define ALU M(I_NONE), M(I_NONE), M(I_NONE), M(I_NONE), N(I_8), N(I_Z)

static const struct op map1[256] = {
	/* 00 */ ALU, N(I_BAD), N(I_BAD),
	/* 08 */ ALU, N(I_BAD), N(I_PREFIX),
	/* 10 */ ALU, N(I_BAD), N(I_BAD),
	/* 18 */ ALU, N(I_BAD), N(I_BAD),
	/* 20 */ ALU, N(I_PREFIX), N(I_BAD),
	/* 28 */ ALU, N(I_PREFIX), N(I_BAD),
	/* 30 */ ALU, N(I_PREFIX), N(I_BAD),
	/* 38 */ ALU, N(I_PREFIX), N(I_BAD),
	/* 40-4F: REX, handled as prefixes */
	[0x40 ... 0x4f] = N(I_PREFIX),
	[0x50 ... 0x5f] = N(I_NONE),
	[0x60] = N(I_BAD), [0x61] = N(I_BAD), [0x62] = N(I_PREFIX),
	[0x63] = M(I_NONE), [0x64 ... 0x67] = N(I_PREFIX),
	[0x68] = N(I_Z), [0x69] = M(I_Z), [0x6a] = N(I_8), [0x6b] = M(I_8),
	[0x6c ... 0x6f] = N(I_NONE),
	[0x70 ... 0x7f] = N(I_REL8),
	[0x80] = M(I_8), [0x81] = M(I_Z), [0x82] = N(I_BAD), [0x83] = M(I_8),
	[0x84 ... 0x8f] = M(I_NONE),
	[0x90 ... 0x99] = N(I_NONE), [0x9a] = N(I_BAD),
	[0x9b ... 0x9f] = N(I_NONE),
	[0xa0 ... 0xa3] = N(I_MOFFS), [0xa4 ... 0xa7] = N(I_NONE),
	[0xa8] = N(I_8), [0xa9] = N(I_Z), [0xaa ... 0xaf] = N(I_NONE),
	[0xb0 ... 0xb7] = N(I_8), [0xb8 ... 0xbf] = N(I_V),
	[0xc0] = M(I_8), [0xc1] = M(I_8), [0xc2] = N(I_16), [0xc3] = N(I_NONE),
	[0xc4] = N(I_PREFIX), [0xc5] = N(I_PREFIX), [0xc6] = M(I_8),
	[0xc7] = M(I_Z), [0xc8] = N(I_16_8), [0xc9] = N(I_NONE),
	[0xca] = N(I_16), [0xcb] = N(I_NONE), [0xcc] = N(I_NONE),
	[0xcd] = N(I_8), [0xce] = N(I_BAD), [0xcf] = N(I_NONE),
	[0xd0 ... 0xd3] = M(I_NONE), [0xd4 ... 0xd6] = N(I_BAD),
	[0xd7] = N(I_NONE), [0xd8 ... 0xdf] = M(I_NONE),
	[0xe0 ... 0xe3] = N(I_REL8), [0xe4 ... 0xe7] = N(I_8),
	[0xe8] = N(I_REL32), [0xe9] = N(I_REL32), [0xea] = N(I_BAD),
	[0xeb] = N(I_REL8), [0xec ... 0xef] = N(I_NONE),
	[0xf0] = N(I_PREFIX), [0xf1] = N(I_NONE), [0xf2] = N(I_PREFIX),
	[0xf3] = N(I_PREFIX), [0xf4] = N(I_NONE), [0xf5] = N(I_NONE),
	[0xf6] = M(I_GRP3), [0xf7] = M(I_GRP3), [0xf8 ... 0xfd] = N(I_NONE),
	[0xfe] = M(I_NONE), [0xff] = M(I_NONE),
};

static const struct op map0f[256] = {
	[0x00 ... 0x03] = M(I_NONE), [0x04] = N(I_BAD), [0x05] = N(I_NONE),
	[0x06] = N(I_NONE), [0x07] = N(I_NONE), [0x08] = N(I_NONE),
	[0x09] = N(I_NONE), [0x0a] = N(I_BAD), [0x0b] = N(I_NONE),
	[0x0c] = N(I_BAD), [0x0d] = M(I_NONE), [0x0e] = N(I_NONE),
	[0x0f] = M(I_8), /* 3DNow!: the suffix byte reads as an imm8 */
	[0x10 ... 0x1f] = M(I_NONE), [0x20 ... 0x23] = M(I_NONE),
	[0x24 ... 0x27] = N(I_BAD), [0x28 ... 0x2f] = M(I_NONE),
	[0x30 ... 0x35] = N(I_NONE), [0x36] = N(I_BAD), [0x37] = N(I_NONE),
	[0x38] = N(I_PREFIX), [0x39] = N(I_BAD), [0x3a] = N(I_PREFIX),
	[0x3b ... 0x3f] = N(I_BAD),
	[0x40 ... 0x6f] = M(I_NONE), [0x70 ... 0x73] = M(I_8),
	[0x74 ... 0x76] = M(I_NONE), [0x77] = N(I_NONE),
	[0x78 ... 0x7f] = M(I_NONE),
	[0x80 ... 0x8f] = N(I_REL32), [0x90 ... 0x9f] = M(I_NONE),
	[0xa0 ... 0xa2] = N(I_NONE), [0xa3] = M(I_NONE), [0xa4] = M(I_8),
	[0xa5] = M(I_NONE), [0xa6] = N(I_BAD), [0xa7] = N(I_BAD),
	[0xa8 ... 0xaa] = N(I_NONE), [0xab] = M(I_NONE), [0xac] = M(I_8),
	[0xad ... 0xb9] = M(I_NONE), [0xba] = M(I_8),
	[0xbb ... 0xc1] = M(I_NONE), [0xc2] = M(I_8), [0xc3] = M(I_NONE),
	[0xc4 ... 0xc6] = M(I_8), [0xc7] = M(I_NONE),
	[0xc8 ... 0xcf] = N(I_NONE), [0xd0 ... 0xff] = M(I_NONE),
};

#undef ALU
#undef M
#undef N

/* VEX/EVEX maps 1-3: whether an opcode carries an imm8. */
static bool vex_imm8(unsigned map, uint8_t op)
{
	if (map == GR_X86_MAP_0F3A)
		return true;
	if (map == GR_X86_MAP_0F)
		return (op >= 0x70 && op <= 0x73) || op == 0xc2 ||
		       (op >= 0xc4 && op <= 0xc6);
	return false;
}

/* ModRM, SIB and displacement from p[*at]; fills the RIP-relative flag and
 * the (not yet resolved) displacement. */
static bool modrm_bytes(const uint8_t *p, size_t n, size_t *at,
			struct gr_x86_insn *in, bool rex_r, bool rex_x,
			bool rex_b, int32_t *disp)
{
	if (*at >= n)
		return false;
	uint8_t m = p[(*at)++];
	in->has_modrm = true;
	in->mod = m >> 6;
	in->reg = (uint8_t)(((m >> 3) & 7) | (rex_r ? 8 : 0));
	in->rm = (uint8_t)((m & 7) | (rex_b ? 8 : 0));
	size_t dlen = 0;
	if (in->mod != 3 && (m & 7) == 4) {
		if (*at >= n)
			return false;
		uint8_t sib = p[(*at)++];
		if (in->mod == 0 && (sib & 7) == 5)
			dlen = 4;
		/* Base SP, no index: a slot of the stack frame. */
		else if ((sib & 7) == 4 && !rex_b && ((sib >> 3) & 7) == 4 &&
			 !rex_x)
			in->sp_rel = true;
	}
	if (in->mod == 0 && (m & 7) == 5) {
		in->rip_rel = true;
		dlen = 4;
	} else if (in->mod == 1) {
		dlen = 1;
	} else if (in->mod == 2) {
		dlen = 4;
	}
	if (n - *at < dlen)
		return false;
	if (dlen == 4) {
		uint32_t u = (uint32_t)p[*at] | (uint32_t)p[*at + 1] << 8 |
			     (uint32_t)p[*at + 2] << 16 |
			     (uint32_t)p[*at + 3] << 24;
		memcpy(disp, &u, sizeof(u));
	} else if (dlen == 1) {
		*disp = (int8_t)p[*at];
	}
	*at += dlen;
	if (in->sp_rel)
		in->sp_disp = *disp;
	return true;
}

static int64_t signed_le(const uint8_t *p, size_t len)
{
	uint64_t u = 0;
	for (size_t i = 0; i < len; i++)
		u |= (uint64_t)p[i] << (8 * i);
	if (len < 8 && (u >> (8 * len - 1)) & 1)
		u |= ~(uint64_t)0 << (8 * len);
	int64_t s;
	memcpy(&s, &u, sizeof(s));
	return s;
}

bool gr_x86_decode(const uint8_t *code, size_t avail, uint64_t pc,
		   struct gr_x86_insn *out)
{
	size_t n = avail < 15 ? avail : 15, at = 0;
	bool opsize = false, addrsize = false, rex_w = false, rex_r = false,
	     rex_x = false, rex_b = false;
	memset(out, 0, sizeof(*out));
	out->pc = pc;
	/* Legacy prefixes, then at most one REX immediately before the
	 * opcode (a REX followed by a legacy prefix is ignored by the CPU;
	 * the compiler never emits that, so it ends the walk). */
	for (;;) {
		if (at >= n)
			return false;
		uint8_t b = code[at];
		if (b == 0x66) {
			opsize = true;
		} else if (b == 0x67) {
			addrsize = true;
		} else if (b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e ||
			   b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 ||
			   b == 0x65) {
			/* lock, rep, segment overrides */
		} else {
			break;
		}
		at++;
	}
	if (at < n && (code[at] & 0xf0) == 0x40) {
		uint8_t rex = code[at++];
		rex_w = rex & 8;
		rex_r = rex & 4;
		rex_x = rex & 2;
		rex_b = rex & 1;
	}
	if (at >= n)
		return false;
	uint8_t b = code[at++];
	unsigned map = GR_X86_MAP_1;
	const struct op *op;
	int32_t disp = 0;
	if (b == 0xc4 || b == 0xc5 || b == 0x62) {
		/* VEX3 C4 RXBmmmmm WvvvvLpp; VEX2 C5 RvvvvLpp; EVEX 62 P0 P1
		 * P2.  R, X, B are stored inverted. */
		size_t plen = b == 0xc5 ? 1 : b == 0xc4 ? 2 : 3;
		if (n - at < plen + 1)
			return false;
		const uint8_t *v = code + at;
		if (b == 0xc5) {
			map = GR_X86_MAP_0F;
			rex_r = !(v[0] & 0x80);
		} else {
			rex_r = !(v[0] & 0x80);
			rex_x = !(v[0] & 0x40);
			rex_b = !(v[0] & 0x20);
			rex_w = v[1] & 0x80;
			map = v[0] & (b == 0x62 ? 0x07 : 0x1f);
		}
		if (map < GR_X86_MAP_0F || map > GR_X86_MAP_0F3A)
			return false;
		at += plen;
		out->map = (uint8_t)map;
		out->opcode = code[at++];
		out->rex_w = rex_w;
		/* VZEROUPPER/VZEROALL (VEX 0F 77) have no ModRM. */
		if (!(map == GR_X86_MAP_0F && out->opcode == 0x77 && b != 0x62) &&
		    !modrm_bytes(code, n, &at, out, rex_r, rex_x, rex_b, &disp))
			return false;
		if (vex_imm8(map, out->opcode)) {
			if (at >= n)
				return false;
			at++;
		}
		goto done;
	}
	if (b == 0x0f) {
		if (at >= n)
			return false;
		b = code[at++];
		if (b == 0x38 || b == 0x3a) {
			map = b == 0x38 ? GR_X86_MAP_0F38 : GR_X86_MAP_0F3A;
			if (at >= n)
				return false;
			out->map = (uint8_t)map;
			out->opcode = code[at++];
			out->rex_w = rex_w;
			if (!modrm_bytes(code, n, &at, out, rex_r, rex_x, rex_b, &disp))
				return false;
			if (map == GR_X86_MAP_0F3A) {
				if (at >= n)
					return false;
				at++;
			}
			goto done;
		}
		map = GR_X86_MAP_0F;
		op = &map0f[b];
	} else {
		op = &map1[b];
	}
	out->map = (uint8_t)map;
	out->opcode = b;
	out->rex_w = rex_w;
	if (op->imm == I_BAD || op->imm == I_PREFIX)
		return false;
	if (op->modrm && !modrm_bytes(code, n, &at, out, rex_r, rex_x, rex_b, &disp))
		return false;
	size_t ilen = 0;
	switch (op->imm) {
	case I_8:
	case I_REL8:
		ilen = 1;
		break;
	case I_16:
		ilen = 2;
		break;
	case I_Z:
	case I_REL32:
		ilen = opsize && !rex_w ? 2 : 4;
		break;
	case I_V:
		ilen = rex_w ? 8 : opsize ? 2 : 4;
		break;
	case I_16_8:
		ilen = 3;
		break;
	case I_MOFFS:
		ilen = addrsize ? 4 : 8;
		break;
	case I_GRP3:
		if ((out->reg & 7) <= 1)
			ilen = b == 0xf6 ? 1 : (opsize && !rex_w ? 2 : 4);
		break;
	default:
		break;
	}
	if (n - at < ilen)
		return false;
	if (op->imm == I_REL8 || op->imm == I_REL32) {
		int64_t rel = signed_le(code + at, ilen);
		out->branch_target = pc + at + ilen + (uint64_t)rel;
		if (map == GR_X86_MAP_1 && b == 0xe8)
			out->is_call = true;
		else if (map == GR_X86_MAP_1 && (b == 0xe9 || b == 0xeb))
			out->is_jmp = true;
		else if ((map == GR_X86_MAP_1 && b >= 0x70 && b <= 0x7f) ||
			 map == GR_X86_MAP_0F)
			out->is_jcc = true;
		/* E0-E3 (loop, jrcxz) stay plain: Go never emits them. */
	}
	at += ilen;
	if (map == GR_X86_MAP_1 && (b == 0xc3 || b == 0xc2))
		out->is_ret = true;
	if (map == GR_X86_MAP_1 && b == 0x8d && out->rip_rel)
		out->is_lea = true;
done:
	out->len = (uint8_t)at;
	if (out->rip_rel)
		out->rip_target = pc + at + (uint64_t)(int64_t)disp;
	return true;
}
