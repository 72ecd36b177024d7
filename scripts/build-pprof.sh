#!/bin/bash
# Build `pprof` (cmd/pprof, what `go tool pprof` runs) from an installed Go
# toolchain's own vendored source: Debian's golang-1.NN packages do not ship
# the go tool's pprof binary.  Prints the path of the binary.
#
#   scripts/build-pprof.sh          -> $GR_CACHE/tools/pprof
#
# The binary is cached under ${GR_CACHE:-$HOME/.cache/goretain}/tools/pprof
# and rebuilt only when missing.  The newest installed toolchain
# (scripts/install-go.sh --list) builds it; GR_PPROF_GOROOT overrides.
# Offline: cmd/pprof's dependencies are vendored in GOROOT/src/cmd/vendor.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
OUT=$CACHE/tools/pprof

if [[ -x $OUT ]]; then
	echo "$OUT"
	exit 0
fi

goroot=${GR_PPROF_GOROOT:-$("$ROOT/scripts/install-go.sh" --list | tail -n 1)}
if [[ -z $goroot || ! -x $goroot/bin/go || ! -d $goroot/src/cmd/pprof ]]; then
	echo "build-pprof: no Go toolchain with cmd/pprof source (run scripts/install-go.sh)" >&2
	exit 1
fi

mkdir -p "$CACHE/tools"
tmp=$(mktemp -d "$CACHE/tools/.pprof-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A writable GOPATH and build cache of our own: the toolchain's tree is
# read-only and $HOME may be too.
(
	cd "$goroot/src"
	env GOTOOLCHAIN=local GOFLAGS=-mod=vendor GOPROXY=off GOWORK=off \
		GOTELEMETRY=off CGO_ENABLED=0 \
		GOPATH="$tmp/gopath" GOCACHE="${GOCACHE:-$CACHE/tools/go-build}" \
		"$goroot/bin/go" build -trimpath -o "$tmp/pprof" cmd/pprof
) >&2
mv "$tmp/pprof" "$OUT"
echo "build-pprof: built $OUT with $goroot" >&2
echo "$OUT"
