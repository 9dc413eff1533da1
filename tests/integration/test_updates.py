# SPDX-License-Identifier: MIT
"""Readings merge, dedupe, and corrupt cleanup, seen from a subscriber."""
import json
import time

from conftest import retained_tree, wait_connected, wait_until


def test_readings_stay_complete_after_deltas(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    tid = ids[2]
    first = json.loads(sub.wait_for(f"navixy/tracker/{tid}/readings")[0])
    sections = {k: len(first.get(k, [])) for k in ("inputs", "states", "counters")}
    assert sum(sections.values()) > 0
    for _ in range(3):
        stack.sim.admin(f"tick?id={tid}&n=1")
        time.sleep(1.2)  # one rate_limit window, so each tick is its own delta
    want = stack.sim.tracker(tid)["readings"]

    def complete_and_current():
        got = json.loads(sub.latest(f"navixy/tracker/{tid}/readings"))
        for k, n in sections.items():
            if len(got.get(k, [])) != n:
                return False
        values = {e.get("sensor_id", e.get("name")): e["value"] for e in got["inputs"]}
        return all(values.get(e.get("sensor_id", e.get("name"))) == e["value"] for e in want["inputs"])
    wait_until(complete_and_current, 10, what="merged readings equal to the simulator's")
    # A late subscriber gets the complete readings too.
    tree = retained_tree(stack.broker.port, f"navixy/tracker/{tid}/readings")
    got = json.loads(tree[f"navixy/tracker/{tid}/readings"])
    assert {k: len(got.get(k, [])) for k in sections} == sections


def test_unchanged_retained_payloads_are_not_published_again(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    for t in ids:  # the readings snapshot is a frame of its own
        sub.wait_for(f"navixy/tracker/{t}/readings")
    time.sleep(1.5)  # let the snapshot and the resync settle
    start = time.monotonic()
    tid = ids[0]
    stack.sim.admin(f"tick?id={tid}&n=1")
    sub.wait_for(f"navixy/tracker/{tid}/state", since=start)
    time.sleep(1.5)
    later = [(t, p) for t, p, r, at in sub.snapshot() if at >= start]
    # Availability did not change: not sent again. Other trackers: nothing.
    assert not [t for t, p in later if t == f"navixy/tracker/{tid}/availability"]
    assert not [t for t, p in later if t.startswith("navixy/tracker/") and f"/{tid}/" not in t]
    # Every tracker payload sent is different from the one before on that topic.
    previous = {}
    for t, p, r, at in sub.snapshot():
        if t.startswith("navixy/tracker/") and not t.endswith(("lifecycle", "iot_monitor")):
            assert previous.get(t) != p, f"{t} published twice with the same payload"
            previous[t] = p


def test_corrupt_clears_the_trackers_retained_topics(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    tid = ids[3]
    for cls in ("state", "location", "availability", "readings"):
        sub.wait_for(f"navixy/tracker/{tid}/{cls}")
    stack.sim.admin(f"remove?id={tid}")
    lc, retained = sub.wait_for(f"navixy/tracker/{tid}/lifecycle")
    assert json.loads(lc)["event"] == "corrupt"
    for cls in ("state", "location", "availability", "readings"):
        sub.wait_for(f"navixy/tracker/{tid}/{cls}", lambda p: p == b"", timeout=5)
    tree = retained_tree(stack.broker.port)
    assert not [t for t in tree if t.startswith(f"navixy/tracker/{tid}/")]
    # The other trackers keep theirs.
    assert f"navixy/tracker/{ids[0]}/state" in tree
