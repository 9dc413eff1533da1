# SPDX-License-Identifier: MIT
"""Scale-out (docs/scale-out.md): three sharded bridges against
one simulator fleet and one Mosquitto. Every tracker's topics come from
exactly one instance, each instance has its own bridge/<instance>/ topics,
and a control request is applied by every instance (each for its own
trackers) and answered exactly once."""
import json
import os
import time

import pytest

from conftest import Bridge, bridge_settings, wait_until
from control_client import Control

N_TRACKERS = 12
SHARDS = 3


@pytest.fixture
def fleet(make_stack):
    """The broker and the simulator of one stack, plus three sharded bridges."""
    stack = make_stack(sim_args=["--trackers", str(N_TRACKERS)], start_bridge=False)
    bridges = []

    def start(shard, instance, **extra):
        workdir = os.path.join(stack.workdir, instance)
        os.makedirs(workdir, exist_ok=True)
        overrides = {"mqtt": {"client_id": f"n2m-{instance}-{stack.broker.port}"},
                     "bridge": {"shard": shard, "instance": instance}}
        for section, values in extra.items():
            overrides.setdefault(section, {}).update(values)
        bridge = Bridge(workdir, bridge_settings(stack.sim.port, stack.broker.port, **overrides))
        bridge.start()
        bridges.append(bridge)
        return bridge

    stack.start_bridge = start
    stack.bridges = bridges
    yield stack
    for bridge in bridges:
        bridge.stop()
        if bridge.proc is not None and bridge.proc.returncode not in (0, None):
            print(f"bridge in {bridge.workdir} exited {bridge.proc.returncode}")


def count(sub, topic):
    return sum(1 for t, _, _, _ in sub.snapshot() if t == topic)


def start_three(stack, sub):
    for k in range(SHARDS):
        stack.start_bridge(f"{k}/{SHARDS}", f"s{k}")
    ids = [t["id"] for t in stack.sim.fleet()]
    assert len(ids) == N_TRACKERS
    for k in range(SHARDS):
        sub.wait_for(f"navixy/bridge/s{k}/state", lambda p: p == b"online", 15)
        wait_until(lambda: (json.loads(sub.latest(f"navixy/bridge/s{k}/upstream") or b"{}")
                            .get("state") == "connected"), 15, what=f"s{k} upstream connected")
    for tid in ids:
        sub.wait_for(f"navixy/tracker/{tid}/state", timeout=15)
    return ids


def info(sub, k):
    return json.loads(sub.latest(f"navixy/bridge/s{k}/info"))


def test_each_tracker_is_published_by_exactly_one_instance(fleet):
    sub = fleet.subscribe()
    ids = start_three(fleet, sub)

    # Each instance owns id % 3 == k and says so on its own info topic.
    for k in range(SHARDS):
        wait_until(lambda: info(sub, k).get("trackers") == sum(1 for i in ids if i % SHARDS == k),
                   10, what=f"s{k} info with its tracker count")
        assert info(sub, k)["shard"] == f"{k}/{SHARDS}"
        assert info(sub, k)["instance"] == f"s{k}"
    # The simulator serves three sockets, one per instance.
    assert fleet.sim.admin("stats", "GET")["subscribed_connections"] == SHARDS

    # One snapshot each: three unsharded bridges would publish every state
    # three times (each has its own dedupe).
    time.sleep(1.5)
    for tid in ids:
        assert count(sub, f"navixy/tracker/{tid}/state") == 1, tid
    # A change of every tracker is published once more, by its owner only.
    for tid in ids:
        assert fleet.sim.admin(f"tick?id={tid}")["ok"]
    for tid in ids:
        wait_until(lambda: count(sub, f"navixy/tracker/{tid}/state") >= 2, 10,
                   what=f"tracker {tid} update")
    time.sleep(1.5)
    for tid in ids:
        assert count(sub, f"navixy/tracker/{tid}/state") == 2, tid

    # No instance used the unsharded bridge topics.
    assert not [t for t, _, _, _ in sub.snapshot()
                if t in ("navixy/bridge/state", "navixy/bridge/info", "navixy/bridge/upstream")]
    for bridge in fleet.bridges:
        assert "unknown_tracker" not in bridge.log()

    # The last will is per instance: a killed instance shows offline, the
    # others stay online.
    fleet.bridges[1].kill_hard()
    sub.wait_for("navixy/bridge/s1/state", lambda p: p == b"offline", 15)
    assert sub.latest("navixy/bridge/s0/state") == b"online"
    assert sub.latest("navixy/bridge/s2/state") == b"online"


def test_control_requests_are_applied_everywhere_and_answered_once(fleet):
    sub = fleet.subscribe()
    ids = start_three(fleet, sub)
    ctl = Control(fleet.broker.port)
    try:
        # One tracker of each shard, plus an id no account has.
        picked = sorted({k: next(i for i in ids if i % SHARDS == k) for k in range(SHARDS)}.values())
        answer = ctl.call("subscribe", {"type": "state", "trackers": picked, "transaction": "t1"})
        assert answer["status"] == "ok", answer
        # Every instance applied it (the desired set is the same everywhere).
        for k in range(SHARDS):
            wait_until(lambda: info(sub, k)["subscriptions"].get("state", {}).get("trackers")
                       == picked, 10, what=f"s{k} applied the subscribe")
        # bridge/info is published before the subscribe goes upstream: wait
        # for Navixy's (the simulator's) answer to each instance.
        for bridge in fleet.bridges:
            wait_until(lambda: "event=upstream.subscribed action=subscribe type=state "
                       in bridge.log(), 10, what="state subscription confirmed upstream")
        # Each instance subscribed its own tracker upstream: a `state`
        # subscription sends one frame per change, so three changes of each
        # picked tracker reach its state topic.
        before = {tid: count(sub, f"navixy/tracker/{tid}/state") for tid in picked}
        for tid in picked:
            fleet.sim.admin(f"tick?id={tid}&n=3")
        for tid in picked:
            wait_until(lambda: count(sub, f"navixy/tracker/{tid}/state") >= before[tid] + 3, 10,
                       what=f"state frames of {tid}")

        bad = ctl.call("subscribe", {"type": "state", "trackers": [999999999], "transaction": "t2"})
        assert bad["status"] == "error" and "999999999" in bad["error"]
        listed = ctl.call("list", {"transaction": "t3"})
        assert listed["status"] == "ok"
        assert listed["data"]["subscriptions"]["state"]["trackers"] == picked
        time.sleep(1.5)  # late duplicates would arrive by now
        for tx, command in (("t1", "subscribe"), ("t2", "subscribe"), ("t3", "list")):
            assert len(ctl.responses(command, lambda r: r.get("transaction") == tx)) == 1, tx
        # The refused request changed nothing anywhere.
        for k in range(SHARDS):
            assert info(sub, k)["subscriptions"]["state"]["trackers"] == picked
    finally:
        ctl.close()
