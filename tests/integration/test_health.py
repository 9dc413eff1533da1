# SPDX-License-Identifier: MIT
"""Health: the periodic bridge/health topic under the simulator, the
/metrics page read by a strict exposition-format parser, and /healthz
through a broker outage."""
import json
import time
import urllib.error
import urllib.request

import pytest

import prom_text
from conftest import free_port, wait_connected, wait_until

HEALTH = "navixy/bridge/health"


def health_messages(sub, since=0.0):
    return [(json.loads(p), r, at) for t, p, r, at in sub.snapshot() if t == HEALTH and at >= since]


def next_health(sub, since, timeout=10.0):
    wait_until(lambda: health_messages(sub, since), timeout, what="a bridge/health message")
    return health_messages(sub, since)[0][0]


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def test_health_topic_fields_and_counters_move(make_stack):
    stack = make_stack(health={"interval_s": 1})
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    first = next_health(sub, time.monotonic())

    for key in ("time", "version", "uptime_s", "interval_s", "healthy", "upstream", "mqtt",
                "trackers", "traffic", "errors", "drops", "queue", "rates"):
        assert key in first, key
    assert first["healthy"] is True
    assert first["upstream"]["state"] == "connected" and first["upstream"]["connected"] is True
    assert first["mqtt"]["connected"] is True
    assert first["trackers"] == len(ids)
    assert first["upstream"]["connects"] == 1 and first["mqtt"]["connects"] == 1
    assert first["interval_s"] == pytest.approx(1.0, abs=0.5)
    for group in ("errors", "drops"):
        assert first[group]["total"] == sum(v for k, v in first[group].items() if k != "total")
    assert first["errors"]["total"] == 0

    # Tracker changes move frames, updates and publishes, and show as rates.
    for tid in ids[:3]:
        stack.sim.admin(f"tick?id={tid}&n=2")
    time.sleep(1.5)
    later = next_health(sub, time.monotonic())
    for key in ("ws_messages_in", "frames_in", "updates", "state_updates", "publishes", "bytes_in"):
        assert later["traffic"][key] > first["traffic"][key], key
    assert later["uptime_s"] >= first["uptime_s"] + 1
    # Rates cover the last interval only: the tick happened one or two intervals ago.
    rated = [m["rates"]["updates"] for m, _, _ in health_messages(sub)]
    assert max(rated) > 0

    # A frame that is not JSON is an error by kind, and the bridge carries on.
    stack.sim.admin("inject?kind=text", body=b"{not json")
    wait_until(lambda: health_messages(sub)[-1][0]["errors"]["parse"] > 0, 10,
               what="the parse error in bridge/health")
    assert health_messages(sub)[-1][0]["errors"]["total"] >= 1
    # Never retained: a late subscriber gets nothing until the next period.
    assert all(not retained for _, retained, _ in health_messages(sub))


def test_health_off_and_http_off_by_default(make_stack):
    stack = make_stack(health={"interval_s": 0})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    time.sleep(2.5)
    assert not health_messages(sub)
    assert "http=off" in stack.bridge.log()


def test_metrics_page_is_valid_prometheus_text(make_stack):
    port = free_port()
    stack = make_stack(health={"interval_s": 1, "http_listen": f"127.0.0.1:{port}"})
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    status, ctype, text = http_get(port, "/metrics")
    assert status == 200
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype
    families = prom_text.parse(text)
    for name, fam in families.items():
        assert name.startswith("navixy2mqtt_")
        assert fam["type"] in ("counter", "gauge") and fam["help"], name
        assert fam["samples"], name
        if fam["type"] == "counter":
            assert name.endswith("_total")
            assert all(v >= 0 for v in fam["samples"].values())
    assert prom_text.value(families, "navixy2mqtt_connected", side="upstream") == 1
    assert prom_text.value(families, "navixy2mqtt_connected", side="mqtt") == 1
    assert prom_text.value(families, "navixy2mqtt_upstream_state", state="connected") == 1
    assert prom_text.value(families, "navixy2mqtt_trackers") == len(ids)
    before = prom_text.value(families, "navixy2mqtt_updates_total", kind="state")
    stack.sim.admin(f"tick?id={ids[0]}&n=3")

    def state_updates():
        f = prom_text.parse(http_get(port, "/metrics")[2])
        return prom_text.value(f, "navixy2mqtt_updates_total", kind="state") > before
    wait_until(state_updates, 10, what="updates_total to grow")
    # Unknown paths are 404s; the endpoint keeps serving afterwards.
    assert http_get(port, "/nope")[0] == 404
    assert http_get(port, "/healthz")[0] == 200


def test_strict_parser_rejects_broken_expositions():
    good = "# HELP a_total x\n# TYPE a_total counter\na_total{k=\"v\"} 1\n"
    prom_text.parse(good)
    for bad in (good[:-1],                                          # no final newline
                good.replace("counter", "meter"),                   # unknown type
                good + "a_total{k=\"v\"} 2\n",                      # series twice
                good + "# HELP b y\n# TYPE b gauge\nb 1\na_total 3\n",  # split family
                good.replace("{k=\"v\"}", "{k=\"v}"),               # open label
                good.replace(" 1\n", " one\n"),                     # bad value
                good.replace("a_total{", "1a{"),                    # bad name
                good + "\n"):                                       # empty line
        with pytest.raises(prom_text.ExpositionError):
            prom_text.parse(bad)


def test_healthz_follows_a_broker_outage(make_stack):
    port = free_port()
    stack = make_stack(health={"interval_s": 1, "http_listen": f"127.0.0.1:{port}"})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    status, ctype, body = http_get(port, "/healthz")
    assert (status, ctype) == (200, "application/json")
    doc = json.loads(body)
    assert doc["status"] == "ok" and doc["mqtt"]["connected"] and doc["upstream"]["connected"]

    wait_until(lambda: "healthy=yes" in stack.bridge.log(), 5, what="a health tick while healthy")

    stack.broker.stop()
    wait_until(lambda: http_get(port, "/healthz")[0] == 503, 15, what="/healthz 503 without broker")
    doc = json.loads(http_get(port, "/healthz")[2])
    assert doc["status"] == "unavailable"
    assert doc["mqtt"]["connected"] is False and doc["upstream"]["connected"] is True
    families = prom_text.parse(http_get(port, "/metrics")[2])
    assert prom_text.value(families, "navixy2mqtt_connected", side="mqtt") == 0

    # A health tick sees the outage (it logs the change).
    wait_until(lambda: "event=health.changed healthy=no" in stack.bridge.log(), 10,
               what="outage seen by a health tick")
    stack.broker.start()
    wait_until(lambda: http_get(port, "/healthz")[0] == 200, 20, what="/healthz 200 after restart")
    families = prom_text.parse(http_get(port, "/metrics")[2])
    assert prom_text.value(families, "navixy2mqtt_connects_total", side="mqtt") >= 2
    assert prom_text.value(families, "navixy2mqtt_disconnects_total", side="mqtt") >= 1
    log = stack.bridge.log()
    assert "event=health.changed healthy=no" in log and "event=health.changed healthy=yes" in log


def test_listen_port_taken_is_a_startup_error(make_stack):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        stack = make_stack(health={"http_listen": f"127.0.0.1:{port}"})
        rc = stack.bridge.proc.wait(15)
    assert rc == 1
    log = stack.bridge.log()
    # The cause, in the bridge's own words, before anything else about it.
    assert (f'level=error event=health.listen_failed listen=127.0.0.1:{port} '
            f'reason="address in use"') in log
    assert f"navixy2mqtt: health.http_listen: cannot listen on 127.0.0.1:{port}: address in use" in log
    # Nothing printed by libwebsockets itself ("E: ERROR on binding fd ...").
    foreign = [l for l in log.splitlines()
               if l and " level=" not in l and not l.startswith("navixy2mqtt: ")]
    assert not foreign, foreign
