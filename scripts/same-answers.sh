#!/bin/bash
# Same answers across a speed change: `goretain report --format json` of
# two builds (the reference, then the candidate) on every corpora core and
# any bench cores asked for, byte-identical but for the timing fields
# (analysis_seconds, decompress_seconds); the candidate's report with
# --threads 1 identical to its default; and `goretain heap --json` (which
# stops after marking) identical to the reference's.
#
#   scripts/same-answers.sh REF_GORETAIN NEW_GORETAIN [BENCH_VARIANT...]
#
#   REF_GORETAIN   e.g. a build of the commit before the change
#                  (git worktree add /tmp/ref HEAD~1 && make -C /tmp/ref)
#   BENCH_VARIANT  e.g. go1.26/heap-512m: $GR_CACHE/bench/<variant> too
#
# The reference's JSON is cached per binary (its sha256) under
# $GR_CACHE/same-answers, so a series of changes re-runs only the
# candidate.  Prints one line per core and a summary; exit 1 on any
# difference, 2 when it cannot run.
set -uo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 REF_GORETAIN NEW_GORETAIN [BENCH_VARIANT...]" >&2; exit 2; }
REF=$1 NEW=$2
shift 2
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
for b in "$REF" "$NEW"; do [[ -x $b ]] || { echo "same-answers: $b is not an executable" >&2; exit 2; }; done
command -v jq >/dev/null || { echo "same-answers: jq is missing" >&2; exit 2; }

REFKEY=$(sha256sum <"$REF" | cut -c1-16)
KEEP=$CACHE/same-answers/$REFKEY
mkdir -p "$KEEP"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/same-answers.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

canon() { jq -S 'del(.analysis_seconds, .heap.analysis_seconds, .summary.info.core.decompress_seconds)' "$1"; }

DIRS=()
shopt -s nullglob
for d in "$CACHE"/cores/go1.*/*/; do [[ -f $d/core && -f $d/bin ]] && DIRS+=("${d%/}"); done
for v in "$@"; do
	[[ -f $CACHE/bench/$v/core ]] || { echo "same-answers: no bench core $CACHE/bench/$v" >&2; exit 2; }
	DIRS+=("$CACHE/bench/$v")
done

same=0 differ=0
for d in "${DIRS[@]}"; do
	id=${d#"$CACHE"/}
	# A remade core (same path) must not meet the old core's answers.
	key=${id//\//_}.$(stat -c %s.%Y "$d/core")
	if [[ ! -f $KEEP/$key.json ]]; then
		"$REF" report --quiet --format json --exe "$d/bin" "$d/core" -o "$TMP/ref.json" 2>"$TMP/err" ||
			{ echo "same-answers: $REF failed on $id: $(head -c 200 "$TMP/err")" >&2; exit 2; }
		canon "$TMP/ref.json" >"$KEEP/$key.json"
	fi
	ok=1
	"$NEW" report --quiet --format json --exe "$d/bin" "$d/core" -o "$TMP/new.json" 2>"$TMP/err" || ok=0
	if ((ok)) && ! canon "$TMP/new.json" | cmp -s - "$KEEP/$key.json"; then
		ok=0
		echo "DIFF $id: $(diff <(canon "$TMP/new.json") "$KEEP/$key.json" | head -n 6 | tr '\n' ' ')"
	fi
	if ((ok)); then
		"$NEW" report --quiet --threads 1 --format json --exe "$d/bin" "$d/core" -o "$TMP/t1.json" 2>"$TMP/err" &&
			canon "$TMP/t1.json" | cmp -s - "$KEEP/$key.json" || { ok=0; echo "DIFF $id: --threads 1"; }
	fi
	if ((ok)); then
		if [[ ! -f $KEEP/$key.heap.json ]]; then
			"$REF" heap --json --quiet --exe "$d/bin" "$d/core" >"$TMP/rh.json" 2>"$TMP/err" ||
				{ echo "same-answers: $REF heap failed on $id: $(head -c 200 "$TMP/err")" >&2; exit 2; }
			canon "$TMP/rh.json" >"$KEEP/$key.heap.json"
		fi
		"$NEW" heap --json --quiet --exe "$d/bin" "$d/core" >"$TMP/nh.json" 2>"$TMP/err" &&
			canon "$TMP/nh.json" | cmp -s - "$KEEP/$key.heap.json" || { ok=0; echo "DIFF $id: heap --json"; }
	fi
	if ((ok)); then same=$((same + 1)); echo "same $id"; else differ=$((differ + 1)); fi
done
echo "same-answers: $same cores identical, $differ differ (reference $REF, $REFKEY)"
((differ == 0))
