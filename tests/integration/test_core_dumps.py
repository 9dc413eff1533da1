# SPDX-License-Identifier: MIT
"""Core dumps (process.allow_core_dumps): by default the bridge makes itself
non-dumpable before it reads its configuration, so a crash leaves no core
file with the passwords and session hash in it; with the setting true a
crash dumps core as usual. Checked end to end: the bridge runs with
RLIMIT_CORE unlimited in its own working directory, gets SIGABRT, and the
test looks for the core file the kernel writes there.

Needs the kernel to write core files into the working directory
(kernel.core_pattern without a '|' or '/'); skipped otherwise."""
import glob
import os
import resource
import signal
import subprocess
import tempfile
import shutil

import pytest

from conftest import (BRIDGE, SERVER_LIFETIME_S, Bridge, bridge_settings, free_port, wait_until,
                      wrapped_pid)


def core_pattern():
    try:
        with open("/proc/sys/kernel/core_pattern") as f:
            return f.read().strip()
    except OSError:
        return ""


def core_limit_unlimited():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def crash_bridge(workdir, allow):
    """Starts the bridge (nothing listens upstream or at the broker: it
    keeps retrying) in workdir, aborts it once it runs, returns its exit
    status and the core files left in workdir."""
    closed = free_port()
    bridge = Bridge(workdir, bridge_settings(closed, closed, process={"allow_core_dumps": allow}))
    bridge.write_config()
    env = dict(os.environ)
    # AddressSanitizer builds turn core dumps off themselves unless told not to.
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "disable_coredump=0"]))
    with open(bridge.log_path, "ab") as log:
        proc = subprocess.Popen(["timeout", "-s", "KILL", str(SERVER_LIFETIME_S), os.path.abspath(BRIDGE),
                                 "--config", bridge.conf_path], stdout=log, stderr=log,
                                cwd=workdir, env=env, preexec_fn=core_limit_unlimited)
    try:
        wait_until(lambda: "bridge.starting" in bridge.log(), 20, what="the bridge to start")
        pid = wait_until(lambda: wrapped_pid(proc), 10, what="the bridge's pid")
        os.kill(pid, signal.SIGABRT)
        status = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return status, glob.glob(os.path.join(workdir, "core*")), bridge.log()


@pytest.fixture
def workdir():
    pattern = core_pattern()
    if not pattern or "|" in pattern or "/" in pattern:
        pytest.skip(f"kernel.core_pattern {pattern!r} does not write into the working directory")
    d = tempfile.mkdtemp(prefix="n2m-core-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_no_core_dump_by_default(workdir):
    status, cores, log = crash_bridge(workdir, allow=False)
    assert status in (128 + signal.SIGABRT, -signal.SIGABRT), (status, log[-2000:])
    assert cores == [], f"a core file despite process.allow_core_dumps = false: {cores}"


def test_core_dump_when_allowed(workdir):
    """The same crash with the setting on leaves a core: the test above
    passes because the bridge is not dumpable, not because the machine
    never writes core files."""
    status, cores, log = crash_bridge(workdir, allow=True)
    assert status in (128 + signal.SIGABRT, -signal.SIGABRT), (status, log[-2000:])
    assert cores, "no core file although process.allow_core_dumps = true"
