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

/* A read of the core that failed: recorded in @damage, or (NULL: see
 * gr_unwind_logical) let go; anything but a FAULT is returned. */
GR_MUST_USE
static struct gr_error *fault(struct gr_damage_list *damage,
			      struct gr_error *err, const char *what)
{
	if (damage)
		return gr_damage_fault(damage, err, what);
	gr_error_catch(&err, GR_ERR_BIT(FAULT));
	return err;
}

/* The function name at @off of funcnametab; "?" when out of range or not
 * in the core. */
GR_MUST_USE
static struct gr_error *name_at(const struct gr_unwind *u, int32_t off,
				struct gr_damage_list *damage, const char **ret)
{
	const uint8_t *p;
	*ret = "?";
	if (off < 0 || (uint64_t)off >= u->funcnametab_len)
		return NULL;
	size_t len = u->funcnametab_len - (uint64_t)off;
	struct gr_error *err =
		gr_mem_view(u->mem, u->funcnametab + (uint64_t)off, len, &p);
	if (err)
		return fault(damage, err, "function name");
	if (memchr(p, '\0', len))
		*ret = (const char *)p;
	return NULL;
}

static void line_at(const struct gr_unwind *u, const struct gr_pcln_func *fn,
		    uint64_t pc, struct gr_logical_frame *lf)
{
	const char *file = "";
	int32_t line = 0;
	/* The executable's pclntab, not the core: an entry it lacks is no
	 * damage, only a frame without a line. */
	struct gr_error *err = gr_pcln_line(u->pcln, fn, pc, &file, &line);
	if (err) {
		gr_error_destroy(err);
		file = "";
		line = 0;
	}
	lf->file = file ? file : "";
	lf->line = line;
}

/* Read inline record @idx: funcID, nameOff, parentPc; *@ok false when the
 * core does not hold it. */
GR_MUST_USE
static struct gr_error *inl_record(const struct gr_unwind *u,
				   struct gr_damage_list *damage, uint64_t tree,
				   int32_t idx, uint8_t *func_id,
				   int32_t *name_off, int32_t *parent_pc,
				   bool *ok)
{
	uint8_t r[20];
	size_t size = u->inl_old ? 20 : 16;
	*ok = false;
	struct gr_error *err =
		gr_mem_read(u->mem, tree + (uint64_t)idx * size, r, size);
	if (err)
		return fault(damage, err, "inline record");
	if (u->inl_old) {
		*func_id = r[2];
		memcpy(name_off, r + 12, 4);
		memcpy(parent_pc, r + 16, 4);
	} else {
		*func_id = r[0];
		memcpy(name_off, r + 4, 4);
		memcpy(parent_pc, r + 8, 4);
	}
	*ok = true;
	return NULL;
}

static void put(struct gr_logical_frame *out, size_t max, size_t *n,
		const struct gr_logical_frame *lf)
{
	if (*n < max)
		out[*n] = *lf;
	(*n)++;
}

/* FUNCDATA_InlTree of @fn, 0 if none (the executable's pclntab: a
 * function without one is no damage). */
static uint64_t inl_tree(const struct gr_unwind *u,
			 const struct gr_pcln_func *fn)
{
	uint64_t tree = 0;
	struct gr_error *err = gr_pcln_funcdata_addr(
		u->pcln, fn, GR_FUNCDATA_INL_TREE, u->gofunc, &tree);
	if (err) {
		/* The executable's pclntab: no inline tree is not damage. */
		gr_error_destroy(err);
		return 0;
	}
	return tree;
}

/* The innermost inlined call at @pc as a logical frame; *@ret false when
 * @pc is in the physical function itself (index -1) or the table is
 * unusable. */
GR_MUST_USE
static struct gr_error *inlined_at(const struct gr_unwind *u,
				   struct gr_damage_list *damage,
				   const struct gr_pcln_func *fn, uint64_t tree,
				   uint64_t *pc, struct gr_logical_frame *lf,
				   bool *ret)
{
	int32_t idx, name_off, parent_pc;
	uint8_t func_id;
	bool ok;
	*ret = false;
	/* The pclntab is the executable's: no entry is no damage. */
	struct gr_error *err = gr_pcln_pcdata(
		u->pcln, fn, GR_PCDATA_INL_TREE_INDEX, *pc, &idx);
	if (err) {
		gr_error_destroy(err);
		return NULL;
	}
	if (idx < 0 || idx >= MAX_INL_INDEX)
		return NULL;
	if ((err = inl_record(u, damage, tree, idx, &func_id, &name_off,
			      &parent_pc, &ok)) ||
	    !ok)
		return err;
	if (parent_pc < 0 || fn->entry + (uint64_t)parent_pc >= fn->end)
		return NULL;
	memset(lf, 0, sizeof(*lf));
	if ((err = name_at(u, name_off, damage, &lf->func)))
		return err;
	lf->inlined = true;
	lf->wrapper = u->have_wrapper_id && func_id == u->wrapper_id;
	line_at(u, fn, *pc, lf);
	*pc = fn->entry + (uint64_t)parent_pc;
	*ret = true;
	return NULL;
}

struct gr_error *gr_unwind_logical(const struct gr_unwind *u,
				   const struct gr_frame *f,
				   struct gr_damage_list *damage,
				   struct gr_logical_frame *out, size_t max,
				   size_t *n_ret)
{
	struct gr_logical_frame lf = {.func = f->func, .file = f->file,
				      .line = f->line};
	lf.wrapper = u->have_wrapper_id && f->func_id == u->wrapper_id;
	size_t n = 0;
	struct gr_pcln_func fn;
	/* The executable's pclntab: a function it lacks is no damage. */
	struct gr_error *err = gr_pcln_func_at(u->pcln, f->func_index, &fn);
	if (err) {
		gr_error_destroy(err);
	} else {
		uint64_t tree = inl_tree(u, &fn), pc = gr_frame_sym_pc(f);
		struct gr_logical_frame in;
		bool more = tree != 0;
		for (int depth = 0; more && depth < MAX_INL_DEPTH; depth++) {
			if ((err = inlined_at(u, damage, &fn, tree, &pc, &in,
					      &more)))
				return err;
			if (more)
				put(out, max, &n, &in);
		}
		/* The physical function's line is that of the outermost
		 * inlined call site. */
		if (n > 0)
			line_at(u, &fn, pc, &lf);
	}
	put(out, max, &n, &lf);
	*n_ret = n;
	return NULL;
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
