# SPDX-License-Identifier: MIT
"""What `log.level = debug` adds, as docs/operations.md "Logs" says: one line per control
request (`control.request`), and never a line per tracker update or
publication, however many there are."""
import re

from conftest import wait_connected, wait_until
from control_client import Control


def events(log):
    return re.findall(r"event=([\w.]+)", log)


def test_debug_adds_requests_not_updates(make_stack):
    stack = make_stack(sim_args=["--trackers", "50", "--rate", "200"])  # log.level is debug in the tests
    sub = stack.subscribe()
    wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        for _ in range(3):
            assert ctl.call("list")["status"] == "ok"
        # Many updates published meanwhile.
        wait_until(lambda: sum(1 for t, *_ in sub.snapshot() if t.endswith("/state")) >= 100,
                   20, what="100 state publications")
        updates = ctl.call("health")["data"]["traffic"]["updates"]
    finally:
        ctl.close()
    seen = events(stack.bridge.log())
    assert seen.count("control.request") >= 4, seen  # three lists and the health request
    assert "level=debug" in stack.bridge.log()
    # No line per update or publication: far fewer lines than updates.
    assert updates >= 100
    assert len(seen) < updates / 2, (len(seen), updates, sorted(set(seen)))
