# SPDX-License-Identifier: MIT
"""Docker packaging, checked without a Docker engine: docker-compose.yml and
the Dockerfile agree with each other and with the repository (services and
profiles, build targets, paths, ports, the runtime libraries the binaries
need, the broker healthcheck the viewer waits for), every NAVIXY2MQTT_* variable they set is accepted by
`navixy2mqtt --check-config`, and the simulator accepts the command lines
they give it."""
import os
import re
import shlex
import subprocess

import pytest
import yaml

from conftest import BRIDGE, SIM, SOURCE_DIR, Broker, stop_process, wait_until

COMPOSE = os.path.join(SOURCE_DIR, "docker-compose.yml")
DOCKERFILE = os.path.join(SOURCE_DIR, "Dockerfile")


def compose():
    with open(COMPOSE) as f:
        return yaml.safe_load(f)


class Stage:
    def __init__(self, name, base):
        self.name, self.base = name, base
        self.instructions = []  # (keyword, argument text)

    def all(self, keyword):
        return [arg for kw, arg in self.instructions if kw == keyword]


def dockerfile_stages(path=DOCKERFILE):
    """Stages in order, with their instructions (continuations joined)."""
    with open(path) as f:
        text = re.sub(r"\\\n", " ", f.read())
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arg = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            m = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", arg.strip(), re.I)
            assert m, f"FROM without a base: {line}"
            stages.append(Stage(m.group(2), m.group(1)))
        else:
            assert stages, f"{keyword} before FROM"
            stages[-1].instructions.append((keyword, arg.strip()))
    return stages


def apt_packages(stage):
    pkgs = []
    for run in stage.all("RUN"):
        for m in re.finditer(r"apt-get install\s+((?:-\S+\s+)*)([^&|;]+)", run):
            pkgs += [p for p in m.group(2).split() if not p.startswith("-")]
    return pkgs


def interpolate(value):
    """Compose ${VAR:-default} with an empty environment."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", r"\1", str(value))


def test_services_profiles_and_build_targets():
    c = compose()
    services = c["services"]
    assert set(services) == {"mosquitto", "navixy2mqtt", "navixy-sim", "mqtt-viewer"}
    assert "profiles" not in services["mosquitto"] and "profiles" not in services["navixy2mqtt"]
    assert services["navixy-sim"]["profiles"] == ["demo"]
    assert services["mqtt-viewer"]["profiles"] == ["demo"]
    stages = {s.name: s for s in dockerfile_stages()}
    for name, svc in services.items():
        if "build" not in svc:
            continue
        build = svc["build"]
        assert os.path.isdir(os.path.join(SOURCE_DIR, build["context"])), name
        assert os.path.isfile(os.path.join(SOURCE_DIR, build["context"], build["dockerfile"]))
        assert build["target"] in stages, f"{name}: no stage {build['target']}"
    assert services["navixy2mqtt"]["build"]["target"] == "runtime"
    assert services["navixy-sim"]["build"]["target"] == "sim"
    for name, svc in services.items():
        for dep in svc.get("depends_on", []):
            assert dep in services, f"{name} depends on unknown {dep}"
        mode = svc.get("network_mode", "")
        if mode.startswith("service:"):
            assert mode.split(":", 1)[1] in services


def test_dockerfile_stages_are_consistent():
    stages = dockerfile_stages()
    names = [s.name for s in stages]
    assert names == ["build", "runtime-base", "sim", "runtime"], names
    for i, s in enumerate(stages):
        assert s.base == "debian:12-slim" or s.base in names[:i], f"{s.name} FROM {s.base}"
        for copy in s.all("COPY"):
            m = re.match(r"--from=(\S+)\s", copy)
            if m:
                assert m.group(1) in names[:i], f"{s.name}: COPY --from={m.group(1)}"
                continue
            *sources, _dest = shlex.split(copy)
            for src in sources:
                assert os.path.exists(os.path.join(SOURCE_DIR, src)), f"COPY {src}: not in the repo"
    # Every directory the top-level build adds (other than the tests) is copied.
    copied = {shlex.split(c)[0].rstrip("/") for c in stages[0].all("COPY")}
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
        cmake = f.read()
    for sub in re.findall(r"add_subdirectory\((\S+?)\)", cmake):
        if sub != "tests":
            assert sub in copied or sub.split("/")[0] in copied, f"{sub} is built but not copied"
    # .dockerignore must not hide what is copied.
    with open(os.path.join(SOURCE_DIR, ".dockerignore")) as f:
        ignored = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    assert not copied & ignored
    # Non-root runtime and simulator; the entry points are what the build installs.
    for s in stages[2:]:
        users = s.all("USER")
        assert users and users[-1] not in ("root", "0"), s.name
    runtime = stages[3]
    assert runtime.all("ENTRYPOINT") == ['["/usr/local/bin/navixy2mqtt"]']
    assert any("--prefix /usr/local" in r for r in stages[0].all("RUN"))
    # Only runtime libraries after the build stage.
    for s in stages[1:]:
        assert not [p for p in apt_packages(s) if p.endswith("-dev") or p in ("cmake", "build-essential")]


def test_runtime_paths_exist_after_the_build_stages_install(tmp_path):
    """The build stage's `DESTDIR=/staging cmake --install build --prefix
    /usr/local`, run on this build: every /usr/local path the runtime stage
    uses exists in the stage."""
    build_dir = os.path.dirname(os.path.dirname(BRIDGE))
    out = subprocess.run(["cmake", "--install", build_dir, "--prefix", "/usr/local"],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, DESTDIR=str(tmp_path)))
    assert out.returncode == 0, out.stdout + out.stderr
    runtime = dockerfile_stages()[3]
    text = " ".join(runtime.all("RUN") + runtime.all("ENTRYPOINT") + runtime.all("ENV"))
    paths = set(re.findall(r"/usr/local/[\w./-]+", text))
    assert "/usr/local/bin/navixy2mqtt" in paths
    for path in paths:
        assert (tmp_path / path.lstrip("/")).exists(), f"{path}: not installed"
    plugin_dir = tmp_path / "usr/local/lib/navixy2mqtt/plugins"
    if os.path.isdir(os.path.join(SOURCE_DIR, "plugins")):
        assert plugin_dir.is_dir(), "plugins are not where the bridge looks by default"


def test_build_packages_are_the_projects_dependencies():
    """The build stage installs a subset of scripts/install-deps."""
    with open(os.path.join(SOURCE_DIR, "scripts/install-deps")) as f:
        text = f.read()
    deps = set(re.search(r"packages=\((.*?)\)", text, re.S).group(1).split())
    build = set(apt_packages(dockerfile_stages()[0]))
    assert build and build <= deps, build - deps


def needed_packages(binary):
    """Debian packages that ship the shared libraries binary links directly."""
    out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True)
    sonames = re.findall(r"\(NEEDED\).*\[(.+?)\]", out.stdout)
    packages = set()
    for soname in sonames:
        ldconfig = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout
        m = re.search(rf"^\s*{re.escape(soname)} \(libc6,x86-64\) => (\S+)", ldconfig, re.M)
        assert m, f"{soname}: not known to ldconfig"
        path = os.path.realpath(m.group(1))
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if owner.returncode != 0:
            owner = subprocess.run(["dpkg", "-S", m.group(1)], capture_output=True, text=True)
        assert owner.returncode == 0, f"{soname}: no package owns {path}"
        packages.add(owner.stdout.split(":")[0])
    return packages


def test_runtime_stage_has_every_library_the_binaries_load():
    if not os.path.exists("/usr/bin/dpkg"):
        pytest.skip("dpkg is missing: the library check needs a Debian system")
    runtime = set(apt_packages(dockerfile_stages()[1])) | {"libc6"}
    binaries = [BRIDGE, SIM]
    plugins = os.path.join(os.path.dirname(os.path.dirname(BRIDGE)), "plugins")
    for root, _, files in os.walk(plugins):
        binaries += [os.path.join(root, f) for f in files if f.endswith(".so")]
    if any(p in needed_packages(BRIDGE) for p in ("libasan8", "libubsan1")):
        pytest.skip("a sanitizer build links libasan/libubsan; the image is built without them")
    for binary in binaries:
        missing = needed_packages(binary) - runtime
        assert not missing, f"{os.path.basename(binary)} needs {missing} in runtime-base"


def bridge_env(c):
    env = {}
    for key, value in (c["services"]["navixy2mqtt"].get("environment") or {}).items():
        env[key] = interpolate(value)
    return env


def test_ports_agree():
    c = compose()
    svc = c["services"]
    env = bridge_env(c)
    for name, s in svc.items():
        for port in s.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    # MQTT: the mosquitto listener, the published port, the bridge's URL, the viewer.
    with open(os.path.join(SOURCE_DIR, "config/docker/mosquitto.conf")) as f:
        listener = re.search(r"^listener (\d+)", f.read(), re.M).group(1)
    assert svc["mosquitto"]["ports"] == [f"127.0.0.1:{listener}:{listener}"]
    assert env["NAVIXY2MQTT_MQTT_URL"] == f"mqtt://mosquitto:{listener}"
    viewer = svc["mqtt-viewer"]["command"]
    assert viewer[viewer.index("-h") + 1] == "mosquitto" and viewer[viewer.index("-p") + 1] == listener
    # Health: the listen port, the published port, the healthcheck.
    http_port = env["NAVIXY2MQTT_HEALTH_HTTP_LISTEN"].rsplit(":", 1)[1]
    assert svc["navixy2mqtt"]["ports"] == [f"127.0.0.1:{http_port}:{http_port}"]
    assert f"/dev/tcp/127.0.0.1/{http_port}" in " ".join(svc["navixy2mqtt"]["healthcheck"]["test"])
    assert "GET /healthz" in " ".join(svc["navixy2mqtt"]["healthcheck"]["test"])
    # The simulator: the port it listens on is where the bridge looks by default.
    sim_cmd = svc["navixy-sim"]["command"]
    assert env["NAVIXY2MQTT_NAVIXY_API_URL"] == f"http://127.0.0.1:{sim_cmd[sim_cmd.index('--port') + 1]}"
    assert svc["navixy-sim"]["network_mode"] == "service:navixy2mqtt"


def test_mounted_paths_and_secrets_exist():
    c = compose()
    for name, svc in c["services"].items():
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("."):
                assert os.path.exists(os.path.join(SOURCE_DIR, src)), f"{name}: {src}"
            else:
                assert src in (c.get("volumes") or {}), f"{name}: volume {src} not declared"
        for secret in svc.get("secrets", []):
            assert secret in c["secrets"]
    for name, secret in c["secrets"].items():
        assert os.path.isfile(os.path.join(SOURCE_DIR, interpolate(secret["file"]))), name


def check_config(env):
    return subprocess.run([BRIDGE, "--check-config"], env=env, capture_output=True, text=True,
                          timeout=10)


def container_env():
    """The bridge container's environment, mapped to paths on this machine:
    the Dockerfile's ENV, then compose's environment, with the mounted
    config and the secrets where the container would see them."""
    c = compose()
    runtime = dockerfile_stages()[3]
    env = {"PATH": "/usr/bin:/bin"}
    for line in runtime.all("ENV"):
        for assignment in shlex.split(line):
            key, value = assignment.split("=", 1)
            env[key] = value
    env.update(bridge_env(c))
    mounts = {}
    for vol in c["services"]["navixy2mqtt"]["volumes"]:
        src, dst = vol.split(":")[:2]
        if src.startswith("."):
            mounts[dst] = os.path.join(SOURCE_DIR, src)
    for name in c["services"]["navixy2mqtt"].get("secrets", []):
        mounts[f"/run/secrets/{name}"] = os.path.join(SOURCE_DIR, interpolate(c["secrets"][name]["file"]))
    for key, value in env.items():
        if value in mounts:
            env[key] = mounts[value]
    return env


def test_environment_variables_are_valid_settings():
    env = container_env()
    assert env["NAVIXY2MQTT_CONFIG"].endswith("config/navixy2mqtt.conf")
    out = check_config(env)
    assert out.returncode == 0, out.stderr
    assert 'http_listen = "0.0.0.0:9180";' in out.stdout
    assert 'url = "mqtt://mosquitto:1883";' in out.stdout
    assert 'password = "<redacted>";' in out.stdout
    assert 'state_file = "/var/lib/navixy2mqtt/subscriptions.json";' in out.stdout
    # The check can fail: a misspelt variable is refused.
    env["NAVIXY2MQTT_HEALTH_INTERVALS"] = "10"
    out = check_config(env)
    assert out.returncode == 1 and "NAVIXY2MQTT_HEALTH_INTERVALS" in out.stderr


def sim_accepts(args, tmp_path):
    port_file = tmp_path / "sim.port"
    if port_file.exists():
        port_file.unlink()
    args = list(args)
    if "--port" in args:  # the test picks a free port instead
        i = args.index("--port")
        del args[i:i + 2]
    proc = subprocess.Popen(["timeout", "30", SIM, *args, "--port", "0", "--port-file", str(port_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: proc.poll() is not None or (port_file.exists() and port_file.read_text().strip()),
                   10, what="the simulator to start or exit")
        assert proc.poll() is None, proc.communicate()[1]
    finally:
        stop_process(proc, direct=True)


def test_simulator_command_lines_are_accepted(tmp_path):
    c = compose()
    sim_stage = dockerfile_stages()[2]
    sim_accepts(c["services"]["navixy-sim"]["command"], tmp_path)
    cmd = yaml.safe_load(sim_stage.all("CMD")[0])  # JSON form is YAML too
    sim_accepts(cmd, tmp_path)
    # The check can fail: an unknown option stops the simulator.
    with pytest.raises(AssertionError):
        sim_accepts(["--no-such-option"], tmp_path)


def run_healthcheck(test, port):
    """The broker's healthcheck command (CMD form) against 127.0.0.1:port."""
    assert test[0] == "CMD", test
    cmd = list(test[1:])
    assert cmd[cmd.index("-h") + 1] == "127.0.0.1"
    cmd[cmd.index("-p") + 1] = str(port)
    return subprocess.run(["timeout", "10"] + cmd, capture_output=True).returncode


def test_viewer_waits_for_a_healthy_broker(tmp_path):
    """mosquitto_sub exits when the broker is not up yet: the viewer starts
    once the broker's healthcheck passes, and that check works (it passes
    against a running Mosquitto and fails without one)."""
    c = compose()
    svc = c["services"]
    assert svc["mqtt-viewer"]["depends_on"] == {"mosquitto": {"condition": "service_healthy"}}
    check = svc["mosquitto"]["healthcheck"]
    with open(os.path.join(SOURCE_DIR, "config/docker/mosquitto.conf")) as f:
        listener = re.search(r"^listener (\d+)", f.read(), re.M).group(1)
    assert check["test"][check["test"].index("-p") + 1] == listener
    assert check["test"][1] == "mosquitto_sub"
    broker = Broker(str(tmp_path))
    broker.start()
    try:
        assert run_healthcheck(check["test"], broker.port) == 0
    finally:
        broker.stop()
    assert run_healthcheck(check["test"], broker.port) != 0
