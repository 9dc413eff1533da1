#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""inbroker.py - the in-broker pipeline next to the standalone one: latency
(p50/p99, simulator stamp -> subscriber) and CPU per update at given update
rates (bench/README.md, "In-broker mode").

  standalone  navixy-sim -> navixy2mqtt -> Mosquitto -> subscriber
  inbroker    navixy-sim -> Mosquitto with navixy2mqtt_mosquitto.so -> subscriber
  raw         bench/raw_publisher -> Mosquitto -> subscriber, replaying the
              standalone run's own publications (captured by the subscriber)
              at the message rate the standalone run reached

CPU per update: standalone is the bridge's CPU plus the broker's, in-broker
the broker's (which now does both), raw the raw publisher's plus the
broker's, over the same measured window; raw's messages are counted as
updates through the standalone run's messages per update. The raw pipeline
is the floor of any bridge outside the broker (it only publishes what the
bridge would); the in-broker pipeline below it is the point of the mode.

  bench/inbroker.py --build BUILD --tools BENCH_TOOLS [--rates 100,10000]
                    [--trackers 10000] [--seconds 10]
BUILD has bridge/navixy2mqtt, bridge/navixy2mqtt_mosquitto.so and
tests/sim/navixy-sim; BENCH_TOOLS has the subscriber (bench/CMakeLists.txt).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from procs import LineReader, Procs, cpu_seconds, free_port, wait_until

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURE_MSGS = 300  # written (and flushed) within the first window even at 100 updates/s


def bridge_conf(path, sim_port, mqtt_port):
    with open(path, "w") as f:
        f.write(f"""navixy = {{ api_url = "http://127.0.0.1:{sim_port}";
  login = "demo@example.com"; password = "demo";
  max_frame_bytes = 1073741824; backoff_min_ms = 100; backoff_max_ms = 1000; }};
mqtt = {{ url = "mqtt://127.0.0.1:{mqtt_port}"; client_id = "n2m-bench-bridge"; }};
subscriptions = (
  {{ type = "state_batch"; trackers = "all"; format = "full"; }},
  {{ type = "readings_batch"; trackers = "all"; }}
);
health = {{ interval_s = 0; }};
log = {{ level = "warn"; }};
""")


class Run:
    def __init__(self, args, mode, references):
        self.args, self.mode = args, mode
        self.references = references  # rate -> the standalone run's capture
        self.work = tempfile.mkdtemp(prefix=f"n2m-bench-{mode}.")
        self.procs = Procs(self.work)

    def start(self):
        a = self.args
        port_file = os.path.join(self.work, "sim.port")
        self.sim = self.procs.start("sim", [os.path.join(a.build, "tests/sim/navixy-sim"),
                                            "--host", "127.0.0.1", "--port", "0", "--port-file",
                                            port_file, "--trackers", str(a.trackers), "--load",
                                            "0", "--rate", "0", "--stamp", "--log-level", "warn"])
        self.sim_port = int(wait_until(lambda: os.path.exists(port_file) and
                                       open(port_file).read().strip(), 10, "the simulator"))
        self.mqtt_port = free_port()
        conf = os.path.join(self.work, "navixy2mqtt.conf")
        bridge_conf(conf, self.sim_port, self.mqtt_port)
        with open(os.path.join(SOURCE, "config/mosquitto.conf")) as f:
            mconf = f.read().replace("@PORT@", str(self.mqtt_port))
        mconf += "\nset_tcp_nodelay true\n"
        if self.mode == "inbroker":
            mconf += (f"plugin {os.path.join(a.build, 'bridge/navixy2mqtt_mosquitto.so')}\n"
                      f"plugin_opt_config {conf}\n")
            if os.geteuid() == 0:
                mconf += "user root\n"  # the plugin reads the private work directory
        mpath = os.path.join(self.work, "mosquitto.conf")
        with open(mpath, "w") as f:
            f.write(mconf)
        self.broker = self.procs.start("mosquitto", ["mosquitto", "-c", mpath])
        time.sleep(0.5)
        self.bridge = None
        if self.mode == "standalone":
            self.bridge = self.procs.start("bridge", [os.path.join(a.build, "bridge/navixy2mqtt"),
                                                      "--config", conf])
        self.capture = os.path.join(self.work, "capture.bin")
        self.sub = self.procs.start("subscriber", [os.path.join(a.tools, "subscriber"), "--port",
                                                   str(self.mqtt_port), "--capture", self.capture],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.reader = LineReader(self.sub)
        wait_until(lambda: self.reader.tick is not None, 10, "the subscriber")
        if self.mode == "raw":
            return
        # The snapshot: every tracker's state once.
        wait_until(lambda: self.reader.tick[1] >= a.trackers, 120, "the snapshot")

    def command(self, text):
        self.sub.stdin.write((text + "\n").encode())
        self.sub.stdin.flush()

    def cpu(self):
        pids = [self.broker.pid] + ([self.bridge.pid] if self.bridge else [])
        return sum(cpu_seconds(p) for p in pids)

    def measure_raw(self, ref):
        """The raw publisher replaying ref's capture at ref's message rate."""
        raw = self.procs.start("raw_publisher",
                               [os.path.join(self.args.tools, "raw_publisher"), "--uri",
                                f"tcp://127.0.0.1:{self.mqtt_port}", "--file", ref["capture"],
                                "--rate", str(ref["msgs_per_s"]),
                                "--seconds", str(self.args.seconds + 3)],
                               stdout=subprocess.PIPE)
        reader = LineReader(raw)
        wait_until(lambda: reader.tick is not None, 10, "the raw publisher")
        time.sleep(2)  # settle
        msgs0, cpu0, t0 = self.reader.tick[0], self.cpu() + cpu_seconds(raw.pid), time.monotonic()
        time.sleep(self.args.seconds)
        msgs1, cpu1, t1 = self.reader.tick[0], self.cpu() + cpu_seconds(raw.pid), time.monotonic()
        self.procs.stop(raw)
        updates = (msgs1 - msgs0) / ref["msgs_per_update"]
        return {"mode": "raw", "rate": ref["rate"], "updates_per_s": round(updates / (t1 - t0)),
                "cpu_us_per_update": round((cpu1 - cpu0) * 1e6 / max(updates, 1), 1)}

    def measure(self, rate):
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{self.sim_port}/admin/rate?value={rate}", data=b"",
            method="POST"), timeout=5).read()
        time.sleep(2)  # settle
        self.command("reset")
        if self.mode == "standalone" and not self.references:
            # The first window's first messages: the mix of classes is the
            # same at every rate, and the raw publisher cycles through them.
            self.command(f"capture {CAPTURE_MSGS}")
        msgs0, states0, cpu0, t0 = self.reader.tick[0], self.reader.tick[1], self.cpu(), time.monotonic()
        time.sleep(self.args.seconds)
        msgs1, states1, cpu1, t1 = self.reader.tick[0], self.reader.tick[1], self.cpu(), time.monotonic()
        self.command("report")
        lat = self.reader.next_line("lat")
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{self.sim_port}/admin/rate?value=0", data=b"", method="POST"),
            timeout=5).read()
        time.sleep(1)
        updates = states1 - states0
        out = {"mode": self.mode, "rate": rate, "updates_per_s": round(updates / (t1 - t0)),
               "cpu_us_per_update": round((cpu1 - cpu0) * 1e6 / max(updates, 1), 1),
               "p50_ms": int(lat[2]) / 1000, "p99_ms": int(lat[4]) / 1000,
               "samples": int(lat[1])}
        if self.mode == "standalone":
            self.references[rate] = {"rate": rate, "capture": self.capture,
                                     "msgs_per_s": round((msgs1 - msgs0) / (t1 - t0)),
                                     "msgs_per_update": (msgs1 - msgs0) / max(updates, 1)}
        return out

    def stop(self):
        self.command("quit")
        self.procs.stop_all()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("--tools", required=True)
    p.add_argument("--rates", default="100,10000")
    p.add_argument("--trackers", type=int, default=10000)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--modes", default="standalone,inbroker,raw",
                   help="raw needs standalone before it (it replays that run's capture)")
    args = p.parse_args()
    results, references = [], {}
    for mode in args.modes.split(","):
        run = Run(args, mode, references)
        try:
            run.start()
            for rate in [int(r) for r in args.rates.split(",")]:
                if mode == "raw" and rate not in references:
                    continue
                r = run.measure_raw(references[rate]) if mode == "raw" else run.measure(rate)
                print(json.dumps(r), flush=True)
                results.append(r)
        finally:
            run.stop()
    by = {(r["mode"], r["rate"]): r["cpu_us_per_update"] for r in results}
    for rate in sorted({r["rate"] for r in results}):
        if ("inbroker", rate) in by and ("raw", rate) in by:
            print(json.dumps({"rate": rate, "cpu_ratio_inbroker_to_raw":
                              round(by[("inbroker", rate)] / by[("raw", rate)], 2),
                              "cpu_ratio_standalone_to_raw":
                              round(by[("standalone", rate)] / by[("raw", rate)], 2)}),
                  flush=True)
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
