# SPDX-License-Identifier: MIT
"""ha_model.py - Home Assistant as a consumer of the homeassistant plugin's
MQTT discovery, for the platforms the plugin uses (sensor, binary_sensor,
device_tracker), so a test can run a fleet through it and ask "would Home
Assistant reject a config, or log a warning or an error?".

The rules are Home Assistant's, as its current code states them:
- homeassistant/components/sensor/const.py: DEVICE_CLASS_UNITS,
  DEVICE_CLASS_STATE_CLASSES, STATE_CLASS_UNITS (measurement_angle needs
  unit °), NON_NUMERIC_DEVICE_CLASSES; homeassistant/const.py: the units;
- homeassistant/components/mqtt: schemas.py (device, origin, availability,
  common entity keys), sensor.py (DISCOVERY_SCHEMA and
  validate_sensor_state_and_device_class_config: options only for enum and
  without state_class/unit, unit valid for the device class and the state
  class), binary_sensor.py, device_tracker.py (state_topic or
  json_attributes_topic; the attributes' latitude/longitude/gps_accuracy
  must be numbers, or HA warns), entity.py (json attributes must be a JSON
  object; an entity name must not repeat the device name), discovery.py
  (the config topic pattern);
- homeassistant/helpers/template.py: templates run in a sandbox, with
  `value_json` only when the payload is JSON; an undefined value that is
  printed, iterated or tested for truth is logged as a warning, and one
  used any other way fails the render (logged as an error);
- the sensor entity: a sensor with a state class, a unit or a numeric
  device class must get a number (or `None`: unknown), an enum sensor one
  of its options; a binary_sensor payload_on, payload_off or `None`.

The model is a real MQTT subscriber on `#` (QoS 0, so the broker keeps the
order of one publisher's messages) that handles every message in arrival
order as Home Assistant does: a discovery config creates, updates or (when
empty) removes an entity; an entity created later gets the retained
payloads of its topics, as HA's subscription would; every state message is
rendered through the entities that read that topic. Whatever Home
Assistant would reject or log at warning level or above is recorded in
`problems`, and so is a template that runs on an empty payload (a state
topic cleared while its discovery config still stood).
"""
import json
import math
import re
import threading
import time

import jinja2
import paho.mqtt.client as mqtt
from jinja2.sandbox import ImmutableSandboxedEnvironment

DEGREE = "°"
UNITS = {
    "battery": {"%"},
    "current": {"mA", "A"},
    "distance": {"mm", "cm", "m", "km", "in", "ft", "yd", "mi", "nmi"},
    "duration": {"d", "h", "min", "s", "ms", "μs"},
    "illuminance": {"lx"},
    "power": {"mW", "W", "kW", "MW", "GW", "TW"},
    "pressure": {"mPa", "Pa", "hPa", "kPa", "bar", "cbar", "mbar", "mmHg", "inHg", "inH₂O",
                 "psi"},
    "speed": {"Beaufort", "ft/s", "in/s", "m/min", "m/s", "km/h", "kn", "mph", "mm/s",
              "in/d", "in/h", "mm/d", "mm/h"},
    "temperature": {"°C", "°F", "K"},
    "voltage": {"μV", "mV", "V", "kV", "MV"},
    "volume_storage": {"ft³", "CCF", "MCF", "m³", "L", "mL", "gal", "fl. oz."},
    "weight": {"g", "kg", "mg", "μg", "oz", "lb", "st"},
    "wind_direction": {DEGREE},
}
ALL_STATE_CLASSES = {"measurement", "measurement_angle", "total", "total_increasing"}
STATE_CLASSES = {
    "battery": {"measurement"},
    "current": {"measurement"},
    "distance": ALL_STATE_CLASSES - {"measurement_angle"},
    "duration": ALL_STATE_CLASSES - {"measurement_angle"},
    "enum": set(),
    "illuminance": {"measurement"},
    "power": {"measurement"},
    "pressure": {"measurement"},
    "speed": {"measurement"},
    "temperature": {"measurement"},
    "voltage": {"measurement"},
    "volume_storage": {"measurement"},
    "weight": {"measurement", "total", "total_increasing"},
    "wind_direction": {"measurement_angle"},
}
STATE_CLASS_UNITS = {"measurement_angle": {DEGREE}}
NON_NUMERIC = {"date", "enum", "timestamp"}
BINARY_DEVICE_CLASSES = {
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
    "garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving", "occupancy",
    "opening", "plug", "power", "presence", "problem", "running", "safety", "smoke", "sound",
    "tamper", "update", "vibration", "window"}
SOURCE_TYPES = {"gps", "router", "bluetooth", "bluetooth_le"}

COMMON_KEYS = {
    "availability", "availability_mode", "availability_topic", "availability_template",
    "payload_available", "payload_not_available", "device", "origin", "enabled_by_default",
    "entity_category", "icon", "json_attributes_topic", "json_attributes_template",
    "object_id", "default_entity_id", "unique_id", "name", "qos", "encoding", "entity_picture"}
PLATFORM_KEYS = {
    "sensor": {"state_topic", "value_template", "device_class", "expire_after", "force_update",
               "last_reset_value_template", "options", "suggested_display_precision",
               "state_class", "unit_of_measurement"},
    "binary_sensor": {"state_topic", "value_template", "device_class", "expire_after",
                      "force_update", "off_delay", "payload_on", "payload_off"},
    "device_tracker": {"state_topic", "value_template", "payload_home", "payload_not_home",
                       "payload_reset", "source_type"},
}
DEVICE_KEYS = {"identifiers", "connections", "manufacturer", "model", "model_id", "name",
               "hw_version", "serial_number", "sw_version", "via_device", "suggested_area",
               "configuration_url"}
ORIGIN_KEYS = {"name", "sw_version", "support_url"}
CONFIG_TOPIC = re.compile(r"^homeassistant/(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?"
                          r"(?P<object_id>[a-zA-Z0-9_-]+)/config$")
ICON = re.compile(r"^[a-z0-9-]+:[a-z0-9-]+$")
MAX_STATE = 255


def _config_problems(component, cfg):
    """What HA's discovery schema (or the entity, once set up) says about cfg."""
    bad = []
    unknown = set(cfg) - COMMON_KEYS - PLATFORM_KEYS.get(component, set())
    if component not in PLATFORM_KEYS:
        return [f"platform {component} is not modelled"]
    if unknown:
        bad.append(f"keys HA does not know (it drops them): {sorted(unknown)}")
    name = cfg.get("name")
    if name is not None and not isinstance(name, str):
        bad.append("name must be a string or null")
    if not isinstance(cfg.get("unique_id"), str) or not cfg["unique_id"]:
        bad.append("unique_id missing")
    bad += _availability_problems(cfg)
    bad += _device_problems(cfg.get("device"), name)
    origin = cfg.get("origin")
    if origin is not None and (not isinstance(origin, dict) or not isinstance(origin.get("name"), str)
                               or set(origin) - ORIGIN_KEYS):
        bad.append(f"origin invalid: {origin}")
    category = cfg.get("entity_category")
    if category is not None and category != "diagnostic":
        bad.append(f"entity_category {category}: read-only platforms take diagnostic only")
    if "icon" in cfg and not ICON.match(cfg["icon"]):
        bad.append(f"icon {cfg['icon']} is not prefix:name")
    for key in ("value_template", "json_attributes_template"):
        if key in cfg:
            try:
                ENV.from_string(cfg[key])
            except jinja2.TemplateError as e:
                bad.append(f"{key} does not compile: {e}")
    checks = {"sensor": _sensor_problems, "binary_sensor": _binary_problems,
              "device_tracker": _tracker_problems}
    return bad + checks[component](cfg)


def _availability_problems(cfg):
    bad = []
    if "availability" in cfg and "availability_topic" in cfg:
        bad.append("availability and availability_topic are exclusive")
    for a in cfg.get("availability", []):
        if not isinstance(a, dict) or not isinstance(a.get("topic"), str) or not a["topic"]:
            bad.append(f"availability entry without a topic: {a}")
    if cfg.get("availability_mode", "latest") not in ("all", "any", "latest"):
        bad.append(f"availability_mode {cfg['availability_mode']}")
    return bad


def _device_problems(device, entity_name):
    if device is None:
        return []
    bad = []
    if not isinstance(device, dict) or set(device) - DEVICE_KEYS:
        return [f"device block invalid: {device}"]
    ids = device.get("identifiers") or []
    if not ids and not device.get("connections"):
        bad.append("device needs identifiers or connections")
    if not all(isinstance(i, str) for i in ids):
        bad.append("identifiers must be strings")
    for key in DEVICE_KEYS - {"identifiers", "connections"}:
        if key in device and not isinstance(device[key], str):
            bad.append(f"device.{key} must be a string")
    dev_name = device.get("name")
    if isinstance(entity_name, str) and isinstance(dev_name, str) and dev_name and \
            entity_name.lower().startswith(dev_name.lower()):
        bad.append(f"entity name {entity_name!r} repeats the device name {dev_name!r}")
    return bad


def _sensor_problems(cfg):
    bad = []
    dc, sc, unit = cfg.get("device_class"), cfg.get("state_class"), cfg.get("unit_of_measurement")
    if sc is not None and sc not in ALL_STATE_CLASSES:
        bad.append(f"state_class {sc} unknown")
    if dc is not None and dc not in STATE_CLASSES:
        bad.append(f"device_class {dc}: not in the modelled tables (add HA's rules for it)")
        return bad
    options = cfg.get("options")
    if options is not None:
        if not options:
            bad.append("empty options")
        if sc or unit:
            bad.append("options together with state_class or unit")
        if dc != "enum":
            bad.append("options need device_class enum")
    if sc in STATE_CLASS_UNITS and unit not in STATE_CLASS_UNITS[sc]:
        bad.append(f"unit {unit!r} not valid with state class {sc}")
    if dc is not None and unit is not None and dc in UNITS and unit not in UNITS[dc]:
        bad.append(f"unit {unit!r} not valid with device class {dc}")
    if dc is not None and sc is not None and sc not in STATE_CLASSES[dc]:
        bad.append(f"state class {sc} impossible with device class {dc}")
    if dc == "enum" and not options:
        bad.append("enum sensor without options")
    return bad


def _binary_problems(cfg):
    dc = cfg.get("device_class")
    return [f"binary_sensor device_class {dc} unknown"] if dc and dc not in BINARY_DEVICE_CLASSES else []


def _tracker_problems(cfg):
    bad = []
    if "state_topic" not in cfg and "json_attributes_topic" not in cfg:
        bad.append("device_tracker needs state_topic or json_attributes_topic")
    if cfg.get("source_type", "gps") not in SOURCE_TYPES:
        bad.append(f"source_type {cfg.get('source_type')}")
    return bad


# ---- templates -------------------------------------------------------------

class _Log:
    """Where the undefined values of the render under way are noted."""
    sink = None


class _HaUndefined(jinja2.Undefined):
    """An undefined value as Home Assistant's templates treat it."""

    def _warn(self):
        if _Log.sink is not None:
            _Log.sink.append(f"warning: template variable: {self._undefined_message}")

    def __str__(self):
        self._warn()
        return super().__str__()

    def __iter__(self):
        self._warn()
        return super().__iter__()

    def __bool__(self):
        self._warn()
        return super().__bool__()


_SENTINEL = object()


def _forgiving(convert):
    """HA's float/int filters: the default on failure, an error without one."""
    def apply(value, default=_SENTINEL):
        try:
            return convert(value)
        except (ValueError, TypeError):
            if default is _SENTINEL:
                raise ValueError(f"template: {convert.__name__} got invalid input {value!r}")
            return default
    return apply


def _round(value, precision=0, method="common", default=_SENTINEL):
    try:
        return round(float(value), precision)
    except (ValueError, TypeError):
        if default is _SENTINEL:
            raise ValueError(f"template: round got invalid input {value!r}")
        return default


def _is_defined(value):
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return value


ENV = ImmutableSandboxedEnvironment(undefined=_HaUndefined)
ENV.filters.update(float=_forgiving(float), int=_forgiving(int), round=_round,
                   is_defined=_is_defined, to_json=json.dumps)


def render(template, payload):
    """(text, notes): the template on payload as HA's MQTT entities render
    it; notes lists what HA would log (warnings, or the error on failure)."""
    notes = []
    variables = {"value": payload}
    try:
        variables["value_json"] = json.loads(payload)
    except ValueError:
        pass
    _Log.sink = notes
    try:
        text = ENV.from_string(template).render(**variables)
    except Exception as e:  # HA logs the error and keeps the previous state
        notes.append(f"error: rendering failed: {type(e).__name__}: {e}")
        text = None
    finally:
        _Log.sink = None
    return text, notes


# ---- entities ---------------------------------------------------------------

class Entity:
    def __init__(self, component, topic, cfg):
        self.component, self.config_topic, self.cfg = component, topic, cfg
        self.state = None        # the last state HA would show (None: unknown)
        self.attributes = None   # device_tracker: the extra attributes
        self.location = None     # device_tracker: (latitude, longitude, accuracy)
        self.renders = 0

    def topics(self):
        return {t for t in (self.cfg.get("state_topic"), self.cfg.get("json_attributes_topic")) if t}

    @property
    def numeric(self):
        cfg = self.cfg
        if cfg.get("device_class") in NON_NUMERIC:
            return False
        return any(cfg.get(k) is not None for k in ("state_class", "unit_of_measurement",
                                                     "suggested_display_precision")) \
            or cfg.get("device_class") is not None

    def receive(self, topic, payload, note):
        if payload == "":
            note("a template ran on an empty payload: the topic was cleared before "
                 "the discovery config")
        if topic == self.cfg.get("state_topic"):
            self._state_message(payload, note)
        if topic == self.cfg.get("json_attributes_topic"):
            self._attributes_message(payload, note)

    def _render(self, key, payload, note):
        if key not in self.cfg:
            return payload
        text, notes = render(self.cfg[key], payload)
        self.renders += 1
        for n in notes:
            note(f"{key}: {n}")
        return text

    def _state_message(self, payload, note):
        text = self._render("value_template", payload, note)
        if text is None or text == "":
            return
        if self.component == "binary_sensor":
            on, off = self.cfg.get("payload_on", "ON"), self.cfg.get("payload_off", "OFF")
            if text not in (on, off, "None"):
                note(f"no matching payload: {text!r}")
            else:
                self.state = None if text == "None" else text == on
            return
        if self.component != "sensor":
            return
        if text == "None":
            self.state = None
        elif self.numeric:
            try:
                value = float(text)
                assert math.isfinite(value)
                self.state = value
            except (ValueError, AssertionError):
                note(f"non-numeric value {text!r} for a numeric sensor")
        elif self.cfg.get("options") is not None and text not in self.cfg["options"]:
            note(f"invalid option {text!r}")
        elif len(text) > MAX_STATE:
            note("state longer than 255 characters")
        else:
            self.state = text

    def _attributes_message(self, payload, note):
        text = self._render("json_attributes_template", payload, note)
        if text is None:
            return
        try:
            attrs = json.loads(text)
        except ValueError:
            note(f"erroneous JSON attributes: {text!r}")
            return
        if not isinstance(attrs, dict):
            note("JSON attributes are not a dictionary")
            return
        self.attributes = attrs
        if self.component == "device_tracker":
            self._location(attrs, note)

    def _location(self, attrs, note):
        number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
        if "latitude" not in attrs and "longitude" not in attrs:
            return
        if not (number(attrs.get("latitude")) and number(attrs.get("longitude"))):
            note(f"invalid or incomplete location info: {attrs}")
            return
        accuracy = attrs.get("gps_accuracy", 0)
        if not number(accuracy):
            note(f"invalid GPS accuracy: {attrs}")
            accuracy = 0
        self.location = (attrs["latitude"], attrs["longitude"], accuracy)


class HomeAssistantModel:
    """Subscribes to everything on the broker and consumes it in order."""

    def __init__(self, port):
        self.lock = threading.Lock()
        self.entities = {}     # config topic -> Entity
        self.retained = {}     # topic -> last non-empty payload (the bridge's topics are retained)
        self.problems = []     # (topic, text)
        self.log = []          # (topic, payload) in arrival order
        self.last_at = time.monotonic()
        self.client = mqtt.Client(client_id=f"ha-model-{time.monotonic_ns()}",
                                  protocol=mqtt.MQTTv5)
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *a, **k: subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.subscribe("#", qos=0)
        self.client.loop_start()
        assert subscribed.wait(5), "subscription not acknowledged"

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()

    def _on_message(self, client, userdata, msg):
        payload = bytes(msg.payload).decode("utf-8", "replace")
        with self.lock:
            self.last_at = time.monotonic()
            self.log.append((msg.topic, payload))
            try:
                self._handle(msg.topic, payload)
            except Exception as e:  # a bug in the model must fail the test, not vanish
                self.problems.append((msg.topic, f"model error: {type(e).__name__}: {e}"))

    def _handle(self, topic, payload):
        match = CONFIG_TOPIC.match(topic)
        if match:
            self._discovery(match.group("component"), topic, payload)
            return
        if topic.startswith("homeassistant/"):
            return
        if payload:
            self.retained[topic] = payload
        else:
            self.retained.pop(topic, None)
        for entity in list(self.entities.values()):
            if topic in entity.topics():
                entity.receive(topic, payload, lambda text: self.problems.append((topic, text)))

    def _discovery(self, component, topic, payload):
        if not payload:
            self.entities.pop(topic, None)
            return
        note = lambda text: self.problems.append((topic, text))
        try:
            cfg = json.loads(payload)
        except ValueError:
            note("discovery payload is not JSON")
            return
        bad = _config_problems(component, cfg)
        for text in bad:
            note(text)
        if bad:
            self.entities.pop(topic, None)
            return
        old = self.entities.get(topic)
        entity = Entity(component, topic, cfg)
        if old:
            entity.state, entity.attributes, entity.location = old.state, old.attributes, old.location
        self.entities[topic] = entity
        if old is None or old.topics() != entity.topics():
            for t in sorted(entity.topics()):
                if t in self.retained:
                    entity.receive(t, self.retained[t], lambda text: note(text))

    # ---- queries (take the lock) ----

    def snapshot(self):
        with self.lock:
            return dict(self.entities), list(self.problems), list(self.log)

    def quiet_for(self, seconds):
        with self.lock:
            return time.monotonic() - self.last_at >= seconds


def fleet_problems(entities):
    """Across the configs HA holds: unique ids unique, and entity names
    distinct within each device (a null name is the device's name)."""
    bad, ids, names = [], {}, {}
    for topic, e in entities.items():
        uid = e.cfg["unique_id"]
        if uid in ids:
            bad.append(f"unique_id {uid} on {ids[uid]} and {topic}")
        ids[uid] = topic
        device = e.cfg.get("device", {})
        key = tuple(device.get("identifiers", []))
        name = (e.cfg.get("name") or device.get("name") or "").lower()
        if (key, name) in names:
            bad.append(f"two entities named {name!r} on device {key}: {names[(key, name)]}, {topic}")
        names[(key, name)] = topic
    return bad
