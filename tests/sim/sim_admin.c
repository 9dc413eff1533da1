/* SPDX-License-Identifier: MIT */
/*
 * sim_admin.c - the test-control endpoint /admin/... (loopback, no prefix):
 * stats, fleet, tracker, drop, stall/resume, rest_delay, logout,
 * block/unblock, remove, add, tick, rate, inject, label. Answers {"ok":true,...} or
 * {"ok":false,"error":"..."} with HTTP 400.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_time.h"

static int reply(struct lws *wsi, struct sim_pss *pss, struct sbuf *b)
{
	int rc = b->oom ? -1 : http_respond(wsi, pss, 200, sbuf_data(b), b->len, NULL, NULL);
	sbuf_free(b);
	return rc ? -1 : 1;
}

static int fail(struct lws *wsi, struct sim_pss *pss, const char *why)
{
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_puts(&b, "{\"ok\":false,\"error\":");
	sbuf_json_str(&b, why);
	sbuf_putc(&b, '}');
	int rc = http_respond(wsi, pss, 400, sbuf_data(&b), b.len, NULL, NULL);
	sbuf_free(&b);
	return rc ? -1 : 1;
}

static int ok(struct lws *wsi, struct sim_pss *pss)
{
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_puts(&b, "{\"ok\":true}");
	return reply(wsi, pss, &b);
}

static int num(const char *s, double lo, double hi, double *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Live tracker index from ?id=, or -1. */
static long tracker_arg(struct sim *s, const struct sim_query *q)
{
	double id;
	if (num(query_get(q, "id"), 1, 4294967295.0, &id))
		return -1;
	return fleet_index(&s->fleet, (uint32_t)id);
}

static int stats(struct sim *s, struct lws *wsi, struct sim_pss *pss)
{
	size_t subscribed = 0;
	for (struct sim_conn *c = s->conns; c; c = c->next)
		subscribed += subs_any(&c->subs) != 0;
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_printf(&b, "{\"ok\":true,\"connections\":%llu,\"subscribed_connections\":%zu,",
		    (unsigned long long)s->st.connections, subscribed);
	sbuf_printf(&b, "\"frames_sent\":%llu,\"state_items_sent\":%llu,",
		    (unsigned long long)s->st.frames_sent, (unsigned long long)s->st.state_items_sent);
	sbuf_printf(&b, "\"readings_items_sent\":%llu,\"heartbeats_sent\":%llu,",
		    (unsigned long long)s->st.readings_items_sent,
		    (unsigned long long)s->st.heartbeats_sent);
	sbuf_printf(&b, "\"messages_received\":%llu,\"errors_sent\":%llu,",
		    (unsigned long long)s->st.messages_received,
		    (unsigned long long)s->st.errors_sent);
	sbuf_printf(&b, "\"load_updates_sent\":%llu,\"trackers\":%zu,\"blocked\":%zu,",
		    (unsigned long long)s->st.load_updates_sent, s->fleet.n - s->fleet.n_removed,
		    s->fleet.n_blocked);
	sbuf_printf(&b, "\"rest_delay_ms\":%ld,\"rest_delayed\":%llu}", s->rest_delay_ms,
		    (unsigned long long)s->st.rest_delayed);
	return reply(wsi, pss, &b);
}

static int fleet_list(struct sim *s, struct lws *wsi, struct sim_pss *pss)
{
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_puts(&b, "[");
	for (size_t i = 0; i < s->fleet.n; i++) {
		if (!fleet_live(&s->fleet, i))
			continue;
		const struct sim_tracker *t = &s->fleet.t[i];
		sbuf_printf(&b, "{\"id\":%u,\"label\":", fleet_id(i));
		sbuf_json_str(&b, t->label);
		sbuf_printf(&b, ",\"source_id\":%u,\"blocked\":%s},", t->source_id,
			    (t->flags & TF_BLOCKED) ? "true" : "false");
	}
	sbuf_trim_comma(&b);
	sbuf_puts(&b, "]");
	return reply(wsi, pss, &b);
}

static int tracker(struct sim *s, struct lws *wsi, struct sim_pss *pss, long idx)
{
	struct sim_fmt fmt;
	engine_fmt(s, NULL, &fmt);
	fmt.stamp_us = 0;
	fmt.docs_strict = 0;
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_printf(&b, "{\"ok\":true,\"id\":%u,\"source_id\":%u,\"blocked\":%s,\"state\":",
		    fleet_id((size_t)idx), s->fleet.t[idx].source_id,
		    (s->fleet.t[idx].flags & TF_BLOCKED) ? "true" : "false");
	json_state(&b, &s->fleet, (size_t)idx, 0, &fmt);
	sbuf_puts(&b, ",\"readings\":");
	json_readings_item(&b, &s->fleet, (size_t)idx, 1, 0, NULL, &fmt);
	sbuf_putc(&b, '}');
	return reply(wsi, pss, &b);
}

static int inject(struct sim *s, struct lws *wsi, struct sim_pss *pss, const struct sim_query *q,
		  const char *body, size_t len)
{
	const char *kind = query_get(q, "kind");
	int binary = 0, prefixed = 0;
	if (!kind || !strcmp(kind, "text"))
		;
	else if (!strcmp(kind, "binary"))
		binary = 1;
	else if (!strcmp(kind, "prefixed"))
		prefixed = 1;
	else
		return fail(wsi, pss, "kind must be text, binary or prefixed");
	size_t n = 0;
	for (struct sim_conn *c = s->conns; c; c = c->next) {
		if (c->dropping || !subs_any(&c->subs))
			continue;
		struct sbuf b;
		sbuf_init(&b, SIM_HEADROOM);
		sbuf_add(&b, body, len);
		sbuf_reserve(&b, 0);
		conn_send(c, &b, binary, prefixed);
		n++;
	}
	struct sbuf r;
	sbuf_init(&r, 0);
	sbuf_printf(&r, "{\"ok\":true,\"sockets\":%zu}", n);
	return reply(wsi, pss, &r);
}

int admin_handle(struct sim *s, struct lws *wsi, struct sim_pss *pss, const char *path,
		 const struct sim_query *q, const char *body, size_t body_len)
{
	const char *p = path + 7; /* after "/admin/" */
	double v;
	long idx;

	if (!strcmp(p, "stats"))
		return stats(s, wsi, pss);
	if (!strcmp(p, "fleet"))
		return fleet_list(s, wsi, pss);
	if (!strcmp(p, "tracker")) {
		if ((idx = tracker_arg(s, q)) < 0)
			return fail(wsi, pss, "no such tracker");
		return tracker(s, wsi, pss, idx);
	}
	if (!strcmp(p, "drop")) {
		size_t n = 0;
		for (struct sim_conn *c = s->conns; c; c = c->next, n++)
			conn_drop(c);
		sim_log(s, LOG_INFO, "admin: dropped %zu sockets", n);
		return ok(wsi, pss);
	}
	if (!strcmp(p, "stall")) {
		const char *ms = query_get(q, "ms");
		if (ms && num(ms, 0, 86400000, &v))
			return fail(wsi, pss, "ms must be 0..86400000");
		if (!ms || v == 0)
			s->stall_until_ms = -1;
		else
			s->stall_until_ms = sim_mono_ms() + (int64_t)v;
		return ok(wsi, pss);
	}
	if (!strcmp(p, "rest_delay")) {
		long ms;
		if (sim_parse_ms(query_get(q, "ms"), SIM_REST_DELAY_MAX_MS, &ms))
			return fail(wsi, pss, "ms must be 0..600000");
		s->rest_delay_ms = ms;
		sim_log(s, LOG_INFO, "admin: REST answers delayed by %ld ms", ms);
		struct sbuf b;
		sbuf_init(&b, 0);
		sbuf_printf(&b, "{\"ok\":true,\"ms\":%ld}", ms);
		return reply(wsi, pss, &b);
	}
	if (!strcmp(p, "resume")) {
		if (s->stall_until_ms)
			s->stall_until_ms = 1; /* expires on the next tick */
		return ok(wsi, pss);
	}
	if (!strcmp(p, "logout")) {
		const char *h = query_get(q, "hash");
		if (engine_logout(s, h))
			return fail(wsi, pss, "no such session");
		return ok(wsi, pss);
	}
	if (!strcmp(p, "block") || !strcmp(p, "unblock")) {
		if ((idx = tracker_arg(s, q)) < 0)
			return fail(wsi, pss, "no such tracker");
		engine_block(s, (size_t)idx, p[0] == 'b');
		return ok(wsi, pss);
	}
	if (!strcmp(p, "remove")) {
		if ((idx = tracker_arg(s, q)) < 0)
			return fail(wsi, pss, "no such tracker");
		engine_remove(s, (size_t)idx);
		return ok(wsi, pss);
	}
	if (!strcmp(p, "add")) {
		const char *label = query_get(q, "label");
		idx = fleet_add(&s->fleet, label && *label ? label : NULL, sim_wall_s());
		if (idx < 0)
			return fail(wsi, pss, "cannot add a tracker");
		struct sbuf b;
		sbuf_init(&b, 0);
		sbuf_printf(&b, "{\"ok\":true,\"id\":%u,\"source_id\":%u,\"label\":", fleet_id((size_t)idx),
			    s->fleet.t[idx].source_id);
		sbuf_json_str(&b, s->fleet.t[idx].label);
		sbuf_putc(&b, '}');
		return reply(wsi, pss, &b);
	}
	if (!strcmp(p, "tick")) {
		if ((idx = tracker_arg(s, q)) < 0)
			return fail(wsi, pss, "no such tracker");
		double n = 1;
		if (query_get(q, "n") && num(query_get(q, "n"), 1, 100000, &n))
			return fail(wsi, pss, "n must be 1..100000");
		for (long i = 0; i < (long)n; i++)
			engine_change(s, (size_t)idx,
				      fleet_step(&s->fleet, (size_t)idx, sim_wall_s(),
						 s->o.readings_every));
		return ok(wsi, pss);
	}
	if (!strcmp(p, "rate")) {
		if (num(query_get(q, "value"), 0, 1e7, &v))
			return fail(wsi, pss, "value must be a number >= 0");
		s->o.rate = v;
		return ok(wsi, pss);
	}
	if (!strcmp(p, "inject"))
		return inject(s, wsi, pss, q, body, body_len);
	if (!strcmp(p, "label")) {
		/* The label as a query parameter, or as the raw request body for
		 * bytes a query cannot carry (a line break cuts the parameter). */
		const char *l = query_get(q, "label");
		if ((idx = tracker_arg(s, q)) < 0)
			return fail(wsi, pss, "no such tracker");
		int rc = l ? fleet_set_label(&s->fleet, (size_t)idx, l)
			   : body_len ? fleet_set_label_n(&s->fleet, (size_t)idx, body, body_len) : -1;
		if (rc)
			return fail(wsi, pss, "label required (query label=L or a body without NUL)");
		return ok(wsi, pss);
	}
	return fail(wsi, pss, "unknown admin command");
}
