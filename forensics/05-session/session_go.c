/* SPDX-License-Identifier: MIT */
#include "forensics/05-session/session_go.h"

#include <string.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/buildinfo.h"
#include "forensics/04-gobin/locate.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"
#include "layouts/layouts.h"
#include "layouts/packs.h"

struct gr_error *gr_session_go_check_exe(struct gr_session_go *go,
					 struct gr_exe *exe)
{
	/* Every Go binary has a pclntab: the runtime cannot run without it.
	 * gr_pcln_locate also finds it where a cgo link merged its section. */
	struct gr_error *err = gr_pcln_locate(exe, &go->pcln_loc);
	if (!err)
		return NULL;
	/* The executable's own sections, not the core: no damage. */
	gr_error_destroy(err);
	return gr_error_create(GR_ERR_BAD_DATA,
			       "%s: not a Go executable (no pclntab)",
			       gr_exe_path(exe));
}

/* moduledata member offsets from DWARF's runtime.moduledata. */
static bool layout_from_dwarf(const struct gr_dwarf *d,
			      struct gr_moduledata_layout *l)
{
	uint32_t id;
	struct gr_error *err = gr_dwarf_type_by_name(d, "runtime.moduledata", &id);
	if (err) {
		/* The executable's DWARF lacks it: the packs stand in. */
		gr_error_destroy(err);
		return false;
	}
	id = gr_dwarf_type_strip(d, id);
	const struct gr_dwarf_type *t = gr_dwarf_type(d, id);
	if (!t || !t->has_size)
		return false;
	gr_md_layout_init(l, "DWARF");
	l->size = (uint32_t)t->size;
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct gr_dwarf_field *f = gr_dwarf_type_field(d, id, i);
		enum gr_md_field mf;
		if (f && gr_md_field_by_name(f->name, &mf))
			l->off[mf] = (int32_t)f->offset;
	}
	return true;
}

GR_MUST_USE
static struct gr_error *load_layout(struct gr_session_go *go,
				    struct gr_moduledata_layout *l)
{
	if (layout_from_dwarf(go->dwarf, l))
		return NULL;
	struct gr_go_version v;
	if (!gr_buildinfo_version(go->buildinfo, &v))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "no DWARF and unparsable Go version '%s': "
				       "cannot lay out runtime.moduledata",
				       go->version);
	return gr_layout_moduledata(v.major, v.minor, l);
}

/*
 * A binary without DWARF gets the index of its release's layout pack, its
 * runtime globals placed through the machine code (locate.h).  Without a
 * pack the empty index stays, and each analysis says what it cannot read.
 */
GR_MUST_USE
static struct gr_error *load_pack(struct gr_session_go *go,
				  const struct gr_exe *exe, struct gr_mem *mem,
				  uint64_t bias)
{
	struct gr_go_version v;
	const char *text;
	size_t len;
	/* The packs are made from linux/amd64 binaries: their globals are
	 * placed by amd64 code (locate.h), their layouts are amd64's. */
	if (gr_exe_arch(exe) != GR_ARCH_AMD64)
		return NULL;
	if (!gr_buildinfo_version(go->buildinfo, &v) || v.major != 1 ||
	    !gr_layout_pack(v.minor, gr_layout_pack_variant(go->version), &text,
			    &len))
		return NULL;
	struct gr_locate *loc;
	struct gr_error *err =
		gr_locate_create(mem, go->pcln, go->moduledata, bias, &loc);
	if (err)
		return err;
	struct gr_dwarf *d;
	err = gr_dwarf_from_pack(text, len, gr_locate_resolve, loc, &d);
	gr_locate_destroy(loc);
	if (err)
		return gr_error_prefix(err, "go1.%u", v.minor);
	gr_dwarf_destroy(go->dwarf);
	go->dwarf = d;
	return NULL;
}

struct gr_error *gr_session_go_load(struct gr_session_go *go, struct gr_exe *exe,
				    struct gr_mem *mem, uint64_t bias)
{
	const uint8_t *data;
	size_t size;
	struct gr_error *err;
	const char *path = gr_exe_path(exe);

	if ((err = gr_exe_section_bytes(exe, ".go.buildinfo", &data, &size)))
		return gr_error_prefix(err, "not a Go 1.18+ executable");
	if ((err = gr_buildinfo_parse(data, size, &go->buildinfo)))
		return gr_error_prefix(err, "%s: .go.buildinfo", path);
	go->version = gr_buildinfo_go_version(go->buildinfo);

	if ((err = gr_dwarf_open(exe, &go->dwarf)))
		return err;

	struct gr_moduledata_layout layout;
	if ((err = load_layout(go, &layout)))
		return gr_error_prefix(err, "%s", path);
	if ((err = gr_moduledata_load(exe, mem, bias, &layout, &go->moduledata)))
		return gr_error_prefix(err, "%s: runtime.firstmoduledata", path);

	/* gr_moduledata_load checked the record against this pclntab. */
	if ((err = gr_pcln_create(go->pcln_loc.data, go->pcln_loc.size,
				  go->moduledata->text, &go->pcln)))
		return gr_error_prefix(err, "%s: pclntab", path);
	if (!gr_dwarf_present(go->dwarf) &&
	    (err = load_pack(go, exe, mem, bias)))
		return gr_error_prefix(err, "%s: layout pack", path);
	return NULL;
}

void gr_session_go_deinit(struct gr_session_go *go)
{
	gr_pcln_destroy(go->pcln);
	gr_moduledata_destroy(go->moduledata);
	gr_dwarf_destroy(go->dwarf);
	gr_buildinfo_destroy(go->buildinfo);
	memset(go, 0, sizeof(*go));
}
