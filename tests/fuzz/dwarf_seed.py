#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cut a fuzz_dwarf seed from a Go binary: its whole .debug_abbrev and the
first compile units of .debug_info (at most LIMIT bytes, at least one unit),
in fuzz_dwarf's input format: u32 little-endian abbrev length, abbrev bytes,
info bytes.  usage: dwarf_seed.py BINARY OUT"""
import os
import struct
import subprocess
import sys
import tempfile

LIMIT = 48 << 10


def section(binary, name, tmp):
    plain = os.path.join(tmp, "plain")
    out = os.path.join(tmp, name.lstrip("."))
    if not os.path.exists(plain):
        subprocess.run(["objcopy", "--decompress-debug-sections", binary,
                        plain], check=True)
    subprocess.run(["objcopy", "--dump-section", name + "=" + out, plain,
                    os.path.join(tmp, "unused")], check=True)
    with open(out, "rb") as f:
        return f.read()


def main():
    binary, out = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        abbrev = section(binary, ".debug_abbrev", tmp)
        info = section(binary, ".debug_info", tmp)
    end = 0
    while end + 4 <= len(info):
        (length,) = struct.unpack_from("<I", info, end)
        if length >= 0xfffffff0:  # 64-bit DWARF: Go never writes it
            break
        nxt = end + 4 + length
        if nxt > len(info) or (end and nxt > LIMIT):
            break
        end = nxt
    with open(out, "wb") as f:
        f.write(struct.pack("<I", len(abbrev)) + abbrev + info[:end])


if __name__ == "__main__":
    main()
