# SPDX-License-Identifier: MIT
"""Where plugins come from: an installed bridge (`cmake --install --prefix
P`, any P) finds its plugins in P/lib/navixy2mqtt/plugins, and a relative
plugin `path` names a file next to the config file, wherever the bridge is
started from. Both against the simulator and Mosquitto, checked in the
bridge's log (`event=plugin.loaded plugin=<name> path=<file>`)."""
import os
import shutil
import subprocess

from conftest import BRIDGE, SERVER_LIFETIME_S, wait_connected, wait_until
from plugin_helpers import plugin_entry

BUILD_DIR = os.path.dirname(os.path.dirname(os.path.abspath(BRIDGE)))


def start_bridge(stack, binary, plugins, cwd):
    """The stack's bridge, as `binary`, run in cwd, with these plugins."""
    bridge = stack.bridge
    bridge.write_config()
    with open(bridge.conf_path, "a") as f:
        f.write("plugins = ( " + ", ".join(plugins) + " );\n")
    log = open(bridge.log_path, "ab")
    bridge.proc = subprocess.Popen(["timeout", "-s", "KILL", str(SERVER_LIFETIME_S), binary,
                                    "--config", bridge.conf_path], stdout=log, stderr=log, cwd=cwd)


def loaded_path(stack, name):
    """The file the bridge logged for plugin `name`, once it has."""
    def find():
        for line in stack.bridge.log().splitlines():
            if "event=plugin.loaded" in line and f" plugin={name} " in line:
                return line.split(" path=", 1)[1].split(" ")[0]
        return None
    return wait_until(find, 20, what=f"plugin {name} to load")


def test_installed_bridge_finds_its_plugins(make_stack, tmp_path):
    prefix = tmp_path / "prefix"
    out = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", str(prefix)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    stack = make_stack(start_bridge=False)
    start_bridge(stack, str(prefix / "bin/navixy2mqtt"),
                 [plugin_entry("homeassistant"), plugin_entry("owntracks", {"user": "fleet"})],
                 cwd="/")
    sub = stack.subscribe()
    wait_connected(stack, sub)
    for name in ("homeassistant", "owntracks"):
        want = prefix / "lib/navixy2mqtt/plugins" / name / f"{name}.so"
        assert loaded_path(stack, name) == str(want)
    assert "event=plugin.failed" not in stack.bridge.log()


def test_relative_path_is_relative_to_the_config_file(make_stack, tmp_path):
    """The plugin next to the config is loaded; a broken file at the same
    relative path under the working directory is not looked at."""
    stack = make_stack(start_bridge=False)
    built = os.path.join(BUILD_DIR, "plugins/owntracks/owntracks.so")
    os.makedirs(os.path.join(stack.workdir, "mine"))
    shutil.copy(built, os.path.join(stack.workdir, "mine/ot.so"))
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "mine").mkdir(parents=True)
    (elsewhere / "mine/ot.so").write_text("not a shared object\n")
    start_bridge(stack, os.path.abspath(BRIDGE),
                 [plugin_entry("owntracks", {"user": "fleet"}, path="mine/ot.so")],
                 cwd=str(elsewhere))
    sub = stack.subscribe()
    wait_connected(stack, sub)
    want = os.path.join(os.path.realpath(stack.workdir), "mine/ot.so")
    assert loaded_path(stack, "owntracks") == want
    assert "event=plugin.failed" not in stack.bridge.log()
