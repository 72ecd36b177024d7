/* SPDX-License-Identifier: MIT */
/*
 * The layout packs compiled into goretain: for each Go release, the runtime
 * DWARF that a stripped binary of that release lacks (see forensics/03-dwarf/dwarf.h,
 * "layout packs").  The text files are layouts/packs/go1.NN.pack files, made by
 * scripts/make-packs.sh from binaries that toolchain built with DWARF;
 * scripts/embed-packs.sh compiles them in at build time.
 */
#ifndef GR_PACKS_H
#define GR_PACKS_H

#include <stdbool.h>
#include <stddef.h>

struct gr_layout_pack_entry {
	unsigned minor; /* Go 1.minor */
	const char *text;
	const size_t *len;
};

/* Generated into the build directory as gen/layout_packs.c. */
extern const struct gr_layout_pack_entry gr_layout_pack_table[];
extern const size_t gr_layout_pack_table_len;

/* The pack of Go 1.@minor: true with its text and length, or false. */
bool gr_layout_pack(unsigned minor, const char **text, size_t *len);

#endif /* GR_PACKS_H */
