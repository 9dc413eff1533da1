/* SPDX-License-Identifier: MIT */
/*
 * ot_render.h - OwnTracks messages for a tracker, as pure functions of a
 * tracker view (OwnTracks JSON format, booklet "JSON" page).
 *
 * Topic: <prefix>/<user>/<device>, device = the sanitised label (or the
 * tracker id). Payload, a _type "location" object:
 *   lat, lon   degrees (required: no message without both)
 *   tst        the fix time (UNIX epoch s), or the render time if unknown
 *   acc        metres, integer; the default accuracy when the tracker
 *              reports none (OwnTracks consumers drop fixes without acc)
 *   alt        metres, integer             vel  km/h, integer
 *   cog        degrees, integer            batt percent, integer
 *   tid        two characters              conn "m" online, "o" offline
 *   t          "t" (a timer/automatic report, as a tracker's are)
 *   created_at when the message was made (omitted when now <= 0, which
 *              the plugin uses to compare payloads)
 * Optional fields are left out when the tracker does not report them.
 * The card (<topic>/info, _type "card") carries the label as name.
 */
#ifndef N2M_OT_RENDER_H
#define N2M_OT_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "navixy2mqtt/plugin.h"

#define OT_LEVEL_MAX 64

struct ot_config {
	const char *prefix;       /* "owntracks" */
	const char *user;         /* "navixy" */
	int device_by_id;         /* 0: device = sanitised label, 1: tracker id */
	int tid_by_id;            /* 0: tid from the label, 1: last two digits of the id */
	int default_accuracy;     /* metres, used when the tracker gives none */
};

/* One topic level from the label: [A-Za-z0-9_.-] kept, anything else
 * '_', at most OT_LEVEL_MAX bytes; the id when nothing usable is left. */
void ot_device_name(const struct ot_config *c, const struct n2m_tracker_view *t,
		    char out[OT_LEVEL_MAX + 1]);

/* The first and last letter or digit of the label (upper-cased), else
 * the last two digits of the id. */
void ot_tid(const struct ot_config *c, const struct n2m_tracker_view *t, char out[3]);

/* <prefix>/<user>/<device>; -1 if it does not fit. */
int ot_topic(const struct ot_config *c, const struct n2m_tracker_view *t, char *out, size_t cap);

/* The location payload (malloc'd, NUL-terminated), or NULL when the
 * tracker has no latitude/longitude (or no memory). */
char *ot_render_location(const struct ot_config *c, const struct n2m_tracker_view *t, int64_t now);

/* The card payload: {"_type":"card","name":<label or id>,"tid":..}. */
char *ot_render_card(const struct ot_config *c, const struct n2m_tracker_view *t);

#endif
