/* SPDX-License-Identifier: MIT */
/*
 * Which DWARF variable occupies a stack slot.
 *
 * Go describes a variable kept on the stack with DW_OP_fbreg N or
 * DW_OP_call_frame_cfa (N = 0); the frame base is DW_OP_call_frame_cfa and
 * on amd64 the CFA of a Go function is the caller's SP before the CALL,
 * i.e. the unwinder's frame.fp (cmd/link/internal/ld/dwarf.go writes the
 * CIE rule "CFA = SP + 8" at entry).  Optimised code gives most variables
 * location lists instead (cmd/compile/internal/ssa/debug.go): per pc range,
 * a sequence of pieces each in a register or at CFA+N.  Up to Go 1.24 the
 * lists are DWARF 4 .debug_loc (begin/end pairs after a base-address
 * entry); from 1.25 DWARF 5 .debug_loclists, written as
 * DW_LLE_base_addressx (the function's start: PutLocationListDwarf5) then
 * DW_LLE_offset_pair entries.  The base index points into .debug_addr;
 * since Go always uses the enclosing function's entry, that entry (from
 * DW_AT_low_pc) is used instead of resolving the index.
 */
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/cursor.h"
#include "forensics/02-input/exe.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/05-session/session.h"
#include "forensics/09-roots/stackroots_internal.h"

enum {
	DW_OP_addr = 0x03,
	DW_OP_reg0 = 0x50,
	DW_OP_reg31 = 0x6f,
	DW_OP_regx = 0x90,
	DW_OP_fbreg = 0x91,
	DW_OP_piece = 0x93,
	DW_OP_call_frame_cfa = 0x9c,

	DW_LLE_end_of_list = 0,
	DW_LLE_base_addressx = 1,
	DW_LLE_startx_endx = 2,
	DW_LLE_startx_length = 3,
	DW_LLE_offset_pair = 4,
	DW_LLE_default_location = 5,
	DW_LLE_base_address = 6,
	DW_LLE_start_end = 7,
	DW_LLE_start_length = 8,

	/* More entries than this in one list is a corrupt list. */
	MAX_LIST_ENTRIES = 1 << 16,
	MAX_PIECES = 64,
};

struct gr_sr_names {
	const struct gr_dwarf *d;
	uint64_t bias;
	const uint8_t *loc; /* .debug_loc or .debug_loclists */
	size_t loc_size;
	bool v5;
};

struct gr_error *stackroots_names_create(struct gr_session *s,
				    struct gr_sr_names **ret)
{
	struct gr_sr_names *nm = calloc(1, sizeof(*nm));
	if (!nm)
		return gr_error_nomem();
	nm->d = gr_session_dwarf(s);
	nm->bias = gr_session_load_bias(s);
	nm->v5 = gr_dwarf_version(nm->d) >= 5;
	struct gr_exe *exe = gr_session_exe(s);
	const char *sec[2] = {".debug_loclists", ".debug_loc"};
	for (int i = nm->v5 ? 0 : 1; i < 2 && !nm->loc; i++) {
		struct gr_error *err =
			gr_exe_section_bytes(exe, sec[i], &nm->loc, &nm->loc_size);
		if (err) {
			/* The executable's DWARF lacks it: no names; not damage. */
			gr_error_destroy(err);
			nm->loc = NULL;
			continue;
		}
		nm->v5 = i == 0;
	}
	*ret = nm;
	return NULL;
}

void stackroots_names_destroy(struct gr_sr_names *nm)
{
	free(nm);
}

void stackroots_vars_free(struct gr_sr_vars *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->cap = 0;
}

static bool sleb(struct gr_cursor *c, int64_t *ret)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		struct gr_error *err = gr_cursor_u8(c, &b);
		if (err || shift > 63) {
			/* The executable's DWARF location list: not damage. */
			gr_error_destroy(err);
			return false;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	*ret = (int64_t)v;
	return true;
}

static bool uleb(struct gr_cursor *c, uint64_t *ret)
{
	struct gr_error *err = gr_cursor_uvarint(c, ret);
	/* The executable's DWARF location list: not damage. */
	gr_error_destroy(err);
	return !err;
}

GR_MUST_USE
static struct gr_error *push(struct gr_sr_vars *out,
			     const struct gr_sr_piece *p)
{
	struct gr_error *err = gr_array_grow(&out->p, &out->cap, out->n, 1);
	if (err)
		return err;
	out->p[out->n++] = *p;
	return NULL;
}

/*
 * Decode a location expression of @var: its stack pieces go to @out.
 * Fails on a memory allocation failure only.
 */
GR_MUST_USE
static struct gr_error *decode_expr(const struct gr_dwarf *d,
				    const struct gr_dwarf_var *var,
				    const uint8_t *expr, size_t len,
				    struct gr_sr_vars *out)
{
	struct gr_sr_piece pieces[MAX_PIECES];
	bool stack[MAX_PIECES], bare[MAX_PIECES];
	struct gr_cursor c;
	gr_cursor_init(&c, expr, len, "DWARF expression");
	uint64_t var_off = 0, u;
	int n = 0;
	/* Location of the piece being described. */
	bool on_stack = false, cfa_only = false;
	int64_t off = 0;
	while (gr_cursor_left(&c) > 0 && n < MAX_PIECES) {
		uint8_t op;
		struct gr_error *err = gr_cursor_u8(&c, &op);
		if (!err && op == DW_OP_call_frame_cfa) {
			on_stack = cfa_only = true;
			off = 0;
		} else if (!err && op == DW_OP_fbreg) {
			if (!sleb(&c, &off))
				return NULL;
			on_stack = true;
			cfa_only = false;
		} else if (!err && op >= DW_OP_reg0 && op <= DW_OP_reg31) {
			on_stack = false;
		} else if (!err && op == DW_OP_regx) {
			if (!uleb(&c, &u))
				return NULL;
			on_stack = false;
		} else if (!err && op == DW_OP_addr) {
			err = gr_cursor_u64(&c, &u);
			on_stack = false;
		} else if (!err && op == DW_OP_piece) {
			if (!uleb(&c, &u))
				return NULL;
			pieces[n] = (struct gr_sr_piece){off, u, var_off, var->name,
							 var->type, false};
			stack[n] = on_stack;
			bare[n] = cfa_only;
			n++;
			var_off += u;
			on_stack = cfa_only = false;
		} else if (!err) {
			return NULL; /* an operation Go does not emit here */
		}
		if (err) {
			gr_error_destroy(err);
			return NULL;
		}
	}
	if (n == 0) {
		/* A variable of unknown size names no slot (it used to claim
		 * 8 bytes, a guess). */
		struct gr_sr_piece p = {off, 0, 0, var->name, var->type, false};
		return on_stack && gr_dwarf_type_size(d, var->type, &p.size)
			       ? push(out, &p)
			       : NULL;
	}
	for (int i = 0; i < n; i++) {
		pieces[i].weak = bare[i] && n > 1;
		struct gr_error *err;
		if (stack[i] && (err = push(out, &pieces[i])))
			return err;
	}
	return NULL;
}

/* The expression of list @off that covers link-time @pc, if any. */
static bool find_in_list(const struct gr_sr_names *nm, uint64_t off,
			 uint64_t fn_low, uint64_t pc, const uint8_t **expr,
			 size_t *len)
{
	struct gr_cursor c;
	gr_cursor_init(&c, nm->loc, nm->loc_size, "location list");
	struct gr_error *err = gr_cursor_seek(&c, off);
	if (err) {
		/* The executable's DWARF location list: not damage. */
		gr_error_destroy(err);
		return false;
	}
	uint64_t base = fn_low;
	for (int i = 0; i < MAX_LIST_ENTRIES; i++) {
		uint64_t lo, hi, n;
		uint8_t kind = DW_LLE_offset_pair;
		if (nm->v5) {
			if ((err = gr_cursor_u8(&c, &kind)))
				break;
			if (kind == DW_LLE_end_of_list)
				return false;
			if (kind == DW_LLE_base_addressx) {
				if (!uleb(&c, &n))
					return false;
				base = fn_low;
				continue;
			}
			if (kind == DW_LLE_base_address) {
				if ((err = gr_cursor_u64(&c, &base)))
					break;
				continue;
			}
			if (kind != DW_LLE_offset_pair)
				return false; /* not written by Go */
			if (!uleb(&c, &lo) || !uleb(&c, &hi) || !uleb(&c, &n))
				return false;
		} else {
			uint16_t n16;
			if ((err = gr_cursor_u64(&c, &lo)) ||
			    (err = gr_cursor_u64(&c, &hi)))
				break;
			if (lo == 0 && hi == 0)
				return false;
			if (lo == UINT64_MAX) {
				base = hi;
				continue;
			}
			if ((err = gr_cursor_u16(&c, &n16)))
				break;
			n = n16;
		}
		const uint8_t *e;
		if ((err = gr_cursor_bytes(&c, n, &e)))
			break;
		if (pc >= base + lo && pc < base + hi) {
			*expr = e;
			*len = (size_t)n;
			return true;
		}
	}
	/* The executable's DWARF location list: not damage. */
	gr_error_destroy(err);
	return false;
}

struct gr_error *stackroots_frame_vars(struct gr_sr_names *nm, uint64_t pc,
				  struct gr_sr_vars *out)
{
	out->n = 0;
	if (!gr_dwarf_present(nm->d) || pc < nm->bias)
		return NULL;
	uint64_t lpc = pc - nm->bias;
	const struct gr_dwarf_function *fn = gr_dwarf_function_at(nm->d, lpc);
	if (!fn)
		return NULL;
	for (uint32_t i = 0; i < fn->nvars; i++) {
		const struct gr_dwarf_var *v = gr_dwarf_function_var(nm->d, fn, i);
		const uint8_t *e = NULL;
		size_t len = 0;
		struct gr_error *err = NULL;
		if (!v)
			continue;
		if (v->loc == GR_DWARF_LOC_FRAME) {
			struct gr_sr_piece p = {v->frame_offset, 0, 0, v->name,
						v->type, false};
			if (gr_dwarf_type_size(nm->d, v->type, &p.size))
				err = push(out, &p);
		} else if (v->loc == GR_DWARF_LOC_EXPR) {
			err = decode_expr(nm->d, v, v->expr, v->expr_len, out);
		} else if (v->loc == GR_DWARF_LOC_LOCLIST && nm->loc &&
			   find_in_list(nm, v->loclist, fn->low_pc, lpc, &e,
					&len)) {
			err = decode_expr(nm->d, v, e, len, out);
		}
		if (err)
			return err;
	}
	return NULL;
}

const struct gr_sr_piece *stackroots_lookup(const struct gr_sr_vars *v,
				       uint64_t cfa, uint64_t addr,
				       uint64_t *var_off)
{
	const struct gr_sr_piece *best = NULL;
	uint64_t best_off = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct gr_sr_piece *p = &v->p[i];
		uint64_t start = cfa + (uint64_t)p->cfa_off;
		if (addr < start || addr - start >= p->size)
			continue;
		uint64_t off = p->var_off + (addr - start);
		/* Prefer a firm location, then the start of a variable. */
		if (!best || (best->weak && !p->weak) ||
		    (best->weak == p->weak && off < best_off)) {
			best = p;
			best_off = off;
		}
	}
	if (best)
		*var_off = best_off;
	return best;
}
