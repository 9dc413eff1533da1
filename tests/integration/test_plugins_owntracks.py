# SPDX-License-Identifier: MIT
"""The owntracks plugin through a real Mosquitto: one retained _type
location message per tracker on owntracks/<user>/<device> with the
simulator's values, updates after a change, cleared on removal."""
import datetime
import json
import re

from conftest import retained_tree, wait_connected
from plugin_helpers import labels, make_plugin_stack, plugin_entry


def device(label):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", label)


def epoch(text):
    text = text.replace("Z", "+00:00").replace(" ", "T")
    t = datetime.datetime.fromisoformat(text)
    if not t.tzinfo:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp())


def matches_sim(msg, admin):
    state = admin["state"]
    gps = state["gps"]
    return (msg["_type"] == "location"
            and abs(msg["lat"] - gps["location"]["lat"]) < 1e-6
            and abs(msg["lon"] - gps["location"]["lng"]) < 1e-6
            and msg["tst"] == epoch(gps["updated"])
            and msg["vel"] == round(gps["speed"])
            and msg["cog"] == round(gps["heading"])
            and msg["alt"] == round(gps["alt"])
            and msg["batt"] == round(state["battery_level"])
            and msg["conn"] == ("o" if state["connection_status"] in ("offline", "signal_lost") else "m"))


def start(make_stack):
    stack = make_plugin_stack(make_stack, [plugin_entry("owntracks", {"user": "fleet"})])
    sub = stack.subscribe("navixy/#")
    ot = stack.subscribe("owntracks/#")
    ids = wait_connected(stack, sub)
    return stack, ot, ids


def test_location_messages_match_the_simulator(make_stack):
    stack, ot, ids = start(make_stack)
    names = labels(stack)
    for tid in ids:
        topic = f"owntracks/fleet/{device(names[tid])}"
        admin = stack.sim.tracker(tid)
        raw, _ = ot.wait_for(topic, lambda p: p and matches_sim(json.loads(p), admin))
        msg = json.loads(raw)
        assert isinstance(msg["acc"], int) and msg["acc"] > 0
        assert len(msg["tid"]) == 2
        assert isinstance(msg["created_at"], int)
        card = json.loads(ot.wait_for(f"{topic}/info")[0])
        assert card == {"_type": "card", "name": names[tid], "tid": msg["tid"]}
    tree = retained_tree(stack.broker.port, "owntracks/#")
    for tid in ids:
        assert json.loads(tree[f"owntracks/fleet/{device(names[tid])}"])["_type"] == "location"


def test_updates_follow_the_tracker_and_removal_clears(make_stack):
    stack, ot, ids = start(make_stack)
    names = labels(stack)
    tid = ids[0]
    topic = f"owntracks/fleet/{device(names[tid])}"
    ot.wait_for(topic)
    stack.sim.admin(f"tick?id={tid}&n=3")
    admin = stack.sim.tracker(tid)
    ot.wait_for(topic, lambda p: p and matches_sim(json.loads(p), admin), timeout=10)
    stack.sim.admin(f"remove?id={tid}")
    ot.wait_for(topic, lambda p: p == b"")
    ot.wait_for(f"{topic}/info", lambda p: p == b"")
    tree = retained_tree(stack.broker.port, "owntracks/#")
    assert topic not in tree
    assert f"owntracks/fleet/{device(names[ids[1]])}" in tree
