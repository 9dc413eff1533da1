# SPDX-License-Identifier: MIT
"""A throw-away RabbitMQ node with the MQTT plugin, for the compatibility
test. Everything lives in one temp dir and listens on 127.0.0.1
only: the AMQP listener, the MQTT listener, the Erlang distribution port
and epmd. epmd is started by us in the foreground (not daemonised by the
node) so that we hold its pid and `timeout` bounds its life like every
other test server; the node finds it on ERL_EPMD_PORT and does not start
its own.

Debian's rabbitmq-server 3.10.x; /usr/lib/rabbitmq/bin/rabbitmq-server is
the unwrapped script (the /usr/sbin one switches to the rabbitmq user).
"""
import os
import secrets
import shutil
import socket
import subprocess
import time

from conftest import SERVER_LIFETIME_S, free_port, stop_process, wait_until

RABBIT_BIN = "/usr/lib/rabbitmq/bin"


def missing_reason():
    """Why RabbitMQ cannot be started here, or None."""
    for tool in (f"{RABBIT_BIN}/rabbitmq-server", f"{RABBIT_BIN}/rabbitmqctl"):
        if not os.access(tool, os.X_OK):
            return f"{tool} not installed (scripts/install-deps installs rabbitmq-server)"
    if shutil.which("epmd", path="/usr/bin:/usr/lib/erlang/bin") is None:
        return "epmd not found (Debian erlang-base)"
    return None


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class RabbitBroker:
    def __init__(self, workdir):
        self.workdir = os.path.join(workdir, "rabbitmq")
        os.makedirs(self.workdir, exist_ok=True)
        self.port = free_port()            # MQTT, what the bridge and clients use
        self.amqp_port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.node = f"n2m-{secrets.token_hex(4)}@localhost"
        self.proc = None
        self.epmd = None

    def _env(self):
        d = self.workdir
        env = {
            "PATH": "/usr/sbin:/usr/bin:/bin",
            "HOME": d,  # the Erlang cookie goes here, not in the real home
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_MNESIA_BASE": f"{d}/mnesia",
            "RABBITMQ_LOG_BASE": f"{d}/log",
            "RABBITMQ_CONFIG_FILE": f"{d}/rabbitmq.conf",
            "RABBITMQ_ADVANCED_CONFIG_FILE": f"{d}/advanced.config",
            "RABBITMQ_CONF_ENV_FILE": f"{d}/rabbitmq-env.conf",
            "RABBITMQ_ENABLED_PLUGINS_FILE": f"{d}/enabled_plugins",
            "RABBITMQ_PID_FILE": f"{d}/rabbit.pid",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            # RABBITMQ_DIST_PORT picks the port, not the address: without
            # this the distribution listener binds 0.0.0.0.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_EPMD_PORT": str(self.epmd_port),
        }
        return env

    def _write_files(self):
        d = self.workdir
        with open(f"{d}/rabbitmq.conf", "w") as f:
            f.write(f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}\n"
                    f"mqtt.listeners.tcp.default = 127.0.0.1:{self.port}\n"
                    "mqtt.allow_anonymous = true\n"
                    "loopback_users = none\n")
        with open(f"{d}/enabled_plugins", "w") as f:
            f.write("[rabbitmq_mqtt].\n")
        open(f"{d}/rabbitmq-env.conf", "w").close()

    def start(self, timeout=60):
        self._write_files()
        env = self._env()
        log = open(os.path.join(self.workdir, "rabbitmq.out"), "ab")
        self.epmd = subprocess.Popen(["timeout", "-s", "KILL", str(SERVER_LIFETIME_S), "epmd",
                                      "-address", "127.0.0.1", "-port", str(self.epmd_port)],
                                     env=env, stdout=log, stderr=log)
        wait_until(lambda: _listening(self.epmd_port), 10, what="epmd to listen")
        # The script execs beam.smp, so `timeout` bounds the node itself.
        self.proc = subprocess.Popen(["timeout", "-s", "KILL", str(SERVER_LIFETIME_S),
                                      f"{RABBIT_BIN}/rabbitmq-server"],
                                     env=env, cwd=self.workdir, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if self.proc.poll() is not None:
                raise AssertionError(f"rabbitmq-server exited {self.proc.returncode}:\n"
                                     + self.log_tail())
            if time.monotonic() > deadline:
                raise AssertionError(f"rabbitmq MQTT listener not up in {timeout}s:\n"
                                     + self.log_tail())
            time.sleep(0.2)

    def log_tail(self, lines=40):
        text = ""
        for name in ("rabbitmq.out", "log/" + self.node + ".log"):
            path = os.path.join(self.workdir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += f"----- {name} -----\n" + "".join(f.readlines()[-lines:])
        return text

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            # A graceful stop first (closes MQTT connections, flushes mnesia),
            # then the signal path for a node that does not answer.
            subprocess.run(["timeout", "20", f"{RABBIT_BIN}/rabbitmqctl", "-q", "stop"],
                           env=self._env(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        stop_process(self.proc)
        stop_process(self.epmd)
        self.proc = self.epmd = None

    def stopped_everything(self):
        """True when nothing of ours listens any more (the test asserts it)."""
        return not any(_listening(p) for p in (self.port, self.amqp_port, self.dist_port,
                                               self.epmd_port))
