# SPDX-License-Identifier: MIT
"""systemd: the unit file's keys (a small parser, always), `systemd-analyze
verify` (no running systemd needed), the CMake install target, and the
notify protocol: the bridge runs with NOTIFY_SOCKET pointing at a datagram
socket this test owns; READY=1 comes at start, WATCHDOG=1 only while both
sides are connected, STOPPING=1 at shutdown."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import BRIDGE, SERVER_LIFETIME_S, SOURCE_DIR, wait_connected, wait_until

UNIT = os.path.join(SOURCE_DIR, "config/navixy2mqtt.service")
BUILD_DIR = os.path.dirname(os.path.dirname(BRIDGE))


def parse_unit(text):
    """{section: [(key, value), ...]}; fails on anything a unit may not hold."""
    sections, current = {}, None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        assert not line.endswith("\\"), f"line {lineno}: continuation lines are not used here"
        m = re.fullmatch(r"\[([A-Za-z]+)\]", line)
        if m:
            current = sections.setdefault(m.group(1), [])
            continue
        m = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*)=(.*)", line)
        assert m and current is not None, f"line {lineno}: not a key=value in a section: {raw!r}"
        current.append((m.group(1), m.group(2)))
    return sections


def values(sections, section, key):
    return [v for k, v in sections.get(section, []) if k == key]


def one(sections, section, key):
    got = values(sections, section, key)
    assert len(got) == 1, f"[{section}] {key}: expected once, got {got}"
    return got[0]


def seconds(text):
    units = {"ms": 0.001, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
    total = 0.0
    for number, unit in re.findall(r"(\d+)\s*([a-z]*)", text):
        total += int(number) * units[unit or "s"]
    return total


def test_unit_keys():
    u = parse_unit(open(UNIT).read())
    assert set(u) == {"Unit", "Service", "Install"}
    assert one(u, "Service", "Type") == "notify"
    assert one(u, "Service", "NotifyAccess") == "main"
    # The watchdog must outlast the longest normal reconnect back-off
    # (navixy.backoff_max_ms default 120 s, +25 % jitter).
    assert seconds(one(u, "Service", "WatchdogSec")) > 150
    exec_start = one(u, "Service", "ExecStart").split()
    assert exec_start[0] == "/usr/local/bin/navixy2mqtt"
    assert exec_start[1:] == ["--config", "/usr/local/etc/navixy2mqtt/navixy2mqtt.conf"]
    assert one(u, "Service", "ExecReload") == "/bin/kill -HUP $MAINPID"
    for key, want in (("DynamicUser", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                      ("PrivateTmp", "yes"), ("NoNewPrivileges", "yes"),
                      ("CapabilityBoundingSet", ""), ("StateDirectory", "navixy2mqtt"),
                      ("Restart", "on-failure"), ("LimitCORE", "0")):
        assert one(u, "Service", key) == want, key
    families = one(u, "Service", "RestrictAddressFamilies").split()
    assert "AF_UNIX" in families, "sd_notify needs AF_UNIX"
    assert {"AF_INET", "AF_INET6"} <= set(families)
    assert "@system-service" in values(u, "Service", "SystemCallFilter")
    assert one(u, "Install", "WantedBy") == "multi-user.target"


def test_unit_environment_is_valid_config():
    """Every NAVIXY2MQTT_* the unit sets is accepted by --check-config."""
    u = parse_unit(open(UNIT).read())
    env = {"PATH": "/usr/bin:/bin"}
    work = tempfile.mkdtemp(prefix="n2m-unit-")
    try:
        for assignment in values(u, "Service", "Environment"):
            key, value = assignment.split("=", 1)
            assert key.startswith("NAVIXY2MQTT_")
            env[key] = value.replace("%S", work)
        env["NAVIXY2MQTT_NAVIXY_API_URL"] = "https://api.eu.navixy.com/v2"
        env["NAVIXY2MQTT_NAVIXY_LOGIN"] = "demo@example.com"
        env["NAVIXY2MQTT_NAVIXY_PASSWORD"] = "demo"
        out = subprocess.run([BRIDGE, "--check-config"], env=env, capture_output=True, text=True,
                             timeout=10)
        assert out.returncode == 0, out.stderr
        assert f'state_file = "{work}/navixy2mqtt/subscriptions.json"' in out.stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)


def analyze_verify(unit_path):
    tool = shutil.which("systemd-analyze")
    if not tool:
        pytest.skip("systemd-analyze is missing (Debian package 'systemd'; scripts/install-deps installs it)")
    out = subprocess.run([tool, "verify", unit_path], capture_output=True, text=True, timeout=60)
    # Warnings (unknown keys, bad values) go to stderr with exit 0: treat any as a failure.
    return out.returncode, (out.stdout + out.stderr).strip()


def unit_with_binary(workdir, binary):
    path = os.path.join(workdir, "navixy2mqtt.service")
    with open(UNIT) as f:
        text = f.read().replace("/usr/local/bin/navixy2mqtt", binary)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_unit_passes_systemd_analyze_verify(tmp_path):
    rc, output = analyze_verify(unit_with_binary(str(tmp_path), BRIDGE))
    assert rc == 0 and output == "", output
    # The check can fail: a misspelt key is reported.
    bad = tmp_path / "bad" / "navixy2mqtt.service"
    bad.parent.mkdir()
    bad.write_text(open(unit_with_binary(str(tmp_path), BRIDGE)).read()
                   .replace("ProtectHome=yes", "ProtectHomes=yes"))
    rc, output = analyze_verify(str(bad))
    assert "ProtectHomes" in output


def test_install_target(tmp_path):
    prefix = tmp_path / "prefix"
    out = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", str(prefix)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    for rel in ("bin/navixy2mqtt", "lib/systemd/system/navixy2mqtt.service",
                "etc/navixy2mqtt/navixy2mqtt.conf",
                "share/doc/navixy2mqtt/examples/navixy2mqtt.conf",
                "share/doc/navixy2mqtt/examples/node-red-flow.json"):
        assert (prefix / rel).is_file(), rel
    if (SOURCE_DIR and os.path.isdir(os.path.join(SOURCE_DIR, "plugins/homeassistant"))):
        assert (prefix / "lib/navixy2mqtt/plugins/homeassistant/homeassistant.so").is_file()
    unit = (prefix / "lib/systemd/system/navixy2mqtt.service").read_text()
    assert f"ExecStart={prefix}/bin/navixy2mqtt --config {prefix}/etc/navixy2mqtt/navixy2mqtt.conf" in unit
    assert not [l for l in unit.splitlines() if "/usr/local" in l and not l.startswith("#")]
    rc, output = analyze_verify(str(prefix / "lib/systemd/system/navixy2mqtt.service"))
    assert rc == 0 and output == "", output
    # Staged (DESTDIR, as packages and the Dockerfile do): files under the
    # stage, paths in the unit without it.
    stage = tmp_path / "stage"
    out = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", "/usr"],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, DESTDIR=str(stage)))
    assert out.returncode == 0, out.stdout + out.stderr
    assert (stage / "etc/navixy2mqtt/navixy2mqtt.conf").is_file()
    staged_unit = (stage / "usr/lib/systemd/system/navixy2mqtt.service").read_text()
    assert "ExecStart=/usr/bin/navixy2mqtt --config /etc/navixy2mqtt/navixy2mqtt.conf" in staged_unit
    assert not list(stage.rglob("stage"))
    # A second install keeps an edited configuration.
    conf = prefix / "etc/navixy2mqtt/navixy2mqtt.conf"
    conf.write_text("# edited\n")
    out = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", str(prefix)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and conf.read_text() == "# edited\n"


class NotifySocket:
    """A datagram socket standing in for systemd's notify socket."""

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages = []  # (monotonic time, assignment)
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            now = time.monotonic()
            with self.lock:
                for line in data.decode(errors="replace").split("\n"):
                    if line:
                        self.messages.append((now, line))

    def seen(self, prefix, since=0.0):
        with self.lock:
            return [(t, m) for t, m in self.messages if m.startswith(prefix) and t >= since]

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


def start_bridge_with_env(stack, env_extra):
    """Like Bridge.start, with extra environment (conftest's has none)."""
    bridge = stack.bridge
    bridge.write_config()
    env = dict(os.environ, **env_extra)
    log = open(bridge.log_path, "ab")
    bridge.proc = subprocess.Popen(["timeout", "-s", "KILL", str(SERVER_LIFETIME_S), BRIDGE,
                                    "--config", bridge.conf_path], stdout=log, stderr=log, env=env)


def test_notify_ready_watchdog_only_while_healthy_and_stopping(make_stack):
    stack = make_stack(start_bridge=False, health={"interval_s": 0})
    notify = NotifySocket(stack.workdir)
    try:
        sub = stack.subscribe()
        t0 = time.monotonic()
        start_bridge_with_env(stack, {"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"})
        wait_until(lambda: notify.seen("READY=1"), 10, what="READY=1")
        wait_connected(stack, sub)
        wait_until(lambda: notify.seen("WATCHDOG=1"), 5, what="WATCHDOG=1 while healthy")
        connected_at = min(t for t, _ in notify.seen("WATCHDOG=1"))
        assert notify.seen("READY=1")[0][0] <= connected_at
        wait_until(lambda: any("upstream connected, mqtt connected" in m
                               for _, m in notify.seen("STATUS=")), 5, what="STATUS= healthy")
        # Fed at least every half period (0.5 s) while healthy.
        time.sleep(3.0)
        fed = [t for t, _ in notify.seen("WATCHDOG=1", since=connected_at)]
        assert len(fed) >= 3, fed

        # Broker down: the watchdog is no longer fed.
        stack.broker.stop()
        wait_until(lambda: any("mqtt disconnected" in m for _, m in notify.seen("STATUS=")), 10,
                   what="STATUS= naming the broker outage")
        outage_seen = time.monotonic()
        time.sleep(2.5)
        assert not notify.seen("WATCHDOG=1", since=outage_seen + 0.3)

        # Broker back: fed again.
        stack.broker.start()
        back = time.monotonic()
        wait_until(lambda: notify.seen("WATCHDOG=1", since=back), 20, what="WATCHDOG=1 after restart")

        assert stack.bridge.stop(signal.SIGTERM) == 0
        wait_until(lambda: notify.seen("STOPPING=1"), 5, what="STOPPING=1")
        assert "notify=yes watchdog_ms=1000 systemd=yes" in stack.bridge.log()
    finally:
        notify.close()


def test_no_watchdog_without_watchdog_usec(make_stack):
    stack = make_stack(start_bridge=False, health={"interval_s": 0})
    notify = NotifySocket(stack.workdir)
    try:
        sub = stack.subscribe()
        start_bridge_with_env(stack, {"NOTIFY_SOCKET": notify.path})
        wait_connected(stack, sub)
        wait_until(lambda: notify.seen("READY=1"), 5, what="READY=1")
        time.sleep(1.5)
        assert not notify.seen("WATCHDOG=1")
    finally:
        notify.close()
