# SPDX-License-Identifier: MIT
"""config/node-red-flow.json: a valid, importable Node-RED flow (JSON, ids,
wires, broker reference) whose MQTT-in topics all match topics the bridge
really publishes under the simulator, with payloads of the type each node
expects; and the flow running in a real Node-RED (4.x, from the lockfile in
node-red/, installed into the build directory by node-red/setup.sh) against
the simulator, Mosquitto and the bridge, its debug output read the way the
editor's debug sidebar reads it (Node-RED's /comms WebSocket)."""
import json
import os
import re
import shutil
import subprocess
import threading
import time

import pytest
import websocket

from conftest import (SOURCE_DIR, free_port, stop_process, wait_connected, wait_until)

FLOW = os.path.join(SOURCE_DIR, "config/node-red-flow.json")


def load_flow():
    with open(FLOW) as f:
        return json.load(f)


def topic_matches(pattern, topic):
    p, t = pattern.split("/"), topic.split("/")
    for i, level in enumerate(p):
        if level == "#":
            return True
        if i >= len(t) or (level != "+" and level != t[i]):
            return False
    return len(p) == len(t)


def test_topic_matcher():
    assert topic_matches("navixy/tracker/+/location", "navixy/tracker/1/location")
    assert not topic_matches("navixy/tracker/+/location", "navixy/tracker/1/state")
    assert not topic_matches("navixy/tracker/+", "navixy/tracker/1/state")
    assert topic_matches("navixy/#", "navixy/bridge/state")


def test_flow_is_importable():
    nodes = load_flow()
    assert isinstance(nodes, list) and nodes
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)), "duplicate node ids"
    by_id = {n["id"]: n for n in nodes}
    tabs = [n for n in nodes if n["type"] == "tab"]
    assert len(tabs) == 1
    brokers = [n for n in nodes if n["type"] == "mqtt-broker"]
    assert len(brokers) == 1 and brokers[0]["broker"] and int(brokers[0]["port"]) == 1883
    for n in nodes:
        assert isinstance(n["id"], str) and isinstance(n["type"], str)
        if n["type"] in ("tab", "mqtt-broker"):
            continue
        assert n.get("z") == tabs[0]["id"], n["id"]
        assert isinstance(n.get("x"), int) and isinstance(n.get("y"), int)
        for output in n.get("wires", []):
            for target in output:
                assert target in by_id, f"{n['id']} wired to unknown {target}"
        if n["type"] == "function":
            assert n["func"].strip() and n["outputs"] == len(n["wires"])
    inputs = [n for n in nodes if n["type"] == "mqtt in"]
    assert len(inputs) >= 5
    for n in inputs:
        assert n["broker"] == brokers[0]["id"]
        # auto-detect: JSON parsed, and an empty (cleared) payload is "" instead of an error.
        assert n["datatype"] in ("auto-detect", "utf8")
        assert n["wires"] and n["wires"][0], f"{n['id']} goes nowhere"
    # Every input ends in a debug node, so the messages show somewhere.
    for n in inputs:
        frontier, seen_debug = [n["id"]], False
        while frontier:
            node = by_id[frontier.pop()]
            seen_debug |= node["type"] == "debug"
            frontier += [t for out in node.get("wires", []) for t in out]
        assert seen_debug, n["id"]


def test_flow_topics_are_published_by_the_bridge(make_stack):
    inputs = [n for n in load_flow() if n["type"] == "mqtt in"]
    stack = make_stack(health={"interval_s": 1})
    sub = stack.subscribe("#")
    ids = wait_connected(stack, sub)
    for tid in ids[:2]:
        stack.sim.admin(f"tick?id={tid}&n=1")
    stack.sim.admin(f"block?id={ids[0]}")  # a lifecycle event
    sub.wait_for("navixy/bridge/health", timeout=5)
    sub.wait_for(f"navixy/tracker/{ids[0]}/lifecycle", timeout=10)
    time.sleep(0.5)
    published = {}
    for t, p, _, _ in sub.snapshot():
        published.setdefault(t, p)
    for n in inputs:
        matching = [t for t in published if topic_matches(n["topic"], t)]
        assert matching, f"{n['name']}: nothing published on {n['topic']}"
        for t in matching:
            payload = published[t]
            if n["datatype"] == "auto-detect":
                assert isinstance(json.loads(payload), dict), t
            else:
                assert payload.decode() in ("online", "offline"), t


# ---- the flow in a real Node-RED ---------------------------------------------

NODE_RED_DIR = os.environ.get("N2M_NODE_RED_DIR",
                              os.path.join(SOURCE_DIR, "build/tests/integration/node-red"))
NODE_RED_SETUP = os.path.join(SOURCE_DIR, "tests/integration/node-red/setup.sh")
NODE_RED_LIFETIME_S = 60  # hard stop: the whole run must fit in it

# Loopback only, nothing fetched at run time (no telemetry, no palette
# installs, no projects), the editor's comms WebSocket for the debug output.
NODE_RED_SETTINGS = """module.exports = {
    uiHost: "127.0.0.1",
    uiPort: %(port)d,
    flowFile: "flows.json",
    credentialSecret: false,
    httpNodeRoot: false,
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false },
                       modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    logging: { console: { level: "info", metrics: false, audit: false } },
};
"""


def node_red_js():
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node/npm not found (scripts/install-deps installs them)")
    subprocess.run([NODE_RED_SETUP, NODE_RED_DIR], check=True, timeout=280,
                   stdout=subprocess.DEVNULL)
    return os.path.join(NODE_RED_DIR, "node_modules/node-red/red.js")


class NodeRed:
    """The shipped flow with only the broker address changed, in a Node-RED
    on a free 127.0.0.1 port with a temporary user directory."""

    def __init__(self, workdir, broker_port):
        self.dir = os.path.join(workdir, "node-red")
        os.makedirs(self.dir)
        self.port = free_port()
        flow = load_flow()
        for n in flow:
            if n["type"] == "mqtt-broker":
                n["broker"], n["port"] = "127.0.0.1", str(broker_port)
        with open(os.path.join(self.dir, "flows.json"), "w") as f:
            json.dump(flow, f)
        settings = os.path.join(self.dir, "settings.js")
        with open(settings, "w") as f:
            f.write(NODE_RED_SETTINGS % {"port": self.port})
        self.log_path = os.path.join(self.dir, "node-red.log")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["timeout", "-s", "KILL", str(NODE_RED_LIFETIME_S), "node",
                                      node_red_js(), "--settings", settings, "--userDir", self.dir],
                                     stdout=log, stderr=log, cwd=self.dir)
        self.events = []  # (topic, data) from the comms WebSocket
        self.lock = threading.Lock()
        wait_until(lambda: "Started flows" in self.log() and "Connected to broker" in self.log(),
                   40, 0.2, what="Node-RED to start the flow and connect")
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}/comms", timeout=10)
        for topic in ("debug", "status/#"):
            self.ws.send(json.dumps({"subscribe": topic}))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                batch = json.loads(self.ws.recv())
            except Exception:
                return
            with self.lock:
                self.events += [(e["topic"], e["data"]) for e in batch if isinstance(e, dict)]

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def debug(self, name=None):
        """Debug messages (data dicts), optionally of one debug node by name."""
        with self.lock:
            return [d for t, d in self.events
                    if t == "debug" and (name is None or d.get("name") == name)]

    def statuses(self, node_id):
        with self.lock:
            return [d.get("text", "") for t, d in self.events if t == f"status/{node_id}"]

    def stop(self):
        try:
            self.ws.close()
        except Exception:
            pass
        return stop_process(self.proc, direct=True, timeout=10)


def lines(node_red, name):
    return [d["msg"] for d in node_red.debug(name) if isinstance(d.get("msg"), str)]


def reading_entries(readings):
    """(name, value) of every reading, named as the flow names them."""
    for i in readings.get("inputs", []) + readings.get("virtual_sensors", []):
        yield i.get("label") or i.get("name") or f"sensor {i['sensor_id']}", i["value"]
    for i in readings.get("states", []):
        yield i["field"], i["value"]
    for i in readings.get("counters", []):
        yield i["type"], i["value"]


def shown(line, name):
    """The value a readings line shows for name."""
    m = re.search(r"(?:: |, )" + re.escape(name) + r"=([^,]*)", line)
    assert m, f"{name} not in {line!r}"
    return m.group(1)


def test_flow_runs_in_node_red(make_stack):
    started = time.monotonic()
    stack = make_stack(start_bridge=False, health={"interval_s": 1})
    node_red = NodeRed(stack.workdir, stack.broker.port)
    try:
        stack.bridge.start()
        sub = stack.subscribe("navixy/#")
        ids = wait_connected(stack, sub)
        for tid in ids:
            stack.sim.admin(f"tick?id={tid}&n=2")
        removed = ids[-1]
        stack.sim.admin(f"remove?id={removed}")
        sub.wait_for(f"navixy/tracker/{removed}/readings", lambda p: p == b"")
        wait_until(lambda: f"{removed}: corrupt" in lines(node_red, "lifecycle events"), 15,
                   what="the corrupt event in Node-RED")
        for node_id in ("n2m_fn_location", "n2m_fn_readings", "n2m_fn_availability"):
            wait_until(lambda: f"{removed} removed" in node_red.statuses(node_id), 15,
                       what=f"{node_id} to skip the removed tracker's cleared topic")
        kept = [t for t in ids if t != removed]
        latest = {t: json.loads(sub.latest(f"navixy/tracker/{t}/readings")) for t in kept}

        def readings_shown():
            mine = {t: [l for l in lines(node_red, "readings") if l.startswith(f"{t}: ")]
                    for t in kept}
            return mine if all(mine.values()) else None
        mine = wait_until(readings_shown, 15, what="readings lines for every tracker")
        wait_until(lambda: any("updates/s" in l for l in lines(node_red, "bridge health")), 15,
                   what="a health line")
    finally:
        rc = node_red.stop()
    assert time.monotonic() - started < NODE_RED_LIFETIME_S
    assert rc in (0, 143), f"Node-RED exit status {rc}"

    # Every readings entry named, numbers to at most two decimals.
    all_lines = lines(node_red, "readings")
    assert all_lines and not [l for l in all_lines if "undefined" in l or "=," in l]
    for tid in kept:
        line = [l for l in mine[tid] if all(f"{n}=" in l for n, _ in reading_entries(latest[tid]))]
        assert line, (latest[tid], mine[tid])
        for name, value in reading_entries(latest[tid]):
            text = shown(line[-1], name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert abs(float(text) - round(value, 2)) < 1e-9, (name, value, text)
                assert len(text.partition(".")[2]) <= 2, text
    # Locations and availability per tracker; rates with at most one decimal.
    for tid in kept:
        assert any(re.fullmatch(rf"{tid}: -?\d+\.\d{{5}}, -?\d+\.\d{{5}} \d+ km/h( \(stale\))?", l)
                   for l in lines(node_red, "locations")), lines(node_red, "locations")
        assert f"{tid} is online" in lines(node_red, "availability")
    for line in lines(node_red, "bridge health"):
        for rate in re.findall(r"([\d.?]+) (?:updates|publishes)/s", line):
            assert rate == "?" or len(rate.partition(".")[2]) <= 1, line
    # The removed tracker's cleared topics were skipped (the statuses above),
    # never turned into a line of nothing; no error or warning anywhere.
    every = [d["msg"] for d in node_red.debug() if isinstance(d.get("msg"), str)]
    assert not [l for l in every if l.endswith(": ") or "undefined" in l or "NaN" in l
                or "[object Object]" in l], every
    problems = [d for d in node_red.debug() if "level" in d]
    assert problems == [], problems
    # Node-RED's own log once the flow runs (its start-up warns about the
    # settings chosen here: projects off, credentials unencrypted).
    running = node_red.log().partition("Started flows")[2]
    assert running and not re.search(r"\[(error|warn)\]", running), running[-3000:]
