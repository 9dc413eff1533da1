# SPDX-License-Identifier: MIT
"""In-broker mode: navixy2mqtt_mosquitto.so loaded by a real Mosquitto 2.0
(plugin + plugin_opt_config) against the simulator (docs/in-broker.md).

The standalone suite's own tests run here a second time, in both modes
(make_any): the tracker topics and retain flags, live updates, bridge/health,
/metrics on the health port, the control plane with MQTT 5 response topic
and correlation data, the
Home Assistant and OwnTracks plugins (HA's birth message included), SIGHUP
reload, an upstream drop and the upstream fault checks (malformed, oversized,
binary and unknown messages, a drop, a stall and a logout, block/unblock/
remove, an unknown tracker). What only the plugin does is tested below:
bridge/state `offline` when the broker stops, a bad config refusing the
plugin (and so the broker) with the daemon's message, --check-config's
note, no thread of the plugin taking a signal."""
import json
import os
import signal
import subprocess
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
import pytest

import test_control_commands
import test_faults
import test_health
import test_plugins_homeassistant
import test_plugins_owntracks
import test_reconnect
import test_reload
import test_topics
from conftest import BRIDGE, Subscriber, wait_connected, wait_until
from control_client import Control
from inbroker_stack import make_any, make_inbroker  # noqa: F401 (fixtures)


# ---------- the standalone tests, in both modes ----------

@pytest.mark.parametrize("docs_strict", [False], ids=["observed"])
def test_every_topic_and_retain_flag(make_any, docs_strict):
    test_topics.test_every_topic_and_retain_flag(make_any, docs_strict)


def test_live_updates_follow_the_simulator(make_any):
    test_topics.test_live_updates_follow_the_simulator(make_any)


def test_health_topic(make_any):
    test_health.test_health_topic_fields_and_counters_move(make_any)


def test_metrics_page(make_any):
    test_health.test_metrics_page_is_valid_prometheus_text(make_any)


def test_control_plane_mqtt5_response_topic_and_correlation(make_any):
    made = []

    def control_stack(**overrides):
        stack = make_any(**overrides)
        sub = stack.subscribe()
        ids = wait_connected(stack, sub)
        made.append(Control(stack.broker.port))
        return stack, sub, made[-1], ids
    try:
        test_control_commands.test_mqtt5_response_topic_and_correlation_data(control_stack)
    finally:
        for ctl in made:
            ctl.close()


def test_homeassistant_discovery(make_any):
    test_plugins_homeassistant.test_discovery_configs_for_every_tracker(make_any)


def test_homeassistant_birth_message(make_any):
    test_plugins_homeassistant.test_home_assistant_birth_resends_discovery(make_any)


def test_owntracks_plugin(make_any):
    test_plugins_owntracks.test_location_messages_match_the_simulator(make_any)


def test_sighup_reload(make_any):
    test_reload.test_sighup_subscription_change_is_announced_and_clears_like_control(make_any)


def test_upstream_drop_and_resubscribe(make_any):
    test_reconnect.test_resubscribe_after_drop(make_any)


@pytest.fixture
def any_stack_up(make_any):
    """test_faults' stack_up, in either mode."""
    def make(**kw):
        stack = make_any(**kw)
        sub = stack.subscribe()
        ids = wait_connected(stack, sub)
        return stack, sub, ids
    return make


@pytest.mark.parametrize("fault", [
    "test_malformed_json_is_counted_and_skipped",
    "test_oversized_frame_is_counted_and_skipped",
    "test_binary_frame_is_counted_and_skipped",
    "test_unknown_event_type_is_counted_and_skipped",
    "test_unknown_source_refreshes_the_tracker_list",
    "test_drop_stall_and_logout_lose_nothing",
    "test_block_unblock_remove",
])
def test_upstream_faults(any_stack_up, fault):
    getattr(test_faults, fault)(any_stack_up)


# ---------- what only the plugin does ----------

def test_offline_when_the_broker_stops(make_inbroker):
    stack = make_inbroker()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    assert stack.bridge.stop() == 0
    # Delivered to the subscriber before the broker closed its connection.
    sub.wait_for("navixy/bridge/state", lambda p: p == b"offline", timeout=5)
    log = stack.bridge.log()
    assert "event=upstream.request action=unsubscribe" in log
    assert "event=mqtt.stopped offline_published=yes" in log
    assert "event=bridge.stopped" in log


def test_offline_is_retained_across_a_restart_without_the_plugin(make_inbroker, tmp_path):
    stack = make_inbroker(persistence=True)
    sub = stack.subscribe()
    wait_connected(stack, sub)
    sub.close()
    stack.subscribers.remove(sub)
    assert stack.bridge.stop() == 0
    # The same broker config and database, the plugin no longer loaded.
    conf = os.path.join(stack.broker.workdir, "mosquitto.conf")
    with open(conf) as f:
        text = "".join(line for line in f if not line.startswith("plugin"))
    with open(conf, "w") as f:
        f.write(text)
    proc = subprocess.Popen(["timeout", "60", "mosquitto", "-c", conf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        late = wait_until(lambda: _try_subscribe(stack.broker.port), 10, what="the plain broker")
        got, retained = late.wait_for("navixy/bridge/state", timeout=5)
        assert (got, retained) == (b"offline", True)
        late.close()
    finally:
        proc.terminate()
        proc.wait(10)


def _try_subscribe(port):
    try:
        return Subscriber(port, "navixy/bridge/state")
    except OSError:
        return None


def test_bad_config_refuses_the_plugin_and_the_broker(make_inbroker):
    stack = make_inbroker(start_bridge=False, mqtt={"base_topic": "bad/#"})
    stack.bridge.write_config()
    stack.broker.start(wait=False)
    status = stack.broker.proc.wait(20)
    assert status != 0
    log = stack.bridge.log()
    # The daemon's message: file:line: key: reason.
    assert f"navixy2mqtt: invalid configuration: {stack.bridge.conf_path}:" in log
    assert "mqtt.base_topic" in log
    out = subprocess.run([BRIDGE, "--check-config", "--config", stack.bridge.conf_path],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 1 and "mqtt.base_topic" in out.stderr


def test_check_config_says_in_broker_mode_ignores_the_connection(tmp_path):
    conf = tmp_path / "n.conf"
    conf.write_text('navixy = { api_url = "http://127.0.0.1:1"; api_key = "0123456789abcdef0123456789abcdef"; };\n'
                    'mqtt = { url = "mqtt://example.invalid:1883"; };\n')
    out = subprocess.run([BRIDGE, "--check-config", "--config", str(conf)],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    note = [line for line in out.stdout.splitlines() if "in-broker mode" in line]
    assert note and note[0].startswith("#") and "url" in note[0] and "docs/in-broker.md" in note[0]


def test_plugin_threads_block_every_signal(make_inbroker):
    stack = make_inbroker()
    sub = stack.subscribe()
    wait_connected(stack, sub)
    pid = int(open(f"/proc/{stack.broker.proc.pid}/task/{stack.broker.proc.pid}/children")
              .read().split()[0])
    tasks = os.listdir(f"/proc/{pid}/task")
    assert len(tasks) >= 2, "the REST worker thread should be running"
    for tid in tasks:
        if int(tid) == pid:
            continue  # the broker's own thread
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            blocked = [line.split()[1] for line in f if line.startswith("SigBlk:")][0]
        # Every signal the broker handles (HUP, INT, USR1, USR2, TERM) is blocked.
        mask = int(blocked, 16)
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM):
            assert mask & (1 << (sig - 1)), f"thread {tid} takes signal {sig}"
    # And SIGHUP still reloads (the broker's thread took it).
    before = stack.bridge.log().count("event=config.reloaded")
    stack.bridge.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: stack.bridge.log().count("event=config.reloaded") > before, 10,
               what="the reload")


def test_example_config_and_acl(make_inbroker):
    """config/mosquitto-inbroker.conf and .acl as shipped: the plugin runs,
    a control request from a client the ACL does not let publish there never
    reaches it, one from navixy-admin is answered on its own response topic,
    and Home Assistant's birth message gets through."""
    stack = make_inbroker(start_bridge=False)
    stack.broker.example = True
    with open(stack.bridge.conf_path, "a"):
        pass
    original = stack.bridge.write_config

    def write_config():
        original()
        with open(stack.bridge.conf_path, "a") as f:
            f.write('plugins = ( { name = "homeassistant"; } );\n')
    stack.bridge.write_config = write_config
    stack.bridge.start()
    sub = stack.subscribe()
    ids = wait_connected(stack, sub)
    anon = Control(stack.broker.port)
    admin = mqtt.Client(client_id="admin", protocol=mqtt.MQTTv5)
    admin.username_pw_set("navixy-admin")
    replies = []
    admin.on_message = lambda c, u, m: replies.append((m.topic, bytes(m.payload)))
    admin.connect("127.0.0.1", stack.broker.port)
    admin.loop_start()
    try:
        admin.subscribe("reply/navixy-admin/#", qos=1)
        anon.publish("list", {"transaction": "denied"})
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = "reply/navixy-admin/1"
        props.CorrelationData = b"c1"
        wait_until(lambda: admin.is_connected(), 5, what="navixy-admin connected")
        time.sleep(0.3)  # the SUBACK
        admin.publish("navixy/bridge/request/list", json.dumps({"transaction": "allowed"}),
                      qos=1, properties=props).wait_for_publish(5)
        wait_until(lambda: replies, 10, what="the answer on reply/navixy-admin/1")
        assert json.loads(replies[0][1])["transaction"] == "allowed"
        anon.wait_response("list", lambda r: r.get("transaction") == "allowed")
        time.sleep(0.5)
        assert not anon.responses("list", lambda r: r.get("transaction") == "denied")
        sent = stack.bridge.log().count("discovery sent")
        ha = mqtt.Client(client_id="ha")
        ha.username_pw_set("homeassistant")
        configs = []
        ha.on_message = lambda c, u, m: configs.append(m.topic)
        ha.connect("127.0.0.1", stack.broker.port)
        ha.loop_start()
        ha.subscribe("homeassistant/#", qos=1)
        ha.publish("homeassistant/status", "online", qos=1).wait_for_publish(5)
        wait_until(lambda: stack.bridge.log().count("discovery sent") > sent, 10,
                   what="the birth message to reach the plugin")
        wait_until(lambda: f"homeassistant/device_tracker/navixy_{ids[0]}/location/config"
                   in configs, 10, what="Home Assistant reading its discovery topics")
        ha.loop_stop()
        ha.disconnect()
    finally:
        admin.loop_stop()
        admin.disconnect()
        anon.close()
