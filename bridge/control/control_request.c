/* SPDX-License-Identifier: MIT */
/*
 * control_request.c - parsing and validating control-plane requests and
 * rendering their responses (see control_request.h). No I/O.
 */
#include "error_text.h"
#include "control_request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"

static const char *const command_names[N2M_CTL_COMMAND_COUNT] = {
	[N2M_CTL_SUBSCRIBE] = "subscribe",
	[N2M_CTL_UNSUBSCRIBE] = "unsubscribe",
	[N2M_CTL_LIST] = "list",
	[N2M_CTL_RESYNC] = "resync",
	[N2M_CTL_HEALTH] = "health",
	[N2M_CTL_LOG_LEVEL] = "log_level",
};

#define TYPES_EXPECTED "state, state_batch, readings_batch or iot_monitor"
#define TRACKERS_SHAPE "trackers: must be \"all\" or an array of integers"

const char *n2m_ctl_command_name(enum n2m_ctl_command command)
{
	if ((unsigned)command >= N2M_CTL_COMMAND_COUNT)
		return "unknown";
	return command_names[command];
}

int n2m_ctl_command_parse(const char *name, enum n2m_ctl_command *out)
{
	for (int c = 0; name && c < N2M_CTL_COMMAND_COUNT; c++) {
		if (strcmp(name, command_names[c]) == 0) {
			*out = (enum n2m_ctl_command)c;
			return 0;
		}
	}
	return -1;
}

const char *n2m_ctl_topic_command(const char *topic, const char *base)
{
	static const char middle[] = "/bridge/request/";
	size_t base_len = strlen(base);

	if (!topic || strncmp(topic, base, base_len) != 0)
		return NULL;
	topic += base_len;
	if (strncmp(topic, middle, sizeof middle - 1) != 0)
		return NULL;
	topic += sizeof middle - 1;
	/* One level only: the subscription is .../request/+. */
	return strchr(topic, '/') ? NULL : topic;
}

int n2m_ctl_topic_in_request_tree(const char *topic, const char *base)
{
	static const char middle[] = "/bridge/request";
	size_t base_len = strlen(base);

	if (!topic || strncmp(topic, base, base_len) != 0)
		return 0;
	topic += base_len;
	if (strncmp(topic, middle, sizeof middle - 1) != 0)
		return 0;
	topic += sizeof middle - 1;
	return *topic == '\0' || *topic == '/';
}

void n2m_ctl_request_init(struct n2m_ctl_request *req)
{
	memset(req, 0, sizeof *req);
	req->sub.include_components = -1;
	req->sub.format = N2M_FORMAT_FULL;
	req->log_level = -1;
}

void n2m_ctl_request_free(struct n2m_ctl_request *req)
{
	free(req->sub.ids);
	json_object_put(req->transaction);
	n2m_ctl_request_init(req);
}

/* ---------- JSON text ---------- */

static struct json_object *parse_payload(const char *text, size_t len, char *err, size_t errlen)
{
	if (len == 0)
		return json_object_new_object();
	if (memchr(text, '\0', len)) {
		n2m_fail(err, errlen, "payload: not JSON: contains a NUL byte");
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(N2M_CTL_MAX_DEPTH);
	if (!tok) {
		n2m_fail(err, errlen, "payload: out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		n2m_fail(err, errlen, "payload: not JSON: unexpected end of input");
		return NULL;
	}
	if (jerr != json_tokener_success) {
		n2m_fail(err, errlen, "payload: not JSON: %s", json_tokener_error_desc(jerr));
		json_object_put(root);
		return NULL;
	}
	for (; used < len; used++) {
		if (!strchr(" \t\r\n", text[used])) {
			n2m_fail(err, errlen, "payload: not JSON: data after the JSON value");
			json_object_put(root);
			return NULL;
		}
	}
	return root;
}

/* ---------- fields ---------- */

static int read_transaction(struct json_object *root, struct n2m_ctl_request *req,
			    char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, "transaction", &v))
		return 0;
	if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
		return n2m_fail(err, errlen,
			    "transaction: must be a string, number, boolean or null");
	req->transaction = json_object_get(v);
	return 0;
}

static int read_type(struct json_object *root, struct n2m_ctl_request *req, char *err,
		     size_t errlen)
{
	struct json_object *v;
	enum n2m_sub_type type;

	if (!json_object_object_get_ex(root, "type", &v))
		return n2m_fail(err, errlen, "type: missing (" TYPES_EXPECTED ")");
	if (!json_object_is_type(v, json_type_string))
		return n2m_fail(err, errlen, "type: must be a string (" TYPES_EXPECTED ")");
	if (n2m_sub_type_parse(json_object_get_string(v), &type) != 0)
		return n2m_fail(err, errlen, "type: unknown type \"%.40s\" (expected " TYPES_EXPECTED ")",
			    json_object_get_string(v));
	req->sub.type = type;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* A positive tracker id that fits in int64 (json-c clamps larger ones to
 * INT64_MAX, which is no real tracker either). */
static int read_id(struct json_object *v, int64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return -1;
	errno = 0;
	int64_t id = json_object_get_int64(v);
	if (errno || id <= 0 || id == INT64_MAX)
		return -1;
	*out = id;
	return 0;
}

static int read_id_array(struct json_object *v, const struct n2m_ctl_limits *limits,
			 struct n2m_ctl_request *req, char *err, size_t errlen)
{
	size_t n = json_object_array_length(v);

	if (n == 0)
		return n2m_fail(err, errlen, "trackers: empty array (use \"all\" or list tracker ids)");
	if (n > limits->max_ids)
		return n2m_fail(err, errlen, "trackers: %zu ids, at most control.max_ids (%zu)", n,
			    limits->max_ids);
	req->sub.ids = malloc(n * sizeof *req->sub.ids);
	if (!req->sub.ids)
		return n2m_fail(err, errlen, "trackers: out of memory");
	for (size_t i = 0; i < n; i++) {
		if (read_id(json_object_array_get_idx(v, i), &req->sub.ids[i]) != 0)
			return n2m_fail(err, errlen,
				    "trackers[%zu]: must be a positive integer tracker id", i);
	}
	qsort(req->sub.ids, n, sizeof *req->sub.ids, cmp_id);
	size_t w = 1;
	for (size_t r = 1; r < n; r++)
		if (req->sub.ids[r] != req->sub.ids[w - 1])
			req->sub.ids[w++] = req->sub.ids[r];
	req->sub.n_ids = w;
	req->sub.cap_ids = n;
	return 0;
}

static int read_trackers(struct json_object *root, const struct n2m_ctl_limits *limits,
			 struct n2m_ctl_request *req, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, "trackers", &v))
		return n2m_fail(err, errlen, "trackers: missing (\"all\" or an array of tracker ids)");
	if (json_object_is_type(v, json_type_string)) {
		if (strcmp(json_object_get_string(v), "all") != 0)
			return n2m_fail(err, errlen, TRACKERS_SHAPE);
		req->sub.all = 1;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		return n2m_fail(err, errlen, TRACKERS_SHAPE);
	return read_id_array(v, limits, req, err, errlen);
}

static int read_string(struct json_object *v, const char *field, char *dst, size_t cap,
		       char *err, size_t errlen)
{
	if (!json_object_is_type(v, json_type_string))
		return n2m_fail(err, errlen, "%s: must be a string", field);
	size_t len = (size_t)json_object_get_string_len(v);
	if (len >= cap)
		return n2m_fail(err, errlen, "%s: longer than %zu characters", field, cap - 1);
	memcpy(dst, json_object_get_string(v), len + 1);
	return 0;
}

/* One subscribe option; 1 if key is not an option. */
static int read_option(const char *key, struct json_object *v, struct n2m_ctl_request *req,
		       char *err, size_t errlen)
{
	struct n2m_sub *sub = &req->sub;

	if (strcmp(key, "rate_limit") == 0) {
		req->options |= N2M_CTL_OPT_RATE_LIMIT;
		return read_string(v, key, sub->rate_limit, sizeof sub->rate_limit, err, errlen);
	}
	if (strcmp(key, "sensor_type") == 0) {
		req->options |= N2M_CTL_OPT_SENSOR_TYPE;
		return read_string(v, key, sub->sensor_type, sizeof sub->sensor_type, err, errlen);
	}
	if (strcmp(key, "format") == 0) {
		req->options |= N2M_CTL_OPT_FORMAT;
		if (!json_object_is_type(v, json_type_string) ||
		    n2m_sub_format_parse(json_object_get_string(v), &sub->format) != 0)
			return n2m_fail(err, errlen, "format: must be \"full\" or \"compact\"");
		return 0;
	}
	if (strcmp(key, "include_components") == 0) {
		req->options |= N2M_CTL_OPT_INCLUDE_COMPONENTS;
		if (!json_object_is_type(v, json_type_boolean))
			return n2m_fail(err, errlen, "include_components: must be true or false");
		sub->include_components = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	}
	return 1;
}

/* The options the request gave must suit its type: a format sent for
 * readings_batch would be silently meaningless otherwise. */
static int check_options(const struct n2m_ctl_request *req, char *err, size_t errlen)
{
	enum n2m_sub_type t = req->sub.type;

	if ((req->options & N2M_CTL_OPT_FORMAT) && t != N2M_SUB_STATE && t != N2M_SUB_STATE_BATCH)
		return n2m_fail(err, errlen, "format: only state and state_batch take a format");
	if ((req->options & N2M_CTL_OPT_SENSOR_TYPE) && t != N2M_SUB_READINGS_BATCH)
		return n2m_fail(err, errlen, "sensor_type: only readings_batch takes it");
	if ((req->options & N2M_CTL_OPT_INCLUDE_COMPONENTS) && t != N2M_SUB_READINGS_BATCH)
		return n2m_fail(err, errlen, "include_components: only readings_batch takes it");
	struct n2m_sub probe = req->sub;
	probe.active = 1;
	/* iot_monitor's 10-id limit is checked on the merged set (control_apply). */
	if (t == N2M_SUB_IOT_MONITOR && !probe.all)
		probe.n_ids = 0;
	return n2m_sub_validate(t, &probe, err, errlen);
}

static int check_unknown_fields(struct json_object *root, enum n2m_ctl_command command,
				struct n2m_ctl_request *req, char *err, size_t errlen)
{
	int subs = command == N2M_CTL_SUBSCRIBE || command == N2M_CTL_UNSUBSCRIBE;

	json_object_object_foreach(root, key, v) {
		if (strcmp(key, "transaction") == 0)
			continue;
		if (subs && (strcmp(key, "type") == 0 || strcmp(key, "trackers") == 0))
			continue;
		if (command == N2M_CTL_SUBSCRIBE) {
			int rc = read_option(key, v, req, err, errlen);
			if (rc <= 0) {
				if (rc < 0)
					return -1;
				continue;
			}
			return n2m_fail(err, errlen, "%.40s: unknown field (subscribe takes type, trackers, "
				    "rate_limit, format, sensor_type, include_components, transaction)",
				    key);
		}
		if (command == N2M_CTL_UNSUBSCRIBE)
			return n2m_fail(err, errlen, "%.40s: unknown field (unsubscribe takes type, "
				    "trackers, transaction)", key);
		if (command == N2M_CTL_LOG_LEVEL) {
			if (strcmp(key, "level") == 0)
				continue;
			return n2m_fail(err, errlen, "%.40s: unknown field (log_level takes level, "
				    "transaction)", key);
		}
		return n2m_fail(err, errlen, "%.40s: unknown field (%s takes only transaction)", key,
			    n2m_ctl_command_name(command));
	}
	return 0;
}

/* log_level's optional "level": one of the names log.level takes. */
static int read_log_level(struct json_object *root, struct n2m_ctl_request *req, char *err,
			  size_t errlen)
{
	struct json_object *v;
	enum n2m_log_level level;

	if (!json_object_object_get_ex(root, "level", &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    n2m_log_level_parse(json_object_get_string(v), &level) != 0)
		return n2m_fail(err, errlen, "level: must be \"error\", \"warn\", \"info\" or \"debug\"");
	req->log_level = (int)level;
	return 0;
}

static int read_request(struct json_object *root, const struct n2m_ctl_limits *limits,
			struct n2m_ctl_request *req, char *err, size_t errlen)
{
	if (!json_object_is_type(root, json_type_object))
		return n2m_fail(err, errlen, "payload: must be a JSON object");
	if (read_transaction(root, req, err, errlen) != 0)
		return -1;
	if (check_unknown_fields(root, req->command, req, err, errlen) != 0)
		return -1;
	if (req->command == N2M_CTL_LOG_LEVEL)
		return read_log_level(root, req, err, errlen);
	if (req->command != N2M_CTL_SUBSCRIBE && req->command != N2M_CTL_UNSUBSCRIBE)
		return 0;
	if (read_type(root, req, err, errlen) != 0 || read_trackers(root, limits, req, err, errlen) != 0)
		return -1;
	req->sub.active = 1;
	return req->command == N2M_CTL_SUBSCRIBE ? check_options(req, err, errlen) : 0;
}

int n2m_ctl_request_parse(const char *command, const void *payload, size_t len,
			  const struct n2m_ctl_limits *limits, struct n2m_ctl_request *req,
			  char *err, size_t errlen)
{
	n2m_ctl_request_init(req);
	if (n2m_ctl_command_parse(command, &req->command) != 0)
		return n2m_fail(err, errlen, "command: unknown command \"%.40s\" (expected subscribe, "
			    "unsubscribe, list, resync, health or log_level)", command ? command : "");
	if (len > limits->max_request_bytes || len > (size_t)INT32_MAX)
		return n2m_fail(err, errlen, "payload: larger than control.max_request_bytes (%zu)",
			    limits->max_request_bytes);
	struct json_object *root = parse_payload(payload, len, err, errlen);
	if (!root)
		return -1;
	int rc = read_request(root, limits, req, err, errlen);
	json_object_put(root);
	return rc;
}

/* ---------- responses ---------- */

static char *render_response(const char *status, struct json_object *data, const char *error,
			     struct json_object *transaction, size_t *len)
{
	struct json_object *o = json_object_new_object();
	char *text = NULL;

	if (!o) {
		json_object_put(data);
		return NULL;
	}
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "data", data);
	json_object_object_add(o, "error", error ? json_object_new_string(error) : NULL);
	json_object_object_add(o, "transaction", json_object_get(transaction));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s)
		text = strdup(s);
	if (text && len)
		*len = strlen(text);
	json_object_put(o);
	return text;
}

char *n2m_ctl_response_ok(struct json_object *data, struct json_object *transaction, size_t *len)
{
	return render_response("ok", data, NULL, transaction, len);
}

char *n2m_ctl_response_error(const char *error, struct json_object *transaction, size_t *len)
{
	return render_response("error", NULL, error ? error : "internal error", transaction, len);
}
