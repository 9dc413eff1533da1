/* SPDX-License-Identifier: MIT */
/*
 * config_table.c - the table of every scalar setting with its type, default,
 * range and rule, and the accessors and checks driven by it. Adding a
 * setting means adding a field to config.h, a row here and a line to
 * config/navixy2mqtt.conf.
 */
#include "config_internal.h"
#include "response_topic.h"
#include "health_http.h"
#include "secret.h"
#include "shard.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF(field) offsetof(struct n2m_config, field)

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "scheme://host..." with one of the schemes and a non-empty host. */
static int url_with_scheme(const char *value, const char *const *schemes)
{
	for (; *schemes; schemes++) {
		size_t n = strlen(*schemes);
		if (strncmp(value, *schemes, n) == 0)
			return value[n] != '\0' && value[n] != '/';
	}
	return 0;
}

static int check_http_url(const char *value, char *why, size_t whylen)
{
	static const char *const schemes[] = { "http://", "https://", NULL };
	if (value[0] && !url_with_scheme(value, schemes)) {
		snprintf(why, whylen, "must be an http:// or https:// URL (got \"%s\")", value);
		return -1;
	}
	return 0;
}

static int check_ws_url(const char *value, char *why, size_t whylen)
{
	static const char *const schemes[] = { "ws://", "wss://", NULL };
	if (value[0] && !url_with_scheme(value, schemes)) {
		snprintf(why, whylen, "must be a ws:// or wss:// URL (got \"%s\")", value);
		return -1;
	}
	return 0;
}

/* Which WebSocket client carries the upstream (bridge/upstream/upstream_internal.h). */
static int check_ws_client(const char *value, char *why, size_t whylen)
{
	if (strcmp(value, "lws") != 0 && strcmp(value, "own") != 0) {
		snprintf(why, whylen, "must be \"lws\" or \"own\" (got \"%s\")", value);
		return -1;
	}
	return 0;
}

static int check_mqtt_url(const char *value, char *why, size_t whylen)
{
	/* The schemes Paho MQTT C accepts. */
	static const char *const schemes[] = { "mqtt://", "mqtts://", "tcp://", "ssl://",
					       "ws://", "wss://", NULL };
	if (!url_with_scheme(value, schemes)) {
		char shown[80];
		n2m_redact_url(value, shown, sizeof(shown));
		snprintf(why, whylen,
			 "must be an mqtt://, mqtts://, tcp://, ssl://, ws:// or wss:// URL (got \"%s\")",
			 shown);
		return -1;
	}
	return 0;
}

/* Never echoes the value: it is a secret even when malformed. */
static int check_api_key(const char *value, char *why, size_t whylen)
{
	size_t n = strlen(value);
	if (n == 0)
		return 0;
	int hex = n == 32;
	for (size_t i = 0; hex && i < n; i++)
		hex = strchr("0123456789abcdefABCDEF", value[i]) != NULL;
	if (!hex) {
		snprintf(why, whylen, "must be 32 hexadecimal characters (got %zu characters)", n);
		return -1;
	}
	return 0;
}

static int check_not_empty(const char *value, char *why, size_t whylen)
{
	if (!value[0]) {
		snprintf(why, whylen, "must not be empty");
		return -1;
	}
	return 0;
}

/* The base topic prefixes every publication: no wildcards, no empty level. */
static int check_base_topic(const char *value, char *why, size_t whylen)
{
	size_t n = strlen(value);
	if (n == 0 || strpbrk(value, "+#") || value[0] == '/' || value[n - 1] == '/' ||
	    strstr(value, "//")) {
		snprintf(why, whylen,
			 "must be a topic without +, # or empty levels (got \"%s\")", value);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
			snprintf(why, whylen, "must not contain control characters");
			return -1;
		}
	}
	return 0;
}

/* "" or comma-separated topic prefixes (response_topic.h). */
static int check_response_allow(const char *value, char *why, size_t whylen)
{
	char **list = NULL;
	size_t n = 0;

	if (n2m_response_allow_parse(value, &list, &n, why, whylen) != 0)
		return -1;
	n2m_response_allow_free(list, n);
	return 0;
}

/* "" (off) or what the HTTP endpoint can listen on (health_http.h). */
static int check_listen(const char *value, char *why, size_t whylen)
{
	char host[256];
	int port;
	if (value[0] && n2m_health_http_parse_listen(value, host, sizeof host, &port) != 0) {
		snprintf(why, whylen, "must be \"\" (off) or <numeric address>:<port>, with "
			 "localhost or * allowed for the address (got \"%s\")", value);
		return -1;
	}
	return 0;
}

static int check_shard(const char *value, char *why, size_t whylen)
{
	struct n2m_shard s;
	return n2m_shard_parse(value, &s, why, whylen);
}

/* One topic level of <base>/bridge/<instance>/..., not one of the
 * control plane's own levels. */
static int check_instance(const char *value, char *why, size_t whylen)
{
	if (strcmp(value, "request") == 0 || strcmp(value, "response") == 0) {
		snprintf(why, whylen, "\"%s\" is taken by the control topics", value);
		return -1;
	}
	for (const char *p = value; *p; p++) {
		if (strchr("+#/", *p) || (unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, whylen,
				 "must be one topic level: no +, #, / or control characters");
			return -1;
		}
	}
	if (strlen(value) > 64) {
		snprintf(why, whylen, "must be at most 64 bytes (got %zu)", strlen(value));
		return -1;
	}
	return 0;
}

static const int mqtt_protocols[] = { 5, 311, 0 };

#define STR(p, field, def, fl, chk) \
	{ .path = p, .kind = N2M_KIND_STRING, .offset = OFF(field), .flags = fl, \
	  .def_string = def, .check_string = chk }
#define INT(p, field, def, lo, hi) \
	{ .path = p, .kind = N2M_KIND_INT, .offset = OFF(field), .min = lo, .max = hi, \
	  .def_number = def }
#define BOOL(p, field, def) \
	{ .path = p, .kind = N2M_KIND_BOOL, .offset = OFF(field), .min = 0, .max = 1, \
	  .def_number = def }
#define CLASS_OFF(cls, member) \
	(OFF(topics.classes) + (cls) * sizeof(struct n2m_class_options) + \
	 offsetof(struct n2m_class_options, member))
#define CLASS(name, cls, retain_def) \
	{ .path = "topics." name ".retain", .kind = N2M_KIND_BOOL, \
	  .offset = CLASS_OFF(cls, retain), .min = 0, .max = 1, .def_number = retain_def }, \
	{ .path = "topics." name ".qos", .kind = N2M_KIND_INT, \
	  .offset = CLASS_OFF(cls, qos), .min = 0, .max = 2, .def_number = 0 }

/* Order matters for printing: a group's rows are contiguous. */
static const struct n2m_setting settings[] = {
	STR("navixy.api_url", navixy.api_url, "", N2M_SETTING_URL, check_http_url),
	STR("navixy.ws_url", navixy.ws_url, "", N2M_SETTING_URL, check_ws_url),
	STR("navixy.api_key", navixy.api_key, "", N2M_SETTING_SECRET, check_api_key),
	STR("navixy.login", navixy.login, "", 0, NULL),
	STR("navixy.password", navixy.password, "", N2M_SETTING_SECRET, NULL),
	STR("navixy.framework_version", navixy.framework_version, "4.0.1", 0, check_not_empty),
	BOOL("navixy.track_message_size", navixy.track_message_size, 0),
	BOOL("navixy.iso_datetime", navixy.iso_datetime, 1),
	INT("navixy.liveness_s", navixy.liveness_s, 75, 5, 3600),
	INT("navixy.connect_timeout_s", navixy.connect_timeout_s, 10, 1, 300),
	INT("navixy.rest_timeout_s", navixy.rest_timeout_s, 60, 1, 3600),
	INT("navixy.backoff_min_ms", navixy.backoff_min_ms, 1000, 100, 600000),
	INT("navixy.backoff_max_ms", navixy.backoff_max_ms, 120000, 1000, 86400000),
	INT("navixy.auth_backoff_ms", navixy.auth_backoff_ms, 300000, 1000, 86400000),
	BOOL("navixy.tls_verify", navixy.tls_verify, 1),
	STR("navixy.ca_file", navixy.ca_file, "", 0, NULL),
	STR("navixy.ws_client", navixy.ws_client, "lws", 0, check_ws_client),
	INT("navixy.max_frame_bytes", navixy.max_frame_bytes, 268435456, 4096, 1073741824),
	INT("navixy.max_fallback_bytes", navixy.max_fallback_bytes, 67108864, 1048576, 1073741824),
	INT("navixy.tracker_refresh_min_s", navixy.tracker_refresh_min_s, 60, 0, 86400),
	INT("navixy.tracker_refresh_s", navixy.tracker_refresh_s, 300, 0, 86400),

	STR("mqtt.url", mqtt.url, "mqtt://127.0.0.1:1883", N2M_SETTING_URL, check_mqtt_url),
	STR("mqtt.client_id", mqtt.client_id, "navixy2mqtt", 0, check_not_empty),
	STR("mqtt.username", mqtt.username, "", 0, NULL),
	STR("mqtt.password", mqtt.password, "", N2M_SETTING_SECRET, NULL),
	{ .path = "mqtt.protocol", .kind = N2M_KIND_INT, .offset = OFF(mqtt.protocol),
	  .choices = mqtt_protocols, .def_number = 5 },
	INT("mqtt.keepalive_s", mqtt.keepalive_s, 30, 0, 65535),
	STR("mqtt.ca_file", mqtt.ca_file, "", 0, NULL),
	STR("mqtt.cert_file", mqtt.cert_file, "", 0, NULL),
	STR("mqtt.key_file", mqtt.key_file, "", 0, NULL),
	STR("mqtt.key_password", mqtt.key_password, "", N2M_SETTING_SECRET, NULL),
	BOOL("mqtt.tls_verify", mqtt.tls_verify, 1),
	STR("mqtt.base_topic", mqtt.base_topic, "navixy", 0, check_base_topic),
	INT("mqtt.connect_timeout_s", mqtt.connect_timeout_s, 10, 1, 300),
	INT("mqtt.max_inflight", mqtt.max_inflight, 65535, 1, 65535),

	{ .path = "topics.id_mode", .kind = N2M_KIND_ID_MODE, .offset = OFF(topics.id_mode),
	  .def_number = N2M_TOPIC_ID_TRACKER_ID },
	INT("topics.stale_after_s", topics.stale_after_s, 900, 0, 31536000),
	BOOL("topics.clear_on_unsubscribe", topics.clear_on_unsubscribe, 1),
	CLASS("state", N2M_CLASS_STATE, 1),
	CLASS("location", N2M_CLASS_LOCATION, 1),
	CLASS("availability", N2M_CLASS_AVAILABILITY, 1),
	CLASS("readings", N2M_CLASS_READINGS, 1),
	CLASS("iot_monitor", N2M_CLASS_IOT_MONITOR, 0),
	CLASS("lifecycle", N2M_CLASS_LIFECYCLE, 0),
	CLASS("event", N2M_CLASS_EVENT, 0),

	BOOL("control.enabled", control.enabled, 1),
	STR("control.state_file", control.state_file, "", 0, NULL),
	INT("control.max_request_bytes", control.max_request_bytes, 65536, 256, 16777216),
	INT("control.max_ids", control.max_ids, 10000, 1, 1000000),
	INT("control.max_requests_per_s", control.max_requests_per_s, 100, 1, 1000000),
	INT("control.request_burst", control.request_burst, 200, 1, 1000000),
	STR("control.response_topic_allow", control.response_topic_allow, "", 0,
	    check_response_allow),

	INT("health.interval_s", health.interval_s, 60, 0, 86400),
	STR("health.http_listen", health.http_listen, "", 0, check_listen),
	INT("health.max_connections", health.max_connections, 32, 1, 1024),
	INT("health.idle_timeout_s", health.idle_timeout_s, 10, 1, 3600),

	{ .path = "log.level", .kind = N2M_KIND_LOG_LEVEL, .offset = OFF(log.level),
	  .def_number = N2M_LOG_INFO },
	BOOL("log.syslog", log.syslog, 0),

	STR("bridge.instance", bridge.instance, "", 0, check_instance),
	STR("bridge.shard", bridge.shard, "", 0, check_shard),
	STR("bridge.standby_for", bridge.standby_for, "", 0, check_instance),
	INT("bridge.takeover_s", bridge.takeover_s, 5, 1, 3600),

	BOOL("process.allow_core_dumps", process.allow_core_dumps, 0),
};

const struct n2m_setting *n2m_settings(size_t *count)
{
	*count = sizeof(settings) / sizeof(settings[0]);
	return settings;
}

const struct n2m_setting *n2m_setting_find(const char *path)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (strcmp(settings[i].path, path) == 0)
			return &settings[i];
	return NULL;
}

int n2m_setting_is_group(const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (has_prefix(settings[i].path, path) && settings[i].path[n] == '.')
			return 1;
	return 0;
}

char **n2m_setting_string(struct n2m_config *cfg, const struct n2m_setting *s)
{
	return (char **)((char *)cfg + s->offset);
}

const char *n2m_setting_string_c(const struct n2m_config *cfg, const struct n2m_setting *s)
{
	const char *v = *(char *const *)((const char *)cfg + s->offset);
	return v ? v : "";
}

long n2m_setting_number(const struct n2m_config *cfg, const struct n2m_setting *s)
{
	const void *field = (const char *)cfg + s->offset;
	switch (s->kind) {
	case N2M_KIND_ID_MODE:
		return (long)*(const enum n2m_topic_id_mode *)field;
	case N2M_KIND_LOG_LEVEL:
		return (long)*(const enum n2m_log_level *)field;
	default:
		return *(const int *)field;
	}
}

void n2m_setting_set_number(struct n2m_config *cfg, const struct n2m_setting *s, long value)
{
	void *field = (char *)cfg + s->offset;
	switch (s->kind) {
	case N2M_KIND_ID_MODE:
		*(enum n2m_topic_id_mode *)field = (enum n2m_topic_id_mode)value;
		break;
	case N2M_KIND_LOG_LEVEL:
		*(enum n2m_log_level *)field = (enum n2m_log_level)value;
		break;
	default:
		*(int *)field = (int)value;
		break;
	}
}

int n2m_setting_set_string(struct n2m_config *cfg, const struct n2m_setting *s, const char *value)
{
	char *copy = strdup(value);
	if (!copy)
		return -1;
	char **field = n2m_setting_string(cfg, s);
	n2m_setting_free_string(*field, s);
	*field = copy;
	return 0;
}

void n2m_setting_free_string(char *value, const struct n2m_setting *s)
{
	/* A URL may carry user:password@. */
	if (s->flags & (N2M_SETTING_SECRET | N2M_SETTING_URL))
		n2m_secret_free(value);
	else
		free(value);
}

int n2m_setting_parse_enum(const struct n2m_setting *s, const char *text, long *out)
{
	if (s->kind == N2M_KIND_LOG_LEVEL) {
		enum n2m_log_level level;
		if (n2m_log_level_parse(text, &level) < 0)
			return -1;
		*out = level;
		return 0;
	}
	if (strcmp(text, "tracker_id") == 0)
		*out = N2M_TOPIC_ID_TRACKER_ID;
	else if (strcmp(text, "label") == 0)
		*out = N2M_TOPIC_ID_LABEL;
	else
		return -1;
	return 0;
}

const char *n2m_setting_enum_name(const struct n2m_setting *s, long value)
{
	if (s->kind == N2M_KIND_LOG_LEVEL)
		return n2m_log_level_name((enum n2m_log_level)value);
	return value == N2M_TOPIC_ID_LABEL ? "label" : "tracker_id";
}


static int check_choices(const struct n2m_setting *s, long v, char *why, size_t whylen)
{
	int n = 0;
	for (const int *c = s->choices; *c; c++, n++)
		if (v == *c)
			return 0;
	size_t used = (size_t)snprintf(why, whylen, "must be ");
	for (int i = 0; i < n && used < whylen; i++)
		used += (size_t)snprintf(why + used, whylen - used, "%s%d",
					 i == 0 ? "" : (i == n - 1 ? " or " : ", "), s->choices[i]);
	if (used < whylen)
		snprintf(why + used, whylen - used, " (got %ld)", v);
	return -1;
}

int n2m_setting_check(const struct n2m_config *cfg, const struct n2m_setting *s,
		      char *why, size_t whylen)
{
	if (s->kind == N2M_KIND_STRING) {
		const char *v = n2m_setting_string_c(cfg, s);
		return s->check_string ? s->check_string(v, why, whylen) : 0;
	}
	long v = n2m_setting_number(cfg, s);
	if (s->kind == N2M_KIND_ID_MODE || s->kind == N2M_KIND_LOG_LEVEL) {
		long max = s->kind == N2M_KIND_ID_MODE ? N2M_TOPIC_ID_LABEL : N2M_LOG_DEBUG;
		if (v < 0 || v > max) {
			snprintf(why, whylen, "unknown value %ld", v);
			return -1;
		}
		return 0;
	}
	if (s->choices)
		return check_choices(s, v, why, whylen);
	if (v < s->min || v > s->max) {
		if (s->kind == N2M_KIND_BOOL)
			snprintf(why, whylen, "must be true or false (got %ld)", v);
		else
			snprintf(why, whylen, "must be between %ld and %ld (got %ld)", s->min, s->max, v);
		return -1;
	}
	return 0;
}

void n2m_config_error(char *err, size_t errlen, const struct n2m_origin *where,
		      const char *path, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	size_t used = 0;
	int n;
	if (where && where->file)
		n = snprintf(err, errlen, "%s:%d: ", where->file, where->line);
	else if (where && where->env)
		n = snprintf(err, errlen, "%s: ", where->env);
	else
		n = 0;
	used = n > 0 ? (size_t)n : 0;
	if (path && used < errlen) {
		n = snprintf(err + used, errlen - used, "%s: ", path);
		used += n > 0 ? (size_t)n : 0;
	}
	if (used < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + used, errlen - used, fmt, ap);
		va_end(ap);
	}
}
