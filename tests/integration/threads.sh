#!/bin/bash
# The analysis on several threads gives the one-thread answers, without a
# data race: a ThreadSanitizer build (GORETAIN_TSAN) analyses, with
# --threads 2, every core of the newest installed toolchain and the bench
# smoke core; its report JSON must equal the plain build's (GORETAIN)
# with --threads 1, and ThreadSanitizer must report nothing (it exits 66
# on the first report).  What runs side by side: the scan's workers,
# typing beside the dominator tree, the report's groupings.
#
#   GORETAIN=build/goretain GORETAIN_TSAN=build-tsan/goretain \
#     GR_CACHE=~/.cache/goretain tests/integration/threads.sh
#
# Exit status 0 when every core passes, 1 otherwise, 2 when it cannot run.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
TSAN=${GORETAIN_TSAN:-$ROOT/build-tsan/goretain}
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
for b in "$GORETAIN" "$TSAN"; do
	[[ -x $b ]] || { echo "threads.sh: $b is not an executable" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "threads.sh: jq is missing" >&2; exit 2; }
# shellcheck source=subset.sh
. "$ROOT/tests/integration/subset.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/threads.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"

newest=$(GR_IT_SUBSET=newest it_versions "$CACHE/cores")
DIRS=()
for d in "$CACHE/cores/$newest"/*/ "$CACHE/bench/go1.26/heap-64m/"; do
	[[ -f $d/core && -f $d/bin ]] && DIRS+=("${d%/}")
done
((${#DIRS[@]})) || { echo "threads.sh: no cores under $CACHE (make cores)" >&2; exit 2; }

canon() { jq -S 'del(.analysis_seconds, .heap.analysis_seconds, .summary.info.core.decompress_seconds)' "$1"; }
pass=0 fail=0
for d in "${DIRS[@]}"; do
	id=${d#"$CACHE"/}
	ok=1 why=
	"$GORETAIN" report --quiet --threads 1 --format json --exe "$d/bin" "$d/core" -o "$TMP/one.json" 2>"$TMP/err" ||
		{ ok=0; why="plain build: $(head -c 200 "$TMP/err")"; }
	if ((ok)); then
		"$TSAN" report --quiet --threads 2 --format json --exe "$d/bin" "$d/core" -o "$TMP/two.json" 2>"$TMP/err"
		rc=$?
		if ((rc == 66)); then
			ok=0 why="data race: $(grep -m1 -A3 'WARNING: ThreadSanitizer' "$TMP/err" | tr '\n' ' ' | head -c 400)"
		elif ((rc)); then
			ok=0 why="exit $rc: $(head -c 200 "$TMP/err")"
		elif ! cmp -s <(canon "$TMP/one.json") <(canon "$TMP/two.json"); then
			ok=0 why="--threads 2 differs: $(diff <(canon "$TMP/one.json") <(canon "$TMP/two.json") | head -n 4 | tr '\n' ' ')"
		fi
	fi
	if ((ok)); then
		pass=$((pass + 1)); echo "PASS $id"
	else
		fail=$((fail + 1)); echo "FAIL $id: $why"
	fi
done
echo "threads.sh: $pass passed, $fail failed"
((fail == 0))
