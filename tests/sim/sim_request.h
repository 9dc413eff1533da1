/* SPDX-License-Identifier: MIT */
/*
 * sim_request.h - parses and validates client messages on the WebSocket:
 * subscribe / unsubscribe in the "requests" form and the legacy
 * "events"+"trackers" form. Pure (json-c); the hash check is injected.
 *
 * Error codes: 5 not JSON / not an object / no or unknown action / wrong
 * structure; 3 hash missing or not 32 hex; 4 hash unknown or ended (from the
 * injected check); 7 invalid parameters (unknown type, bad target, ids,
 * rate_limit, format, sensor_type, events other than "state", >10 trackers
 * for iot_monitor).
 */
#ifndef SIM_REQUEST_H
#define SIM_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "sim_json.h"

enum sim_evtype { EV_STATE, EV_STATE_BATCH, EV_READINGS_BATCH, EV_IOT_MONITOR, EV_COUNT };
enum sim_action { ACT_NONE, ACT_SUBSCRIBE, ACT_UNSUBSCRIBE };

#define SIM_IOT_MAX_TRACKERS 10

struct sim_req_item {
	enum sim_evtype type;
	int all;               /* target all */
	uint32_t *ids;         /* selected tracker ids (as sent, duplicates kept) */
	size_t n_ids;
	long rate_ms;          /* -1: not given */
	int compact;
	struct sim_rd_filter flt;
};

struct sim_request {
	enum sim_action action;
	char hash[33];
	int legacy;            /* events+trackers form */
	int iso;               /* root iso_datetime: 1 / 0, -1 when absent */
	struct sim_req_item *items;
	size_t n_items;
};

/* Outcome of a failed parse: the code and the error frame's action and data. */
struct sim_req_error {
	int code;
	char action[40];       /* "subscription/subscribe", ... or "null" */
	char *data_json;       /* echo of the request without its hash, or NULL */
};

typedef int (*sim_hash_check_fn)(void *ctx, const char *hash); /* 1 = valid */

/* Returns 0 and fills req, or the error code and fills err. check may be NULL. */
int sim_request_parse(const char *msg, size_t len, sim_hash_check_fn check, void *ctx,
		      struct sim_request *req, struct sim_req_error *err);
void sim_request_free(struct sim_request *req);
void sim_req_error_free(struct sim_req_error *err);

const char *sim_evtype_name(enum sim_evtype t);
int sim_hash_wellformed(const char *h);

#endif
