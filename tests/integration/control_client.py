# SPDX-License-Identifier: MIT
"""A control-plane client for the integration tests: publishes requests on
navixy/bridge/request/<command> and collects every response (with its MQTT 5
properties) from navixy/bridge/response/# and the test's own reply topics."""
import itertools
import json
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from conftest import wait_until

REPLY_FILTER = "test/replies/#"
_ids = itertools.count(1)


class Control:
    def __init__(self, port, base="navixy"):
        self.base = base
        self.lock = threading.Lock()
        self.messages = []  # (topic, payload bytes, correlation bytes or None)
        self.client = mqtt.Client(client_id=f"test-control-{time.monotonic_ns()}",
                                  protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        acked = threading.Event()
        self.client.on_subscribe = lambda *a, **k: acked.set()
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.subscribe([(f"{base}/bridge/response/#", 1), (REPLY_FILTER, 1)])
        self.client.loop_start()
        assert acked.wait(5), "control client subscription not acknowledged"

    def _on_message(self, client, userdata, msg):
        corr = getattr(msg.properties, "CorrelationData", None) if msg.properties else None
        with self.lock:
            self.messages.append((msg.topic, bytes(msg.payload), corr))

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def publish(self, command, payload, response_topic=None, correlation=None, qos=1):
        props = None
        if response_topic or correlation:
            props = Properties(PacketTypes.PUBLISH)
            if response_topic:
                props.ResponseTopic = response_topic
            if correlation:
                props.CorrelationData = correlation
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        info = self.client.publish(f"{self.base}/bridge/request/{command}", payload, qos=qos,
                                   properties=props)
        info.wait_for_publish(5)

    def call(self, command, body=None, timeout=10.0, **kw):
        """Sends body (a dict) with a fresh transaction and returns the one
        response on response/<command> that echoes it."""
        body = dict(body or {})
        tx = body.setdefault("transaction", f"tx-{next(_ids)}")
        self.publish(command, body, **kw)
        return self.wait_response(command, lambda r: r.get("transaction") == tx, timeout)

    def responses(self, command, predicate=lambda r: True, topic=None):
        topic = topic or f"{self.base}/bridge/response/{command}"
        out = []
        for t, p, _ in self.snapshot():
            if t == topic:
                r = json.loads(p)
                if predicate(r):
                    out.append(r)
        return out

    def wait_response(self, command, predicate=lambda r: True, timeout=10.0):
        found = wait_until(lambda: self.responses(command, predicate), timeout,
                           what=f"a response on {command}")
        return found[0]

    def raw_call(self, command, payload, timeout=10.0):
        """Sends payload as is (no transaction possible) and returns the
        first response on response/<command> that arrives after it."""
        topic = f"{self.base}/bridge/response/{command}"
        before = len([m for m in self.snapshot() if m[0] == topic])
        self.publish(command, payload)

        def new():
            msgs = [m for m in self.snapshot() if m[0] == topic]
            return msgs[before:] if len(msgs) > before else None
        return json.loads(wait_until(new, timeout, what=f"a response on {command}")[0][1])

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()
