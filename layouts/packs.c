/* SPDX-License-Identifier: MIT */
#include "layouts/packs.h"

bool gr_layout_pack(unsigned minor, const char **text, size_t *len)
{
	for (size_t i = 0; i < gr_layout_pack_table_len; i++) {
		if (gr_layout_pack_table[i].minor == minor) {
			*text = gr_layout_pack_table[i].text;
			*len = *gr_layout_pack_table[i].len;
			return true;
		}
	}
	return false;
}
