# SPDX-License-Identifier: MIT
"""bench/flood.py keeps working: one short round against this build measures
both paths in both phases (the figures themselves are the benchmark's, in
bench/README.md; nothing here is timed)."""
import json
import os
import subprocess

from conftest import BRIDGE, SOURCE_DIR


def test_flood_bench_measures_both_paths():
    build = os.path.dirname(os.path.dirname(BRIDGE))  # <build>/bridge/navixy2mqtt
    out = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "bench/flood.py"),
                          "--build", build, "--rounds", "1", "--seconds", "2"],
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["flood_sent"] >= 10000, result  # half of 10,000/s for 2 s
    for phase in ("quiet", "flood"):
        for path in ("bridge", "direct"):
            assert result[f"{phase}_{path}"]["n"] >= 10, result
    assert "bridge_share_p99_ms" in result
