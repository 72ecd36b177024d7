#!/usr/bin/env python3
"""stripped-compare.py — a stripped executable against its DWARF twin.

    scripts/stripped-compare.py [--typecmp BIN] [--cache DIR] [-j N]
                                [--only SUBSTR ...] [--json OUT]
                                [--floor FILE | --write-floor FILE]

For every corpus core whose executable has DWARF, make a copy of the
executable with `strip -s` (symbols and DWARF gone, code and notes
unchanged, so the same core serves both) and analyse the one core with
each executable, both in one run of tests/tools/typecmp.c
(build/tests/gr-typecmp).  Per core it prints:

  * whether the live totals (bytes, objects) are identical: they must be,
    since stripping removes no code and no data the heap walk reads;
  * the typed share of live bytes with DWARF and stripped;
  * object by object: agreement, the share of the bytes inference typed whose type is the
    one DWARF gives (objects DWARF leaves unknown aside: nothing to
    compare), and "exact named otherwise", the share of the bytes typed
    from the core itself whose name differs from DWARF's (none: the
    runtime's generic channel and map types and 16-byte tiny blocks are
    counted apart, typecmp.c says why).

The time ratio is the stripped analysis's CPU seconds over the DWARF
one's, on the same core, one scanning thread each (reported, not held:
tiny cores take a tenth of a second).  A table per toolchain follows (the worst
typed share and agreement, the largest time ratio), and
with --json the per-core figures go to OUT.  Issue 16's targets: live
totals identical, typed share >= 95%, agreement >= 99%.

--floor FILE is a ratchet (tests/integration/stripped-floor.txt, run by
`make it-stripped`): a line "core typed% agreement% exact-other%" per
core, and a core whose typed share falls below its line fails, or whose
agreement falls below its line or 99%, whichever is lower, or whose
exact-named-otherwise share rises above its line.  The targets
above are not enforced until the typing meets them; the floor keeps what
has been reached.  --write-floor FILE records the current figures.
GR_IT_SUBSET=newest (make check-quick) keeps the newest toolchain only.

Exit status 1 when a live total differs, an analysis fails or a floor is
not held, 0 otherwise.  The stripped copies are cached under the cores'
cache: <cache>/stripped/<toolchain>/<variant>/bin.
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys

HOME = os.path.expanduser("~")


def has_dwarf(exe):
    p = subprocess.run(["readelf", "-S", "-W", exe], capture_output=True,
                       text=True)
    return ".debug_info" in p.stdout or ".zdebug_info" in p.stdout


def stripped_copy(exe, cache):
    out = os.path.join(cache, "bin")
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(exe):
        return out
    os.makedirs(cache, exist_ok=True)
    tmp = out + ".tmp"
    subprocess.run(["strip", "-s", "-o", tmp, exe], check=True)
    os.replace(tmp, out)
    return out


AGREEMENT_TARGET = 99.0


def read_floor(path):
    floor = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                core, typed, agree, other = line.split()
                floor[core] = (float(typed), float(agree), float(other))
    return floor


def one(a, cache, name, exe, core):
    """Both analyses of the core, object by object, in one run of
    gr-typecmp (tests/tools/typecmp.c): it exits 1 when the live objects
    differ, so the totals are equal when it answers."""
    sexe = stripped_copy(exe, os.path.join(cache, "stripped", name))
    p = subprocess.run([a.typecmp, exe, sexe, core], capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{a.typecmp} {core}: exit {p.returncode}: "
                           f"{p.stderr.strip()[:300]}")
    o = json.loads(p.stdout)
    live = o["live_bytes"] or 1
    compared = o["inferred_bytes"] - o["inferred_dwarf_unknown_bytes"]
    return {
        "core": name,
        "totals_equal": True,
        "typed_dwarf": 1 - o["dwarf_unknown_bytes"] / live,
        "typed_stripped": 1 - o["stripped_unknown_bytes"] / live,
        "inferred_stripped": o["inferred_bytes"] / live,
        "agreement": 1 - o["inferred_other_bytes"] / compared
                     if compared else 1.0,
        "exact_other": o["exact_other_bytes"] / o["exact_bytes"]
                       if o["exact_bytes"] else 0.0,
        "exact_generic": o["exact_generic_bytes"] / o["exact_bytes"]
                         if o["exact_bytes"] else 0.0,
        "time_ratio": o["stripped_seconds"] / max(o["dwarf_seconds"], 1e-3),
        "differences": o["differences"],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--typecmp", default="build/tests/gr-typecmp")
    ap.add_argument("--cache", default=os.environ.get(
        "GR_CACHE", os.path.join(HOME, ".cache/goretain")))
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--json")
    ap.add_argument("--floor")
    ap.add_argument("--write-floor")
    a = ap.parse_args()
    cores = os.path.join(a.cache, "cores")
    toolchains = sorted((t for t in os.listdir(cores) if t.startswith("go")),
                        key=lambda t: [int(x) for x in t[2:].split(".")])
    if os.environ.get("GR_IT_SUBSET") == "newest":
        toolchains = toolchains[-1:]
    jobs = []
    for tc in toolchains:
        for var in sorted(os.listdir(os.path.join(cores, tc))):
            d = os.path.join(cores, tc, var)
            exe, core = os.path.join(d, "bin"), os.path.join(d, "core")
            name = f"{tc}/{var}"
            if a.only and not any(s in name for s in a.only):
                continue
            if os.path.isfile(exe) and os.path.isfile(core) and \
                    has_dwarf(exe):
                jobs.append((name, exe, core))
    floor = read_floor(a.floor) if a.floor else {}
    rows = []
    bad = 0
    with concurrent.futures.ThreadPoolExecutor(max(1, a.j)) as pool:
        futs = [pool.submit(one, a, a.cache, *j) for j in jobs]
        for (name, _, _), fut in zip(jobs, futs):
            try:
                c = fut.result()
            except (RuntimeError, subprocess.CalledProcessError,
                    json.JSONDecodeError, KeyError) as e:
                print(f"FAIL {name}: {e}")
                bad += 1
                continue
            rows.append(c)
            why = [] if c["totals_equal"] else ["live totals differ"]
            typed, agree = 100 * c["typed_stripped"], 100 * c["agreement"]
            other = 100 * c["exact_other"]
            if name in floor:
                ft, fa, fo = floor[name]
                # Agreement is held at issue 16's target (99%) or at
                # what the core had, whichever is lower: more typed
                # bytes may bring naming differences of a few bytes.
                fa = min(fa, AGREEMENT_TARGET)
                if typed < ft - 0.005:
                    why.append(f"typed share below its floor {ft:.2f}%")
                if agree < fa - 0.005:
                    why.append(f"agreement below its floor {fa:.2f}%")
                if other > fo + 0.005:
                    why.append(f"exact bytes named otherwise above "
                               f"{fo:.2f}%")
            elif a.floor:
                why.append("no floor recorded (--write-floor)")
            bad += bool(why)
            print(f"{'FAIL' if why else 'ok  '} {name:38} "
                  f"typed {100 * c['typed_dwarf']:6.2f}% -> {typed:6.2f}% "
                  f"({100 * c['inferred_stripped']:5.2f}% inferred)  "
                  f"agreement {agree:6.2f}%  exact named otherwise "
                  f"{other:4.2f}%  time "
                  f"{c['time_ratio']:.2f}x{': ' if why else ''}"
                  f"{'; '.join(why)}", flush=True)
    print()
    print("| toolchain | cores | totals equal | typed stripped (min) "
          "| agreement (min) | exact named otherwise (max) "
          "| time ratio (max) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for tc in toolchains:
        rs = [r for r in rows if r["core"].startswith(tc + "/")]
        if not rs:
            continue
        print(f"| {tc} | {len(rs)} | "
              f"{sum(r['totals_equal'] for r in rs)} | "
              f"{100 * min(r['typed_stripped'] for r in rs):.2f}% | "
              f"{100 * min(r['agreement'] for r in rs):.2f}% | "
              f"{100 * max(r['exact_other'] for r in rs):.2f}% | "
              f"{max(r['time_ratio'] for r in rs):.2f} |")
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump(rows, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
    if a.write_floor:
        with open(a.write_floor + ".tmp", "w") as f:
            f.write("# scripts/stripped-compare.py --write-floor: per core, "
                    "the typed share\n# of live bytes with a strip -s "
                    "copy of its executable and the\n# per-object agreement "
                    "of the inferred bytes with DWARF, in percent,\n# "
                    "rounded down; the share of exactly typed bytes named "
                    "otherwise,\n# rounded up.\n")
            for r in rows:
                f.write(f"{r['core']} "
                        f"{math.floor(10000 * r['typed_stripped']) / 100:.2f} "
                        f"{math.floor(10000 * r['agreement']) / 100:.2f} "
                        f"{math.ceil(10000 * r['exact_other']) / 100:.2f}\n")
        os.replace(a.write_floor + ".tmp", a.write_floor)
    print(f"stripped-compare: {len(rows)} cores, "
          f"{'all held' if not bad else f'{bad} failed'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
