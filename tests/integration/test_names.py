# SPDX-License-Identifier: MIT
"""Names and payloads from untrusted text, seen from outside: with
topics.id_mode = label, labels holding Unicode noncharacters, controls,
bytes that are not UTF-8 and duplicates still give every tracker its own
legal topic, the bridge stays connected to Mosquitto (which disconnects a
client publishing an illegal topic name), every payload is valid UTF-8, and
text from Navixy cannot forge a log line."""
import json
import re
import time
import urllib.parse

from conftest import retained_tree, wait_until
from faultlib import counters, log_events

FORGED = "level=error event=forged"


def legal_topic(topic):
    """The rule of bridge/publish/topic.h, as Mosquitto 2.0 applies it."""
    if not topic or len(topic.encode()) > 65535 or "+" in topic or "#" in topic:
        return False
    for ch in topic:
        cp = ord(ch)
        if cp < 0x20 or 0x7F <= cp <= 0x9F or 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE:
            return False
    return True


def set_label(stack, tracker_id, label_bytes):
    q = urllib.parse.quote_from_bytes(label_bytes, safe="")
    assert stack.sim.admin(f"label?id={tracker_id}&label={q}")["ok"], label_bytes


def set_label_raw(stack, tracker_id, label_bytes):
    """The label as the request body: bytes a query cannot carry (line breaks)."""
    assert stack.sim.admin(f"label?id={tracker_id}", body=label_bytes)["ok"], label_bytes


def states_by_level(sub):
    """{level: {tracker ids}} over every non-empty state payload seen; each
    payload decoded strictly as UTF-8."""
    seen = {}
    for topic, payload, _, _ in sub.snapshot():
        parts = topic.split("/")
        if len(parts) == 4 and parts[1] == "tracker" and parts[3] == "state" and payload:
            state = json.loads(payload.decode("utf-8"))
            seen.setdefault(parts[2], set()).add(state["tracker_id"])
    return seen


def assert_all_payloads_utf8(sub):
    for topic, payload, _, _ in sub.snapshot():
        assert legal_topic(topic), repr(topic)
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError(f"payload on {topic!r} is not UTF-8: {payload!r}") from e


def test_hostile_labels_give_unique_legal_topics_without_disconnects(make_stack):
    stack = make_stack(sim_args=["--trackers", "8"], topics={"id_mode": "label"},
                       start_bridge=False)
    fleet = stack.sim.fleet()
    ids = [t["id"] for t in fleet]
    labels = [
        "Van\uffff".encode(),           # a noncharacter: Mosquitto disconnects for it
        "\ufdd0Box".encode(),
        "Plane1\U0001ffff".encode(),
        b"ctl\x01x",
        b"Dup",
        b"Dup",
        f"Dup_{ids[5]}".encode(),      # what the second "Dup" becomes
        b"Bad\xff",                    # not UTF-8 at all
    ]
    for tid, label in zip(ids, labels):
        set_label(stack, tid, label)
    sub = stack.subscribe()
    stack.bridge.start()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", timeout=15)

    def every_tracker_has_a_level():
        seen = states_by_level(sub)
        have = set().union(*seen.values()) if seen else set()
        return seen if have >= set(ids) else None
    seen = wait_until(every_tracker_has_a_level, 20, interval=0.2,
                      what="a state topic per tracker")
    for level, owners in seen.items():
        assert len(owners) == 1, f"level {level!r} shared by trackers {owners}"
        assert legal_topic(f"navixy/tracker/{level}/state"), repr(level)
    assert len(seen) == len(ids)
    by_id = {next(iter(v)): k for k, v in seen.items()}
    assert by_id[ids[4]] == "Dup"
    assert by_id[ids[5]] == f"Dup_{ids[5]}"
    assert by_id[ids[6]] == f"Dup_{ids[5]}_{ids[6]}"
    # The label in the payload: bad bytes became U+FFFD, the rest kept.
    bad = json.loads(sub.latest(f"navixy/tracker/{by_id[ids[7]]}/state").decode("utf-8"))
    assert bad["label"] == "Bad\ufffd"
    van = json.loads(sub.latest(f"navixy/tracker/{by_id[ids[0]]}/state").decode("utf-8"))
    assert van["label"] == "Van\uffff"
    assert_all_payloads_utf8(sub)
    tree = retained_tree(stack.broker.port, settle=0.5)
    assert all(legal_topic(t) for t in tree)
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["mqtt_disconnects"] == 0, c
    assert c["mqtt_connects"] == 1, c
    assert c["mapping_errors"] == 0, c


def test_frame_that_is_not_utf8_gives_a_utf8_payload(make_stack):
    stack = make_stack(health={"interval_s": 1})
    sub = stack.subscribe()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", timeout=15)
    fleet = stack.sim.fleet()
    tid, sid = fleet[0]["id"], fleet[0]["source_id"]
    sub.wait_for(f"navixy/tracker/{tid}/state", timeout=15)
    frame = (b'{"type":"event","event":"state","data":{"source_id":%d,'
             b'"connection_status":"active","gsm":{"network_name":"NET\xff\xe2\x82"}}}' % sid)
    wait_until(lambda: stack.sim.admin("inject?kind=text", body=frame).get("sockets", 0) >= 1,
               10, what="a subscribed socket")
    raw, _ = sub.wait_for(f"navixy/tracker/{tid}/state",
                          lambda p: b'"NET' in p, timeout=10)
    state = json.loads(raw.decode("utf-8"))
    assert state["gsm"]["network_name"] == "NET\ufffd\ufffd"
    health, _ = sub.wait_for("navixy/bridge/health",
                             lambda p: json.loads(p)["errors"]["invalid_utf8"] >= 1, timeout=10)
    assert log_events(stack.bridge.log(), "upstream.invalid_utf8")
    assert_all_payloads_utf8(sub)
    assert stack.bridge.stop() == 0


def forged_lines(log):
    """Lines that start a record nobody logged: a timestamp-less line with a
    level, or one carrying the forged event as its own event."""
    out = []
    for line in log.splitlines():
        if line.startswith("level=") or re.search(r"^\S+ level=\w+ event=forged", line):
            out.append(line)
    return out


def test_label_cannot_forge_a_log_line(make_stack):
    stack = make_stack(topics={"id_mode": "label"})
    sub = stack.subscribe()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", timeout=15)
    tid = stack.sim.fleet()[0]["id"]
    # A relabel is logged (tracker.topic_changed) with the label in it.
    set_label_raw(stack, tid, f'Van\n{FORGED}.label x="y'.encode())
    stack.sim.admin("drop")  # labels are read from tracker/list at the reconnect
    wait_until(lambda: log_events(stack.bridge.log(), "tracker.topic_changed"), 15,
               what="the relabel logged")
    assert stack.bridge.stop() == 0
    log = stack.bridge.log()
    assert forged_lines(log) == []
    changed = log_events(log, "tracker.topic_changed")[0]
    assert f'label="Van\\n{FORGED}.label x=\\"y"' in changed, changed
    # Each value stays one field: nothing inside the label parses as a key.
    fields = re.findall(r' ([a-z_]+)=(?:"(?:[^"\\]|\\.)*"|[^\s"]*)', changed)
    assert fields == ["level", "event", "tracker_id", "from", "to", "label"], fields


def test_error_description_cannot_forge_a_log_line(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", timeout=15)
    # An error frame's description is logged (upstream.error).
    frame = json.dumps({"type": "error", "action": "subscription/subscribe",
                        "status": {"code": 7, "description": f'oops\r\n{FORGED}.error "q"'}})
    wait_until(lambda: stack.sim.admin("inject?kind=text", body=frame.encode())
               .get("sockets", 0) >= 1, 15, what="a subscribed socket")
    wait_until(lambda: log_events(stack.bridge.log(), "upstream.error"), 10,
               what="the error frame logged")
    assert stack.bridge.stop() == 0
    log = stack.bridge.log()
    assert forged_lines(log) == []
    error = log_events(log, "upstream.error")[0]
    assert f'description="oops\\r\\n{FORGED}.error \\"q\\""' in error, error
