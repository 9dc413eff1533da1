/* SPDX-License-Identifier: MIT */
/*
 * navixy2mqtt/plugin.h - the plugin interface of navixy2mqtt, and the only
 * header a plugin includes. Plain C (C99 or later), no other dependency.
 *
 * Licence: this header is MIT like the rest of navixy2mqtt (LICENSE). A
 * plugin that includes it and is loaded by the bridge is a work of its own:
 * it may be written and distributed under any terms, open or closed, as long
 * as copies of this header keep its copyright and permission notice.
 *
 * A plugin is a shared object that defines three functions:
 *
 *   int  n2m_plugin_version(void);        returns N2M_PLUGIN_API_VERSION
 *   int  n2m_plugin_init(struct n2m_plugin *self, const struct n2m_host_api *host,
 *                        void **userdata);  0 = ok, anything else = failed
 *   void n2m_plugin_cleanup(void *userdata);
 *
 * Like Mosquitto's plugins: the host first calls n2m_plugin_version() and
 * refuses a plugin built for another API version (a clear error, no call
 * into it). n2m_plugin_init() reads the plugin's options (host->opt_*),
 * subscribes to the topics it needs (host->subscribe, only allowed during
 * init) and registers callbacks for the events it wants
 * (host->callback_register); *userdata is handed back to every callback and
 * to n2m_plugin_cleanup(). A plugin that cannot start calls
 * host->set_error() with the reason and returns non-zero.
 *
 * Threads: every callback and every host call happens on the bridge's one
 * event-loop thread. Do not block in a callback: the bridge waits.
 *
 * Memory: everything the host passes (views, strings, payloads) is valid
 * only during the call; copy what you keep. The host copies everything a
 * plugin passes to it.
 *
 * Growth: struct n2m_host_api and every event struct start with their
 * struct_size, so later versions can add members at the end without
 * breaking plugins; use N2M_HAS_MEMBER() before reading a newer member.
 */
#ifndef NAVIXY2MQTT_PLUGIN_H
#define NAVIXY2MQTT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define N2M_PLUGIN_API_VERSION 1

/* The largest payload a plugin may publish. */
#define N2M_PLUGIN_PAYLOAD_MAX (1024u * 1024u)

/* True if the struct *p (which starts with size_t struct_size) is big
 * enough to hold member m. */
#define N2M_HAS_MEMBER(p, type, m) \
	((p)->struct_size >= offsetof(type, m) + sizeof(((type *)0)->m))

#if defined(__GNUC__)
#define N2M_PLUGIN_EXPORT __attribute__((visibility("default")))
#define N2M_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define N2M_PLUGIN_EXPORT
#define N2M_PRINTF(f, a)
#endif

/* A loaded plugin, as the host knows it. Opaque: pass it back to the host. */
struct n2m_plugin;

/* Results of host calls. */
enum n2m_plugin_result {
	N2M_PLUGIN_OK = 0,
	N2M_PLUGIN_EINVAL = -1,   /* bad argument (NULL, bad topic, QoS, size); counted */
	N2M_PLUGIN_EOFFLINE = -2, /* the broker is not connected; nothing was sent */
	N2M_PLUGIN_EFAILED = -3,  /* the MQTT client refused it */
	N2M_PLUGIN_ESTATE = -4,   /* not allowed now (e.g. subscribe after init) */
	N2M_PLUGIN_ENOMEM = -5,
	N2M_PLUGIN_ETYPE = -6,    /* an option has the wrong type; the host logged it */
};

enum n2m_plugin_log_level {
	N2M_PLUGIN_LOG_ERROR = 0,
	N2M_PLUGIN_LOG_WARN = 1,
	N2M_PLUGIN_LOG_INFO = 2,
	N2M_PLUGIN_LOG_DEBUG = 3,
};

/* Events a plugin can register a callback for. */
enum n2m_plugin_event {
	N2M_EVT_TRACKER_UPDATED = 1,  /* event_data: const struct n2m_tracker_view * */
	N2M_EVT_TRACKER_REMOVED = 2,  /* event_data: const struct n2m_tracker_view *;
				       * before the tracker's topics are cleared */
	N2M_EVT_MQTT_CONNECTED = 3,   /* event_data: const struct n2m_evt_connected * */
	N2M_EVT_MESSAGE = 4,          /* event_data: const struct n2m_evt_message * */
};
#define N2M_EVT_MAX 4

/* Bits of n2m_tracker_view.changed: what this update changed. */
#define N2M_CHANGED_STATE        (1u << 0) /* the state topic (any state field) */
#define N2M_CHANGED_LOCATION     (1u << 1) /* the location topic */
#define N2M_CHANGED_AVAILABILITY (1u << 2) /* the availability topic */
#define N2M_CHANGED_READINGS     (1u << 3) /* the merged readings */

/* Bits of n2m_tracker_view.has: which optional values are known. */
#define N2M_HAS_LATITUDE   (1u << 0)
#define N2M_HAS_LONGITUDE  (1u << 1)
#define N2M_HAS_ALTITUDE   (1u << 2)
#define N2M_HAS_SPEED      (1u << 3)
#define N2M_HAS_HEADING    (1u << 4)
#define N2M_HAS_ACCURACY   (1u << 5)
#define N2M_HAS_FIX_TIME   (1u << 6) /* fix_time is a valid epoch */
#define N2M_HAS_BATTERY    (1u << 7)
#define N2M_HAS_GSM        (1u << 8)
#define N2M_HAS_IGNITION   (1u << 9)

/* A tracker as the bridge knows it, read-only, valid during the callback. */
struct n2m_tracker_view {
	size_t struct_size;
	int64_t id;                    /* Navixy tracker id */
	int64_t source_id;             /* 0 if not known */
	const char *label;             /* never NULL ("" if none) */
	const char *topic_id;          /* its level in <base>/tracker/<topic_id>/... */
	const char *model;             /* device model from tracker/list, "" if unknown */
	const char *device_id;         /* device IMEI/id from tracker/list, "" if unknown */
	uint32_t has;                  /* N2M_HAS_* */
	uint32_t changed;              /* N2M_CHANGED_*; 0 when listed by foreach_tracker */
	double latitude, longitude;    /* degrees */
	double altitude;               /* metres */
	double speed;                  /* km/h */
	double heading;                /* degrees, 0 = north */
	double accuracy;               /* metres (gps.precision) */
	int64_t fix_time;              /* UTC epoch seconds of the fix */
	const char *fix_time_text;     /* ISO 8601 UTC with "Z", "" if none */
	int stale;                     /* the location topic's stale flag */
	int availability;              /* -1 unknown, 0 offline, 1 online */
	int blocked;                   /* 1 while the tracker is blocked */
	const char *connection_status; /* "active", "idle", "offline", ... or "" */
	const char *movement_status;   /* "moving", "stopped", "parked" or "" */
	int ignition;                  /* 0/1, valid with N2M_HAS_IGNITION */
	double battery_level;          /* percent, valid with N2M_HAS_BATTERY */
	double gsm_signal;             /* percent, valid with N2M_HAS_GSM */
	const char *state_json;        /* the state topic payload, NULL if none */
	size_t state_len;
	const char *readings_json;     /* the merged readings payload, NULL if none */
	size_t readings_len;
};

struct n2m_evt_connected {
	size_t struct_size;
	int reconnect;                 /* 0 for the first connect, 1 after */
};

struct n2m_evt_message {
	size_t struct_size;
	const char *topic;             /* NUL-terminated */
	const void *payload;           /* len bytes, not NUL-terminated */
	size_t len;
};

/* Mosquitto style: one signature for every event; event_data's type
 * depends on event (see enum n2m_plugin_event). The return value is
 * ignored today; return 0. */
typedef int (*n2m_plugin_callback)(int event, const void *event_data, void *userdata);

/* Called by foreach_tracker for each tracker; return non-zero to stop. */
typedef int (*n2m_tracker_visitor)(const struct n2m_tracker_view *tracker, void *arg);

/* What the host offers. Every function takes the plugin's own handle. */
struct n2m_host_api {
	size_t struct_size;
	int api_version;               /* the host's N2M_PLUGIN_API_VERSION */
	const char *bridge_version;    /* e.g. "0.1.0" */

	/* The plugin's name as configured, and the bridge's base topic
	 * ("navixy"): its topics are <base>/bridge/... and <base>/tracker/... */
	const char *(*plugin_name)(const struct n2m_plugin *self);
	const char *(*base_topic)(const struct n2m_plugin *self);

	/* Options from the plugin's `settings` group. A missing key gives
	 * the default and N2M_PLUGIN_OK; a key of the wrong type gives
	 * N2M_PLUGIN_ETYPE (the host logged which key, where and why, and
	 * *out holds the default). Strings stay valid until cleanup. Ints
	 * accept integers only; doubles accept integers and floats. */
	int (*opt_string)(struct n2m_plugin *self, const char *key, const char *def,
			  const char **out);
	int (*opt_int)(struct n2m_plugin *self, const char *key, long long def, long long *out);
	int (*opt_bool)(struct n2m_plugin *self, const char *key, int def, int *out);
	int (*opt_double)(struct n2m_plugin *self, const char *key, double def, double *out);
	/* Number of keys in `settings`, and the i-th key's name (NULL past the end). */
	size_t (*opt_count)(const struct n2m_plugin *self);
	const char *(*opt_key)(const struct n2m_plugin *self, size_t i);
	/* Reports every key not in `known` (NULL-terminated) as an error
	 * ("unknown setting"); returns the number of unknown keys. */
	int (*opt_check_known)(struct n2m_plugin *self, const char *const *known);

	/* Logs a line tagged with the plugin's name. */
	void (*log)(struct n2m_plugin *self, int level, const char *fmt, ...) N2M_PRINTF(3, 4);
	/* The reason init failed, reported by the host with the plugin's name. */
	void (*set_error)(struct n2m_plugin *self, const char *fmt, ...) N2M_PRINTF(2, 3);

	/* Registers cb for event; one callback per event and plugin (a second
	 * call replaces the first). N2M_PLUGIN_OK or N2M_PLUGIN_EINVAL. */
	int (*callback_register)(struct n2m_plugin *self, int event, n2m_plugin_callback cb);

	/* Publishes now. topic: a valid PUBLISH topic (UTF-8, no + or #, not
	 * under <base>/bridge/); payload may be NULL only when len is 0 (an
	 * empty retained payload clears a topic); len <= N2M_PLUGIN_PAYLOAD_MAX;
	 * qos 0..2; retain 0/1. Returns an enum n2m_plugin_result. */
	int (*publish)(struct n2m_plugin *self, const char *topic, const void *payload, size_t len,
		       int qos, int retain);
	/* Subscribes (during n2m_plugin_init only) to a topic filter; messages
	 * that match it arrive as N2M_EVT_MESSAGE. */
	int (*subscribe)(struct n2m_plugin *self, const char *filter, int qos);
	/* True while the broker is connected. */
	int (*mqtt_online)(const struct n2m_plugin *self);

	/* Calls visit for every known tracker (changed = 0). Returns the
	 * number visited, or N2M_PLUGIN_EINVAL. */
	int (*foreach_tracker)(struct n2m_plugin *self, n2m_tracker_visitor visit, void *arg);
	/* Added after the first release: check N2M_HAS_MEMBER(host,
	 * struct n2m_host_api, topic_tree) first. Declares a topic tree the
	 * plugin publishes under or its consumers read (a prefix without the
	 * trailing '/', e.g. "homeassistant"); control requests cannot direct
	 * MQTT 5 responses into it. The host also learns the first level of
	 * every topic a plugin subscribes to or publishes on; declaring during
	 * init covers the time before the first publication. */
	int (*topic_tree)(struct n2m_plugin *self, const char *prefix);
};

/* The symbols a plugin defines (declared here so the compiler checks them). */
N2M_PLUGIN_EXPORT int n2m_plugin_version(void);
N2M_PLUGIN_EXPORT int n2m_plugin_init(struct n2m_plugin *self, const struct n2m_host_api *host,
				      void **userdata);
N2M_PLUGIN_EXPORT void n2m_plugin_cleanup(void *userdata);

#ifdef __cplusplus
}
#endif

#endif
