#!/usr/bin/env python3
"""goretain's benchmark: time `goretain report` on the scale corpus.

    scripts/bench.py [--runs N] [--go "1.22 1.26"] [--variants "heap-64m ..."]
                     [--remeasure] [--smoke] [--json OUT] [--keep DIR]

Reads the cores scripts/make-bench-cores.sh cached in $GR_CACHE/bench
(go1.NN/<variant>/{bin,core,oracle.json}).  For each heap variant it runs
`goretain report --format json` --runs times with GR_TIMINGS=1 and takes,
from the timing lines on stderr (see forensics/01-base/progress.h), the wall and
CPU seconds of every phase and the peak private memory; for the
goroutines variant it times `goretain goroutines`.  It prints a summary
table (heap, objects, pointers, total wall and CPU, peak private memory,
throughput, ratio to the runtime's own mark CPU) and a table per phase,
with the medians over the runs (peak memory: the largest).

The reference point, "runtime mark CPU", is the runtime's own account of
marking the same heap: GODEBUG=gctrace=1's CPU of the forced collections
the scale program measured (assist + background + idle mark, the middle
three of its "ms cpu" figures), the median of them, read from the run.log
make-bench-cores.sh kept.  The second column, "older reference", is the
smaller of the two readings the program took itself (runtime/metrics' mark
CPU classes, P-time estimates that overcount on a loaded machine, and the
process CPU across runtime.GC(), real CPU but with the sweep and
stop-the-world work); on an idle machine the metrics agree with gctrace,
on a loaded one they overcount, so it is shown, not used as the target.
--remeasure runs the cached scale binary again (same settings) to take
both references now, beside the goretain runs, instead of using the ones
recorded when the core was made.

Peers (viewcore, grf from goref, dlv) are run on the same cores when on
PATH and skipped with a line saying so otherwise.

--smoke (make check): the first core only, one run, and checks that the
run succeeded, that every phase was timed and that goretain's object count
is within 1% of the runtime's HeapObjects; exits 1 otherwise.  Benchmarks
never fail on slowness.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

PHASES = [
    ("loading", "load"),
    ("walking the heap", "heap"),
    ("finding roots", "roots"),
    ("scanning objects", "graph"),
    ("marking", "mark"),
    ("typing objects", "types"),
    ("dominators", "dom"),
    # --threads 2 and more: the two above on two threads, one phase.
    ("typing objects and dominators", "types+dom"),
    ("writing the report", "report"),
]
TIMING = re.compile(r'^goretain: timing: phase="([^"]*)" (.*)$')
COUNT = re.compile(r"^goretain: timing: count (\w+)=(\d+)$")
KV = re.compile(r"(\w+)=([0-9.]+)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(2)


def parse_timings(stderr):
    phases, counts = {}, {}
    for line in stderr.splitlines():
        m = TIMING.match(line)
        if m:
            phases[m.group(1)] = {k: float(v) for k, v in KV.findall(m.group(2))}
            continue
        m = COUNT.match(line)
        if m:
            counts[m.group(1)] = int(m.group(2))
    return phases, counts


def run_timed(cmd, timeout):
    env = dict(os.environ, GR_TIMINGS="1")
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    wall = time.monotonic() - t0
    return p, wall


def reference(oracle):
    gc = oracle.get("gc", {})
    cands = [v for v in (gc.get("mark_cpu_seconds"), gc.get("process_cpu_seconds")) if v]
    return min(cands) if cands else None


# gc 14 @2.9s 9%: 0.02+96+0.01 ms clock, 0.05+1.2/180/3.4+0.02 ms cpu, ... (forced)
GCTRACE = re.compile(r"^gc \d+ @[\d.]+s \d+%: [\d.+]+ ms clock, [\d.]+\+([\d.]+)/([\d.]+)/([\d.]+)\+[\d.]+ ms cpu,.*\(forced\)")


def gctrace_mark(text, n):
    """Median mark CPU seconds (assist + background + idle) of the last @n
    forced collections gctrace reported in @text, or None."""
    marks = []
    for line in text.splitlines():
        m = GCTRACE.match(line.strip())
        if m:
            marks.append(sum(float(x) for x in m.groups()) / 1000)
    if not n or len(marks) < n:
        return None
    return statistics.median(marks[-n:])


def remeasure(d, meta, timeout):
    """Run the cached scale binary with the core's settings; its oracle."""
    env = dict(os.environ)
    for kv in meta.get("env", "").split():
        k, _, v = kv.partition("=")
        env[k] = v
    env.pop("GR_SCALE_RAW_ABORT", None)
    env["GODEBUG"] = "gctrace=1"
    with tempfile.TemporaryDirectory(prefix="goretain-bench-") as tmp:
        out = os.path.join(tmp, "oracle.json")
        log = open(os.path.join(tmp, "run.log"), "w")
        p = subprocess.Popen([os.path.join(d, "bin"), out], env=env,
                             stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        try:
            while not os.path.exists(out):
                if p.poll() is not None:
                    return None
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.1)
            time.sleep(0.2)
            with open(out) as f:
                doc = json.load(f)
            log.flush()
            with open(os.path.join(tmp, "run.log")) as f:
                doc["gctrace_mark_cpu"] = gctrace_mark(f.read(), doc.get("gc", {}).get("forced"))
            return doc
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGUSR1)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


PEERS = [
    # (name, binary, argv builder): run where installed; untested here
    # (none is installed on the machine the numbers were taken on).
    ("viewcore", "viewcore", lambda b, exe, core: [b, core, "--exe", exe, "histogram"]),
    ("goref", "grf", lambda b, exe, core: [b, "core", exe, core]),
    ("dlv", "dlv", lambda b, exe, core: [b, "core", exe, core, "--init", "/dev/null"]),
]


def run_peers(exe, core, timeout, said):
    res = {}
    for name, binary, argv in PEERS:
        path = shutil.which(binary)
        if not path:
            if name not in said:
                print(f"bench: peer {name}: not installed ({binary} not on PATH), skipped")
                said.add(name)
            continue
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv(path, exe, core), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, timeout=timeout)
            ok = p.returncode == 0
        except subprocess.TimeoutExpired:
            ok = False
        res[name] = {"wall": time.monotonic() - t0, "ok": ok}
    return res


def bench_core(args, gokey, var, d):
    with open(os.path.join(d, "oracle.json")) as f:
        oracle = json.load(f)
    meta = {}
    if os.path.exists(os.path.join(d, "meta.json")):
        with open(os.path.join(d, "meta.json")) as f:
            meta = json.load(f)
    ref_oracle = oracle
    if os.path.exists(os.path.join(d, "run.log")):
        with open(os.path.join(d, "run.log"), errors="replace") as f:
            oracle["gctrace_mark_cpu"] = gctrace_mark(f.read(), oracle.get("gc", {}).get("forced"))
    if args.remeasure:
        fresh = remeasure(d, meta, args.timeout)
        if fresh is None:
            print(f"bench: {gokey}/{var}: remeasuring the runtime failed; using the recorded reference")
        else:
            ref_oracle = fresh
    exe, core = os.path.join(d, "bin"), os.path.join(d, "core")
    r = {"go": gokey, "variant": var, "go_version": oracle.get("go_version"),
         "heap_bytes": oracle["memstats"]["heap_alloc"],
         "heap_objects_runtime": oracle["memstats"]["heap_objects"],
         "goroutines": oracle.get("num_goroutine"),
         "runtime_mark_cpu": ref_oracle.get("gctrace_mark_cpu"),
         "runtime_gc_process_cpu": reference(ref_oracle),
         "runtime_gc_wall": ref_oracle.get("gc", {}).get("wall_seconds"),
         "reference_remeasured": ref_oracle is not oracle,
         "runs": []}
    goroutines = var.startswith("goroutines")
    with tempfile.TemporaryDirectory(prefix="goretain-bench-") as tmp:
        for i in range(args.runs):
            if goroutines:
                cmd = [args.goretain, "goroutines", "--exe", exe, core, "--json"]
            else:
                out = os.path.join(tmp, "report.json")
                cmd = [args.goretain, "report", "--exe", exe, core, "--format", "json", "-o", out]
            p, wall = run_timed(cmd, args.timeout)
            if p.returncode != 0:
                r["error"] = f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()[-300:]}"
                return r
            phases, counts = parse_timings(p.stderr)
            r["runs"].append({"wall": wall, "phases": phases, "counts": counts})
            if args.keep and i == 0 and not goroutines:
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(out, os.path.join(args.keep, f"{gokey}-{var}.json"))
        if not goroutines:
            # `goretain heap` pays only for what it prints (no types or
            # dominators): timed once beside the report.
            p, wall = run_timed([args.goretain, "heap", "--exe", exe, core, "--json"], args.timeout)
            if p.returncode == 0:
                phases, _ = parse_timings(p.stderr)
                tot = phases.get("total", {})
                r["heap_cmd"] = {"wall": wall, "cpu": tot.get("cpu"),
                                 "peak_private_mib": tot.get("peak_private_mib")}
    r["peers"] = run_peers(exe, core, args.timeout, args.peers_said)
    return r


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def summarize(r):
    runs = r["runs"]
    s = {"phases": {}}
    for name, _ in PHASES + [("reading goroutines", "read"), ("total", "total")]:
        w = med([x["phases"].get(name, {}).get("wall") for x in runs])
        c = med([x["phases"].get(name, {}).get("cpu") for x in runs])
        if w is not None:
            s["phases"][name] = {"wall": w, "cpu": c}
    s["peak_private_mib"] = max((x["phases"].get("total", {}).get("peak_private_mib", 0) for x in runs), default=0)
    s["peak_rss_mib"] = max((x["phases"].get("total", {}).get("peak_rss_mib", 0) for x in runs), default=0)
    s["counts"] = runs[0]["counts"] if runs else {}
    tot = s["phases"].get("total", {})
    mb = r["heap_bytes"] / 1048576
    s["throughput_mb_s"] = mb / tot["wall"] if tot.get("wall") else None
    s["ratio_cpu"] = tot["cpu"] / r["runtime_mark_cpu"] if tot.get("cpu") and r["runtime_mark_cpu"] else None
    s["private_pct_of_heap"] = 100 * s["peak_private_mib"] / mb if mb else None
    return s


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_tables(results):
    print()
    print("| core | heap MB | objects | pointers | wall s | CPU s | runtime mark CPU s (gctrace) | CPU ratio | older reference s | MB/s | peak private MiB | % of heap |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        if "error" in r:
            print(f"| {r['go']}/{r['variant']} | error: {r['error']} |")
            continue
        s = r["summary"]
        tot = s["phases"].get("total", {})
        c = s["counts"]
        print(f"| {r['go']}/{r['variant']} | {r['heap_bytes'] / 1048576:.0f} | "
              f"{c.get('objects', r['heap_objects_runtime']):,} | {fmt(c.get('edges'), ',')} | "
              f"{fmt(tot.get('wall'), '.2f')} | {fmt(tot.get('cpu'), '.2f')} | "
              f"{fmt(r['runtime_mark_cpu'], '.2f')} | {fmt(s['ratio_cpu'], '.1f')}x | "
              f"{fmt(r['runtime_gc_process_cpu'], '.2f')} | "
              f"{fmt(s['throughput_mb_s'], '.0f')} | {s['peak_private_mib']:.0f} | "
              f"{fmt(s['private_pct_of_heap'], '.0f')}% |")
    heads = [short for _, short in PHASES]
    print()
    print("Per phase, wall / CPU seconds (median of the runs):")
    print()
    print("| core | " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * len(heads))
    for r in results:
        if "error" in r or r["variant"].startswith("goroutines"):
            continue
        ph = r["summary"]["phases"]
        cells = []
        for name, _ in PHASES:
            p = ph.get(name)
            cells.append(f"{p['wall']:.2f} / {p['cpu']:.2f}" if p else "-")
        print(f"| {r['go']}/{r['variant']} | " + " | ".join(cells) + " |")
    hs = [r for r in results if "error" not in r and r.get("heap_cmd")]
    if hs:
        print()
        print("`goretain heap --json` (no types or dominators), one run:")
        print()
        print("| core | wall s | CPU s | x runtime mark CPU | peak private MiB |")
        print("|---|---:|---:|---:|---:|")
        for r in hs:
            h = r["heap_cmd"]
            ratio = h["cpu"] / r["runtime_mark_cpu"] if h.get("cpu") and r.get("runtime_mark_cpu") else None
            print(f"| {r['go']}/{r['variant']} | {h['wall']:.2f} | {fmt(h.get('cpu'), '.2f')} | "
                  f"{fmt(ratio, '.1f')}x | {fmt(h.get('peak_private_mib'), '.0f')} |")
    gs = [r for r in results if "error" not in r and r["variant"].startswith("goroutines")]
    if gs:
        print()
        print("`goretain goroutines --json`:")
        print()
        print("| core | goroutines | wall s | CPU s | load s | read s | peak private MiB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in gs:
            ph = r["summary"]["phases"]
            print(f"| {r['go']}/{r['variant']} | {r['goroutines']:,} | "
                  f"{fmt(ph.get('total', {}).get('wall'), '.2f')} | {fmt(ph.get('total', {}).get('cpu'), '.2f')} | "
                  f"{fmt(ph.get('loading', {}).get('wall'), '.2f')} | "
                  f"{fmt(ph.get('reading goroutines', {}).get('wall'), '.2f')} | "
                  f"{r['summary']['peak_private_mib']:.0f} |")
    peers = [(r, n, v) for r in results for n, v in r.get("peers", {}).items()]
    for r, n, v in peers:
        tot = r["summary"]["phases"].get("total", {})
        ratio = v["wall"] / tot["wall"] if tot.get("wall") else None
        print(f"peer {n} on {r['go']}/{r['variant']}: {v['wall']:.2f} s wall"
              f"{'' if v['ok'] else ' (failed)'}, {fmt(ratio, '.1f')}x goretain's")


def smoke_check(r):
    problems = []
    if "error" in r:
        return [r["error"]]
    ph = r["summary"]["phases"]
    overlapped = "typing objects and dominators"
    for name, _ in PHASES + [("total", "total")]:
        # Typing and dominators are timed apart or, on two threads and
        # more, together.
        if name in ("typing objects", "dominators") and overlapped in ph:
            continue
        if name == overlapped and "typing objects" in ph:
            continue
        if name not in ph:
            problems.append(f"no timing for phase '{name}'")
    n = r["summary"]["counts"].get("objects")
    want = r["heap_objects_runtime"]
    if n is None or abs(n - want) > want / 100:
        problems.append(f"goretain counted {n} objects, the runtime {want}")
    if not r["summary"]["peak_private_mib"]:
        problems.append("no peak private memory reading")
    if not r.get("runtime_mark_cpu"):
        problems.append("no gctrace mark CPU of the forced collections in run.log")
    if not (r.get("heap_cmd") or {}).get("cpu"):
        problems.append("`goretain heap` was not timed")
    return problems


def main():
    ap = argparse.ArgumentParser(description="goretain benchmark (see docs/PERFORMANCE.md)")
    ap.add_argument("--goretain", default=os.environ.get("GORETAIN", os.path.join(ROOT, "build", "goretain")))
    ap.add_argument("--cache", default=os.environ.get("GR_CACHE", os.path.expanduser("~/.cache/goretain")))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("GR_BENCH_RUNS", "3")))
    ap.add_argument("--go", default=os.environ.get("GR_BENCH_GO", "1.22 1.26"))
    ap.add_argument("--variants", default=os.environ.get("GR_BENCH_VARIANTS", "heap-64m heap-512m heap-2g goroutines-100k"))
    ap.add_argument("--remeasure", action="store_true", default=os.environ.get("GR_BENCH_REMEASURE") == "1")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--json", help="write every run and summary here")
    ap.add_argument("--keep", help="keep each core's first report JSON in this directory")
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args()
    args.peers_said = set()
    if not os.access(args.goretain, os.X_OK):
        die(f"{args.goretain} is not an executable (build it with make)")
    if args.smoke:
        args.runs = 1
    bench = os.path.join(args.cache, "bench")
    todo = []
    for v in args.go.split():
        for var in args.variants.split():
            d = os.path.join(bench, "go" + v, var)
            if os.path.exists(os.path.join(d, "core")) and os.path.exists(os.path.join(d, "oracle.json")):
                todo.append(("go" + v, var, d))
            else:
                print(f"bench: go{v}/{var}: no core in {d} (run scripts/make-bench-cores.sh), skipped")
    if args.smoke:
        todo = todo[:1]
    if not todo:
        die("no bench cores (run scripts/make-bench-cores.sh)")
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"bench: {args.goretain}, {args.runs} run(s) per core, load average {' '.join(load)} at start")
    results = []
    for gokey, var, d in todo:
        print(f"bench: {gokey}/{var} ...", flush=True)
        r = bench_core(args, gokey, var, d)
        if "error" not in r:
            r["summary"] = summarize(r)
        results.append(r)
    print_tables(results)
    with open("/proc/loadavg") as f:
        print(f"\nbench: load average {' '.join(f.read().split()[:3])} at the end")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.smoke:
        problems = smoke_check(results[0])
        for p in problems:
            print(f"bench: smoke: FAIL {todo[0][0]}/{todo[0][1]}: {p}")
        if problems:
            sys.exit(1)
        print(f"bench: smoke: PASS {todo[0][0]}/{todo[0][1]}")
    elif any("error" in r for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
