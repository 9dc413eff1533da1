/* SPDX-License-Identifier: MIT */
/*
 * sim_engine.c - the simulator's behaviour (docs/protocol.md): handling client
 * messages, responses and snapshots, propagating tracker changes to
 * subscriptions, coalesced batch flushing, heartbeats, lifecycle and logout.
 * Talks to sockets only through conn_send / conn_writeable (sim_ws.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"
#include "sim_request.h"
#include "sim_time.h"

void sim_log(const struct sim *s, int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	if (level > s->o.log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "navixy-sim %s: ", names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int sim_stalled(struct sim *s)
{
	return s->stall_until_ms != 0;
}

void engine_fmt(const struct sim *s, const struct sim_conn *c, struct sim_fmt *fmt)
{
	memset(fmt, 0, sizeof(*fmt));
	fmt->tz_offset = s->o.tz_offset;
	fmt->iso = c ? c->iso : 0;
	fmt->docs_strict = s->o.docs_strict;
	int64_t us = sim_wall_us();
	fmt->now = us / 1000000;
	fmt->stamp_us = s->o.stamp ? us : 0;
}

static int tracker_visible(const struct sim *s, size_t idx)
{
	return fleet_live(&s->fleet, idx) && !(s->fleet.t[idx].flags & TF_BLOCKED);
}

static void send_state_event(struct sim_conn *c, size_t idx, int compact)
{
	struct sim *s = c->sim;
	struct sim_fmt fmt;
	struct sbuf b;
	engine_fmt(s, c, &fmt);
	sbuf_init(&b, SIM_HEADROOM);
	json_state_event(&b, &s->fleet, idx, compact, &fmt);
	conn_send(c, &b, 0, 0);
	s->st.state_items_sent++;
}

void engine_error(struct sim_conn *c, const char *action, int code, const char *data)
{
	struct sbuf b;
	sbuf_init(&b, SIM_HEADROOM);
	json_error(&b, action, code, data);
	conn_send(c, &b, 0, 0);
	c->sim->st.errors_sent++;
}

/* ---- batches ---------------------------------------------------------- */

/* Builds and queues a batch of type t for the given tracker indexes (only
 * visible ones). full: snapshot; else readings deltas after since. */
static void send_batch(struct sim_conn *c, enum sim_evtype t, const uint32_t *list, size_t n,
		       int full, uint32_t since)
{
	struct sim *s = c->sim;
	struct sim_sub *sub = &c->subs.s[t];
	struct sim_fmt fmt;
	struct sbuf b;
	size_t items = 0;
	int strict_rd = t == EV_READINGS_BATCH && s->o.docs_strict;

	engine_fmt(s, c, &fmt);
	sbuf_init(&b, SIM_HEADROOM);
	if (t == EV_IOT_MONITOR)
		sbuf_puts(&b, "{\"event\":\"iot_monitor\",\"type\":\"event\",\"data\":{\"iot_last_values\":[");
	else
		json_batch_begin(&b);
	for (size_t i = 0; i < n; i++) {
		size_t idx = list[i];
		if (!tracker_visible(s, idx))
			continue;
		size_t mark = b.len;
		switch (t) {
		case EV_STATE_BATCH:
			json_state_batch_item(&b, &s->fleet, idx, sub->compact, &fmt);
			break;
		case EV_READINGS_BATCH:
			if (strict_rd) {
				/* documented: an array of readings objects; we keep
				 * tracker_id (needed to use them) but no type/timestamp */
				sbuf_printf(&b, "{\"tracker_id\":%u,", fleet_id(idx));
				if (json_readings_sections(&b, &s->fleet, idx, full, since, &sub->flt,
							   &fmt) == 0 && !full) {
					b.len = mark;
					continue;
				}
				sbuf_putc(&b, '}');
			} else if (json_readings_item(&b, &s->fleet, idx, full, since, &sub->flt,
						      &fmt) == 0 && !full) {
				b.len = mark;
				continue;
			}
			break;
		case EV_IOT_MONITOR:
			json_iot_item(&b, &s->fleet, idx);
			break;
		default:
			break;
		}
		sbuf_putc(&b, ',');
		items++;
	}
	if (items == 0 || b.oom) {
		sbuf_free(&b);
		return;
	}
	sbuf_trim_comma(&b);
	if (t == EV_IOT_MONITOR)
		sbuf_puts(&b, "]}}");
	else
		json_batch_end(&b, sim_evtype_name(t), &fmt);
	conn_send(c, &b, 0, 0);
	if (t == EV_STATE_BATCH)
		s->st.state_items_sent += items;
	else if (t == EV_READINGS_BATCH)
		s->st.readings_items_sent += items;
}

static void flush_conn(struct sim_conn *c, int64_t now)
{
	struct sim *s = c->sim;
	static const enum sim_evtype batched[] = { EV_STATE_BATCH, EV_READINGS_BATCH,
						   EV_IOT_MONITOR };
	for (size_t k = 0; k < sizeof(batched) / sizeof(batched[0]); k++) {
		struct sim_sub *sub = &c->subs.s[batched[k]];
		if (!subs_due(sub, now))
			continue;
		const uint32_t *list;
		uint32_t since;
		size_t n = subs_take(sub, now, s->fleet.seq, &list, &since);
		send_batch(c, batched[k], list, n, 0, since);
	}
}

/* ---- changes ------------------------------------------------------------ */

void engine_change(struct sim *s, size_t idx, int ch)
{
	if (!ch || !tracker_visible(s, idx))
		return;
	for (struct sim_conn *c = s->conns; c; c = c->next) {
		if (c->dropping)
			continue;
		struct sim_subs *ss = &c->subs;
		if (ch & CH_STATE) {
			if (subs_covers(&ss->s[EV_STATE], idx))
				send_state_event(c, idx, ss->s[EV_STATE].compact);
			subs_mark(&ss->s[EV_STATE_BATCH], idx);
			subs_mark(&ss->s[EV_IOT_MONITOR], idx);
		}
		if (ch & CH_READINGS)
			subs_mark(&ss->s[EV_READINGS_BATCH], idx);
	}
}

static void random_changes(struct sim *s, size_t n)
{
	if (s->fleet.n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		size_t idx = sim_rand(&s->rng) % s->fleet.n;
		if (!tracker_visible(s, idx))
			continue;
		int ch = fleet_step(&s->fleet, idx, sim_wall_s(), s->o.readings_every);
		engine_change(s, idx, ch);
	}
}

static void load_changes(struct sim *s, size_t n)
{
	size_t total = s->fleet.n;
	if (!total)
		return;
	int64_t now = sim_wall_s();
	for (size_t i = 0; i < n; i++) {
		size_t idx = s->load_cursor++ % total;
		if (!tracker_visible(s, idx))
			continue;
		engine_change(s, idx, fleet_step(&s->fleet, idx, now, s->o.readings_every));
		s->st.load_updates_sent++;
	}
}

void engine_tick(struct sim *s)
{
	int64_t now = sim_mono_ms();
	int64_t dt = s->last_tick_ms ? now - s->last_tick_ms : SIM_TICK_MS;
	if (dt < 0)
		dt = 0;
	if (dt > 1000)
		dt = 1000;
	s->last_tick_ms = now;

	if (s->stall_until_ms > 0 && now >= s->stall_until_ms) {
		s->stall_until_ms = 0;
		for (struct sim_conn *c = s->conns; c; c = c->next) {
			c->last_write_ms = now;
			if (c->qhead)
				lws_callback_on_writable(c->wsi);
		}
	}

	if (s->o.load > 0) {
		s->load_acc += s->o.load * (double)dt / 1000.0;
		size_t n = (size_t)s->load_acc;
		s->load_acc -= (double)n;
		load_changes(s, n);
	} else if (s->o.rate > 0) {
		s->rate_acc += s->o.rate * (double)dt / 1000.0;
		size_t n = (size_t)s->rate_acc;
		s->rate_acc -= (double)n;
		random_changes(s, n);
	}

	if (sim_stalled(s))
		return;
	for (struct sim_conn *c = s->conns; c; c = c->next) {
		if (c->dropping)
			continue;
		flush_conn(c, now);
		if (!c->qhead && s->o.heartbeat_ms > 0 && now - c->last_write_ms >= s->o.heartbeat_ms) {
			struct sbuf b;
			sbuf_init(&b, SIM_HEADROOM);
			sbuf_puts(&b, "X");
			conn_send(c, &b, 0, 0);
			c->qtail->heartbeat = 1;
		}
	}
}

/* ---- subscribe / unsubscribe ------------------------------------------- */

static long idx_of(void *ctx, uint32_t id)
{
	return fleet_index(&((struct sim *)ctx)->fleet, id);
}

static int hash_ok(void *ctx, const char *hash)
{
	return auth_check(&((struct sim *)ctx)->auth, hash) != AUTH_NONE;
}

static void remember_hash(struct sim_conn *c, const char *hash)
{
	for (int i = 0; i < c->n_hashes; i++)
		if (!strcasecmp(c->hashes[i], hash))
			return;
	if (c->n_hashes == SIM_MAX_HASHES) {
		memmove(c->hashes[0], c->hashes[1], sizeof(c->hashes[0]) * (SIM_MAX_HASHES - 1));
		c->n_hashes--;
	}
	memcpy(c->hashes[c->n_hashes++], hash, 33);
}

/* Writes "id":"status", entries of an item's trackers. */
static void value_entries(struct sim *s, struct sbuf *b, const struct sim_req_item *it)
{
	if (it->all) {
		for (size_t i = 0; i < s->fleet.n; i++)
			if (fleet_live(&s->fleet, i))
				sbuf_printf(b, "\"%u\":\"%s\",", fleet_id(i),
					    sim_status_name(fleet_status(&s->fleet, fleet_id(i))));
		return;
	}
	for (size_t i = 0; i < it->n_ids; i++)
		sbuf_printf(b, "\"%u\":\"%s\",", it->ids[i],
			    sim_status_name(fleet_status(&s->fleet, it->ids[i])));
}

static void send_response(struct sim_conn *c, const struct sim_request *req)
{
	struct sim *s = c->sim;
	struct sbuf b;
	int seen[EV_COUNT] = { 0 };
	const char *action = req->action == ACT_SUBSCRIBE ? "subscription/subscribe"
							   : "subscription/unsubscribe";
	sbuf_init(&b, SIM_HEADROOM);
	sbuf_printf(&b, "{\"type\":\"response\",\"action\":\"%s\",\"events\":[", action);
	for (size_t i = 0; i < req->n_items; i++) {
		if (seen[req->items[i].type]++)
			continue;
		sbuf_printf(&b, "\"%s\",", sim_evtype_name(req->items[i].type));
	}
	sbuf_trim_comma(&b);
	sbuf_puts(&b, "],\"data\":");
	if (req->legacy && req->action == ACT_UNSUBSCRIBE) {
		sbuf_putc(&b, '[');
		for (size_t i = 0; i < req->items[0].n_ids; i++)
			sbuf_printf(&b, "%u,", req->items[0].ids[i]);
		sbuf_trim_comma(&b);
		sbuf_puts(&b, "]}");
		conn_send(c, &b, 0, 0);
		return;
	}
	sbuf_putc(&b, '{');
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < req->n_items; i++) {
		enum sim_evtype t = req->items[i].type;
		if (seen[t]++)
			continue;
		sbuf_printf(&b, "\"%s\":{\"value\":{", sim_evtype_name(t));
		for (size_t k = i; k < req->n_items; k++)
			if (req->items[k].type == t)
				value_entries(s, &b, &req->items[k]);
		sbuf_trim_comma(&b);
		sbuf_putc(&b, '}');
		if (s->o.docs_strict)
			sbuf_puts(&b, ",\"success\":true");
		sbuf_puts(&b, "},");
	}
	sbuf_trim_comma(&b);
	sbuf_puts(&b, "}}");
	conn_send(c, &b, 0, 0);
}

/* Snapshot of one request item: visible trackers it names. */
static void send_snapshot(struct sim_conn *c, const struct sim_req_item *it)
{
	struct sim *s = c->sim;
	size_t n = 0;
	uint32_t *list;
	if (it->all) {
		list = malloc((s->fleet.n ? s->fleet.n : 1) * sizeof(*list));
		if (!list)
			return;
		for (size_t i = 0; i < s->fleet.n; i++)
			if (tracker_visible(s, i))
				list[n++] = (uint32_t)i;
	} else {
		list = malloc((it->n_ids ? it->n_ids : 1) * sizeof(*list));
		if (!list)
			return;
		struct sim_bitmap seen = { 0 };
		for (size_t i = 0; i < it->n_ids; i++) {
			long idx = fleet_index(&s->fleet, it->ids[i]);
			if (idx >= 0 && tracker_visible(s, (size_t)idx) && !bm_get(&seen, (size_t)idx)) {
				bm_set(&seen, (size_t)idx);
				list[n++] = (uint32_t)idx;
			}
		}
		bm_free(&seen);
	}
	if (it->type == EV_STATE) {
		for (size_t i = 0; i < n; i++)
			send_state_event(c, list[i], c->subs.s[EV_STATE].compact);
	} else {
		send_batch(c, it->type, list, n, 1, 0);
		subs_snapshot_sent(&c->subs.s[it->type], sim_mono_ms());
	}
	free(list);
}

void engine_on_message(struct sim_conn *c, const char *msg, size_t len)
{
	struct sim *s = c->sim;
	struct sim_request req;
	struct sim_req_error err;

	s->st.messages_received++;
	if (sim_request_parse(msg, len, hash_ok, s, &req, &err)) {
		sim_log(s, LOG_DEBUG, "request rejected with code %d", err.code);
		engine_error(c, err.action, err.code, err.data_json);
		sim_req_error_free(&err);
		return;
	}
	if (req.action == ACT_SUBSCRIBE) {
		size_t live = s->fleet.n - s->fleet.n_removed;
		for (size_t i = 0; i < req.n_items; i++)
			if (req.items[i].type == EV_IOT_MONITOR && req.items[i].all &&
			    live > SIM_IOT_MAX_TRACKERS) {
				engine_error(c, "subscription/subscribe", 7, NULL);
				sim_request_free(&req);
				return;
			}
	}
	remember_hash(c, req.hash);
	if (req.iso >= 0 && req.action == ACT_SUBSCRIBE)
		c->iso = req.iso;

	if (req.action == ACT_SUBSCRIBE) {
		uint32_t seq = s->fleet.seq;
		for (size_t i = 0; i < req.n_items; i++)
			if (subs_add(&c->subs, &req.items[i], idx_of, s, s->fleet.n, seq)) {
				engine_error(c, "subscription/subscribe", 6, NULL);
				sim_request_free(&req);
				return;
			}
		send_response(c, &req);
		for (size_t i = 0; i < req.n_items; i++)
			send_snapshot(c, &req.items[i]);
	} else {
		send_response(c, &req);
		for (size_t i = 0; i < req.n_items; i++)
			subs_remove(&c->subs, &req.items[i], idx_of, s, s->fleet.n);
	}
	sim_request_free(&req);
}

/* ---- lifecycle and logout ---------------------------------------------- */

static void send_lifecycle(struct sim *s, size_t idx, const char *what)
{
	for (struct sim_conn *c = s->conns; c; c = c->next) {
		if (c->dropping || !subs_lifecycle_covers(&c->subs, idx))
			continue;
		struct sbuf b;
		sbuf_init(&b, SIM_HEADROOM);
		json_lifecycle(&b, s->fleet.t[idx].source_id, what);
		conn_send(c, &b, 0, 0);
	}
}

void engine_block(struct sim *s, size_t idx, int blocked)
{
	if (!fleet_live(&s->fleet, idx))
		return;
	int was = !!(s->fleet.t[idx].flags & TF_BLOCKED);
	if (was == !!blocked)
		return;
	fleet_block(&s->fleet, idx, blocked);
	send_lifecycle(s, idx, blocked ? "block" : "unblock");
	if (!blocked)
		engine_change(s, idx, CH_STATE);
}

void engine_remove(struct sim *s, size_t idx)
{
	if (!fleet_live(&s->fleet, idx))
		return;
	send_lifecycle(s, idx, "corrupt");
	fleet_remove(&s->fleet, idx);
}

int engine_logout(struct sim *s, const char *hash)
{
	if (hash && auth_check(&s->auth, hash) != AUTH_SESSION)
		return -1;
	for (struct sim_conn *c = s->conns; c; c = c->next) {
		int hit = 0;
		for (int i = 0; i < c->n_hashes; i++) {
			int dead = hash ? !strcasecmp(c->hashes[i], hash)
					: auth_check(&s->auth, c->hashes[i]) == AUTH_SESSION;
			if (!dead)
				continue;
			hit = 1;
			memmove(c->hashes[i], c->hashes[i + 1],
				sizeof(c->hashes[0]) * (size_t)(c->n_hashes - i - 1));
			c->n_hashes--;
			i--;
		}
		if (!hit || c->dropping)
			continue;
		if (subs_any(&c->subs)) {
			struct sbuf b;
			sbuf_init(&b, SIM_HEADROOM);
			json_logout(&b);
			conn_send(c, &b, 0, 0);
		}
		int live = 0;
		for (int i = 0; i < c->n_hashes; i++)
			live |= auth_check(&s->auth, c->hashes[i]) != AUTH_NONE;
		if (!live) {
			subs_free(&c->subs);
			subs_init(&c->subs);
		}
	}
	if (hash) {
		auth_logout(&s->auth, hash);
	} else {
		for (size_t i = 0; i < s->auth.n_sessions; i++)
			s->auth.sessions[i].active = 0;
	}
	return 0;
}
