# SPDX-License-Identifier: MIT
"""What the log tells a new user about Navixy: the start line names both
servers (passwords redacted), upstream errors name the host that failed
(REST and WebSocket), and a routine logout with a fresh login is no
level=error."""
import json
import re

from conftest import free_port, upstream_state, wait_connected, wait_until


def retry_lines(log):
    return [l for l in log.splitlines() if "event=upstream.retry " in l]


def test_start_line_names_both_servers_redacted(make_stack):
    stack = make_stack(start_bridge=False)
    sim = f"127.0.0.1:{stack.sim.port}"
    stack.bridge.settings["navixy"]["api_url"] = f"http://proxy:Api-Pw-9@{sim}"
    stack.bridge.start()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    info = json.loads(sub.wait_for("navixy/bridge/info")[0])
    assert stack.bridge.stop() == 0
    log = stack.bridge.log()
    start = [l for l in log.splitlines() if "event=bridge.starting" in l][0]
    assert f"navixy=http://proxy:<redacted>@{sim}" in start
    assert f"mqtt=mqtt://127.0.0.1:{stack.broker.port}" in start
    assert info["config"]["navixy"]["api_url"] == f"http://proxy:<redacted>@{sim}"
    # The WebSocket URL derived from it carries no credentials.
    assert info["config"]["navixy"]["ws_url"] == f"ws://{sim}/event/subscription"
    assert "Api-Pw-9" not in log + json.dumps(info)


def test_rest_errors_name_the_server(make_stack):
    closed = free_port()
    stack = make_stack(start_bridge=False)
    stack.bridge.settings["navixy"]["api_url"] = f"http://user:Rest-Pw-3@127.0.0.1:{closed}/v2"
    stack.bridge.start()
    sub = stack.subscribe()
    line = wait_until(lambda: retry_lines(stack.bridge.log()), 10, what="upstream.retry")[0]
    assert f"POST http://user:<redacted>@127.0.0.1:{closed}/v2/user/auth" in line
    assert f"127.0.0.1 port {closed}" in line  # curl's own words name the port too
    wait_until(lambda: upstream_state(sub) == "backoff", 10, what="backoff")
    last_error = json.loads(sub.latest("navixy/bridge/upstream"))["last_error"]
    assert f"127.0.0.1:{closed}/v2/user/auth" in last_error
    assert "Rest-Pw-3" not in stack.bridge.log() + last_error

    stack.bridge.stop()
    stack.bridge.settings["navixy"]["api_url"] = "https://navixy-api.invalid/v2"
    stack.bridge.start()
    wait_until(lambda: any("navixy-api.invalid" in l and "resolve" in l
                           for l in retry_lines(stack.bridge.log())), 15,
               what="a resolver error naming the host")


def test_websocket_errors_name_the_server(make_stack):
    closed = free_port()
    stack = make_stack(start_bridge=False)
    stack.bridge.settings["navixy"]["ws_url"] = f"ws://127.0.0.1:{closed}/event/subscription"
    stack.bridge.start()
    line = wait_until(lambda: [l for l in stack.bridge.log().splitlines()
                               if "event=upstream.connect_failed" in l], 15,
                      what="upstream.connect_failed")[0]
    assert f"host=127.0.0.1 port={closed}" in line
    wait_until(lambda: any(f"WebSocket to 127.0.0.1 port {closed}" in l
                           for l in retry_lines(stack.bridge.log())), 10, what="upstream.retry")


def test_logout_and_fresh_login_log_no_error(make_stack):
    stack = make_stack()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    stack.sim.admin("logout")
    wait_until(lambda: stack.bridge.log().count("event=upstream.authenticated") >= 2, 10,
               what="the fresh login")
    wait_until(lambda: stack.bridge.log().count("event=upstream.connected") >= 2, 10,
               what="reconnected")
    log = stack.bridge.log()
    assert "level=warn event=upstream.logout" in log
    assert re.search(r"level=warn event=upstream.retry state=logged_out", log)
    assert "level=error" not in log, [l for l in log.splitlines() if "level=error" in l]
