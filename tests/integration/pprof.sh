#!/bin/bash
# The real pprof tool reads what `goretain profile` writes: for the
# leakymap cores (-exe and -pie) of every installed Go version, run
# `pprof -raw` and `pprof -top` on the profile and check
#   - the sample types alloc_objects/count alloc_space/bytes
#     inuse_objects/count inuse_space/bytes, period type space/bytes and the
#     period (MemProfileRate) that `goretain profile --json` read;
#   - pprof's in-use total equals goretain's own scaled total;
#   - when the program was linked with memory profiling (its oracle has a
#     "memprofile" fact): main.newSession holds in-use bytes (> 0) in -top
#     and main.main is on the stacks.  A core of a program linked without
#     it must have rate 0 and is checked for the format only;
#   - for the allocsites cores (MemProfileRate 1, every allocation
#     sampled): pprof's in-use object count of each allocating function
#     (flat, -sample_index=inuse_objects) equals the program's own count.
#
#   GORETAIN=build/goretain GR_CACHE=~/.cache/goretain tests/integration/pprof.sh
#
# GR_PPROF (as in run.sh; or PPROF) names a pprof binary; by default
# scripts/build-pprof.sh builds (once) and caches one from an installed
# toolchain.  Exit status 0 when every core
# passes, 1 otherwise.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
PPROF=${GR_PPROF:-${PPROF:-$("$ROOT/scripts/build-pprof.sh")}} || { echo "pprof.sh: cannot build pprof" >&2; exit 1; }
export PPROF_TMPDIR=${TMPDIR:-/tmp} PPROF_BINARY_PATH=/nonexistent

for tool in jq "$GORETAIN" "$PPROF"; do
	command -v "$tool" >/dev/null || { echo "pprof.sh: $tool is missing" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0 passed=0 strong=0
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

check_core() { # DIR ID
	local dir=$1 id=$2 out=$work/heap.pb.gz json raw top rate total ours ns
	if ! "$GORETAIN" profile --quiet --exe "$dir/bin" "$dir/core" -o "$out" --json >"$work/prof.json" 2>"$work/err"; then
		fail "$id" "goretain profile: $(head -c 300 "$work/err")"
		return
	fi
	rate=$(jq -r .mem_profile_rate "$work/prof.json")
	ours=$(jq -r .totals.scaled_inuse_bytes "$work/prof.json")
	if ! raw=$("$PPROF" -raw "$out" 2>"$work/err"); then
		fail "$id" "pprof -raw: $(head -c 300 "$work/err")"
		return
	fi
	grep -qx 'alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes' <<<"$raw" ||
		{ fail "$id" "sample types: $(grep -A1 '^Samples:' <<<"$raw" | tail -n 1)"; return; }
	grep -qx 'PeriodType: space bytes' <<<"$raw" || { fail "$id" "period type"; return; }
	if [[ $rate != 0 ]] && ! grep -qx "Period: $rate" <<<"$raw"; then
		fail "$id" "period is not $rate: $(grep '^Period:' <<<"$raw")"
		return
	fi
	if ! top=$("$PPROF" -top -nodecount=1000 -sample_index=inuse_space -unit=B "$out" 2>"$work/err"); then
		fail "$id" "pprof -top: $(head -c 300 "$work/err")"
		return
	fi
	# "Showing nodes accounting for NB, 100% of NB total"
	total=$(sed -n 's/.*% of \([0-9]*\)B total$/\1/p' <<<"$top")
	[[ -z $total ]] && grep -q 'of 0 total' <<<"$top" && total=0
	if [[ $total != "$ours" ]]; then
		fail "$id" "pprof in-use total ${total:-?} B, goretain's $ours B"
		return
	fi
	if grep -q '"memprofile":' "$dir/oracle.json"; then
		# flat flat% sum% cum cum% name: the cum column of main.newSession.
		ns=$(awk '$6 == "main.newSession" { sub(/B$/, "", $4); print $4 }' <<<"$top")
		if [[ -z $ns || $ns -le 0 ]]; then
			fail "$id" "main.newSession has no in-use bytes in pprof -top"
			return
		fi
		grep -q ' main\.main ' <<<"$(sed -n '/^Locations/,$p' <<<"$raw")" ||
			{ fail "$id" "main.main on no stack"; return; }
		echo "ok   $id: rate $rate, in-use $total B, main.newSession $ns B"
		strong=$((strong + 1))
	else
		if [[ $rate != 0 ]]; then
			fail "$id" "oracle has no memprofile but MemProfileRate is $rate"
			return
		fi
		echo "ok   $id: profiling disabled at link time (format checked only)"
	fi
	passed=$((passed + 1))
}

check_sites() { # DIR ID
	local dir=$1 id=$2 out=$work/heap.pb.gz top fn n got
	if ! "$GORETAIN" profile --quiet --exe "$dir/bin" "$dir/core" -o "$out" 2>"$work/err" ||
		! top=$("$PPROF" -top -nodecount=1000 -nodefraction=0 -sample_index=inuse_objects "$out" 2>"$work/err"); then
		fail "$id" "profile / pprof -top: $(head -c 300 "$work/err")"
		return
	fi
	while IFS=$'\t' read -r fn n; do
		got=$(awk -v f="$fn" '$6 == f { print $1 }' <<<"$top")
		if [[ $got != "$n" ]]; then
			fail "$id" "pprof -top: $fn has ${got:-no} in-use objects, the program counted $n"
			return
		fi
	done < <(jq -r '.alloc_sites[] | [.func, .count] | @tsv' "$dir/oracle.json")
	echo "ok   $id: pprof in-use objects per allocation site equal the program's counts"
	passed=$((passed + 1))
}

shopt -s nullglob
# GR_IT_SUBSET (as in run.sh; the Makefile says which pass uses which):
# newest = the newest toolchain only, san = the oldest and the newest.
. "$ROOT/tests/integration/subset.sh"
vers=$(it_versions "$CACHE/cores") || exit 2
VERS=()
[[ -z $vers ]] || mapfile -t VERS <<<"$vers"
# each PROG FUNC: FUNC DIR ID on PROG's exe and PIE cores, oldest first.
each() {
	local v dir
	for v in "${VERS[@]}"; do
		for dir in "$CACHE/cores/$v/$1"-{exe,pie}; do
			[[ -f $dir/core && -f $dir/oracle.json ]] || continue
			"$2" "$dir" "${dir#"$CACHE"/cores/}"
		done
	done
}
each leakymap check_core
each allocsites check_sites
if ((passed + fails == 0)); then
	echo "pprof.sh: no leakymap core under $CACHE/cores (run make cores)" >&2
	exit 1
fi
echo "pprof.sh: $passed passed ($strong with a runtime profile), $fails failed"
((fails == 0))
