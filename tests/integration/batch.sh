#!/bin/bash
# Integration test of `goretain batch` over the corpora cores:
#
#   GORETAIN=build/goretain GR_CACHE=~/.cache/goretain tests/integration/batch.sh
#
# Builds an input directory of good cores (several Go versions, PIE and
# not, a gzip and a zstd copy, a Go 1.22 core with its executable beside
# it) and bad inputs (truncated, corrupted ELF header, no matching
# executable, empty, not a core), an --exe-dir in the .build-id layouts,
# then checks: one report per good core and one error record per bad
# input; the same summary (minus timing) with -j 1 and -j 2 and from two
# shards; resume after the parent is SIGKILLed redoes nothing done; several
# --format at once.
# Exits 1 if a check failed, 2 if it cannot run.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
CORES=$CACHE/cores

die() { echo "batch: $*" >&2; exit 2; }
command -v jq >/dev/null || die "jq is missing (run scripts/install-deps.sh)"
[[ -x $GORETAIN ]] || die "$GORETAIN is not an executable (build it with make)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/goretain-batch.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

PASS=0 FAIL=0
pass() { PASS=$((PASS + 1)); echo "PASS $1"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }
check() { # NAME GOT WANT
	if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

gnu_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID: [0-9a-f]+$/ {print $3; exit}'; }

IN=$TMP/in IDS=$TMP/ids
mkdir -p "$IN" "$IDS"
GOOD=0 BAD=0
# A dozen good cores whose executables carry a GNU build ID (Go 1.24+),
# their executables in the three --exe-dir layouts in turn.
n=0
for d in "$CORES"/go1.2[4-9]/{leakymap-exe,pool-pie,shared-exe}; do
	[[ -f $d/core && -x $d/bin ]] || continue
	id=$(gnu_id "$d/bin")
	[[ -n $id ]] || continue
	v=$(basename "$(dirname "$d")")
	ln -s "$d/core" "$IN/$v-$(basename "$d").core"
	case $((n % 3)) in
	0) mkdir -p "$IDS/${id:0:2}" && ln -sf "$d/bin" "$IDS/${id:0:2}/${id:2}" ;;
	1) ln -sf "$d/bin" "$IDS/$id" ;;
	2) mkdir -p "$IDS/$id" && ln -sf "$d/bin" "$IDS/$id/executable" ;;
	esac
	n=$((n + 1)) GOOD=$((GOOD + 1))
done
((GOOD >= 6)) || die "too few Go 1.24+ cores in $CORES (run make cores)"
NEWEST=$(ls -d "$CORES"/go1.*/leakymap-exe | sort -V | tail -1)
for z in gz zst; do
	[[ -f $NEWEST/core.$z ]] || die "no $NEWEST/core.$z"
	ln -s "$NEWEST/core.$z" "$IN/newest-leakymap.core.$z"
	GOOD=$((GOOD + 1))
done
# Go before 1.24: no GNU build ID; found beside the core by its name.
OLD=$CORES/go1.22/leakymap-exe
if [[ -f $OLD/core ]]; then
	mkdir -p "$IN/old"
	ln -s "$OLD/core" "$IN/old/core"
	ln -s "$OLD/bin" "$IN/old/bin"
	GOOD=$((GOOD + 1)) BAD=$((BAD + 1)) # the executable itself is an input
fi
SRC=$(ls -d "$CORES"/go1.2[4-9]/leakymap-exe | head -1)/core
head -c 100000 "$SRC" >"$IN/bad-truncated.core"
cp --sparse=always "$SRC" "$IN/bad-corrupt.core"
printf '\x3e\x3e' | dd of="$IN/bad-corrupt.core" bs=1 seek=18 conv=notrunc 2>/dev/null
ln -s "$CORES/go1.23/pool-exe/core" "$IN/bad-noexe.core"
: >"$IN/bad-empty"
echo "not a core" >"$IN/bad-text"
BAD=$((BAD + 5))
TOTAL=$((GOOD + BAD))

# batch OUT ARGS...: run, set RC.
batch() {
	local out=$1
	shift
	"$GORETAIN" batch --quiet --exe-dir "$IDS" --out "$out" "$@" "$IN" 2>"$out.err"
	RC=$?
}
# canon SUMMARY: records without timing, "skipped" read as "ok", one
# (the last) per input, sorted.
canon() {
	jq -s -c 'map(del(.seconds) | if .status == "skipped" then .status = "ok" else . end)
		| group_by(.input) | map(.[-1]) | sort_by(.input) | .[]' "$1"
}

batch "$TMP/o1" -j 1
check "exit status 1 with bad inputs" "$RC" 1
S1=$TMP/o1/summary.jsonl
check "one record per input" "$(wc -l <"$S1")" "$TOTAL"
check "ok records" "$(jq -s 'map(select(.status == "ok")) | length' "$S1")" "$GOOD"
check "error records" "$(jq -s 'map(select(.status == "error" and .exit > 0 and (.error | length) > 0)) | length' "$S1")" "$BAD"
check "every bad input is an error" \
	"$(jq -r 'select(.status != "error") | .input' "$S1" | grep -c '/bad-')" 0
missing=0
for r in $(jq -r 'select(.status == "ok") | .report' "$S1"); do
	jq -e .schema "$TMP/o1/$r" >/dev/null 2>&1 || missing=$((missing + 1))
done
check "a JSON report per ok record" "$missing" 0
check "reports named by key" \
	"$(jq -r 'select(.status == "ok") | select(.report != .key + ".json") | .input' "$S1" | wc -l)" 0
check "no guessed executable for the core without one" \
	"$(jq -r 'select(.input | endswith("bad-noexe.core")) | .error' "$S1" | grep -c 'no executable')" 1
check "records in input order" "$(jq -r .input "$S1" | sort -c && echo sorted)" sorted
check "go1.22 core found its executable beside it" \
	"$(jq -r 'select(.input | endswith("old/core")) | .exe' "$S1")" "$IN/old/bin"

batch "$TMP/o2" -j 2
check "-j 2 exit status" "$RC" 1
check "-j 1 and -j 2 give the same records" \
	"$(jq -c 'del(.seconds)' "$TMP/o2/summary.jsonl" | md5sum)" \
	"$(jq -c 'del(.seconds)' "$S1" | md5sum)"
check "-j 1 and -j 2 give the same reports" \
	"$(cd "$TMP/o2" && ls *.json | md5sum)" "$(cd "$TMP/o1" && ls *.json | md5sum)"

# Shards together are the whole run.
batch "$TMP/o3" --shard 0/2
batch "$TMP/o3" --shard 1/2
check "two shards equal one run" "$(canon "$TMP/o3/summary.jsonl" | md5sum)" "$(canon "$S1" | md5sum)"

# A re-run redoes nothing.
batch "$TMP/o1" -j 2
check "re-run: every good input skipped" \
	"$(tail -n "$TOTAL" "$S1" | jq -s 'map(select(.status == "skipped")) | length')" "$GOOD"

# Resume: SIGKILL the parent after a few records, run again.
O=$TMP/o4
mkdir -p "$O"
"$GORETAIN" batch --quiet --exe-dir "$IDS" --out "$O" -j 1 "$IN" 2>/dev/null &
PID=$!
for _ in $(seq 600); do
	(($(jq -s 'map(select(.status == "ok")) | length' "$O/summary.jsonl" 2>/dev/null || echo 0) >= 3)) && break
	sleep 0.1
done
kill -KILL "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
sleep 1 # the orphaned worker finishes or dies on its closed pipe
DONE=$(jq -s 'map(select(.status == "ok")) | length' "$O/summary.jsonl")
((DONE >= 3 && DONE < GOOD)) && pass "killed after $DONE records" || fail "kill" "$DONE records before the kill"
declare -A MT
for r in $(jq -r 'select(.status == "ok") | .report' "$O/summary.jsonl"); do MT[$r]=$(stat -c %y "$O/$r"); done
batch "$O" -j 2
check "resumed run exit status" "$RC" 1
NEW=$(tail -n "$TOTAL" "$O/summary.jsonl")
check "resume: what was done is skipped" \
	"$(jq -s 'map(select(.status == "skipped")) | length' <<<"$NEW")" "$DONE"
check "resume: the rest analysed" \
	"$(jq -s 'map(select(.status == "ok")) | length' <<<"$NEW")" "$((GOOD - DONE))"
same=0
for r in "${!MT[@]}"; do
	[[ ${MT[$r]} == "$(stat -c %y "$O/$r")" ]] && same=$((same + 1))
done
check "resume: reports done before are untouched" "$same" "$DONE"
check "resume: the result equals a clean run" "$(canon "$O/summary.jsonl" | md5sum)" "$(canon "$S1" | md5sum)"

# Several formats: one file each, named by the key only, the JSON equal to
# the one-format run's and embedded in the HTML page.
F=$TMP/o6
# The same input paths as the first run: the report names its core.
IN6=("$IN"/go1.2[4-9]-leakymap-exe.core)
"$GORETAIN" batch --quiet --exe-dir "$IDS" --out "$F" --format json,html,text,pprof "${IN6[@]}" 2>"$F.err"
check "--format json,html,text,pprof exit status" "$?" 0
nf=0 bad=0 why=
nope() { bad=$((bad + 1)) why="$why $1"; }
for k in $(jq -r 'select(.status == "ok") | .key' "$F/summary.jsonl"); do
	nf=$((nf + 1))
	[[ $(jq -r "select(.key == \"$k\") | .report" "$F/summary.jsonl") == "$k.json" ]] || nope "$k:record"
	# analysis_seconds is the one field that differs between runs.
	[[ $(jq -c 'del(.. | .analysis_seconds?)' "$F/$k.json") == \
		"$(jq -c 'del(.. | .analysis_seconds?)' "$TMP/o1/$k.json")" ]] || nope "$k:json"
	grep -q '<!DOCTYPE html>' "$F/$k.html" || nope "$k:html"
	grep -q '"schema"' "$F/$k.html" || nope "$k:html-json"
	grep -q 'SUSPECTS' "$F/$k.txt" || nope "$k:text"
	gzip -t "$F/$k.pb.gz" 2>/dev/null || nope "$k:pprof"
done
((nf > 0)) && pass "multi-format batch over $nf cores" || fail "multi-format" "no ok record"
check "multi-format: every report written, JSON identical to --format json" "$bad$why" 0
check "multi-format: only key-named files" \
	"$(cd "$F" && ls | grep -Evc '^([0-9a-f]{16}\.(json|html|txt|pb\.gz)|summary\.jsonl)$')" 0
"$GORETAIN" batch --quiet --exe-dir "$IDS" --out "$F" --format json,html "${IN6[@]}" 2>/dev/null
check "multi-format: a re-run skips" \
	"$(tail -n "$nf" "$F/summary.jsonl" | jq -s 'map(select(.status == "skipped")) | length')" "$nf"
rm -f "$F"/*.html
"$GORETAIN" batch --quiet --exe-dir "$IDS" --out "$F" --format json,html "${IN6[@]}" 2>/dev/null
check "multi-format: a missing format is redone" \
	"$(tail -n "$nf" "$F/summary.jsonl" | jq -s 'map(select(.status == "ok")) | length')" "$nf"
"$GORETAIN" batch --out "$F" --format json,json "${IN6[@]}" >/dev/null 2>&1
check "a format twice is a usage error" "$?" 2
"$GORETAIN" batch --out "$F" --format json,svg "${IN6[@]}" >/dev/null 2>&1
check "an unknown format is a usage error" "$?" 2

# Usage errors exit 2.
"$GORETAIN" batch "$IN" >/dev/null 2>&1
check "missing --out is a usage error" "$?" 2
"$GORETAIN" batch --out "$TMP/o5" --shard 2/2 "$IN" >/dev/null 2>&1
check "bad --shard is a usage error" "$?" 2

echo "batch: $PASS passed, $FAIL failed"
((FAIL == 0))
