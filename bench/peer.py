#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""peer.py - the same job as navixy2mqtt, done the way users do it today.

A plain Python script with Debian's python3-paho-mqtt and python3-websocket,
the benchmark's "peer": log in over REST, load tracker/list, connect to the
Atmosphere WebSocket, subscribe to state_batch and readings_batch for all
trackers, and publish per tracker, retained:
  <base>/tracker/<id>/state         the state as sent, plus tracker_id, label
  <base>/tracker/<id>/location      latitude, longitude, ... (numbers)
  <base>/tracker/<id>/availability  online/offline, when it changes
  <base>/tracker/<id>/readings      the merged readings, plus tracker_id, timestamp

Written plainly and fairly: the standard json module, one paho client with
its network thread (loop_start), websocket-client's WebSocketApp callback.
No tricks in either direction.

  /usr/bin/python3 bench/peer.py --api http://127.0.0.1:PORT --mqtt-port P
"""
import argparse
import datetime
import json
import urllib.request

import paho.mqtt.client as mqtt
import websocket

ONLINE = {"active", "idle", "just_registered", "just_replaced"}
STALE_AFTER_S = 900
READING_KEYS = {"inputs": "sensor_id", "virtual_sensors": "sensor_id",
                "states": "field", "counters": "type"}


def rest(api, method, **params):
    req = urllib.request.Request(f"{api}/{method}", data=json.dumps(params).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        answer = json.loads(resp.read())
    if not answer.get("success"):
        raise SystemExit(f"peer: {method} failed: {answer}")
    return answer


def number(v):
    if v is None:
        return None
    try:
        return float(v) if "." in str(v) else int(v)
    except ValueError:
        return None


def is_stale(fix_time):
    if not fix_time:
        return True
    try:
        t = datetime.datetime.fromisoformat(fix_time.replace("Z", "+00:00"))
    except ValueError:
        return True
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    age = datetime.datetime.now(datetime.timezone.utc) - t
    return age.total_seconds() > STALE_AFTER_S


class Peer:
    def __init__(self, args):
        self.args = args
        self.base = args.base
        self.hash = rest(args.api, "user/auth", login=args.login, password=args.password)["hash"]
        trackers = rest(args.api, "tracker/list", hash=self.hash)["list"]
        self.by_source = {t["source"]["id"]: t for t in trackers}
        self.availability = {}
        self.readings = {}
        self.mqtt = mqtt.Client(client_id="n2m-bench-peer")
        self.mqtt.connect("127.0.0.1", args.mqtt_port)
        self.mqtt.loop_start()

    def publish(self, tracker_id, kind, payload):
        self.mqtt.publish(f"{self.base}/tracker/{tracker_id}/{kind}", payload, qos=0, retain=True)

    def on_state(self, state):
        tracker = self.by_source.get(state.get("source_id"))
        if tracker is None:
            return
        tid = tracker["id"]
        state["tracker_id"] = tid
        state["label"] = tracker["label"]
        self.publish(tid, "state", json.dumps(state, separators=(",", ":")))
        gps = state.get("gps") or {}
        loc = gps.get("location") or {}
        location = {"latitude": number(loc.get("lat")), "longitude": number(loc.get("lng")),
                    "altitude": number(gps.get("alt")), "speed": number(gps.get("speed")),
                    "heading": number(gps.get("heading")),
                    "gps_accuracy": number(gps.get("precision")),
                    "fix_time": gps.get("updated"), "stale": is_stale(gps.get("updated"))}
        self.publish(tid, "location", json.dumps(location, separators=(",", ":")))
        online = "online" if state.get("connection_status") in ONLINE else "offline"
        if self.availability.get(tid) != online:
            self.availability[tid] = online
            self.publish(tid, "availability", online)

    def on_readings(self, item):
        tid = item.get("tracker_id")
        merged = self.readings.setdefault(tid, {k: {} for k in READING_KEYS})
        for section, key in READING_KEYS.items():
            for obj in item.get(section) or []:
                merged[section][obj.get(key)] = obj
        out = {section: list(objs.values()) for section, objs in merged.items()}
        out["timestamp"] = item.get("timestamp")
        out["tracker_id"] = tid
        self.publish(tid, "readings", json.dumps(out, separators=(",", ":")))

    def on_message(self, ws, text):
        if text == "X" or text.count("|") >= 3 and not text.startswith("{"):
            return  # heartbeat or the Atmosphere handshake
        if "|" in text[:12] and not text.startswith("{"):
            text = text.split("|", 1)[1]  # length-prefixed frame
        msg = json.loads(text)
        event = msg.get("event")
        if event == "state_batch":
            for item in msg.get("data") or []:
                self.on_state(item.get("state", item) if item.get("type") else item)
        elif event == "readings_batch":
            for item in msg.get("data") or []:
                self.on_readings(item)

    def on_open(self, ws):
        requests = [{"type": "state_batch", "target": {"type": "all"}, "format": "full",
                     "iso_datetime": True},
                    {"type": "readings_batch", "target": {"type": "all"}, "iso_datetime": True}]
        ws.send(json.dumps({"action": "subscribe", "hash": self.hash, "requests": requests}))

    def run(self):
        ws_url = self.args.api.replace("http", "ws", 1) + "/event/subscription"
        query = ("?X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=4.0.1"
                 "&X-Atmosphere-Transport=websocket&Content-Type=application/json"
                 "&X-atmo-protocol=true")
        app = websocket.WebSocketApp(ws_url + query, on_open=self.on_open,
                                     on_message=self.on_message)
        app.run_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--api", required=True)
    p.add_argument("--mqtt-port", type=int, required=True)
    p.add_argument("--login", default="demo@example.com")
    p.add_argument("--password", default="demo")
    p.add_argument("--base", default="navixy")
    Peer(p.parse_args()).run()


if __name__ == "__main__":
    main()
