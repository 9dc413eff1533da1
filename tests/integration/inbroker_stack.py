# SPDX-License-Identifier: MIT
"""Stacks for the in-broker mode: a real Mosquitto with navixy2mqtt_mosquitto.so
loaded (plugin + plugin_opt_config) against the simulator, shaped like
conftest's Stack so one test can run against either mode.

In this mode there is no bridge process: stack.bridge starts and stops the
broker, its log is the broker's (the plugin logs to the broker's stderr).
The plugin is found next to $N2M_BRIDGE (build/bridge/), or at
$N2M_INBROKER_PLUGIN. For a sanitizer build of the plugin, the sanitizer
runtimes are preloaded into mosquitto (the plugin cannot bring them)."""
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import (BRIDGE, SERVER_LIFETIME_S, SOURCE_DIR, Bridge, Broker, Sim, Stack,
                      bridge_settings, stop_process, valgrind_prefix, wait_until,
                      wrapped_pid)

PLUGIN = os.path.abspath(os.environ.get(
    "N2M_INBROKER_PLUGIN", os.path.join(os.path.dirname(BRIDGE), "navixy2mqtt_mosquitto.so")))
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_preload():
    """The ASan/UBSan runtimes the plugin was linked with, for LD_PRELOAD."""
    try:
        out = subprocess.run(["ldd", PLUGIN], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return ""
    libs = [line.split("=>")[1].split("(")[0].strip() for line in out.splitlines()
            if "=>" in line and ("libasan" in line or "libubsan" in line)]
    return " ".join(sorted(libs))  # libasan before libubsan


class PluginBroker(Broker):
    """A Broker whose config loads the plugin with the given bridge config."""

    def __init__(self, workdir, conf_path, persistence=False):
        super().__init__(workdir, persistence)
        self.conf_path = conf_path
        self.log_path = os.path.join(workdir, "mosquitto.log")

    def config_text(self):
        """config/mosquitto.conf with the plugin; with self.example, the
        shipped example config/mosquitto-inbroker.conf (and its ACL) with
        this test's paths and port instead."""
        if getattr(self, "example", False):
            return self.example_text()
        with open(os.path.join(SOURCE_DIR, "config/mosquitto.conf")) as f:
            text = f.read().replace("@PORT@", str(self.port))
        if self.persistence:
            text = text.replace("persistence false", "persistence true")
            text += f"\npersistence_location {self.workdir}/\nautosave_interval 1\n"
        return text + f"\nplugin {PLUGIN}\nplugin_opt_config {self.conf_path}\n"

    def example_text(self):
        acl = os.path.join(self.workdir, "navixy2mqtt.acl")
        shutil.copy(os.path.join(SOURCE_DIR, "config/mosquitto-inbroker.acl"), acl)
        with open(os.path.join(SOURCE_DIR, "config/mosquitto-inbroker.conf")) as f:
            text = f.read()
        for old, new in (("/usr/local/lib/navixy2mqtt/navixy2mqtt_mosquitto.so", PLUGIN),
                         ("/usr/local/etc/navixy2mqtt/navixy2mqtt.conf", self.conf_path),
                         ("/etc/mosquitto/navixy2mqtt.acl", acl),
                         ("listener 1883", f"listener {self.port} 127.0.0.1")):
            assert old in text, old
            text = text.replace(old, new)
        return text + "log_dest stderr\n"

    def start(self, wait=True):
        text = self.config_text()
        if os.geteuid() == 0:
            # Started as root, mosquitto runs as user mosquitto, and so does
            # the plugin (docs/in-broker.md): it could not read the test's
            # private temporary directory.
            text += "user root\n"
        conf = os.path.join(self.workdir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(text)
        env = dict(os.environ)
        preload = sanitizer_preload()
        if preload:
            env["LD_PRELOAD"] = preload
            # The broker's own exit-time allocations are not the plugin's.
            env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
        log = open(self.log_path, "ab")
        # N2M_VALGRIND=1: the broker, and so the plugin, under memcheck
        # (conftest.valgrind_prefix: exit 99 on an error or a definite leak).
        memcheck = valgrind_prefix(self.workdir)
        if memcheck:
            memcheck.append("--fullpath-after=")  # our frames name SOURCE_DIR
        self.proc = subprocess.Popen(["timeout", str(SERVER_LIFETIME_S)]
                                     + memcheck + ["mosquitto", "-c", conf],
                                     stdout=log, stderr=log, env=env)
        if wait:
            wait_until(lambda: self._accepts() or self.proc.poll() is not None, 20,
                       what="mosquitto to listen")

    def stop(self, sig=signal.SIGTERM):
        status = stop_process(self.proc, sig, timeout=15, direct=True)
        self.proc = None
        return status


class InBrokerBridge(Bridge):
    """The bridge as the plugin: start/stop are the broker's."""

    def __init__(self, workdir, settings, broker):
        super().__init__(workdir, settings)
        self.broker = broker
        self.log_path = broker.log_path

    def start(self):
        self.write_config()
        self.broker.start()

    def stop(self, sig=signal.SIGTERM):
        return self.broker.stop(sig)

    @property
    def proc(self):
        """The broker's `timeout` wrapper: signals sent to it reach mosquitto."""
        return self.broker.proc

    @proc.setter
    def proc(self, value):
        pass  # Bridge.__init__ sets it; the broker owns the process

    def kill_hard(self):
        os.kill(wrapped_pid(self.broker.proc), signal.SIGKILL)
        return self.broker.proc.wait(10)


def make_inbroker_stack(workdir, sim_args=(), persistence=False, start_bridge=True, **overrides):
    stack = Stack(workdir)
    conf_path = os.path.join(workdir, "navixy2mqtt.conf")
    stack.broker = PluginBroker(workdir, conf_path, persistence)
    stack.sim = Sim(workdir, ["--trackers", "5", "--rate", "0", "--heartbeat-ms", "1000"]
                    + list(sim_args))
    stack.sim.start()
    stack.bridge = InBrokerBridge(workdir, bridge_settings(stack.sim.port, stack.broker.port,
                                                           **overrides), stack.broker)
    if start_bridge:
        stack.bridge.start()
    return stack


VALGRIND_MARKERS = ("definitely lost in", "indirectly lost in", "Invalid read of",
                    "Invalid write of", "uninitialised value")


def scan_sanitizer(path):
    """A sanitizer report, or a memcheck record with the plugin's code in its
    stack (the broker's own, e.g. its config strings when a plugin refuses to
    load and it exits at once, are not the plugin's)."""
    if not os.path.exists(path):
        return None
    with open(path, errors="replace") as f:
        text = f.read()
    for marker in SANITIZER_MARKERS:
        if marker in text:
            return text[text.index(marker):][:3000]
    for record in re.split(r"==\d+== \n", text):
        if any(m in record for m in VALGRIND_MARKERS) and SOURCE_DIR in record:
            return record[:3000]
    return None


@pytest.fixture
def make_inbroker(request):
    """make_inbroker(sim_args=[...], persistence=False, start_bridge=True, **overrides)."""
    if not os.path.exists(PLUGIN):
        pytest.skip(f"{PLUGIN} not built (mosquitto-dev missing?)")
    workdir = tempfile.mkdtemp(prefix="n2m-ib-")
    stacks = []

    def make(**kwargs):
        stack = make_inbroker_stack(workdir, **kwargs)
        stacks.append(stack)
        return stack

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for stack in stacks:
        stack.teardown()
    if failed:
        for name in ("mosquitto.log", "sim.log"):
            path = os.path.join(workdir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    print(f"----- {name} (last 80 lines) -----")
                    print("".join(f.readlines()[-80:]))
    report = scan_sanitizer(os.path.join(workdir, "mosquitto.log"))
    shutil.rmtree(workdir, ignore_errors=True)
    assert report is None, f"sanitizer report from the broker with the plugin:\n{report}"


@pytest.fixture(params=["standalone", "inbroker"])
def make_any(request):
    """make_stack or make_inbroker, one test run per mode."""
    return request.getfixturevalue("make_stack" if request.param == "standalone"
                                   else "make_inbroker")
