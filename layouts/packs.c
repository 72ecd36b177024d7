/* SPDX-License-Identifier: MIT */
#include "layouts/packs.h"

#include <string.h>

bool gr_layout_pack(unsigned minor, const char *variant, const char **text,
		    size_t *len)
{
	const struct gr_layout_pack_entry *fallback = NULL, *e = NULL;
	for (size_t i = 0; i < gr_layout_pack_table_len && !e; i++) {
		const struct gr_layout_pack_entry *p = &gr_layout_pack_table[i];
		if (p->minor != minor)
			continue;
		if (!strcmp(p->variant, variant ? variant : ""))
			e = p;
		else if (!p->variant[0])
			fallback = p;
	}
	if (!e)
		e = fallback;
	if (!e)
		return false;
	*text = e->text;
	*len = *e->len;
	return true;
}

const char *gr_layout_pack_variant(const char *version)
{
	/* runtime/extern.go: Version() is the toolchain's version, then
	 * " X:" and the experiments that differ from the default. */
	const char *x = version ? strstr(version, " X:") : NULL;
	if (!x)
		return "";
	for (const char *p = x + 3; *p;) {
		size_t n = strcspn(p, ", ");
		if (n == 10 && !strncmp(p, "noswissmap", 10))
			return "noswissmap";
		p += n;
		p += strspn(p, ", ");
	}
	return "";
}
