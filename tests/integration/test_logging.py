# SPDX-License-Identifier: MIT
"""Logging: every line on stderr is one event with key=value fields, and the
level changes at run time through the control plane's log_level command."""
import json
import re
import time

import paho.mqtt.client as mqtt

from conftest import wait_connected, wait_until

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
VALUE = r'(?:"[^"\n]*"|[^\s"]*)'
LINE = re.compile(rf"{STAMP} level=(error|warn|info|debug) event=[a-z0-9_]+(?:\.[a-z0-9_]+)+"
                  rf"(?: [a-z0-9_.]+={VALUE})*")


def event_lines(text):
    return [l for l in text.splitlines() if " event=" in l]


def request(stack, sub, payload, transaction):
    client = mqtt.Client(client_id=f"test-req-{time.monotonic_ns()}", protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", stack.broker.port)
    client.loop_start()
    body = dict(payload, transaction=transaction)
    client.publish("navixy/bridge/request/log_level", json.dumps(body), qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()
    raw, _ = sub.wait_for("navixy/bridge/response/log_level",
                          lambda p: json.loads(p).get("transaction") == transaction, timeout=10)
    return json.loads(raw)


def test_every_line_is_one_event_with_key_value_fields(make_stack):
    stack = make_stack(health={"interval_s": 1})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    stack.sim.admin("inject?kind=text", body=b'{"bad": "frame with spaces and \\"quotes\\""}')
    time.sleep(1.5)
    stack.bridge.stop()
    lines = [l for l in stack.bridge.log().splitlines() if l.strip()]
    assert len(lines) > 10
    bad = [l for l in lines if not LINE.fullmatch(l)]
    assert not bad, bad[:5]
    # The matcher can fail.
    assert not LINE.fullmatch("2026-01-01T00:00:00.000Z level=info event=x.y oops")
    assert not LINE.fullmatch("level=info event=x.y a=1")


def test_log_level_changes_at_run_time(make_stack):
    stack = make_stack(log={"level": "info"}, health={"interval_s": 1})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    assert not [l for l in event_lines(stack.bridge.log()) if " level=debug " in l]

    answer = request(stack, sub, {}, "q")
    assert answer["status"] == "ok" and answer["data"] == {"level": "info", "previous": "info"}

    answer = request(stack, sub, {"level": "debug"}, "d")
    assert answer["status"] == "ok" and answer["data"] == {"level": "debug", "previous": "info"}
    assert "event=control.log_level level=debug previous=info" in stack.bridge.log()
    # Debug lines now appear (every received MQTT message is one).
    request(stack, sub, {}, "again")
    wait_until(lambda: [l for l in event_lines(stack.bridge.log()) if " level=debug " in l], 5,
               what="debug lines after log_level debug")

    answer = request(stack, sub, {"level": "warn"}, "w")
    assert answer["data"] == {"level": "warn", "previous": "debug"}
    mark = len(event_lines(stack.bridge.log()))
    stack.sim.admin("drop")  # an upstream reconnect logs at info and warn
    wait_until(lambda: "upstream" in " ".join(event_lines(stack.bridge.log())[mark:]), 10,
               what="a warning about the dropped upstream")
    time.sleep(2)
    later = event_lines(stack.bridge.log())[mark:]
    assert later and all(" level=warn " in l or " level=error " in l for l in later), later

    answer = request(stack, sub, {"level": "loud"}, "bad")
    assert answer["status"] == "error"
    assert answer["error"] == 'level: must be "error", "warn", "info" or "debug"'


def test_syslog_keeps_stderr_quiet(make_stack):
    stack = make_stack(log={"syslog": True, "level": "debug"})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    stack.bridge.stop()
    assert not event_lines(stack.bridge.log())
