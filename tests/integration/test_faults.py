# SPDX-License-Identifier: MIT
"""Upstream faults from the simulator's admin endpoint: each one
is handled, logged with a reason, counted (the bridge.counters line at
stop), and the bridge carries on. Checked from a real MQTT subscriber:
every tracker's retained topics still hold its latest state (nothing
accepted was lost) and a fresh change still arrives (recovered)."""
import json
import time

import pytest

from conftest import retained_tree, upstream_state, wait_connected, wait_until
from faultlib import counters, log_events


def assert_all_current(stack, ids, timeout=15):
    """Every tracker's retained location is the simulator's current one."""
    def current():
        tree = retained_tree(stack.broker.port, settle=0.4)
        for tid in ids:
            want = stack.sim.tracker(tid)["state"]["gps"]["location"]
            loc = tree.get(f"navixy/tracker/{tid}/location")
            if not loc or json.loads(loc)["latitude"] != pytest.approx(want["lat"]):
                return False
        return True
    wait_until(current, timeout, interval=0.5, what="every tracker's latest location retained")


def assert_recovered(stack, sub, tid):
    before = sub.latest(f"navixy/tracker/{tid}/location")
    stack.sim.admin(f"tick?id={tid}&n=2")
    wait_until(lambda: sub.latest(f"navixy/tracker/{tid}/location") != before, 10,
               what="a fresh update after the fault")


def stop_and_count(stack):
    assert stack.bridge.stop() == 0, "the bridge did not exit cleanly"
    return counters(stack.bridge.log())


def inject(stack, body, kind="text"):
    data = body if isinstance(body, bytes) else body.encode()
    answer = stack.sim.admin(f"inject?kind={kind}", body=data)
    assert answer.get("ok") and answer.get("sockets", 0) >= 1, answer


@pytest.fixture
def stack_up(make_stack):
    def make(**kw):
        stack = make_stack(**kw)
        sub = stack.subscribe()
        ids = wait_connected(stack, sub)
        return stack, sub, ids
    return make


def test_malformed_json_is_counted_and_skipped(stack_up):
    stack, sub, ids = stack_up()
    for body in ('{"type":"event","event":"state_batch","data":[', "not json at all",
                 '{"type":"event","event":"state_batch","data":[{"source_id":"x"}]}', "[]", '"'):
        inject(stack, body)
    stack.sim.admin(f"tick?id={ids[0]}&n=1")
    assert_recovered(stack, sub, ids[1])
    assert_all_current(stack, ids)
    log = stack.bridge.log()
    assert log_events(log, "upstream.parse_error"), "no parse_error line"
    assert all("error=" in l for l in log_events(log, "upstream.parse_error"))
    c = stop_and_count(stack)
    assert c["parse_errors"] + c["bad_items"] >= 4


def test_oversized_frame_is_counted_and_skipped(stack_up):
    stack, sub, ids = stack_up(navixy={"max_frame_bytes": 65536})
    pad = "x" * 200_000  # sent as 64 KiB WebSocket fragments
    inject(stack, '{"type":"event","event":"state_batch","data":[],"pad":"' + pad + '"}')
    inject(stack, '{"type":"event","event":"state_batch","data":[],"pad":"' + pad[:70_000] + '"}')
    assert_recovered(stack, sub, ids[0])
    assert_all_current(stack, ids)
    lines = log_events(stack.bridge.log(), "upstream.oversized")
    assert len(lines) == 2 and all("max_frame_bytes" in l for l in lines), lines
    c = stop_and_count(stack)
    assert c["upstream_oversized"] == 2
    assert c["parse_errors"] == 0


def test_binary_frame_is_counted_and_skipped(stack_up):
    stack, sub, ids = stack_up()
    inject(stack, b'{"type":"event","event":"state_batch","data":[]}', kind="binary")
    inject(stack, bytes(range(256)) * 4, kind="binary")
    assert_recovered(stack, sub, ids[0])
    assert_all_current(stack, ids)
    assert len(log_events(stack.bridge.log(), "upstream.binary_frame")) == 2
    c = stop_and_count(stack)
    assert c["upstream_binary"] == 2


def test_prefixed_frame_without_negotiation_is_accepted(stack_up):
    # Observed servers send "N|{...}" unasked: the bridge reads through the prefix.
    stack, sub, ids = stack_up()
    inject(stack, '{"type":"event","event":"teleport","data":{}}', kind="prefixed")
    assert_recovered(stack, sub, ids[0])
    assert_all_current(stack, ids)
    c = stop_and_count(stack)
    assert c["parse_errors"] == 0 and c["unknown_frames"] == 1


def test_unknown_event_type_is_counted_and_skipped(stack_up):
    stack, sub, ids = stack_up()
    inject(stack, '{"type":"event","event":"teleport","data":{"tracker_id":1}}')
    inject(stack, '{"type":"mystery","data":{}}')
    assert_recovered(stack, sub, ids[0])
    assert_all_current(stack, ids)
    log = stack.bridge.log()
    assert any("teleport" in l and "reason=" in l for l in log_events(log, "upstream.unknown_event"))
    c = stop_and_count(stack)
    assert c["unknown_frames"] == 2


def test_unknown_source_refreshes_the_tracker_list(stack_up):
    stack, sub, ids = stack_up()  # tracker_refresh_min_s = 0
    added = stack.sim.admin("add?label=Newcomer")
    assert added["ok"]
    new_id = added["id"]
    stack.sim.admin(f"tick?id={new_id}&n=1")
    sub.wait_for(f"navixy/tracker/{new_id}/state", timeout=10)
    sub.wait_for(f"navixy/tracker/{new_id}/location", timeout=10)
    assert_all_current(stack, ids + [new_id])
    c = stop_and_count(stack)
    assert c["tracker_list_calls"] >= 2


def test_slow_rest_server_delays_but_loses_nothing(stack_up):
    # Navixy's REST API answering slowly (2 s a call): the tracker/list
    # refresh for a new tracker runs on the REST worker while the other
    # trackers' changes go on; the newcomer's update is held for the list
    # and published once it is in. test_rest_async.py stalls it for longer.
    stack, sub, ids = stack_up()
    assert stack.sim.admin("rest_delay?ms=2000")["ok"]
    new_id = stack.sim.admin("add?label=Slowpoke")["id"]
    started = time.monotonic()
    stack.sim.admin(f"tick?id={new_id}&n=1")
    for tid in ids:
        stack.sim.admin(f"tick?id={tid}&n=2")
    sub.wait_for(f"navixy/tracker/{new_id}/state", timeout=15, since=started)
    assert_all_current(stack, ids + [new_id])
    assert stack.sim.admin("stats", "GET")["rest_delayed"] >= 1
    assert_recovered(stack, sub, ids[0])
    assert upstream_state(sub) == "connected"
    c = stop_and_count(stack)
    assert c["tracker_list_calls"] >= 2 and c["upstream_failures"] == 0


def test_unknown_source_refresh_is_rate_limited(stack_up):
    stack, sub, ids = stack_up(navixy={"tracker_refresh_min_s": 3600})
    new_ids = [stack.sim.admin(f"add?label=N{i}")["id"] for i in range(3)]
    for tid in new_ids:
        stack.sim.admin(f"tick?id={tid}&n=3")
    assert_recovered(stack, sub, ids[0])
    time.sleep(1)
    tree = retained_tree(stack.broker.port)
    assert not any(f"/{tid}/" in t for t in tree for tid in new_ids)
    lines = log_events(stack.bridge.log(), "upstream.unknown_tracker")
    assert lines and "reason=" in lines[0]
    c = stop_and_count(stack)
    assert c["tracker_list_calls"] == 1  # the one before connecting
    assert c["unknown_sources"] >= 3


def test_drop_stall_and_logout_lose_nothing(stack_up):
    stack, sub, ids = stack_up()
    for fault in ("drop", "stall", "logout"):
        since = time.monotonic()
        if fault == "stall":
            stack.sim.admin("stall?ms=6500")  # past liveness_s = 5
        else:
            stack.sim.admin(fault)
        # Changes made while the link is down or dead reach the broker after.
        stack.sim.admin(f"tick?id={ids[0]}&n=2")
        # Every state change is recorded: the reconnect can be over before
        # a poll of the latest one would see it.
        sub.wait_for("navixy/bridge/upstream", lambda p: json.loads(p)["state"] != "connected",
                     12, since=since)
        wait_until(lambda: upstream_state(sub) == "connected", 15, what=f"recovery after {fault}")
        assert_all_current(stack, ids)
        assert_recovered(stack, sub, ids[1])
    log = stack.bridge.log()
    assert "upstream.silent" in log and "upstream.logout" in log
    c = stop_and_count(stack)
    assert c["upstream_connects"] >= 4 and c["logouts"] == 1


def test_block_unblock_remove(stack_up):
    stack, sub, ids = stack_up()
    a, gone = ids[0], ids[1]
    since = time.monotonic()
    stack.sim.admin(f"block?id={a}")
    sub.wait_for(f"navixy/tracker/{a}/availability", lambda p: p == b"offline", since=since)
    stack.sim.admin(f"unblock?id={a}")
    sub.wait_for(f"navixy/tracker/{a}/lifecycle", lambda p: b"unblock" in p, since=since)
    stack.sim.admin(f"remove?id={gone}")
    sub.wait_for("navixy/bridge/event", lambda p: b"corrupt" in p, since=since)
    wait_until(lambda: not any(t.startswith(f"navixy/tracker/{gone}/")
                               for t in retained_tree(stack.broker.port, settle=0.4)),
               10, interval=0.5, what="the removed tracker's retained topics cleared")
    rest = [t for t in ids if t != gone]
    assert_recovered(stack, sub, a)
    assert_all_current(stack, rest)
    c = stop_and_count(stack)
    assert c["lifecycle_events"] == 3


def test_advertised_heartbeat_interval_is_clamped(stack_up):
    # The simulator asks for a client heartbeat every 10 ms: the bridge
    # keeps to once a second (docs/limits.md, "Security") and says so.
    stack, sub, ids = stack_up(sim_args=["--client-heartbeat-ms", "10"], health={"interval_s": 1})
    log = stack.bridge.log()
    assert "event=upstream.heartbeat_clamped advertised_ms=10 used_ms=1000" in log
    assert "event=upstream.connected heartbeat_ms=1000" in log

    def heartbeats_out():
        raw = sub.latest("navixy/bridge/health")
        return json.loads(raw)["traffic"]["heartbeats_out"] if raw else 0
    first = heartbeats_out()
    started = time.monotonic()
    wait_until(lambda: heartbeats_out() >= first + 3, 15, interval=0.2, what="three heartbeats")
    # At most one a second (plus the reports' own lag), never one per 10 ms.
    assert heartbeats_out() - first <= time.monotonic() - started + 3
    assert_recovered(stack, sub, ids[0])


def test_readings_cannot_grow_without_bound(stack_up):
    # A server sending ever new sensor ids and entries without a key: the
    # tracker's retained readings keep at most 256 entries a section, 16
    # of them without a key (docs/limits.md, "When things fail"); the rest is
    # counted and logged, and the entries already there keep updating.
    stack, sub, ids = stack_up()
    tid = ids[0]
    sub.wait_for(f"navixy/tracker/{tid}/readings", timeout=15)
    sensors = [{"sensor_id": 9000000 + i, "value": i} for i in range(300)]
    keyless = [{"value": i} for i in range(20)]
    inject(stack, json.dumps({"type": "event", "event": "readings_batch", "data": [
        {"tracker_id": tid, "virtual_sensors": sensors, "states": keyless}]}))

    def readings():
        raw = sub.latest(f"navixy/tracker/{tid}/readings")
        return json.loads(raw) if raw else {}
    wait_until(lambda: len(readings().get("virtual_sensors", [])) == 256, 10,
               what="the virtual sensors cut at 256")
    states = readings()["states"]
    assert sum(1 for s in states if "field" not in s) == 16
    assert "event=readings.truncated tracker_id=%d" % tid in stack.bridge.log()
    c = stop_and_count(stack)
    # 301 sensors (the simulator's own and 300 new) for 256 places, 20
    # keyless states for 16.
    assert c["readings_truncated"] == 301 - 256 + 20 - 16


def test_non_canonical_messages_above_the_fallback_budget(stack_up):
    # With navixy.max_fallback_bytes at 1 MiB: a pretty-printed batch far
    # above it is still taken item by item; a pretty-printed message of
    # another kind that big is skipped and counted (drops.fallback_oversized).
    stack, sub, ids = stack_up(navixy={"max_fallback_bytes": 1 << 20})
    tid = ids[0]
    state = stack.sim.tracker(tid)["state"]
    state["gps"]["location"]["lat"] = 12.5
    pad = [{"k": i} for i in range(300)]  # ~0.4 MB of json-c each, 8 MB for 20
    batch = {"type": "event", "event": "state_batch",
             "data": [{"type": "source_state_event", "state": dict(state, pad=pad)}] * 20}
    inject(stack, json.dumps(batch, indent=1))
    wait_until(lambda: json.loads(sub.latest(f"navixy/tracker/{tid}/location") or "{}")
               .get("latitude") == 12.5, 10, what="the batch taken item by item")
    iot = {"type": "event", "event": "iot_monitor",
           "data": {"iot_last_values": [{"tracker_id": tid, "pad": pad}] * 20}}
    inject(stack, json.dumps(iot, indent=1))
    wait_until(lambda: "event=upstream.fallback_oversized" in stack.bridge.log(), 10,
               what="the iot_monitor message skipped")
    assert_recovered(stack, sub, tid)
    c = stop_and_count(stack)
    assert c["fallback_oversized"] == 1 and c["parse_errors"] == 0 and c["bad_items"] == 0
