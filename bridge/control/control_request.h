/* SPDX-License-Identifier: MIT */
/*
 * control_request.h - control-plane requests and responses, without I/O.
 *
 * A request arrives on <base>/bridge/request/<command> with a JSON object
 * as payload (an empty payload counts as {}). Commands and their fields:
 *   subscribe, unsubscribe  type (state|state_batch|readings_batch|iot_monitor,
 *                           required), trackers ("all" or an array of
 *                           tracker ids, required); subscribe also takes
 *                           rate_limit, format, sensor_type, include_components
 *   list, resync, health    nothing
 *   log_level               level (error|warn|info|debug), optional: without it
 *                           the current level is only reported
 * Every command takes "transaction": any JSON scalar, echoed in the response.
 * Unknown fields are errors, so a typo never passes as a default.
 *
 * Every error names the field and the reason ("trackers: must be \"all\" or
 * an array of integers"). The response is always
 *   {"status":"ok"|"error","data":...|null,"error":null|"...","transaction":...|null}
 */
#ifndef N2M_CONTROL_REQUEST_H
#define N2M_CONTROL_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "subscription.h"

struct json_object;

/* Nesting deeper than this is refused: requests are flat. */
#define N2M_CTL_MAX_DEPTH 8

enum n2m_ctl_command {
	N2M_CTL_SUBSCRIBE = 0,
	N2M_CTL_UNSUBSCRIBE,
	N2M_CTL_LIST,
	N2M_CTL_RESYNC,
	N2M_CTL_HEALTH,
	N2M_CTL_LOG_LEVEL,
	N2M_CTL_COMMAND_COUNT
};

/* Which subscribe options the request gave (the others keep the
 * subscription's current value, see control_apply.h). */
enum n2m_ctl_option {
	N2M_CTL_OPT_RATE_LIMIT = 1u << 0,
	N2M_CTL_OPT_FORMAT = 1u << 1,
	N2M_CTL_OPT_SENSOR_TYPE = 1u << 2,
	N2M_CTL_OPT_INCLUDE_COMPONENTS = 1u << 3,
};

/* The settings named in the limit errors (control.max_request_bytes,
 * control.max_ids). */
struct n2m_ctl_limits {
	size_t max_request_bytes;
	size_t max_ids;
};

struct n2m_ctl_request {
	enum n2m_ctl_command command;
	/* subscribe/unsubscribe: sub.type, sub.all or sub.ids (sorted, unique,
	 * owned), and the options given (defaults otherwise). */
	struct n2m_sub sub;
	unsigned options;                  /* enum n2m_ctl_option bits */
	struct json_object *transaction;   /* owned; NULL when absent */
	int log_level;                     /* log_level: enum n2m_log_level, -1 = not given */
};

const char *n2m_ctl_command_name(enum n2m_ctl_command command);
int n2m_ctl_command_parse(const char *name, enum n2m_ctl_command *out);

/* The <command> level of a request topic <base>/bridge/request/<command>,
 * pointing into topic, or NULL if topic is not one. */
const char *n2m_ctl_topic_command(const char *topic, const char *base);

/* True if topic is <base>/bridge/request or lies below it: what the
 * control plane subscribes to (<base>/bridge/request/#), so a request on
 * a malformed topic (extra levels, no command) is answered, not ignored. */
int n2m_ctl_topic_in_request_tree(const char *topic, const char *base);

void n2m_ctl_request_init(struct n2m_ctl_request *req);
void n2m_ctl_request_free(struct n2m_ctl_request *req);

/* Parses payload[0..len) (need not be NUL-terminated) as a request for
 * `command` (the topic's last level). Returns 0, or -1 with the reason in
 * err. Even on -1, req->transaction holds the request's transaction when
 * it could be read, so the error response can echo it: always call
 * n2m_ctl_request_free. */
int n2m_ctl_request_parse(const char *command, const void *payload, size_t len,
			  const struct n2m_ctl_limits *limits, struct n2m_ctl_request *req,
			  char *err, size_t errlen);

/* The response text (malloc'd, NUL-terminated, length in *len when not
 * NULL), or NULL on no memory. ok takes ownership of data (NULL: null);
 * transaction is copied (NULL: null). */
char *n2m_ctl_response_ok(struct json_object *data, struct json_object *transaction,
			  size_t *len);
char *n2m_ctl_response_error(const char *error, struct json_object *transaction, size_t *len);

#endif
