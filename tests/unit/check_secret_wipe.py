#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that wiping secrets survives optimisation (bridge/util/secret.h).

For each object, archive or executable given: its n2m_secret_wipe and
n2m_secret_free, as objdump disassembles them, call explicit_bzero (or
__explicit_bzero_chk, its _FORTIFY_SOURCE form) and no memset. A memset
before free is a dead store GCC drops at -O2, so a "wipe" rewritten with
memset fails here even where it looks right in the source.

With --source, also refuses any memset( or free( of a hash, password,
secret or api_key in bridge/**/*.c: those go through n2m_secret_wipe and
n2m_secret_free.

Exit status 0 if every check passes, 1 with the reasons otherwise."""
import argparse
import glob
import os
import re
import subprocess
import sys

FUNCTIONS = ("n2m_secret_wipe", "n2m_secret_free")
WIPE = re.compile(r"\b(__)?explicit_bzero(_chk)?\b")
MEMSET = re.compile(r"\bmemset\b")
SOURCE_BAD = re.compile(r"\b(memset|free)\s*\([^;]*\b\w*(hash|password|secret|api_key)\w*\b")


def function_bodies(objdump, path):
    """{function name: [disassembly lines]} of FUNCTIONS in path."""
    out = subprocess.run([objdump, "-dr", "--no-show-raw-insn", path], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    bodies, current = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            current = m.group(1) if m.group(1) in FUNCTIONS else None
            if current:
                bodies[current] = []
        elif current is not None:
            bodies[current].append(line)
    return bodies


def check_binary(objdump, path):
    problems = []
    bodies = function_bodies(objdump, path)
    for name in FUNCTIONS:
        body = bodies.get(name)
        if body is None:
            problems.append(f"{path}: no function {name}")
        elif not any(WIPE.search(l) for l in body):
            problems.append(f"{path}: {name} does not call explicit_bzero")
        elif any(MEMSET.search(l) for l in body):
            problems.append(f"{path}: {name} calls memset")
    return problems


def check_sources(source_dir):
    problems = []
    for path in sorted(glob.glob(os.path.join(source_dir, "bridge", "**", "*.c"), recursive=True)):
        with open(path, errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                if SOURCE_BAD.search(line):
                    problems.append(f"{path}:{lineno}: wipe secrets with n2m_secret_wipe or "
                                    f"n2m_secret_free, not: {line.strip()}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objdump", default="objdump")
    ap.add_argument("--source", help="the source tree, to check bridge/**/*.c")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    problems = []
    for path in args.files:
        problems += check_binary(args.objdump, path)
    if args.source:
        problems += check_sources(args.source)
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"explicit_bzero in {', '.join(FUNCTIONS)} of {len(args.files)} file(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
