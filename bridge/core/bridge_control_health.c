/* SPDX-License-Identifier: MIT */
/*
 * bridge_control_health.c - the answer to the health command: the same
 * report as the bridge/health topic (bridge_health_report, one metric
 * table for every health output), plus the control plane's own counters
 * under "control".
 */
#include "bridge_control_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bridge_health.h"

struct counter {
	const char *name;
	uint64_t value;
};

static struct json_object *control_counters(const struct n2m_control *ctl)
{
	const struct n2m_control_counters *k = &ctl->counters;
	const struct counter c[] = {
		{ "requests", k->requests }, { "responses", k->responses },
		{ "bad_requests", k->bad_requests }, { "changes", k->changes },
		{ "upstream_timeouts", k->upstream_timeouts },
		{ "upstream_errors", k->upstream_errors },
		{ "state_file_errors", k->state_file_errors },
		{ "rate_limited", k->rate_limited },
		{ "rate_limited_unanswered", k->rate_limited_unanswered },
		{ "response_topics_refused", k->response_topics_refused },
		{ "bad_topics", k->bad_topics },
		{ "waiting", ctl->n_pending },
	};
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < sizeof c / sizeof c[0]; i++)
		json_object_object_add(o, c[i].name, json_object_new_int64((int64_t)c[i].value));
	return o;
}

struct json_object *ctl_health_json(struct bridge *b)
{
	size_t len = 0;
	char *text = bridge_health_report(b, &len);
	struct json_object *o = text ? json_tokener_parse(text) : NULL;

	free(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	if (o)
		json_object_object_add(o, "control", control_counters(b->control));
	return o;
}
