/* SPDX-License-Identifier: MIT */
/*
 * bridge_control_subs.c - subscribe and unsubscribe requests: applying
 * them to the desired set, persisting it, announcing the change
 * (bridge/info, bridge/event), sending the change to Navixy and answering
 * once Navixy's response arrives, so the answer carries its per-tracker
 * statuses. Unsubscribed trackers' retained topics are cleared once Navixy
 * confirmed (no late frame can bring them back), when
 * topics.clear_on_unsubscribe.
 *
 * Matching responses: Navixy's responses name the action and the types,
 * not the request. A waiting request is completed by the first response
 * of its action and type (oldest request first) whose statuses cover its
 * trackers; that also lets the full re-subscription after an upstream
 * reconnect complete requests whose own message died with the socket.
 * Requests still waiting after navixy.connect_timeout_s are answered
 * "pending": the change stays in the desired set.
 */
#include "bridge_control_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "control_apply.h"
#include "navixy_frame.h"
#include "navixy_request.h"
#include "state_file.h"

/* ---------- the waiting queue ---------- */

static void pending_free(struct ctl_pending *p)
{
	ctl_reply_free(&p->reply);
	free(p->sub.ids);
	free(p->clear_ids);
	free(p->warning);
	free(p);
}

void ctl_pending_free_all(struct n2m_control *c)
{
	while (c->head) {
		struct ctl_pending *next = c->head->next;
		pending_free(c->head);
		c->head = next;
	}
	c->tail = NULL;
	c->n_pending = 0;
}

static void unlink_pending(struct n2m_control *c, struct ctl_pending *p, struct ctl_pending *prev)
{
	if (prev)
		prev->next = p->next;
	else
		c->head = p->next;
	if (c->tail == p)
		c->tail = prev;
	c->n_pending--;
}

static void on_timeout(lws_sorted_usec_list_t *sul);

static void schedule_timeout(struct n2m_control *c)
{
	if (!c->head)
		return;
	int64_t wait = c->head->deadline_ms - ctl_now_ms();
	lws_sul_schedule(c->b->lws, 0, &c->sul_timeout, on_timeout,
			 (lws_usec_t)(wait > 0 ? wait : 0) * 1000);
}

static void push_pending(struct n2m_control *c, struct ctl_pending *p)
{
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->n_pending++;
	if (c->head == p)
		schedule_timeout(c);
}

/* ---------- clearing unsubscribed trackers ---------- */

/* Drops what the table remembers of tr's snapshot topics, so neither a
 * resync nor a broker reconnect publishes the cleared topics again; the
 * next state after a new subscription fills them in. */
static void forget_snapshot(struct n2m_tracker *tr)
{
	free(tr->state_json);
	free(tr->readings_json);
	tr->state_json = tr->readings_json = NULL;
	tr->state_len = tr->readings_len = 0;
	tr->location.valid = 0;
	tr->connection_online = -1;
}

static void clear_trackers(struct bridge *b, const int64_t *ids, size_t n)
{
	struct n2m_map_ctx ctx = bridge_map_ctx(b);
	char err[160];
	size_t cleared = 0;

	for (size_t i = 0; i < n; i++) {
		struct n2m_tracker *tr = n2m_tracker_find(&b->trackers, ids[i]);
		/* Subscribed again meanwhile: keep it. */
		if (!tr || n2m_sub_set_covers(&b->desired, tr->id))
			continue;
		if (n2m_map_clear(&ctx, tr, NULL, &b->pubs, err, sizeof err) != 0)
			b->counters.mapping_errors++;
		forget_snapshot(tr);
		bridge_publish_pending(b);
		cleared++;
	}
	if (cleared)
		n2m_log(&b->log, N2M_LOG_INFO, "control.cleared", "trackers=%zu", cleared);
}

/* Known trackers that `before` covers and the desired set no longer does. */
static int uncovered_trackers(struct bridge *b, const struct n2m_sub_set *before,
			      int64_t **ids, size_t *n)
{
	size_t count = n2m_tracker_table_count(&b->trackers);

	*ids = NULL;
	*n = 0;
	if (!b->cfg.topics.clear_on_unsubscribe || count == 0)
		return 0;
	*ids = malloc(count * sizeof **ids);
	if (!*ids)
		return -1;
	for (size_t i = 0; i < count; i++) {
		const struct n2m_tracker *tr = n2m_tracker_table_at(&b->trackers, i);
		if (n2m_sub_set_covers(before, tr->id) && !n2m_sub_set_covers(&b->desired, tr->id))
			(*ids)[(*n)++] = tr->id;
	}
	return 0;
}

/* ---------- answers ---------- */

static struct json_object *base_data(const struct n2m_sub *sub, int pending, const char *warning)
{
	struct json_object *data = json_object_new_object();

	if (!data)
		return NULL;
	json_object_object_add(data, "type", json_object_new_string(n2m_sub_type_name(sub->type)));
	json_object_object_add(data, "trackers", n2m_ctl_trackers_json(sub));
	json_object_object_add(data, "pending", json_object_new_boolean(pending));
	if (warning)
		json_object_object_add(data, "warning", json_object_new_string(warning));
	return data;
}

static int cmp_id(const void *a, const void *c)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)c;
	return (x > y) - (x < y);
}

/* Navixy's statuses as {"<id>":"normal",...}: all of them for an "all"
 * request, else those of the request's trackers. */
static struct json_object *statuses_json(const struct n2m_sub *sub, const struct nvx_sub_result *res)
{
	struct json_object *o = json_object_new_object();
	char key[24];

	for (size_t k = 0; o && k < res->n_statuses; k++) {
		const struct nvx_status_entry *e = &res->statuses[k];
		if (!sub->all && !bsearch(&e->tracker_id, sub->ids, sub->n_ids, sizeof *sub->ids, cmp_id))
			continue;
		snprintf(key, sizeof key, "%" PRId64, e->tracker_id);
		json_object_object_add(o, key, json_object_new_string(nvx_status_name(e->status)));
	}
	return o;
}

/* Answers p (res NULL: no response from Navixy, "pending") and clears
 * what its unsubscribe left uncovered. Frees p. */
static void complete(struct bridge *b, struct ctl_pending *p, const struct nvx_sub_result *res)
{
	struct json_object *data = base_data(&p->sub, res == NULL, p->warning);

	if (data && res && p->command == N2M_CTL_SUBSCRIBE)
		json_object_object_add(data, "statuses", statuses_json(&p->sub, res));
	if (p->n_clear)
		clear_trackers(b, p->clear_ids, p->n_clear);
	ctl_answer_ok(b, &p->reply, data);
	pending_free(p);
}

static void on_timeout(lws_sorted_usec_list_t *sul)
{
	struct n2m_control *c = lws_container_of(sul, struct n2m_control, sul_timeout);
	int64_t now = ctl_now_ms();

	/* Every request waits equally long: the queue is in deadline order. */
	while (c->head && c->head->deadline_ms <= now) {
		struct ctl_pending *p = c->head;
		unlink_pending(c, p, NULL);
		c->counters.upstream_timeouts++;
		n2m_log(&c->b->log, N2M_LOG_WARN, "control.upstream_timeout", "command=%s type=%s",
			n2m_ctl_command_name(p->command), n2m_sub_type_name(p->sub.type));
		complete(c->b, p, NULL);
	}
	schedule_timeout(c);
}

void ctl_pending_answer_all(struct n2m_control *c)
{
	while (c->head) {
		struct ctl_pending *p = c->head;
		unlink_pending(c, p, NULL);
		complete(c->b, p, NULL);
	}
}

/* ---------- Navixy's responses ---------- */

static int covers_request(const struct ctl_pending *p, const struct nvx_sub_result *res)
{
	if (p->sub.all || p->command == N2M_CTL_UNSUBSCRIBE || !res->success)
		return 1;
	int64_t *have = malloc((res->n_statuses ? res->n_statuses : 1) * sizeof *have);
	if (!have)
		return 0;
	for (size_t k = 0; k < res->n_statuses; k++)
		have[k] = res->statuses[k].tracker_id;
	qsort(have, res->n_statuses, sizeof *have, cmp_id);
	int all_there = 1;
	for (size_t i = 0; all_there && i < p->sub.n_ids; i++)
		all_there = bsearch(&p->sub.ids[i], have, res->n_statuses, sizeof *have, cmp_id) != NULL;
	free(have);
	return all_there;
}

static void refused(struct bridge *b, struct ctl_pending *p, const char *what, int code,
		    const char *description)
{
	char err[400];

	if (p->reload) {
		/* Navixy kept the old subscription: keep the topics, as for a request. */
		n2m_log(&b->log, N2M_LOG_WARN, "config.unsubscribe_refused", "code=%d", code);
		pending_free(p);
		return;
	}
	b->control->counters.upstream_errors++;
	snprintf(err, sizeof err, "upstream: Navixy refused the %s: code %d (%s)", what, code,
		 description ? description : "");
	n2m_log(&b->log, N2M_LOG_WARN, "control.upstream_refused", "command=%s type=%s code=%d",
		n2m_ctl_command_name(p->command), what, code);
	ctl_answer_error(b, &p->reply, err);
	pending_free(p);
}

static void complete_result(struct bridge *b, enum n2m_ctl_command command,
			    const struct nvx_sub_result *res)
{
	struct n2m_control *c = b->control;
	struct ctl_pending *prev = NULL;

	for (struct ctl_pending *p = c->head; p; prev = p, p = p->next) {
		if (p->command != command || p->sub.type != res->type || !covers_request(p, res))
			continue;
		unlink_pending(c, p, prev);
		if (res->success)
			complete(b, p, res);
		else
			refused(b, p, res->type_name, res->error_code, res->error_description);
		return;
	}
}

void bridge_control_upstream_response(struct bridge *b, const struct nvx_response *r)
{
	enum n2m_ctl_command command;

	if (!b->control || !b->control->head)
		return;
	if (r->action == NVX_ACTION_SUBSCRIBE)
		command = N2M_CTL_SUBSCRIBE;
	else if (r->action == NVX_ACTION_UNSUBSCRIBE)
		command = N2M_CTL_UNSUBSCRIBE;
	else
		return;
	for (size_t i = 0; i < r->n_results; i++)
		if (r->results[i].type_known)
			complete_result(b, command, &r->results[i]);
	lws_sul_cancel(&b->control->sul_timeout);
	schedule_timeout(b->control);
}

void bridge_control_upstream_error(struct bridge *b, const struct nvx_error *e)
{
	struct n2m_control *c = b->control;
	enum n2m_ctl_command command;

	if (!c || !c->head)
		return;
	if (e->action == NVX_ACTION_SUBSCRIBE)
		command = N2M_CTL_SUBSCRIBE;
	else if (e->action == NVX_ACTION_UNSUBSCRIBE)
		command = N2M_CTL_UNSUBSCRIBE;
	else
		return;
	struct ctl_pending *prev = NULL;
	for (struct ctl_pending *p = c->head; p; prev = p, p = p->next) {
		if (p->command != command)
			continue;
		unlink_pending(c, p, prev);
		/* Named by event type like a refusal inside a response ("refused
		 * the state"), not by command. */
		refused(b, p, n2m_sub_type_name(p->sub.type), e->code, e->description);
		break;
	}
	lws_sul_cancel(&c->sul_timeout);
	schedule_timeout(c);
}

/* ---------- SIGHUP ---------- */

/* Waits for Navixy's answer to the unsubscribe of `before` (sent whole by
 * the reload): any of its types completes it. */
static struct ctl_pending *reload_pending(struct bridge *b, const struct n2m_sub_set *before)
{
	struct ctl_pending *p = calloc(1, sizeof *p);
	int timeout_s = b->cfg.navixy.connect_timeout_s > 0 ? b->cfg.navixy.connect_timeout_s : 10;

	if (!p)
		return NULL;
	for (int t = N2M_SUB_TYPE_COUNT - 1; t >= 0; t--)
		if (before->subs[t].active)
			p->sub.type = (enum n2m_sub_type)t;
	p->sub.all = 1;
	p->command = N2M_CTL_UNSUBSCRIBE;
	p->reply.silent = 1;
	p->reload = 1;
	p->deadline_ms = ctl_now_ms() + (int64_t)timeout_s * 1000;
	return p;
}

void bridge_control_reload_clear(struct bridge *b, const struct n2m_sub_set *before,
				 int sent_upstream)
{
	int64_t *clear = NULL;
	size_t n_clear = 0;

	if (!b->control)
		return;
	if (uncovered_trackers(b, before, &clear, &n_clear) != 0) {
		n2m_log(&b->log, N2M_LOG_ERROR, "control.out_of_memory", "what=clear_list");
		return;
	}
	struct ctl_pending *p = n_clear && sent_upstream ? reload_pending(b, before) : NULL;
	if (p) {
		p->clear_ids = clear;
		p->n_clear = n_clear;
		push_pending(b->control, p);
		return;
	}
	if (n_clear)
		clear_trackers(b, clear, n_clear);
	free(clear);
}

/* ---------- requests ---------- */

/* Sharded: in the account's tracker/list, whichever shard owns it, so
 * every instance accepts or refuses a request alike. */
static int known_tracker(void *ctx, int64_t id)
{
	return bridge_shard_known(ctx, id);
}

/* Saves the set when a state file is configured; a failure is logged,
 * counted and returned as a warning for the answer (the change stands). */
static char *persist(struct bridge *b)
{
	const char *path = b->cfg.control.state_file;
	char err[512];

	if (!path[0] || n2m_state_file_save(path, &b->desired, err, sizeof err) == 0)
		return NULL;
	b->control->counters.state_file_errors++;
	n2m_log(&b->log, N2M_LOG_ERROR, "control.state_save_failed", "error=\"%s\"", err);
	return strdup(err);
}

static void announce(struct bridge *b, const struct n2m_ctl_request *req)
{
	struct json_object *fields = json_object_new_object();

	bridge_publish_info(b);
	if (fields) {
		json_object_object_add(fields, "source", json_object_new_string("control"));
		json_object_object_add(fields, "command",
				       json_object_new_string(n2m_ctl_command_name(req->command)));
		json_object_object_add(fields, "type",
				       json_object_new_string(n2m_sub_type_name(req->sub.type)));
		json_object_object_add(fields, "trackers", n2m_ctl_trackers_json(&req->sub));
		json_object_object_add(fields, "subscriptions", n2m_sub_set_to_json(&b->desired));
		bridge_publish_event(b, "subscriptions", fields);
	}
	n2m_log(&b->log, N2M_LOG_INFO, "control.subscriptions_changed", "command=%s type=%s",
		n2m_ctl_command_name(req->command), n2m_sub_type_name(req->sub.type));
}

/* Applies req to the desired set; on a change persists and announces it.
 * For subscribe, *upstream gets the resulting type to send. -1 with err. */
static int apply(struct bridge *b, const struct n2m_ctl_request *req, struct n2m_sub *upstream,
		 int *changed, char **warning, char *err, size_t errlen)
{
	int rc;

	*warning = NULL;
	/* Before tracker/list has been loaded every id would look unknown. */
	if (bridge_shard_have_list(b) &&
	    n2m_ctl_check_ids(req, &b->desired, known_tracker, b, err, errlen) != 0)
		return -1;
	if (req->command == N2M_CTL_SUBSCRIBE)
		rc = n2m_ctl_apply_subscribe(&b->desired, req, changed, upstream, err, errlen);
	else
		rc = n2m_ctl_apply_unsubscribe(&b->desired, req, changed, err, errlen);
	if (rc != 0)
		return -1;
	if (*changed) {
		b->control->counters.changes++;
		*warning = persist(b);
		announce(b, req);
	}
	return 0;
}

/* The message for Navixy: subscribe the whole resulting type (its options
 * then apply to all its trackers), unsubscribe exactly what was asked. */
static char *upstream_message(struct bridge *b, const struct n2m_ctl_request *req,
			      const struct n2m_sub *upstream, size_t *len)
{
	char err[200];
	char *text;

	/* Sharded: only this shard's part of it (bridge_shard.h). */
	if (req->command == N2M_CTL_SUBSCRIBE)
		text = bridge_shard_request_one(b, NVX_REQ_SUBSCRIBE, upstream, 0, len, err,
						sizeof err);
	else
		text = bridge_shard_request_one(b, NVX_REQ_UNSUBSCRIBE, &req->sub, 1, len, err,
						sizeof err);
	if (!text)
		n2m_log(&b->log, N2M_LOG_WARN, "control.no_upstream_request", "reason=\"%s\"", err);
	return text;
}

static struct ctl_pending *new_pending(struct bridge *b, struct ctl_reply *reply,
				       const struct n2m_ctl_request *req, char *warning)
{
	struct ctl_pending *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->command = req->command;
	p->sub = req->sub;
	p->sub.ids = NULL;
	p->sub.cap_ids = p->sub.n_ids;
	if (req->sub.n_ids) {
		p->sub.ids = malloc(req->sub.n_ids * sizeof *p->sub.ids);
		if (!p->sub.ids) {
			free(p);
			return NULL;
		}
		memcpy(p->sub.ids, req->sub.ids, req->sub.n_ids * sizeof *p->sub.ids);
	}
	p->reply = *reply;
	memset(reply, 0, sizeof *reply);
	p->warning = warning;
	int timeout_s = b->cfg.navixy.connect_timeout_s > 0 ? b->cfg.navixy.connect_timeout_s : 10;
	p->deadline_ms = ctl_now_ms() + (int64_t)timeout_s * 1000;
	return p;
}

/* Sends the change upstream when it can; returns the waiting entry (owning
 * reply and warning), or NULL when the caller answers at once. */
static struct ctl_pending *send_upstream(struct bridge *b, struct ctl_reply *reply,
					 const struct n2m_ctl_request *req,
					 const struct n2m_sub *upstream, int changed, char *warning)
{
	size_t len = 0;

	if (!n2m_upstream_is_connected(&b->upstream) || !b->have_hash)
		return NULL;
	/* An unsubscribe that changed nothing has nothing to tell Navixy. */
	if (req->command == N2M_CTL_UNSUBSCRIBE && !changed)
		return NULL;
	if (b->control->n_pending >= N2M_CTL_MAX_PENDING)
		return NULL;
	char *text = upstream_message(b, req, upstream, &len);
	if (!text)
		return NULL;
	struct ctl_pending *p = n2m_upstream_send(&b->upstream, text, len) == 0
				? new_pending(b, reply, req, warning) : NULL;
	free(text);
	return p;
}

void ctl_subscription_request(struct bridge *b, struct ctl_reply *reply,
			      const struct n2m_ctl_request *req)
{
	struct n2m_sub_set before;
	struct n2m_sub upstream;
	int changed = 0;
	char *warning = NULL;
	char err[512];

	memset(&upstream, 0, sizeof upstream);
	if (n2m_sub_set_copy(&before, &b->desired) != 0) {
		ctl_answer_error(b, reply, "out of memory");
		return;
	}
	if (apply(b, req, &upstream, &changed, &warning, err, sizeof err) != 0) {
		n2m_log(&b->log, N2M_LOG_WARN, "control.refused", "command=%s error=\"%s\"",
			n2m_ctl_command_name(req->command), err);
		ctl_answer_error(b, reply, err);
		goto out;
	}
	int64_t *clear = NULL;
	size_t n_clear = 0;
	if (req->command == N2M_CTL_UNSUBSCRIBE && changed &&
	    uncovered_trackers(b, &before, &clear, &n_clear) != 0)
		n2m_log(&b->log, N2M_LOG_ERROR, "control.out_of_memory", "what=clear_list");
	struct ctl_pending *p = send_upstream(b, reply, req, &upstream, changed, warning);
	if (p) {
		p->clear_ids = clear;
		p->n_clear = n_clear;
		push_pending(b->control, p);
		goto out;
	}
	/* Upstream is down (or had nothing to do): the desired set has the
	 * change and the next (re)connect sends it. */
	if (n_clear)
		clear_trackers(b, clear, n_clear);
	free(clear);
	int pending = changed || req->command == N2M_CTL_SUBSCRIBE;
	ctl_answer_ok(b, reply, base_data(&req->sub, pending, warning));
	free(warning);
out:
	free(upstream.ids);
	n2m_sub_set_free(&before);
}
