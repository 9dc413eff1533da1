# SPDX-License-Identifier: MIT
"""procs.py - the processes the benchmark starts, and what it reads of them.

Every child gets PR_SET_PDEATHSIG(SIGTERM), so it dies with the harness even
when the harness itself is killed; the harness also stops every child it
started (newest first) on exit, Ctrl-C or failure. CPU and memory come from
/proc/<pid>/stat (utime + stime, all threads) and /proc/<pid>/status (VmRSS).
"""
import ctypes
import os
import signal
import socket
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """User + system CPU of the whole process (every thread), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


class Procs:
    """Starts children and guarantees they are stopped."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.children = []

    def start(self, name, argv, stdin=None, stdout=None):
        log = open(os.path.join(self.workdir, f"{name}.log"), "ab")
        proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout or log, stderr=log,
                                preexec_fn=_die_with_parent)
        proc.bench_name = name
        self.children.append(proc)
        return proc

    def stop(self, proc, timeout=5.0):
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in self.children:
            self.children.remove(proc)

    def stop_all(self):
        for proc in reversed(list(self.children)):
            self.stop(proc, 3.0)

    def check_alive(self, *procs):
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.bench_name} exited with status {p.returncode}; "
                                   f"see {self.workdir}/{p.bench_name}.log")


class LineReader:
    """Reads a child's stdout on a thread: keeps the last `tick` line's
    numbers and queues every other line."""

    def __init__(self, proc):
        self.proc = proc
        self.tick = None
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        for raw in self.proc.stdout:
            parts = raw.decode(errors="replace").split()
            with self.cond:
                if parts and parts[0] == "tick":
                    self.tick = [int(x) for x in parts[1:]]
                elif parts:
                    self.lines.append(parts)
                self.cond.notify_all()

    def next_line(self, kind, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, parts in enumerate(self.lines):
                    if parts[0] == kind:
                        return self.lines.pop(i)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"no '{kind}' line from {self.proc.bench_name}")
                self.cond.wait(left)
