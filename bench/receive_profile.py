#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Instructions per update of the bridge's receive path, per WebSocket client
(navixy.ws_client "lws" and "own"), counted by callgrind on the real daemon:
the simulator (rate mode: one random tracker's state and readings per
change) -> navixy2mqtt under callgrind -> Mosquitto. After the snapshot the
counters are zeroed, the simulator sends at --rate for --seconds, then
pauses; once the bridge is idle the counts are dumped. Reported per update
(state items the simulator sent in the window):

  loop      lws_service inclusive: everything the event loop did
  after_ws  bridge_upstream_message inclusive: parse, map, publish (shared)
  ws_layer  loop - after_ws: the socket reads, TLS if any, the WebSocket
            client, Atmosphere, reassembly - the part the setting changes

Not a test and no timing: instruction counts do not depend on the load of
the machine. Usage (a RelWithDebInfo build for the symbols):
  bench/receive_profile.py --build build [--rate 150 --seconds 15 --trackers 1000] [--keep]
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise SystemExit(f"receive_profile: timed out waiting for {what}")


def admin(port, path, method="POST"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/{path}",
                                 data=b"" if method == "POST" else None, method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def inclusive(out_file, names):
    """Inclusive Ir of each function name in a callgrind output."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", out_file],
                          capture_output=True, text=True, check=True).stdout
    found = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*:(\w+)(?:'\d+)? \[", line)
        if m and m.group(2) in names and m.group(2) not in found:
            found[m.group(2)] = int(m.group(1).replace(",", ""))
    return found


def run(args, client, work):
    broker_port = free_port()
    with open(os.path.join(args.source, "config/mosquitto.conf")) as f:
        conf = f.read().replace("@PORT@", str(broker_port))
    with open(os.path.join(work, "mosquitto.conf"), "w") as f:
        f.write(conf)
    procs = []
    log = open(os.path.join(work, f"{client}.log"), "w")
    try:
        procs.append(subprocess.Popen(["mosquitto", "-c", os.path.join(work, "mosquitto.conf")],
                                      stdout=log, stderr=log))
        port_file = os.path.join(work, f"sim.{client}.port")
        procs.append(subprocess.Popen([os.path.join(args.build, "tests/sim/navixy-sim"),
                                       "--port", "0", "--port-file", port_file,
                                       "--trackers", str(args.trackers), "--rate", "0",
                                       "--log-level", "warn"], stdout=log, stderr=log))
        sim_port = int(wait_until(lambda: os.path.exists(port_file) and
                                  open(port_file).read().strip(), 10, "the simulator"))
        bridge_conf = os.path.join(work, "bridge.conf")
        with open(bridge_conf, "w") as f:
            f.write(f"""navixy = {{ api_url = "http://127.0.0.1:{sim_port}";
  login = "demo@example.com"; password = "demo"; ws_client = "{client}"; liveness_s = 600; }};
mqtt = {{ url = "mqtt://127.0.0.1:{broker_port}"; client_id = "n2m-profile"; }};
subscriptions = (
  {{ type = "state_batch"; trackers = "all"; format = "full"; }},
  {{ type = "readings_batch"; trackers = "all"; }}
);
health = {{ interval_s = 0; }};
log = {{ level = "info"; }};
""")
        out_file = os.path.join(work, f"callgrind.{client}")
        bridge = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                                   os.path.join(args.build, "bridge/navixy2mqtt"),
                                   "--config", bridge_conf], stdout=log, stderr=log)
        procs.append(bridge)
        wait_until(lambda: "event=upstream.connected" in open(log.name).read(), 120,
                   "the bridge to connect")
        time.sleep(args.settle)  # the snapshot is processed (fixed wait: a bench, no assertion)
        subprocess.run(["callgrind_control", "-z", str(bridge.pid)], check=True,
                       capture_output=True)
        before = admin(sim_port, "stats", "GET")
        admin(sim_port, f"rate?value={args.rate}")
        time.sleep(args.seconds)
        admin(sim_port, "rate?value=0")
        after = admin(sim_port, "stats", "GET")
        time.sleep(args.settle)  # the bridge catches up
        bridge.send_signal(signal.SIGTERM)
        bridge.wait(120)
        updates = after["state_items_sent"] - before["state_items_sent"]
        names = ("lws_service", "bridge_upstream_message")
        got = inclusive(out_file, names)
        loop, after_ws = got.get("lws_service", 0), got.get("bridge_upstream_message", 0)
        return {"client": client, "updates": updates, "loop": loop / updates,
                "after_ws": after_ws / updates, "ws_layer": (loop - after_ws) / updates}
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        log.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default="build")
    p.add_argument("--source", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p.add_argument("--trackers", type=int, default=1000)
    p.add_argument("--rate", type=int, default=150)
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--settle", type=float, default=8)
    p.add_argument("--clients", default="lws,own")
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory (callgrind.<client> files for callgrind_annotate)")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="n2m-profile-")
    try:
        print(f"{'client':>6} {'updates':>8} {'loop/upd':>10} {'after_ws/upd':>13} {'ws_layer/upd':>13}")
        for client in args.clients.split(","):
            r = run(args, client, work)
            print(f"{r['client']:>6} {r['updates']:>8} {r['loop']:>10.0f} {r['after_ws']:>13.0f} "
                  f"{r['ws_layer']:>13.0f}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
