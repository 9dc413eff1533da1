"""The homeassistant plugin through a real Mosquitto: discovery configs for
every tracker, a re-send when Home Assistant announces itself on
homeassistant/status, and cleared configs when a tracker is removed."""
import json
import time

import paho.mqtt.client as mqtt

from conftest import retained_tree, wait_connected, wait_until
from plugin_helpers import labels, make_plugin_stack, plugin_entry

PREFIX = "homeassistant"


def tracker_config(tid):
    return f"{PREFIX}/device_tracker/navixy_{tid}/location/config"


def start(make_stack):
    stack = make_plugin_stack(make_stack, [plugin_entry("homeassistant")])
    sub = stack.subscribe("navixy/#")
    ha = stack.subscribe(f"{PREFIX}/#")
    ids = wait_connected(stack, sub)
    return stack, ha, ids


def test_discovery_configs_for_every_tracker(make_stack):
    stack, ha, ids = start(make_stack)
    names = labels(stack)
    for tid in ids:
        raw, _ = ha.wait_for(tracker_config(tid), lambda p: p != b"")
        cfg = json.loads(raw)
        assert cfg["json_attributes_topic"] == f"navixy/tracker/{tid}/location"
        assert cfg["source_type"] == "gps"
        assert "state_topic" not in cfg
        assert cfg["unique_id"] == f"navixy_{tid}_location"
        assert cfg["availability_mode"] == "all"
        assert [a["topic"] for a in cfg["availability"]] == [
            "navixy/bridge/state", f"navixy/tracker/{tid}/availability"]
        assert cfg["device"]["identifiers"] == [f"navixy_{tid}"]
        assert cfg["device"]["name"] == names[tid]
        assert cfg["device"]["model"]
        assert cfg["origin"]["name"] == "navixy2mqtt"
        speed = json.loads(ha.wait_for(f"{PREFIX}/sensor/navixy_{tid}/speed/config")[0])
        assert speed["state_topic"] == f"navixy/tracker/{tid}/location"
        assert (speed["device_class"], speed["state_class"], speed["unit_of_measurement"]) == \
            ("speed", "measurement", "km/h")
        battery = json.loads(ha.wait_for(f"{PREFIX}/sensor/navixy_{tid}/battery/config")[0])
        assert battery["state_topic"] == f"navixy/tracker/{tid}/state"
        assert battery["device_class"] == "battery"
        ha.wait_for(f"{PREFIX}/binary_sensor/navixy_{tid}/ignition/config")
    # Readings become sensors once the readings topic has them.
    tid = ids[0]
    odo = json.loads(ha.wait_for(f"{PREFIX}/sensor/navixy_{tid}/counter_odometer/config")[0])
    assert odo["state_topic"] == f"navixy/tracker/{tid}/readings"
    assert (odo["device_class"], odo["state_class"], odo["unit_of_measurement"]) == \
        ("distance", "total_increasing", "km")
    # Retained: a late subscriber (HA starting later) gets them all.
    tree = retained_tree(stack.broker.port, f"{PREFIX}/#")
    for t in ids:
        assert json.loads(tree[tracker_config(t)])["unique_id"] == f"navixy_{t}_location"
    assert f"{PREFIX}/binary_sensor/navixy2mqtt_navixy/connection/config" in tree


def test_home_assistant_birth_resends_discovery(make_stack):
    stack, ha, ids = start(make_stack)
    for tid in ids:
        ha.wait_for(tracker_config(tid))
    time.sleep(1.0)
    since = time.monotonic()
    # Nothing is re-sent on its own ...
    time.sleep(1.5)
    assert not [m for m in ha.snapshot() if m[3] >= since and m[0].endswith("/location/config")]
    # ... until Home Assistant says it is online.
    client = mqtt.Client(client_id="fake-home-assistant")
    client.connect("127.0.0.1", stack.broker.port)
    client.loop_start()
    client.publish(f"{PREFIX}/status", "online", qos=1).wait_for_publish()
    for tid in ids:
        raw, retained = ha.wait_for(tracker_config(tid), lambda p: p != b"", since=since)
        assert json.loads(raw)["unique_id"] == f"navixy_{tid}_location"
    # "offline" (HA's last will) does not trigger anything. First the rest of
    # the birth's resend (sensor configs follow the location ones) settles.
    wait_until(lambda: time.monotonic() - max(m[3] for m in ha.snapshot()) > 1.0, 10,
               what="the discovery resend to settle")
    since = time.monotonic()
    client.publish(f"{PREFIX}/status", "offline", qos=1).wait_for_publish()
    time.sleep(1.5)
    assert not [m for m in ha.snapshot() if m[3] >= since and m[0].endswith("/config")]
    client.loop_stop()
    client.disconnect()


def test_removed_tracker_discovery_is_cleared(make_stack):
    stack, ha, ids = start(make_stack)
    tid = ids[1]
    ha.wait_for(f"{PREFIX}/sensor/navixy_{tid}/counter_odometer/config")
    ours = lambda: {m[0] for m in ha.snapshot() if f"/navixy_{tid}/" in m[0] and m[1]}
    announced = ours()
    assert len(announced) > 10
    stack.sim.admin(f"remove?id={tid}")
    for topic in announced:
        ha.wait_for(topic, lambda p: p == b"")
    tree = retained_tree(stack.broker.port, f"{PREFIX}/#")
    assert not [t for t in tree if f"/navixy_{tid}/" in t]
    # The others stay.
    assert tracker_config(ids[0]) in tree
