# SPDX-License-Identifier: MIT
"""Every topic, its retain flag and its payload, checked from a subscriber
against the simulator's fleet, in both frame shapes."""
import datetime
import json

import pytest

from conftest import retained_tree, wait_connected, wait_until


def parse_time(text):
    text = text.replace("Z", "+00:00").replace(" ", "T")
    t = datetime.datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=datetime.timezone.utc)


def same_instant(a, b):
    return parse_time(a) == parse_time(b)


def comparable(entry):
    """A readings entry as text with its update_time as an instant."""
    entry = dict(entry)
    if entry.get("update_time"):
        entry["update_time"] = parse_time(entry["update_time"]).timestamp()
    return json.dumps(entry, sort_keys=True)


def check_tracker_topics(stack, sub, tid):
    admin = stack.sim.tracker(tid)
    state_raw, state_retained = sub.wait_for(f"navixy/tracker/{tid}/state")
    assert state_retained is False or state_retained is True
    state = json.loads(sub.latest(f"navixy/tracker/{tid}/state"))
    assert state["tracker_id"] == tid
    assert state["label"] == admin["state"].get("label", state["label"])
    assert state["source_id"] == admin["source_id"]
    sim_state = admin["state"]
    for key in ("connection_status", "movement_status", "ignition", "inputs", "outputs"):
        assert state[key] == sim_state[key], key

    loc = json.loads(sub.latest(f"navixy/tracker/{tid}/location"))
    gps = sim_state["gps"]
    assert loc["latitude"] == pytest.approx(gps["location"]["lat"])
    assert loc["longitude"] == pytest.approx(gps["location"]["lng"])
    assert loc["speed"] == gps["speed"]
    assert loc["heading"] == gps["heading"]
    # The admin view uses the plain date form, the bridge asked for ISO.
    assert same_instant(loc["fix_time"], gps["updated"])
    assert isinstance(loc["latitude"], float) and loc["stale"] is False

    avail = sub.latest(f"navixy/tracker/{tid}/availability")
    expected = b"offline" if sim_state["connection_status"] in ("offline", "signal_lost") else b"online"
    assert avail == expected

    readings = json.loads(sub.latest(f"navixy/tracker/{tid}/readings"))
    sim_readings = admin["readings"]
    for section in ("inputs", "states", "counters"):
        got = sorted(comparable(x) for x in readings.get(section, []))
        want = sorted(comparable(x) for x in sim_readings.get(section, []))
        assert got == want, section


@pytest.mark.parametrize("docs_strict", [False, True], ids=["observed", "docs_strict"])
def test_every_topic_and_retain_flag(make_stack, docs_strict):
    stack = make_stack(sim_args=["--docs-strict"] if docs_strict else [])
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    assert len(ids) == 5
    for tid in ids:
        sub.wait_for(f"navixy/tracker/{tid}/readings")
        check_tracker_topics(stack, sub, tid)

    tree = retained_tree(stack.broker.port)
    assert tree["navixy/bridge/state"] == b"online"
    up = json.loads(tree["navixy/bridge/upstream"])
    assert up["state"] == "connected" and up["attempt"] == 0 and up["last_error"] is None
    info = json.loads(tree["navixy/bridge/info"])
    assert info["version"]
    assert "state_batch" in info["subscriptions"] and "readings_batch" in info["subscriptions"]
    assert info["config"]["navixy"]["password"] == "<redacted>"
    for tid in ids:
        for cls in ("state", "location", "availability", "readings"):
            assert f"navixy/tracker/{tid}/{cls}" in tree, f"{cls} of {tid} not retained"

    # Events are not retained: lifecycle and bridge/event.
    tid = ids[0]
    stack.sim.admin(f"block?id={tid}")
    lc, retained = sub.wait_for(f"navixy/tracker/{tid}/lifecycle")
    assert json.loads(lc)["event"] == "block" and retained is False
    ev, retained = sub.wait_for("navixy/bridge/event", lambda p: b"lifecycle" in p)
    assert retained is False
    sub.wait_for(f"navixy/tracker/{tid}/availability", lambda p: p == b"offline")
    tree = retained_tree(stack.broker.port)
    assert f"navixy/tracker/{tid}/lifecycle" not in tree
    assert "navixy/bridge/event" not in tree


def test_live_updates_follow_the_simulator(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    tid = ids[1]
    before = sub.latest(f"navixy/tracker/{tid}/state")
    stack.sim.admin(f"tick?id={tid}&n=1")
    wait_until(lambda: sub.latest(f"navixy/tracker/{tid}/state") != before, 10,
               what="state update after tick")
    fix = stack.sim.tracker(tid)["state"]["gps"]["updated"]
    wait_until(lambda: same_instant(json.loads(sub.latest(f"navixy/tracker/{tid}/location"))["fix_time"], fix),
               5, what="location with the new fix")
    # readings_batch follows state_batch as its own frame.
    want = stack.sim.tracker(tid)["readings"]

    def readings_current():
        got = json.loads(sub.latest(f"navixy/tracker/{tid}/readings"))
        return all(sorted(comparable(x) for x in got.get(s, [])) ==
                   sorted(comparable(x) for x in want.get(s, []))
                   for s in ("inputs", "states", "counters"))
    wait_until(readings_current, 10, what="readings after the tick")
    check_tracker_topics(stack, sub, tid)


def test_location_turns_stale_and_fresh(make_stack):
    """With no updates every tracker's location turns stale once its fix is
    older than stale_after_s (the bridge looks at a share of the trackers
    each second, so 40 trackers take several turns); a new fix makes it
    fresh again, and it turns stale once more."""
    stack = make_stack(sim_args=["--trackers", "40"], topics={"stale_after_s": 2})
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    assert len(ids) == 40

    def stale(tid):
        raw = sub.latest(f"navixy/tracker/{tid}/location")
        return raw is not None and json.loads(raw)["stale"] is True

    wait_until(lambda: all(stale(tid) for tid in ids), 20, what="every location stale")
    tid = ids[7]
    stack.sim.admin(f"tick?id={tid}&n=1")
    fix = stack.sim.tracker(tid)["state"]["gps"]["updated"]

    def fresh():
        loc = json.loads(sub.latest(f"navixy/tracker/{tid}/location"))
        return same_instant(loc["fix_time"], fix) and loc["stale"] is False
    wait_until(fresh, 10, what="a fresh location after the new fix")
    wait_until(lambda: stale(tid), 20, what="the new fix turning stale")


def test_label_topics(make_stack):
    stack = make_stack(topics={"id_mode": "label"})
    sub = stack.subscribe()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online")
    fleet = stack.sim.fleet()
    for t in fleet:
        level = t["label"].replace("/", "_").replace("+", "_").replace("#", "_").strip()
        raw, _ = sub.wait_for(f"navixy/tracker/{level}/state", timeout=15)
        assert json.loads(raw)["tracker_id"] == t["id"]
    # A label with topic wildcards is sanitised into one level. Labels come
    # from tracker/list, which the bridge reloads on every reconnect.
    tid = fleet[0]["id"]
    old_level = fleet[0]["label"].strip()
    stack.sim.admin(f"label?id={tid}&label=Van%2B7%2Fnorth%23")
    stack.sim.admin("drop")
    raw, _ = sub.wait_for("navixy/tracker/Van_7_north_/state", timeout=15)
    assert json.loads(raw)["tracker_id"] == tid
    # The old topic level's retained topics are cleared.
    sub.wait_for(f"navixy/tracker/{old_level}/state", lambda p: p == b"", timeout=5)
    tree = retained_tree(stack.broker.port)
    assert not [t for t in tree if t.startswith(f"navixy/tracker/{old_level}/")]
    assert "navixy/tracker/Van_7_north_/location" in tree
