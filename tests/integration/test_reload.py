# SPDX-License-Identifier: MIT
"""SIGHUP with edited subscriptions behaves like the same change made
through the control plane: bridge/event notices of the same shape (source
"reload"), the state file saved, and with topics.clear_on_unsubscribe the
retained topics of trackers no subscription covers any more cleared.
Turning a class's retain off by SIGHUP clears its retained copies."""
import json
import os
import signal
import time

from conftest import retained_tree, wait_connected, wait_until
from control_client import Control


def reload_with(stack, extra=""):
    """Rewrites the config from the bridge's settings plus `extra`, sends
    SIGHUP and waits for the reload."""
    before = stack.bridge.log().count("event=config.reloaded")
    stack.bridge.write_config()
    with open(stack.bridge.conf_path, "a") as f:
        f.write(extra)
    stack.bridge.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: stack.bridge.log().count("event=config.reloaded") > before, 10,
               what="the reload")


def notices(sub, since, source):
    out = []
    for t, p, r, at in sub.snapshot():
        if t == "navixy/bridge/event" and at >= since:
            n = json.loads(p)
            if n.get("event") == "subscriptions" and n.get("source") == source:
                out.append(n)
    return out


def tracker_topics(tree, tid):
    return {t for t in tree if t.startswith(f"navixy/tracker/{tid}/") and tree[t]}


def test_sighup_subscription_change_is_announced_and_clears_like_control(make_stack):
    stack = make_stack(start_bridge=False)
    path = os.path.join(stack.workdir, "state.json")
    stack.bridge.settings["control"] = {"state_file": path}
    stack.bridge.start()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    keep, drop = ids[:2], ids[2:]
    ctl = Control(stack.broker.port)
    try:
        # The control plane's notice, for its shape.
        since = time.monotonic()
        assert ctl.call("subscribe", {"type": "state_batch", "trackers": "all",
                                      "rate_limit": "2s"})["status"] == "ok"
        control = wait_until(lambda: notices(sub, since, "control"), 10, what="control notice")[0]
        # Back to the config's set, then the same kind of change by SIGHUP.
        assert ctl.call("subscribe", {"type": "state_batch", "trackers": "all",
                                      "rate_limit": "1s"})["status"] == "ok"
        since = time.monotonic()
        reload_with(stack, 'subscriptions = ( { type = "state_batch"; trackers = [ %d, %d ]; } );\n'
                    % tuple(keep))
        got = wait_until(lambda: len(notices(sub, since, "reload")) >= 3 and notices(sub, since, "reload"),
                         10, what="reload notices")
        assert [(n["command"], n["type"], n["trackers"]) for n in got] == [
            ("unsubscribe", "state_batch", "all"), ("subscribe", "state_batch", sorted(keep)),
            ("unsubscribe", "readings_batch", "all")]
        assert all(set(n) == set(control) for n in got), (got, control)
        wanted = {"state_batch": {"trackers": sorted(keep), "format": "full"}}
        assert got[-1]["subscriptions"] == wanted
        assert ctl.call("list")["data"]["subscriptions"] == wanted
        with open(path) as f:
            assert json.load(f)["subscriptions"] == wanted

        # clear_on_unsubscribe (default true): the dropped trackers' topics go.
        def cleared():
            tree = retained_tree(stack.broker.port, settle=0.3)
            return all(not tracker_topics(tree, t) for t in drop) and tree
        tree = wait_until(cleared, 15, interval=0.3, what="dropped trackers cleared")
        for t in keep:
            assert f"navixy/tracker/{t}/state" in tracker_topics(tree, t)
        assert "event=control.cleared trackers=%d" % len(drop) in stack.bridge.log()
    finally:
        ctl.close()


def test_sighup_keeps_topics_when_clear_on_unsubscribe_is_off(make_stack):
    stack = make_stack(topics={"clear_on_unsubscribe": False})
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    since = time.monotonic()
    reload_with(stack, 'subscriptions = ( { type = "state_batch"; trackers = [ %d ]; } );\n' % ids[0])
    wait_until(lambda: notices(sub, since, "reload"), 10, what="reload notices")
    wait_until(lambda: "action=unsubscribe type=readings_batch" in stack.bridge.log(), 10,
               what="Navixy's unsubscribe answer")
    tree = retained_tree(stack.broker.port)
    for t in ids:
        assert f"navixy/tracker/{t}/state" in tree
    assert "event=control.cleared" not in stack.bridge.log()


def test_sighup_retain_off_clears_the_retained_copies(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    assert all(f"navixy/tracker/{t}/location" in retained_tree(stack.broker.port) for t in ids)
    stack.bridge.settings["topics"] = {"location": {"retain": False}}
    reload_with(stack)

    def gone():
        tree = retained_tree(stack.broker.port, settle=0.3)
        return not any(t.endswith("/location") and p for t, p in tree.items()) and tree
    tree = wait_until(gone, 10, interval=0.3, what="retained locations cleared")
    assert all(f"navixy/tracker/{t}/state" in tree for t in ids)
    assert f"event=config.retain_off class=location cleared={len(ids)}" in stack.bridge.log()
    # New locations still flow, not retained.
    since = time.monotonic()
    stack.sim.admin(f"tick?id={ids[0]}&n=2")
    _, retained = sub.wait_for(f"navixy/tracker/{ids[0]}/location", lambda p: p, 10, since=since)
    assert not retained
    assert not any(t.endswith("/location") and p
                   for t, p in retained_tree(stack.broker.port).items())
