#!/bin/bash
# Real Go servers nobody here wrote (scripts/make-server-cores.sh): Debian's
# stripped, cgo-linked builds, loaded on the loopback, their own /metrics
# the oracle.
#
#   GORETAIN=build/goretain GR_CACHE=~/.cache/goretain tests/integration/servers.sh
#
# For every cached server core (GR_IT_SUBSET=newest: the newest Go build
# only), issue 16's targets:
#   - the executable has no DWARF and no symbols (it is Debian's, stripped);
#   - the allocated bytes `heap --json` finds, less what the runtime's
#     statistics do not count yet (mcache_unflushed_bytes: the servers
#     read HeapAlloc through runtime/metrics, which lags by what the
#     mcaches' spans allocated since they were cached), lie between the
#     server's last HeapAlloc reading before its core and its reading
#     after (GOGC=off: nothing is freed, see make-server-cores.sh), and
#     within 2% of the one before;
#   - the typed share of live bytes is at least 80% for a Go 1.19-1.21
#     build and 90% for a Go 1.22+ one;
#   - the first leak suspect names a Go type, not "unknown".
# Exits 1 if a check failed, 2 if it cannot run (no server cores: run
# `make cores`).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
SERVERS=$CACHE/servers

die() { echo "servers: $*" >&2; exit 2; }
command -v jq >/dev/null || die "jq is missing (run scripts/install-deps.sh)"
[[ -x $GORETAIN ]] || die "$GORETAIN is not an executable (build it with make)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/goretain-servers.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

PASS=0 FAIL=0
pass() { PASS=$((PASS + 1)); echo "PASS $1"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }

DIRS=()
for d in "$SERVERS"/*/; do
	[[ -f $d/core && -f $d/oracle.json && -f $d/bin ]] && DIRS+=("${d%/}")
done
((${#DIRS[@]})) || die "no server cores in $SERVERS (run make cores)"
if [[ ${GR_IT_SUBSET:-} == newest ]]; then
	newest=""
	for d in "${DIRS[@]}"; do
		[[ $(jq -r .suite "$d/oracle.json") == sid ]] && newest=$d
	done
	[[ -n $newest ]] && DIRS=("$newest")
fi

for d in "${DIRS[@]}"; do
	id=${d##*/}
	go=$(jq -r .go_version "$d/oracle.json")
	minor=${go#go1.}
	minor=${minor%%.*}
	name="$id ($go)"
	if readelf -S -W "$d/bin" | grep -q -e '\.debug_info' -e '\.symtab'; then
		fail "$name" "the executable has symbols or DWARF: not the stripped build"
		continue
	fi
	pass "$name: stripped executable"
	if ! "$GORETAIN" heap --json --quiet --exe "$d/bin" "$d/core" >"$TMP/heap.json" 2>"$TMP/err"; then
		fail "$name" "heap: $(head -1 "$TMP/err")"
		continue
	fi
	alloc=$(jq .breakdown.object_bytes "$TMP/heap.json")
	unflushed=$(jq '.breakdown.mcache_unflushed_bytes // -1' "$TMP/heap.json")
	last=$(jq '.heap_alloc_bytes[-1]' "$d/oracle.json")
	after=$(jq '.heap_alloc_bytes_after // 0' "$d/oracle.json")
	# The servers read HeapAlloc through runtime/metrics, which does not
	# count what the mcaches' spans allocated since they were cached
	# (mcache_unflushed_bytes, forensics/05-session/gcstate.h): the heap
	# as the server would report it is the allocated bytes less that.
	# Nothing is freed (GOGC=off), so it lies between the last reading
	# before the core and the one after, and within 2% of the former.
	seen=$((alloc - unflushed))
	if ((unflushed < 0)); then
		fail "$name" "mcache_unflushed_bytes unknown"
	elif ((after > 0 && seen >= last && seen <= after && (seen - last) * 50 <= last)); then
		pass "$name: allocated $alloc B, $unflushed B of it not yet in the runtime's statistics: $seen B, the server read $last B before its core and $after B after"
	else
		fail "$name" "allocated $alloc B, $unflushed B of it not yet in the runtime's statistics: $seen B, the server read $last B before its core and $after B after"
	fi
	if ! "$GORETAIN" report --json --quiet --exe "$d/bin" "$d/core" >"$TMP/report.json" 2>"$TMP/err"; then
		fail "$name" "report: $(head -1 "$TMP/err")"
		continue
	fi
	floor=$((minor >= 22 ? 90 : 80))
	share=$(jq '100 * .types.typed_bytes / .heap.live.bytes | floor' "$TMP/report.json")
	if ((share >= floor)); then
		pass "$name: $share% of live bytes typed (target $floor%)"
	else
		fail "$name" "$share% of live bytes typed, below $floor%"
	fi
	first=$(jq -r '.suspects[0].object_type // .suspects[0].root // "none"' "$TMP/report.json")
	if [[ $first != none && $first != unknown* ]]; then
		pass "$name: first leak suspect is $first"
	else
		fail "$name" "first leak suspect is $first"
	fi
done
echo "servers: $PASS passed, $FAIL failed"
((FAIL == 0))
