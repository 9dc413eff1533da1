# SPDX-License-Identifier: MIT
"""Load helpers for test_control_guard.py, run as separate processes so
their work does not stall the test's own clients (one GIL each).

  flood_client.py flood --port P --topic T --payload TEXT --rate R --seconds S
                        [--response-topic RT] [--count-replies]
      publishes TEXT on T at QoS 0, R messages a second for S seconds
      (paced in 5 ms slices), with the MQTT 5 response topic RT; with
      --count-replies also subscribes to RT and counts the answers by their
      error's first word. The flood goes out on a raw socket as packets
      encoded once: the generator's own CPU must not be what a 2-core
      machine measures (paho-mqtt spends ~100 us of Python per publish, so
      four generators at 2,500/s took most of the machine and their
      scheduling, not the bridge, made the delays). Prints one JSON line:
      {"sent":N,"replies":N,"errors":{"rate_limited":N,...}}

  flood_client.py probe --port P --seconds S
      subscribes to navixy/tracker/+/state and, for every state carrying
      the simulator's additional.sim_sent_us (--stamp), records the delay
      from the simulator's send to its arrival here. Prints one JSON line:
      {"n":N,"max_ms":X,"p99_ms":X,"foreign":N} (foreign: payloads on those
      topics that are not tracker states, e.g. a control response).
"""
import argparse
import json
import socket
import struct
import sys
import threading
import time

import paho.mqtt.client as mqtt


def connect(port, name):
    client = mqtt.Client(client_id=f"{name}-{time.monotonic_ns()}", protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    return client


def subscribe(client, topic):
    acked = threading.Event()
    client.on_subscribe = lambda *a, **k: acked.set()
    client.subscribe(topic, qos=0)
    if not acked.wait(10):
        sys.exit("subscription not acknowledged")


def varint(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8_field(text):
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def packet(kind, body):
    return bytes([kind]) + varint(len(body)) + body


def raw_connect(port, name):
    """An MQTT 5 connection on a plain socket: CONNECT, wait for CONNACK."""
    sock = socket.create_connection(("127.0.0.1", port))
    body = (utf8_field("MQTT") + bytes([5, 0x02]) + struct.pack("!H", 30) + varint(0)
            + utf8_field(f"{name}-{time.monotonic_ns()}"))
    sock.sendall(packet(0x10, body))
    ack = sock.recv(64)
    if len(ack) < 4 or ack[0] != 0x20 or ack[3] != 0:
        sys.exit(f"CONNACK refused: {ack!r}")
    return sock


def publish_packet(topic, payload, response_topic):
    """A QoS 0 PUBLISH, with the MQTT 5 Response Topic property (0x08)."""
    props = b""
    if response_topic:
        props = b"\x08" + utf8_field(response_topic)
    return packet(0x30, utf8_field(topic) + varint(len(props)) + props + payload.encode())


def flood(args):
    lock = threading.Lock()
    errors = {}
    replies = [0]

    def on_message(client, userdata, msg):
        try:
            error = json.loads(msg.payload).get("error") or ""
        except ValueError:
            error = "<not json>"
        key = error.split(":", 1)[0] if error else "ok"
        with lock:
            replies[0] += 1
            errors[key] = errors.get(key, 0) + 1

    client = connect(args.port, "flood")
    client.on_message = on_message
    if args.count_replies:
        subscribe(client, args.response_topic)
    sock = raw_connect(args.port, "flood-raw")
    one = publish_packet(args.topic, args.payload, args.response_topic)
    sent = 0
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= args.seconds:
            break
        target = int(args.rate * elapsed)
        if target > sent:
            sock.sendall(one * (target - sent))
            sent = target
        time.sleep(0.005)
    sock.sendall(packet(0xE0, b"\x00\x00"))  # DISCONNECT, normal
    sock.close()
    time.sleep(args.drain)
    with lock:
        out = {"sent": sent, "replies": replies[0], "errors": dict(errors)}
    client.loop_stop()
    client.disconnect()
    print(json.dumps(out), flush=True)


def probe(args):
    lock = threading.Lock()
    delays = []
    foreign = [0]

    def on_message(client, userdata, msg):
        now_us = time.time_ns() // 1000
        if msg.retain:
            return  # published before the probe subscribed
        try:
            state = json.loads(msg.payload)
            stamp = int(state["additional"]["sim_sent_us"]["value"])
        except (ValueError, KeyError, TypeError):
            with lock:
                foreign[0] += 1 if msg.payload else 0
            return
        with lock:
            delays.append((now_us - stamp) / 1000.0)

    client = connect(args.port, "probe")
    client.on_message = on_message
    subscribe(client, "navixy/tracker/+/state")
    print("ready", flush=True)
    time.sleep(args.seconds)
    client.loop_stop()
    client.disconnect()
    with lock:
        d = sorted(delays)
    out = {"n": len(d), "max_ms": d[-1] if d else None,
           "p99_ms": d[int(len(d) * 0.99)] if d else None, "foreign": foreign[0]}
    print(json.dumps(out), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["flood", "probe"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--topic")
    ap.add_argument("--payload", default="")
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--response-topic")
    ap.add_argument("--count-replies", action="store_true")
    ap.add_argument("--drain", type=float, default=2.0)
    args = ap.parse_args()
    (flood if args.mode == "flood" else probe)(args)


if __name__ == "__main__":
    main()
