/* SPDX-License-Identifier: MIT */
/*
 * location.c - location payload extraction and rendering (see location.h).
 * Rendered by hand: it is small, fixed-shape, and on every state update.
 */
#include "location.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "json_scan.h"
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

/* gps.updated: published in UTC with a "Z" whatever form Navixy used
 * (navixy_time.h); a text that is no date leaves fix_time unknown. */
static void set_fix_time(struct n2m_location *l, const char *s, size_t len)
{
	if (nvx_time_normalize(s, len, l->fix_time, sizeof(l->fix_time), &l->fix_epoch) >= 0)
		l->present |= N2M_LOC_FIX_TIME | N2M_LOC_FIX_EPOCH;
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
	if (json_object_is_type(updated, json_type_string))
		set_fix_time(&l, json_object_get_string(updated),
			     (size_t)json_object_get_string_len(updated));
	l.stale = loc->stale;
	l.valid = 1;
	*loc = l;
	return 1;
}

/* ---- from canonical text: the same rules as number_of and take ---- */

/* A finite number from a JSON number or numeric string: 0, -1 if not a
 * number, -2 if json-c must decide (escapes in the string). */
static int number_of_text(const char *v, size_t len, double *out)
{
	enum n2m_json_kind kind = n2m_json_kind(v, len);
	if (kind == N2M_JSON_STRING) {
		v++;
		len -= 2;
		if (memchr(v, '\\', len))
			return -2;
	} else if (kind != N2M_JSON_INT && kind != N2M_JSON_DOUBLE) {
		return -1;
	}
	double d;
	if (kind == N2M_JSON_INT)
		d = (double)n2m_json_int(v, len);
	else if (!n2m_decimal_strtod(v, len, &d))
		return -1;
	if (!isfinite(d))
		return -1;
	*out = d;
	return 0;
}

static int take_text(const char *v, size_t len, double *slot, uint32_t bit, uint32_t *present)
{
	if (!v)
		return 0;
	int rc = number_of_text(v, len, slot);
	if (rc == 0)
		*present |= bit;
	return rc == -2 ? -1 : 0;
}

static int updated_text(const char *v, size_t len, struct n2m_location *l)
{
	if (!v || n2m_json_kind(v, len) != N2M_JSON_STRING)
		return 0;
	v++;
	len -= 2;
	if (memchr(v, '\\', len))
		return -1;
	set_fix_time(l, v, len);
	return 0;
}

/* The gps members the location reads. */
struct gps_text {
	const char *lat, *lng, *alt, *speed, *heading, *precision, *updated, *location;
	size_t lat_len, lng_len, alt_len, speed_len, heading_len, precision_len, updated_len,
		location_len;
};

static void gps_members(const char *obj, size_t len, struct gps_text *g, int top)
{
	struct n2m_json_iter it;
	struct n2m_json_member m;
	n2m_json_iter_init(&it, obj, len);
	while (n2m_json_next_member(&it, &m)) {
		if (n2m_json_key_is(&m, "lat")) {
			g->lat = m.val;
			g->lat_len = m.val_len;
		} else if (n2m_json_key_is(&m, "lng")) {
			g->lng = m.val;
			g->lng_len = m.val_len;
		} else if (!top) {
			continue;
		} else if (n2m_json_key_is(&m, "alt")) {
			g->alt = m.val;
			g->alt_len = m.val_len;
		} else if (n2m_json_key_is(&m, "speed")) {
			g->speed = m.val;
			g->speed_len = m.val_len;
		} else if (n2m_json_key_is(&m, "heading")) {
			g->heading = m.val;
			g->heading_len = m.val_len;
		} else if (n2m_json_key_is(&m, "precision")) {
			g->precision = m.val;
			g->precision_len = m.val_len;
		} else if (n2m_json_key_is(&m, "updated")) {
			g->updated = m.val;
			g->updated_len = m.val_len;
		} else if (n2m_json_key_is(&m, "location")) {
			g->location = m.val;
			g->location_len = m.val_len;
		}
	}
}

int n2m_location_from_gps_text(const char *gps, size_t len, struct n2m_location *loc)
{
	if (!gps || n2m_json_kind(gps, len) != N2M_JSON_OBJECT)
		return 0;
	struct gps_text g;
	memset(&g, 0, sizeof(g));
	gps_members(gps, len, &g, 1);
	if (g.location && n2m_json_kind(g.location, g.location_len) == N2M_JSON_OBJECT) {
		/* lat/lng come from gps.location alone, as in n2m_location_from_state. */
		g.lat = g.lng = NULL;
		gps_members(g.location, g.location_len, &g, 0);
	}
	struct n2m_location l;
	memset(&l, 0, sizeof(l));
	if (take_text(g.lat, g.lat_len, &l.latitude, N2M_LOC_LATITUDE, &l.present) < 0 ||
	    take_text(g.lng, g.lng_len, &l.longitude, N2M_LOC_LONGITUDE, &l.present) < 0 ||
	    take_text(g.alt, g.alt_len, &l.altitude, N2M_LOC_ALTITUDE, &l.present) < 0 ||
	    take_text(g.speed, g.speed_len, &l.speed, N2M_LOC_SPEED, &l.present) < 0 ||
	    take_text(g.heading, g.heading_len, &l.heading, N2M_LOC_HEADING, &l.present) < 0 ||
	    take_text(g.precision, g.precision_len, &l.gps_accuracy, N2M_LOC_ACCURACY,
		      &l.present) < 0 ||
	    updated_text(g.updated, g.updated_len, &l) < 0)
		return -1;
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
