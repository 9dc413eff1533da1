# SPDX-License-Identifier: MIT
"""docs/limits.md ("When things fail") names its counters as the health report
does (`group.key` in <base>/bridge/health; /metrics maps each through the
health table): every name there must be a member of a real health report."""
import os
import re

from conftest import SOURCE_DIR, wait_connected
from control_client import Control

# In running text `upstream.` and `mqtt.` also start log events and
# settings (`mqtt.disconnected`, `mqtt.max_inflight`): only these groups
# are read there; the faults table's counter column is read whole.
TEXT_GROUPS = ("traffic", "errors", "drops", "queue", "http")


def limits_section(start, end):
    with open(os.path.join(SOURCE_DIR, "docs/limits.md")) as f:
        text = f.read()
    a = text.index(start)
    return text[a:text.index(end, a)]


def documented_counters():
    names = set()
    faults = limits_section("## Navixy (upstream) faults", "`navixy.max_frame_bytes` (default")
    for line in faults.splitlines():
        if line.startswith("| ") and not line.startswith("| fault"):
            counter_cell = line.rstrip().rstrip("|").rsplit("|", 1)[-1]
            names.update(re.findall(r"`([a-z_]+\.[a-z_0-9]+)`", counter_cell))
    for section in (limits_section("## Counters to watch", "## Known limitations"),
                    limits_section("## MQTT broker unreachable", "## Navixy (upstream) faults")):
        names.update(n for n in re.findall(r"`([a-z_]+\.[a-z_0-9]+)`", section)
                     if n.split(".")[0] in TEXT_GROUPS)
    return names


def flatten(report):
    keys = set()
    for group, members in report.items():
        if isinstance(members, dict):
            keys.update(f"{group}.{k}" for k in members)
    return keys


def test_documented_counters_are_health_members(make_stack):
    names = documented_counters()
    assert len(names) >= 20, names  # the tables were found and read
    stack = make_stack()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        report = ctl.call("health")["data"]
    finally:
        ctl.close()
    missing = sorted(names - flatten(report))
    assert not missing, missing
