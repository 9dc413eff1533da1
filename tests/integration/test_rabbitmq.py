# SPDX-License-Identifier: MIT
"""Compatibility with a second broker: RabbitMQ 3.10's MQTT plugin
(Debian rabbitmq-server), the bridge in mqtt.protocol = 311 mode.

The core topic checks pass: payloads, retained state of every tracker and
bridge topic, events not retained, the last will. What RabbitMQ 3.10 does
differently is asserted here too, so a change shows up as a failure:
  - retained messages are delivered only to subscriptions whose filter is
    an exact topic; a wildcard subscription (`navixy/#`) gets no retained
    messages at all, only live ones;
  - live deliveries carry retain = 0 (as MQTT 3.1.1 requires of every broker).
docs/scale-out.md, "RabbitMQ (MQTT 3.1.1)", has the consequences for consumers.
"""
import json
import shutil
import tempfile
import time
import types

import paho.mqtt.client as mqtt
import pytest

from conftest import Bridge, Sim, Subscriber, bridge_settings, wait_until
from rabbitmq_broker import RabbitBroker, missing_reason
from test_topics import check_tracker_topics

CLASSES = ("state", "location", "availability", "readings")


@pytest.fixture
def rabbit_stack():
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    workdir = tempfile.mkdtemp(prefix="n2m-rmq-")
    parts = {"subs": []}
    broker = RabbitBroker(workdir)
    try:
        broker.start()
        parts["broker"] = broker
        sim = Sim(workdir, ["--trackers", "3", "--rate", "0", "--heartbeat-ms", "1000"])
        sim.start()
        parts["sim"] = sim
        bridge = Bridge(workdir, bridge_settings(sim.port, broker.port, mqtt={"protocol": 311}))
        parts["bridge"] = bridge
        yield parts
    except AssertionError:
        print(broker.log_tail())
        raise
    finally:
        for sub in parts["subs"]:
            sub.close()
        for name in ("bridge", "sim"):
            if name in parts:
                parts[name].stop()
        broker.stop()
        clean = broker.stopped_everything()
        shutil.rmtree(workdir, ignore_errors=True)
        assert clean, "a RabbitMQ or epmd listener outlived the test"


def retained_exact(port, topics, settle=1.0, want=None, timeout=20.0):
    """A late 3.1.1 subscriber with one exact filter per topic: what RabbitMQ
    hands out as retained. Returns {topic: (payload, retain flag)} after
    settle seconds, or (want: the topics expected) once all of those are in
    (a loaded broker may take longer than settle), plus 0.3 s for strays."""
    got = {}
    client = mqtt.Client(client_id=f"test-late-{time.monotonic_ns()}", protocol=mqtt.MQTTv311)
    client.on_message = lambda c, u, m: got.setdefault(m.topic, (bytes(m.payload), bool(m.retain)))
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    try:
        client.subscribe([(t, 1) for t in topics])
        if want is None:
            time.sleep(settle)
        else:
            deadline = time.monotonic() + timeout
            while not set(want) <= set(got) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.3)
        return dict(got)
    finally:
        client.loop_stop()
        client.disconnect()


def test_core_topics_against_rabbitmq(rabbit_stack):
    broker, sim, bridge = rabbit_stack["broker"], rabbit_stack["sim"], rabbit_stack["bridge"]
    sub = Subscriber(broker.port, protocol=mqtt.MQTTv311)
    rabbit_stack["subs"].append(sub)
    bridge.start()

    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 20)
    wait_until(lambda: json.loads(sub.latest("navixy/bridge/upstream") or b"{}").get("state")
               == "connected", 20, what="upstream connected")
    assert "protocol=3.1.1" in bridge.log()
    ids = [t["id"] for t in sim.fleet()]
    assert len(ids) == 3
    for tid in ids:
        sub.wait_for(f"navixy/tracker/{tid}/readings", timeout=15)
        check_tracker_topics(types.SimpleNamespace(sim=sim), sub, tid)
    # Live deliveries on RabbitMQ carry retain = 0, like any 3.1.1 broker.
    assert not any(r for _, _, r, _ in sub.snapshot())

    # Retained: every tracker and bridge topic, flag set, for exact filters.
    topics = ["navixy/bridge/state", "navixy/bridge/upstream", "navixy/bridge/info"]
    topics += [f"navixy/tracker/{tid}/{cls}" for tid in ids for cls in CLASSES]
    tree = retained_exact(broker.port, topics, want=topics)
    assert sorted(tree) == sorted(topics)
    assert all(retained for _, retained in tree.values())
    assert tree["navixy/bridge/state"][0] == b"online"
    assert json.loads(tree["navixy/bridge/upstream"][0])["state"] == "connected"
    for tid in ids:
        assert tree[f"navixy/tracker/{tid}/state"][0] == sub.latest(f"navixy/tracker/{tid}/state")

    # What RabbitMQ 3.10 lacks: no retained messages for a wildcard filter.
    late = Subscriber(broker.port, "navixy/#", protocol=mqtt.MQTTv311)
    rabbit_stack["subs"].append(late)
    time.sleep(1.0)
    assert [t for t, _, r, _ in late.snapshot() if r] == []

    # Events are not retained.
    tid = ids[0]
    sim.admin(f"block?id={tid}")
    lc, _ = sub.wait_for(f"navixy/tracker/{tid}/lifecycle", timeout=10)
    assert json.loads(lc)["event"] == "block"
    sub.wait_for(f"navixy/tracker/{tid}/availability", lambda p: p == b"offline", 10)
    tree = retained_exact(broker.port, [f"navixy/tracker/{tid}/lifecycle",
                                        f"navixy/tracker/{tid}/availability"],
                          want=[f"navixy/tracker/{tid}/availability"])
    assert f"navixy/tracker/{tid}/lifecycle" not in tree
    assert tree[f"navixy/tracker/{tid}/availability"] == (b"offline", True)

    # The last will: a hard kill leaves a retained offline.
    since = time.monotonic()
    bridge.kill_hard()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"offline", 20, since=since)
    assert retained_exact(broker.port, ["navixy/bridge/state"], want=["navixy/bridge/state"]) == \
        {"navixy/bridge/state": (b"offline", True)}
