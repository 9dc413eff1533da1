"""config/node-red-flow.json: a valid, importable Node-RED flow (JSON, ids,
wires, broker reference) whose MQTT-in topics all match topics the bridge
really publishes under the simulator, with payloads of the type each node
expects."""
import json
import os
import time

from conftest import SOURCE_DIR, wait_connected

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
        assert n["datatype"] in ("json", "utf8")
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
            if n["datatype"] == "json":
                assert isinstance(json.loads(payload), dict), t
            else:
                assert payload.decode() in ("online", "offline"), t
