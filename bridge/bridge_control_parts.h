/*
 * bridge_control_parts.h - what the control plane's files share
 * (bridge_control.c: requests and responses, list/resync/health;
 * bridge_control_subs.c: subscribe/unsubscribe and the requests waiting
 * for Navixy; bridge_control_health.c: the counters). Not for use outside
 * the control plane.
 */
#ifndef N2M_BRIDGE_CONTROL_PARTS_H
#define N2M_BRIDGE_CONTROL_PARTS_H

#include <stdint.h>

#include <json-c/json.h>

#include "bridge_control.h"
#include "bridge_parts.h"
#include "control_request.h"

/* Requests waiting for Navixy at once; more are answered "pending" at
 * once, so a flood of requests cannot grow memory without bound. */
#define N2M_CTL_MAX_PENDING 256

struct n2m_control_counters {
	uint64_t requests;          /* messages on the request topics */
	uint64_t responses;         /* responses published (each target counts) */
	uint64_t bad_requests;      /* answered with an error */
	uint64_t changes;           /* requests that changed the desired set */
	uint64_t upstream_timeouts; /* answered "pending" after waiting for Navixy */
	uint64_t upstream_errors;   /* Navixy refused a request */
	uint64_t state_file_errors; /* saves that failed */
};

/* Where one request's response goes. */
struct ctl_reply {
	char *topic;                 /* <base>/bridge/response/<command> */
	char *response_topic;        /* MQTT 5 response topic, or NULL */
	void *correlation;           /* MQTT 5 correlation data, or NULL */
	size_t correlation_len;
	struct json_object *transaction; /* echoed; NULL when absent */
	int silent;                  /* sharded, not the answering instance: apply, do not
				      * publish (README "Running at scale") */
};

/* A subscribe/unsubscribe sent to Navixy, waiting for its response. */
struct ctl_pending {
	struct ctl_pending *next;
	struct ctl_reply reply;
	enum n2m_ctl_command command;
	struct n2m_sub sub;          /* the request's type and targets (ids owned) */
	int64_t *clear_ids;          /* unsubscribe: trackers whose topics to clear */
	size_t n_clear;
	char *warning;               /* e.g. a failed state-file save, or NULL */
	int64_t deadline_ms;         /* monotonic */
	int reload;                  /* a SIGHUP's clear waiting for Navixy: no request to answer */
};

struct n2m_control {
	struct bridge *b;
	struct ctl_pending *head, *tail;
	size_t n_pending;
	lws_sorted_usec_list_t sul_timeout;
	struct n2m_control_counters counters;
};

/* bridge_control.c */
void ctl_reply_free(struct ctl_reply *r);
/* Publishes the response to every target of r; takes ownership of data. */
void ctl_answer_ok(struct bridge *b, struct ctl_reply *r, struct json_object *data);
void ctl_answer_error(struct bridge *b, struct ctl_reply *r, const char *error);
int64_t ctl_now_ms(void);

/* bridge_control_subs.c: handles a parsed subscribe/unsubscribe, answering
 * now or once Navixy responds; takes ownership of *reply (left zeroed). */
void ctl_subscription_request(struct bridge *b, struct ctl_reply *reply,
			      const struct n2m_ctl_request *req);
void ctl_pending_free_all(struct n2m_control *c);
/* Answers every waiting request "pending" (shutdown). */
void ctl_pending_answer_all(struct n2m_control *c);

/* bridge_control_health.c: the bridge/health report plus the control counters. */
struct json_object *ctl_health_json(struct bridge *b);

#endif
