#!/usr/bin/env bash
# make-packs.sh — (re)make layouts/packs/go1.NN.pack for every Go toolchain
# with cores in the corpora cache (scripts/make-cores.sh).
#
# A pack is the runtime DWARF a stripped binary of that release lacks
# (forensics/03-dwarf/dwarf.h, "layout packs"); tests/tools/mkpack.c makes it from
# the unstripped cores of several corpora programs, exe and PIE, so that
# every global's locator is checked on different binaries.  Run after
# adding a Go version or changing which runtime types, constants or
# globals the analysis reads (test_packs then fails until the packs are
# remade), and commit the result.
#
#   GR_CACHE=dir  corpora cache (default $HOME/.cache/goretain)
#   MKPACK=path   the maker (default build/tests/gr-mkpack)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
MKPACK=${MKPACK:-$ROOT/build/tests/gr-mkpack}
PROGRAMS=(leakymap-exe leakymap-pie finalizer-exe finalizer-pie pool-exe chanblock-pie
	allocsites-exe mapwaste-pie shared-exe)
[[ -x $MKPACK ]] || { echo "make-packs.sh: $MKPACK: build it first (make tests)" >&2; exit 2; }
made=0
for dir in "$CACHE"/cores/go1.*; do
	[[ -d $dir ]] || continue
	v=${dir##*/}
	args=()
	for p in "${PROGRAMS[@]}"; do
		[[ -f $dir/$p/core && -f $dir/$p/bin ]] && args+=("$dir/$p/bin" "$dir/$p/core")
	done
	if ((${#args[@]} < 4)); then
		echo "make-packs.sh: $v: fewer than two cores, skipped" >&2
		continue
	fi
	"$MKPACK" -o "$ROOT/layouts/packs/$v.pack" "${args[@]}"
	made=$((made + 1))
	# Go 1.24 and 1.25 under GOEXPERIMENT=noswissmap have the classic
	# map runtime (runtime.hmap): a pack of their own, go1.NN-noswissmap,
	# from the -classic cores (layouts/packs.h, gr_layout_pack_variant).
	cargs=()
	for d in "$dir"/*-classic; do
		[[ -f $d/core && -f $d/bin ]] && cargs+=("$d/bin" "$d/core")
	done
	if ((${#cargs[@]} >= 4)); then
		"$MKPACK" -o "$ROOT/layouts/packs/$v-noswissmap.pack" "${cargs[@]}"
		made=$((made + 1))
	fi
done
((made > 0)) || { echo "make-packs.sh: no cores in $CACHE/cores (make cores)" >&2; exit 1; }
