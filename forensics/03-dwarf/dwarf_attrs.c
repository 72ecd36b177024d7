/* SPDX-License-Identifier: MIT */
/*
 * One DIE's attributes.  Each attribute the index uses is read only when
 * its form is one of the classes we expect for it, so that a producer's
 * unusual but legal choice (a C VLA's byte size as an expression, say)
 * drops the attribute instead of failing the whole open; a libdwarf
 * failure on an expected form is corruption and becomes BAD_DATA.
 */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <libdwarf/dwarf.h>
#include <inttypes.h>
#include <string.h>

/* cmd/internal/dwarf (Go 1.23+): a closure's captured variable's offset in
 * its closure struct; libdwarf's dwarf.h stops at 0x2906. */
enum { GR_DW_AT_go_closure_offset = 0x2907 };

struct gr_error *dwarfi_lib_error(Dwarf_Debug dbg, Dwarf_Error e,
				    const char *path, uint64_t off,
				    const char *what)
{
	const char *msg = e ? dwarf_errmsg(e) : "unknown libdwarf error";
	struct gr_error *err = gr_error_create(
		GR_ERR_BAD_DATA, "%s: .debug_info+0x%" PRIx64 ": %s: %s", path,
		off, what, msg ? msg : "?");
	if (e)
		dwarf_dealloc_error(dbg, e);
	return err;
}

static bool form_is_const(Dwarf_Half form)
{
	switch (form) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		return true;
	default:
		return false;
	}
}

static bool form_is_ref(Dwarf_Half form)
{
	switch (form) {
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
	case DW_FORM_ref_udata:
	case DW_FORM_ref_addr:
		return true;
	default:
		return false;
	}
}

static bool form_is_addr(Dwarf_Half form)
{
	switch (form) {
	case DW_FORM_addr:
	case DW_FORM_addrx:
	case DW_FORM_addrx1:
	case DW_FORM_addrx2:
	case DW_FORM_addrx3:
	case DW_FORM_addrx4:
	case DW_FORM_GNU_addr_index:
		return true;
	default:
		return false;
	}
}

static bool form_is_block(Dwarf_Half form)
{
	switch (form) {
	case DW_FORM_block1:
	case DW_FORM_block2:
	case DW_FORM_block4:
	case DW_FORM_block:
	case DW_FORM_exprloc:
		return true;
	default:
		return false;
	}
}

/* One attribute's reading context, to keep the readers' signatures short. */
struct attr_ctx {
	Dwarf_Debug dbg;
	Dwarf_Attribute attr;
	Dwarf_Half form;
	Dwarf_Error e;
};

/*
 * Constants as debug/dwarf reads them: DW_FORM_sdata/implicit_const signed,
 * the fixed-size and udata forms unsigned.
 */
static int read_const(struct attr_ctx *c, uint64_t *ret)
{
	if (c->form == DW_FORM_sdata || c->form == DW_FORM_implicit_const) {
		Dwarf_Signed v = 0;
		int r = dwarf_formsdata(c->attr, &v, &c->e);
		*ret = (uint64_t)v;
		return r;
	}
	Dwarf_Unsigned v = 0;
	int r = dwarf_formudata(c->attr, &v, &c->e);
	*ret = v;
	return r;
}

static int read_ref(struct attr_ctx *c, uint64_t *ret)
{
	if (!form_is_ref(c->form))
		return DW_DLV_NO_ENTRY;
	Dwarf_Off v = 0;
	int r = dwarf_global_formref(c->attr, &v, &c->e);
	*ret = v;
	return r;
}

static int read_addr(struct attr_ctx *c, uint64_t *ret)
{
	if (!form_is_addr(c->form))
		return DW_DLV_NO_ENTRY;
	Dwarf_Addr v = 0;
	int r = dwarf_formaddr(c->attr, &v, &c->e);
	*ret = v;
	return r;
}

static int read_flag(struct attr_ctx *c, bool *ret)
{
	if (c->form == DW_FORM_flag_present) {
		*ret = true;
		return DW_DLV_OK;
	}
	if (c->form != DW_FORM_flag)
		return DW_DLV_NO_ENTRY;
	Dwarf_Bool v = 0;
	int r = dwarf_formflag(c->attr, &v, &c->e);
	*ret = v != 0;
	return r;
}

/* Point at a block's bytes (inside the section; libdwarf's wrapper freed). */
static int read_block(struct attr_ctx *c, const uint8_t **data, size_t *len)
{
	if (c->form == DW_FORM_exprloc) {
		Dwarf_Unsigned n = 0;
		Dwarf_Ptr p = NULL;
		int r = dwarf_formexprloc(c->attr, &n, &p, &c->e);
		*data = p;
		*len = n;
		return r;
	}
	Dwarf_Block *b = NULL;
	int r = dwarf_formblock(c->attr, &b, &c->e);
	if (r == DW_DLV_OK) {
		*data = b->bl_data;
		*len = b->bl_len;
		dwarf_dealloc(c->dbg, b, DW_DLA_BLOCK);
	}
	return r;
}

/* DW_AT_location: a single expression or a location list. */
static int read_location(struct attr_ctx *c, struct gr_dwarf_attrs *a)
{
	if (form_is_block(c->form)) {
		int r = read_block(c, &a->loc, &a->loc_len);
		if (r == DW_DLV_OK)
			a->loc_kind = GR_DWARF_ATTR_LOC_BLOCK;
		return r;
	}
	/*
	 * DWARF 4 and 5 (Go) say DW_FORM_sec_offset, which libdwarf's
	 * formudata refuses; DWARF 2/3 producers said data4/data8.
	 * DW_FORM_loclistx (an index, not an offset) is left unread.
	 */
	int r = DW_DLV_NO_ENTRY;
	if (c->form == DW_FORM_sec_offset) {
		Dwarf_Off v = 0;
		r = dwarf_global_formref(c->attr, &v, &c->e);
		a->loclist = v;
	} else if (c->form == DW_FORM_data4 || c->form == DW_FORM_data8) {
		r = read_const(c, &a->loclist);
	}
	if (r == DW_DLV_OK)
		a->loc_kind = GR_DWARF_ATTR_LOC_LOCLIST;
	return r;
}

/* DW_AT_data_member_location: a constant or DW_OP_plus_uconst N. */
static int read_member_offset(struct attr_ctx *c, struct gr_dwarf_attrs *a)
{
	if (form_is_const(c->form)) {
		int r = read_const(c, &a->member_offset);
		a->has_member_offset = r == DW_DLV_OK;
		return r;
	}
	if (!form_is_block(c->form))
		return DW_DLV_NO_ENTRY;
	const uint8_t *p;
	size_t n;
	int r = read_block(c, &p, &n);
	if (r != DW_DLV_OK || n < 2 || p[0] != DW_OP_plus_uconst)
		return r;
	uint64_t v = 0;
	for (size_t i = 1, shift = 0; i < n && shift < 64; i++, shift += 7) {
		v |= (uint64_t)(p[i] & 0x7f) << shift;
		if (!(p[i] & 0x80))
			break;
	}
	a->member_offset = v;
	a->has_member_offset = true;
	return DW_DLV_OK;
}

static int read_high_pc(struct attr_ctx *c, struct gr_dwarf_attrs *a)
{
	int r;
	if (form_is_addr(c->form)) {
		r = read_addr(c, &a->high_pc);
	} else if (form_is_const(c->form)) {
		r = read_const(c, &a->high_pc);
		a->high_pc_is_offset = true;
	} else {
		return DW_DLV_NO_ENTRY;
	}
	a->has_high_pc = r == DW_DLV_OK;
	return r;
}

static int read_one(struct attr_ctx *c, Dwarf_Half at, struct gr_dwarf_attrs *a)
{
	uint64_t v = 0;
	int r = DW_DLV_NO_ENTRY;
	bool flag = false;
	switch (at) {
	case DW_AT_name:
		if (c->form == DW_FORM_string || c->form == DW_FORM_strp ||
		    c->form == DW_FORM_line_strp || c->form == DW_FORM_strx ||
		    c->form == DW_FORM_strx1 || c->form == DW_FORM_strx2 ||
		    c->form == DW_FORM_strx3 || c->form == DW_FORM_strx4) {
			char *s = NULL;
			r = dwarf_formstring(c->attr, &s, &c->e);
			a->name = s;
		}
		return r;
	case DW_AT_byte_size:
		if (form_is_const(c->form)) {
			r = read_const(c, &a->byte_size);
			a->has_byte_size = r == DW_DLV_OK;
		}
		return r;
	case DW_AT_count:
		if (form_is_const(c->form)) {
			r = read_const(c, &a->count);
			a->has_count = r == DW_DLV_OK;
		}
		return r;
	case DW_AT_upper_bound:
		if (form_is_const(c->form)) {
			r = read_const(c, &a->upper_bound);
			a->has_upper_bound = r == DW_DLV_OK;
		}
		return r;
	case DW_AT_data_member_location:
		return read_member_offset(c, a);
	case DW_AT_type:
		return read_ref(c, &a->type);
	case DW_AT_go_elem:
		return read_ref(c, &a->elem);
	case DW_AT_go_key:
		return read_ref(c, &a->key);
	case DW_AT_abstract_origin:
		return read_ref(c, &a->origin);
	case DW_AT_go_kind:
	case DW_AT_encoding:
		if (form_is_const(c->form))
			r = read_const(c, &v);
		if (r == DW_DLV_OK && v <= UINT8_MAX)
			*(at == DW_AT_go_kind ? &a->go_kind : &a->encoding) =
				(uint8_t)v;
		return r;
	case DW_AT_go_runtime_type:
		return read_addr(c, &a->runtime_type);
	case DW_AT_go_embedded_field:
	case DW_AT_variable_parameter:
		r = read_flag(c, &flag);
		if (r == DW_DLV_OK && at == DW_AT_go_embedded_field)
			a->embedded = flag;
		else if (r == DW_DLV_OK)
			a->variable_parameter = flag;
		return r;
	case DW_AT_low_pc:
		r = read_addr(c, &a->low_pc);
		a->has_low_pc = r == DW_DLV_OK;
		return r;
	case DW_AT_high_pc:
		return read_high_pc(c, a);
	case DW_AT_location:
		return read_location(c, a);
	case GR_DW_AT_go_closure_offset:
		if (form_is_const(c->form)) {
			r = read_const(c, &a->closure_offset);
			a->has_closure_offset = r == DW_DLV_OK;
		}
		return r;
	case DW_AT_const_value:
		if (form_is_const(c->form)) {
			r = read_const(c, &v);
			a->const_value = (int64_t)v;
			a->has_const_value = r == DW_DLV_OK;
		}
		return r;
	default:
		return DW_DLV_NO_ENTRY;
	}
}

struct gr_error *dwarfi_read_attrs(Dwarf_Debug dbg, Dwarf_Die die,
				     uint64_t off, const char *path,
				     struct gr_dwarf_attrs *ret)
{
	memset(ret, 0, sizeof(*ret));
	Dwarf_Attribute *list = NULL;
	Dwarf_Signed n = 0;
	Dwarf_Error e = NULL;
	int r = dwarf_attrlist(die, &list, &n, &e);
	if (r == DW_DLV_ERROR)
		return dwarfi_lib_error(dbg, e, path, off, "attributes");
	if (r == DW_DLV_NO_ENTRY)
		return NULL;

	struct gr_error *err = NULL;
	for (Dwarf_Signed i = 0; i < n; i++) {
		struct attr_ctx c = {.dbg = dbg, .attr = list[i]};
		Dwarf_Half at = 0;
		if (!err && dwarf_whatattr(c.attr, &at, &c.e) == DW_DLV_OK &&
		    dwarf_whatform(c.attr, &c.form, &c.e) == DW_DLV_OK)
			r = read_one(&c, at, ret);
		else
			r = err ? DW_DLV_NO_ENTRY : DW_DLV_ERROR;
		if (r == DW_DLV_ERROR && !err)
			err = dwarfi_lib_error(dbg, c.e, path, off,
						 "attribute");
		dwarf_dealloc_attribute(list[i]);
	}
	dwarf_dealloc(dbg, list, DW_DLA_LIST);
	return err;
}
