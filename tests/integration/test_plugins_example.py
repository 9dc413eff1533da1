# SPDX-License-Identifier: MIT
"""A third-party plugin built outside the tree from the public header
alone (examples/plugin-hello with its own Makefile), loaded by path, and
what it publishes; plus a plugin that fails to load (required or not)."""
import os
import shutil
import subprocess

from conftest import SOURCE_DIR, wait_connected
from plugin_helpers import labels, make_plugin_stack, plugin_entry


def build_hello(workdir):
    src = os.path.join(workdir, "hello-src")
    inc = os.path.join(workdir, "hello-include", "navixy2mqtt")
    os.makedirs(inc)
    shutil.copytree(os.path.join(SOURCE_DIR, "examples/plugin-hello"), src)
    shutil.copy(os.path.join(SOURCE_DIR, "include/navixy2mqtt/plugin.h"), inc)
    subprocess.run(["make", "-s", "-C", src,
                    f"NAVIXY2MQTT_INCLUDE={os.path.dirname(inc)}"], check=True)
    return os.path.join(src, "hello.so")


def test_out_of_tree_plugin_builds_and_runs(make_stack, tmp_path):
    so = build_hello(str(tmp_path))
    stack = make_plugin_stack(make_stack, [plugin_entry("hello", {"prefix": "hi"}, path=so)])
    sub = stack.subscribe("navixy/#")
    hi = stack.subscribe("hi/#")
    ids = wait_connected(stack, sub)
    names = labels(stack)
    for tid in ids:
        raw, _ = hi.wait_for(f"hi/{tid}", lambda p: p != b"")
        assert raw.decode().startswith(f"{names[tid]} is at ")
    assert "hello from a plugin built for API 1" in stack.bridge.log()
    stack.sim.admin(f"remove?id={ids[0]}")
    hi.wait_for(f"hi/{ids[0]}", lambda p: p == b"")


def test_optional_plugin_failure_is_reported_and_skipped(make_stack, tmp_path):
    bogus = tmp_path / "bogus.so"
    bogus.write_text("not a shared object\n")
    stack = make_plugin_stack(make_stack, [plugin_entry("bogus", path=str(bogus), required=False)])
    sub = stack.subscribe("navixy/#")
    wait_connected(stack, sub)
    log = stack.bridge.log()
    assert "event=plugin.failed plugin=bogus required=no" in log
    assert "cannot load" in log


def test_required_plugin_failure_stops_the_bridge(make_stack, tmp_path):
    stack = make_plugin_stack(make_stack, [plugin_entry("homeassistant", {"qos": "high"})])
    assert stack.bridge.proc.wait(10) == 1
    log = stack.bridge.log()
    assert "plugins.homeassistant.settings.qos: expected an integer" in log
    assert "required" in log
