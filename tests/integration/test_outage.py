# SPDX-License-Identifier: MIT
"""MQTT outages: while the broker is unreachable the bridge keeps
the latest state per tracker and a bounded queue of events; when it returns,
the queued events arrive in order, every tracker's latest state is there,
a tracker removed during the outage has its retained topics cleared, and
memory stays flat however long the outage lasts.

The outage is a TcpProxy cut between the bridge and Mosquitto: the test's
subscriber stays connected to the broker and sees the exact sequence."""
import json
import signal
import time

import pytest

from conftest import retained_tree, wait_connected, wait_until
from faultlib import (bridge_pid, bridge_through_proxy, counters, make_proxy,  # noqa: F401
                      memory_checks_meaningful, rss_kib)


def events_since(sub, since):
    return [json.loads(p) for t, p, r, at in sub.snapshot()
            if t == "navixy/bridge/event" and at >= since]


def wait_offline_seen(stack):
    wait_until(lambda: "mqtt.disconnected" in stack.bridge.log(), 10, what="bridge sees the outage")


def test_events_during_an_outage_arrive_in_order_with_latest_state(make_stack, make_proxy):
    stack, proxy = bridge_through_proxy(make_stack, make_proxy)
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    for tid in ids:
        sub.wait_for(f"navixy/tracker/{tid}/readings")
    a, b, gone, moving = ids[0], ids[1], ids[2], ids[3]
    before = retained_tree(stack.broker.port)
    assert f"navixy/tracker/{gone}/state" in before

    proxy.cut()
    wait_offline_seen(stack)
    for path in (f"block?id={a}", f"unblock?id={a}", f"block?id={b}", f"remove?id={gone}"):
        assert stack.sim.admin(path)["ok"], path
        time.sleep(0.2)
    stack.sim.admin(f"tick?id={moving}&n=5")
    stack.sim.admin("logout")
    time.sleep(1.5)  # the bridge re-authenticates upstream meanwhile

    proxy.restore()
    restored_at = time.monotonic()
    wait_until(lambda: len(events_since(sub, restored_at)) >= 5, 15, what="queued events")
    events = events_since(sub, restored_at)
    kinds = [(e["event"], e.get("kind")) for e in events]
    assert kinds[:5] == [("lifecycle", "block"), ("lifecycle", "unblock"), ("lifecycle", "block"),
                         ("lifecycle", "corrupt"), ("logout", None)], kinds
    assert [e.get("tracker_id") for e in events[:4]] == [a, a, b, gone]

    # The lifecycle topics got their events too, in order.
    lc = [json.loads(p)["event"] for t, p, r, at in sub.snapshot()
          if t == f"navixy/tracker/{a}/lifecycle" and at >= restored_at]
    assert lc == ["block", "unblock"], lc

    # Latest state of the moving tracker; the removed one's retained topics cleared.
    want = stack.sim.tracker(moving)["state"]["gps"]["location"]

    def tree_ok():
        tree = retained_tree(stack.broker.port, settle=0.5)
        loc = tree.get(f"navixy/tracker/{moving}/location")
        cur = loc and json.loads(loc)["latitude"] == pytest.approx(want["lat"])
        cleared = not any(t.startswith(f"navixy/tracker/{gone}/") for t in tree)
        return cur and cleared and tree.get(f"navixy/tracker/{b}/availability") == b"offline"
    wait_until(tree_ok, 15, interval=0.5, what="latest state and the clears after the outage")

    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["events_queued"] >= 5 + 4  # 5 notices, 4 lifecycle, plus the clears
    assert c["events_dropped"] == 0
    assert c["mqtt_disconnects"] >= 1


def test_long_outage_under_load_keeps_memory_flat(make_stack, make_proxy):
    stack, proxy = bridge_through_proxy(
        make_stack, make_proxy, sim_args=["--trackers", "2000", "--load", "20000"],
        )
    sub = stack.subscribe("navixy/bridge/#")
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 15)
    pid = bridge_pid(stack.bridge)
    wait_until(lambda: "tracker_list.loaded" in stack.bridge.log(), 10, what="tracker list")
    time.sleep(3)  # the table fills with the whole fleet
    proxy.cut()
    wait_offline_seen(stack)
    time.sleep(3)
    start = rss_kib(pid)
    samples = []
    for _ in range(20):
        time.sleep(1)
        samples.append(rss_kib(pid))
    # RSS swings by tens of MiB with each parsed batch (json-c trees, freed
    # after it); compare peaks. 20 s at 20,000 updates/s is 400,000 updates
    # held back: if any were queued, the second half's peak would be far
    # above the first's (about 1 KB an update).
    first, second = max(samples[:10]), max(samples[10:])
    if memory_checks_meaningful():
        assert second - first < 8 * 1024, f"RSS peaks grew during the outage: {start} -> {samples}"
        assert max(samples) < 256 * 1024, samples
    proxy.restore()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 15, since=time.monotonic())
    wait_until(lambda: stack.bridge.log().count("event=bridge.resync_done") >= 2, 45,
               what="resync after outage")
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["state_updates"] > 20000
    assert c["publish_deferred"] > 0


def test_sigterm_during_an_outage_exits_cleanly(make_stack, make_proxy):
    stack, proxy = bridge_through_proxy(make_stack, make_proxy, sim_args=["--load", "2000"])
    sub = stack.subscribe()
    wait_connected(stack, sub)
    proxy.cut()
    wait_offline_seen(stack)
    start = time.monotonic()
    rc = stack.bridge.stop(signal.SIGTERM)
    assert rc == 0
    assert time.monotonic() - start < 8, "shutdown waited too long for an absent broker"
    log = stack.bridge.log()
    assert "bridge.stopped" in log and "offline_published=yes" not in log
