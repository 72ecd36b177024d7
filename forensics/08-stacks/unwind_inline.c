/* SPDX-License-Identifier: MIT */
/*
 * Logical frames: the calls inlined at a frame's pc, from FUNCDATA_InlTree
 * and PCDATA_InlTreeIndex, as runtime/symtabinl.go inlineUnwinder (1.21+)
 * and the inline loop of runtime/traceback.go gentraceback (1.19) walk
 * them.  The inlinedCall record:
 *   Go 1.19:  {parent int16, funcID uint8, _ byte, file int32, line int32,
 *              func_ int32 (nameOff), parentPc int32}        20 bytes
 *   Go 1.20+: {funcID uint8, _ [3]byte, nameOff int32, parentPc int32,
 *              startLine int32}                              16 bytes
 * Both walk the same way: the index at pc names the innermost inlined
 * call; entry + parentPc is a pc whose index names its caller; -1 means
 * the physical function.
 */
#include <string.h>

#include "forensics/08-stacks/unwind_internal.h"

enum {
	/* The runtime types the tree as *[1 << 20]inlinedCall. */
	MAX_INL_INDEX = 1 << 20,
	/* Deeper inlining than this is a corrupt table. */
	MAX_INL_DEPTH = 256,
};

static const char *name_at(const struct gr_unwind *u, int32_t off)
{
	const uint8_t *p;
	if (off < 0 || (uint64_t)off >= u->funcnametab_len)
		return "?";
	size_t len = u->funcnametab_len - (uint64_t)off;
	struct gr_error *err =
		gr_mem_view(u->mem, u->funcnametab + (uint64_t)off, len, &p);
	if (err) {
		gr_error_destroy(err);
		return "?";
	}
	return memchr(p, '\0', len) ? (const char *)p : "?";
}

static void line_at(const struct gr_unwind *u, const struct gr_pcln_func *fn,
		    uint64_t pc, struct gr_logical_frame *lf)
{
	const char *file = "";
	int32_t line = 0;
	struct gr_error *err = gr_pcln_line(u->pcln, fn, pc, &file, &line);
	if (err) {
		gr_error_destroy(err);
		file = "";
		line = 0;
	}
	lf->file = file ? file : "";
	lf->line = line;
}

/* Read inline record @idx: funcID, nameOff, parentPc.  False on fault. */
static bool inl_record(const struct gr_unwind *u, uint64_t tree, int32_t idx,
		       uint8_t *func_id, int32_t *name_off, int32_t *parent_pc)
{
	uint8_t r[20];
	size_t size = u->inl_old ? 20 : 16;
	struct gr_error *err =
		gr_mem_read(u->mem, tree + (uint64_t)idx * size, r, size);
	if (err) {
		gr_error_destroy(err);
		return false;
	}
	if (u->inl_old) {
		*func_id = r[2];
		memcpy(name_off, r + 12, 4);
		memcpy(parent_pc, r + 16, 4);
	} else {
		*func_id = r[0];
		memcpy(name_off, r + 4, 4);
		memcpy(parent_pc, r + 8, 4);
	}
	return true;
}

static void put(struct gr_logical_frame *out, size_t max, size_t *n,
		const struct gr_logical_frame *lf)
{
	if (*n < max)
		out[*n] = *lf;
	(*n)++;
}

/* FUNCDATA_InlTree of @fn, 0 if none. */
static uint64_t inl_tree(const struct gr_unwind *u,
			 const struct gr_pcln_func *fn)
{
	uint64_t tree = 0;
	struct gr_error *err = gr_pcln_funcdata_addr(
		u->pcln, fn, GR_FUNCDATA_INL_TREE, u->gofunc, &tree);
	if (err) {
		gr_error_destroy(err);
		return 0;
	}
	return tree;
}

/* The innermost inlined call at @pc as a logical frame; false when @pc is
 * in the physical function itself (index -1) or the table is unusable. */
static bool inlined_at(const struct gr_unwind *u, const struct gr_pcln_func *fn,
		       uint64_t tree, uint64_t *pc,
		       struct gr_logical_frame *lf)
{
	int32_t idx, name_off, parent_pc;
	uint8_t func_id;
	struct gr_error *err = gr_pcln_pcdata(
		u->pcln, fn, GR_PCDATA_INL_TREE_INDEX, *pc, &idx);
	if (err) {
		gr_error_destroy(err);
		return false;
	}
	if (idx < 0 || idx >= MAX_INL_INDEX ||
	    !inl_record(u, tree, idx, &func_id, &name_off, &parent_pc) ||
	    parent_pc < 0 || fn->entry + (uint64_t)parent_pc >= fn->end)
		return false;
	memset(lf, 0, sizeof(*lf));
	lf->func = name_at(u, name_off);
	lf->inlined = true;
	lf->wrapper = u->have_wrapper_id && func_id == u->wrapper_id;
	line_at(u, fn, *pc, lf);
	*pc = fn->entry + (uint64_t)parent_pc;
	return true;
}

void gr_unwind_logical(const struct gr_unwind *u, const struct gr_frame *f,
		       struct gr_logical_frame *out, size_t max, size_t *n_ret)
{
	struct gr_logical_frame lf = {.func = f->func, .file = f->file,
				      .line = f->line};
	lf.wrapper = u->have_wrapper_id && f->func_id == u->wrapper_id;
	size_t n = 0;
	struct gr_pcln_func fn;
	struct gr_error *err = gr_pcln_func_at(u->pcln, f->func_index, &fn);
	if (err) {
		gr_error_destroy(err);
	} else {
		uint64_t tree = inl_tree(u, &fn), pc = gr_frame_sym_pc(f);
		struct gr_logical_frame in;
		for (int depth = 0; tree && depth < MAX_INL_DEPTH &&
				    inlined_at(u, &fn, tree, &pc, &in);
		     depth++)
			put(out, max, &n, &in);
		/* The physical function's line is that of the outermost
		 * inlined call site. */
		if (n > 0)
			line_at(u, &fn, pc, &lf);
	}
	put(out, max, &n, &lf);
	*n_ret = n;
}

bool gr_logical_frame_shown(const struct gr_logical_frame *lf,
			    bool callee_panics)
{
	/* traceback.go showfuncinfo and elideWrapperCalling. */
	if (lf->wrapper && !callee_panics)
		return false;
	const char *name = lf->func;
	if (!strchr(name, '.'))
		return false;
	if (strncmp(name, "runtime.", 8) != 0)
		return true;
	if (strcmp(name, "runtime.gopanic") == 0)
		return true;
	return name[8] >= 'A' && name[8] <= 'Z';
}
