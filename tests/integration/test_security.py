# SPDX-License-Identifier: MIT
"""Security: TLS to the broker verified by default (certificates
made with openssl at test time; the wrong CA is refused; a client
certificate works with require_certificate), MQTT username/password from a
Mosquitto password file, no secret in logs, bridge/info, health or error
responses, and topic levels from hostile labels sanitised.

Control request size and id limits are covered by test_control_errors.py."""
import json
import os
import subprocess
import threading
import time
import urllib.parse

import paho.mqtt.client as mqtt

from conftest import (SERVER_LIFETIME_S, free_port, retained_tree, upstream_state, wait_connected,
                      wait_until)
from faultlib import counters


# ---------- certificates and a TLS / password Mosquitto ----------

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.crt", cwd=d)
    return os.path.join(d, f"{name}.crt")


def make_cert(d, ca, name, san=None):
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    ext = os.path.join(d, f"{name}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={san}\n" if san else "basicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", f"{name}.crt", cwd=d)
    return os.path.join(d, f"{name}.crt"), os.path.join(d, f"{name}.key")


class CustomBroker:
    """Mosquitto with a listener configured by the test, on 127.0.0.1."""

    def __init__(self, workdir, listener_lines, name):
        self.port = free_port()
        conf = os.path.join(workdir, f"{name}.conf")
        with open(conf, "w") as f:
            # As root, Mosquitto drops to the `mosquitto` user, which cannot
            # read the test's private temp dir: stay who we are.
            who = "user root\n" if os.getuid() == 0 else ""
            f.write(f"{who}per_listener_settings false\npersistence false\n"
                    f"log_dest file {workdir}/{name}.log\nlog_type all\n"
                    f"listener {self.port} 127.0.0.1\n" + "\n".join(listener_lines) + "\n")
        self.proc = subprocess.Popen(["timeout", str(SERVER_LIFETIME_S), "mosquitto", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import socket

        def accepts():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                return False
        wait_until(accepts, 10, what=f"{name} to listen")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


class Client:
    """A subscriber with optional credentials and TLS."""

    def __init__(self, port, topic="navixy/#", username=None, password=None, ca=None):
        self.messages = []
        self.lock = threading.Lock()
        self.c = mqtt.Client(client_id=f"sec-{time.monotonic_ns()}", protocol=mqtt.MQTTv5)
        if username:
            self.c.username_pw_set(username, password)
        if ca:
            self.c.tls_set(ca_certs=ca)
        self.c.on_message = self._on
        self.c.connect("127.0.0.1", port, 30)
        self.c.subscribe(topic, 1)
        self.c.loop_start()

    def _on(self, c, u, msg):
        with self.lock:
            self.messages.append((msg.topic, bytes(msg.payload)))

    def latest(self, topic):
        with self.lock:
            for t, p in reversed(self.messages):
                if t == topic:
                    return p
        return None

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def bridge_with(make_stack, **mqtt_settings):
    stack = make_stack(start_bridge=False)
    stack.bridge.settings["mqtt"].update(mqtt_settings)
    return stack


# ---------- TLS ----------

def tls_setup(workdir, require_certificate=False):
    ca = make_ca(workdir, "ca")
    make_ca(workdir, "otherca")
    cert, key = make_cert(workdir, "ca", "server", san="IP:127.0.0.1,DNS:localhost")
    lines = [f"cafile {ca}", f"certfile {cert}", f"keyfile {key}", "allow_anonymous true"]
    if require_certificate:
        lines += ["require_certificate true"]
    return CustomBroker(workdir, lines, "tls-broker"), ca


def test_tls_verified_by_default_and_wrong_ca_refused(make_stack, tmp_path):
    broker, ca = tls_setup(str(tmp_path))
    try:
        stack = bridge_with(make_stack, url=f"mqtts://127.0.0.1:{broker.port}",
                            ca_file=str(tmp_path / "otherca.crt"))
        stack.bridge.start()
        wait_until(lambda: "mqtt.connect_failed" in stack.bridge.log(), 10, what="TLS refusal")
        time.sleep(1)
        assert "mqtt.connected" not in stack.bridge.log(), "connected with the wrong CA"
        stack.bridge.stop()

        # No CA file at all: the system CAs do not know ours either.
        stack.bridge.settings["mqtt"]["ca_file"] = ""
        os.truncate(stack.bridge.log_path, 0)
        stack.bridge.start()
        wait_until(lambda: "mqtt.connect_failed" in stack.bridge.log(), 10, what="TLS refusal")
        assert "mqtt.connected" not in stack.bridge.log()
        stack.bridge.stop()

        # The right CA: connected, and the tree arrives over TLS.
        stack.bridge.settings["mqtt"]["ca_file"] = ca
        stack.bridge.start()
        sub = Client(broker.port, ca=ca)
        try:
            wait_until(lambda: sub.latest("navixy/bridge/state") == b"online", 15, what="online over TLS")
            fleet = stack.sim.fleet()
            wait_until(lambda: sub.latest(f"navixy/tracker/{fleet[0]['id']}/state"), 10,
                       what="tracker state over TLS")
        finally:
            sub.close()
        assert stack.bridge.stop() == 0
    finally:
        broker.stop()


def test_tls_client_certificate(make_stack, tmp_path):
    broker, ca = tls_setup(str(tmp_path), require_certificate=True)
    ccert, ckey = make_cert(str(tmp_path), "ca", "bridge-client")
    try:
        stack = bridge_with(make_stack, url=f"mqtts://127.0.0.1:{broker.port}", ca_file=ca)
        stack.bridge.start()  # no client certificate: refused
        wait_until(lambda: "mqtt.connect_failed" in stack.bridge.log(), 10, what="refusal")
        assert "mqtt.connected" not in stack.bridge.log()
        stack.bridge.stop()
        stack.bridge.settings["mqtt"].update(cert_file=ccert, key_file=ckey)
        stack.bridge.start()
        wait_until(lambda: "mqtt.connected" in stack.bridge.log(), 15, what="connected with a client cert")
        assert stack.bridge.stop() == 0
    finally:
        broker.stop()


# ---------- password and secrets ----------

NAVIXY_PW = "nvx-Secret-991"

def test_password_file_and_no_secret_anywhere(make_stack, tmp_path):
    user, secret = "bridge", "mqtt-Pa55-word-7731"
    pwfile = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(pwfile), user, secret], check=True,
                   capture_output=True, timeout=10)
    subprocess.run(["mosquitto_passwd", "-b", str(pwfile), "tester", "tester-pw"], check=True,
                   capture_output=True, timeout=10)
    hashed = pwfile.read_text()
    broker = CustomBroker(str(tmp_path), [f"password_file {pwfile}", "allow_anonymous false"],
                          "pw-broker")
    try:
        # Wrong password: refused, and the attempted password is not logged either.
        stack = make_stack(start_bridge=False, sim_args=["--password", NAVIXY_PW],
                           navixy={"password": NAVIXY_PW})
        stack.bridge.settings["mqtt"].update(url=f"mqtt://127.0.0.1:{broker.port}",
                                             username=user, password="wrong-pw-0042")
        stack.bridge.settings["health"] = {"interval_s": 1}
        stack.bridge.start()
        wait_until(lambda: "mqtt.connect_failed" in stack.bridge.log(), 10, what="refusal")
        stack.bridge.stop()
        assert "wrong-pw-0042" not in stack.bridge.log()

        stack.bridge.settings["mqtt"]["password"] = secret
        sub = Client(broker.port, username="tester", password="tester-pw")
        stack.bridge.start()
        wait_until(lambda: sub.latest("navixy/bridge/state") == b"online", 15, what="online")
        wait_until(lambda: sub.latest("navixy/bridge/health"), 10, what="a health message")
        # An error response, and a resync, then a logout (re-auth with the password).
        sub.c.publish("navixy/bridge/request/subscribe", b'{"type":"nope","trackers":"all"}', 1)
        sub.c.publish("navixy/bridge/request/health", b"{}", 1)
        wait_until(lambda: sub.latest("navixy/bridge/response/subscribe"), 10, what="error response")
        stack.sim.admin("logout")
        wait_until(lambda: stack.bridge.log().count("upstream.authenticated") >= 2, 10,
                   what="re-auth after logout")
        time.sleep(1.5)
        assert stack.bridge.stop() == 0
        published = b"\n".join(p for t, p in sub.messages).decode("utf-8", "replace")
        sub.close()
        assert json.loads(sub.latest("navixy/bridge/response/subscribe"))["status"] == "error"
        assert "navixy/bridge/info" in {t for t, p in sub.messages}
        texts = {"bridge log": stack.bridge.log(), "published": published}
        secrets = [secret, NAVIXY_PW, hashed.split(":", 1)[1].strip().split("$")[-1]]
        for name, text in texts.items():
            for s in secrets:
                assert s not in text, f"{s!r} in {name}"
        assert "<redacted>" in published
    finally:
        broker.stop()


def test_api_key_and_session_hashes_never_appear(make_stack):
    key = "abcdef0123456789abcdef0123456789"
    stack = make_stack(sim_args=["--api-key", key], navixy={"api_key": key, "login": "", "password": ""},
                       health={"interval_s": 1})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    ctl = stack.subscribe("navixy/bridge/response/#")
    stack.subscribers[0].client.publish("navixy/bridge/request/unsubscribe", b'{"type":"bogus"}', 1)
    stack.subscribers[0].client.publish("navixy/bridge/request/list", b"{}", 1)
    ctl.wait_for("navixy/bridge/response/unsubscribe")
    sub.wait_for("navixy/bridge/health")
    stack.sim.admin("drop")
    time.sleep(1.5)
    assert stack.bridge.stop() == 0
    everything = stack.bridge.log() + "\n".join(p.decode("utf-8", "replace") for t, p, r, _ in sub.snapshot())
    assert key not in everything and key.upper() not in everything
    # Session hashes are 32 hex digits: none in anything the bridge wrote.
    import re
    assert not re.search(r"\b[0-9a-f]{32}\b", everything), "a 32-hex hash leaked"


# ---------- hostile labels ----------

# A NUL cannot travel in the simulator's admin query (lws drops the request):
# test_topic.c covers NUL in labels.
HOSTILE = ["a+b#c/d", "ctl\x01\x1f\x7fx", "tab\tnew\nline", "\u0085c1\u009fend", "   ", "+/#",
           "L" * 200, "é" * 45, "wild/+/#/card"]


def test_hostile_labels_become_safe_topic_levels(make_stack):
    stack = make_stack(sim_args=["--trackers", str(len(HOSTILE))], topics={"id_mode": "label"})
    sub = stack.subscribe()
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online")
    fleet = stack.sim.fleet()
    assert len(fleet) == len(HOSTILE)
    for t, label in zip(fleet, HOSTILE):
        q = urllib.parse.quote(label, safe="")
        assert stack.sim.admin(f"label?id={t['id']}&label={q}")["ok"], label
    wait_until(lambda: upstream_state(sub) == "connected", 15, what="upstream connected")
    stack.sim.admin("drop")  # labels are read from tracker/list at the reconnect
    wait_until(lambda: stack.bridge.log().count("event=upstream.connected") >= 2, 15,
               what="reconnected")
    for t in fleet:
        stack.sim.admin(f"tick?id={t['id']}&n=1")

    def label_levels():
        tree = retained_tree(stack.broker.port, settle=0.5)
        levels = {t.split("/")[2] for t in tree if t.startswith("navixy/tracker/") and tree[t]}
        return levels if len(levels) >= len(fleet) else None
    levels = wait_until(label_levels, 20, interval=0.5, what="a topic level per tracker")
    assert len(levels) >= len(fleet), levels
    for level in levels:
        raw = level.encode()
        assert level and len(raw) <= 64, level
        assert not any(ch in level for ch in "+#/\x00"), level
        assert not any(ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f for ch in level), repr(level)
        assert level.strip() == level
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["mapping_errors"] == 0
