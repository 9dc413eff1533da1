# SPDX-License-Identifier: MIT
"""The homeassistant plugin through a real Mosquitto: discovery configs for
every tracker, a re-send when Home Assistant announces itself on
homeassistant/status, cleared configs when a tracker is removed (before
the tracker's own topics), and a model of Home Assistant (ha_model.py:
its discovery schema, sensor tables and template rendering) consuming a
whole fleet in both state formats without rejecting a config or logging a
warning."""
import json
import time

import paho.mqtt.client as mqtt
import pytest

from conftest import retained_tree, wait_connected, wait_until
from ha_model import HomeAssistantModel, fleet_problems
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


# ---- Home Assistant's rules, run over a whole fleet (ha_model.py) -----------

# What each fixed sensor shows: the payload member it reads (a path).
FIXED_MEMBERS = {
    "speed": ("location", ["speed"]), "heading": ("location", ["heading"]),
    "altitude": ("location", ["altitude"]), "gps_accuracy": ("location", ["gps_accuracy"]),
    "battery": ("state", ["battery_level"]), "gsm_signal": ("state", ["gsm", "signal_level"]),
    "movement": ("state", ["movement_status"]), "connection": ("state", ["connection_status"]),
}


def member(payload, path):
    value = json.loads(payload)
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def subscriptions(state_format):
    return ('subscriptions = ( { type = "state_batch"; trackers = "all"; format = "%s"; },'
            ' { type = "readings_batch"; trackers = "all"; } );' % state_format)


def run_fleet_through_home_assistant(make_stack, state_format):
    """A fleet seen by the model from before the bridge starts: steady
    state with changes, a block and an unblock, and a removal (corrupt).
    Returns (stack, model, tracker ids, removed id)."""
    models = []
    stack = make_plugin_stack(make_stack, [plugin_entry("homeassistant")],
                              extra_config=subscriptions(state_format),
                              before_start=lambda s: models.append(HomeAssistantModel(s.broker.port)))
    ha = models[0]
    stack.subscribers.append(ha)  # closed by the stack's teardown
    sub = stack.subscribe("navixy/#")
    ids = wait_connected(stack, sub)
    for tid in ids:
        stack.sim.admin(f"tick?id={tid}&n=3")
    blocked, removed = ids[0], ids[1]
    stack.sim.admin(f"block?id={blocked}")
    sub.wait_for(f"navixy/tracker/{blocked}/availability", lambda p: p == b"offline")
    since = time.monotonic()
    stack.sim.admin(f"unblock?id={blocked}")
    sub.wait_for(f"navixy/tracker/{blocked}/availability", lambda p: p == b"online", since=since)
    stack.sim.admin(f"tick?id={blocked}&n=2")
    stack.sim.admin(f"remove?id={removed}")
    sub.wait_for(f"navixy/tracker/{removed}/state", lambda p: p == b"")
    wait_until(lambda: not [t for t in ha.snapshot()[0] if f"/navixy_{removed}/" in t], 10,
               what="the removed tracker's entities to go")
    wait_until(lambda: ha.quiet_for(1.0), 20, what="the broker traffic to settle")
    return stack, ha, [t for t in ids if t != removed], removed


@pytest.mark.parametrize("state_format", ["full", "compact"])
def test_home_assistant_accepts_every_config_and_renders_every_payload(make_stack, state_format):
    stack, ha, ids, removed = run_fleet_through_home_assistant(make_stack, state_format)
    entities, problems, log = ha.snapshot()
    assert problems == [], "\n".join(f"{t}: {p}" for t, p in problems[:20])
    assert fleet_problems(entities) == []
    latest = {}
    for topic, payload in log:
        latest[topic] = payload
    for tid in ids:
        ours = {e.cfg["unique_id"]: e for e in entities.values()
                if e.cfg["unique_id"].startswith(f"navixy_{tid}_")}
        # A device_tracker, the nine fixed entities and the readings' sensors.
        assert len(ours) > 10, sorted(ours)
        tracker = ours[f"navixy_{tid}_location"]
        loc = json.loads(latest[f"navixy/tracker/{tid}/location"])
        assert tracker.location[:2] == (loc["latitude"], loc["longitude"])
        assert None not in tracker.attributes.values()
        for obj, (cls, path) in FIXED_MEMBERS.items():
            entity = ours[f"navixy_{tid}_{obj}"]
            assert entity.renders > 0, obj
            assert entity.state == member(latest[f"navixy/tracker/{tid}/{cls}"], path), obj
        ignition = member(latest[f"navixy/tracker/{tid}/state"], ["ignition"])
        assert ours[f"navixy_{tid}_ignition"].state == ignition
        heading = ours[f"navixy_{tid}_heading"].cfg
        assert (heading["state_class"], heading["unit_of_measurement"]) == ("measurement_angle", "°")
        numeric = [e for e in ours.values() if e.component == "sensor" and e.numeric
                   and e.cfg["state_topic"].endswith("/readings")]
        assert numeric and all(isinstance(e.state, float) for e in numeric), \
            [(e.cfg["unique_id"], e.state) for e in numeric]
    # The compact format has no gsm: the sensor is unknown, without a warning.
    state = latest[f"navixy/tracker/{ids[0]}/state"]
    assert ("gsm" in json.loads(state)) == (state_format == "full")


def test_removed_tracker_configs_are_cleared_before_its_topics(make_stack):
    stack, ha, ids, removed = run_fleet_through_home_assistant(make_stack, "full")
    _, problems, log = ha.snapshot()
    assert problems == [], problems[:20]
    order = [(i, t) for i, (t, p) in enumerate(log) if p == "" and
             (f"/navixy_{removed}/" in t or t.startswith(f"navixy/tracker/{removed}/"))]
    configs = [i for i, t in order if t.startswith("homeassistant/")]
    topics = [i for i, t in order if t.startswith("navixy/")]
    assert len(configs) > 10 and len(topics) >= 4, order
    assert max(configs) < min(topics), order
    # ... and after the lifecycle event that announced it.
    corrupt = [i for i, (t, p) in enumerate(log)
               if t == f"navixy/tracker/{removed}/lifecycle" and '"corrupt"' in p]
    assert corrupt and corrupt[0] < min(configs)
