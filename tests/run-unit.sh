#!/bin/bash
# Run the cmocka unit test binaries, GR_CHECK_JOBS at a time, each one's
# output printed whole and in the order given (as a serial run prints it).
#
#   tests/run-unit.sh build/tests/test_a build/tests/test_b ...
#
# cmocka counts a skipped test as a pass; here it is a failure: a test
# that could not check what it is for has not passed.  The summary says how
# many tests ran, passed, failed and were skipped, per binary and in all.
# Exit 1 if any binary fails or skips anything.
set -uo pipefail

JOBS=${GR_CHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}
((JOBS >= 1)) || JOBS=1
OUT=$(mktemp -d "${TMPDIR:-/tmp}/goretain-unit.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; exit 130' INT TERM

BINS=("$@")
N=${#BINS[@]}
((N)) || { echo "run-unit: no test binaries" >&2; exit 2; }

RAN=0 PASSED=0 FAILED=0 SKIPPED=0
BAD=()
next=0

# report I: print binary I's output and add up its counts.
report() {
	local i=$1 b=${BINS[$1]} rc ran passed failed skipped
	read -r rc secs <"$OUT/$i.rc"
	echo "== $b ($secs s)"
	cat "$OUT/$i.out"
	# "[==========] 8 test(s) run." / "[  PASSED  ] 7 test(s)." /
	# "[  FAILED  ] 1 test(s), listed below:" / "[  SKIPPED ] 1 test(s), ..."
	ran=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\.$/\1/p' "$OUT/$i.out" | tail -n 1)
	passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$OUT/$i.out" | tail -n 1)
	failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*$/\1/p' "$OUT/$i.out" | tail -n 1)
	skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s).*$/\1/p' "$OUT/$i.out" | tail -n 1)
	RAN=$((RAN + ${ran:-0}))
	PASSED=$((PASSED + ${passed:-0}))
	FAILED=$((FAILED + ${failed:-0}))
	SKIPPED=$((SKIPPED + ${skipped:-0}))
	if [[ $rc != 0 ]]; then
		BAD+=("$b (exit $rc)")
	elif [[ -z $ran ]]; then
		BAD+=("$b (no cmocka summary)")
	elif [[ -n $skipped && $skipped != 0 ]]; then
		BAD+=("$b ($skipped skipped: a skip is a failure)")
	fi
}

flush() { # print every finished binary in order, up to the first running one
	while ((next < N)) && [[ -f $OUT/$next.rc ]]; do
		report "$next"
		next=$((next + 1))
	done
}

for ((i = 0; i < N; i++)); do
	while (($(jobs -rp | wc -l) >= JOBS)); do
		wait -n
		flush
	done
	(
		t=$(date +%s.%N)
		"${BINS[i]}" >"$OUT/$i.out" 2>&1
		rc=$?
		echo "$rc $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" \
			>"$OUT/$i.rc.tmp" && mv "$OUT/$i.rc.tmp" "$OUT/$i.rc"
	) &
	flush
done
wait
flush
# A binary whose runner died before recording its exit status failed.
while ((next < N)); do
	echo "== ${BINS[next]} (no exit status)"
	[[ -f $OUT/$next.out ]] && cat "$OUT/$next.out"
	BAD+=("${BINS[next]} (its runner ended without an exit status)")
	next=$((next + 1))
	flush
done

echo "== unit: $N binaries, $RAN tests run: $PASSED passed, $FAILED failed, $SKIPPED skipped"
if ((${#BAD[@]})); then
	printf '  failed: %s\n' "${BAD[@]}"
	exit 1
fi
exit 0
