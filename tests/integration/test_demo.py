# SPDX-License-Identifier: MIT
"""The README's demo command: runs non-interactively, shows a readable view
(the first message of each topic class, then counters and samples), keeps
its logs, and stops everything it started on any SIGINT/SIGTERM."""
import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest

from conftest import SOURCE_DIR, wait_until

DEMO = os.path.join(SOURCE_DIR, "scripts/demo")
LOGS = os.path.join(SOURCE_DIR, "build/demo-logs")


def marked_processes(mark):
    """Pids of live processes whose environment carries the mark."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if mark.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            continue
    return found


def demo_env(tmp_path):
    mark = f"N2M_DEMO_MARK={uuid.uuid4().hex}"
    env = dict(os.environ, TMPDIR=str(tmp_path), N2M_DEMO_MARK=mark.split("=")[1])
    return env, mark


def leftovers(tmp_path):
    return [p for p in os.listdir(tmp_path) if p.startswith("navixy2mqtt-demo")]


def test_demo_shows_topics_and_cleans_up(tmp_path):
    env, mark = demo_env(tmp_path)
    out = subprocess.run([DEMO, "--for", "8"], capture_output=True, text=True, timeout=150,
                         env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    # It says what it is doing before the first (slow on a new machine) steps.
    assert lines[0] == "demo: checking packages (scripts/install-deps --demo)", lines[:3]
    assert any(l.startswith("demo: building the bridge and the simulator") for l in lines)
    assert "navixy/bridge/state online" in lines
    for cls in ("state", "location", "availability", "readings"):
        firsts = [l for l in lines if l.startswith("navixy/tracker/")
                  and l.split(" ")[0].endswith("/" + cls)]
        # The first message of each class, not every message.
        assert len(firsts) == 1, (cls, firsts)
    # Live counters from the health topic (every 5 s), with samples under them.
    progress = [i for i, l in enumerate(lines)
                if l.startswith("progress: upstream=connected mqtt=connected trackers=5")]
    assert progress
    assert lines[progress[0] + 1].startswith("  navixy/tracker/")
    # No line is a whole long payload: cut at 160 characters.
    assert all(len(l) < 400 for l in lines)
    # The logs it names survive it; the temporary directory does not.
    assert "demo: stopped; logs are in build/demo-logs/ (bridge.log, sim.log, mosquitto.log)" in lines
    with open(os.path.join(LOGS, "bridge.log")) as f:
        assert "mqtt.connected" in f.read()
    assert leftovers(tmp_path) == []
    assert marked_processes(mark) == []
    # Everything it started is gone: no demo port is still served.
    port_line = next(l for l in lines if l.startswith("demo: Mosquitto on"))
    port = int(port_line.split("127.0.0.1:")[1].split(",")[0])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_demo_installs_no_test_toolchain():
    """install-deps --demo: the build, Mosquitto and Python's paho-mqtt; the
    test toolchain only for scripts/test."""
    with open(os.path.join(SOURCE_DIR, "scripts/install-deps")) as f:
        text = f.read()
    demo = set(re.search(r"^packages=\((.*?)\)", text, re.S | re.M).group(1).split())
    tests = set(re.search(r"^test_packages=\((.*?)\)", text, re.S | re.M).group(1).split())
    assert {"mosquitto", "python3-paho-mqtt", "libwebsockets-dev"} <= demo
    toolchain = {"clang", "valgrind", "rabbitmq-server", "nodejs", "npm", "libcmocka-dev"}
    assert toolchain <= tests and not toolchain & demo, demo


def start_demo(argv, env):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env, start_new_session=True)
    lines = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)
    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def wait_line(lines, text, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        if line == text:
            return
    raise AssertionError(f"the demo never printed {text!r}")


@pytest.mark.parametrize("signals", [
    [signal.SIGINT],
    [signal.SIGINT, signal.SIGINT],
    [signal.SIGTERM],
    [signal.SIGTERM, signal.SIGINT],
])
def test_demo_stops_everything_on_signals(tmp_path, signals):
    env, mark = demo_env(tmp_path)
    proc, lines = start_demo([DEMO], env)
    try:
        # Every helper is up once the view has shown the bridge online.
        wait_line(lines, "navixy/bridge/state online")
        assert len(marked_processes(mark)) >= 5  # demo, broker, simulator, bridge, view
        for sig in signals:
            proc.send_signal(sig)
        proc.wait(timeout=30)
        wait_until(lambda: not marked_processes(mark), timeout=10,
                   what="every process the demo started to stop")
        assert leftovers(tmp_path) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_demo_stops_everything_under_timeout(tmp_path):
    """`timeout -s INT` signals the demo's whole process group at once."""
    env, mark = demo_env(tmp_path)
    proc, lines = start_demo(["timeout", "-s", "INT", "20", DEMO], env)
    try:
        wait_line(lines, "navixy/bridge/state online")
        assert proc.wait(timeout=60) == 124  # timeout's own status: it did time out
        wait_until(lambda: not marked_processes(mark), timeout=10,
                   what="every process the demo started to stop")
        assert leftovers(tmp_path) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
