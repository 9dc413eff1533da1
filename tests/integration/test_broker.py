# SPDX-License-Identifier: MIT
"""The MQTT side: broker restarts with and without persistence, clean
shutdown, MQTT 3.1.1 mode, --check-config redaction."""
import json
import signal
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

from conftest import BRIDGE, retained_tree, wait_connected, wait_until


def tracker_topics(tree):
    return {t for t in tree if t.startswith("navixy/tracker/") and tree[t]}


@pytest.mark.parametrize("persistence", [False, True], ids=["no_persistence", "persistence"])
def test_broker_restart_gets_the_retained_tree_back(make_stack, persistence):
    stack = make_stack(persistence=persistence)
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    for tid in ids:
        sub.wait_for(f"navixy/tracker/{tid}/readings")
    time.sleep(1.2)  # persistence autosave
    before = retained_tree(stack.broker.port)
    assert len(tracker_topics(before)) == 4 * len(ids)
    stack.broker.stop()
    stack.broker.start()
    if not persistence:
        time.sleep(0.3)
    # The bridge reconnects (back-off <= 1 s) and republishes the tree.
    wait_until(lambda: tracker_topics(retained_tree(stack.broker.port, settle=0.5))
               == tracker_topics(before), 15, interval=0.5, what="retained tree after restart")
    # A persisted broker restores the tree from disk at once, with the will
    # ("offline") it fired at shutdown: "online" needs the reconnect.
    wait_until(lambda: retained_tree(stack.broker.port, "navixy/bridge/state", settle=0.3)
               .get("navixy/bridge/state") == b"online", 15, interval=0.5, what="online after restart")
    after = retained_tree(stack.broker.port)
    assert after["navixy/bridge/state"] == b"online"
    for t in tracker_topics(before):
        assert after[t] == before[t]
    assert "mqtt.connected" in stack.bridge.log()


def test_updates_during_an_outage_arrive_after_it(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    tid = ids[0]
    stack.broker.stop()
    stack.sim.admin(f"tick?id={tid}&n=1")
    time.sleep(1.5)
    want = stack.sim.tracker(tid)["state"]["gps"]["location"]
    stack.broker.start()
    late = stack.subscribe()

    def current():
        raw = late.latest(f"navixy/tracker/{tid}/location")
        return raw and json.loads(raw)["latitude"] == pytest.approx(want["lat"])
    wait_until(current, 15, what="the location changed during the outage")


def test_clean_shutdown_publishes_offline(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    rc = stack.bridge.stop(signal.SIGTERM)
    assert rc == 0
    sub.wait_for("navixy/bridge/state", lambda p: p == b"offline", timeout=5)
    tree = retained_tree(stack.broker.port)
    assert tree["navixy/bridge/state"] == b"offline"
    log = stack.bridge.log()
    assert "action=unsubscribe" in log and "offline_published=yes" in log
    assert "bridge.stopped" in log


def test_mqtt_311_mode(make_stack):
    stack = make_stack(mqtt={"protocol": 311})
    sub = stack.subscribe(protocol=mqtt.MQTTv311)
    ids = wait_connected(stack, sub)
    assert "protocol=3.1.1" in stack.bridge.log()
    tree = retained_tree(stack.broker.port)
    assert f"navixy/tracker/{ids[0]}/location" in tree
    # The last will works in 3.1.1 too: kill the bridge hard.
    stack.bridge.kill_hard()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"offline", timeout=20)


def test_check_config_redacts_secrets(make_stack, tmp_path):
    stack = make_stack(start_bridge=False, mqtt={"password": "broker-secret-1"},
                       navixy={"password": "navixy-secret-2"})
    stack.bridge.write_config()
    out = subprocess.run([BRIDGE, "--check-config", "--config", stack.bridge.conf_path],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert "broker-secret-1" not in out.stdout and "navixy-secret-2" not in out.stdout
    assert "<redacted>" in out.stdout and "api_url" in out.stdout
    bad = tmp_path / "bad.conf"
    bad.write_text('mqtt = { protocol = 4; };\n')
    out = subprocess.run([BRIDGE, "--check-config", "--config", str(bad)],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 1
    assert "mqtt.protocol" in out.stderr
    out = subprocess.run([BRIDGE, "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.startswith("navixy2mqtt ")
