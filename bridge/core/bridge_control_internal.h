/* SPDX-License-Identifier: MIT */
/*
 * bridge_control_internal.h - what the control plane's files share
 * (bridge_control.c: the request dispatch, list/resync/health;
 * bridge_control_reply.c: where and how a request is answered;
 * bridge_control_subs.c: subscribe/unsubscribe and the requests waiting
 * for Navixy; bridge_control_health.c: the counters). Not for use outside
 * the control plane.
 */
#ifndef N2M_BRIDGE_CONTROL_INTERNAL_H
#define N2M_BRIDGE_CONTROL_INTERNAL_H

#include <stdint.h>

#include <json-c/json.h>

#include "bridge_control.h"
#include "bridge_internal.h"
#include "control_request.h"
#include "log_throttle.h"
#include "rate_limit.h"

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
	uint64_t rate_limited;      /* refused over control.max_requests_per_s */
	uint64_t rate_limited_unanswered; /* of those, beyond the answer budget: no answer */
	uint64_t response_topics_refused; /* MQTT 5 response topics outside the allowed space */
	uint64_t bad_topics;        /* requests on a malformed request topic */
};

/* Where one request's response goes. */
struct ctl_reply {
	char *topic;                 /* <base>/bridge/response/<command> */
	char *response_topic;        /* MQTT 5 response topic, or NULL */
	void *correlation;           /* MQTT 5 correlation data, or NULL */
	size_t correlation_len;
	struct json_object *transaction; /* echoed; NULL when absent */
	int silent;                  /* sharded, not the answering instance: apply, do not
				      * publish (docs/scale-out.md) */
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
	/* The trust boundary (bridge_control_guard.c). */
	struct n2m_token_bucket bucket;  /* control.max_requests_per_s, request_burst */
	struct n2m_token_bucket answers; /* rate_limited answers: the same rate and burst */
	struct n2m_log_throttle rate_gate; /* control.rate_limited lines */
	char **allow;                    /* control.response_topic_allow prefixes */
	size_t n_allow;
};

/* bridge_control_reply.c: the answers (called by every other control file). */
void ctl_reply_free(struct ctl_reply *r);
/* Publishes the response to every target of r; takes ownership of data. */
void ctl_answer_ok(struct bridge *b, struct ctl_reply *r, struct json_object *data);
void ctl_answer_error(struct bridge *b, struct ctl_reply *r, const char *error);
/* The same without counting a bad request (rate_limited has its own counter). */
void ctl_publish_error(struct bridge *b, struct ctl_reply *r, const char *error);
/* The reply targets of a request on `command` ("error" for a malformed
 * topic); 0 or -1 on no memory. */
int ctl_reply_for(struct bridge *b, const char *command, const struct n2m_mqtt_message *msg,
		  struct ctl_reply *r);
int64_t ctl_now_ms(void);

/* bridge_control_subs.c: handles a parsed subscribe/unsubscribe, answering
 * now or once Navixy responds; takes ownership of *reply (left zeroed). */
void ctl_subscription_request(struct bridge *b, struct ctl_reply *reply,
			      const struct n2m_ctl_request *req);
void ctl_pending_free_all(struct n2m_control *c);
/* Answers every waiting request "pending" (shutdown). */
void ctl_pending_answer_all(struct n2m_control *c);

/* bridge_control_guard.c: what untrusted requesters may not do. */
int ctl_guard_init(struct bridge *b, char *err, size_t errlen);
void ctl_guard_free(struct n2m_control *c);
/* Over the rate: answers rate_limited (payload unread; at most as many
 * answers a second as requests are accepted, so a flood is not mirrored
 * onto the broker), counts, logs at most once per interval and returns 1;
 * else 0. */
int ctl_guard_rate(struct bridge *b, const char *command, const struct n2m_mqtt_message *msg);
/* 0 if r->response_topic is absent or allowed (response_topic.h); -1 with
 * the reason in why, after dropping it from r, logging and counting. */
int ctl_guard_response_topic(struct bridge *b, struct ctl_reply *r, char *why, size_t whylen);

/* bridge_control_health.c: the bridge/health report plus the control counters. */
struct json_object *ctl_health_json(struct bridge *b);

#endif
