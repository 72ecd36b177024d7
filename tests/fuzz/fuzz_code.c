/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for gr_codetypes' scan of machine code (codetypes.h):
 * the bytes are one function's code, decoded with gr_x86 and followed
 * through every path, its stack slots, loops and calls, and the records
 * made of it read back.  The same bytes are also mapped where the
 * module's type data would be, so that the scan's descriptor and itab
 * checks read something; data and bss are mapped as zeros beside them, so
 * stores into globals and their loads take every branch.
 *
 * Errors are fine; crashes, leaks, hangs and sanitizer reports are not.
 * Seeds: functions of a Go binary's .text (fuzz.mk).
 */
#include <stdint.h>
#include <stdlib.h>

#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/codetypes.h"
#include "forensics/04-gobin/moduledata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	TEXT = 0x401000,
	TYPES = 0x500000,
	DATA = 0x600000,
	BSS = 0x601000,
	END = 0x602000,
};

static void add(struct gr_mem *mem, uint64_t start, uint64_t end,
		const uint8_t *bytes)
{
	struct gr_mem_segment seg = {
		.start = start,
		.end = end,
		.source = bytes ? GR_MEM_EXE : GR_MEM_ZERO,
		.prot = GR_PROT_R,
		.data = bytes,
	};
	struct gr_error *err = gr_mem_add(mem, &seg);
	if (err)
		abort(); /* disjoint by construction */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size || size > TYPES - TEXT)
		return 0;
	struct gr_mem *mem = NULL;
	if (gr_mem_create(&mem))
		abort();
	add(mem, TEXT, TEXT + size, data);
	add(mem, TYPES, TYPES + size, data);
	add(mem, DATA, END, NULL);
	struct gr_moduledata md = {
		.text = TEXT,
		.etext = TEXT + size,
		.types = TYPES,
		.etypes = TYPES + size,
		.data = DATA,
		.edata = BSS,
		.bss = BSS,
		.ebss = END,
		.noptrbss = END,
		.enoptrbss = END,
	};
	struct gr_codetypes *c = NULL;
	struct gr_error *err = gr_codetypes_scan_one(mem, &md, TEXT, size, &c);
	if (err) {
		if (c)
			abort();
		gr_error_destroy(err);
	} else {
		uint64_t last = 0;
		for (size_t i = 0; i < gr_codetypes_count(c); i++) {
			const struct gr_codetype *r = gr_codetypes_get(c, i);
			/* One record per word, sorted, each findable. */
			if ((i && r->addr <= last) ||
			    gr_codetypes_find(c, r->addr) != r)
				abort();
			last = r->addr;
		}
		for (size_t i = 0; i < gr_codetypes_value_count(c); i++)
			if (!gr_codetypes_value_get(c, i)->type)
				abort();
		for (int64_t d = -64; d <= 512; d += 8)
			(void)gr_codetypes_frame(c, TEXT, d);
		const char *name;
		if (gr_codetypes_user(c, DATA, END, &name))
			abort(); /* no pclntab: no names */
		gr_codetypes_destroy(c);
	}
	gr_mem_destroy(mem);
	return 0;
}
