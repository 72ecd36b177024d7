#!/bin/sh
# Build the unit tests' Go subjects with every installed toolchain, once.
#
#   tests/tools/testbins.sh        prints "1.NN<TAB>DIR" per toolchain built
#
# For each /usr/lib/go-1.NN/bin/go (NN in $GR_GO_VERSIONS, default the
# versions goretain supports) DIR holds tests/tools/sample built as:
#   exe           default build mode (static, internal linking, non-PIE)
#   pie           -buildmode=pie
#   pie.stripped  pie after strip(1): no .symtab, no DWARF, same addresses
#   ext           CGO_ENABLED=1 -linkmode=external (C code before runtime.text)
#   extpie        the same as a PIE (up to Go 1.25 the external linker merges
#                 .data.rel.ro.gopclntab into .data.rel.ro), and
#   extpie.stripped
# and X.oracle = tests/tools/oracle X for exe, pie, ext and extpie.  The oracle and
# dwarfoff are built once with the newest toolchain (newer debug/* packages
# read older binaries, not the reverse) into $CACHE/tools-KEY/.
#
# Everything is cached under ${GR_CACHE:-$HOME/.cache/goretain}/testbins,
# keyed by `go version` and a hash of the sources, and built in a temporary
# directory renamed into place, so concurrent or interrupted runs are safe.
# A version whose toolchain is absent is skipped; none at all is an error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${GR_CACHE:-$HOME/.cache/goretain}/testbins
versions=${GR_GO_VERSIONS:-"19 21 22 23 24 25 26 27"}
mkdir -p "$cache"

export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOWORK=off GOENV=off

# Bump when the variants or their build flags below change: it is part of
# the cache key (the rest of this script is not, so editing it rebuilds
# nothing).
RECIPE="exe pie pie.stripped ext extpie extpie.stripped v1"

srchash() {
	{ (cd "$here" && cat "$@"); echo "$RECIPE"; } | sha256sum | cut -c1-12
}

# One build at a time (make unit runs three tests, maybe several checkouts):
# a second caller waits, then finds everything built.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/.lock"
	flock 9
fi

newest=""
found=""
for v in $versions; do
	if [ -x "/usr/lib/go-1.$v/bin/go" ]; then
		found="$found $v"
		newest=$v
	fi
done
if [ -z "$found" ]; then
	echo "testbins: no Go toolchain under /usr/lib/go-1.NN (scripts/install-go.sh)" >&2
	exit 1
fi

# Build into $1.tmp.$$ with the commands in $2, then rename to $1.
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
	# -T: never move into an existing $dir; if we lost a race, keep theirs.
	mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
}

build_tools() {
	out=$1
	go=/usr/lib/go-1.$newest/bin/go
	(cd "$here/oracle" && "$go" build -buildvcs=false -o "$out/oracle" .) &&
		(cd "$here/dwarfoff" && "$go" build -buildvcs=false -o "$out/dwarfoff" .)
}

# The toolchain's version: $GOROOT/VERSION's first line when there is one
# (instant), else `go version`.
gover() {
	if [ -r "/usr/lib/go-1.$1/VERSION" ]; then
		head -n1 "/usr/lib/go-1.$1/VERSION" | tr -d '\n'
	else
		"/usr/lib/go-1.$1/bin/go" version | awk '{print $3}'
	fi
}

tools=$cache/tools-$(gover "$newest")-$(srchash oracle/main.go oracle/go.mod dwarfoff/main.go dwarfoff/go.mod)
publish "$tools" build_tools

build_sample() {
	out=$2
	go=/usr/lib/go-1.$1/bin/go
	cd "$here/sample"
	CGO_ENABLED=0 "$go" build -buildvcs=false -o "$out/exe" . &&
		CGO_ENABLED=0 "$go" build -buildvcs=false -buildmode=pie -o "$out/pie" . &&
		strip -o "$out/pie.stripped" "$out/pie" &&
		CGO_ENABLED=1 "$go" build -buildvcs=false -ldflags=-linkmode=external -o "$out/ext" . &&
		CGO_ENABLED=1 "$go" build -buildvcs=false -buildmode=pie -ldflags=-linkmode=external -o "$out/extpie" . &&
		strip -o "$out/extpie.stripped" "$out/extpie" &&
		for b in exe pie ext extpie; do
			"$tools/oracle" "$out/$b" > "$out/$b.oracle" || return 1
		done
}

shash=$(srchash sample/main.go sample/go.mod oracle/main.go)
pids=""
for v in $found; do
	dir=$cache/$(gover "$v")-$shash
	if [ ! -d "$dir" ]; then
		echo "testbins: building tests/tools/sample with go1.$v (first run only)" >&2
		( publish "$dir" build_sample "$v" ) &
		pids="$pids $!"
	fi
done
status=0
for p in $pids; do
	wait "$p" || status=1
done
[ $status -eq 0 ] || { echo "testbins: a build failed" >&2; exit 1; }

# Builds for older sources are dropped after a week unused (not at once:
# another checkout may share the cache).
find "$cache" -mindepth 1 -maxdepth 1 -type d -mtime +7 -exec rm -rf {} + 2>/dev/null || true

for v in $found; do
	touch "$cache/$(gover "$v")-$shash" "$tools"
	printf '1.%s\t%s\t%s\n' "$v" "$cache/$(gover "$v")-$shash" "$tools"
done
