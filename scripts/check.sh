#!/bin/bash
# make check / make check-quick: every stage timed, a table at the end.
#
#   scripts/check.sh           make check: installs, build, cores, unit, each
#                              integration suite, bench-smoke, then the
#                              sanitizer build, unit and integration passes
#   scripts/check.sh --quick   make check-quick: build, unit, and the
#                              integration suites on the newest toolchain's
#                              cores (plain build, no installs, no sanitizers)
#
# Each stage is one command; the first that fails stops the run with its
# name.  Whatever happens, the stages run so far are printed as a table and
# written to build/make-check.times (build/make-check-quick.times for
# --quick): one line per stage, "name seconds", then "total seconds", so
# anyone sees which stage grows.
#
# Environment: MAKE (the make that called us), GR_CACHE, GR_CHECK_JOBS
# (parallel jobs for builds, core captures, unit tests and integration
# checks; default: the number of CPUs).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
JOBS=${GR_CHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}
export GR_CHECK_JOBS=$JOBS
export GR_CACHE=${GR_CACHE:-$HOME/.cache/goretain}

QUICK=0
case "${1:-}" in
--quick) QUICK=1 ;;
"") ;;
*) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

if ((QUICK)); then
	NAME="make check-quick"
	TIMES=build/make-check-quick.times
else
	NAME="make check"
	TIMES=build/make-check.times
fi
mkdir -p build
: >"$TIMES.tmp"

STAGES=() SECS=()
T0=$(date +%s.%N)
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

write_times() {
	{
		local i
		for i in "${!STAGES[@]}"; do echo "${STAGES[i]} ${SECS[i]}"; done
		echo "total $(sub "$T0" "$(now)")"
	} >"$TIMES.tmp" && mv "$TIMES.tmp" "$TIMES"
}

table() {
	local i total
	total=$(sub "$T0" "$(now)")
	echo
	echo "$NAME: stage times (wall seconds, $JOBS jobs; $TIMES)"
	for i in "${!STAGES[@]}"; do printf '  %-22s %8s\n' "${STAGES[i]}" "${SECS[i]}"; done
	printf '  %-22s %8s\n' total "$total"
}

# stage NAME COMMAND...: run it, time it, stop the run if it fails.
stage() {
	local name=$1 t rc
	shift
	echo "== stage $name: $*"
	t=$(now)
	"$@"
	rc=$?
	STAGES+=("$name")
	SECS+=("$(sub "$t" "$(now)")")
	write_times
	if ((rc != 0)); then
		table
		echo "$NAME: FAILED in stage $name (exit $rc)"
		exit 1
	fi
}

M=("$MAKE" --no-print-directory -j"$JOBS")
SAN=(BUILD=build-san SANITIZE=address,undefined)

if ((QUICK)); then
	stage layers "${M[@]}" check-layers
	stage build "${M[@]}" WERROR=1 all tests
	stage unit "${M[@]}" WERROR=1 unit
	for s in run html batch hostile slim pprof stripped servers arm64; do
		stage "it-$s" "${M[@]}" WERROR=1 GR_IT_SUBSET=newest "it-$s"
	done
else
	stage installs sh -c 'scripts/install-deps.sh && scripts/install-go.sh'
	stage layers "${M[@]}" check-layers
	stage build "${M[@]}" WERROR=1 all tests
	stage cores "${M[@]}" WERROR=1 cores
	stage pprof-tool "${M[@]}" pprof-tool
	stage unit "${M[@]}" WERROR=1 unit
	for s in run html batch hostile slim pprof stripped servers arm64; do
		stage "it-$s" "${M[@]}" WERROR=1 "it-$s"
	done
	stage bench-smoke "${M[@]}" WERROR=1 bench-smoke
	stage tsan-build "${M[@]}" WERROR=1 tsan
	stage it-threads "${M[@]}" WERROR=1 it-threads
	stage san-build "${M[@]}" WERROR=1 "${SAN[@]}" all tests
	stage san-unit env ASAN_OPTIONS=detect_leaks=1 "${M[@]}" WERROR=1 "${SAN[@]}" unit
	# The sanitizer pass of the integration suites: the representative
	# subset GR_IT_SUBSET=san (Makefile: SAN_IT_SUBSET says which and why).
	for s in run html batch hostile slim pprof; do
		stage "san-it-$s" env ASAN_OPTIONS=detect_leaks=1 GR_IT_SANITIZER=1 \
			"${M[@]}" WERROR=1 "${SAN[@]}" GR_IT_SUBSET=san "it-$s"
	done
fi
table
echo "$NAME: all passed"
