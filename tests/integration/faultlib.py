# SPDX-License-Identifier: MIT
"""Helpers for the fault, outage, security and process tests.

TcpProxy: an MQTT outage without stopping Mosquitto. The bridge talks to the
broker through it; `cut()` closes every proxied connection abruptly and
refuses new ones until `restore()`. The test's own subscriber talks to the
broker directly, so it sees everything the bridge sends before, during and
after the outage, and the broker keeps its retained topics (as a persistent
broker would). It listens on 127.0.0.1 in daemon threads of the test process
and stops with `close()` (make_proxy's teardown) or with the process.

Bridge introspection: its pid behind the `timeout` wrapper, its RSS, and the
counters it logs (`bridge.counters` at stop).
"""
import os
import re
import select
import socket
import threading

import pytest

from conftest import wait_until, wrapped_pid


class TcpProxy:
    def __init__(self, target_port):
        self.target_port = target_port
        self.port = None
        self.listener = None
        self.conns = []
        self.lock = threading.Lock()
        self.closed = False
        self.accepted = 0
        self._listen()

    def _listen(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port or 0))
        s.listen(16)
        self.port = s.getsockname()[1]
        self.listener = s
        threading.Thread(target=self._accept_loop, args=(s,), daemon=True).start()

    def _accept_loop(self, listener):
        # select() with a timeout, not a blocking accept(): closing a socket
        # does not wake a thread blocked in accept() on it.
        while listener is self.listener:
            try:
                ready, _, _ = select.select([listener], [], [], 0.1)
                if not ready or listener is not self.listener:
                    continue
                client, _ = listener.accept()
            except (OSError, ValueError):
                return  # closed by cut() or close()
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
                upstream.settimeout(None)  # the 2 s were for connecting, not for a busy broker
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns.append((client, upstream))
                self.accepted += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a, b):
        socks = [a, b]
        try:
            while True:
                ready, _, _ = select.select(socks, [], [], 0.5)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (b if s is a else a).sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            for s in socks:
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        """Outage: drop every connection (RST) and refuse new ones."""
        listener, self.listener = self.listener, None
        try:
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
        with self.lock:
            conns, self.conns = self.conns, []
        for pair in conns:
            for s in pair:
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass

    def restore(self):
        self._listen()

    def close(self):
        if not self.closed:
            self.closed = True
            if self.listener is not None:
                self.cut()


@pytest.fixture
def make_proxy():
    proxies = []

    def make(target_port):
        p = TcpProxy(target_port)
        proxies.append(p)
        return p
    yield make
    for p in proxies:
        p.close()


def bridge_through_proxy(make_stack, make_proxy, sim_args=(), **overrides):
    """A stack whose bridge reaches Mosquitto through a TcpProxy."""
    stack = make_stack(sim_args=sim_args, start_bridge=False, **overrides)
    proxy = make_proxy(stack.broker.port)
    stack.bridge.settings["mqtt"]["url"] = f"mqtt://127.0.0.1:{proxy.port}"
    stack.bridge.start()
    return stack, proxy


def bridge_pid(bridge):
    """The bridge's own pid (its parent is the `timeout` wrapper)."""
    return wait_until(lambda: wrapped_pid(bridge.proc), 5, what="the bridge process")


def memory_checks_meaningful():
    """RSS says nothing under ASan (its quarantine keeps freed memory, up
    to 256 MiB) or valgrind: memory assertions apply to plain builds only."""
    from conftest import BRIDGE
    if os.environ.get("N2M_VALGRIND") == "1":
        return False
    try:
        with open(BRIDGE, "rb") as f:
            return b"__asan_init" not in f.read()
    except OSError:
        return True


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def counters(log_text):
    """The last `bridge.counters` log line as a dict of ints."""
    lines = [l for l in log_text.splitlines() if "event=bridge.counters" in l]
    assert lines, "no bridge.counters line in the log"
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", lines[-1])}


def log_events(log_text, event):
    return [l for l in log_text.splitlines() if f"event={event} " in l or l.endswith(f"event={event}")]
