# SPDX-License-Identifier: MIT
"""report.py - prints the benchmark's figures, the ratios and the performance
targets (bench/README.md) (met or missed). Figures only: nothing here fails on speed."""


def _f(v, fmt="{:.2f}"):
    return "n/a" if v is None else fmt.format(v)


def _ratio(a, b):
    return a / b if a is not None and b else None


def _row(name, r, extra=""):
    print(f"  {name:<13} {r['updates_s']:>9.0f} {r['msgs_s']:>9.0f} "
          f"{_f(r.get('cpu_per_update_us')):>10} {_f(r.get('cpu_per_msg_us')):>9} "
          f"{100 * r['cpu_proc_s'] / r['seconds']:>6.1f} {r['rss_kib'] / 1024:>8.1f}  {extra}")


def _verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def print_report(res):
    b, lp, lm, peer = res["bridge"], res["limit_paced"], res["limit_max"], res["peer"]
    print()
    print(f"== results ({res['mode']}, {res['elapsed_s']:.0f} s)")
    print(f"  {'':<13} {'updates/s':>9} {'msgs/s':>9} {'cpu/upd us':>10} {'cpu/msg':>9} "
          f"{'cpu %':>6} {'RSS MiB':>8}")
    _row("bridge", b, f"broker {100 * b['cpu_broker_s'] / b['seconds']:.0f}%, "
                      f"sim {100 * b['cpu_sim_s'] / b['seconds']:.0f}%, "
                      f"subscriber {100 * b['cpu_sub_s'] / b['seconds']:.0f}%")
    lp = dict(lp, updates_s=lp["updates_equiv_s"])
    lm = dict(lm, updates_s=lm["updates_equiv_s"])
    _row("limit paced", lp, "updates/s = msgs/s / bridge's msgs per update")
    _row("limit max", lm)
    _row("peer", peer)
    for key in ("bridge_max", "peer_max"):
        if key in res:
            _row(key.replace("_", " "), res[key], f"sim sent {res[key]['sim_updates'] / res[key]['seconds']:.0f}/s")
    print(f"  bridge messages per update: {b['msgs_per_update']:.3f}; peer: "
          f"{_f(peer.get('msgs_per_update'), '{:.3f}')}")
    bl, pl = b["latency"], peer["latency"]
    print(f"  latency bridge: p50 {bl['p50_us'] / 1000:.2f} ms, p90 {bl['p90_us'] / 1000:.2f} ms, "
          f"p99 {bl['p99_us'] / 1000:.2f} ms, max {bl['max_us'] / 1000:.2f} ms ({bl['n']} samples)")
    print(f"  latency peer:   p50 {pl['p50_us'] / 1000:.2f} ms, p99 {pl['p99_us'] / 1000:.2f} ms "
          f"({pl['n']} samples)")

    sweep = res.get("sweep", [])
    if sweep:
        print(f"  {'trackers':>9} {'RSS start':>10} {'RSS snap':>10} {'B/tracker':>10} "
              f"{'snapshot s':>10} {'cpu/upd us':>10} {'updates/s':>9} {'p50 ms':>7} {'p99 ms':>7}")
        for s in sweep:
            print(f"  {s['trackers']:>9} {s['rss_start_kib'] / 1024:>9.1f}M "
                  f"{s['rss_snapshot_kib'] / 1024:>9.1f}M {s['bytes_per_tracker']:>10.0f} "
                  f"{s['snapshot_s']:>10.1f} {_f(s['cpu_per_update_us']):>10} "
                  f"{s['updates_s']:>9.0f} {s['latency']['p50_us'] / 1000:>7.2f} "
                  f"{s['latency']['p99_us'] / 1000:>7.2f}")

    rounds = [r for r in res.get("rounds", []) if r.get("ratio")]
    if rounds:
        print(f"  {'round':>9} {'bridge us':>10} {'limit us':>10} {'ratio':>6} {'updates/s':>9}")
        for i, r in enumerate(rounds):
            print(f"  {i + 1:>9} {r['bridge_us']:>10.2f} {r['limit_us']:>10.2f} "
                  f"{r['ratio']:>6.2f} {r['updates_s']:>9.0f}")
    main_ratio = _ratio(b["cpu_per_update_us"], lp["cpu_per_update_us"])
    # The rounds' median, when there are rounds: one pair is at the mercy
    # of whatever else the machine did during it.
    mid = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2] if rounds else None
    cpu_limit = mid["ratio"] if mid else main_ratio
    bridge_us = mid["bridge_us"] if mid else b["cpu_per_update_us"]
    cpu_peer = _ratio(bridge_us, peer.get("cpu_per_update_us"))
    bmax = res.get("bridge_max", b)["updates_s"]
    pmax = res.get("peer_max", peer)["updates_s"]
    thr_limit = _ratio(bmax, lm["updates_s"])
    thr_peer = _ratio(bmax, pmax)
    print()
    print("== ratios (same run)")
    print(f"  CPU per update  bridge/limit {_f(cpu_limit)}   bridge/peer {_f(cpu_peer, '{:.3f}')}"
          + (f"   (median round; main phase alone: {_f(main_ratio)})" if mid else ""))
    print(f"  throughput      bridge/limit {_f(thr_limit)}   bridge/peer {_f(thr_peer)}")
    print(f"  latency at {b['updates_s']:.0f} updates/s: p50 {bl['p50_us'] / 1000:.2f} ms, "
          f"p99 {bl['p99_us'] / 1000:.2f} ms")
    print()
    print("== targets")
    big = max(sweep, key=lambda s: s["trackers"]) if sweep else None
    small = min(sweep, key=lambda s: s["trackers"]) if sweep else None
    growth = _ratio(big["cpu_per_update_us"], small["cpu_per_update_us"]) if big else None
    per_tracker = max(s["bytes_per_tracker"] for s in sweep) if sweep else None
    checks = [
        ("CPU/update <= 1.5x limit", cpu_limit, cpu_limit is not None and cpu_limit <= 1.5),
        ("throughput >= 0.8x limit", thr_limit, thr_limit is not None and thr_limit >= 0.8),
        ("CPU/update < 0.1x peer", cpu_peer, cpu_peer is not None and cpu_peer < 0.1),
        ("throughput > peer", thr_peer, thr_peer is not None and thr_peer > 1),
        ("p99 latency < 5 ms", bl["p99_us"] / 1000, bl["p99_us"] < 5000),
        ("RSS growth < 4 KiB/tracker", per_tracker / 1024 if per_tracker else None,
         per_tracker is not None and per_tracker < 4096),
        (f"RSS at {big['trackers'] if big else '-'} trackers < 512 MiB",
         big["rss_snapshot_kib"] / 1024 if big else None,
         big is not None and big["rss_snapshot_kib"] < 512 * 1024),
        ("CPU/update flat within 20 %", growth, growth is not None and 0.8 <= growth <= 1.2),
    ]
    for name, value, ok in checks:
        print(f"  {name:<32} {_f(value, '{:.3f}'):>8}  {_verdict(ok)}")
