# SPDX-License-Identifier: MIT
"""mqtt.coalesce_writes: with it on (the default) the bridge finds Paho's
socket and corks it while a frame is published, then releases it, so every
update of every frame still reaches a subscriber; with it off every message
goes out on its own. The bridge says which in mqtt.connected and counts the
held frames in bridge.counters (mqtt_write_holds)."""
import json

import pytest

from conftest import wait_connected
from faultlib import counters


@pytest.mark.parametrize("coalesce", [True, False], ids=["on", "off"])
def test_every_update_of_a_frame_arrives(make_stack, coalesce):
    stack = make_stack(mqtt={"coalesce_writes": coalesce})
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    assert f"coalesce_writes={'on' if coalesce else 'off'}" in stack.bridge.log()

    # Every tracker moved at once: the simulator sends the changes of a
    # tick in one state_batch frame (and one readings_batch). Each new
    # location must arrive, the last publication of a frame included, with
    # nothing after it to push it out.
    for _ in range(3):
        for tid in ids:
            stack.sim.admin(f"tick?id={tid}&n=1")
        for tid in ids:
            want = stack.sim.tracker(tid)["state"]["gps"]["location"]

            def moved(p, want=want):
                return json.loads(p)["latitude"] == pytest.approx(want["lat"])
            sub.wait_for(f"navixy/tracker/{tid}/location", moved, timeout=10)

    assert stack.bridge.stop() == 0
    held = counters(stack.bridge.log())["mqtt_write_holds"]
    if coalesce:
        assert held > 0
    else:
        assert held == 0
