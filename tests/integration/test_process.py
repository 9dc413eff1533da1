# SPDX-License-Identifier: MIT
"""Process faults: SIGTERM under heavy load exits cleanly with
`offline` published; the persisted state file (control.state_file)
survives kill -9 at any moment while control requests keep changing the
desired set: it always parses, and the bridge always starts from it.
(SIGTERM during an MQTT outage: test_outage.py.)"""
import json
import os
import random
import signal
import threading
import time

from conftest import retained_tree, wait_until
from control_client import Control
from faultlib import bridge_pid, counters, memory_checks_meaningful, rss_kib


def test_sigterm_under_heavy_load(make_stack):
    stack = make_stack(sim_args=["--trackers", "3000", "--load", "30000"])
    sub = stack.subscribe("navixy/bridge/#")
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 15)
    wait_until(lambda: stack.bridge.log().count("upstream.subscribed") >= 2, 15, what="subscribed")
    time.sleep(4)
    start = time.monotonic()
    rc = stack.bridge.stop(signal.SIGTERM)
    assert rc == 0
    # "Within a few seconds even under full load": three waits of up to 2 s
    # by design (WebSocket close, the offline publish, MQTT disconnect) plus
    # the frame in hand; Bridge.stop kills (rc != 0) at 10 s.
    assert time.monotonic() - start < 9.5
    assert retained_tree(stack.broker.port, "navixy/bridge/state")["navixy/bridge/state"] == b"offline"
    log = stack.bridge.log()
    assert "offline_published=yes" in log and "action=unsubscribe" in log
    assert counters(log)["state_updates"] > 3000


def traffic(sub):
    """The traffic counters of the latest bridge/health report, {} if none."""
    raw = sub.latest("navixy/bridge/health")
    return json.loads(raw)["traffic"] if raw else {}


def per_state_subscription(bridge, n_trackers):
    """Subscribe to `state` (one frame per change, no server coalescing);
    Navixy's state type takes ids only (the simulator's start at 100001)."""
    write = bridge.write_config

    def write_with_subscriptions():
        write()
        with open(bridge.conf_path, "a") as f:
            ids = ", ".join(str(100001 + i) for i in range(n_trackers))
            f.write(f'subscriptions = ( {{ type = "state"; trackers = [ {ids} ]; }} );\n')
    bridge.write_config = write_with_subscriptions


def test_burst_of_100000_updates_stays_bounded(make_stack):
    # 100,000 state frames as fast as the simulator sends them (one per
    # change), while a slow subscriber reads every location.
    stack = make_stack(start_bridge=False, sim_args=["--trackers", "1000"],
                       health={"interval_s": 1})
    per_state_subscription(stack.bridge, 1000)
    stack.bridge.start()
    pid = bridge_pid(stack.bridge)
    health = stack.subscribe("navixy/bridge/health")
    slow = stack.subscribe("navixy/tracker/+/location")
    slow.client.on_message = lambda *a: time.sleep(0.0005)
    wait_until(lambda: "action=subscribe type=state " in stack.bridge.log(), 15, what="subscribed")
    time.sleep(1)
    base = rss_kib(pid)
    sent0 = stack.sim.admin("stats", "GET")["frames_sent"]
    stack.sim.admin("rate?value=25000")
    samples = []
    # A bound for a slow machine (sanitizer build, busy cores), not a speed
    # assertion: the test waits for the whole burst.
    deadline = time.monotonic() + 100
    while (stack.sim.admin("stats", "GET")["frames_sent"] - sent0 < 101000
           and time.monotonic() < deadline):
        time.sleep(1)
        samples.append(rss_kib(pid))
    stack.sim.admin("rate?value=0")
    # frames_sent counts what went into the socket; wait until the bridge
    # has mapped the burst (its health report counts it).
    wait_until(lambda: traffic(health).get("state_updates", 0) >= 100000, 60, interval=0.5,
               what="the burst mapped")
    samples.append(rss_kib(pid))
    if memory_checks_meaningful():
        assert max(samples) - base < 16 * 1024, (base, samples)
        assert samples[-1] - samples[1] < 8 * 1024, (base, samples)
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["state_updates"] >= 100000, c["state_updates"]
    assert c["upstream_oversized"] == 0


def test_snapshot_of_20000_trackers_stays_bounded(make_stack):
    # The first state_batch carries every tracker in one message: it must
    # fit navixy.max_frame_bytes (about 1.5 KB a tracker; see docs/limits.md).
    stack = make_stack(sim_args=["--trackers", "20000"], navixy={"max_frame_bytes": 128 << 20},
                       health={"interval_s": 1})
    pid = bridge_pid(stack.bridge)
    sub = stack.subscribe("navixy/bridge/#")
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 15)
    # The subscribe responses come before the two snapshot frames: wait for
    # the bridge to have mapped both (a sanitizer build takes seconds).
    wait_until(lambda: traffic(sub).get("state_updates", 0) >= 20000
               and traffic(sub).get("readings_updates", 0) >= 20000, 90, interval=0.5,
               what="the 20,000-tracker snapshots mapped")
    time.sleep(1)
    samples = []
    for _ in range(4):
        time.sleep(1)
        samples.append(rss_kib(pid))
    if memory_checks_meaningful():
        assert max(samples) - samples[0] < 4 * 1024, samples
        # ~16 MiB before any tracker, then under 3.5 KiB a tracker (2.9
        # measured by bench/): the ~24 MB snapshot messages' receive buffer
        # is given back, not kept for the next one.
        assert max(samples) < 16 * 1024 + 20000 * 3.5, samples
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["state_updates"] >= 20000 and c["upstream_oversized"] == 0


def test_state_file_survives_kill_9_at_any_moment(make_stack):
    stack = make_stack(start_bridge=False, sim_args=["--trackers", "20"])
    path = os.path.join(stack.workdir, "state.json")
    stack.bridge.settings["control"] = {"state_file": path}
    ids = [t["id"] for t in stack.sim.fleet()]
    rnd = random.Random(6)
    saves = 0
    for round_ in range(12):
        started = time.monotonic()
        stack.bridge.start()
        sub = stack.subscribe("navixy/bridge/state")
        sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 15, since=started)
        ctl = Control(stack.broker.port)
        stop = threading.Event()

        def churn():
            n = 0
            while not stop.is_set():
                tid = ids[n % len(ids)]
                action = "subscribe" if (n // len(ids)) % 2 == 0 else "unsubscribe"
                try:
                    ctl.publish(action, {"type": "state", "trackers": [tid]}, qos=0)
                except Exception:
                    return
                n += 1
                time.sleep(0.002)
        worker = threading.Thread(target=churn, daemon=True)
        worker.start()
        time.sleep(rnd.uniform(0.3, 1.5))
        stack.bridge.kill_hard()
        stop.set()
        worker.join(5)
        ctl.close()
        log = stack.bridge.log()
        saves = log.count("event=control.state_saved")
        # The file parses, whole, at every kill.
        if os.path.exists(path):
            with open(path) as f:
                saved = json.load(f)
            assert saved["version"] == 1 and isinstance(saved["subscriptions"], dict), saved
        else:
            assert round_ == 0 and saves == 0, "the state file vanished"
    assert os.path.exists(path), "no save in 12 rounds"
    # A last start restores it.
    started = time.monotonic()
    stack.bridge.start()
    sub = stack.subscribe("navixy/bridge/#")
    sub.wait_for("navixy/bridge/state", lambda p: p == b"online", 15, since=started)
    wait_until(lambda: "event=control.state_restored" in stack.bridge.log(), 10, what="restored")
    assert "control.state_invalid" not in stack.bridge.log()
    assert stack.bridge.stop() == 0


def hwm_kib(pid):
    """The process's peak resident set so far (VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def pretty_state_batch(template, n_trackers):
    """A state_batch of n_trackers wrapped states of ~7 KB each (a padded
    "additional"), pretty-printed (white space: not canonical, so the fast
    scanner cannot take it whole)."""
    items = []
    pad = {f"sensor_{k}": {"value": str(k), "updated": "2026-12-02 17:09:01"} for k in range(60)}
    for i in range(n_trackers):
        state = dict(template, source_id=20000003 + 7 * i, additional=pad)
        items.append({"type": "source_state_event", "state": state})
    return json.dumps({"type": "event", "event": "state_batch", "data": items}, indent=2)


def test_big_non_canonical_frame_stays_bounded(make_stack):
    # A ~7.5 MiB state_batch the fast scanner cannot take whole (white space
    # everywhere). Its peak memory must stay a small multiple of its size
    # (docs/limits.md, "When things fail": about one byte a message byte, and
    # here the tracker table's states grow from ~0.9 to ~5 KB too), not
    # that of a json-c tree of the whole batch (~8.5 bytes a byte; up to
    # ~260 for adversarial JSON).
    n = 1000
    stack = make_stack(sim_args=["--trackers", str(n)], health={"interval_s": 1})
    pid = bridge_pid(stack.bridge)
    sub = stack.subscribe("navixy/bridge/#")
    wait_until(lambda: traffic(sub).get("state_updates", 0) >= n
               and traffic(sub).get("readings_updates", 0) >= n, 60, interval=0.5,
               what="the snapshots mapped")
    body = pretty_state_batch(stack.sim.tracker(100001)["state"], n).encode()
    assert len(body) > 6 << 20
    before = hwm_kib(pid)
    updates = traffic(sub)["state_updates"]
    answer = stack.sim.admin("inject?kind=text", body=body)
    assert answer.get("ok") and answer.get("sockets", 0) >= 1, answer
    wait_until(lambda: traffic(sub).get("state_updates", 0) >= updates + n, 60, interval=0.5,
               what="the injected batch mapped")
    grown = hwm_kib(pid) - before
    if memory_checks_meaningful():
        assert grown * 1024 < 3 * len(body), (before, grown, len(body))
    assert stack.bridge.stop() == 0
    c = counters(stack.bridge.log())
    assert c["parse_errors"] == 0 and c["bad_items"] == 0 and c["upstream_oversized"] == 0
