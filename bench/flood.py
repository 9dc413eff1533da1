# SPDX-License-Identifier: MIT
"""flood.py - what a control-request flood costs tracker publications.

    /usr/bin/python3 bench/flood.py [--build DIR] [--rounds N] [--seconds S]

One real Mosquitto, the simulator (--stamp: every state carries the time it
was sent) and the bridge, all on 127.0.0.1. Two stamped streams reach one
probe through the same broker, side by side:

  bridge path   simulator -> bridge -> broker -> probe (tracker states)
  direct path   a raw publisher -> broker -> probe (bench/flood/ref)

Each round measures both for a quiet window, then for a window in which
four raw-socket clients send 10,000 control requests a second (valid and
invalid, as tests/integration/test_control_guard.py does). What the flood
adds to the bridge path beyond what it adds to the direct path is the
bridge's own share: the broker, the probe and a busy machine delay both
streams alike, so they cancel out. That share is the figure to hold under
100 ms; bench/README.md records it.
"""
import argparse
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import paho.mqtt.client as mqtt  # noqa: E402

from flood_client import publish_packet, raw_connect  # noqa: E402
from procs import Procs, free_port, wait_until  # noqa: E402

FLOOD_RATE = 10000
REF_TOPIC = "bench/flood/ref"


class Probe:
    """Delays of stamped messages on both paths, per phase."""

    def __init__(self, port):
        self.lock = threading.Lock()
        self.phase = None
        self.delays = {}
        self.client = mqtt.Client(client_id=f"flood-probe-{os.getpid()}", protocol=mqtt.MQTTv5)
        self.client.on_message = self.on_message
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.subscribe([("navixy/tracker/+/state", 0), (REF_TOPIC, 0)])
        self.client.loop_start()

    def on_message(self, client, userdata, msg):
        now_us = time.time_ns() // 1000
        if msg.retain:
            return
        try:
            if msg.topic == REF_TOPIC:
                path, stamp = "direct", int(msg.payload)
            else:
                path = "bridge"
                stamp = int(json.loads(msg.payload)["additional"]["sim_sent_us"]["value"])
        except (ValueError, KeyError, TypeError):
            return
        with self.lock:
            if self.phase:
                self.delays.setdefault((self.phase, path), []).append((now_us - stamp) / 1000)

    def start(self, phase):
        with self.lock:
            self.phase = phase

    def stats(self, phase, path):
        with self.lock:
            d = sorted(self.delays.get((phase, path), []))
        if not d:
            return {"n": 0}
        return {"n": len(d), "p50_ms": round(d[len(d) // 2], 2),
                "p99_ms": round(d[min(len(d) - 1, int(len(d) * 0.99))], 2),
                "max_ms": round(d[-1], 2)}

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def reference_stream(port, rate, stop):
    """The direct path: a stamped QoS 0 message every 1/rate s."""
    sock = raw_connect(port, "flood-ref")
    while not stop.is_set():
        sock.sendall(publish_packet(REF_TOPIC, str(time.time_ns() // 1000), None))
        time.sleep(1.0 / rate)
    sock.close()


def flood_stream(port, topic, payload, response_topic, rate, seconds):
    sock = raw_connect(port, "flood")
    one = publish_packet(topic, payload, response_topic)
    sent, start = 0, time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        target = int(rate * elapsed)
        if target > sent:
            sock.sendall(one * (target - sent))
            sent = target
        time.sleep(0.005)
    sock.close()
    return sent


def flood(port, seconds):
    """10,000 requests a second from four clients, for `seconds`."""
    per = FLOOD_RATE // 4
    kinds = [("navixy/bridge/request/list", "{}", "flood/replies/list"),
             ("navixy/bridge/request/subscribe", "{not json", "flood/replies/bad"),
             ("navixy/bridge/request/subscribe", '{"type":"state","trackers":[1]}',
              "flood/replies/sub"),
             ("navixy/bridge/request/list/extra", "{}", "navixy/tracker/1/state")]
    sent = [0] * len(kinds)

    def run(i, kind):
        sent[i] = flood_stream(port, *kind, per, seconds)
    threads = [threading.Thread(target=run, args=(i, k)) for i, k in enumerate(kinds)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(sent)


class Stack:
    def __init__(self, args, work):
        self.procs = Procs(work)
        self.work = work
        self.port = free_port()
        with open(os.path.join(ROOT, "config/mosquitto.conf")) as f:
            conf = f.read().replace("@PORT@", str(self.port)) + "\nset_tcp_nodelay true\n"
        with open(os.path.join(work, "mosquitto.conf"), "w") as f:
            f.write(conf)
        self.broker = self.procs.start("mosquitto", ["mosquitto", "-c",
                                                     os.path.join(work, "mosquitto.conf")])
        wait_until(lambda: self.listening(self.port), 10, "the broker")
        port_file = os.path.join(work, "sim.port")
        self.sim = self.procs.start("sim", [os.path.join(args.build, "tests/sim/navixy-sim"),
                                            "--host", "127.0.0.1", "--port", "0",
                                            "--port-file", port_file, "--trackers",
                                            str(args.trackers), "--rate", str(args.rate),
                                            "--stamp", "--log-level", "warn"])
        sim_port = int(wait_until(lambda: os.path.exists(port_file) and
                                  open(port_file).read().strip(), 10, "the simulator"))
        conf = os.path.join(work, "navixy2mqtt.conf")
        with open(conf, "w") as f:
            f.write(f"""navixy = {{ api_url = "http://127.0.0.1:{sim_port}";
  login = "demo@example.com"; password = "demo"; }};
mqtt = {{ url = "mqtt://127.0.0.1:{self.port}"; client_id = "n2m-flood-bridge"; }};
subscriptions = ( {{ type = "state_batch"; trackers = "all"; format = "full"; }} );
health = {{ interval_s = 0; }};
log = {{ level = "warn"; }};
""")
        self.bridge = self.procs.start("bridge", [os.path.join(args.build, "bridge/navixy2mqtt"),
                                                  "--config", conf])

    @staticmethod
    def listening(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def close(self):
        self.procs.stop_all()


def one_round(args, work, n):
    stack = Stack(args, work)
    probe = Probe(stack.port)
    stop = threading.Event()
    ref = threading.Thread(target=reference_stream, args=(stack.port, args.rate, stop))
    try:
        probe.start("warmup")
        wait_until(lambda: probe.stats("warmup", "bridge")["n"] >= 10, 30,
                   "tracker states through the bridge")
        ref.start()
        probe.start("quiet")
        time.sleep(args.seconds)
        probe.start("flood")
        sent = flood(stack.port, args.seconds)
        probe.start(None)
        stack.procs.check_alive(stack.broker, stack.sim, stack.bridge)
        out = {"round": n, "flood_sent": sent}
        for phase in ("quiet", "flood"):
            for path in ("bridge", "direct"):
                out[f"{phase}_{path}"] = probe.stats(phase, path)
        added = {p: out[f"flood_{p}"]["p99_ms"] - out[f"quiet_{p}"]["p99_ms"]
                 for p in ("bridge", "direct")}
        out["added_p99_ms"] = {k: round(v, 1) for k, v in added.items()}
        out["bridge_share_p99_ms"] = round(added["bridge"] - added["direct"], 1)
        return out
    finally:
        stop.set()
        if ref.is_alive():
            ref.join()
        probe.close()
        stack.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-release/obj"),
                    help="a build dir with bridge/navixy2mqtt and tests/sim/navixy-sim "
                         "(bench/run makes build-release/obj)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=int, default=20, help="tracker states (and reference "
                    "messages) a second")
    ap.add_argument("--trackers", type=int, default=5)
    args = ap.parse_args()
    for n in range(1, args.rounds + 1):
        work = tempfile.mkdtemp(prefix="n2m-flood.")
        try:
            print(json.dumps(one_round(args, work, n)), flush=True)
        except Exception:
            print(f"flood: round {n} failed; logs in {work}", file=sys.stderr)
            raise
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
