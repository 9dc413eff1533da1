/* SPDX-License-Identifier: MIT */
/*
 * sim_request.c - client message parsing and validation (see sim_request.h).
 */
#include "sim_request.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_time.h"

static const char *const evnames[EV_COUNT] = { "state", "state_batch", "readings_batch",
					       "iot_monitor" };
static const char *const sensor_types[] = {
	"fuel", "temperature", "rpm", "custom", "fuel_consumption", "instant_consumption",
	"power", "speed", "flow_meter", "acceleration", "state", "virtual_ignition",
};

const char *sim_evtype_name(enum sim_evtype t)
{
	return (unsigned)t < EV_COUNT ? evnames[t] : "unknown";
}

static int evtype_parse(const char *s, enum sim_evtype *out)
{
	for (int i = 0; i < EV_COUNT; i++)
		if (!strcmp(s, evnames[i])) {
			*out = (enum sim_evtype)i;
			return 0;
		}
	return -1;
}

int sim_hash_wellformed(const char *h)
{
	if (!h || strlen(h) != 32)
		return 0;
	for (int i = 0; i < 32; i++)
		if (!isxdigit((unsigned char)h[i]))
			return 0;
	return 1;
}

void sim_request_free(struct sim_request *req)
{
	for (size_t i = 0; i < req->n_items; i++)
		free(req->items[i].ids);
	free(req->items);
	req->items = NULL;
	req->n_items = 0;
}

void sim_req_error_free(struct sim_req_error *err)
{
	free(err->data_json);
	err->data_json = NULL;
}

/* Parses a JSON array of positive tracker ids. */
static int parse_ids(json_object *arr, uint32_t **ids, size_t *n)
{
	if (!arr || !json_object_is_type(arr, json_type_array))
		return -1;
	size_t len = json_object_array_length(arr);
	uint32_t *v = calloc(len ? len : 1, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (!e || !json_object_is_type(e, json_type_int)) {
			free(v);
			return -1;
		}
		int64_t x = json_object_get_int64(e);
		if (x <= 0 || x > UINT32_MAX) {
			free(v);
			return -1;
		}
		v[i] = (uint32_t)x;
	}
	*ids = v;
	*n = len;
	return 0;
}

static int parse_target(json_object *tg, struct sim_req_item *it, int optional)
{
	if (!tg) {
		if (!optional)
			return -1;
		it->all = 1;
		return 0;
	}
	json_object *ty;
	if (!json_object_is_type(tg, json_type_object) ||
	    !json_object_object_get_ex(tg, "type", &ty) || !json_object_is_type(ty, json_type_string))
		return -1;
	const char *t = json_object_get_string(ty);
	if (!strcmp(t, "all")) {
		it->all = 1;
		return 0;
	}
	if (strcmp(t, "selected"))
		return -1;
	json_object *ids;
	if (!json_object_object_get_ex(tg, "tracker_ids", &ids))
		return -1;
	return parse_ids(ids, &it->ids, &it->n_ids);
}

/* Returns 0, or 5 / 7. */
static int parse_item(json_object *o, struct sim_req_item *it, int unsubscribe)
{
	json_object *v;
	memset(it, 0, sizeof(*it));
	it->rate_ms = -1;
	it->flt.include_components = 1;
	if (!json_object_is_type(o, json_type_object))
		return 5;
	if (!json_object_object_get_ex(o, "type", &v) || !json_object_is_type(v, json_type_string) ||
	    evtype_parse(json_object_get_string(v), &it->type))
		return 7;
	if (it->type == EV_STATE) {
		json_object *tr = NULL, *tg = NULL;
		json_object_object_get_ex(o, "trackers", &tr);
		json_object_object_get_ex(o, "target", &tg);
		if (tr) {
			if (parse_ids(tr, &it->ids, &it->n_ids))
				return 7;
		} else if (parse_target(tg, it, unsubscribe)) {
			return 7;
		}
	} else {
		json_object *tg = NULL;
		json_object_object_get_ex(o, "target", &tg);
		if (parse_target(tg, it, unsubscribe))
			return 7;
	}
	if (json_object_object_get_ex(o, "rate_limit", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string) ||
		    sim_parse_timespan(json_object_get_string(v), &it->rate_ms))
			return 7;
	}
	if (json_object_object_get_ex(o, "format", &v) && !json_object_is_type(v, json_type_null)) {
		const char *f = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
		if (!strcmp(f, "compact"))
			it->compact = 1;
		else if (strcmp(f, "full"))
			return 7;
	}
	if (json_object_object_get_ex(o, "sensor_type", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string))
			return 7;
		const char *s = json_object_get_string(v);
		int ok = 0;
		for (size_t i = 0; i < sizeof(sensor_types) / sizeof(sensor_types[0]); i++)
			ok |= !strcmp(s, sensor_types[i]);
		if (!ok)
			return 7;
		strncpy(it->flt.sensor_type, s, sizeof(it->flt.sensor_type) - 1);
	}
	if (json_object_object_get_ex(o, "include_components", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_boolean))
			return 7;
		it->flt.include_components = json_object_get_boolean(v);
	}
	if (it->type == EV_IOT_MONITOR && !it->all && it->n_ids > SIM_IOT_MAX_TRACKERS)
		return 7;
	return 0;
}

static int push_item(struct sim_request *req, const struct sim_req_item *it)
{
	struct sim_req_item *n = realloc(req->items, (req->n_items + 1) * sizeof(*n));
	if (!n)
		return -1;
	req->items = n;
	req->items[req->n_items++] = *it;
	return 0;
}

static int parse_body(json_object *root, struct sim_request *req)
{
	json_object *requests = NULL, *events = NULL, *trackers = NULL;
	json_object_object_get_ex(root, "requests", &requests);
	json_object_object_get_ex(root, "events", &events);
	json_object_object_get_ex(root, "trackers", &trackers);
	int unsub = req->action == ACT_UNSUBSCRIBE;

	if (requests && !json_object_is_type(requests, json_type_null)) {
		if (!json_object_is_type(requests, json_type_array))
			return 5;
		size_t n = json_object_array_length(requests);
		if (n == 0)
			return 7;
		for (size_t i = 0; i < n; i++) {
			struct sim_req_item it;
			int rc = parse_item(json_object_array_get_idx(requests, i), &it, unsub);
			if (rc || push_item(req, &it)) {
				free(it.ids);
				return rc ? rc : 6;
			}
		}
		return 0;
	}
	if (!events || !trackers)
		return 5;
	if (!json_object_is_type(events, json_type_array) ||
	    json_object_array_length(events) == 0)
		return 7;
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		if (!e || !json_object_is_type(e, json_type_string) ||
		    strcmp(json_object_get_string(e), "state"))
			return 7;
	}
	struct sim_req_item it;
	memset(&it, 0, sizeof(it));
	it.type = EV_STATE;
	it.rate_ms = -1;
	it.flt.include_components = 1;
	if (parse_ids(trackers, &it.ids, &it.n_ids))
		return 7;
	if (push_item(req, &it)) {
		free(it.ids);
		return 6;
	}
	req->legacy = 1;
	return 0;
}

static char *echo_without_hash(json_object *root)
{
	json_object *copy = NULL;
	if (json_object_deep_copy(root, &copy, NULL) || !copy)
		return NULL;
	json_object_object_del(copy, "hash");
	json_object_object_del(copy, "action");
	char *s = strdup(json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN));
	json_object_put(copy);
	return s;
}

int sim_request_parse(const char *msg, size_t len, sim_hash_check_fn check, void *ctx,
		      struct sim_request *req, struct sim_req_error *err)
{
	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	req->iso = -1;
	strcpy(err->action, "null");

	json_tokener *tok = json_tokener_new();
	if (!tok) {
		err->code = 6;
		return err->code;
	}
	json_object *root = json_tokener_parse_ex(tok, msg, (int)len);
	int complete = json_tokener_get_error(tok) == json_tokener_success &&
		       json_tokener_get_parse_end(tok) <= len;
	/* anything but white space after the document is malformed */
	if (complete)
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!isspace((unsigned char)msg[i]))
				complete = 0;
	json_tokener_free(tok);
	if (!root || !complete || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		err->code = 5;
		return err->code;
	}

	int code = 0;
	json_object *v;
	if (!json_object_object_get_ex(root, "action", &v) || !json_object_is_type(v, json_type_string)) {
		code = 5;
		goto out;
	}
	const char *action = json_object_get_string(v);
	if (!strcmp(action, "subscribe"))
		req->action = ACT_SUBSCRIBE;
	else if (!strcmp(action, "unsubscribe"))
		req->action = ACT_UNSUBSCRIBE;
	else {
		code = 5;
		goto out;
	}
	snprintf(err->action, sizeof(err->action), "subscription/%s", action);

	if (!json_object_object_get_ex(root, "hash", &v) || !json_object_is_type(v, json_type_string) ||
	    !sim_hash_wellformed(json_object_get_string(v))) {
		code = 3;
		goto out;
	}
	strcpy(req->hash, json_object_get_string(v));
	if (check && !check(ctx, req->hash)) {
		code = 4;
		goto out;
	}
	if (json_object_object_get_ex(root, "iso_datetime", &v) &&
	    json_object_is_type(v, json_type_boolean))
		req->iso = json_object_get_boolean(v);
	code = parse_body(root, req);
out:
	if (code) {
		err->code = code;
		err->data_json = echo_without_hash(root);
		sim_request_free(req);
	}
	json_object_put(root);
	return code;
}
