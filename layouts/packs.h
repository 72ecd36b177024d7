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
	/* A build of that release with a GOEXPERIMENT that changes the
	 * runtime's layouts ("noswissmap": Go 1.24 and 1.25's classic
	 * maps), from go1.NN-VARIANT.pack; "" for the default build. */
	const char *variant;
	const char *text;
	const size_t *len;
};

/* Generated into the build directory as gen/layout_packs.c. */
extern const struct gr_layout_pack_entry gr_layout_pack_table[];
extern const size_t gr_layout_pack_table_len;

/* The pack of Go 1.@minor built with @variant ("" for the default),
 * else the default one: true with its text and length, or false. */
bool gr_layout_pack(unsigned minor, const char *variant, const char **text,
		    size_t *len);

/* The variant of the runtime a Go version string names (runtime.Version
 * with " X:exp1,exp2"): "noswissmap" when that experiment is on, else
 * "". */
const char *gr_layout_pack_variant(const char *version);

#endif /* GR_PACKS_H */
