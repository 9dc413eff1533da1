# SPDX-License-Identifier: MIT
"""What a new user meets before the bridge connects anywhere:
`navixy2mqtt --check-config` with bad configurations (exit status and the
message on stderr, never libconfig's own), and the daemon refusing the same
configurations at start with the same message."""
import os
import subprocess

from conftest import BRIDGE

API = ('navixy = { api_url = "https://api.eu.navixy.com/v2"; '
       'api_key = "0123456789abcdef0123456789abcdef"; };\n')


def run(*args, env=None):
    full_env = {"PATH": "/usr/bin:/bin"}
    full_env.update(env or {})
    return subprocess.run([BRIDGE, *args], capture_output=True, text=True, timeout=20,
                          env=full_env)


def check(tmp_path, text, env=None, name="n2m.conf"):
    path = tmp_path / name
    path.write_text(text)
    return path, run("--check-config", "--config", str(path), env=env)


def assert_invalid(out, *wanted):
    assert out.returncode == 1, (out.returncode, out.stderr)
    assert out.stdout == "", "an invalid config must not be printed"
    for w in wanted:
        assert w in out.stderr, (w, out.stderr)
    assert "flex" not in out.stderr and "scanner" not in out.stderr


def test_valid_config_with_plugin_prints_and_exits_0(tmp_path):
    _, out = check(tmp_path, API + 'plugins = ( { name = "homeassistant"; '
                   'settings = { discovery_prefix = "ha"; }; } );\n')
    assert out.returncode == 0, out.stderr
    assert 'discovery_prefix = "ha";' in out.stdout
    assert out.stderr == ""


def test_misspelt_plugin_option_named_with_file_and_line(tmp_path):
    text = API + ('plugins = (\n  { name = "homeassistant";\n'
                  '    settings = {\n      discovery_prefx = "ha";\n    };\n  }\n);\n')
    path, out = check(tmp_path, text)
    assert_invalid(out, f"{path}:5: plugins.homeassistant.settings.discovery_prefx: unknown setting",
                   "plugin homeassistant")
    # The daemon refuses nothing for an optional plugin, but says the same.
    bad_type = API + 'plugins = ( { name = "owntracks"; settings = { qos = "1"; }; } );\n'
    path, out = check(tmp_path, bad_type)
    assert_invalid(out, f"{path}:2: plugins.owntracks.settings.qos: expected an integer")


def test_unknown_plugin_fails_the_check(tmp_path):
    _, out = check(tmp_path, API + 'plugins = ( { name = "no_such_plugin"; } );\n')
    assert_invalid(out, "plugin no_such_plugin", "required = false")


def test_http_listen_with_a_host_name(tmp_path):
    path, out = check(tmp_path, API + 'health = { http_listen = "metrics.example:9180"; };\n')
    assert_invalid(out, f"{path}:2: health.http_listen: must be", "numeric address")


def test_directory_as_config_file_or_include(tmp_path):
    out = run("--check-config", "--config", str(tmp_path))
    assert_invalid(out, f"{tmp_path}: cannot read: a directory, not a file")
    (tmp_path / "conf.d").mkdir()
    path, out = check(tmp_path, API + '@include "conf.d"\n')
    assert_invalid(out, f"{path}:2: {tmp_path}/conf.d: cannot read: a directory")
    # The daemon refuses it the same way, with exit 1.
    out = run("--config", str(tmp_path))
    assert out.returncode == 1 and "a directory, not a file" in out.stderr


def test_syntax_error_is_ours_not_libconfigs(tmp_path):
    path, out = check(tmp_path, API + 'mqtt = { url = "mqtt://x" \n')
    assert_invalid(out, f"navixy2mqtt: invalid configuration: {path}:")
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_bad_command_line_options_exit_2(tmp_path):
    path = tmp_path / "n2m.conf"
    path.write_text(API)
    out = run("--check-config", "--config", str(path), "--bogus")
    assert out.returncode == 2 and "unknown or incomplete option '--bogus'" in out.stderr
    out = run("--check-config", "--config", str(path), "--log-level", "loud")
    assert out.returncode == 2 and "--log-level: must be error, warn, info or debug" in out.stderr
    out = run("--config")
    assert out.returncode == 2


def test_empty_secret_file_is_named(tmp_path):
    secret = tmp_path / "mqtt_password"
    secret.write_text("\n")
    _, out = check(tmp_path, API, env={"NAVIXY2MQTT_MQTT_PASSWORD_FILE": str(secret)})
    assert_invalid(out, f"NAVIXY2MQTT_MQTT_PASSWORD_FILE: mqtt.password: {secret} is empty")


def test_mqtt_url_credentials(tmp_path):
    # Shown redacted; given twice (URL and setting) is an error.
    _, out = check(tmp_path, API + 'mqtt = { url = "mqtt://bridge:url-Secret-1@broker:1883"; };\n')
    assert out.returncode == 0, out.stderr
    assert 'url = "mqtt://bridge:<redacted>@broker:1883";' in out.stdout
    assert "url-Secret-1" not in out.stdout + out.stderr
    _, out = check(tmp_path, API + 'mqtt = { url = "mqtt://bridge:url-Secret-1@broker"; '
                   'password = "other"; };\n')
    assert_invalid(out, "mqtt.url: has a password in user:password@ and mqtt.password is set too")
    assert "url-Secret-1" not in out.stderr
    _, out = check(tmp_path, API, env={"NAVIXY2MQTT_MQTT_URL": "mqtt://bob@broker",
                                       "NAVIXY2MQTT_MQTT_USERNAME": "alice"})
    assert_invalid(out, "mqtt.url: has a user name in user:password@ and mqtt.username is set too")
