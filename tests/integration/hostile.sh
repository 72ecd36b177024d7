#!/bin/bash
# The corruption suite: goretain over real cores damaged on purpose.
#
#   GORETAIN=build/goretain GR_CORRUPT=build/tests/gr-corrupt \
#     GR_CACHE=~/.cache/goretain tests/integration/hostile.sh
#
# For a few corpora cores (Go 1.19, 1.22 and 1.26 leakymap-exe, a Go 1.24
# PIE), tests/tools/corrupt.c plans deterministic cases (seed GR_SEED,
# default 1): truncation inside the ELF and program headers, the notes, at
# PT_LOAD boundaries and inside the heap; random byte flips in mspan
# structs, allocation/mark bitmaps, heap bitmaps and malloc headers; absurd
# nelems, npages, elemsize, limit, allglen and slice lengths; pointers into
# unmapped memory; cycles in span and special lists.  Then a mismatched
# executable, a non-Go core and files that are no core at all.
#
# Each case runs `goretain report --format json` on a sparse copy of the
# core under `timeout` and an RLIMIT_DATA of 128 MiB + 2 x the core's
# non-zero bytes (batch's per-job estimate, docs/BATCH.md), and must end
# either with exit 0 and a JSON report, or exit 1/2 with exactly one
# "goretain: " line on stderr naming the core or executable.  A signal, a
# timeout, a sanitizer report or a leak is a failure.  Truncated cores that
# still analyse must say so (trust.partial).
#
# GR_IT_SANITIZER=1 (make check's sanitizer pass): every third case, and
# no RLIMIT_DATA (ASan's shadow memory is a private mapping it would count).
# Exits 1 if a case failed, 2 if it cannot run.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
CORRUPT=${GR_CORRUPT:-$(dirname "$GORETAIN")/tests/gr-corrupt}
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
CORES=$CACHE/cores
SEED=${GR_SEED:-1}
LIGHT=${GR_IT_SANITIZER:-}
N=${GR_HOSTILE_CASES:-60}
# The sanitizer pass runs every third case (ASan costs about 3x).
STRIDE=${GR_HOSTILE_STRIDE:-$([[ -n $LIGHT ]] && echo 3 || echo 1)}
TIMEOUT=${GR_HOSTILE_TIMEOUT:-$([[ -n $LIGHT ]] && echo 300 || echo 60)}

die() { echo "hostile: $*" >&2; exit 2; }
command -v jq >/dev/null || die "jq is missing (run scripts/install-deps.sh)"
[[ -x $GORETAIN ]] || die "$GORETAIN is not an executable (build it with make)"
[[ -x $CORRUPT ]] || die "$CORRUPT is not an executable (make tests builds it)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/goretain-hostile.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

PASS=0 FAIL=0 OK=0 PARTIAL=0 ERR=0
fail() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }

# run NAME CORE BIN LIMIT [ARGS...]: one case; checks the outcome.
# LIMIT is the RLIMIT_DATA in bytes (empty: none).
run() {
	local name=$1 core=$2 bin=$3 limit=$4
	shift 4
	local pre=(timeout -s KILL "$TIMEOUT")
	[[ -n $limit && -z $LIGHT ]] && pre+=(prlimit --data="$limit")
	"${pre[@]}" "$GORETAIN" report --format json --exe "$bin" "$@" "$core" \
		>"$TMP/out.json" 2>"$TMP/err"
	local rc=$? lines
	lines=$(grep -cv '^goretain: warning: ' "$TMP/err")
	if ((rc == 137)); then
		fail "$name" "killed after ${TIMEOUT}s (hang)"
	elif ((rc > 128)); then
		fail "$name" "signal $((rc - 128)): $(head -c 300 "$TMP/err")"
	elif grep -q 'Sanitizer\|runtime error:' "$TMP/err"; then
		fail "$name" "sanitizer: $(grep -m1 'Sanitizer\|runtime error:' "$TMP/err")"
	elif ((rc == 0)); then
		if ! jq -e .schema "$TMP/out.json" >/dev/null 2>&1; then
			fail "$name" "exit 0 without a JSON report"
		elif ((lines != 0)); then
			fail "$name" "exit 0 with errors on stderr: $(head -c 300 "$TMP/err")"
		else
			local partial
			partial=$(jq -r .trust.partial "$TMP/out.json")
			if [[ $name == trunc-* && $partial != true ]]; then
				fail "$name" "a truncated core analysed as complete"
			elif [[ $name == specials-head-unmapped-* ]] && ! damage_counted roots; then
				fail "$name" "a failed read outside the heap not counted: $(jq -c .trust "$TMP/out.json")"
			elif [[ $name == mbuckets-unmapped-* ]] && ! damage_counted profile; then
				fail "$name" "the memory profile's failed read not counted: $(jq -c .trust "$TMP/out.json")"
			elif [[ $name == allgs-elem-unmapped-* ]] && ! damage_counted goroutines; then
				fail "$name" "an unreadable goroutine not counted: $(jq -c .trust "$TMP/out.json")"
			else
				PASS=$((PASS + 1)) OK=$((OK + 1))
				[[ $partial == true ]] && PARTIAL=$((PARTIAL + 1))
			fi
		fi
	elif ((rc == 1 || rc == 2)); then
		local msg
		msg=$(grep -v '^goretain: warning: ' "$TMP/err")
		if ((lines != 1)) || [[ $msg != "goretain: "* ]]; then
			fail "$name" "exit $rc, not one error line: $(head -c 300 "$TMP/err")"
		elif [[ $msg != *"$core"* && $msg != *"$bin"* ]]; then
			fail "$name" "exit $rc, the message names no file: $msg"
		else
			PASS=$((PASS + 1)) ERR=$((ERR + 1))
		fi
	else
		fail "$name" "exit $rc: $(head -c 300 "$TMP/err")"
	fi
}

# damage_counted STAGE: the report of a core with a pointer into unmapped
# memory (a specials list: roots; an allgs entry: goroutines;
# runtime.mbuckets: profile) counts that
# read in the trust section: trust.damage.STAGE at least 1, and a note
# naming STAGE whose number is the sum of the stages but the heap.
damage_counted() {
	jq -e --arg st "$1" '.trust.damage as $d | ($d[$st] >= 1) and
		([.trust.notes[] | select(test("^[0-9]+ reads? of the core failed outside the heap \\(.*\\b" + $st + " [0-9]+"))
		  | capture("^(?<n>[0-9]+)").n | tonumber] ==
		 [$d.roots + $d.goroutines + $d.types + $d.channels + $d.profile])' \
		"$TMP/out.json" >/dev/null
}

# nonzero CORE: bytes the core holds (allocated blocks: holes hold nothing).
nonzero() { echo $(($(stat -c '%b * %B' "$1"))); }

t0=$SECONDS
for d in go1.19/leakymap-exe go1.22/leakymap-exe go1.24/pool-pie go1.26/leakymap-exe; do
	src=$CORES/$d
	[[ -f $src/core && -x $src/bin ]] || die "no $src/core (run make cores)"
	limit=$((128 * 1024 * 1024 + 2 * $(nonzero "$src/core")))
	work=$TMP/work.core
	cp --sparse=always "$src/core" "$work"
	"$CORRUPT" plan "$work" "$src/bin" "$SEED" "$N" >"$TMP/plan" ||
		die "cannot plan cases for $src"
	n=0
	i=0
	while read -r name kind args; do
		i=$((i + 1))
		(((i - 1) % STRIDE == 0)) || continue
		n=$((n + 1))
		case $kind in
		trunc)
			cp --sparse=always "$work" "$TMP/cut.core"
			truncate -s "$args" "$TMP/cut.core"
			run "$name@$d" "$TMP/cut.core" "$src/bin" "$limit"
			;;
		patch)
			# shellcheck disable=SC2086 # a list of patches
			"$CORRUPT" poke "$work" new $args || die "poke $name"
			run "$name@$d" "$work" "$src/bin" "$limit"
			# shellcheck disable=SC2086
			"$CORRUPT" poke "$work" old $args || die "undo $name"
			;;
		*) die "bad plan line: $name $kind" ;;
		esac
	done <"$TMP/plan"
	cmp -s "$work" "$src/core" || die "$d: the working copy was not restored"
	echo "hostile: $d: $n cases"
done

# Whole-file cases: the wrong executable (with and without --force), a
# non-Go core, inputs that are no core at all, the executable as the core.
A=$CORES/go1.22/leakymap-exe B=$CORES/go1.26/leakymap-exe
limit=$((128 * 1024 * 1024 + 2 * $(nonzero "$A/core")))
run "mismatched-exe" "$A/core" "$B/bin" "$limit"
run "mismatched-exe-forced" "$A/core" "$B/bin" "$limit" --force
run "other-program-exe-forced" "$A/core" "$CORES/go1.22/pool-exe/bin" "$limit" --force
[[ -f $CORES/nongo/core ]] || die "no $CORES/nongo/core (run make cores)"
run "non-go-core" "$CORES/nongo/core" "$A/bin" "$limit"
run "non-go-core-forced" "$CORES/nongo/core" "$A/bin" "$limit" --force
run "non-go-core-own-exe" "$CORES/nongo/core" "$CORES/nongo/bin" "$limit"
run "exe-as-core" "$A/bin" "$A/bin" "$limit"
: >"$TMP/empty"
run "empty-core" "$TMP/empty" "$A/bin" "$limit"
run "core-as-exe" "$A/core" "$A/core" "$limit"
head -c 5000000 /dev/urandom >"$TMP/random.core" 2>/dev/null ||
	dd if=/dev/urandom of="$TMP/random.core" bs=1M count=5 2>/dev/null
run "random-bytes-core" "$TMP/random.core" "$A/bin" "$limit"
# A zstd core cut in the middle of a frame.
head -c $(($(stat -c %s "$A/core.zst") / 2)) "$A/core.zst" >"$TMP/cut.core.zst"
run "truncated-zstd" "$TMP/cut.core.zst" "$A/bin" "$limit"

# An output that cannot be written: exit 1 (docs/goretain.1), one line
# naming the path, before any analysis.
for cmd in "report -o $TMP/no/such/dir/r.json" "report -o $TMP/no/such/dir/r.pb.gz" \
	"profile -o $TMP/no/such/dir/p.pb.gz"; do
	# shellcheck disable=SC2086 # the command and its options
	timeout 120 "$GORETAIN" $cmd --exe "$A/bin" "$A/core" >/dev/null 2>"$TMP/err"
	rc=$?
	path=${cmd##* }
	if ((rc == 1)) && (($(grep -cv '^goretain: warning: ' "$TMP/err") == 1)) &&
		grep -q "^goretain: $path: " "$TMP/err"; then
		PASS=$((PASS + 1))
	else
		fail "unwritable output ($cmd)" "exit $rc: $(head -c 300 "$TMP/err")"
	fi
done
timeout 120 "$GORETAIN" heap --exe "$A/bin" "$A/core" >/dev/full 2>"$TMP/err"
rc=$?
if ((rc == 1)) && grep -q '^goretain: stdout: write: ' "$TMP/err"; then
	PASS=$((PASS + 1))
else
	fail "stdout full" "exit $rc: $(head -c 300 "$TMP/err")"
fi

echo "hostile: $PASS passed ($OK analysed, $PARTIAL of them flagged partial; $ERR clean errors), $FAIL failed, $((SECONDS - t0)) s"
((FAIL == 0))
