# SPDX-License-Identifier: MIT
"""The HTTP health port (health.http_listen) as an untrusted boundary, from
outside with raw sockets: HTTP/1.x GET/HEAD of /healthz and /metrics and
nothing else (405, 404, upgrades and HTTP/2 refused, bounded heads), at most
health.max_connections open, health.idle_timeout_s per request, and 1,000
held connections that neither stop the upstream from reconnecting nor stop
/healthz from answering once they are gone."""
import os
import resource
import select
import socket
import time

import prom_text
from conftest import free_port, upstream_state, wait_connected, wait_until
from faultlib import bridge_pid, memory_checks_meaningful, rss_kib

WS_UPGRADE = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
H2C_UPGRADE = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
               b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
# The HTTP/2 prior-knowledge preface, then an empty SETTINGS frame.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000")


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def read_all(s, timeout=5.0):
    """Everything the server sends until it closes; raises if it does not."""
    s.settimeout(timeout)
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return out
        if not chunk:
            return out
        out += chunk


def exchange(port, data):
    """Sends data on a fresh connection; the whole answer, the server having closed."""
    with connect(port) as s:
        s.sendall(data)
        return read_all(s)


def split(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ")[:2]
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return version, int(status), headers, body


class Responses:
    """Reads responses one by one from a kept-alive connection, keeping
    what arrived beyond the current one (pipelined answers)."""

    def __init__(self, s):
        self.s = s
        self.buf = b""
        s.settimeout(5)

    def _more(self):
        chunk = self.s.recv(65536)
        assert chunk, "closed before a whole response"
        self.buf += chunk

    def next(self, head_only=False):
        """(status, headers, body) of the next response; no body after HEAD."""
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        _, status, headers, _ = split(head + b"\r\n\r\n")
        want = 0 if head_only else int(headers["content-length"])
        while len(self.buf) < want:
            self._more()
        body, self.buf = self.buf[:want], self.buf[want:]
        return status, headers, body


def read_one(s):
    """One response on a connection where nothing else is pending."""
    r = Responses(s)
    answer = r.next()
    assert r.buf == b"", "more than one response"
    return answer


def closed_by_server(s):
    """True once the server has closed s (EOF or reset); never blocks."""
    try:
        # poll, not select: the 1,000-connection test has descriptors past 1024.
        p = select.poll()
        p.register(s, select.POLLIN)
        if not p.poll(0):
            return False
        return s.recv(65536, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def healthz_ok(port):
    try:
        raw = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    except OSError:
        return False
    return raw.startswith(b"HTTP/1.1 200 ")


def metrics(port):
    raw = exchange(port, b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
    return prom_text.parse(split(raw)[3].decode())


def no_raw_lws_lines(log):
    """Every line is the bridge's own key=value format: nothing printed by
    libwebsockets itself ("[2026/...] E: ...")."""
    return [l for l in log.splitlines() if l and " level=" not in l and
            not l.startswith("navixy2mqtt: ")]


def start(make_stack, **health):
    port = free_port()
    stack = make_stack(health={"http_listen": f"127.0.0.1:{port}", **health})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    wait_until(lambda: healthz_ok(port), 10, what="/healthz answering")
    return stack, sub, port


def test_get_and_head_of_two_paths_and_nothing_else(make_stack):
    stack, _, port = start(make_stack)
    for path, ctype in (("/healthz", "application/json"), ("/metrics", "text/plain")):
        version, status, headers, body = split(exchange(
            port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()))
        assert (version, status) == ("HTTP/1.1", 200) and headers["content-type"].startswith(ctype)
        assert int(headers["content-length"]) == len(body) > 0
        # HEAD: the same status and length, no body.
        _, status, headers, body = split(exchange(
            port, f"HEAD {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()))
        assert status == 200 and int(headers["content-length"]) > 0 and body == b""
    # HTTP/1.0 without Host (the Docker health check's request).
    assert split(exchange(port, b"GET /healthz HTTP/1.0\r\n\r\n"))[1] == 200
    # Every other method: 405 with Allow, and the connection is closed.
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "BREW"):
        raw = exchange(port, f"{method} /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                             f"\r\nab".encode())
        _, status, headers, _ = split(raw)
        assert status == 405 and headers["allow"] == "GET, HEAD", (method, raw[:200])
    for path in ("/", "/nope", "/healthz/", "/metrics.txt", "/HEALTHZ"):
        raw = exchange(port, f"GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
        assert split(raw)[1] == 404, path
    # Keep-alive: two requests on one connection, the second closes it.
    with connect(port) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, _ = read_one(s)
        assert status == 200 and headers["connection"] == "keep-alive"
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_one(s)[0] == 200
        assert read_all(s) == b""
    fams = metrics(port)
    assert prom_text.value(fams, "navixy2mqtt_http_requests_total") >= 20


def test_half_closing_and_pipelining_clients_get_their_answers(make_stack):
    stack, _, port = start(make_stack)
    # Request, then shutdown(SHUT_WR) at once (`nc -N`, some probes).
    for i in range(10):
        with connect(port) as s:
            s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n" if i % 2 else b"GET /healthz HTTP/1.0\r\n\r\n")
            s.shutdown(socket.SHUT_WR)
            assert read_all(s).startswith(b"HTTP/1.1 200 "), i
    # Three requests in one packet: three answers, in order, then close.
    with connect(port) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\n\r\nHEAD /metrics HTTP/1.1\r\n\r\n"
                  b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n")
        r = Responses(s)
        assert r.next()[0] == 200
        status, headers, _ = r.next(head_only=True)
        assert status == 200 and "version=0.0.4" in headers["content-type"]
        assert r.next()[0] == 404
        assert r.buf == b"" and read_all(s) == b""


def test_upgrades_and_http2_are_refused_never_switched(make_stack):
    stack, _, port = start(make_stack)
    for data, want in ((WS_UPGRADE, 400), (H2C_UPGRADE, 400), (H2_PREFACE, 505)):
        raw = exchange(port, data)  # read_all: the server closes
        version, status, headers, body = split(raw)
        assert version == "HTTP/1.1" and status == want, raw[:200]
        assert "upgrade" not in headers and "sec-websocket-accept" not in headers
        assert headers["connection"] == "close" and body
    # Also with the lws protocol names the bridge uses upstream.
    raw = exchange(port, WS_UPGRADE.replace(b"\r\n\r\n",
                                            b"\r\nSec-WebSocket-Protocol: navixy-upstream\r\n\r\n"))
    assert split(raw)[1] == 400
    fams = metrics(port)
    assert prom_text.value(fams, "navixy2mqtt_http_refused_total", reason="bad_request") >= 4
    assert healthz_ok(port)
    assert "event=http.bad_request status=400" in stack.bridge.log()


def test_oversized_heads_are_refused_and_closed(make_stack):
    stack, _, port = start(make_stack)
    cases = (
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431),
        (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(2000))
         + b"\r\n", 431),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64, 400),  # TLS hello
    )
    for data, want in cases:
        raw = exchange(port, data)
        assert split(raw)[1] == want, raw[:200]
    assert healthz_ok(port)
    log = stack.bridge.log()
    assert "Ran out of header data space" not in log
    assert not no_raw_lws_lines(log), no_raw_lws_lines(log)[:5]


def test_connections_over_the_limit_are_closed_at_once(make_stack):
    limit, extra = 4, 3
    stack, _, port = start(make_stack, max_connections=limit, idle_timeout_s=60)
    # `limit` kept-alive connections, each served once (so each is open).
    held = []
    for _ in range(limit):
        held.append(connect(port))
        held[-1].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_one(held[-1])[0] == 200
    extras = [connect(port) for _ in range(extra)]
    try:
        # The extra ones are closed by the server; the held ones are kept.
        wait_until(lambda: all(closed_by_server(s) for s in extras), 10,
                   what=f"{extra} connections over the limit closed")
        assert not any(closed_by_server(s) for s in held)
        held[0].sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body = read_one(held[0])
        assert status == 200
        assert prom_text.value(prom_text.parse(body.decode()), "navixy2mqtt_http_connections") == limit
    finally:
        for s in held + extras:
            s.close()
    # Once they are gone, a new one is answered.
    wait_until(lambda: healthz_ok(port), 10, what="/healthz after closing them")
    fams = metrics(port)
    assert prom_text.value(fams, "navixy2mqtt_http_refused_total", reason="over_limit") >= extra
    log = stack.bridge.log()
    assert f"event=http.over_limit max_connections={limit} refused=1" in log
    # At most one line per 10 s: the burst logged once.
    assert log.count("event=http.over_limit") == 1


def test_idle_and_trickling_connections_time_out(make_stack):
    # navixy.connect_timeout_s long: the endpoint's timeout is its own.
    port = free_port()
    stack = make_stack(health={"http_listen": f"127.0.0.1:{port}", "idle_timeout_s": 2},
                       navixy={"connect_timeout_s": 60})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    silent, trickle = connect(port), connect(port)
    opened = time.monotonic()
    trickle.sendall(b"GET /healthz HTTP/1.1\r\n")

    def trickled_out():
        # One header byte every 0.2 s does not keep the connection.
        try:
            trickle.sendall(b"X")
        except OSError:
            pass
        return closed_by_server(trickle) and closed_by_server(silent)
    try:
        wait_until(trickled_out, 15, interval=0.2, what="both connections closed by the server")
        assert time.monotonic() - opened >= 1.5, "closed before health.idle_timeout_s"
    finally:
        silent.close()
        trickle.close()
    fams = metrics(port)
    assert prom_text.value(fams, "navixy2mqtt_http_refused_total", reason="timeout") >= 2


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def open_many(port, n, partial, batch=32):
    """n connections, opened batch by batch without blocking (a batch waits
    until the kernel completed each of it, so the listen backlog never
    overflows into SYN retries); every second one then sends a partial
    head."""
    socks = []
    while len(socks) < n:
        group = []
        for _ in range(min(batch, n - len(socks))):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            group.append(s)
        p = select.poll()
        for s in group:
            p.register(s, select.POLLOUT)
        ready, deadline = set(), time.monotonic() + 10
        while len(ready) < len(group) and time.monotonic() < deadline:
            ready.update(fd for fd, _ in p.poll(100))
        if partial:
            for s in group[1::2]:
                try:
                    s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                except OSError:
                    pass  # already closed by the server: that is the point
        socks += group
    return socks


def test_a_thousand_held_connections_do_not_stop_the_upstream(make_stack):
    # 32 connections (the default); a long idle timeout, so the held ones
    # keep their slots for the whole test and the counts are exact.
    stack, sub, port = start(make_stack, idle_timeout_s=60)
    # The bridge keeps its own descriptor limit; only the test needs more.
    raise_nofile(4096)
    pid = bridge_pid(stack.bridge)
    rss_before = rss_kib(pid)
    since = time.monotonic()
    socks = open_many(port, 1000, partial=True)  # half silent, half a partial head
    try:
        stack.sim.admin("drop")

        def reconnected():
            for s in socks[1::2]:  # slow loris: a byte now and then
                try:
                    s.send(b"a")
                except OSError:
                    pass
            states = [p for t, p, _, at in sub.snapshot()
                      if t == "navixy/bridge/upstream" and at >= since]
            return any(b'"backoff"' in p or b'"connecting"' in p for p in states) and \
                upstream_state(sub) == "connected"
        wait_until(reconnected, 20, interval=0.2, what="upstream back to connected")
        # All but max_connections were closed by the bridge at accept.
        wait_until(lambda: sum(closed_by_server(s) for s in socks) >= 1000 - 32, 20,
                   interval=0.2, what="connections over the limit closed")
        if memory_checks_meaningful():
            assert rss_kib(pid) - rss_before < 16 * 1024, "memory grew with held connections"
    finally:
        for s in socks:
            s.close()
    wait_until(lambda: healthz_ok(port), 15, what="/healthz after the held connections went")
    fams = metrics(port)
    assert prom_text.value(fams, "navixy2mqtt_http_refused_total", reason="over_limit") >= 1000 - 32
    assert prom_text.value(fams, "navixy2mqtt_connects_total", side="upstream") >= 2
    assert prom_text.value(fams, "navixy2mqtt_connected", side="upstream") == 1


def test_out_of_descriptors_pauses_accepting_then_serves_the_waiting(make_stack):
    stack, sub, port = start(make_stack)
    pid = bridge_pid(stack.bridge)
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    open_fds = {int(n) for n in os.listdir(f"/proc/{pid}/fd")}
    lowest_free = min(set(range(max(open_fds) + 2)) - open_fds)
    # The next accept() in the bridge fails with EMFILE.
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (lowest_free, hard))
    waiting = []
    try:
        for _ in range(3):
            s = connect(port)  # completed by the kernel, waits in the backlog
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            waiting.append(s)
        wait_until(lambda: 'event=http.accept_paused reason="too many open files"'
                   in stack.bridge.log(), 10, what="accepting paused")
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    for s in waiting:
        with s:
            assert read_all(s, timeout=10).startswith(b"HTTP/1.1 200 "), "not served after the pause"
    assert upstream_state(sub) == "connected"
    assert healthz_ok(port)
