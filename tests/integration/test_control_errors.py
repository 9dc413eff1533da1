# SPDX-License-Identifier: MIT
"""Bad control requests through a real Mosquitto: each gets one error
response naming the field and the reason, leaves the desired set alone, is
counted, and the bridge keeps running. Also the read-only mode."""
import json
import time

from conftest import wait_connected
from control_client import Control

BAD = [
    # (command, payload, error prefix)
    ("list", b"{", "payload: not JSON: "),
    ("subscribe", b"[1,2]", "payload: must be a JSON object"),
    ("reboot", b"{}", 'command: unknown command "reboot"'),
    ("subscribe", {"trackers": "all"}, "type: missing"),
    ("subscribe", {"type": "foo", "trackers": "all"}, 'type: unknown type "foo"'),
    ("subscribe", {"type": 3, "trackers": "all"}, "type: must be a string"),
    ("subscribe", {"type": "state", "trackers": "some"},
     'trackers: must be "all" or an array of integers'),
    ("subscribe", {"type": "state", "trackers": [1, "x"]},
     "trackers[1]: must be a positive integer tracker id"),
    ("subscribe", {"type": "state_batch", "trackers": "all", "rate_limit": "soon"},
     "rate_limit: must be a number above 0"),
    ("subscribe", {"type": "state", "trackers": "all", "rate_limit": "1s"},
     "rate_limit: state takes no rate_limit"),
    ("subscribe", {"type": "readings_batch", "trackers": "all", "format": "compact"},
     "format: only state and state_batch take a format"),
    ("subscribe", {"type": "state", "trackers": "all", "include_components": "yes"},
     "include_components: must be true or false"),
    ("subscribe", {"type": "iot_monitor", "trackers": "all"},
     "trackers: iot_monitor needs a list"),
    ("subscribe", {"type": "state", "trackers": "all", "colour": "red"},
     "colour: unknown field"),
    ("subscribe", {"type": "state", "trackers": [100001, 777, 900000001]},
     "trackers: unknown tracker ids 777, 900000001 (not in the account's tracker list)"),
    ("subscribe", {"type": "state", "trackers": [1, 2, 3, 4, 5, 6]},
     "trackers: 6 ids, at most control.max_ids (5)"),
    ("unsubscribe", {"type": "state_batch", "trackers": [100001]},
     "trackers: state_batch is subscribed for all trackers"),
    ("list", {"type": "state"}, "type: unknown field (list takes only transaction)"),
    ("health", b"{" + b" " * 300 + b"}", "payload: larger than control.max_request_bytes (256)"),
]


def test_bad_requests_get_errors_and_are_counted(make_stack):
    stack = make_stack(control={"max_ids": 5, "max_request_bytes": 256})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        before = ctl.call("list")["data"]["subscriptions"]
        for n, (command, payload, prefix) in enumerate(BAD):
            if isinstance(payload, dict):
                payload = dict(payload, transaction=f"bad-{n}")
                r = ctl.call(command, payload)
                assert r["transaction"] == payload["transaction"]
            else:
                r = ctl.raw_call(command, payload)
                assert r["transaction"] is None
            assert r["status"] == "error", (command, payload, r)
            assert r["data"] is None
            assert r["error"].startswith(prefix), (command, payload, r["error"])
            assert stack.bridge.proc.poll() is None, "the bridge stopped"

        # Nothing changed, everything was counted, and the bridge still works.
        assert ctl.call("list")["data"]["subscriptions"] == before
        health = ctl.call("health")["data"]
        assert health["control"]["bad_requests"] == len(BAD)
        assert health["control"]["changes"] == 0
        ok = ctl.call("subscribe", {"type": "state", "trackers": [100001]})
        assert ok["status"] == "ok" and ok["data"]["statuses"] == {"100001": "normal"}
        log = stack.bridge.log()
        assert log.count("event=control.bad_request") + log.count("event=control.refused") >= len(BAD)
    finally:
        ctl.close()


def test_not_json_is_one_response_only(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        r = ctl.raw_call("subscribe", b"\xff\xfe not json")
        assert r["error"].startswith("payload: not JSON")
        time.sleep(0.5)
        assert len(ctl.responses("subscribe")) == 1
    finally:
        ctl.close()


def test_read_only_bridge_ignores_requests(make_stack):
    stack = make_stack(control={"enabled": False})
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        ctl.publish("subscribe", {"type": "state", "trackers": [ids[0]], "transaction": "ro"})
        ctl.publish("list", b"")
        time.sleep(2)
        assert ctl.snapshot() == []
        assert "event=control.disabled" in stack.bridge.log()
        info = json.loads(sub.latest("navixy/bridge/info"))
        assert "state" not in info["subscriptions"]
        assert info["config"]["control"]["enabled"] is False
        # Still a working bridge.
        since = time.monotonic()
        stack.sim.admin(f"tick?id={ids[0]}")
        assert sub.wait_for(f"navixy/tracker/{ids[0]}/state", since=since)
    finally:
        ctl.close()
