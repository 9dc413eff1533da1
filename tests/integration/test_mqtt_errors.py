# SPDX-License-Identifier: MIT
"""Broker connection failures say why (mqtt.connect_failed reason=...):
a refused port, an unresolvable host, a bad password (MQTT 5 and 3.1.1),
a TLS CA that did not sign the broker's certificate and a certificate
for another host; failed attempts are counted (mqtt_connect_failures,
reconnects) on /metrics while the broker is unreachable. A user:password@
in mqtt.url logs in, and the password shows up nowhere."""
import json
import re
import subprocess
import urllib.request

import prom_text
from conftest import free_port, wait_until
from test_security import Client, CustomBroker, make_ca, make_cert


def failure_reasons(log):
    return re.findall(r"event=mqtt\.connect_failed uri=\S+ reason=(\"[^\"]*\"|\S+)", log)


def wait_reason(stack, *wanted):
    def found():
        return [r for r in failure_reasons(stack.bridge.log()) if all(w in r for w in wanted)]
    return wait_until(found, 15, what=f"mqtt.connect_failed with {wanted}")[0]


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        return prom_text.parse(resp.read().decode())


def test_refused_port_is_named_and_counted(make_stack):
    closed, http = free_port(), free_port()
    stack = make_stack(start_bridge=False, health={"http_listen": f"127.0.0.1:{http}"})
    stack.bridge.settings["mqtt"]["url"] = f"mqtt://127.0.0.1:{closed}"
    stack.bridge.start()
    reason = wait_reason(stack, "Connection refused")
    assert f"cannot connect to 127.0.0.1 port {closed}" in reason
    assert "(null)" not in stack.bridge.log() and 'reason="Failure"' not in stack.bridge.log()

    def counted():
        f = metrics(http)
        failures = prom_text.value(f, "navixy2mqtt_errors_total", kind="mqtt_connect_failures")
        reconnects = prom_text.value(f, "navixy2mqtt_reconnects_total", side="mqtt")
        return failures >= 3 and reconnects == failures - 1
    wait_until(counted, 15, what="mqtt_connect_failures and reconnects on /metrics")
    assert prom_text.value(metrics(http), "navixy2mqtt_connected", side="mqtt") == 0
    assert stack.bridge.stop() == 0
    assert "mqtt_connect_failures=" in stack.bridge.log()


def test_unresolvable_host(make_stack):
    stack = make_stack(start_bridge=False)
    stack.bridge.settings["mqtt"]["url"] = "mqtt://no-such-broker.invalid:1883"
    stack.bridge.start()
    wait_reason(stack, "cannot resolve host no-such-broker.invalid")


def password_broker(tmp_path, **users):
    pwfile = tmp_path / "passwd"
    pwfile.write_text("")
    for user, secret in users.items():
        subprocess.run(["mosquitto_passwd", "-b", str(pwfile), user, secret], check=True,
                       capture_output=True, timeout=10)
    return CustomBroker(str(tmp_path), [f"password_file {pwfile}", "allow_anonymous false"],
                        "pw-broker")


def test_bad_password_in_both_protocols(make_stack, tmp_path):
    broker = password_broker(tmp_path, bridge="Right-pw-1")
    try:
        stack = make_stack(start_bridge=False)
        stack.bridge.settings["mqtt"].update(url=f"mqtt://127.0.0.1:{broker.port}",
                                             username="bridge", password="Wrong-pw-2")
        stack.bridge.start()
        # Mosquitto answers a bad password with 134 or 135 (not authorized).
        reason = wait_reason(stack, "broker refused the connection", "CONNACK reason code 13")
        assert "check mqtt.username" in reason and "mqtt.password" in reason
        stack.bridge.stop()
        stack.bridge.settings["mqtt"]["protocol"] = 311
        stack.bridge.start()
        reason = wait_reason(stack, "broker refused the connection", "CONNACK code")
        assert "check mqtt.username" in reason and "mqtt.password" in reason
        stack.bridge.stop()
        assert "Wrong-pw-2" not in stack.bridge.log()
    finally:
        broker.stop()


def test_credentials_in_the_url_log_in(make_stack, tmp_path):
    # ':' and '@' of the password percent-escaped in the URL.
    broker = password_broker(tmp_path, bridge="Url-Pa55:w@rd", tester="tester-pw")
    try:
        stack = make_stack(start_bridge=False)
        url = f"mqtt://bridge:Url-Pa55%3Aw%40rd@127.0.0.1:{broker.port}"
        stack.bridge.settings["mqtt"]["url"] = url
        sub = Client(broker.port, username="tester", password="tester-pw")
        stack.bridge.start()
        try:
            wait_until(lambda: sub.latest("navixy/bridge/state") == b"online", 15,
                       what="online with the URL's credentials")
            wait_until(lambda: sub.latest("navixy/bridge/info"), 10, what="bridge/info")
            info = json.loads(sub.latest("navixy/bridge/info"))
        finally:
            sub.close()
        assert info["config"]["mqtt"]["url"] == f"mqtt://bridge:<redacted>@127.0.0.1:{broker.port}"
        assert stack.bridge.stop() == 0
        everything = stack.bridge.log() + json.dumps(info)
        for leaked in ("Url-Pa55", "%3Aw%40rd"):
            assert leaked not in everything
        assert "mqtt=mqtt://bridge:<redacted>@127.0.0.1" in stack.bridge.log()
    finally:
        broker.stop()


def test_tls_failures_name_the_check(make_stack, tmp_path):
    d = str(tmp_path)
    ca = make_ca(d, "ca")
    other = make_ca(d, "otherca")
    cert, key = make_cert(d, "ca", "server", san="DNS:broker.example")
    broker = CustomBroker(d, [f"cafile {ca}", f"certfile {cert}", f"keyfile {key}",
                              "allow_anonymous true"], "tls-broker")
    try:
        stack = make_stack(start_bridge=False)
        stack.bridge.settings["mqtt"].update(url=f"mqtts://127.0.0.1:{broker.port}", ca_file=other)
        stack.bridge.start()
        reason = wait_reason(stack, "TLS: certificate verify failed")
        assert "mqtt.ca_file is not the CA that signed" in reason
        stack.bridge.stop()
        # The right CA, but the certificate names another host.
        stack.bridge.settings["mqtt"]["ca_file"] = ca
        stack.bridge.start()
        reason = wait_reason(stack, "TLS: certificate verify failed", "mismatch")
        assert "does not name the host in mqtt.url" in reason
        stack.bridge.stop()
    finally:
        broker.stop()
