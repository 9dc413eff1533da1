# SPDX-License-Identifier: MIT
"""Times the bridge publishes are ISO 8601 in UTC with a "Z", whatever form
Navixy sent: location.fix_time from an offset date and from the
documented zone-less "YYYY-MM-DD HH:MM:SS" (UTC), while the state payload
keeps Navixy's own text; bridge/upstream's `since` and bridge/event's
`time` are written the same way."""
import datetime
import json
import re

from conftest import wait_connected

UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def instant(text):
    text = text.replace(" ", "T")
    if not re.search(r"(Z|[+-]\d\d:\d\d)$", text):
        text += "+00:00"
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_fleet(stack, sub, ids, state_form):
    for tid in ids:
        state = json.loads(sub.latest(f"navixy/tracker/{tid}/state"))
        loc = json.loads(sub.latest(f"navixy/tracker/{tid}/location"))
        sent = state["gps"]["updated"]
        assert state_form.match(sent), sent  # the state stays as Navixy sent it
        assert UTC_Z.match(loc["fix_time"]), loc
        assert instant(loc["fix_time"]) == instant(sent)


def test_offset_dates_are_published_in_utc(make_stack):
    stack = make_stack(sim_args=["--tz-offset", "+02:00"])
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    check_fleet(stack, sub, ids, re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+02:00$"))
    upstream = json.loads(sub.latest("navixy/bridge/upstream"))
    assert UTC_Z.match(upstream["since"]), upstream


def test_zone_less_dates_gain_their_z(make_stack):
    stack = make_stack(navixy={"iso_datetime": False})
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    check_fleet(stack, sub, ids, re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"))
    stack.sim.admin("logout")
    event, _ = sub.wait_for("navixy/bridge/event", lambda p: b"logout" in p)
    assert UTC_Z.match(json.loads(event)["time"])
