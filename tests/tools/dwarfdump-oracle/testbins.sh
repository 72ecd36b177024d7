#!/bin/sh
# Build the DWARF loader's test subjects with every installed toolchain, once.
#
#   tests/tools/dwarfdump-oracle/testbins.sh
#
# prints "1.NN<TAB>DIR" per toolchain, where DIR holds
#   exe          testprog/ built in the default mode (non-PIE, compressed DWARF)
#   pie          -buildmode=pie
#   nodwarf      -ldflags=-w: no DWARF at all
#   plain        -ldflags=-compressdwarf=false: DWARF stored uncompressed, so
#                that the corruption tests can patch .debug_info in place
#   sample-*     symlinks to tests/tools/sample's builds (testbins.sh): exe,
#                pie, pie.stripped, and the cgo ext/extpie, whose DWARF has
#                gcc's C units beside Go's
# and X.dwarf = dwarfdump-oracle X for each of them.  The oracle is built
# once with the newest toolchain.  Cached under
# ${GR_CACHE:-$HOME/.cache/goretain}/testbins like ../testbins.sh (same
# keying, temporary directory renamed into place).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tools=$(cd "$here/.." && pwd)
cache=${GR_CACHE:-$HOME/.cache/goretain}/testbins
mkdir -p "$cache"

export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOWORK=off GOENV=off

# The sample builds (and the list of toolchains) come from the shared script.
samples=$("$tools/testbins.sh")
[ -n "$samples" ] || { echo "dwarf testbins: no toolchain" >&2; exit 1; }

srchash() {
	(cd "$here" && cat main.go go.mod testprog/main.go testprog/go.mod testbins.sh) |
		sha256sum | cut -c1-12
}

gover() {
	if [ -r "/usr/lib/go-1.$1/VERSION" ]; then
		head -n1 "/usr/lib/go-1.$1/VERSION" | tr -d '\n'
	else
		"/usr/lib/go-1.$1/bin/go" version | awk '{print $3}'
	fi
}

publish() {
	dir=$1
	shift
	[ -d "$dir" ] && return 0
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	if ! "$@" "$tmp"; then
		rm -rf "$tmp"
		return 1
	fi
	# -T: never move into a directory a concurrent run published first.
	mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
}

hash=$(srchash)
newest=$(printf '%s\n' "$samples" | tail -n1 | cut -f1 | cut -d. -f2)
oracle_dir=$cache/dwarfdump-oracle-$(gover "$newest")-$hash

build_oracle() {
	(cd "$here" && "/usr/lib/go-1.$newest/bin/go" build -buildvcs=false \
		-o "$1/dwarfdump-oracle" .)
}
publish "$oracle_dir" build_oracle
oracle=$oracle_dir/dwarfdump-oracle

# $1 minor, $2 sample dir, $3 output dir
build_subjects() {
	go=/usr/lib/go-1.$1/bin/go
	out=$3
	(
		cd "$here/testprog" &&
			CGO_ENABLED=0 "$go" build -buildvcs=false -o "$out/exe" . &&
			CGO_ENABLED=0 "$go" build -buildvcs=false -buildmode=pie -o "$out/pie" . &&
			CGO_ENABLED=0 "$go" build -buildvcs=false -ldflags=-w -o "$out/nodwarf" . &&
			CGO_ENABLED=0 "$go" build -buildvcs=false -ldflags=-compressdwarf=false -o "$out/plain" .
	) || return 1
	for b in exe pie pie.stripped ext extpie; do
		ln -s "$2/$b" "$out/sample-$b" || return 1
	done
	for b in exe pie nodwarf plain sample-exe sample-pie sample-pie.stripped \
		sample-ext sample-extpie; do
		"$oracle" "$out/$b" > "$out/$b.dwarf" || return 1
	done
}

pids=""
# Lines are "1.NN<TAB>SAMPLEDIR<TAB>TOOLS"; read them without word splitting.
list=$(printf '%s\n' "$samples" | while IFS="$(printf '\t')" read -r minor sdir _; do
	v=${minor#1.}
	dir=$cache/dwarf-$(gover "$v")-$hash-$(basename "$sdir")
	printf '%s\t%s\t%s\n' "$minor" "$dir" "$sdir"
done)

status=0
printf '%s\n' "$list" | {
	while IFS="$(printf '\t')" read -r minor dir sdir; do
		if [ ! -d "$dir" ]; then
			echo "dwarf testbins: building testprog with go$minor (first run only)" >&2
			( publish "$dir" build_subjects "${minor#1.}" "$sdir" ) &
			pids="$pids $!"
		fi
	done
	for p in $pids; do
		wait "$p" || status=1
	done
	exit $status
} || { echo "dwarf testbins: a build failed" >&2; exit 1; }

printf '%s\n' "$list" | while IFS="$(printf '\t')" read -r minor dir sdir; do
	[ -d "$dir" ] || { echo "dwarf testbins: $dir missing" >&2; exit 1; }
	touch "$dir" "$oracle_dir"
	printf '%s\t%s\n' "$minor" "$dir"
done
