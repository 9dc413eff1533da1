# SPDX-License-Identifier: MIT
"""The desired set's life through a real Mosquitto and the simulator:
persisted across a bridge restart (and a corrupt state file falling back to
the config), re-sent after an upstream drop, accepted as pending while
upstream is down or silent, and unsubscribed trackers' retained topics
cleared."""
import json
import os
import time

from conftest import retained_tree, upstream_state, wait_connected, wait_until
from control_client import Control


def only(ctl, changes):
    """Applies (command, body) pairs, asserting each is ok."""
    for command, body in changes:
        r = ctl.call(command, body)
        assert r["status"] == "ok", (command, body, r)


def tracker_topics(tree, tid):
    return {t for t in tree if t.startswith(f"navixy/tracker/{tid}/")}


def test_persistence_across_restart(make_stack):
    # Started here, not by make_stack: stopping a bridge at once after its
    # start can race the `timeout` wrapper and orphan it.
    stack = make_stack(start_bridge=False)
    path = os.path.join(stack.workdir, "state.json")
    stack.bridge.settings["control"] = {"state_file": path}
    stack.bridge.start()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        assert "event=control.state_missing" in stack.bridge.log()
        only(ctl, [("unsubscribe", {"type": "readings_batch", "trackers": "all"}),
                   ("subscribe", {"type": "state", "trackers": [ids[0]], "format": "compact"})])
        wanted = ctl.call("list")["data"]["subscriptions"]
        with open(path) as f:
            saved = json.load(f)
        assert saved == {"version": 1, "subscriptions": wanted}
        assert temp_files(path) == []
        assert os.stat(path).st_mode & 0o777 == 0o600

        stack.bridge.stop()
        restarted = time.monotonic()
        stack.bridge.start()
        # The old bridge's retained topics say the same: wait for the new one's.
        sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 15, since=restarted)
        info, _ = sub.wait_for("navixy/bridge/info", timeout=15, since=restarted)
        assert json.loads(info)["subscriptions"] == wanted
        wait_until(lambda: stack.bridge.log().count("event=upstream.connected") == 2, 15,
                   what="the restarted bridge upstream")
        assert ctl.call("list")["data"]["subscriptions"] == wanted
        log = stack.bridge.log()
        assert "event=control.state_restored" in log
        # The restored set is what went upstream: readings_batch only at the first start.
        wait_until(lambda: stack.bridge.log().count("action=subscribe type=state ") >= 2, 10,
                   what="the restored state subscription upstream")
        assert stack.bridge.log().count("action=subscribe type=readings_batch") == 1
    finally:
        ctl.close()


def temp_files(path):
    """Files next to path named <name>.<something>: temporary files."""
    d, name = os.path.split(path)
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.startswith(name + "."))


def test_corrupt_state_file_falls_back_to_config(make_stack):
    stack = make_stack(start_bridge=False)
    path = os.path.join(stack.workdir, "state.json")
    with open(path, "w") as f:
        f.write('{"version":1,"subscriptions":{"state":{"trackers":[1')  # cut mid-write
    with open(path + ".tmp", "w") as f:
        f.write("leftover of a crash")
    stack.bridge.settings["control"] = {"state_file": path}
    stack.bridge.start()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        subs = ctl.call("list")["data"]["subscriptions"]
        assert set(subs) == {"state_batch", "readings_batch"}
        assert f"event=control.state_invalid error=\"{path}: not JSON" in stack.bridge.log()
        # The next change writes a good file over the corrupt one; the
        # leftover at the old fixed temporary name is neither in the way
        # nor touched (the bridge's temporary files have fresh names).
        only(ctl, [("subscribe", {"type": "state", "trackers": [100001]})])
        with open(path) as f:
            assert json.load(f)["subscriptions"]["state"]["trackers"] == [100001]
        with open(path + ".tmp") as f:
            assert f.read() == "leftover of a crash"
        assert temp_files(path) == [path + ".tmp"]
    finally:
        ctl.close()


def narrow_to_state(ctl, tid):
    """Only a `state` subscription for one tracker remains."""
    only(ctl, [("unsubscribe", {"type": "state_batch", "trackers": "all"}),
               ("unsubscribe", {"type": "readings_batch", "trackers": "all"}),
               ("subscribe", {"type": "state", "trackers": [tid]})])


def state_changes(sub, tid, since):
    return [p for t, p, r, at in sub.snapshot()
            if t == f"navixy/tracker/{tid}/state" and at >= since and p]


def test_resubscribe_after_upstream_drop(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        narrow_to_state(ctl, ids[0])
        stack.sim.admin("drop")
        wait_until(lambda: "upstream.closed" in stack.bridge.log() or
                   stack.bridge.log().count("event=upstream.connected") >= 2, 10,
                   what="the drop to be noticed")
        wait_until(lambda: stack.bridge.log().count("event=upstream.connected") >= 2, 15,
                   what="upstream reconnect")
        wait_until(lambda: upstream_state(sub) == "connected", 10, what="connected again")
        time.sleep(0.5)
        since = time.monotonic()
        stack.sim.admin(f"tick?id={ids[0]}")
        stack.sim.admin(f"tick?id={ids[1]}")
        wait_until(lambda: state_changes(sub, ids[0], since), 10,
                   what="the control-made subscription after the reconnect")
        time.sleep(1)
        # Only what the desired set holds was re-sent.
        assert state_changes(sub, ids[1], since) == []
        stats = stack.sim.admin("stats", "GET")
        assert stats["subscribed_connections"] == 1
    finally:
        ctl.close()


def test_upstream_down_accepts_pending(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        stack.sim.stop()
        wait_until(lambda: upstream_state(sub) not in (None, "connected"), 15,
                   what="upstream down")
        r = ctl.call("subscribe", {"type": "state", "trackers": [ids[0]]})
        assert r["status"] == "ok"
        assert r["data"] == {"type": "state", "trackers": [ids[0]], "pending": True}
        assert ctl.call("list")["data"]["subscriptions"]["state"]["trackers"] == [ids[0]]
        # Unknown ids are still refused from the last tracker list.
        bad = ctl.call("subscribe", {"type": "state", "trackers": [4242]})
        assert bad["error"].startswith("trackers: unknown tracker id 4242")
    finally:
        ctl.close()


def test_silent_upstream_answers_pending_after_the_timeout(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        stack.sim.admin("stall?ms=0")
        start = time.monotonic()
        r = ctl.call("subscribe", {"type": "state", "trackers": [ids[0]]}, timeout=15)
        waited = time.monotonic() - start
        assert r["status"] == "ok" and r["data"]["pending"] is True
        assert "statuses" not in r["data"]
        assert 2.5 <= waited <= 8, waited  # navixy.connect_timeout_s = 3 in the tests
        stack.sim.admin("resume")
        health = ctl.call("health")["data"]
        assert health["control"]["upstream_timeouts"] == 1
    finally:
        ctl.close()


def test_unsubscribe_clears_retained_topics(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        a, b = ids[0], ids[1]
        only(ctl, [("unsubscribe", {"type": "state_batch", "trackers": "all"}),
                   ("subscribe", {"type": "state_batch", "trackers": [a, b]}),
                   ("unsubscribe", {"type": "readings_batch", "trackers": "all"}),
                   ("subscribe", {"type": "readings_batch", "trackers": [a, b]})])
        tree = wait_until(lambda: (lambda t: t if tracker_topics(t, a) and tracker_topics(t, b)
                                   else None)(retained_tree(stack.broker.port, settle=0.5)),
                          10, what="retained topics of both trackers")
        assert f"navixy/tracker/{b}/readings" in tree
        for tid in ids[2:]:
            assert tracker_topics(tree, tid) == set()  # cleared by the "all" unsubscribes

        only(ctl, [("unsubscribe", {"type": "state_batch", "trackers": [b]}),
                   ("unsubscribe", {"type": "readings_batch", "trackers": [b]})])
        tree = retained_tree(stack.broker.port)
        assert tracker_topics(tree, b) == set()
        assert {f"navixy/tracker/{a}/state", f"navixy/tracker/{a}/readings"} <= tracker_topics(tree, a)

        # b's topics stop updating, and a resync does not bring them back.
        since = time.monotonic()
        stack.sim.admin(f"tick?id={b}")
        only(ctl, [("resync", {})])
        time.sleep(1.5)
        assert state_changes(sub, b, since) == []
        assert tracker_topics(retained_tree(stack.broker.port), b) == set()

        # Subscribing again fills them in.
        only(ctl, [("subscribe", {"type": "state_batch", "trackers": [b]})])
        wait_until(lambda: f"navixy/tracker/{b}/state" in retained_tree(stack.broker.port, settle=0.3),
                   10, what="state back after re-subscribing")
    finally:
        ctl.close()


def test_unsubscribe_keeps_retained_topics_when_configured(make_stack):
    stack = make_stack(topics={"clear_on_unsubscribe": False})
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        only(ctl, [("unsubscribe", {"type": "state_batch", "trackers": "all"})])
        tree = retained_tree(stack.broker.port)
        for tid in ids:
            assert f"navixy/tracker/{tid}/state" in tree
    finally:
        ctl.close()


def test_sighup_keeps_control_changes(make_stack):
    import signal
    # Started here, not by make_stack: stopping a bridge at once after its
    # start can race the `timeout` wrapper and orphan it.
    stack = make_stack(start_bridge=False)
    path = os.path.join(stack.workdir, "state.json")
    stack.bridge.settings["control"] = {"state_file": path}
    stack.bridge.start()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        only(ctl, [("subscribe", {"type": "state", "trackers": [ids[0]]})])
        wanted = ctl.call("list")["data"]["subscriptions"]
        # A reload for another setting (the config's subscriptions unchanged).
        stack.bridge.settings["log"] = {"level": "info"}
        stack.bridge.write_config()
        stack.bridge.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "event=config.reloaded" in stack.bridge.log(), 10, what="the reload")
        assert ctl.call("list")["data"]["subscriptions"] == wanted
        with open(path) as f:
            assert json.load(f)["subscriptions"] == wanted
    finally:
        ctl.close()


def test_shutdown_answers_waiting_requests(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        stack.sim.admin("stall?ms=0")
        ctl.publish("subscribe", {"type": "state", "trackers": [ids[0]], "transaction": "late"})
        # The request reached the bridge and waits for Navixy (3 s timeout).
        wait_until(lambda: "event=control.request command=subscribe" in stack.bridge.log(), 5,
                   what="request received")
        assert ctl.responses("subscribe") == []
        assert stack.bridge.stop() == 0
        r = ctl.wait_response("subscribe", lambda r: r["transaction"] == "late", timeout=5)
        assert r["status"] == "ok" and r["data"]["pending"] is True
        time.sleep(0.3)
        assert len(ctl.responses("subscribe")) == 1
        stack.sim.admin("resume")
    finally:
        ctl.close()
