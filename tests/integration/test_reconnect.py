# SPDX-License-Identifier: MIT
"""Upstream recovery: login re-auth after logout, resubscribe after a drop
and after a stall (liveness watchdog), and the API-key auth failure state."""
import json
import time

from conftest import upstream_state, wait_connected, wait_until


def upstream_states(sub, since=0.0):
    return [json.loads(p)["state"] for t, p, r, at in sub.snapshot()
            if t == "navixy/bridge/upstream" and at >= since]


def assert_updates_flow(stack, sub, tid):
    before = sub.latest(f"navixy/tracker/{tid}/state")
    stack.sim.admin(f"tick?id={tid}&n=1")
    wait_until(lambda: sub.latest(f"navixy/tracker/{tid}/state") != before, 10,
               what="a state update after recovery")


def test_login_reauth_after_logout(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    since = time.monotonic()
    stack.sim.admin("logout")
    sub.wait_for("navixy/bridge/event", lambda p: b"logout" in p)
    wait_until(lambda: "logged_out" in upstream_states(sub, since), 10, what="logged_out state")
    wait_until(lambda: upstream_state(sub) == "connected", 10, what="reconnected")
    assert_updates_flow(stack, sub, ids[0])
    assert stack.bridge.log().count("upstream.authenticated") >= 2


def test_resubscribe_after_drop(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    since = time.monotonic()
    stack.sim.admin("drop")
    wait_until(lambda: "backoff" in upstream_states(sub, since), 10, what="backoff state")
    wait_until(lambda: upstream_state(sub) == "connected", 10, what="reconnected")
    assert_updates_flow(stack, sub, ids[1])
    assert stack.bridge.log().count("action=subscribe bytes") >= 2


def test_resubscribe_after_stall(make_stack):
    stack = make_stack()  # liveness_s = 5, simulator heartbeats every 1 s
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    start = time.monotonic()
    stack.sim.admin("stall?ms=0")
    wait_until(lambda: "backoff" in upstream_states(sub, start), 12, what="watchdog drop")
    # liveness_s = 5 counts from the last frame, up to a (late) heartbeat
    # interval before the stall began.
    assert time.monotonic() - start >= 3.0, "dropped before the liveness window"
    stack.sim.admin("resume")
    wait_until(lambda: upstream_state(sub) == "connected", 10, what="reconnected")
    assert "liveness" in stack.bridge.log()
    assert_updates_flow(stack, sub, ids[2])


def test_api_key_logout_is_auth_failed(make_stack):
    key = "0123456789abcdef0123456789abcdef"
    stack = make_stack(sim_args=["--api-key", key],
                       navixy={"api_key": key, "login": "", "password": ""})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    stack.sim.admin("logout")  # ends session hashes only: the key survives
    time.sleep(1)
    assert upstream_state(sub) == "connected"
    # A wrong key is refused with an auth failure state and a long back-off.
    stack.bridge.stop()
    stack.bridge.settings["navixy"]["api_key"] = "ffffffffffffffffffffffffffffffff"
    stack.bridge.start()
    wait_until(lambda: upstream_state(sub) == "auth_failed", 15, what="auth_failed state")
    up = json.loads(sub.latest("navixy/bridge/upstream"))
    assert up["last_error"]
    assert "ffffffff" not in stack.bridge.log(), "the key was logged"
