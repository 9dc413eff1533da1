/* SPDX-License-Identifier: MIT */
/*
 * ot_render.c - OwnTracks location and card payloads (see ot_render.h).
 */
#include "ot_render.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level_char_ok(unsigned char ch)
{
	return isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
}

void ot_device_name(const struct ot_config *c, const struct n2m_tracker_view *t,
		    char out[OT_LEVEL_MAX + 1])
{
	size_t n = 0;
	int useful = 0;

	if (!c->device_by_id && t->label) {
		for (const unsigned char *p = (const unsigned char *)t->label; *p && n < OT_LEVEL_MAX; p++) {
			/* A multi-byte UTF-8 character becomes one '_'. */
			if (*p >= 0x80 && (*p & 0xC0) == 0x80)
				continue;
			char ch = level_char_ok(*p) && *p < 0x80 ? (char)*p : '_';
			useful |= ch != '_' && ch != '.';
			out[n++] = ch;
		}
	}
	out[n] = '\0';
	if (!useful || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		snprintf(out, OT_LEVEL_MAX + 1, "%lld", (long long)t->id);
}

void ot_tid(const struct ot_config *c, const struct n2m_tracker_view *t, char out[3])
{
	char first = 0, last = 0;

	/* First and last letter/digit: "Truck 12" -> "T2", "Van" -> "VN" -
	 * numbered fleets stay apart better than with two initials. */
	if (!c->tid_by_id && t->label)
		for (const unsigned char *p = (const unsigned char *)t->label; *p; p++)
			if (*p < 0x80 && isalnum(*p)) {
				if (!first)
					first = (char)toupper(*p);
				else
					last = (char)toupper(*p);
			}
	if (first && last) {
		out[0] = first;
		out[1] = last;
	} else {
		long long id = t->id < 0 ? -t->id : t->id;
		out[0] = (char)('0' + (id / 10) % 10);
		out[1] = (char)('0' + id % 10);
	}
	out[2] = '\0';
}

int ot_topic(const struct ot_config *c, const struct n2m_tracker_view *t, char *out, size_t cap)
{
	char device[OT_LEVEL_MAX + 1];
	int n;

	ot_device_name(c, t, device);
	n = snprintf(out, cap, "%s/%s/%s", c->prefix, c->user, device);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static long long rounded(double v)
{
	return (long long)llround(v);
}

char *ot_render_location(const struct ot_config *c, const struct n2m_tracker_view *t, int64_t now)
{
	char buf[512], tid[3];
	size_t n = 0;
	const uint32_t has = t->has;

	if (!(has & N2M_HAS_LATITUDE) || !(has & N2M_HAS_LONGITUDE) || !isfinite(t->latitude) ||
	    !isfinite(t->longitude))
		return NULL;
	/* %.7f is ~1 cm, the precision trackers report. */
	n += (size_t)snprintf(buf + n, sizeof buf - n, "{\"_type\":\"location\",\"lat\":%.7f,\"lon\":%.7f",
			      t->latitude, t->longitude);
	n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"tst\":%lld",
			      (long long)((has & N2M_HAS_FIX_TIME) ? t->fix_time : now));
	long long acc = (has & N2M_HAS_ACCURACY) ? rounded(t->accuracy) : 0;
	n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"acc\":%lld",
			      acc > 0 ? acc : (long long)c->default_accuracy);
	if (has & N2M_HAS_ALTITUDE)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"alt\":%lld", rounded(t->altitude));
	if (has & N2M_HAS_SPEED)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"vel\":%lld", rounded(t->speed));
	if (has & N2M_HAS_HEADING)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"cog\":%lld", rounded(t->heading));
	if (has & N2M_HAS_BATTERY)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"batt\":%lld", rounded(t->battery_level));
	ot_tid(c, t, tid);
	n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"tid\":\"%s\"", tid);
	if (t->availability >= 0)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"conn\":\"%s\"",
				      t->availability ? "m" : "o");
	n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"t\":\"t\"");
	if (now > 0)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ",\"created_at\":%lld", (long long)now);
	if (n + 2 > sizeof buf)
		return NULL;
	buf[n++] = '}';
	buf[n] = '\0';
	return strdup(buf);
}

char *ot_render_card(const struct ot_config *c, const struct n2m_tracker_view *t)
{
	struct json_object *o = json_object_new_object();
	char name[64], tid[3];
	char *out = NULL;

	if (!o)
		return NULL;
	snprintf(name, sizeof name, "%lld", (long long)t->id);
	ot_tid(c, t, tid);
	json_object_object_add(o, "_type", json_object_new_string("card"));
	json_object_object_add(o, "name", json_object_new_string(t->label && t->label[0] ? t->label : name));
	json_object_object_add(o, "tid", json_object_new_string(tid));
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		out = strdup(text);
	json_object_put(o);
	return out;
}
