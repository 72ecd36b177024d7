#!/usr/bin/env python3
"""stripped-compare.py — a stripped executable against its DWARF twin.

    scripts/stripped-compare.py [--goretain BIN] [--typecmp BIN]
                                [--cache DIR] [-j N]
                                [--only SUBSTR ...] [--json OUT]
                                [--floor FILE | --write-floor FILE]

For every corpus core whose executable has DWARF, make a copy of the
executable with `strip -s` (symbols and DWARF gone, code and notes
unchanged, so the same core serves both) and analyse the one core with
each executable.  Per core it prints:

  * whether the live totals (bytes, objects) are identical: they must be,
    since stripping removes no code and no data the heap walk reads;
  * the typed share of live bytes with DWARF and stripped;
  * object by object (tests/tools/typecmp.c, build/tests/gr-typecmp):
    agreement, the share of the bytes inference typed whose type is the
    one DWARF gives (objects DWARF leaves unknown aside: nothing to
    compare), and "exact named otherwise", the share of the bytes typed
    from the core itself whose name differs from DWARF's (the target is
    none; today's are naming, e.g. a 16-byte block typed "string data").

The time ratio is the stripped analysis's CPU seconds (user + system)
over the DWARF one's, on the same core (reported, not held: tiny cores
take a tenth of a second).  A table per toolchain follows (the worst
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
import tempfile

HOME = os.path.expanduser("~")


def run_json(goretain, args, exe, core):
    """The command's JSON and its CPU seconds (user + system, from
    wait4: the analyses run side by side, and wall time would measure
    the neighbours too)."""
    cmd = [goretain] + args + ["--json", "--threads", "1", "--quiet",
                               "--exe", exe, core]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: "
                           f"{stderr.strip()[:300]}")
    return json.loads(stdout), ru.ru_utime + ru.ru_stime


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


INFERRED = " (inferred)"
AGREEMENT_TARGET = 99.0
PKG_PATH = re.compile(r"[\w.~-]+/")


def by_type(top):
    """Bytes per type name from `top --by type -n 0 --json`, an
    inferred type's under its plain name (agreement counts it like an
    exact one); unknown objects are kept apart under their own keys."""
    out = {}
    for r in top["rows"]:
        k = r["key"]
        if k.endswith(INFERRED):
            k = k[:-len(INFERRED)]
        # A descriptor's name has the package's last path element only
        # ("sync.node"), DWARF's the whole path ("internal/sync.node");
        # the compiler's "noalg." marker is DWARF's alone.
        k = PKG_PATH.sub("", k).replace("noalg.", "")
        out[k] = out.get(k, 0) + r["shallow_bytes"]
    return out


def inferred_bytes(top):
    return sum(r["shallow_bytes"] for r in top["rows"]
               if r["key"].endswith(INFERRED))


def analyse(goretain, exe, core):
    """One `top --by type -n 0` gives the live totals and every type's
    shallow bytes, unknown objects under their own keys."""
    top, secs = run_json(goretain, ["top", "--by", "type", "-n", "0"], exe,
                         core)
    types = by_type(top)
    unknown = sum(b for k, b in types.items() if unknown_key(k))
    return {
        "live_bytes": top["live_bytes"],
        "live_objects": top["live_objects"],
        "typed_bytes": top["live_bytes"] - unknown,
        "unknown_bytes": unknown,
        "inferred_bytes": inferred_bytes(top),
        "by_type": types,
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
        "inferred_stripped": strip["inferred_bytes"] / live,
        "agreement": agree / typed if typed else 1.0,
        "time_ratio": strip["seconds"] / max(full["seconds"], 1e-3),
    }


def read_floor(path):
    floor = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                core, typed, agree, other = line.split()
                floor[core] = (float(typed), float(agree), float(other))
    return floor


def objects(typecmp, exe, sexe, core):
    """Per object (gr-typecmp): agreement of the inferred bytes, and the
    share of the exactly typed bytes named otherwise than with DWARF."""
    p = subprocess.run([typecmp, exe, sexe, core], capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{typecmp} {core}: exit {p.returncode}: "
                           f"{p.stderr.strip()[:300]}")
    o = json.loads(p.stdout)
    compared = o["inferred_bytes"] - o["inferred_dwarf_unknown_bytes"]
    return {
        "agreement": 1 - o["inferred_other_bytes"] / compared
                     if compared else 1.0,
        "exact_other": o["exact_other_bytes"] / o["exact_bytes"]
                       if o["exact_bytes"] else 0.0,
        "exact_generic": o["exact_generic_bytes"] / o["exact_bytes"]
                         if o["exact_bytes"] else 0.0,
        "differences": o["differences"],
    }


def one(a, cache, name, exe, core):
    sexe = stripped_copy(exe, os.path.join(cache, "stripped", name))
    full = analyse(a.goretain, exe, core)
    strip = analyse(a.goretain, sexe, core)
    c = compare(full, strip)
    c.update(objects(a.typecmp, exe, sexe, core))
    c["core"] = name
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--goretain", default="build/goretain")
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
