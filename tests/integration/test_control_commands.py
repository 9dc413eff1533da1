# SPDX-License-Identifier: MIT
"""Control plane commands through a real Mosquitto against the simulator:
subscribe (Navixy's statuses, idempotency, bridge/info and bridge/event),
unsubscribe, list, resync, health, and MQTT 5 response topics with
correlation data."""
import json
import time

import pytest

from conftest import retained_tree, wait_connected, wait_until
from control_client import Control


@pytest.fixture
def control_stack(make_stack):
    made = []

    def make(**overrides):
        stack = make_stack(**overrides)
        sub = stack.subscribe()
        ids = wait_connected(stack, sub)
        ctl = Control(stack.broker.port)
        made.append(ctl)
        return stack, sub, ctl, ids
    yield make
    for ctl in made:
        ctl.close()


def info(sub):
    return json.loads(sub.latest("navixy/bridge/info"))


def events(sub, kind="subscriptions"):
    return [json.loads(p) for t, p, r, _ in sub.snapshot()
            if t == "navixy/bridge/event" and json.loads(p).get("event") == kind]


def test_subscribe_reports_statuses_and_is_idempotent(control_stack):
    stack, sub, ctl, ids = control_stack()
    body = {"type": "state", "trackers": [ids[1], ids[0]], "format": "compact"}

    first = ctl.call("subscribe", body)
    assert first["status"] == "ok" and first["error"] is None
    data = first["data"]
    assert data["type"] == "state" and data["trackers"] == sorted(ids[:2])
    assert data["pending"] is False
    assert data["statuses"] == {str(i): "normal" for i in ids[:2]}
    wait_until(lambda: "state" in info(sub)["subscriptions"], 5, what="bridge/info update")
    assert info(sub)["subscriptions"]["state"] == {"trackers": sorted(ids[:2]), "format": "compact"}
    wait_until(lambda: events(sub), 5, what="subscription event")
    notice = events(sub)[0]
    assert notice["source"] == "control" and notice["command"] == "subscribe"
    assert notice["subscriptions"]["state"]["trackers"] == sorted(ids[:2])

    # The same request again: same state, same answer, no second notice.
    second = ctl.call("subscribe", body)
    assert {k: v for k, v in second.items() if k != "transaction"} == \
        {k: v for k, v in first.items() if k != "transaction"}
    time.sleep(0.5)
    assert len(events(sub)) == 1
    assert info(sub)["subscriptions"]["state"] == {"trackers": sorted(ids[:2]), "format": "compact"}


def test_subscribe_reports_blocked_and_keeps_options(control_stack):
    stack, sub, ctl, ids = control_stack()
    stack.sim.admin(f"block?id={ids[2]}")
    r = ctl.call("subscribe", {"type": "state_batch", "trackers": "all", "rate_limit": "2s"})
    assert r["status"] == "ok", r
    statuses = r["data"]["statuses"]
    assert statuses[str(ids[2])] == "blocked"
    assert statuses[str(ids[0])] == "normal"
    # The response and bridge/info reach different clients, in no set order.
    wait_until(lambda: info(sub)["subscriptions"]["state_batch"].get("rate_limit") == "2s", 5,
               what="bridge/info with rate_limit 2s")

    # Options left out keep the type's current ones.
    r = ctl.call("subscribe", {"type": "readings_batch", "trackers": "all", "sensor_type": "fuel"})
    assert r["status"] == "ok"
    wait_until(lambda: "sensor_type" in info(sub)["subscriptions"]["readings_batch"], 5,
               what="bridge/info with sensor_type")
    assert info(sub)["subscriptions"]["readings_batch"] == \
        {"trackers": "all", "rate_limit": "1s", "sensor_type": "fuel"}


def test_unsubscribe_and_list(control_stack):
    stack, sub, ctl, ids = control_stack()
    assert ctl.call("subscribe", {"type": "state", "trackers": ids[:3]})["status"] == "ok"
    r = ctl.call("unsubscribe", {"type": "state", "trackers": [ids[0]]})
    assert r["status"] == "ok", r
    assert r["data"] == {"type": "state", "trackers": [ids[0]], "pending": False}
    again = ctl.call("unsubscribe", {"type": "state", "trackers": [ids[0]]})
    assert again["data"] == r["data"]

    listing = ctl.call("list")
    assert listing["status"] == "ok"
    data = listing["data"]
    assert data["subscriptions"]["state"]["trackers"] == ids[1:3]
    assert data["upstream"] == "connected"
    by_id = {t["id"]: t for t in data["trackers"]}
    fleet = {t["id"]: t for t in stack.sim.fleet()}
    assert set(by_id) == set(fleet)
    for tid, t in by_id.items():
        assert t["label"] == fleet[tid]["label"]
        assert t["subscribed"] is True  # state_batch "all" still covers every tracker
        assert t["status"] == ("blocked" if fleet[tid]["blocked"] else "normal")
    assert [t["id"] for t in data["trackers"]] == sorted(by_id)
    # list is idempotent too.
    assert ctl.call("list")["data"] == data


def test_resync_republishes_the_retained_tree(control_stack):
    stack, sub, ctl, ids = control_stack()
    topic = f"navixy/tracker/{ids[0]}/state"
    before = retained_tree(stack.broker.port)[topic]
    # Someone wiped the topic on the broker behind the bridge's back.
    ctl.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    wait_until(lambda: topic not in retained_tree(stack.broker.port, settle=0.3), 5,
               what="retained topic wiped")
    r = ctl.call("resync")
    assert r["status"] == "ok" and r["data"]["trackers"] == len(stack.sim.fleet())
    tree = wait_until(lambda: (lambda t: t if topic in t else None)(
        retained_tree(stack.broker.port, settle=0.3)), 5, what="resync")
    assert json.loads(tree[topic]) == json.loads(before)


def test_health_counts(control_stack):
    stack, sub, ctl, ids = control_stack()
    ctl.raw_call("list", b"{")
    r = ctl.call("health")
    assert r["status"] == "ok"
    h = r["data"]
    # The bridge/health report ...
    assert h["healthy"] is True
    assert h["trackers"] == len(stack.sim.fleet())
    assert h["upstream"]["state"] == "connected" and h["upstream"]["connected"] is True
    assert h["mqtt"]["connected"] is True
    assert h["traffic"]["state_updates"] >= len(ids)
    # ... plus the control plane's counters.
    assert h["control"]["requests"] == 2 and h["control"]["bad_requests"] == 1
    assert h["control"]["waiting"] == 0 and h["control"]["changes"] == 0


def test_mqtt5_response_topic_and_correlation_data(control_stack):
    stack, sub, ctl, ids = control_stack()
    ctl.publish("list", {"transaction": "m5"}, response_topic="test/replies/me",
                correlation=b"\x00corr-42\xff")
    replies = wait_until(lambda: [m for m in ctl.snapshot() if m[0] == "test/replies/me"], 10,
                         what="reply on the response topic")
    topic, payload, corr = replies[0]
    assert corr == b"\x00corr-42\xff"
    assert json.loads(payload)["transaction"] == "m5"
    assert json.loads(payload)["status"] == "ok"
    # ... and exactly once on the command's own response topic.
    time.sleep(0.5)
    assert len(ctl.responses("list", lambda r: r["transaction"] == "m5")) == 1
    assert len(replies) == 1

    # A deferred subscribe answer goes there too, with the same data.
    ctl.publish("subscribe", {"type": "state", "trackers": [ids[0]], "transaction": "m6"},
                response_topic="test/replies/sub", correlation=b"c6")
    got = wait_until(lambda: [m for m in ctl.snapshot() if m[0] == "test/replies/sub"], 10,
                     what="deferred reply")
    assert got[0][2] == b"c6"
    assert json.loads(got[0][1])["data"]["statuses"] == {str(ids[0]): "normal"}

    # An error answer as well.
    ctl.publish("subscribe", b"nope", response_topic="test/replies/err", correlation=b"c7")
    got = wait_until(lambda: [m for m in ctl.snapshot() if m[0] == "test/replies/err"], 10,
                     what="error reply")
    assert got[0][2] == b"c7"
    assert json.loads(got[0][1])["error"].startswith("payload: not JSON")
