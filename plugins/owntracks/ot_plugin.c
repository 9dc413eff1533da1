/* SPDX-License-Identifier: MIT */
/*
 * ot_plugin.c - the OwnTracks plugin: each tracker's position as an
 * OwnTracks _type "location" message, retained on owntracks/<user>/<device>
 * as the OwnTracks apps publish, so the Recorder and Home Assistant's
 * OwnTracks integration take the fleet as it is.
 *
 * Options (settings group):
 *   prefix           = "owntracks"
 *   user             = "navixy"       the <user> level for every tracker
 *   device           = "label"        "label" (sanitised) or "id"
 *   tid              = "label"        "label" (first and last letter/digit) or "id"
 *   default_accuracy = 10             metres, for trackers that report none
 *   card             = true           also a retained _type "card" on <topic>/info
 *   qos              = 1
 *   retain           = true
 *
 * A message goes out when the tracker's location, availability or state
 * changed and the payload (apart from created_at) differs from the last
 * one; a removed tracker's topics are cleared; a renamed one moves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "navixy2mqtt/plugin.h"
#include "ot_render.h"

#define TOPIC_CAP 512

struct ot_rec {
	int64_t id;
	char *topic;          /* where its messages are */
	uint64_t hash;        /* of the last location payload without created_at */
	uint64_t card_hash;
};

struct ot_plugin {
	struct n2m_plugin *self;
	const struct n2m_host_api *host;
	struct ot_config cfg;
	int qos, retain, card;
	struct ot_rec *recs;  /* sorted by id */
	size_t n, cap;
};

static const char *const known_options[] = { "prefix", "user", "device", "tid",
					     "default_accuracy", "card", "qos", "retain", NULL };

N2M_PLUGIN_EXPORT int n2m_plugin_version(void)
{
	return N2M_PLUGIN_API_VERSION;
}

static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

/* Index of id, or where it would go (*found = 0). */
static size_t rec_index(const struct ot_plugin *op, int64_t id, int *found)
{
	size_t lo = 0, hi = op->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (op->recs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < op->n && op->recs[lo].id == id;
	return lo;
}

static struct ot_rec *rec_get(struct ot_plugin *op, int64_t id)
{
	int found;
	size_t i = rec_index(op, id, &found);

	if (found)
		return &op->recs[i];
	if (op->n == op->cap) {
		size_t cap = op->cap ? op->cap * 2 : 64;
		struct ot_rec *grown = realloc(op->recs, cap * sizeof *grown);
		if (!grown)
			return NULL;
		op->recs = grown;
		op->cap = cap;
	}
	memmove(&op->recs[i + 1], &op->recs[i], (op->n - i) * sizeof *op->recs);
	memset(&op->recs[i], 0, sizeof op->recs[i]);
	op->recs[i].id = id;
	op->n++;
	return &op->recs[i];
}

static void publish(struct ot_plugin *op, const char *topic, const char *payload)
{
	op->host->publish(op->self, topic, payload, strlen(payload), op->qos, op->retain);
}

static void clear_topics(struct ot_plugin *op, const char *topic)
{
	char info[TOPIC_CAP + 8];

	publish(op, topic, "");
	if (op->card) {
		snprintf(info, sizeof info, "%s/info", topic);
		publish(op, info, "");
	}
}

static void send_card(struct ot_plugin *op, struct ot_rec *r, const struct n2m_tracker_view *t)
{
	char info[TOPIC_CAP + 8];
	char *card = ot_render_card(&op->cfg, t);

	if (!card)
		return;
	uint64_t h = hash_text(card);
	if (h != r->card_hash) {
		snprintf(info, sizeof info, "%s/info", r->topic);
		publish(op, info, card);
		r->card_hash = h;
	}
	free(card);
}

static void on_updated(struct ot_plugin *op, const struct n2m_tracker_view *t, int force)
{
	char topic[TOPIC_CAP];
	struct ot_rec *r;
	char *cmp, *msg;

	if (ot_topic(&op->cfg, t, topic, sizeof topic) != 0 || !(r = rec_get(op, t->id)))
		return;
	if (r->topic && strcmp(r->topic, topic) != 0) {
		/* Renamed: the old device goes away, the new one starts fresh. */
		clear_topics(op, r->topic);
		free(r->topic);
		r->topic = NULL;
		r->hash = r->card_hash = 0;
	}
	if (!r->topic && !(r->topic = strdup(topic)))
		return;
	if (force)
		r->hash = r->card_hash = 0;
	if (op->card)
		send_card(op, r, t);
	cmp = ot_render_location(&op->cfg, t, 0);
	if (!cmp)
		return;
	uint64_t h = hash_text(cmp);
	free(cmp);
	if (h == r->hash)
		return;
	msg = ot_render_location(&op->cfg, t, (int64_t)time(NULL));
	if (msg) {
		publish(op, r->topic, msg);
		r->hash = h;
		free(msg);
	}
}

static void on_removed(struct ot_plugin *op, int64_t id)
{
	int found;
	size_t i = rec_index(op, id, &found);

	if (!found)
		return;
	if (op->recs[i].topic)
		clear_topics(op, op->recs[i].topic);
	free(op->recs[i].topic);
	memmove(&op->recs[i], &op->recs[i + 1], (op->n - i - 1) * sizeof *op->recs);
	op->n--;
}

static int resend_visitor(const struct n2m_tracker_view *t, void *arg)
{
	on_updated(arg, t, 1);
	return 0;
}

static int on_event(int event, const void *data, void *userdata)
{
	struct ot_plugin *op = userdata;

	if (event == N2M_EVT_TRACKER_UPDATED) {
		const struct n2m_tracker_view *t = data;
		if (t->changed & (N2M_CHANGED_LOCATION | N2M_CHANGED_AVAILABILITY | N2M_CHANGED_STATE))
			on_updated(op, t, 0);
	} else if (event == N2M_EVT_TRACKER_REMOVED) {
		on_removed(op, ((const struct n2m_tracker_view *)data)->id);
	} else if (event == N2M_EVT_MQTT_CONNECTED) {
		/* The broker may have lost its retained messages. */
		op->host->foreach_tracker(op->self, resend_visitor, op);
	}
	return 0;
}

static int choice(struct ot_plugin *op, const char *key, const char *value, int *by_id)
{
	if (strcmp(value, "label") == 0 || strcmp(value, "id") == 0) {
		*by_id = value[0] == 'i';
		return 0;
	}
	op->host->set_error(op->self, "settings.%s: must be \"label\" or \"id\" (got \"%s\")", key, value);
	return -1;
}

static int level_ok(const char *s)
{
	return s[0] && !strpbrk(s, "+#/");
}

static int read_options(struct ot_plugin *op, const struct n2m_host_api *h)
{
	const char *device = "label", *tid = "label";
	long long qos = 1, acc = 10;
	int bad = 0;

	bad |= h->opt_check_known(op->self, known_options) != 0;
	bad |= h->opt_string(op->self, "prefix", "owntracks", &op->cfg.prefix) != 0;
	bad |= h->opt_string(op->self, "user", "navixy", &op->cfg.user) != 0;
	bad |= h->opt_string(op->self, "device", "label", &device) != 0;
	bad |= h->opt_string(op->self, "tid", "label", &tid) != 0;
	bad |= h->opt_int(op->self, "default_accuracy", 10, &acc) != 0;
	bad |= h->opt_bool(op->self, "card", 1, &op->card) != 0;
	bad |= h->opt_int(op->self, "qos", 1, &qos) != 0;
	bad |= h->opt_bool(op->self, "retain", 1, &op->retain) != 0;
	if (bad)
		return -1;
	if (choice(op, "device", device, &op->cfg.device_by_id) != 0 ||
	    choice(op, "tid", tid, &op->cfg.tid_by_id) != 0)
		return -1;
	if (!op->cfg.prefix[0] || strpbrk(op->cfg.prefix, "+#") || !level_ok(op->cfg.user)) {
		h->set_error(op->self, "settings.prefix and settings.user: non-empty, no + or #, "
			     "and user is one topic level (no /)");
		return -1;
	}
	if (qos < 0 || qos > 2 || acc < 1 || acc > 100000) {
		h->set_error(op->self, "settings.qos must be 0..2 and default_accuracy 1..100000 "
			     "(got %lld and %lld)", qos, acc);
		return -1;
	}
	op->qos = (int)qos;
	op->cfg.default_accuracy = (int)acc;
	return 0;
}

N2M_PLUGIN_EXPORT int n2m_plugin_init(struct n2m_plugin *self, const struct n2m_host_api *host,
				      void **userdata)
{
	struct ot_plugin *op;

	if (!host || host->api_version != N2M_PLUGIN_API_VERSION ||
	    !N2M_HAS_MEMBER(host, struct n2m_host_api, foreach_tracker))
		return -1;
	if (!(op = calloc(1, sizeof *op))) {
		host->set_error(self, "out of memory");
		return -1;
	}
	op->self = self;
	op->host = host;
	if (read_options(op, host) != 0) {
		free(op);
		return -1;
	}
	/* OwnTracks apps read locations there: no control response goes there. */
	if (N2M_HAS_MEMBER(host, struct n2m_host_api, topic_tree))
		host->topic_tree(self, op->cfg.prefix);
	host->callback_register(self, N2M_EVT_TRACKER_UPDATED, on_event);
	host->callback_register(self, N2M_EVT_TRACKER_REMOVED, on_event);
	host->callback_register(self, N2M_EVT_MQTT_CONNECTED, on_event);
	host->log(self, N2M_PLUGIN_LOG_INFO, "locations on %s/%s/<device>", op->cfg.prefix,
		  op->cfg.user);
	*userdata = op;
	return 0;
}

N2M_PLUGIN_EXPORT void n2m_plugin_cleanup(void *userdata)
{
	struct ot_plugin *op = userdata;

	if (!op)
		return;
	for (size_t i = 0; i < op->n; i++)
		free(op->recs[i].topic);
	free(op->recs);
	free(op);
}
