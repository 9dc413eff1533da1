# SPDX-License-Identifier: MIT
"""wss:// to the simulator behind TLS (tls_proxy.py), on both WebSocket
clients (navixy.ws_client "lws" and "own"): a certificate signed by
navixy.ca_file for the address connected to is accepted and updates flow;
a certificate from another CA, or one for another host name, is refused,
logged with the reason and retried, and the bridge never reports the
upstream connected."""
import os

import pytest

from conftest import upstream_state, wait_connected, wait_until
from faultlib import log_events
from tls_proxy import TlsProxy, make_ca, make_server_cert

CLIENTS = ["lws", "own"]


@pytest.fixture
def tls_setup(make_stack, tmp_path):
    workdir = str(tmp_path)
    ca = make_ca(workdir, "ca")
    other_ca = make_ca(workdir, "otherca")
    good = make_server_cert(workdir, "ca", "good", "IP:127.0.0.1,DNS:localhost")
    wrong_host = make_server_cert(workdir, "ca", "wronghost", "DNS:navixy.invalid")
    proxies = []

    def make(client, cert, ca_file):
        stack = make_stack(start_bridge=False)
        proxy = TlsProxy(*cert, stack.sim.port)
        proxies.append(proxy)
        nav = stack.bridge.settings["navixy"]
        nav["ws_url"] = f"wss://127.0.0.1:{proxy.port}/event/subscription"
        nav["ca_file"] = ca_file
        nav["ws_client"] = client
        stack.bridge.start()
        return stack, proxy

    yield {"ca": ca, "other_ca": other_ca, "good": good, "wrong_host": wrong_host, "make": make}
    for p in proxies:
        p.close()


def retry_errors(log):
    return [l for l in log_events(log, "upstream.retry")]


@pytest.mark.parametrize("client", CLIENTS)
def test_wss_with_the_configured_ca_connects(tls_setup, client):
    stack, proxy = tls_setup["make"](client, tls_setup["good"], tls_setup["ca"])
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    before = sub.latest(f"navixy/tracker/{ids[0]}/state")
    stack.sim.admin(f"tick?id={ids[0]}&n=1")
    wait_until(lambda: sub.latest(f"navixy/tracker/{ids[0]}/state") != before, 10,
               what="a state update over wss")
    assert proxy.handshakes >= 1
    if client == "own":
        assert "client=own" in stack.bridge.log()
    assert stack.bridge.stop() == 0


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("case", ["other_ca", "wrong_host"])
def test_wss_with_a_certificate_that_does_not_verify_is_refused(tls_setup, client, case):
    cert = tls_setup["good"] if case == "other_ca" else tls_setup["wrong_host"]
    stack, proxy = tls_setup["make"](client, cert, tls_setup[case if case == "other_ca" else "ca"])
    sub = stack.subscribe()
    wait_until(lambda: len(retry_errors(stack.bridge.log())) >= 2, 20,
               what="two refused attempts")
    log = stack.bridge.log()
    assert log_events(log, "upstream.connect_failed"), "no upstream.connect_failed line"
    assert "event=upstream.connected" not in log
    assert upstream_state(sub) != "connected"
    if client == "own":
        want = "certificate verify failed" if case == "other_ca" else "mismatch"
        assert any(want in l for l in retry_errors(log)), retry_errors(log)[-1]
    assert stack.bridge.stop() == 0


def test_wss_without_verification_accepts_any_certificate(tls_setup):
    stack, proxy = tls_setup["make"]("own", tls_setup["wrong_host"], tls_setup["other_ca"])
    stack.bridge.stop()
    stack.bridge.settings["navixy"]["tls_verify"] = False
    stack.bridge.start()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    assert stack.bridge.stop() == 0
