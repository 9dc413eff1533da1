/* SPDX-License-Identifier: MIT */
/*
 * subscription.c - the desired Navixy subscription set: set operations on
 * sorted unique tracker ids, validation, equality and the JSON form used by
 * the state file, bridge/info and the control plane. No I/O.
 */
#include "subscription.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static const char *const type_names[N2M_SUB_TYPE_COUNT] = {
	[N2M_SUB_STATE] = "state",
	[N2M_SUB_STATE_BATCH] = "state_batch",
	[N2M_SUB_READINGS_BATCH] = "readings_batch",
	[N2M_SUB_IOT_MONITOR] = "iot_monitor",
};

const char *n2m_sub_type_name(enum n2m_sub_type type)
{
	if ((unsigned)type >= N2M_SUB_TYPE_COUNT)
		return "unknown";
	return type_names[type];
}

int n2m_sub_type_parse(const char *name, enum n2m_sub_type *out)
{
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++) {
		if (name && strcmp(name, type_names[t]) == 0) {
			*out = (enum n2m_sub_type)t;
			return 0;
		}
	}
	return -1;
}

const char *n2m_sub_format_name(enum n2m_sub_format format)
{
	return format == N2M_FORMAT_COMPACT ? "compact" : "full";
}

int n2m_sub_format_parse(const char *name, enum n2m_sub_format *out)
{
	if (name && strcmp(name, "full") == 0)
		*out = N2M_FORMAT_FULL;
	else if (name && strcmp(name, "compact") == 0)
		*out = N2M_FORMAT_COMPACT;
	else
		return -1;
	return 0;
}

/* Navixy's timespans seen in the docs and in traffic are "<digits><unit>";
 * we accept exactly that, so a typo is caught here and not by the server. */
long n2m_rate_limit_ms(const char *text)
{
	static const struct { const char *unit; long ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	if (!text || text[0] < '0' || text[0] > '9')
		return -1;
	long n = 0;
	const char *p = text;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (LONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		if (n <= 0 || n > LONG_MAX / units[i].ms)
			return -1;
		return n * units[i].ms;
	}
	return -1;
}

static void sub_init(struct n2m_sub *sub, enum n2m_sub_type type)
{
	memset(sub, 0, sizeof(*sub));
	sub->format = N2M_FORMAT_FULL;
	sub->include_components = -1;
	sub->type = type;
}

/* Back to "not wanted", keeping which type the slot is. */
static void sub_free(struct n2m_sub *sub)
{
	free(sub->ids);
	sub_init(sub, sub->type);
}

void n2m_sub_set_init(struct n2m_sub_set *set)
{
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++)
		sub_init(&set->subs[t], (enum n2m_sub_type)t);
}

void n2m_sub_set_free(struct n2m_sub_set *set)
{
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++)
		sub_free(&set->subs[t]);
}

static int reserve_ids(struct n2m_sub *sub, size_t need)
{
	if (need <= sub->cap_ids)
		return 0;
	size_t cap = sub->cap_ids ? sub->cap_ids : 8;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / sizeof(int64_t))
			return -1;
		cap *= 2;
	}
	int64_t *ids = realloc(sub->ids, cap * sizeof(int64_t));
	if (!ids)
		return -1;
	sub->ids = ids;
	sub->cap_ids = cap;
	return 0;
}

int n2m_sub_set_copy(struct n2m_sub_set *dst, const struct n2m_sub_set *src)
{
	n2m_sub_set_init(dst);
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++) {
		const struct n2m_sub *s = &src->subs[t];
		struct n2m_sub *d = &dst->subs[t];
		*d = *s;
		d->ids = NULL;
		d->cap_ids = 0;
		d->n_ids = 0;
		if (s->n_ids && reserve_ids(d, s->n_ids) < 0) {
			n2m_sub_set_free(dst);
			return -1;
		}
		if (s->n_ids)
			memcpy(d->ids, s->ids, s->n_ids * sizeof(int64_t));
		d->n_ids = s->n_ids;
	}
	return 0;
}

void n2m_sub_set_default(struct n2m_sub_set *set)
{
	static const enum n2m_sub_type defaults[] = { N2M_SUB_STATE_BATCH, N2M_SUB_READINGS_BATCH };
	n2m_sub_set_init(set);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		struct n2m_sub *sub = &set->subs[defaults[i]];
		sub->active = 1;
		sub->all = 1;
		strcpy(sub->rate_limit, "1s");
	}
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Sorts and removes duplicates in place. */
static size_t sort_unique(int64_t *ids, size_t n)
{
	if (n == 0)
		return 0;
	qsort(ids, n, sizeof(*ids), cmp_id);
	size_t w = 1;
	for (size_t r = 1; r < n; r++)
		if (ids[r] != ids[w - 1])
			ids[w++] = ids[r];
	return w;
}

static void copy_options(struct n2m_sub *dst, const struct n2m_sub *src)
{
	memcpy(dst->rate_limit, src->rate_limit, sizeof(dst->rate_limit));
	dst->rate_limit[sizeof(dst->rate_limit) - 1] = '\0';
	dst->format = src->format;
	memcpy(dst->sensor_type, src->sensor_type, sizeof(dst->sensor_type));
	dst->sensor_type[sizeof(dst->sensor_type) - 1] = '\0';
	dst->include_components = src->include_components;
}

/* Adds ids to sub, keeping them sorted and unique. */
static int merge_ids(struct n2m_sub *sub, const int64_t *ids, size_t n)
{
	if (n == 0)
		return 0;
	if (n > SIZE_MAX - sub->n_ids || reserve_ids(sub, sub->n_ids + n) < 0)
		return -1;
	memcpy(sub->ids + sub->n_ids, ids, n * sizeof(int64_t));
	sub->n_ids = sort_unique(sub->ids, sub->n_ids + n);
	return 0;
}

int n2m_sub_set_add(struct n2m_sub_set *set, const struct n2m_sub *request)
{
	if ((unsigned)request->type >= N2M_SUB_TYPE_COUNT)
		return -1;
	struct n2m_sub *sub = &set->subs[request->type];
	if (request->all) {
		free(sub->ids);
		sub->ids = NULL;
		sub->n_ids = sub->cap_ids = 0;
		sub->all = 1;
	} else if (!sub->all) {
		/* Adding ids to an "all" subscription changes nothing: all
		 * already covers them. */
		if (merge_ids(sub, request->ids, request->n_ids) < 0)
			return -1;
	}
	copy_options(sub, request);
	sub->active = sub->all || sub->n_ids > 0;
	return 0;
}

/* Removes from sub every id of `drop` (sorted and unique). */
static void subtract_sorted(struct n2m_sub *sub, const int64_t *drop, size_t n_drop)
{
	size_t w = 0, d = 0;
	for (size_t r = 0; r < sub->n_ids; r++) {
		while (d < n_drop && drop[d] < sub->ids[r])
			d++;
		if (d < n_drop && drop[d] == sub->ids[r])
			continue;
		sub->ids[w++] = sub->ids[r];
	}
	sub->n_ids = w;
}

int n2m_sub_set_remove(struct n2m_sub_set *set, const struct n2m_sub *request)
{
	if ((unsigned)request->type >= N2M_SUB_TYPE_COUNT)
		return -1;
	struct n2m_sub *sub = &set->subs[request->type];
	if (request->all) {
		sub_free(sub);
		return 0;
	}
	if (!sub->active || request->n_ids == 0)
		return 0;
	/* Navixy cannot exclude trackers from an "all" target. */
	if (sub->all)
		return 1;
	int64_t *drop = malloc(request->n_ids * sizeof(int64_t));
	if (!drop)
		return -1;
	memcpy(drop, request->ids, request->n_ids * sizeof(int64_t));
	size_t n_drop = sort_unique(drop, request->n_ids);
	subtract_sorted(sub, drop, n_drop);
	free(drop);
	if (sub->n_ids == 0)
		sub_free(sub);
	return 0;
}

int n2m_sub_covers(const struct n2m_sub *sub, int64_t tracker_id)
{
	if (!sub->active)
		return 0;
	if (sub->all)
		return 1;
	return sub->n_ids &&
	       bsearch(&tracker_id, sub->ids, sub->n_ids, sizeof(int64_t), cmp_id) != NULL;
}

int n2m_sub_set_covers(const struct n2m_sub_set *set, int64_t tracker_id)
{
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++)
		if (n2m_sub_covers(&set->subs[t], tracker_id))
			return 1;
	return 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Navixy's sensor types are lower-case identifiers ("fuel", "temperature"). */
static int sensor_type_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int validate_options(enum n2m_sub_type type, const struct n2m_sub *sub,
			    char *err, size_t errlen)
{
	int batch = type != N2M_SUB_STATE;
	if (sub->rate_limit[0] && !batch) {
		set_err(err, errlen, "rate_limit: state takes no rate_limit (use state_batch)");
		return -1;
	}
	if (sub->rate_limit[0] && n2m_rate_limit_ms(sub->rate_limit) <= 0) {
		set_err(err, errlen,
			"rate_limit: must be a number above 0 followed by ms, s, m or h (got \"%s\")",
			sub->rate_limit);
		return -1;
	}
	if (sub->format != N2M_FORMAT_FULL && sub->format != N2M_FORMAT_COMPACT) {
		set_err(err, errlen, "format: must be full or compact");
		return -1;
	}
	if (sub->format != N2M_FORMAT_FULL && type != N2M_SUB_STATE && type != N2M_SUB_STATE_BATCH) {
		set_err(err, errlen, "format: only state and state_batch take a format");
		return -1;
	}
	if (type != N2M_SUB_READINGS_BATCH && (sub->sensor_type[0] || sub->include_components != -1)) {
		set_err(err, errlen, "%s: only readings_batch takes it",
			sub->sensor_type[0] ? "sensor_type" : "include_components");
		return -1;
	}
	if (!sensor_type_ok(sub->sensor_type)) {
		set_err(err, errlen, "sensor_type: must be lower-case letters, digits and _ (got \"%s\")",
			sub->sensor_type);
		return -1;
	}
	if (sub->include_components < -1 || sub->include_components > 1) {
		set_err(err, errlen, "include_components: must be true or false");
		return -1;
	}
	return 0;
}

static int validate_targets(enum n2m_sub_type type, const struct n2m_sub *sub,
			    char *err, size_t errlen)
{
	for (size_t i = 0; !sub->all && i < sub->n_ids; i++) {
		if (sub->ids[i] <= 0) {
			set_err(err, errlen, "trackers: tracker ids are positive (got %lld)",
				(long long)sub->ids[i]);
			return -1;
		}
	}
	if (type != N2M_SUB_IOT_MONITOR)
		return 0;
	if (sub->all) {
		set_err(err, errlen, "trackers: iot_monitor needs a list of at most %d tracker ids, not \"all\"",
			N2M_IOT_MONITOR_MAX_IDS);
		return -1;
	}
	if (sub->n_ids > N2M_IOT_MONITOR_MAX_IDS) {
		set_err(err, errlen, "trackers: iot_monitor takes at most %d trackers (got %zu)",
			N2M_IOT_MONITOR_MAX_IDS, sub->n_ids);
		return -1;
	}
	return 0;
}

int n2m_sub_validate(enum n2m_sub_type type, const struct n2m_sub *sub, char *err, size_t errlen)
{
	if ((unsigned)type >= N2M_SUB_TYPE_COUNT) {
		set_err(err, errlen, "type: unknown subscription type");
		return -1;
	}
	if (!sub->active)
		return 0;
	if (validate_targets(type, sub, err, errlen) < 0)
		return -1;
	return validate_options(type, sub, err, errlen);
}

static int sub_equal(const struct n2m_sub *a, const struct n2m_sub *b)
{
	if (!a->active || !b->active)
		return a->active == b->active;
	if (a->all != b->all || strcmp(a->rate_limit, b->rate_limit) != 0 ||
	    a->format != b->format || strcmp(a->sensor_type, b->sensor_type) != 0 ||
	    a->include_components != b->include_components)
		return 0;
	if (a->all)
		return 1;
	return a->n_ids == b->n_ids &&
	       (a->n_ids == 0 || memcmp(a->ids, b->ids, a->n_ids * sizeof(int64_t)) == 0);
}

int n2m_sub_set_equal(const struct n2m_sub_set *a, const struct n2m_sub_set *b)
{
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++)
		if (!sub_equal(&a->subs[t], &b->subs[t]))
			return 0;
	return 1;
}

/* Adds key=value to obj, taking ownership of value; -1 if either fails. */
static int put(struct json_object *obj, const char *key, struct json_object *value)
{
	if (!value)
		return -1;
	if (json_object_object_add(obj, key, value) != 0) {
		json_object_put(value);
		return -1;
	}
	return 0;
}

static struct json_object *trackers_to_json(const struct n2m_sub *sub)
{
	if (sub->all)
		return json_object_new_string("all");
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; arr && i < sub->n_ids; i++) {
		struct json_object *id = json_object_new_int64(sub->ids[i]);
		if (!id || json_object_array_add(arr, id) != 0) {
			json_object_put(id);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static struct json_object *sub_to_json(const struct n2m_sub *sub)
{
	struct json_object *obj = json_object_new_object();
	if (!obj)
		return NULL;
	int rc = put(obj, "trackers", trackers_to_json(sub));
	if (rc == 0 && sub->rate_limit[0])
		rc = put(obj, "rate_limit", json_object_new_string(sub->rate_limit));
	if (rc == 0 && (sub->type == N2M_SUB_STATE || sub->type == N2M_SUB_STATE_BATCH))
		rc = put(obj, "format", json_object_new_string(n2m_sub_format_name(sub->format)));
	if (rc == 0 && sub->sensor_type[0])
		rc = put(obj, "sensor_type", json_object_new_string(sub->sensor_type));
	if (rc == 0 && sub->include_components != -1)
		rc = put(obj, "include_components", json_object_new_boolean(sub->include_components));
	if (rc < 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *n2m_sub_set_to_json(const struct n2m_sub_set *set)
{
	struct json_object *obj = json_object_new_object();
	for (int t = 0; obj && t < N2M_SUB_TYPE_COUNT; t++) {
		const struct n2m_sub *sub = &set->subs[t];
		if (!sub->active)
			continue;
		if (put(obj, type_names[t], sub_to_json(sub)) < 0) {
			json_object_put(obj);
			return NULL;
		}
	}
	return obj;
}

/* Reads "trackers": "all" or an array of positive integers. */
static int trackers_from_json(struct n2m_sub *sub, struct json_object *v, char *err, size_t errlen)
{
	if (json_object_is_type(v, json_type_string)) {
		if (strcmp(json_object_get_string(v), "all") != 0) {
			set_err(err, errlen, "trackers: must be \"all\" or a list of tracker ids");
			return -1;
		}
		sub->all = 1;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array)) {
		set_err(err, errlen, "trackers: must be \"all\" or a list of tracker ids");
		return -1;
	}
	size_t n = json_object_array_length(v);
	if (n == 0) {
		set_err(err, errlen, "trackers: empty list (use \"all\" or list tracker ids)");
		return -1;
	}
	if (reserve_ids(sub, n) < 0) {
		set_err(err, errlen, "trackers: out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *id = json_object_array_get_idx(v, i);
		errno = 0;
		int64_t value = json_object_get_int64(id);
		if (!json_object_is_type(id, json_type_int) || errno || value <= 0) {
			set_err(err, errlen, "trackers[%zu]: expected a positive integer tracker id", i);
			return -1;
		}
		sub->ids[i] = value;
	}
	sub->n_ids = sort_unique(sub->ids, n);
	return 0;
}

/* Copies a JSON string into a fixed buffer, refusing what does not fit. */
static int string_field(char *dst, size_t cap, struct json_object *v, const char *field,
			char *err, size_t errlen)
{
	if (!json_object_is_type(v, json_type_string)) {
		set_err(err, errlen, "%s: expected a string", field);
		return -1;
	}
	const char *s = json_object_get_string(v);
	size_t len = strlen(s);
	if (len >= cap || len != (size_t)json_object_get_string_len(v)) {
		set_err(err, errlen, "%s: longer than %zu characters or contains NUL", field, cap - 1);
		return -1;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

static int sub_field_from_json(struct n2m_sub *sub, const char *key, struct json_object *v,
			       char *err, size_t errlen)
{
	if (strcmp(key, "trackers") == 0)
		return trackers_from_json(sub, v, err, errlen);
	if (strcmp(key, "rate_limit") == 0)
		return string_field(sub->rate_limit, sizeof(sub->rate_limit), v, key, err, errlen);
	if (strcmp(key, "sensor_type") == 0)
		return string_field(sub->sensor_type, sizeof(sub->sensor_type), v, key, err, errlen);
	if (strcmp(key, "format") == 0) {
		if (!json_object_is_type(v, json_type_string) ||
		    n2m_sub_format_parse(json_object_get_string(v), &sub->format) < 0) {
			set_err(err, errlen, "format: must be \"full\" or \"compact\"");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "include_components") == 0) {
		if (!json_object_is_type(v, json_type_boolean)) {
			set_err(err, errlen, "include_components: expected true or false");
			return -1;
		}
		sub->include_components = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	}
	set_err(err, errlen, "%s: unknown field", key);
	return -1;
}

/* One type's entry; trackers defaults to "all" when absent. */
static int sub_from_json(struct n2m_sub *sub, struct json_object *obj, char *err, size_t errlen)
{
	if (!json_object_is_type(obj, json_type_object)) {
		set_err(err, errlen, "expected an object");
		return -1;
	}
	sub->all = 1;
	if (json_object_object_get_ex(obj, "trackers", NULL))
		sub->all = 0;
	json_object_object_foreach(obj, key, v) {
		if (sub_field_from_json(sub, key, v, err, errlen) < 0)
			return -1;
	}
	sub->active = 1;
	return n2m_sub_validate(sub->type, sub, err, errlen);
}

/* Puts "<prefix>." in front of the message already in err. */
static void prefix_err(char *err, size_t errlen, const char *prefix)
{
	if (!err || errlen == 0)
		return;
	char tail[512];
	snprintf(tail, sizeof(tail), "%s", err);
	snprintf(err, errlen, "%s.%s", prefix, tail);
}

int n2m_sub_set_from_json(struct n2m_sub_set *set, struct json_object *obj, char *err, size_t errlen)
{
	n2m_sub_set_init(set);
	if (!json_object_is_type(obj, json_type_object)) {
		set_err(err, errlen, "subscriptions: expected a JSON object keyed by type");
		return -1;
	}
	json_object_object_foreach(obj, key, v) {
		enum n2m_sub_type type;
		if (n2m_sub_type_parse(key, &type) < 0) {
			set_err(err, errlen,
				"%s: unknown subscription type (expected state, state_batch, readings_batch or iot_monitor)",
				key);
			n2m_sub_set_free(set);
			return -1;
		}
		if (sub_from_json(&set->subs[type], v, err, errlen) < 0) {
			prefix_err(err, errlen, key);
			n2m_sub_set_free(set);
			return -1;
		}
	}
	return 0;
}
