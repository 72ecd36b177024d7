/* SPDX-License-Identifier: MIT */
/*
 * The amd64 decoder: hand-checked encodings (from the Intel SDM and what the
 * Go compiler emits), then every cached corpus binary's whole .text walked
 * linearly and compared with objdump's instruction boundaries and its
 * resolved RIP-relative and branch targets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/04-gobin/x86.h"
#include "tests/unit/corecache.h"

struct vec {
	const char *what;
	uint8_t b[15];
	uint8_t n;
	uint8_t len;
	bool rip;
	uint64_t target; /* rip_target or branch_target; pc is 0x1000 */
};

static const struct vec vecs[] = {
	{"lea rax,[rip+0x10]", {0x48, 0x8d, 0x05, 0x10, 0, 0, 0}, 7, 7, true,
	 0x1017},
	{"lea rcx,[rip-8]", {0x48, 0x8d, 0x0d, 0xf8, 0xff, 0xff, 0xff}, 7, 7,
	 true, 0xfff},
	{"call rel32", {0xe8, 0x00, 0x01, 0, 0}, 5, 5, false, 0x1105},
	{"jmp rel8 back", {0xeb, 0xfe}, 2, 2, false, 0x1000},
	{"jne rel32", {0x0f, 0x85, 0x10, 0, 0, 0}, 6, 6, false, 0x1016},
	{"mov rax,imm64", {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10, false, 0},
	{"mov eax,imm32", {0xb8, 1, 2, 3, 4}, 5, 5, false, 0},
	{"mov ax,imm16", {0x66, 0xb8, 1, 2}, 4, 4, false, 0},
	{"cmp qword [rip+4],0", {0x48, 0x83, 0x3d, 4, 0, 0, 0, 0}, 8, 8, true,
	 0x100c},
	{"test byte [rip+0],1", {0xf6, 0x05, 0, 0, 0, 0, 1}, 7, 7, true, 0x1007},
	{"not rax (F7 /2, no imm)", {0x48, 0xf7, 0xd0}, 3, 3, false, 0},
	{"mov [rsp+rbx*8+0x10],rax", {0x48, 0x89, 0x44, 0xdc, 0x10}, 5, 5,
	 false, 0},
	{"mov rax,[rbp*1+disp32]", {0x48, 0x8b, 0x04, 0x2d, 1, 0, 0, 0}, 8, 8,
	 false, 0},
	{"movups xmm0,[rip+0]", {0x0f, 0x10, 0x05, 0, 0, 0, 0}, 7, 7, true,
	 0x1007},
	{"pshufd xmm0,xmm1,0", {0x66, 0x0f, 0x70, 0xc1, 0}, 5, 5, false, 0},
	{"pshufb (0F38)", {0x66, 0x0f, 0x38, 0x00, 0xc1}, 5, 5, false, 0},
	{"palignr (0F3A)", {0x66, 0x0f, 0x3a, 0x0f, 0xc1, 4}, 6, 6, false, 0},
	{"vmovdqu ymm0,[rsi] (VEX2)", {0xc5, 0xfe, 0x6f, 0x06}, 4, 4, false, 0},
	{"vpshufb (VEX3 0F38)", {0xc4, 0xe2, 0x7d, 0x00, 0xc1}, 5, 5, false, 0},
	{"vzeroupper", {0xc5, 0xf8, 0x77}, 3, 3, false, 0},
	{"vmovdqu64 zmm0,[rsi] (EVEX)", {0x62, 0xf1, 0xfe, 0x48, 0x6f, 0x06}, 6,
	 6, false, 0},
	{"endbr64", {0xf3, 0x0f, 0x1e, 0xfa}, 4, 4, false, 0},
	{"lock cmpxchg [rdi],rcx", {0xf0, 0x48, 0x0f, 0xb1, 0x0f}, 5, 5, false,
	 0},
	{"ret", {0xc3}, 1, 1, false, 0},
	{"int3", {0xcc}, 1, 1, false, 0},
	{"mov fs:[-8],rax", {0x64, 0x48, 0x89, 0x04, 0x25, 0xf8, 0xff, 0xff,
			       0xff},
	 9, 9, false, 0},
};

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct gr_x86_insn in;
		if (!gr_x86_decode(v->b, v->n, 0x1000, &in))
			fail_msg("%s: not decoded", v->what);
		if (in.len != v->len)
			fail_msg("%s: length %u, want %u", v->what, in.len,
				 v->len);
		if (in.rip_rel != v->rip)
			fail_msg("%s: rip_rel %d", v->what, in.rip_rel);
		uint64_t got = in.rip_rel ? in.rip_target : in.branch_target;
		if (v->target && got != v->target)
			fail_msg("%s: target 0x%llx, want 0x%llx", v->what,
				 (unsigned long long)got,
				 (unsigned long long)v->target);
		/* Every prefix of the bytes is too short to decode. */
		for (uint8_t k = 0; k < v->len; k++)
			if (gr_x86_decode(v->b, k, 0x1000, &in))
				fail_msg("%s: decoded from %u of %u bytes",
					 v->what, k, v->len);
	}
	struct gr_x86_insn in;
	const uint8_t call[] = {0xe8, 0, 0, 0, 0};
	assert_true(gr_x86_decode(call, sizeof(call), 0x1000, &in));
	assert_true(in.is_call);
	const uint8_t lea[] = {0x48, 0x8d, 0x05, 0, 0, 0, 0};
	assert_true(gr_x86_decode(lea, sizeof(lea), 0x1000, &in));
	assert_true(in.is_lea);
	assert_int_equal(in.reg, 0);
	const uint8_t lea_r9[] = {0x4c, 0x8d, 0x0d, 0, 0, 0, 0};
	assert_true(gr_x86_decode(lea_r9, sizeof(lea_r9), 0x1000, &in));
	assert_int_equal(in.reg, 9);
	/* Invalid in 64-bit mode, and more than 15 bytes of prefixes. */
	const uint8_t bad[] = {0x06};
	assert_false(gr_x86_decode(bad, sizeof(bad), 0, &in));
	uint8_t many[16];
	memset(many, 0x66, sizeof(many));
	assert_false(gr_x86_decode(many, sizeof(many), 0, &in));
}

/* The .text section of @bin: file offset, address, size (readelf). */
static bool text_section(const char *bin, long *off, uint64_t *addr,
			 long *size)
{
	char cmd[CC_PATH + 128];
	snprintf(cmd, sizeof(cmd),
		 "readelf -SW '%s' | sed 's/\\[ */[/' | "
		 "awk '$2==\".text\"{print $5, $4, $6}'",
		 bin);
	FILE *p = popen(cmd, "r");
	if (!p)
		return false;
	unsigned long long a = 0;
	unsigned long o = 0, s = 0;
	int n = fscanf(p, "%lx %llx %lx", &o, &a, &s);
	pclose(p);
	*off = (long)o;
	*addr = a;
	*size = (long)s;
	return n == 3 && s > 0;
}

/* Walks @bin's .text and compares with objdump: every instruction start
 * objdump prints must be one the decoder reached, and its "# addr" or
 * branch destination must be the decoder's target. */
static void check_binary(const char *bin)
{
	long off = 0, size = 0;
	uint64_t addr = 0;
	if (!text_section(bin, &off, &addr, &size))
		fail_msg("%s: no .text", bin);
	uint8_t *code = malloc((size_t)size);
	assert_non_null(code);
	FILE *f = fopen(bin, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fread(code, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	/* target[i]: 0 if no instruction starts at addr+i, else 1 + its
	 * resolved target (or 1 when it has none). */
	uint64_t *target = calloc((size_t)size, sizeof(*target));
	assert_non_null(target);
	long at = 0, bad = 0;
	while (at < size) {
		struct gr_x86_insn in;
		if (!gr_x86_decode(code + at, (size_t)(size - at),
				   addr + (uint64_t)at, &in)) {
			bad++;
			at++;
			continue;
		}
		target[at] = 1 + (in.rip_rel ? in.rip_target
				  : (in.is_call || in.is_jmp || in.is_jcc)
				      ? in.branch_target
				      : 0);
		at += in.len;
	}
	if (bad)
		fail_msg("%s: %ld bytes not decoded", bin, bad);
	char cmd[CC_PATH + 128];
	snprintf(cmd, sizeof(cmd),
		 "objdump -d --no-show-raw-insn -j .text '%s'", bin);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[1024];
	size_t seen = 0, targets = 0;
	while (fgets(line, sizeof(line), p)) {
		char *colon = strchr(line, ':');
		char *end;
		unsigned long long a = strtoull(line, &end, 16);
		if (!colon || end != colon || end == line || a < addr ||
		    a >= addr + (uint64_t)size)
			continue;
		size_t i = (size_t)(a - addr);
		if (!target[i])
			fail_msg("%s: objdump has an instruction at 0x%llx",
				 bin, a);
		seen++;
		/* "# 5b5d38 <sym>" or "call 4012a0 <sym>". */
		char *hash = strstr(colon, "# ");
		char *lt = strchr(colon, '<');
		unsigned long long want = 0;
		if (hash)
			want = strtoull(hash + 2, NULL, 16);
		else if (lt && lt > colon + 2) {
			char *q = lt - 1;
			while (q > colon && *q == ' ')
				q--;
			while (q > colon && q[-1] != ' ' && q[-1] != '\t')
				q--;
			want = strtoull(q, NULL, 16);
		}
		if (want) {
			targets++;
			if (target[i] != 1 + want)
				fail_msg("%s: 0x%llx: target 0x%llx, objdump "
					 "0x%llx",
					 bin, a,
					 (unsigned long long)(target[i] - 1),
					 want);
		}
	}
	pclose(p);
	if (seen < 1000 || targets < 100)
		fail_msg("%s: objdump listed %zu instructions", bin, seen);
	free(target);
	free(code);
}

static void test_corpus_binaries_match_objdump(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	size_t done = 0;
	for (size_t i = 0; i < set.n; i++) {
		/* PIE code differs only in addresses: the exe builds
		 * suffice (objdump dominates the time). */
		if (strcmp(set.v[i].variant, "leakymap-exe") != 0)
			continue;
		char bin[CC_PATH + 8];
		snprintf(bin, sizeof(bin), "%s/bin", set.v[i].dir);
		check_binary(bin);
		done++;
	}
	cc_free(&set);
	assert_true(done > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_corpus_binaries_match_objdump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
