# SPDX-License-Identifier: MIT
"""Every source file names its licence: an SPDX line (MIT, LICENSE) among
its first two lines (the second after a #! line). Data files (JSON, fuzz
corpora, example configs) are left out; they carry no code."""
import os

from conftest import SOURCE_DIR

TAG = "SPDX-License-Identifier: MIT"
SCRIPTS = {"Dockerfile", "Makefile", "run", "demo", "demo-progress", "fuzz",
           "install-deps", "test", "CMakeLists.txt"}


def is_source(path):
    base = os.path.basename(path)
    if "/corpus/" in path or base in ("package.json", "package-lock.json"):
        return False
    return base in SCRIPTS or path.endswith((".c", ".h", ".py", ".sh", ".mjs", ".yml"))


def tree_files():
    """The repository's files, without build trees, installed npm packages
    and version control."""
    for root, dirs, names in os.walk(SOURCE_DIR):
        dirs[:] = [d for d in dirs if not d.startswith(("build", ".")) and d != "node_modules"]
        for name in names:
            yield os.path.relpath(os.path.join(root, name), SOURCE_DIR)


def test_every_source_file_has_the_spdx_line():
    sources = [p for p in tree_files() if is_source(p)]
    assert len(sources) > 300, len(sources)  # the listing worked
    missing = []
    for path in sources:
        with open(os.path.join(SOURCE_DIR, path), errors="replace") as f:
            head = [f.readline() for _ in range(2)]
        if not any(TAG in line for line in head):
            missing.append(path)
    assert not missing, missing
    with open(os.path.join(SOURCE_DIR, "LICENSE")) as f:
        assert f.readline().strip() == "MIT License"
