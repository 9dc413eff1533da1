# SPDX-License-Identifier: MIT
"""Fixtures for navixy2mqtt integration tests.

Every test gets its own Mosquitto (free 127.0.0.1 port, temp config), its
own simulator (--port 0 --port-file) and its own bridge (temp config with
fast settings), all torn down even when the test fails. Each server runs
under `timeout`, so nothing outlives a killed test run by long.

Run with Debian's /usr/bin/python3 (python3-paho-mqtt 1.6, python3-pytest).
Binaries come from $N2M_BRIDGE and $N2M_SIM (set by ctest).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

import paho.mqtt.client as mqtt
import pytest

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BRIDGE = os.environ.get("N2M_BRIDGE", os.path.join(SOURCE_DIR, "build/bridge/navixy2mqtt"))
SIM = os.environ.get("N2M_SIM", os.path.join(SOURCE_DIR, "build/tests/sim/navixy-sim"))
SERVER_LIFETIME_S = 170  # hard stop for every server a test starts
LOGIN, PASSWORD = "demo@example.com", "demo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slow_factor():
    """How much longer waits may take than on a plain build: memcheck runs
    the bridge 10-30x slower, ASan about 2x; N2M_SLOW overrides (e.g. on a
    machine loaded by other jobs). ctest sets N2M_SLOW for the sanitizer build."""
    if os.environ.get("N2M_SLOW"):
        return max(1.0, float(os.environ["N2M_SLOW"]))
    return 4.0 if os.environ.get("N2M_VALGRIND") == "1" else 1.0


SLOW = slow_factor()


def wait_until(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Polls until predicate() is true; the timeout is scaled by SLOW."""
    timeout *= SLOW
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wrapped_pid(proc):
    """The command a `timeout` wrapper runs (its only child), or None."""
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            children = f.read().split()
    except OSError:
        return None
    return int(children[0]) if len(children) == 1 else None


def stop_process(proc, sig=signal.SIGTERM, timeout=5.0, direct=False):
    """Stops a server started under `timeout`; returns its exit status.

    direct=True signals the wrapped command itself. Signalled, `timeout`
    forwards the signal and then a SIGCONT to its whole process group; in a
    sanitizer build that SIGCONT can land while LeakSanitizer's exit-time
    tracer attaches (its SIGSTOP is cancelled) and both processes then wait
    for each other forever. Use it for single-process servers; multi-process
    ones (RabbitMQ) need the group-wide signal.

    If the server does not stop in time, its whole process group (`timeout`
    leads one) is killed, so nothing it started outlives the test."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    target = wrapped_pid(proc) if direct else None
    try:
        if target:
            os.kill(target, sig)
        else:
            proc.send_signal(sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        try:
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except ProcessLookupError:
            pass
        return proc.wait()


class Broker:
    def __init__(self, workdir, persistence=False):
        self.workdir = workdir
        self.port = free_port()
        self.persistence = persistence
        self.proc = None

    def start(self):
        with open(os.path.join(SOURCE_DIR, "config/mosquitto.conf")) as f:
            text = f.read().replace("@PORT@", str(self.port))
        if self.persistence:
            text = text.replace("persistence false", "persistence true")
            text += f"\npersistence_location {self.workdir}/\nautosave_interval 1\n"
        conf = os.path.join(self.workdir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(text)
        log = open(os.path.join(self.workdir, "mosquitto.log"), "ab")
        self.proc = subprocess.Popen(["timeout", str(SERVER_LIFETIME_S), "mosquitto", "-c", conf],
                                     stdout=log, stderr=log)
        wait_until(self._accepts, 10, what="mosquitto to listen")

    def _accepts(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self):
        stop_process(self.proc, direct=True)
        self.proc = None


class Sim:
    def __init__(self, workdir, args):
        self.workdir = workdir
        self.args = args
        self.port = None
        self.proc = None

    def start(self):
        port_file = os.path.join(self.workdir, "sim.port")
        log = open(os.path.join(self.workdir, "sim.log"), "ab")
        self.proc = subprocess.Popen(["timeout", str(SERVER_LIFETIME_S), SIM, "--port", "0",
                                      "--port-file", port_file] + self.args,
                                     stdout=log, stderr=log)

        def read_port():
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                return int(text) if text else None
            except (OSError, ValueError):
                return None
        self.port = wait_until(read_port, 10, what="simulator port file")

    def admin(self, path, method="POST", body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/admin/{path}",
                                     data=body, method=method)
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return json.loads(e.read() or b"null")

    def fleet(self):
        return self.admin("fleet", "GET")

    def tracker(self, tracker_id):
        return self.admin(f"tracker?id={tracker_id}", "GET")

    def stop(self):
        stop_process(self.proc, direct=True)


def valgrind_prefix(workdir):
    """With N2M_VALGRIND=1 the bridge runs under memcheck: any error or
    definite/indirect leak makes it exit 99, so a test expecting exit 0
    fails; the report is in the bridge log."""
    if os.environ.get("N2M_VALGRIND") != "1":
        return []
    return ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect",
            "--num-callers=30"]


class Bridge:
    def __init__(self, workdir, settings):
        self.workdir = workdir
        self.settings = settings
        self.proc = None
        self.log_path = os.path.join(workdir, "bridge.log")
        self.conf_path = os.path.join(workdir, "navixy2mqtt.conf")

    def write_config(self):
        lines = []
        for section, values in self.settings.items():
            body = " ".join(f"{k} = {render(v)};" for k, v in values.items())
            lines.append(f"{section} = {{ {body} }};")
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        self.write_config()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["timeout", "-s", "KILL", str(SERVER_LIFETIME_S)]
                                     + valgrind_prefix(self.workdir) + [BRIDGE,
                                     "--config", self.conf_path],
                                     stdout=log, stderr=log)

    def stop(self, sig=signal.SIGTERM):
        return stop_process(self.proc, sig, timeout=10, direct=True)

    def kill_hard(self):
        """SIGKILL the bridge itself (not the `timeout` wrapper, which would
        leave it running), as a crash would."""
        pid = wrapped_pid(self.proc)
        if pid:
            os.kill(pid, signal.SIGKILL)
        return self.proc.wait(10)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def render(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dict):
        return "{ " + " ".join(f"{k} = {render(x)};" for k, x in v.items()) + " }"
    return json.dumps(v)


class Subscriber:
    """A real MQTT client that records everything under a filter."""

    def __init__(self, port, topic="navixy/#", protocol=mqtt.MQTTv5):
        self.messages = []  # (topic, payload bytes, retain, monotonic time)
        self.lock = threading.Lock()
        self.client = mqtt.Client(client_id=f"test-sub-{time.monotonic_ns()}", protocol=protocol)
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_subscribe = lambda *a, **k: self.subscribed.set()
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.subscribe(topic, qos=1)
        self.client.loop_start()
        assert self.subscribed.wait(5), "subscription not acknowledged"

    def _on_message(self, client, userdata, msg):
        with self.lock:
            self.messages.append((msg.topic, bytes(msg.payload), bool(msg.retain), time.monotonic()))

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def latest(self, topic):
        for t, p, r, _ in reversed(self.snapshot()):
            if t == topic:
                return p
        return None

    def wait_for(self, topic, predicate=lambda p: True, timeout=10.0, since=0.0):
        def found():
            for t, p, r, at in self.snapshot():
                if t == topic and at >= since and predicate(p):
                    return (p, r)
            return None
        return wait_until(found, timeout, what=f"message on {topic}")

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def retained_tree(port, topic="navixy/#", settle=1.0):
    """What a late subscriber gets: the broker's retained messages."""
    sub = Subscriber(port, topic)
    time.sleep(settle)
    tree = {t: p for t, p, r, _ in sub.snapshot() if r}
    sub.close()
    return tree


class Stack:
    def __init__(self, workdir):
        self.workdir = workdir
        self.broker = None
        self.sim = None
        self.bridge = None
        self.subscribers = []

    def subscribe(self, topic="navixy/#", protocol=mqtt.MQTTv5):
        sub = Subscriber(self.broker.port, topic, protocol)
        self.subscribers.append(sub)
        return sub

    def teardown(self):
        for sub in self.subscribers:
            try:
                sub.close()
            except Exception:
                pass
        for part in (self.bridge, self.sim, self.broker):
            if part is not None:
                part.stop()


def bridge_settings(sim_port, broker_port, **overrides):
    settings = {
        "navixy": {
            "api_url": f"http://127.0.0.1:{sim_port}",
            "login": LOGIN, "password": PASSWORD,
            "liveness_s": 5, "connect_timeout_s": 3,
            "backoff_min_ms": 100, "backoff_max_ms": 1000, "auth_backoff_ms": 2000,
            "tracker_refresh_min_s": 0,
        },
        "mqtt": {
            "url": f"mqtt://127.0.0.1:{broker_port}",
            "client_id": f"navixy2mqtt-{broker_port}",
            "keepalive_s": 5, "connect_timeout_s": 3,
        },
        "log": {"level": "debug"},
    }
    # N2M_WS_CLIENT=own runs the suites on the bridge's own WebSocket client
    # (navixy.ws_client); ctest registers the upstream suites both ways.
    if os.environ.get("N2M_WS_CLIENT"):
        settings["navixy"]["ws_client"] = os.environ["N2M_WS_CLIENT"]
    for section, values in overrides.items():
        settings.setdefault(section, {}).update(values)
    return settings


@pytest.fixture
def make_stack(request):
    """make_stack(sim_args=[...], persistence=False, start_bridge=True, **bridge_overrides)."""
    workdir = tempfile.mkdtemp(prefix="n2m-it-")
    stacks = []

    def make(sim_args=(), persistence=False, start_bridge=True, **overrides):
        stack = Stack(workdir)
        stacks.append(stack)
        stack.broker = Broker(workdir, persistence)
        stack.broker.start()
        stack.sim = Sim(workdir, ["--trackers", "5", "--rate", "0", "--heartbeat-ms", "1000"]
                        + list(sim_args))
        stack.sim.start()
        stack.bridge = Bridge(workdir, bridge_settings(stack.sim.port, stack.broker.port, **overrides))
        if start_bridge:
            stack.bridge.start()
        return stack

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for stack in stacks:
        stack.teardown()
    if failed:
        for name in ("bridge.log", "sim.log", "mosquitto.log"):
            path = os.path.join(workdir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    print(f"----- {name} (last 60 lines) -----")
                    print("".join(f.readlines()[-60:]))
    log_path = os.path.join(workdir, "bridge.log")
    sanitizer_report = None
    if os.path.exists(log_path):
        with open(log_path, errors="replace") as f:
            text = f.read()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                       "definitely lost in", "indirectly lost in", "Invalid read of",
                       "Invalid write of", "uninitialised value"):
            if marker in text:
                sanitizer_report = text[text.index(marker):][:3000]
    shutil.rmtree(workdir, ignore_errors=True)
    assert sanitizer_report is None, f"sanitizer report from the bridge:\n{sanitizer_report}"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def upstream_state(sub):
    raw = sub.latest("navixy/bridge/upstream")
    return json.loads(raw)["state"] if raw else None


def wait_connected(stack, sub, timeout=15.0):
    """Waits until the bridge is online, upstream connected, and every
    tracker of the fleet has its retained state."""
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", timeout)
    wait_until(lambda: upstream_state(sub) == "connected", timeout, what="upstream connected")
    ids = [t["id"] for t in stack.sim.fleet() if not t.get("blocked")]
    for tid in ids:
        sub.wait_for(f"navixy/tracker/{tid}/state", timeout=timeout)
    return ids
