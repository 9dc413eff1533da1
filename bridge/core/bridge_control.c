/* SPDX-License-Identifier: MIT */
/*
 * bridge_control.c - the control plane's front: restoring the state file,
 * subscribing to the request topics, turning each request message into
 * exactly one response (on <base>/bridge/response/<command> and the MQTT 5
 * response topic), and the commands that need no upstream round trip
 * (list, resync, health). subscribe/unsubscribe are in bridge_control_subs.c,
 * the answers themselves in bridge_control_reply.c.
 */
#include "bridge_control_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state_file.h"
#include "topic.h"

/* ---------- list, resync, health ---------- */

static int cmp_tracker_id(const void *a, const void *c)
{
	int64_t x = (*(struct n2m_tracker *const *)a)->id;
	int64_t y = (*(struct n2m_tracker *const *)c)->id;
	return (x > y) - (x < y);
}

/* Every known tracker, sorted by id so the same state gives the same answer. */
static struct json_object *trackers_json(const struct bridge *b)
{
	size_t n = n2m_tracker_table_count(&b->trackers);
	struct n2m_tracker **sorted = malloc((n ? n : 1) * sizeof *sorted);
	struct json_object *arr = json_object_new_array_ext((int)n);

	if (!sorted || !arr) {
		free(sorted);
		json_object_put(arr);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = n2m_tracker_table_at(&b->trackers, i);
	qsort(sorted, n, sizeof *sorted, cmp_tracker_id);
	for (size_t i = 0; i < n; i++) {
		const struct n2m_tracker *tr = sorted[i];
		struct json_object *o = json_object_new_object();
		if (!o)
			break;
		json_object_object_add(o, "id", json_object_new_int64(tr->id));
		json_object_object_add(o, "label", json_object_new_string(tr->label));
		json_object_object_add(o, "subscribed",
				       json_object_new_boolean(n2m_sub_set_covers(&b->desired, tr->id)));
		json_object_object_add(o, "status", tr->upstream == NVX_STATUS_NONE ? NULL
					: json_object_new_string(nvx_status_name(tr->upstream)));
		json_object_array_add(arr, o);
	}
	free(sorted);
	return arr;
}

static void do_list(struct bridge *b, struct ctl_reply *r)
{
	struct json_object *data = json_object_new_object();

	if (data) {
		json_object_object_add(data, "subscriptions", n2m_sub_set_to_json(&b->desired));
		json_object_object_add(data, "upstream", json_object_new_string(
			n2m_upstream_state_name(b->upstream.state)));
		json_object_object_add(data, "trackers", trackers_json(b));
	}
	ctl_answer_ok(b, r, data);
}

static void do_resync(struct bridge *b, struct ctl_reply *r)
{
	struct json_object *data = json_object_new_object();
	size_t n = n2m_tracker_table_count(&b->trackers);

	bridge_publish_upstream_state(b, 1);
	bridge_publish_info(b);
	/* In slices on the loop, like after a broker reconnect. */
	bridge_start_resync(b);
	n2m_log(&b->log, N2M_LOG_INFO, "control.resync", "trackers=%zu", n);
	if (data)
		json_object_object_add(data, "trackers", json_object_new_int64((int64_t)n));
	ctl_answer_ok(b, r, data);
}

/* log_level: the log's level now, for the running process only (a SIGHUP
 * reload sets log.level from the file again). */
static void do_log_level(struct bridge *b, struct ctl_reply *r, const struct n2m_ctl_request *req)
{
	enum n2m_log_level previous = b->cfg.log.level;
	struct json_object *data = json_object_new_object();

	if (req->log_level >= 0 && (enum n2m_log_level)req->log_level != previous) {
		enum n2m_log_level level = (enum n2m_log_level)req->log_level;
		/* Logged at the more verbose of the two levels, so the line shows
		 * whichever way the level moves. */
		n2m_log_set_level(&b->log, level > previous ? level : previous);
		n2m_log(&b->log, N2M_LOG_WARN, "control.log_level", "level=%s previous=%s",
			n2m_log_level_name(level), n2m_log_level_name(previous));
		n2m_log_set_level(&b->log, level);
		b->cfg.log.level = level;
	}
	if (data) {
		json_object_object_add(data, "level",
				       json_object_new_string(n2m_log_level_name(b->cfg.log.level)));
		json_object_object_add(data, "previous",
				       json_object_new_string(n2m_log_level_name(previous)));
	}
	ctl_answer_ok(b, r, data);
}

/* ---------- requests ---------- */

static void log_bad_request(struct bridge *b, const char *command, const char *error)
{
	char qc[80], qe[400];

	n2m_log(&b->log, N2M_LOG_WARN, "control.bad_request", "command=%s count=%" PRIu64
		" error=%s", n2m_log_quote(qc, sizeof qc, command),
		b->control->counters.bad_requests, n2m_log_quote(qe, sizeof qe, error));
}

static void dispatch(struct bridge *b, struct ctl_reply *r, const struct n2m_ctl_request *req)
{
	switch (req->command) {
	case N2M_CTL_SUBSCRIBE:
	case N2M_CTL_UNSUBSCRIBE:
		ctl_subscription_request(b, r, req);
		break;
	case N2M_CTL_LIST:
		do_list(b, r);
		break;
	case N2M_CTL_RESYNC:
		do_resync(b, r);
		break;
	case N2M_CTL_HEALTH:
		ctl_answer_ok(b, r, ctl_health_json(b));
		break;
	case N2M_CTL_LOG_LEVEL:
		do_log_level(b, r, req);
		break;
	default:
		ctl_answer_error(b, r, "command: not handled");
		break;
	}
}

/* A request on <base>/bridge/request with no command, or with levels
 * after it: answered on <base>/bridge/response/error. */
static void bad_topic(struct bridge *b, struct ctl_reply *r, const char *topic)
{
	const char *base = b->cfg.mqtt.base_topic;
	const char *rest = topic + strlen(base) + strlen("/bridge/request");
	char err[300];

	b->control->counters.bad_topics++;
	snprintf(err, sizeof err, "topic: %s (expected %s/bridge/request/<command>, one level)",
		 rest[0] && rest[1] ? "extra levels after the command" : "no command", base);
	ctl_answer_error(b, r, err);
	log_bad_request(b, "error", err);
}

/* Parses the payload, then answers or runs it. The response topic is
 * checked after parsing so a refusal still echoes the transaction. */
static void handle(struct bridge *b, struct ctl_reply *reply, const char *command,
		   const struct n2m_mqtt_message *msg)
{
	struct n2m_ctl_limits limits = {
		.max_request_bytes = (size_t)b->cfg.control.max_request_bytes,
		.max_ids = (size_t)b->cfg.control.max_ids,
	};
	struct n2m_ctl_request req;
	char err[512];
	int parsed = n2m_ctl_request_parse(command, msg->payload, msg->len, &limits, &req, err,
					   sizeof err) == 0;

	/* The reply keeps its own reference: the request is freed below. */
	reply->transaction = json_object_get(req.transaction);
	if (ctl_guard_response_topic(b, reply, err, sizeof err) != 0 || !parsed) {
		ctl_answer_error(b, reply, err);
		log_bad_request(b, command, err);
	} else {
		n2m_log(&b->log, N2M_LOG_DEBUG, "control.request", "command=%s bytes=%zu", command,
			msg->len);
		dispatch(b, reply, &req);
	}
	n2m_ctl_request_free(&req);
}

int bridge_control_message(struct bridge *b, const struct n2m_mqtt_message *msg)
{
	struct n2m_control *c = b->control;
	const char *base = b->cfg.mqtt.base_topic;
	struct ctl_reply reply;
	char why[300];

	if (!c || !b->cfg.control.enabled || !n2m_ctl_topic_in_request_tree(msg->topic, base))
		return 0;
	c->counters.requests++;
	const char *command = n2m_ctl_topic_command(msg->topic, base);
	int malformed = !command || !*command;
	const char *answer_on = malformed ? "error" : command;

	if (ctl_guard_rate(b, answer_on, msg))
		return 1;
	if (ctl_reply_for(b, answer_on, msg, &reply) != 0) {
		n2m_log(&b->log, N2M_LOG_ERROR, "control.out_of_memory", "command=%.40s", answer_on);
		return 1;
	}
	if (!malformed) {
		handle(b, &reply, command, msg);
	} else if (ctl_guard_response_topic(b, &reply, why, sizeof why) != 0) {
		ctl_answer_error(b, &reply, why);
		log_bad_request(b, "error", why);
	} else {
		bad_topic(b, &reply, msg->topic);
	}
	return 1;
}

/* ---------- start and end ---------- */

/* The persisted set wins over the config's: it is what the control plane
 * was last told. */
static void restore_state(struct bridge *b)
{
	const char *path = b->cfg.control.state_file;
	struct n2m_sub_set saved;
	char err[512];

	if (!path[0])
		return;
	switch (n2m_state_file_load(path, &saved, err, sizeof err)) {
	case N2M_STATE_LOADED:
		n2m_sub_set_free(&b->desired);
		b->desired = saved;
		n2m_log(&b->log, N2M_LOG_INFO, "control.state_restored", "path=%s", path);
		return;
	case N2M_STATE_MISSING:
		n2m_log(&b->log, N2M_LOG_INFO, "control.state_missing",
			"path=%s using=config_subscriptions", path);
		break;
	case N2M_STATE_INVALID:
		n2m_log(&b->log, N2M_LOG_ERROR, "control.state_invalid",
			"error=\"%s\" using=config_subscriptions", err);
		break;
	}
	n2m_sub_set_free(&saved);
}

int bridge_control_init(struct bridge *b, char *err, size_t errlen)
{
	b->control = calloc(1, sizeof *b->control);
	if (!b->control) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	b->control->b = b;
	if (ctl_guard_init(b, err, errlen) != 0)
		return -1;
	restore_state(b);
	if (!b->cfg.control.enabled) {
		n2m_log(&b->log, N2M_LOG_INFO, "control.disabled", "reason=control.enabled_false");
		return 0;
	}
	char *filter = n2m_topic_bridge_dup(b->cfg.mqtt.base_topic, "request/#");
	int rc = filter ? n2m_mqtt_add_subscription(&b->mqtt, filter, 1) : -1;
	free(filter);
	if (rc != 0) {
		snprintf(err, errlen, "control: cannot subscribe to the request topics");
		return -1;
	}
	return 0;
}

void bridge_control_save(struct bridge *b)
{
	const char *path = b->cfg.control.state_file;
	char err[512];

	if (!b->control || !path[0])
		return;
	if (n2m_state_file_save(path, &b->desired, err, sizeof err) == 0) {
		n2m_log(&b->log, N2M_LOG_INFO, "control.state_saved", "path=%s", path);
		return;
	}
	b->control->counters.state_file_errors++;
	n2m_log(&b->log, N2M_LOG_ERROR, "control.state_save_failed", "error=\"%s\"", err);
}

void bridge_control_stop(struct bridge *b)
{
	if (!b->control)
		return;
	lws_sul_cancel(&b->control->sul_timeout);
	ctl_pending_answer_all(b->control);
}

void bridge_control_free(struct bridge *b)
{
	struct n2m_control *c = b->control;

	if (!c)
		return;
	if (b->lws)
		lws_sul_cancel(&c->sul_timeout);
	ctl_pending_free_all(c);
	ctl_guard_free(c);
	free(c);
	b->control = NULL;
}
