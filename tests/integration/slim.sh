#!/bin/bash
# `goretain slim` over corpora cores:
#
#   GORETAIN=build/goretain GR_CACHE=~/.cache/goretain tests/integration/slim.sh
#
# For cores of several Go versions, exe and PIE, kernel and gdb (gcore):
# the slim core (raw and .zst) must analyse to the same JSON report as the
# original, apart from the fields that describe the input file itself
# (docs/USER-GUIDE.md, "Slim cores"): analysis_seconds, the core file's
# path, size, format, compressed size, decompression time and expected
# size, the memory map's byte counts by source and its segment count, and
# heap.breakdown.core_resident_bytes.  `info` must find
# the same build IDs.  The slim core must be smaller than the core's
# non-zero bytes, and the .zst one under half of them.  An unwritable -o
# exits 1.  Exits 1 if a check failed, 2 if it cannot run.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
CORES=$CACHE/cores

die() { echo "slim: $*" >&2; exit 2; }
command -v jq >/dev/null || die "jq is missing (run scripts/install-deps.sh)"
[[ -x $GORETAIN ]] || die "$GORETAIN is not an executable (build it with make)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/goretain-slim.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

PASS=0 FAIL=0
pass() { PASS=$((PASS + 1)); echo "PASS $1"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }

# The report without what describes the input file rather than the process.
canon() {
	jq -S 'del(.. | .analysis_seconds?)
		| del(.heap.breakdown.core_resident_bytes)
		| del(.summary.core.path, .summary.core.size, .summary.core.format)
		| del(.summary.info.core.path, .summary.info.core.size,
		      .summary.info.core.format, .summary.info.core.compressed_size,
		      .summary.info.core.decompress_seconds,
		      .summary.info.core.expected_size)
		| del(.summary.info.mappings.segments, .summary.info.mappings.bytes_core,
		      .summary.info.mappings.bytes_zero, .summary.info.mappings.bytes_exe,
		      .summary.info.mappings.bytes_missing)' "$1"
}

CASES=(go1.19/leakymap-exe go1.22/leakymap-exe go1.24/pool-pie go1.26/leakymap-exe
	go1.26/leakymap-pie go1.27/leakymap-exe-gcore)
for d in "${CASES[@]}"; do
	src=$CORES/$d
	[[ -f $src/core && -x $src/bin ]] || die "no $src/core (run make cores)"
	"$GORETAIN" report --format json --exe "$src/bin" "$src/core" >"$TMP/orig.json" ||
		die "$d: report on the original failed"
	canon "$TMP/orig.json" >"$TMP/orig.canon"
	for ext in core core.zst; do
		out=$TMP/slim.$ext
		if ! "$GORETAIN" slim --exe "$src/bin" "$src/core" -o "$out" >"$TMP/msg" 2>"$TMP/err"; then
			fail "$d $ext: slim" "$(cat "$TMP/err")"
			continue
		fi
		echo "$d: $(cat "$TMP/msg")"
		"$GORETAIN" report --format json --exe "$src/bin" "$out" >"$TMP/slim.json" 2>"$TMP/err" ||
			{ fail "$d $ext: report on the slim core" "$(cat "$TMP/err")"; continue; }
		canon "$TMP/slim.json" >"$TMP/slim.canon"
		if cmp -s "$TMP/orig.canon" "$TMP/slim.canon"; then
			pass "$d $ext: same report"
		else
			fail "$d $ext: report differs" "$(diff "$TMP/orig.canon" "$TMP/slim.canon" | head -c 600)"
		fi
		[[ $(jq -c .build_ids "$TMP/orig.json") == "$(jq -c .build_ids "$TMP/slim.json")" ]] ||
			fail "$d $ext: build IDs" "differ"
		nz=$(sed -n 's/.*non-zero (\([0-9]*\) bytes).*/\1/p' "$TMP/msg")
		sz=$(stat -c %s "$out")
		[[ -n $nz ]] || { fail "$d $ext: ratio" "no non-zero size printed"; continue; }
		if [[ $ext == core ]]; then
			((sz < nz)) && pass "$d: slim core $sz < $nz non-zero bytes" ||
				fail "$d: slim core size" "$sz >= $nz non-zero bytes"
		else
			((2 * sz < nz)) && pass "$d: slim core.zst $sz < half of $nz non-zero bytes" ||
				fail "$d: slim core.zst size" "$sz >= half of $nz non-zero bytes"
		fi
	done
	# info reads the build IDs from the executable's header page.
	"$GORETAIN" info --json --exe "$src/bin" "$src/core" | jq -c '.core.build_ids // .build_ids' >"$TMP/i1"
	"$GORETAIN" info --json --exe "$src/bin" "$TMP/slim.core" | jq -c '.core.build_ids // .build_ids' >"$TMP/i2"
	cmp -s "$TMP/i1" "$TMP/i2" && pass "$d: info finds the same build IDs" ||
		fail "$d: info build IDs" "$(cat "$TMP/i1") vs $(cat "$TMP/i2")"
done

A=$CORES/go1.22/leakymap-exe
"$GORETAIN" slim --exe "$A/bin" "$A/core" -o "$TMP/no/such/dir/x.core" >/dev/null 2>"$TMP/err"
rc=$?
((rc == 1)) && grep -q "^goretain: $TMP/no/such/dir/x.core: " "$TMP/err" &&
	pass "unwritable -o exits 1 naming it" || fail "unwritable -o" "exit $rc: $(cat "$TMP/err")"
"$GORETAIN" slim --exe "$A/bin" "$A/core" >/dev/null 2>&1
check=$?
((check == 2)) && pass "missing -o is a usage error" || fail "missing -o" "exit $check"
head -c 30000000 "$A/core" >"$TMP/cut.core"
"$GORETAIN" slim --exe "$A/bin" "$TMP/cut.core" -o "$TMP/x.core" >/dev/null 2>"$TMP/err"
rc=$?
((rc == 2)) && (($(wc -l <"$TMP/err") == 1)) && grep -q "$TMP/cut.core" "$TMP/err" &&
	pass "a truncated core is refused naming it" || fail "truncated core" "exit $rc: $(cat "$TMP/err")"

echo "slim: $PASS passed, $FAIL failed"
((FAIL == 0))
