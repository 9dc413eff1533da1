# SPDX-License-Identifier: MIT
"""RFC 6455 on the upstream connection, seen on the wire through a tap
between the bridge and the simulator (ws_tap.py), on both WebSocket
clients (navixy.ws_client): a ping is answered with a pong of the same
payload, a fragmented message with a ping between its fragments is
reassembled, a server close is echoed with its code and the bridge
reconnects, and a shutdown sends close 1000. On the own client a frame that
breaks the protocol is answered with a close frame with the RFC's code,
logged (upstream.ws_protocol_error) and counted (upstream_ws_protocol),
and the bridge reconnects."""
import json
import struct

import pytest

from conftest import upstream_state, wait_connected, wait_until
from faultlib import counters, log_events
from ws_tap import WsTap, frame

CLIENTS = ["lws", "own"]


@pytest.fixture
def tapped(make_stack):
    taps = []

    def make(client):
        stack = make_stack(start_bridge=False)
        tap = WsTap(stack.sim.port)
        taps.append(tap)
        nav = stack.bridge.settings["navixy"]
        nav["ws_url"] = f"ws://127.0.0.1:{tap.port}/event/subscription"
        nav["ws_client"] = client
        stack.bridge.start()
        sub = stack.subscribe()
        ids = wait_connected(stack, sub)
        return stack, tap, sub, ids

    yield make
    for tap in taps:
        tap.close()


def wait_sent(tap, want, index, what):
    return wait_until(lambda: [f for f in tap.sent_frames(index) if want(f)], 10, what=what)


def close_code(payload):
    return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None


@pytest.mark.parametrize("client", CLIENTS)
def test_ping_is_answered_with_a_pong(tapped, client):
    stack, tap, sub, ids = tapped(client)
    tap.inject(frame(0x9, b"n2m-ping-1"))
    wait_sent(tap, lambda f: f == (0xA, b"n2m-ping-1"), -1, "a pong with the ping's payload")
    assert stack.bridge.stop() == 0


@pytest.mark.parametrize("client", CLIENTS)
def test_fragments_with_a_ping_between_are_one_message(tapped, client):
    stack, tap, sub, ids = tapped(client)
    state = stack.sim.tracker(ids[0])["state"]
    state["gps"]["location"]["lat"] = 12.3456
    text = json.dumps({"type": "event", "event": "state_batch", "data": [state]},
                      separators=(",", ":")).encode()
    half = len(text) // 2
    tap.inject(frame(0x1, text[:half], fin=False) + frame(0x9, b"mid")
               + frame(0x0, text[half:]))
    wait_until(lambda: json.loads(sub.latest(f"navixy/tracker/{ids[0]}/location") or b"{}")
               .get("latitude") == pytest.approx(12.3456), 10, what="the reassembled update")
    wait_sent(tap, lambda f: f == (0xA, b"mid"), -1, "the pong between the fragments")
    assert stack.bridge.stop() == 0


@pytest.mark.parametrize("client", CLIENTS)
def test_server_close_is_echoed_and_the_bridge_reconnects(tapped, client):
    stack, tap, sub, ids = tapped(client)
    index = tap.connections() - 1
    tap.inject(frame(0x8, struct.pack(">H", 1001) + b"going away"))
    wait_sent(tap, lambda f: f[0] == 0x8 and close_code(f[1]) == 1001, index,
              "the close echoed with 1001")
    wait_until(lambda: tap.connections() > index + 1 and upstream_state(sub) == "connected",
               15, what="a new connection")
    assert any("code=1001" in l for l in log_events(stack.bridge.log(), "upstream.peer_close"))
    assert stack.bridge.stop() == 0


@pytest.mark.parametrize("client", CLIENTS)
def test_shutdown_sends_close_1000(tapped, client):
    stack, tap, sub, ids = tapped(client)
    assert stack.bridge.stop() == 0
    assert [f for f in tap.sent_frames() if f[0] == 0x8 and close_code(f[1]) == 1000]


@pytest.mark.parametrize("bad,code", [
    (frame(0x1, b"{}", rsv=0x40), 1002),
    (frame(0x3, b""), 1002),
    (frame(0x9, b"x" * 126), 1002),
    (frame(0x1, b"\"\xff\""), 1007),
    (frame(0x0, b"{}"), 1002),
], ids=["reserved_bit", "reserved_opcode", "long_control", "invalid_utf8", "lone_continuation"])
def test_protocol_error_closes_with_the_code_and_reconnects(tapped, bad, code):
    stack, tap, sub, ids = tapped("own")
    index = tap.connections() - 1
    tap.inject(bad)
    wait_sent(tap, lambda f: f[0] == 0x8 and close_code(f[1]) == code, index,
              f"a close frame with {code}")
    wait_until(lambda: tap.connections() > index + 1 and upstream_state(sub) == "connected",
               15, what="a new connection")
    lines = log_events(stack.bridge.log(), "upstream.ws_protocol_error")
    assert len(lines) == 1 and f"close_code={code}" in lines[0], lines
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["upstream_ws_protocol"] == 1
