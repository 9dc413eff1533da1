# SPDX-License-Identifier: MIT
"""Helpers for the plugin integration tests: a bridge config with a
`plugins = ( ... );` list (conftest renders sections as groups only)."""
import json

from conftest import render


def plugin_entry(name, settings=None, path=None, required=True):
    fields = [f"name = {json.dumps(name)};", f"required = {'true' if required else 'false'};"]
    if path:
        fields.append(f"path = {json.dumps(path)};")
    if settings:
        fields.append(f"settings = {render(settings)};")
    return "{ " + " ".join(fields) + " }"


def make_plugin_stack(make_stack, plugins, extra_config="", before_start=None, **kwargs):
    """make_stack(...) with the given plugin entries (plugin_entry texts).
    extra_config: more config text (e.g. a subscriptions list);
    before_start(stack): runs once broker and simulator are up, before the
    bridge starts (to subscribe before anything is published)."""
    stack = make_stack(start_bridge=False, **kwargs)
    bridge = stack.bridge
    original = bridge.write_config

    def write_config():
        original()
        with open(bridge.conf_path, "a") as f:
            f.write("plugins = ( " + ", ".join(plugins) + " );\n" + extra_config + "\n")
    bridge.write_config = write_config
    if before_start:
        before_start(stack)
    bridge.start()
    return stack


def labels(stack):
    return {t["id"]: t["label"] for t in stack.sim.fleet()}
