/* SPDX-License-Identifier: MIT */
/*
 * config.h - navixy2mqtt's settings: the libconfig file, NAVIXY2MQTT_*
 * environment overrides and *_FILE secrets, validated into one struct.
 *
 * Every setting lives in a section (navixy, mqtt, topics, subscriptions,
 * control, health, log, bridge, process, plugins). The environment
 * variable for a setting is NAVIXY2MQTT_<SECTION>_<KEY> in upper case
 * (NAVIXY2MQTT_MQTT_URL), and for a
 * secret also NAVIXY2MQTT_<SECTION>_<KEY>_FILE, whose file content (trailing
 * newline stripped) is the value. The environment wins over the file.
 * config/navixy2mqtt.conf documents every key with its default.
 *
 * After n2m_config_defaults or a successful load every char * field is
 * non-NULL; "" means "not set" (source_path excepted: NULL when no file).
 */
#ifndef N2M_CONFIG_H
#define N2M_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "subscription.h"

struct json_object;

/* Not a setting: the daemon may read the config file's path from it, so the
 * loader accepts it instead of calling it an unknown variable. */
#define N2M_CONFIG_PATH_ENV "NAVIXY2MQTT_CONFIG"

/* Topic classes: each has its own retain flag and QoS. */
enum n2m_topic_class {
	N2M_CLASS_STATE = 0,   /* tracker/<id>/state */
	N2M_CLASS_LOCATION,    /* tracker/<id>/location */
	N2M_CLASS_AVAILABILITY,/* tracker/<id>/availability */
	N2M_CLASS_READINGS,    /* tracker/<id>/readings */
	N2M_CLASS_IOT_MONITOR, /* tracker/<id>/iot_monitor */
	N2M_CLASS_LIFECYCLE,   /* tracker/<id>/lifecycle */
	N2M_CLASS_EVENT,       /* bridge/event */
	N2M_CLASS_COUNT
};

struct n2m_class_options {
	int retain; /* 0/1 */
	int qos;    /* 0..2 */
};

enum n2m_topic_id_mode {
	N2M_TOPIC_ID_TRACKER_ID = 0, /* navixy/tracker/123456/state */
	N2M_TOPIC_ID_LABEL,          /* navixy/tracker/Truck_12/state (sanitised) */
};

struct n2m_navixy_config {
	char *api_url;            /* REST base, e.g. https://api.eu.navixy.com/v2 (required) */
	char *ws_url;             /* default: api_url with http->ws + /event/subscription */
	char *api_key;            /* secret; 32 hex; preferred over login */
	char *login;
	char *password;           /* secret */
	char *framework_version;  /* X-Atmosphere-Framework, default "4.0.1" */
	int track_message_size;   /* ask for length-prefixed frames, default 0 */
	int iso_datetime;         /* send iso_datetime:true, default 1 */
	int liveness_s;           /* silence that means a dead link, default 75 */
	int connect_timeout_s;    /* REST and WS connect timeout, default 10 */
	int rest_timeout_s;       /* a whole REST call, connect included, default 60 */
	int backoff_min_ms;       /* reconnect back-off, default 1000 */
	int backoff_max_ms;       /* default 120000 */
	int auth_backoff_ms;      /* after auth failures, default 300000 */
	int tls_verify;           /* default 1 */
	char *ca_file;            /* optional CA bundle for https/wss */
	char *ws_client;          /* WebSocket client: "lws" (default) or "own" */
	int max_frame_bytes;      /* larger inbound messages are skipped, default 256 MiB */
	int max_fallback_bytes;   /* json-c tree budget for one message or item, default 64 MiB */
	int tracker_refresh_min_s;/* rate limit for tracker/list refreshes, default 60 */
	int tracker_refresh_s;    /* periodic tracker/list refresh, 0 = off, default 300 */
};

struct n2m_mqtt_config {
	char *url;                /* mqtt://host:port or mqtts://host:port, default mqtt://127.0.0.1:1883 */
	char *client_id;          /* default "navixy2mqtt" */
	char *username;
	char *password;           /* secret */
	int protocol;             /* 5 (default) or 311 */
	int keepalive_s;          /* default 30 */
	char *ca_file;            /* TLS: CA to verify the broker */
	char *cert_file;          /* TLS client certificate */
	char *key_file;           /* TLS client key */
	char *key_password;       /* secret */
	int tls_verify;           /* default 1 */
	char *base_topic;         /* default "navixy" */
	int connect_timeout_s;    /* default 10 */
	int max_inflight;         /* bounded outbound queue, default 65535 */
};

struct n2m_topics_config {
	enum n2m_topic_id_mode id_mode;  /* "tracker_id" (default) or "label" */
	int stale_after_s;               /* location.stale when the fix is older, default 900 */
	int clear_on_unsubscribe;        /* clear retained topics of unsubscribed trackers, default 1 */
	struct n2m_class_options classes[N2M_CLASS_COUNT];
};

struct n2m_control_config {
	int enabled;              /* default 1; 0 = read-only bridge */
	char *state_file;         /* desired subscriptions, default "" = not persisted */
	int max_request_bytes;    /* default 65536 */
	int max_ids;              /* tracker ids per request, default 10000 */
	int max_requests_per_s;   /* requests a second on average, default 100; more: rate_limited */
	int request_burst;        /* requests at once above the rate, default 200 */
	char *response_topic_allow; /* comma-separated MQTT 5 response topic prefixes;
				     * "" (default) = anywhere outside <base>/ and plugin trees */
};

struct n2m_health_config {
	int interval_s;           /* bridge/health period, 0 = off, default 60 */
	char *http_listen;        /* "" (default, off) or "127.0.0.1:9180" */
	int max_connections;      /* open HTTP connections at most, default 32 */
	int idle_timeout_s;       /* to complete a request, default 10 */
};

struct n2m_log_config {
	enum n2m_log_level level; /* default info */
	int syslog;               /* default 0 = stderr */
};

/* Scale-out (docs/scale-out.md): one of several instances. */
struct n2m_bridge_config {
	char *instance;           /* name in <base>/bridge/<instance>/...; "" = mqtt.client_id
				   * when sharded, else the unsharded <base>/bridge/... */
	char *shard;              /* "" (default, every tracker) or "k/n" (shard.h) */
	char *standby_for;        /* hot standby: the peer instance's name; "" = off (standby.h) */
	int takeover_s;           /* hot standby: seconds the peer must be away (default 5) */
};

/* The process itself (core_dumps.h). */
struct n2m_process_config {
	int allow_core_dumps;     /* default 0: not dumpable, not ptrace-readable */
};

struct n2m_plugin_config {
	char *name;               /* "homeassistant" */
	char *path;               /* shared object, absolute after loading a file (a
				   * relative one is relative to the file's directory);
				   * "" = plugins/<name>/<name>.so lookup */
	int required;             /* a load failure is fatal, default 0 */
	void *settings;           /* the plugin's own libconfig setting (config_setting_t *) */
};

struct n2m_config {
	struct n2m_navixy_config navixy;
	struct n2m_mqtt_config mqtt;
	struct n2m_topics_config topics;
	struct n2m_sub_set subscriptions; /* initial desired set; default state_batch+readings_batch, all, 1s */
	struct n2m_control_config control;
	struct n2m_health_config health;
	struct n2m_log_config log;
	struct n2m_bridge_config bridge;
	struct n2m_process_config process;
	struct n2m_plugin_config *plugins;
	size_t n_plugins;
	char *source_path;        /* the file it was loaded from, or NULL */
	void *libconfig;          /* the parsed config_t, kept for plugin settings */
};

/* Fills cfg with every default. */
void n2m_config_defaults(struct n2m_config *cfg);

/* Loads path (NULL: defaults only), then applies the environment `envp`
 * (NULL-terminated "KEY=VALUE" strings, normally environ), then validates.
 * Returns 0, or -1 with a message naming the key and, for the file, the line,
 * e.g. "navixy2mqtt.conf:12: mqtt.protocol: must be 5 or 311 (got 4)". */
int n2m_config_load(struct n2m_config *cfg, const char *path, char *const *envp,
		    char *err, size_t errlen);

/* Like n2m_config_load, but parses `text` (libconfig syntax) instead of a
 * file; `name` (NULL: "<string>") stands for the file name in messages.
 * Used by the fuzz target and the tests. */
int n2m_config_load_string(struct n2m_config *cfg, const char *text, const char *name,
			   char *const *envp, char *err, size_t errlen);

/* Checks cross-field rules (an api_key or a login+password, TLS files exist,
 * ranges); called by n2m_config_load. Same error convention. */
int n2m_config_validate(const struct n2m_config *cfg, char *err, size_t errlen);

/* Writes the effective configuration in libconfig syntax with every secret
 * replaced by "<redacted>" (for --check-config and bridge/info). */
void n2m_config_print(const struct n2m_config *cfg, FILE *out);

/* The effective configuration as JSON for the retained bridge/info topic,
 * secrets replaced by "<redacted>". NULL on no memory; the caller puts it. */
struct json_object *n2m_config_summary_json(const struct n2m_config *cfg);

/* Frees everything and leaves cfg zeroed; safe on a zeroed struct. */
void n2m_config_free(struct n2m_config *cfg);

#endif
