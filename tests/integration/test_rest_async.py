# SPDX-License-Identifier: MIT
"""REST calls never block the event loop (bridge_rest.h, rest_worker.h).

The simulator holds REST answers back for 20 s (/admin/rest_delay), longer
than the bridge's navixy.rest_timeout_s. While a tracker/list or user/auth
call is stalled, checked from a real MQTT subscriber, the HTTP endpoint and
the control plane: known trackers' updates keep arriving, /healthz answers
within a second, a control request is answered, and all of it before the
stalled call has even timed out. Then the call times out (rest.timeout),
is retried after the back-off, and the update that triggered the refresh
is published once the list is in. SIGTERM during a stalled call still
stops the bridge cleanly at once.
"""
import json
import urllib.error
import urllib.request

import pytest

from conftest import free_port, upstream_state, wait_connected, wait_until
from control_client import Control
from faultlib import counters, log_events

STALL_MS = 20000
REST_TIMEOUT_S = 8  # well under the stall, long enough to check things inside it


def healthz(port):
    """GET /healthz with a 1 s client timeout: (status, body)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def held_calls(stack):
    return stack.sim.admin("stats", "GET")["rest_delayed"]


def rest_timeouts(stack, call):
    return [l for l in log_events(stack.bridge.log(), "rest.timeout") if f"call={call}" in l]


def tick_and_wait(stack, sub, tid, timeout=5):
    """One change to a known tracker; returns once its new location is published."""
    topic = f"navixy/tracker/{tid}/location"
    before = sub.latest(topic)
    stack.sim.admin(f"tick?id={tid}&n=1")
    wait_until(lambda: sub.latest(topic) != before, timeout, what=f"tracker {tid}'s update")


@pytest.fixture
def rest_stack(make_stack):
    def make(start_bridge=True, rest_timeout_s=REST_TIMEOUT_S):
        port = free_port()
        stack = make_stack(start_bridge=start_bridge,
                           navixy={"rest_timeout_s": rest_timeout_s},
                           health={"http_listen": f"127.0.0.1:{port}"})
        stack.http_port = port
        return stack
    return make


def test_stalled_tracker_list_refresh_does_not_stop_updates(rest_stack):
    stack = rest_stack()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    control = Control(stack.broker.port)
    try:
        for tid in ids:  # the baseline: every known tracker's update arrives
            tick_and_wait(stack, sub, tid)
        assert stack.sim.admin(f"rest_delay?ms={STALL_MS}")["ok"]
        new_id = stack.sim.admin("add?label=Latecomer")["id"]
        stack.sim.admin(f"tick?id={new_id}&n=1")  # unknown: starts a tracker/list refresh
        wait_until(lambda: held_calls(stack) >= 1, 10, what="the refresh to be held")

        # Inside the stall: updates, /healthz and a control request.
        for tid in ids:
            tick_and_wait(stack, sub, tid)
        status, body = healthz(stack.http_port)
        assert status == 200 and body["upstream"]["state"] == "connected", body
        answer = control.call("health", timeout=5)
        assert answer["status"] == "ok", answer
        # ...all of it while the call was still stalled: it has not timed out yet.
        assert not rest_timeouts(stack, "tracker/list"), "the stall ended before the checks"
        assert sub.latest(f"navixy/tracker/{new_id}/state") is None

        # The stalled call times out and is retried after the back-off.
        wait_until(lambda: rest_timeouts(stack, "tracker/list"), REST_TIMEOUT_S + 15,
                   what="rest.timeout for tracker/list")
        failed = wait_until(lambda: log_events(stack.bridge.log(), "tracker_list.refresh_failed"),
                            10, what="tracker_list.refresh_failed")
        assert "retry_ms=" in failed[0] and "error=" in failed[0], failed[0]
        wait_until(lambda: held_calls(stack) >= 2, 10, what="the retried tracker/list")
        assert stack.sim.admin("rest_delay?ms=0")["ok"]

        # A later retry gets through: the update held for the newcomer is published.
        sub.wait_for(f"navixy/tracker/{new_id}/state", timeout=REST_TIMEOUT_S + 20)
        sub.wait_for(f"navixy/tracker/{new_id}/location", timeout=5)
        assert log_events(stack.bridge.log(), "upstream.held_replayed")
        tick_and_wait(stack, sub, ids[0])
        assert upstream_state(sub) == "connected"
    finally:
        control.close()
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["rest_failures"] >= 2 and c["tracker_list_calls"] >= 4, c
    assert c["upstream_failures"] == 0, c  # the WebSocket never dropped
    assert c["unknown_sources"] == 0, c    # the newcomer's update was held, not skipped


def test_connect_waits_for_a_stalled_auth_without_blocking(rest_stack):
    stack = rest_stack(start_bridge=False)
    assert stack.sim.admin(f"rest_delay?ms={STALL_MS}")["ok"]
    sub = stack.subscribe()
    control = Control(stack.broker.port)
    try:
        stack.bridge.start()
        wait_until(lambda: held_calls(stack) >= 1, 10, what="user/auth to be held")
        # The loop runs: the broker side comes up, /healthz and control answer.
        sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 10)
        wait_until(lambda: upstream_state(sub) == "connecting", 10, what="upstream connecting")
        status, body = healthz(stack.http_port)
        assert status == 503 and body["upstream"]["state"] == "connecting", body
        answer = control.call("health", timeout=5)
        assert answer["status"] == "ok", answer
        assert not rest_timeouts(stack, "user/auth"), "the stall ended before the checks"
        assert not log_events(stack.bridge.log(), "upstream.retry")

        # user/auth times out, the attempt backs off and the next one connects.
        assert stack.sim.admin("rest_delay?ms=0")["ok"]
        wait_until(lambda: rest_timeouts(stack, "user/auth"), REST_TIMEOUT_S + 15,
                   what="rest.timeout for user/auth")
        retry = wait_until(lambda: log_events(stack.bridge.log(), "upstream.retry"), 10,
                           what="upstream.retry")
        assert "state=backoff" in retry[0] and "user/auth" in retry[0], retry[0]
        wait_connected(stack, sub, timeout=20)
    finally:
        control.close()
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["rest_failures"] >= 1 and c["auth_calls"] >= 2, c


@pytest.mark.parametrize("phase", ["connect", "refresh"])
def test_sigterm_during_a_stalled_call_stops_at_once(rest_stack, phase):
    # rest_timeout_s far beyond stop()'s patience: only cutting the call short
    # lets the bridge exit in time (stop() kills it after 10 s, exit != 0).
    stack = rest_stack(start_bridge=phase == "refresh", rest_timeout_s=120)
    sub = stack.subscribe()
    if phase == "refresh":
        wait_connected(stack, sub)
    assert stack.sim.admin(f"rest_delay?ms={STALL_MS * 3}")["ok"]
    if phase == "connect":
        stack.bridge.start()
    else:
        new_id = stack.sim.admin("add?label=Late")["id"]
        stack.sim.admin(f"tick?id={new_id}&n=1")
    wait_until(lambda: held_calls(stack) >= 1, 10, what="a REST call to be held")
    assert stack.bridge.stop() == 0, "the bridge did not exit cleanly"
    log = stack.bridge.log()
    assert log_events(log, "bridge.stopped"), log[-2000:]
    sub.wait_for("navixy/bridge/state", lambda p: p == b"offline", 5)
