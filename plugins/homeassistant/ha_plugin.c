/* SPDX-License-Identifier: MIT */
/*
 * ha_plugin.c - the Home Assistant discovery plugin: options, events, and
 * keeping the broker's retained discovery configs in step with the fleet.
 *
 * Options (settings group):
 *   discovery_prefix = "homeassistant"  HA's discovery prefix
 *   status_topic     = ""               HA's birth topic; "" = <prefix>/status
 *   node_prefix      = "navixy"         node ids / unique ids: <node_prefix>_<tracker id>
 *   manufacturer     = "Navixy"
 *   readings         = true             sensors for every reading
 *   bridge_device    = true             a "navixy2mqtt" device with a connectivity sensor
 *   qos              = 1                QoS of the configs (retained always)
 *
 * Configs go out when a tracker is first seen, again when what they say
 * changes (label, model, topic id, the set of readings), for every tracker
 * after each MQTT connect and whenever HA publishes "online" on its status
 * topic; they are cleared (empty retained payloads) when the tracker is
 * removed, before the tracker's own topics (the host announces a removal
 * ahead of its clears), and one by one when a reading disappears.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha_render.h"
#include "ha_state.h"
#include "navixy2mqtt/plugin.h"

struct ha_plugin {
	struct n2m_plugin *self;
	const struct n2m_host_api *host;
	struct ha_config cfg;
	char *status_topic;
	int qos;
	int bridge_device;
	struct ha_state state;
};

static const char *const known_options[] = { "discovery_prefix", "status_topic", "node_prefix",
					     "manufacturer", "readings", "bridge_device", "qos",
					     NULL };

N2M_PLUGIN_EXPORT int n2m_plugin_version(void)
{
	return N2M_PLUGIN_API_VERSION;
}

static char *signature_of(const struct n2m_tracker_view *t)
{
	size_t len = strlen(t->label) + strlen(t->topic_id) + strlen(t->model) +
		     strlen(t->device_id) + 4;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "%s\n%s\n%s\n%s", t->label, t->topic_id, t->model, t->device_id);
	return s;
}

static int publish_config(struct ha_plugin *hp, const char *topic, const char *payload)
{
	return hp->host->publish(hp->self, topic, payload, strlen(payload), hp->qos, 1);
}

/* Publishes the configs of msgs that the broker does not hold yet (all
 * with force) and clears the ones rec has that msgs no longer contains. */
static void reconcile(struct ha_plugin *hp, struct ha_tracker_rec *rec,
		      const struct ha_messages *msgs, int force)
{
	for (size_t i = 0; i < rec->n; i++)
		rec->entries[i].seen = 0;
	for (size_t i = 0; i < msgs->n; i++) {
		struct ha_entry *e = ha_rec_entry(rec, msgs->items[i].topic, 1);
		uint64_t h = ha_hash(msgs->items[i].payload);
		if (!e)
			continue;
		e->seen = 1;
		if (!force && e->hash == h)
			continue;
		e->hash = publish_config(hp, e->topic, msgs->items[i].payload) == N2M_PLUGIN_OK ? h : 0;
	}
	for (size_t i = rec->n; i > 0; i--) {
		if (rec->entries[i - 1].seen)
			continue;
		if (publish_config(hp, rec->entries[i - 1].topic, "") == N2M_PLUGIN_OK)
			ha_rec_drop(rec, i - 1);
	}
}

static void sync_tracker(struct ha_plugin *hp, const struct n2m_tracker_view *t, int force)
{
	struct ha_tracker_rec *rec = ha_state_get(&hp->state, t->id, 1);
	struct ha_messages msgs = { NULL, 0, 0 };
	char *sig;

	if (!rec)
		return;
	sig = signature_of(t);
	if (!sig)
		return;
	if (!force && rec->signature && strcmp(rec->signature, sig) == 0 &&
	    !(t->changed & N2M_CHANGED_READINGS)) {
		free(sig);
		return;
	}
	free(rec->signature);
	rec->signature = sig;
	if (ha_render_tracker(&hp->cfg, t, &msgs) != 0)
		hp->host->log(hp->self, N2M_PLUGIN_LOG_WARN, "tracker %lld: out of memory rendering configs",
			      (long long)t->id);
	reconcile(hp, rec, &msgs, force);
	ha_messages_free(&msgs);
}

static void clear_tracker(struct ha_plugin *hp, int64_t id)
{
	struct ha_tracker_rec *rec = ha_state_get(&hp->state, id, 0);

	if (!rec)
		return;
	for (size_t i = 0; i < rec->n; i++)
		publish_config(hp, rec->entries[i].topic, "");
	ha_state_remove(&hp->state, id);
}

static int resend_visitor(const struct n2m_tracker_view *t, void *arg)
{
	sync_tracker(arg, t, 1);
	return 0;
}

/* Every config again: HA restarted, or the broker may have lost them. */
static void resend_all(struct ha_plugin *hp)
{
	if (hp->bridge_device) {
		struct ha_messages msgs = { NULL, 0, 0 };
		if (ha_render_bridge(&hp->cfg, &msgs) == 0 && msgs.n)
			publish_config(hp, msgs.items[0].topic, msgs.items[0].payload);
		ha_messages_free(&msgs);
	}
	int n = hp->host->foreach_tracker(hp->self, resend_visitor, hp);
	hp->host->log(hp->self, N2M_PLUGIN_LOG_INFO, "discovery sent for %d trackers", n);
}

static int is_online_payload(const struct n2m_evt_message *m)
{
	return m->len == 6 && memcmp(m->payload, "online", 6) == 0;
}

static int on_event(int event, const void *data, void *userdata)
{
	struct ha_plugin *hp = userdata;

	switch (event) {
	case N2M_EVT_TRACKER_UPDATED:
		sync_tracker(hp, data, 0);
		break;
	case N2M_EVT_TRACKER_REMOVED:
		clear_tracker(hp, ((const struct n2m_tracker_view *)data)->id);
		break;
	case N2M_EVT_MQTT_CONNECTED:
		resend_all(hp);
		break;
	case N2M_EVT_MESSAGE:
		if (strcmp(((const struct n2m_evt_message *)data)->topic, hp->status_topic) == 0 &&
		    is_online_payload(data))
			resend_all(hp);
		break;
	default:
		break;
	}
	return 0;
}

static int read_options(struct ha_plugin *hp, const struct n2m_host_api *host)
{
	const char *status = "";
	long long qos = 1;
	int bad = 0;

	bad |= host->opt_check_known(hp->self, known_options) != 0;
	bad |= host->opt_string(hp->self, "discovery_prefix", "homeassistant", &hp->cfg.discovery_prefix) != 0;
	bad |= host->opt_string(hp->self, "status_topic", "", &status) != 0;
	bad |= host->opt_string(hp->self, "node_prefix", "navixy", &hp->cfg.node_prefix) != 0;
	bad |= host->opt_string(hp->self, "manufacturer", "Navixy", &hp->cfg.manufacturer) != 0;
	bad |= host->opt_bool(hp->self, "readings", 1, &hp->cfg.readings) != 0;
	bad |= host->opt_bool(hp->self, "bridge_device", 1, &hp->bridge_device) != 0;
	bad |= host->opt_int(hp->self, "qos", 1, &qos) != 0;
	if (bad)
		return -1; /* the host logged and recorded which option */
	if (qos < 0 || qos > 2) {
		host->set_error(hp->self, "settings.qos: must be 0, 1 or 2 (got %lld)", qos);
		return -1;
	}
	if (!hp->cfg.discovery_prefix[0] || strpbrk(hp->cfg.discovery_prefix, "+#")) {
		host->set_error(hp->self, "settings.discovery_prefix: must be a non-empty topic without + or #");
		return -1;
	}
	if (!hp->cfg.node_prefix[0]) {
		host->set_error(hp->self, "settings.node_prefix: must not be empty");
		return -1;
	}
	hp->qos = (int)qos;
	size_t len = strlen(hp->cfg.discovery_prefix) + sizeof "/status";
	hp->status_topic = status[0] ? strdup(status) : malloc(len);
	if (hp->status_topic && !status[0])
		snprintf(hp->status_topic, len, "%s/status", hp->cfg.discovery_prefix);
	return hp->status_topic ? 0 : -1;
}

N2M_PLUGIN_EXPORT int n2m_plugin_init(struct n2m_plugin *self, const struct n2m_host_api *host,
				      void **userdata)
{
	struct ha_plugin *hp;

	if (!host || host->api_version != N2M_PLUGIN_API_VERSION ||
	    !N2M_HAS_MEMBER(host, struct n2m_host_api, foreach_tracker))
		return -1;
	hp = calloc(1, sizeof *hp);
	if (!hp) {
		host->set_error(self, "out of memory");
		return -1;
	}
	hp->self = self;
	hp->host = host;
	hp->cfg.base_topic = host->base_topic(self);
	hp->cfg.sw_version = host->bridge_version;
	if (read_options(hp, host) != 0) {
		free(hp->status_topic);
		free(hp);
		return -1;
	}
	if (host->subscribe(self, hp->status_topic, 1) != N2M_PLUGIN_OK) {
		host->set_error(self, "cannot subscribe to %s", hp->status_topic);
		free(hp->status_topic);
		free(hp);
		return -1;
	}
	/* Discovery configs are what HA trusts: no control response goes there. */
	if (N2M_HAS_MEMBER(host, struct n2m_host_api, topic_tree))
		host->topic_tree(self, hp->cfg.discovery_prefix);
	for (int ev = N2M_EVT_TRACKER_UPDATED; ev <= N2M_EVT_MESSAGE; ev++)
		host->callback_register(self, ev, on_event);
	host->log(self, N2M_PLUGIN_LOG_INFO, "discovery under %s/, HA status on %s",
		  hp->cfg.discovery_prefix, hp->status_topic);
	*userdata = hp;
	return 0;
}

N2M_PLUGIN_EXPORT void n2m_plugin_cleanup(void *userdata)
{
	struct ha_plugin *hp = userdata;

	if (!hp)
		return;
	ha_state_free(&hp->state);
	free(hp->status_topic);
	free(hp);
}
