/*
 * location.c - location payload extraction and rendering (see location.h).
 * Rendered by hand: it is small, fixed-shape, and on every state update.
 */
#include "location.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "navixy_time.h"

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/* A finite number from a JSON number or numeric string; 0 or -1. */
static int number_of(struct json_object *v, double *out)
{
	double d;
	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
		d = json_object_get_double(v);
		break;
	case json_type_string: {
		const char *s = json_object_get_string(v);
		char *end;
		d = strtod(s, &end);
		if (end == s || *end)
			return -1;
		break;
	}
	default:
		return -1;
	}
	if (!isfinite(d))
		return -1;
	*out = d;
	return 0;
}

static void take(struct json_object *v, double *slot, uint32_t bit, uint32_t *present)
{
	if (number_of(v, slot) == 0)
		*present |= bit;
}

int n2m_location_from_state(struct json_object *state, struct n2m_location *loc)
{
	struct json_object *gps = member(state, "gps");
	if (!json_object_is_type(gps, json_type_object))
		return 0;
	struct n2m_location l;
	memset(&l, 0, sizeof(l));
	struct json_object *where = member(gps, "location");
	if (!json_object_is_type(where, json_type_object))
		where = gps;
	take(member(where, "lat"), &l.latitude, N2M_LOC_LATITUDE, &l.present);
	take(member(where, "lng"), &l.longitude, N2M_LOC_LONGITUDE, &l.present);
	take(member(gps, "alt"), &l.altitude, N2M_LOC_ALTITUDE, &l.present);
	take(member(gps, "speed"), &l.speed, N2M_LOC_SPEED, &l.present);
	take(member(gps, "heading"), &l.heading, N2M_LOC_HEADING, &l.present);
	take(member(gps, "precision"), &l.gps_accuracy, N2M_LOC_ACCURACY, &l.present);
	struct json_object *updated = member(gps, "updated");
	if (json_object_is_type(updated, json_type_string)) {
		size_t n = (size_t)json_object_get_string_len(updated);
		const char *s = json_object_get_string(updated);
		if (n < sizeof(l.fix_time)) {
			memcpy(l.fix_time, s, n + 1);
			l.present |= N2M_LOC_FIX_TIME;
			if (nvx_time_parse(s, n, &l.fix_epoch) == 0)
				l.present |= N2M_LOC_FIX_EPOCH;
		}
	}
	l.stale = loc->stale;
	l.valid = 1;
	*loc = l;
	return 1;
}

int n2m_location_is_stale(const struct n2m_location *loc, time_t now, int stale_after_s)
{
	if (stale_after_s <= 0)
		return 0;
	if (!(loc->present & N2M_LOC_FIX_EPOCH))
		return 1;
	return (int64_t)now - (int64_t)loc->fix_epoch > stale_after_s;
}

static void field(struct n2m_buf *b, const char *key_json, const struct n2m_location *loc,
		  uint32_t bit, double v)
{
	n2m_buf_puts(b, key_json);
	if (loc->present & bit)
		n2m_buf_json_double(b, v);
	else
		n2m_buf_append(b, "null", 4);
}

void n2m_location_render(const struct n2m_location *loc, int stale, struct n2m_buf *b)
{
	field(b, "{\"latitude\":", loc, N2M_LOC_LATITUDE, loc->latitude);
	field(b, ",\"longitude\":", loc, N2M_LOC_LONGITUDE, loc->longitude);
	field(b, ",\"altitude\":", loc, N2M_LOC_ALTITUDE, loc->altitude);
	field(b, ",\"speed\":", loc, N2M_LOC_SPEED, loc->speed);
	field(b, ",\"heading\":", loc, N2M_LOC_HEADING, loc->heading);
	field(b, ",\"gps_accuracy\":", loc, N2M_LOC_ACCURACY, loc->gps_accuracy);
	n2m_buf_puts(b, ",\"fix_time\":");
	if (loc->present & N2M_LOC_FIX_TIME)
		n2m_buf_json_string(b, loc->fix_time, strlen(loc->fix_time));
	else
		n2m_buf_append(b, "null", 4);
	n2m_buf_puts(b, stale ? ",\"stale\":true}" : ",\"stale\":false}");
}
