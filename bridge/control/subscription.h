/* SPDX-License-Identifier: MIT */
/*
 * subscription.h - the desired set of Navixy subscriptions, without I/O.
 *
 * The bridge wants, per event type, either every tracker of the account or a
 * set of tracker ids, with that type's options. The config gives the initial
 * set, the control plane changes it, the state file persists it, and after
 * every upstream (re)connect the whole set is sent again, because Navixy
 * subscriptions die with the socket.
 */
#ifndef N2M_SUBSCRIPTION_H
#define N2M_SUBSCRIPTION_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

enum n2m_sub_type {
	N2M_SUB_STATE = 0,
	N2M_SUB_STATE_BATCH,
	N2M_SUB_READINGS_BATCH,
	N2M_SUB_IOT_MONITOR,
	N2M_SUB_TYPE_COUNT
};

enum n2m_sub_format { N2M_FORMAT_FULL = 0, N2M_FORMAT_COMPACT };

#define N2M_RATE_LIMIT_MAX 16
#define N2M_SENSOR_TYPE_MAX 32
/* Navixy accepts at most this many trackers in an iot_monitor target. */
#define N2M_IOT_MONITOR_MAX_IDS 10

struct n2m_sub {
	int active;                /* this type is wanted at all */
	int all;                   /* target all trackers (ids ignored) */
	int64_t *ids;              /* sorted, unique tracker ids when !all */
	size_t n_ids;
	size_t cap_ids;
	char rate_limit[N2M_RATE_LIMIT_MAX];   /* "1s"; "" = server default */
	enum n2m_sub_format format;            /* state, state_batch */
	char sensor_type[N2M_SENSOR_TYPE_MAX]; /* readings_batch; "" = all */
	int include_components;                /* readings_batch; -1 unset */
	enum n2m_sub_type type;    /* which type this is; add/remove requests name
				    * their type here (set->subs[t].type == t) */
};

struct n2m_sub_set {
	struct n2m_sub subs[N2M_SUB_TYPE_COUNT];
};

const char *n2m_sub_type_name(enum n2m_sub_type type);
int n2m_sub_type_parse(const char *name, enum n2m_sub_type *out);

const char *n2m_sub_format_name(enum n2m_sub_format format);
int n2m_sub_format_parse(const char *name, enum n2m_sub_format *out);

/* Parses a Navixy timespan like "500ms", "1s", "5s", "2m" into ms; -1 if bad. */
long n2m_rate_limit_ms(const char *text);

void n2m_sub_set_init(struct n2m_sub_set *set);
void n2m_sub_set_free(struct n2m_sub_set *set);
int n2m_sub_set_copy(struct n2m_sub_set *dst, const struct n2m_sub_set *src);
/* The default: state_batch and readings_batch for all trackers, rate_limit 1s. */
void n2m_sub_set_default(struct n2m_sub_set *set);

/* Adds ids (or all when request->all) to request->type with the given options; options
 * replace the previous ones of that type. Returns 0 or -1 on no memory. */
int n2m_sub_set_add(struct n2m_sub_set *set, const struct n2m_sub *request);
/* Removes ids from request->type (or the whole type when request->all). Removing ids from an
 * "all" subscription is refused: returns 1 (nothing changed). */
int n2m_sub_set_remove(struct n2m_sub_set *set, const struct n2m_sub *request);

/* True if tracker id is covered by any active type (or by type `type`). */
int n2m_sub_set_covers(const struct n2m_sub_set *set, int64_t tracker_id);
int n2m_sub_covers(const struct n2m_sub *sub, int64_t tracker_id);

/* Checks one type's subscription against Navixy's rules (positive ids,
 * rate_limit grammar, options that type accepts, iot_monitor's 10-id
 * limit). Returns 0, or -1 with a message naming the field. */
int n2m_sub_validate(enum n2m_sub_type type, const struct n2m_sub *sub,
		     char *err, size_t errlen);

int n2m_sub_set_equal(const struct n2m_sub_set *a, const struct n2m_sub_set *b);

/* JSON form used by the state file, bridge/info and the control plane:
 * {"state_batch":{"trackers":"all","rate_limit":"1s","format":"full"},...} */
struct json_object *n2m_sub_set_to_json(const struct n2m_sub_set *set);
int n2m_sub_set_from_json(struct n2m_sub_set *set, struct json_object *obj,
			  char *err, size_t errlen);

#endif
