#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""harness.py - runs the benchmark's phases side by side in one run (bench/run
builds first and calls this; see bench/README.md).

One Mosquitto and one counting subscriber (bench/subscriber.c) serve every
phase, so the contenders share the same broker and the same receiver:
  bridge   simulator --load L --stamp -> navixy2mqtt -> Mosquitto -> subscriber
           (CPU per update, updates/s, latency, RSS; the subscriber captures the
           bridge's publications for the limit)
  limit    bench/raw_publisher replays the capture (Paho MQTTClient, QoS 0):
           paced at the bridge's message rate (CPU per message), then unpaced
           (throughput)
  peer     simulator -> bench/peer.py (Python) -> Mosquitto -> subscriber
  saturate the simulator asked for more than anyone carries: bridge and peer
           end-to-end throughput
  sweep    1,000 / 10,000 / 100,000 trackers: RSS per tracker, CPU per update
Every server listens on 127.0.0.1 only and is stopped on exit, Ctrl-C or error.
"""
import argparse
import json
import os
import signal
import sys
import tempfile
import time
import urllib.request

from procs import LineReader, Procs, cpu_seconds, free_port, rss_kib, wait_until
import report

PEER_PYTHON = "/usr/bin/python3"  # Debian's, with python3-paho-mqtt and python3-websocket


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="n2m-bench.")
        self.procs = Procs(self.work)
        self.results = {"mode": "smoke" if args.smoke else "full"}
        self.capture = os.path.join(self.work, "capture.bin")

    # ---------- servers ----------

    def start_broker(self):
        self.mqtt_port = free_port()
        with open(os.path.join(self.args.source, "config/mosquitto.conf")) as f:
            conf = f.read().replace("@PORT@", str(self.mqtt_port))
        # Nagle on the broker's sockets holds small writes back for tens of
        # ms (Mosquitto's default); a latency benchmark turns it off, for
        # every contender alike.
        conf += "\nset_tcp_nodelay true\n"
        path = os.path.join(self.work, "mosquitto.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.broker = self.procs.start("mosquitto", ["mosquitto", "-c", path])
        time.sleep(0.3)
        self.procs.check_alive(self.broker)

    def start_subscriber(self):
        import subprocess
        self.sub = self.procs.start("subscriber",
                                    [os.path.join(self.args.tools, "subscriber"), "--port",
                                     str(self.mqtt_port), "--capture", self.capture],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.sub_reader = LineReader(self.sub)
        wait_until(lambda: self.sub_reader.tick is not None, 10, "the subscriber")

    def sub_command(self, text):
        self.sub.stdin.write((text + "\n").encode())
        self.sub.stdin.flush()

    def sub_counts(self):
        msgs, states, nbytes = self.sub_reader.tick
        return {"msgs": msgs, "states": states, "bytes": nbytes}

    def start_sim(self, trackers, load, port=0):
        """load > 0: load mode (round robin); 0: quiet until sim_rate()."""
        port_file = os.path.join(self.work, "sim.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        sim = self.procs.start("sim", [os.path.join(self.args.build, "tests/sim/navixy-sim"),
                                       "--host", "127.0.0.1", "--port", str(port),
                                       "--port-file", port_file, "--trackers", str(trackers),
                                       "--load", str(load), "--rate", "0", "--stamp",
                                       "--log-level", "warn"])
        sim.port = int(wait_until(lambda: os.path.exists(port_file) and
                                  open(port_file).read().strip(), 10, "the simulator"))
        return sim

    def sim_rate(self, sim, rate):
        """Starts spontaneous changes (random trackers) at rate per second."""
        req = urllib.request.Request(f"http://127.0.0.1:{sim.port}/admin/rate?value={rate}",
                                     data=b"", method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    def sim_stats(self, sim):
        with urllib.request.urlopen(f"http://127.0.0.1:{sim.port}/admin/stats", timeout=5) as r:
            return json.loads(r.read())

    def start_bridge(self, sim_port):
        conf = os.path.join(self.work, "navixy2mqtt.conf")
        with open(conf, "w") as f:
            f.write(f"""navixy = {{ api_url = "http://127.0.0.1:{sim_port}";
  login = "demo@example.com"; password = "demo";
  max_frame_bytes = 1073741824; backoff_min_ms = 100; backoff_max_ms = 1000;
  ws_client = "{self.args.ws_client}"; }};
mqtt = {{ url = "mqtt://127.0.0.1:{self.mqtt_port}"; client_id = "n2m-bench-bridge"; }};
subscriptions = (
  {{ type = "state_batch"; trackers = "all"; format = "full"; }},
  {{ type = "readings_batch"; trackers = "all"; }}
);
health = {{ interval_s = 0; }};
log = {{ level = "warn"; }};
""")
        return self.procs.start("bridge", [os.path.join(self.args.build, "bridge/navixy2mqtt"),
                                           "--config", conf])

    def start_peer(self, sim_port):
        return self.procs.start("peer", [PEER_PYTHON, os.path.join(self.args.source, "bench/peer.py"),
                                         "--api", f"http://127.0.0.1:{sim_port}",
                                         "--mqtt-port", str(self.mqtt_port)])

    # ---------- measuring ----------

    def wait_states(self, n, timeout, what, *procs):
        """Waits until the subscriber has seen n more tracker states."""
        base = self.sub_counts()["states"]

        def done():
            self.procs.check_alive(*procs)
            return self.sub_counts()["states"] - base >= n
        wait_until(done, timeout, what)

    def wait_quiet(self, timeout, *procs, done_at=None, quiet_s=1.5):
        """Waits until the subscriber has received nothing for quiet_s, or
        (done_at) until its message count reaches done_at and then 1.5 s
        of quiet."""
        last, since = self.sub_counts()["msgs"], time.monotonic()

        def quiet():
            nonlocal last, since
            self.procs.check_alive(*procs)
            msgs = self.sub_counts()["msgs"]
            if msgs != last:
                last, since = msgs, time.monotonic()
            silent = time.monotonic() - since
            if done_at is not None and msgs >= done_at:
                return silent >= 1.5
            return silent >= quiet_s
        wait_until(quiet, timeout, "the snapshot to be published")

    def wait_snapshot(self, n, timeout, bridge, sim):
        """Waits until the bridge's whole snapshot of n trackers is published.
        The readings snapshot follows the states as one more frame, which
        at 100,000 trackers takes the simulator and the bridge seconds of
        silence on the subscriber's side: wait for all four publications
        per tracker (state, location, availability, readings), or for a
        long quiet spell if some are not sent. Counts from the call on, so
        call it before the snapshot can have reached the subscriber."""
        msgs0 = self.sub_counts()["msgs"]
        self.wait_states(n, timeout, "the bridge's snapshot", bridge, sim)
        self.wait_quiet(timeout, bridge, sim, done_at=msgs0 + 4 * n, quiet_s=8.0)

    def measure(self, label, proc, seconds, sim=None, rate_of=None):
        """Counts over a window: subscriber messages/states, CPU of the
        contender, the broker, the subscriber (and the simulator). Prints
        live counters every 2 s."""
        pids = {"proc": proc.pid, "broker": self.broker.pid, "sub": self.sub.pid}
        if sim is not None:
            pids["sim"] = sim.pid
        cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
        c0, t0 = self.sub_counts(), time.monotonic()
        sim0 = self.sim_stats(sim)["load_updates_sent"] if sim else 0
        last_print = t0
        while time.monotonic() - t0 < seconds:
            time.sleep(0.25)
            self.procs.check_alive(proc, self.broker, self.sub)
            now = time.monotonic()
            if now - last_print >= 2 or now - t0 >= seconds:
                c = self.sub_counts()
                dt = now - t0
                cpu = cpu_seconds(proc.pid) - cpu0["proc"]
                print(f"  [{label}] {dt:4.1f}s  updates/s {(c['states'] - c0['states']) / dt:8.0f}"
                      f"  msgs/s {(c['msgs'] - c0['msgs']) / dt:8.0f}"
                      f"  cpu {100 * cpu / dt:5.1f}%  rss {rss_kib(proc.pid) / 1024:6.1f} MiB",
                      flush=True)
                last_print = now
        c1, t1 = self.sub_counts(), time.monotonic()
        cpu1 = {k: cpu_seconds(p) for k, p in pids.items()}
        dt = t1 - t0
        r = {"seconds": dt, "msgs": c1["msgs"] - c0["msgs"], "updates": c1["states"] - c0["states"],
             "bytes": c1["bytes"] - c0["bytes"], "rss_kib": rss_kib(proc.pid)}
        r["updates_s"] = r["updates"] / dt
        r["msgs_s"] = r["msgs"] / dt
        for k in pids:
            r[f"cpu_{k}_s"] = cpu1[k] - cpu0[k]
        if sim:
            r["sim_updates"] = self.sim_stats(sim)["load_updates_sent"] - sim0
        r["cpu_per_update_us"] = 1e6 * r["cpu_proc_s"] / r["updates"] if r["updates"] else None
        r["cpu_per_msg_us"] = 1e6 * r["cpu_proc_s"] / r["msgs"] if r["msgs"] else None
        return r

    def latency(self):
        self.sub_command("report")
        _, n, p50, p90, p99, mx = self.sub_reader.next_line("lat")
        return {"n": int(n), "p50_us": int(p50), "p90_us": int(p90), "p99_us": int(p99),
                "max_us": int(mx)}

    # ---------- phases ----------

    def phase_bridge(self):
        a = self.args
        print(f"== bridge: {a.trackers} trackers, simulator at {a.load} updates/s", flush=True)
        sim = self.start_sim(a.trackers, a.load)
        bridge = self.start_bridge(sim.port)
        self.wait_states(a.trackers, 120, "the bridge's snapshot", bridge, sim)
        time.sleep(a.warmup)
        self.sub_command("reset")
        self.sub_command(f"capture {a.capture}")
        r = self.measure("bridge", bridge, a.window, sim)
        r["latency"] = self.latency()
        r["msgs_per_update"] = r["msgs"] / r["updates"]
        self.results["bridge"] = r
        self.procs.stop(bridge)
        self.procs.stop(sim)

    def run_raw(self, label, rate, seconds):
        import subprocess
        raw = self.procs.start("raw_publisher",
                               [os.path.join(self.args.tools, "raw_publisher"), "--uri",
                                f"tcp://127.0.0.1:{self.mqtt_port}", "--file", self.capture,
                                "--rate", str(rate), "--seconds", str(seconds + 2)],
                               stdout=subprocess.PIPE)
        reader = LineReader(raw)
        wait_until(lambda: reader.tick is not None, 10, "the raw publisher")
        r = self.measure(label, raw, seconds)
        self.procs.stop(raw)
        return r

    def phase_limit(self):
        b = self.results["bridge"]
        print(f"== limit: raw Paho publisher replaying the bridge's capture", flush=True)
        paced = self.run_raw("limit paced", round(b["msgs_s"]), self.args.window)
        unpaced = self.run_raw("limit max", 0, self.args.sat_window)
        for r in (paced, unpaced):
            r["updates_equiv_s"] = r["msgs_s"] / b["msgs_per_update"]
            r["cpu_per_update_us"] = r["cpu_per_msg_us"] * b["msgs_per_update"]
        self.results["limit_paced"] = paced
        self.results["limit_max"] = unpaced

    def phase_rounds(self):
        """Bridge and limit alternated: a neighbour taking a core in the
        middle of one phase skews a single pair by 30 %; over rounds it
        hits both sides, and the CPU ratio reported is the median of the
        rounds' ratios. The simulator runs in rate mode (random trackers,
        as the sweep) so it can be paused while the limit runs; the bridge
        stays connected and idle meanwhile."""
        a = self.args
        print(f"== rounds: bridge and limit alternated {a.rounds} times, "
              f"{a.round_window:.0f} s each, simulator at {a.load} updates/s", flush=True)
        sim = self.start_sim(a.trackers, 0)
        bridge = self.start_bridge(sim.port)
        self.wait_snapshot(a.trackers, 120, bridge, sim)
        rounds = []
        for i in range(a.rounds):
            self.sim_rate(sim, a.load)
            time.sleep(a.warmup)
            rb = self.measure(f"round {i + 1} bridge", bridge, a.round_window, sim)
            self.sim_rate(sim, 0)
            self.wait_quiet(60, bridge, sim)
            rl = self.run_raw(f"round {i + 1} limit", round(rb["msgs_s"]), a.round_window)
            mpu = rb["msgs"] / rb["updates"] if rb["updates"] else None
            limit_us = rl["cpu_per_msg_us"] * mpu if mpu and rl["cpu_per_msg_us"] else None
            rounds.append({"bridge_us": rb["cpu_per_update_us"], "limit_us": limit_us,
                           "updates_s": rb["updates_s"],
                           "ratio": rb["cpu_per_update_us"] / limit_us
                           if limit_us and rb["cpu_per_update_us"] else None})
        self.results["rounds"] = rounds
        self.procs.stop(bridge)
        self.procs.stop(sim)

    def phase_peer(self):
        a = self.args
        print(f"== peer: bench/peer.py, {a.trackers} trackers, simulator at {a.load} updates/s",
              flush=True)
        sim = self.start_sim(a.trackers, a.load)
        peer = self.start_peer(sim.port)
        self.wait_states(a.trackers, 120, "the peer's snapshot", peer, sim)
        time.sleep(a.warmup)
        self.sub_command("reset")
        r = self.measure("peer", peer, a.window, sim)
        r["latency"] = self.latency()
        r["msgs_per_update"] = r["msgs"] / r["updates"] if r["updates"] else None
        self.results["peer"] = r
        self.procs.stop(peer)
        self.procs.stop(sim)

    def phase_saturate(self):
        a = self.args
        print(f"== saturation: simulator asked for {a.sat_load} updates/s", flush=True)
        for name, start in (("bridge", self.start_bridge), ("peer", self.start_peer)):
            sim = self.start_sim(a.trackers, a.sat_load)
            proc = start(sim.port)
            self.wait_states(a.trackers, 120, f"the {name}'s snapshot", proc, sim)
            time.sleep(a.warmup)
            self.results[f"{name}_max"] = self.measure(f"{name} max", proc, a.sat_window, sim)
            self.procs.stop(proc)
            self.procs.stop(sim)

    def phase_sweep(self):
        a = self.args
        sweep = []
        for n in a.sweep:
            print(f"== sweep: {n} trackers, then {a.sweep_rate} updates/s", flush=True)
            # The bridge starts first against a port nobody listens on yet, so
            # its RSS at start is measured before any tracker is known; the
            # simulator then sends only the snapshot, so the RSS after it holds
            # no updates in flight; then the changes start.
            port = free_port()
            bridge = self.start_bridge(port)
            time.sleep(0.5)
            self.procs.check_alive(bridge)
            rss0 = rss_kib(bridge.pid)
            sim = self.start_sim(n, 0, port)
            t0 = time.monotonic()
            self.wait_snapshot(n, 240, bridge, sim)
            snap_s = time.monotonic() - t0
            rss1 = rss_kib(bridge.pid)
            self.sim_rate(sim, a.sweep_rate)
            time.sleep(a.warmup)
            self.sub_command("reset")
            r = self.measure(f"sweep {n}", bridge, a.sweep_window, sim)
            r["latency"] = self.latency()
            r.update({"trackers": n, "rss_start_kib": rss0, "rss_snapshot_kib": rss1,
                      "snapshot_s": snap_s,
                      "bytes_per_tracker": (rss1 - rss0) * 1024 / n})
            sweep.append(r)
            self.procs.stop(bridge)
            self.procs.stop(sim)
        self.results["sweep"] = sweep

    def run(self):
        t0 = time.monotonic()
        try:
            self.start_broker()
            self.start_subscriber()
            self.phase_bridge()
            self.phase_limit()
            self.phase_rounds()
            self.phase_peer()
            if self.args.sat_load:
                self.phase_saturate()
            self.phase_sweep()
        finally:
            self.procs.stop_all()
        self.results["elapsed_s"] = time.monotonic() - t0
        report.print_report(self.results)
        with open(self.args.json, "w") as f:
            json.dump(self.results, f, indent=1)
        print(f"results: {self.args.json}")


def main():
    p = argparse.ArgumentParser(description="navixy2mqtt benchmark (run it through bench/run)")
    p.add_argument("--source", required=True)
    p.add_argument("--build", required=True, help="release build dir (bridge, simulator)")
    p.add_argument("--tools", required=True, help="bench tools dir (subscriber, raw_publisher)")
    p.add_argument("--json", required=True, help="where to write the results")
    p.add_argument("--smoke", action="store_true", help="a few seconds: does the harness run?")
    p.add_argument("--ws-client", default="lws", choices=("lws", "own"),
                   help="the bridge's navixy.ws_client")
    args = p.parse_args()
    if args.smoke:
        args.trackers, args.load, args.window, args.warmup = 200, 1000, 2.0, 0.5
        args.capture, args.sat_load, args.sat_window = 5000, 0, 2.0
        args.rounds, args.round_window = 1, 1.0
        args.sweep, args.sweep_window, args.sweep_rate = [200], 1.0, 500
    else:
        args.trackers, args.load, args.window, args.warmup = 10000, 10000, 20.0, 3.0
        # The saturating load is 2-3x what the bridge carries here: far more
        # (100,000/s) only makes the simulator take a core from the others.
        args.capture, args.sat_load, args.sat_window = 100000, 25000, 15.0
        args.rounds, args.round_window = 5, 10.0
        # The sweep's rate is one every contender's pipeline sustains, so CPU
        # per update is compared without a backlog.
        args.sweep, args.sweep_window, args.sweep_rate = [1000, 10000, 100000], 10.0, 5000
    # SIGTERM and SIGHUP unwind like Ctrl-C, through the finally that stops
    # every child.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(130))
    try:
        Bench(args).run()
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    except RuntimeError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
