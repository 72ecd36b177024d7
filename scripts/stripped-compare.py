#!/usr/bin/env python3
"""stripped-compare.py — a stripped executable against its DWARF twin.

    scripts/stripped-compare.py [--goretain BIN] [--cores DIR]
                                [--only SUBSTR ...] [--json OUT]

For every corpus core whose executable has DWARF, make a copy of the
executable with `strip -s` (symbols and DWARF gone, code and notes
unchanged, so the same core serves both) and analyse the one core with
each executable.  Per core it prints:

  * whether the live totals (bytes, objects) are identical: they must be,
    since stripping removes no code and no data the heap walk reads;
  * the typed share of live bytes with DWARF and stripped;
  * agreement: of the bytes the stripped analysis types, the share whose
    type name has at least as many bytes in the DWARF analysis (the sum
    over type names of min(stripped, dwarf) / stripped typed bytes).  A
    per-type comparison, not per object: an object typed differently
    shows as a shortfall unless another swaps with it exactly.

A table per toolchain follows (the worst typed share and agreement), and
with --json the per-core figures go to OUT.  Issue 16's targets: live
totals identical, typed share >= 95%, agreement >= 99%.  Exit status 1
when any live total differs or an analysis fails, 0 otherwise (the share
targets are reported, not enforced, until the typing meets them).

The stripped copies are cached beside the cores' cache, in
~/.cache/goretain/stripped/<toolchain>/<variant>/bin.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HOME = os.path.expanduser("~")


def run_json(goretain, args, exe, core):
    cmd = [goretain] + args + ["--json", "--threads", "1", "--quiet",
                               "--exe", exe, core]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: "
                           f"{p.stderr.strip()[:300]}")
    return json.loads(p.stdout)


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


def by_type(top):
    """Bytes per type name from `top --by type -n 0 --json`; unknown
    objects are kept apart."""
    out = {}
    for r in top["rows"]:
        out[r["key"]] = out.get(r["key"], 0) + r["shallow_bytes"]
    return out


def analyse(goretain, exe, core):
    t0 = time.monotonic()
    rep = run_json(goretain, ["report"], exe, core)
    secs = time.monotonic() - t0
    top = run_json(goretain, ["top", "--by", "type", "-n", "0"], exe, core)
    ty = rep["types"]
    return {
        "live_bytes": rep["heap"]["live"]["bytes"],
        "live_objects": rep["heap"]["live"]["objects"],
        "typed_bytes": ty["typed_bytes"],
        "unknown_bytes": ty["unknown_bytes"],
        "by_type": by_type(top),
        "seconds": secs,
    }


def unknown_key(name):
    return name == "unknown" or name.startswith("unknown ")


def compare(full, strip):
    live = full["live_bytes"] or 1
    typed = 0
    agree = 0
    for name, b in strip["by_type"].items():
        if unknown_key(name):
            continue
        typed += b
        agree += min(b, full["by_type"].get(name, 0))
    return {
        "totals_equal": (full["live_bytes"], full["live_objects"]) ==
                        (strip["live_bytes"], strip["live_objects"]),
        "typed_dwarf": full["typed_bytes"] / live,
        "typed_stripped": strip["typed_bytes"] / live,
        "agreement": agree / typed if typed else 1.0,
        "time_ratio": strip["seconds"] / max(full["seconds"], 1e-3),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--goretain", default="build/goretain")
    ap.add_argument("--cores",
                    default=os.path.join(HOME, ".cache/goretain/cores"))
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--json")
    a = ap.parse_args()
    cache = os.path.join(HOME, ".cache/goretain/stripped")
    rows = []
    bad = 0
    for tc in sorted(os.listdir(a.cores)):
        if not tc.startswith("go"):
            continue
        for var in sorted(os.listdir(os.path.join(a.cores, tc))):
            d = os.path.join(a.cores, tc, var)
            exe, core = os.path.join(d, "bin"), os.path.join(d, "core")
            name = f"{tc}/{var}"
            if a.only and not any(s in name for s in a.only):
                continue
            if not (os.path.isfile(exe) and os.path.isfile(core)) or \
                    not has_dwarf(exe):
                continue
            try:
                sexe = stripped_copy(exe, os.path.join(cache, tc, var))
                full = analyse(a.goretain, exe, core)
                strip = analyse(a.goretain, sexe, core)
            except (RuntimeError, subprocess.CalledProcessError,
                    json.JSONDecodeError) as e:
                print(f"FAIL {name}: {e}")
                bad += 1
                continue
            c = compare(full, strip)
            c["core"] = name
            rows.append(c)
            bad += not c["totals_equal"]
            print(f"{'ok  ' if c['totals_equal'] else 'DIFF'} {name:38} "
                  f"typed {100 * c['typed_dwarf']:6.2f}% -> "
                  f"{100 * c['typed_stripped']:6.2f}%  agreement "
                  f"{100 * c['agreement']:6.2f}%  time "
                  f"{c['time_ratio']:.2f}x", flush=True)
    print()
    print("| toolchain | cores | totals equal | typed stripped (min) "
          "| agreement (min) | time ratio (max) |")
    print("|---|---:|---:|---:|---:|---:|")
    for tc in sorted({r["core"].split("/")[0] for r in rows}):
        rs = [r for r in rows if r["core"].startswith(tc + "/")]
        print(f"| {tc} | {len(rs)} | "
              f"{sum(r['totals_equal'] for r in rs)} | "
              f"{100 * min(r['typed_stripped'] for r in rs):.2f}% | "
              f"{100 * min(r['agreement'] for r in rs):.2f}% | "
              f"{max(r['time_ratio'] for r in rs):.2f} |")
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump(rows, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
