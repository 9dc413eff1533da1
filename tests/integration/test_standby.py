# SPDX-License-Identifier: MIT
"""Hot standby (bridge_standby.h): two instances of one shard
watching each other's bridge/<instance>/state. The first name becomes
active, the other reads "standby"; kill -9 the active one and the standby
takes over within twice bridge.takeover_s of the will (its name sorts
second; standby.h) without republishing the retained tracker topics the
broker already holds."""
import json
import os
import time

from conftest import Bridge, bridge_settings, wait_until

TAKEOVER_S = 2
CLASSES = ("state", "location", "availability", "readings")


def start(stack, name, peer):
    workdir = os.path.join(stack.workdir, name)
    os.makedirs(workdir, exist_ok=True)
    bridge = Bridge(workdir, bridge_settings(
        stack.sim.port, stack.broker.port,
        mqtt={"client_id": f"n2m-{name}-{stack.broker.port}", "keepalive_s": 2},
        bridge={"shard": "0/1", "instance": name, "standby_for": peer,
                "takeover_s": TAKEOVER_S}))
    bridge.start()
    return bridge


def tracker_topics(sub, since):
    return [t for t, _, _, at in sub.snapshot() if at >= since and "/tracker/" in t
            and t.rsplit("/", 1)[1] in CLASSES]


def test_standby_takes_over_without_retained_churn(make_stack):
    stack = make_stack(start_bridge=False)
    sub = stack.subscribe()
    a = start(stack, "a", "b")
    b = start(stack, "b", "a")
    try:
        sub.wait_for("navixy/bridge/a/state", lambda p: p == b"online", 20)
        sub.wait_for("navixy/bridge/b/state", lambda p: p == b"standby", 10)
        ids = [t["id"] for t in stack.sim.fleet()]
        for tid in ids:
            sub.wait_for(f"navixy/tracker/{tid}/readings", timeout=15)
        time.sleep(1.0)
        assert sub.latest("navixy/bridge/b/state") == b"standby"
        assert stack.sim.admin("stats", "GET")["subscribed_connections"] == 1

        killed = time.monotonic()
        a.kill_hard()
        sub.wait_for("navixy/bridge/a/state", lambda p: p == b"offline", 15, since=killed)
        will = time.monotonic()
        # The requirement: 2 x takeover_s for the name that sorts second, on a
        # whole-second clock checked every 200 ms; the slack is for a loaded
        # machine, not part of it.
        limit = 2 * TAKEOVER_S + 1.2
        sub.wait_for("navixy/bridge/b/state", lambda p: p == b"online", limit + 10, since=will)
        took = time.monotonic() - will
        assert took < limit + 4, took
        wait_until(lambda: json.loads(sub.latest("navixy/bridge/b/upstream") or b"{}")
                   .get("state") == "connected", 15, what="b upstream connected")
        assert "standby.takeover" in b.log()
        time.sleep(2.0)  # the snapshot is in
        again = tracker_topics(sub, killed)
        # Nothing republished: state, location and availability are the same
        # bytes; readings differ only in the snapshot's event timestamp,
        # which is not a change (retained_digest.h).
        assert again == [], again
        # A real change still goes out, once.
        tid = ids[0]
        stack.sim.admin(f"tick?id={tid}")
        sub.wait_for(f"navixy/tracker/{tid}/state", timeout=10, since=will + took)
        print(f"takeover {took:.1f}s after the will")
    finally:
        for bridge in (a, b):
            bridge.stop()
