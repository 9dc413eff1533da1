# SPDX-License-Identifier: MIT
"""The docs and the example config name only files that exist: every
repository path in README.md, docs/, bench/README.md, bridge/ and its
folders' READMEs, tests/*/README.md and config/ (a directory with a file name, e.g. `bridge/upstream/upstream.c`) is there."""
import glob
import os
import re

from conftest import SOURCE_DIR

# A relative path with a directory and a source or document suffix, not
# part of a URL or an absolute path.
PATH = re.compile(r"(?<![\w/.:@$%-])([\w-]+(?:/[\w.+-]+)+\.(?:md|c|h|py|sh|conf|json|mjs|txt|service))\b")
# Paths that are not in this repository by design.
ELSEWHERE = ("build/", "build-", "node_modules/", "etc/", "usr/", "var/", "run/", "lib/",
             "homeassistant/components/")


def documents():
    names = ["README.md", "bench/README.md", "bridge/README.md", "config/navixy2mqtt.conf"]
    names += glob.glob("docs/*.md", root_dir=SOURCE_DIR)
    names += glob.glob("bridge/*/README.md", root_dir=SOURCE_DIR)
    names += glob.glob("tests/*/README.md", root_dir=SOURCE_DIR)
    return names


def test_documented_paths_exist():
    missing, seen = [], 0
    for doc in documents():
        with open(os.path.join(SOURCE_DIR, doc)) as f:
            for n, line in enumerate(f, 1):
                for path in PATH.findall(line):
                    if path.startswith(ELSEWHERE):
                        continue
                    seen += 1
                    # `navixy2mqtt/plugin.h` is named as plugins include it; a
                    # Markdown link is relative to its document's directory.
                    if not any(os.path.exists(os.path.join(SOURCE_DIR, top, path))
                               for top in ("", "include", os.path.dirname(doc))):
                        missing.append(f"{doc}:{n}: {path}")
    assert seen >= 30, seen  # the documents were read and hold paths
    assert not missing, missing
