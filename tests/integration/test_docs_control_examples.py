# SPDX-License-Identifier: MIT
"""The control plane's examples in docs/control.md work as shown with the
default configuration: each `mosquitto_pub ... request/<command> -m '<json>'`,
sent in the document's order to a bridge running the example config's subscriptions,
gets the answer of the JSON block that follows it (status, error,
transaction, the members of data, and their values where they do not depend
on the fleet)."""
import json
import os
import re

from conftest import SOURCE_DIR, wait_connected, wait_until
from control_client import Control

EXACT = ("type", "trackers", "pending", "level", "previous")


def examples():
    with open(os.path.join(SOURCE_DIR, "docs/control.md")) as f:
        text = f.read()
    blocks = re.findall(r"```(sh|json)\n(.*?)```", text, re.S)
    found = []
    for (kind, body), (next_kind, answer) in zip(blocks, blocks[1:]):
        m = re.search(r"mosquitto_pub -t navixy/bridge/request/(\w+)\s*(?:\\\n\s*)?-m '([^']*)'", body)
        if kind == "sh" and next_kind == "json" and m:
            found.append((m.group(1), m.group(2), json.loads(answer)))
    return found


def test_control_examples_answer_as_shown(make_stack):
    cases = examples()
    assert {c for c, _, _ in cases} >= {"subscribe", "unsubscribe", "list", "log_level"}, cases
    # The default subscriptions (state_batch and readings_batch "all") and
    # the default log level, as a new user has them.
    stack = make_stack(log={"level": "info"})
    sub = stack.subscribe()
    wait_connected(stack, sub)
    ctl = Control(stack.broker.port)
    try:
        for command, payload, shown in cases:
            before = len(ctl.responses(command))
            ctl.publish(command, payload)
            got = wait_until(lambda: ctl.responses(command)[before:], 10,
                             what=f"the answer to docs/control.md's {command} example")[0]
            where = (command, payload, got)
            assert got["status"] == shown["status"], where
            assert got["error"] == shown["error"], where
            assert got["transaction"] == shown["transaction"], where
            if isinstance(shown["data"], dict):
                assert set(got["data"]) == set(shown["data"]), where
                for key in EXACT:
                    value = shown["data"].get(key)
                    # list's trackers are the fleet's, with their statuses.
                    if value is not None and not (isinstance(value, list) and value
                                                  and isinstance(value[0], dict)):
                        assert got["data"][key] == shown["data"][key], (key, where)
    finally:
        ctl.close()
