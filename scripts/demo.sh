#!/bin/bash
# make demo: build the bundled leaky program (corpora/cmd/leakymap) with the
# newest installed Go, run it until it has leaked its sessions, take a core
# of it and analyse the core with goretain.
#
#   GORETAIN=build/goretain scripts/demo.sh
#
# Everything goes to build/demo/ (GR_DEMO_DIR): leakymap, core, oracle.json
# (what the program knows about its own heap, to compare with goretain's
# report) and run.log (the program's crash traceback).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GORETAIN=${GORETAIN:-$ROOT/build/goretain}
DEMO=${GR_DEMO_DIR:-$ROOT/build/demo}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOWORK=off GOTELEMETRY=off

say() { printf 'demo: %s\n' "$*" >&2; }

GODIR=$("$ROOT/scripts/install-go.sh" --list | tail -n 1)
[[ -n $GODIR ]] || { say "no Go toolchain installed (run scripts/install-go.sh --newest)"; exit 1; }
[[ -x $GORETAIN ]] || { say "$GORETAIN is missing (run make)"; exit 1; }

mkdir -p "$DEMO"
rm -f "$DEMO"/core "$DEMO"/core.* "$DEMO/oracle.json" "$DEMO/run.log"
say "building corpora/cmd/leakymap with $("$GODIR/bin/go" env GOVERSION) into $DEMO/leakymap"
(cd "$ROOT/corpora" && CGO_ENABLED=0 "$GODIR/bin/go" build -trimpath -buildmode=exe -o "$DEMO/leakymap" ./cmd/leakymap)

say "running it: a global map that keeps every session it ever saw"
(cd "$DEMO" && ulimit -c unlimited && exec env GOTRACEBACK=crash ./leakymap oracle.json) >"$DEMO/run.log" 2>&1 &
pid=$!
for ((i = 0; i < 1200; i++)); do
	jq -e .alloc_check "$DEMO/oracle.json" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { say "leakymap exited early:"; tail -n 5 "$DEMO/run.log" >&2; exit 1; }
	sleep 0.05
done
jq -e .alloc_check "$DEMO/oracle.json" >/dev/null 2>&1 || { kill -KILL "$pid"; say "leakymap never became ready"; exit 1; }
say "pid $pid holds $(jq .leaked_entries "$DEMO/oracle.json") sessions, heap $(jq .memstats.heap_alloc "$DEMO/oracle.json") bytes"

# Take the core the way a crashing server would leave one: SIGABRT with
# GOTRACEBACK=crash and the kernel's core_pattern; a pipe pattern (systemd-
# coredump, apport) would take the core away, so use gdb's gcore then.
pattern=$(cat /proc/sys/kernel/core_pattern)
if [[ $pattern == '|'* ]]; then
	say "core_pattern is a pipe ($pattern): taking the core with gdb gcore"
	gdb -nx -batch -iex 'set auto-load off' -p "$pid" -ex "gcore $DEMO/core" >"$DEMO/gdb.log" 2>&1
	fallocate --dig-holes "$DEMO/core" 2>/dev/null || true
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
else
	say "kill -ABRT $pid (core_pattern '$pattern')"
	kill -ABRT "$pid"
	wait "$pid" 2>/dev/null || true
	core=""
	for f in "$DEMO/core" "$DEMO/core.$pid" "$DEMO"/core*; do
		[[ -f $f && $f != *.json ]] && { core=$f; break; }
	done
	if [[ $pattern == /* ]]; then
		# An absolute pattern: look where it points.
		for f in $(dirname "$pattern")/*"$pid"*; do [[ -f $f ]] && core=$f; done
	fi
	[[ -n $core ]] || { say "no core was written (core_pattern '$pattern'; ulimit -c?)"; exit 1; }
	[[ $core == "$DEMO/core" ]] || mv "$core" "$DEMO/core"
fi
say "core: $DEMO/core ($(du -h "$DEMO/core" | cut -f1) on disk, $(du -h --apparent-size "$DEMO/core" | cut -f1) apparent)"

# ---- the analysis
# What the core is, then the whole report; the same report as an HTML page
# (open it in a browser), as JSON and as a pprof profile beside the core.
say "$GORETAIN info --exe $DEMO/leakymap $DEMO/core"
"$GORETAIN" info --exe "$DEMO/leakymap" "$DEMO/core"
echo
say "$GORETAIN report --exe $DEMO/leakymap $DEMO/core"
"$GORETAIN" report --exe "$DEMO/leakymap" "$DEMO/core"
echo
for out in report.html report.json retained.pb.gz; do
	"$GORETAIN" report --quiet --exe "$DEMO/leakymap" "$DEMO/core" -o "$DEMO/$out"
	say "wrote $DEMO/$out"
done
say "the program itself knew: $(jq .leaked_entries "$DEMO/oracle.json") sessions, HeapAlloc $(jq .memstats.heap_alloc "$DEMO/oracle.json") bytes (see $DEMO/oracle.json)"
say "next: $GORETAIN why --exe $DEMO/leakymap $DEMO/core 'map[string]*main.Session'"
