/* SPDX-License-Identifier: MIT */
/*
 * plugin_host_events.c - tracker events for plugins, derived from the
 * publications the bridge sends (see n2m_plugin_host_before_publication
 * and n2m_plugin_host_after_publish in plugin_host.h). Deriving them there
 * needs two hooks in the bridge and covers every path that changes a
 * tracker's topics: states, readings, lifecycle, resyncs, stale flags,
 * clearing.
 *
 * A removal is announced before the first clear of the tracker's topics
 * goes out, so what plugins derived from those topics (Home Assistant
 * discovery configs) is gone before the topics are emptied: a consumer
 * never applies a config to an empty payload.
 */
#include "plugin_host_internal.h"

#include <string.h>

#include "topic.h"

uint32_t n2m_plugin_changed_bit(enum n2m_topic_class cls)
{
	switch (cls) {
	case N2M_CLASS_STATE:
		return N2M_CHANGED_STATE;
	case N2M_CLASS_LOCATION:
		return N2M_CHANGED_LOCATION;
	case N2M_CLASS_AVAILABILITY:
		return N2M_CHANGED_AVAILABILITY;
	case N2M_CLASS_READINGS:
		return N2M_CHANGED_READINGS;
	default:
		return 0;
	}
}

/* A clearing publication on tr's current topic means tr is going away; a
 * clear of an older topic id (a rename) does not. */
static int clears_current_topic(const struct n2m_plugin_host *h, const struct n2m_tracker *tr,
				const struct n2m_publication *p)
{
	char topic[512];

	if (!p->clearing || !p->topic)
		return 0;
	if (n2m_topic_tracker(topic, sizeof topic, h->base_topic, tr->topic_id,
			      n2m_topic_class_suffix(p->cls)) < 0)
		return 0;
	return strcmp(topic, p->topic) == 0;
}

struct pending_event {
	int64_t tracker_id;
	uint32_t changed;
	int removed;
};

/* Removals went out before the clears (n2m_plugin_host_before_publication). */
static void flush(struct n2m_plugin_host *h, struct pending_event *ev)
{
	const struct n2m_tracker *tr;

	if (!ev->tracker_id)
		return;
	tr = n2m_tracker_find(h->trackers, ev->tracker_id);
	if (tr && !ev->removed && ev->changed)
		n2m_plugin_host_tracker_updated(h, tr, ev->changed);
	memset(ev, 0, sizeof *ev);
}

void n2m_plugin_host_before_publication(struct n2m_plugin_host *h,
					const struct n2m_publication *p)
{
	const struct n2m_tracker *tr;

	if (!p->clearing || !p->tracker_id || p->tracker_id == h->removing_id || !h->trackers ||
	    !(h->wanted & (1u << N2M_EVT_TRACKER_REMOVED)))
		return;
	tr = n2m_tracker_find(h->trackers, p->tracker_id);
	if (!tr || !clears_current_topic(h, tr, p))
		return;
	h->removing_id = p->tracker_id; /* once for the tracker's run of clears */
	n2m_plugin_host_tracker_removed(h, tr);
}

void n2m_plugin_host_after_publish(struct n2m_plugin_host *h, const struct n2m_pub_list *pubs)
{
	struct pending_event ev = { 0, 0, 0 };

	h->removing_id = 0;
	if (!h->trackers || !(h->wanted & (1u << N2M_EVT_TRACKER_UPDATED)))
		return;
	for (size_t i = 0; i < pubs->n; i++) {
		const struct n2m_publication *p = &pubs->items[i];
		if (!p->tracker_id || !p->topic)
			continue;
		if (p->tracker_id != ev.tracker_id) {
			flush(h, &ev);
			ev.tracker_id = p->tracker_id;
		}
		if (p->clearing) {
			const struct n2m_tracker *tr = n2m_tracker_find(h->trackers, p->tracker_id);
			if (tr && clears_current_topic(h, tr, p))
				ev.removed = 1;
		} else {
			ev.changed |= n2m_plugin_changed_bit(p->cls);
		}
	}
	flush(h, &ev);
}
