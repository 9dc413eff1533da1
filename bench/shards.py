#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""shards.py - the two-shard measurement of docs/scale-out.md: the same
simulator load through one bridge, then through two sharded bridges
(bridge.shard "0/2" and "1/2"), one Mosquitto, one counting subscriber.
Prints updates/s reaching the subscriber and bridge CPU per update (each
instance's own, and all instances together).

  bench/shards.py --build build --tools build-release/bench [--trackers N]
                  [--load L] [--seconds S]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procs import LineReader, Procs, cpu_seconds, free_port, wait_until  # noqa: E402

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bridge_conf(path, sim_port, mqtt_port, name, shard):
    with open(path, "w") as f:
        f.write(f"""navixy = {{ api_url = "http://127.0.0.1:{sim_port}";
  login = "demo@example.com"; password = "demo"; max_frame_bytes = 1073741824; }};
mqtt = {{ url = "mqtt://127.0.0.1:{mqtt_port}"; client_id = "{name}"; }};
subscriptions = (
  {{ type = "state_batch"; trackers = "all"; format = "full"; }},
  {{ type = "readings_batch"; trackers = "all"; }}
);
health = {{ interval_s = 0; }};
log = {{ level = "warn"; }};
bridge = {{ shard = "{shard}"; instance = "{name}"; }};
""")


def run(args, shards, work, mqtt_port, reader):
    procs = Procs(work)
    port_file = os.path.join(work, f"sim{shards}.port")
    sim = procs.start(f"sim{shards}", [os.path.join(args.build, "tests/sim/navixy-sim"),
                                       "--port", "0", "--port-file", port_file, "--trackers",
                                       str(args.trackers), "--load", str(args.load), "--rate", "0",
                                       "--log-level", "warn"])
    sim_port = int(wait_until(lambda: os.path.exists(port_file) and
                              open(port_file).read().strip(), 10, "the simulator"))
    bridges = []
    try:
        for k in range(shards):
            name = f"bench-{shards}-{k}"
            conf = os.path.join(work, f"{name}.conf")
            bridge_conf(conf, sim_port, mqtt_port, name, f"{k}/{shards}" if shards > 1 else "")
            bridges.append(procs.start(name, [os.path.join(args.build, "bridge/navixy2mqtt"),
                                              "--config", conf]))
        time.sleep(args.warmup)  # connect, snapshot, reach the steady load
        procs.check_alive(sim, *bridges)
        cpu0 = [cpu_seconds(b.pid) for b in bridges]
        states0, t0 = reader.tick[1], time.monotonic()
        time.sleep(args.seconds)
        cpu1 = [cpu_seconds(b.pid) for b in bridges]
        states1, t1 = reader.tick[1], time.monotonic()
        procs.check_alive(sim, *bridges)
    finally:
        procs.stop_all()
    updates = max(states1 - states0, 1)
    per = [(c1 - c0) for c0, c1 in zip(cpu0, cpu1)]
    print(f"{shards} instance(s): {updates / (t1 - t0):,.0f} updates/s at the subscriber; "
          f"CPU per update {sum(per) / updates * 1e6:.1f} us in all, per instance "
          + ", ".join(f"{p:.2f} s ({p / updates * 1e6 * shards:.1f} us per own update)"
                      for p in per))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(SOURCE, "build"))
    p.add_argument("--tools", default=os.path.join(SOURCE, "build-release/bench"))
    p.add_argument("--trackers", type=int, default=10000)
    p.add_argument("--load", type=int, default=10000)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=5.0)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="n2m-shards.")
    procs = Procs(work)
    try:
        mqtt_port = free_port()
        with open(os.path.join(SOURCE, "config/mosquitto.conf")) as f:
            conf = f.read().replace("@PORT@", str(mqtt_port))
        with open(os.path.join(work, "mosquitto.conf"), "w") as f:
            f.write(conf)
        procs.start("mosquitto", ["mosquitto", "-c", os.path.join(work, "mosquitto.conf")])
        time.sleep(0.3)
        sub = procs.start("subscriber", [os.path.join(args.tools, "subscriber"), "--port",
                                         str(mqtt_port)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE)
        reader = LineReader(sub)
        wait_until(lambda: reader.tick is not None, 10, "the subscriber")
        for shards in (1, 2):
            run(args, shards, work, mqtt_port, reader)
    finally:
        procs.stop_all()


if __name__ == "__main__":
    main()
