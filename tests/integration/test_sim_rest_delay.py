# SPDX-License-Identifier: MIT
"""The simulator's slow-REST fault (/admin/rest_delay?ms=N).

While a REST answer is held back, the simulator's single event loop keeps
running: admin calls answer at once and WebSocket clients keep getting their
heartbeats. A client that goes away during the delay leaves nothing behind
(under the ASan build the simulator must still exit 0 with a clean log).
"""
import base64
import json
import os
import socket
import struct
import threading
import time
import urllib.error
import urllib.request

from conftest import LOGIN, PASSWORD, stop_process, wait_until

DELAY_MS = 1500
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def rest(port, path, payload, timeout=10.0):
    """POSTs JSON to a REST path; returns (status, parsed body, seconds taken)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/{path}",
                                 data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    return status, json.loads(body), time.monotonic() - t0


def admin_status(port, path, method="POST"):
    """An admin call's HTTP status and parsed body."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/{path}", method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def login(port):
    status, body, _ = rest(port, "user/auth", {"login": LOGIN, "password": PASSWORD})
    assert status == 200 and body["success"], body
    return body["hash"]


def assert_tracker_list(body, fleet):
    assert body["success"] is True, body
    assert [t["id"] for t in body["list"]] == [t["id"] for t in fleet]
    assert [t["label"] for t in body["list"]] == [t["label"] for t in fleet]
    assert all(t["source"]["id"] == f["source_id"] for t, f in zip(body["list"], fleet))


class RawWebSocket:
    """A minimal WebSocket client on the Atmosphere path that records every
    server message with the time it arrived (a reader thread)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET /event/subscription?X-Atmosphere-tracking-id=0&X-atmo-protocol=true"
            "&X-Atmosphere-Transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.messages = []  # (monotonic time, payload)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("websocket closed")
        self.buf += chunk

    def _need(self, n):
        while len(self.buf) < n:
            self._more()

    def _message(self):
        # self.buf is only consumed once a whole frame is there, so a
        # receive timeout in the middle of a frame loses nothing
        self._need(2)
        opcode, length, off = self.buf[0] & 0x0F, self.buf[1] & 0x7F, 2
        assert not self.buf[1] & 0x80, "server frames are not masked"
        if length == 126:
            self._need(4)
            length, off = struct.unpack(">H", self.buf[2:4])[0], 4
        elif length == 127:
            self._need(10)
            length, off = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._need(off + length)
        payload = self.buf[off:off + length]
        self.buf = self.buf[off + length:]
        return opcode, payload

    def _read(self):
        while not self.stop.is_set():
            try:
                opcode, payload = self._message()
            except socket.timeout:
                continue
            except (OSError, EOFError):
                return
            if opcode == 8:
                return
            with self.lock:
                self.messages.append((time.monotonic(), payload))

    def received_between(self, t0, t1):
        with self.lock:
            return [p for t, p in self.messages if t0 < t < t1]

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


def test_slow_rest_keeps_admin_and_websocket_going(make_stack):
    stack = make_stack(start_bridge=False)
    sim = stack.sim
    fleet = sim.fleet()
    hash_ = login(sim.port)

    # bad or missing values: the admin endpoint's usual error answer
    for bad in ("rest_delay", "rest_delay?ms=", "rest_delay?ms=abc", "rest_delay?ms=-1",
                "rest_delay?ms=1.5", "rest_delay?ms=600001"):
        status, body = admin_status(sim.port, bad)
        assert status == 400 and body["ok"] is False and body["error"], (bad, body)
    assert sim.admin("stats", "GET")["rest_delay_ms"] == 0

    ws = RawWebSocket(sim.port)
    try:
        wait_until(lambda: ws.received_between(0, float("inf")), 5, what="the handshake")
        assert sim.admin(f"rest_delay?ms={DELAY_MS}") == {"ok": True, "ms": DELAY_MS}
        before = sim.admin("stats", "GET")
        assert before["rest_delay_ms"] == DELAY_MS and before["rest_delayed"] == 0

        result = {}
        done = threading.Event()

        def slow_list():
            result["t0"] = time.monotonic()
            result["answer"] = rest(sim.port, "tracker/list", {"hash": hash_})
            result["t1"] = time.monotonic()
            done.set()

        worker = threading.Thread(target=slow_list)
        worker.start()
        # the request is in and held...
        wait_until(lambda: sim.admin("stats", "GET")["rest_delayed"] == 1, 1.0,
                   interval=0.02, what="the tracker/list answer to be held")
        # ...and admin calls still answer at once
        t0 = time.monotonic()
        stats = sim.admin("stats", "GET")
        admin_s = time.monotonic() - t0
        assert stats["ok"] is True and stats["rest_delayed"] == 1
        assert admin_s < 1.2, f"admin stats took {admin_s:.3f} s during the REST delay"
        assert not done.is_set(), "the tracker/list answer came before the delay"
        worker.join(10)
        assert done.is_set()

        status, body, took = result["answer"]
        assert status == 200
        assert took >= (DELAY_MS - 100) / 1000, f"tracker/list answered after {took:.3f} s"
        assert took < DELAY_MS / 1000 + 3, f"tracker/list answered after {took:.3f} s"
        assert_tracker_list(body, fleet)
        # the WebSocket kept getting its heartbeats (every 1 s) meanwhile
        during = ws.received_between(result["t0"], result["t1"])
        assert b"X" in during, f"no heartbeat during the REST delay: {during}"
        assert sim.admin("stats", "GET")["heartbeats_sent"] > before["heartbeats_sent"]

        assert sim.admin("rest_delay?ms=0") == {"ok": True, "ms": 0}
        status, body, took = rest(sim.port, "tracker/list", {"hash": hash_})
        assert status == 200 and took < 1.3, f"tracker/list took {took:.3f} s with no delay"
        assert_tracker_list(body, fleet)
        stats = sim.admin("stats", "GET")
        assert stats["rest_delay_ms"] == 0 and stats["rest_delayed"] == 1
    finally:
        ws.close()


def test_slow_rest_errors_and_auth_are_delayed_too(make_stack):
    stack = make_stack(start_bridge=False)
    sim = stack.sim
    # Bounds with room for a loaded sanitizer run: "delayed" is >= 1.9 s,
    # "not delayed" well under the 2 s.
    assert sim.admin("rest_delay?ms=2000") == {"ok": True, "ms": 2000}
    status, body, took = rest(sim.port, "user/auth", {"login": LOGIN, "password": PASSWORD})
    assert status == 200 and body["success"] and took >= 1.9, (body, took)
    status, body, took = rest(sim.port, "tracker/list", {"hash": "0" * 32})
    assert status == 400 and body["status"]["code"] == 4 and took >= 1.9, (body, took)
    # admin answers and unknown paths are not delayed
    t0 = time.monotonic()
    assert sim.admin("fleet", "GET")
    assert time.monotonic() - t0 < 1.5
    assert sim.admin("stats", "GET")["rest_delayed"] == 2


def test_client_gone_during_delay(make_stack):
    stack = make_stack(start_bridge=False)
    sim = stack.sim
    fleet = sim.fleet()
    hash_ = login(sim.port)
    assert sim.admin(f"rest_delay?ms={DELAY_MS}") == {"ok": True, "ms": DELAY_MS}

    clients = 4
    for i in range(clients):
        body = json.dumps({"hash": hash_} if i % 2 else
                          {"login": LOGIN, "password": PASSWORD}).encode()
        path = "/tracker/list" if i % 2 else "/user/auth"
        s = socket.create_connection(("127.0.0.1", sim.port), timeout=5)
        s.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                   ).encode() + body)
        wait_until(lambda: sim.admin("stats", "GET")["rest_delayed"] == i + 1, 10.0,
                   interval=0.02, what=f"answer {i + 1} to be held")
        if i == clients - 1:
            # the last one resets the connection instead of closing it
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    # past the delay: the timers of the gone clients would have fired by now
    time.sleep(DELAY_MS / 1000 + 0.5)
    stats = sim.admin("stats", "GET")
    assert stats["ok"] is True and stats["rest_delayed"] == clients
    assert sim.admin("rest_delay?ms=0") == {"ok": True, "ms": 0}
    new_hash = login(sim.port)
    status, body, took = rest(sim.port, "tracker/list", {"hash": new_hash})
    assert status == 200 and took < 1.3
    assert_tracker_list(body, fleet)

    # a clean stop, and nothing from the sanitizers (ASan build)
    assert stop_process(sim.proc, direct=True) == 0
    with open(os.path.join(sim.workdir, "sim.log"), errors="replace") as f:
        log = f.read()
    for marker in SANITIZER_MARKERS:
        assert marker not in log, log[log.index(marker):][:3000]
