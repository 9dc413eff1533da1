/* SPDX-License-Identifier: MIT */
/*
 * plugin_view.c - building the tracker view handed to plugins (see
 * plugin_view.h).
 */
#include "plugin_view.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int model_cmp(const void *a, const void *b)
{
	const struct n2m_plugin_model *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void free_items(struct n2m_plugin_model *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].model);
		free(items[i].device_id);
	}
	free(items);
}

int n2m_plugin_models_set(struct n2m_plugin_models *m, const struct nvx_tracker_list *list)
{
	struct n2m_plugin_model *items = calloc(list->n ? list->n : 1, sizeof *items);

	if (!items)
		return -1;
	for (size_t i = 0; i < list->n; i++) {
		items[i].id = list->items[i].id;
		items[i].model = strdup(list->items[i].model ? list->items[i].model : "");
		items[i].device_id = strdup(list->items[i].device_id ? list->items[i].device_id : "");
		if (!items[i].model || !items[i].device_id) {
			free_items(items, i + 1);
			return -1;
		}
	}
	qsort(items, list->n, sizeof *items, model_cmp);
	free_items(m->items, m->n);
	m->items = items;
	m->n = list->n;
	return 0;
}

const struct n2m_plugin_model *n2m_plugin_models_find(const struct n2m_plugin_models *m,
						       int64_t id)
{
	struct n2m_plugin_model key = { .id = id };

	if (!m || !m->n)
		return NULL;
	return bsearch(&key, m->items, m->n, sizeof key, model_cmp);
}

void n2m_plugin_models_free(struct n2m_plugin_models *m)
{
	free_items(m->items, m->n);
	m->items = NULL;
	m->n = 0;
}

/* A number, or a string holding one (Navixy sends both). */
static int json_number(struct json_object *o, double *out)
{
	if (json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double)) {
		*out = json_object_get_double(o);
		return 1;
	}
	if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		char *end;
		double v = strtod(s, &end);
		if (end != s && *end == '\0') {
			*out = v;
			return 1;
		}
	}
	return 0;
}

static void copy_string_field(struct json_object *state, const char *key, char *dst, size_t cap)
{
	struct json_object *v;

	if (json_object_object_get_ex(state, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(dst, cap, "%s", json_object_get_string(v));
}

/* Connection and movement status, ignition, battery and GSM from the
 * stored state payload. */
static void view_from_state(const struct n2m_tracker *tr, struct n2m_plugin_view_buf *out)
{
	struct n2m_tracker_view *v = &out->view;
	struct json_object *state = n2m_tracker_state_json(tr);
	struct json_object *x, *gsm;
	double d;

	if (!state)
		return;
	if (json_object_is_type(state, json_type_object)) {
		copy_string_field(state, "connection_status", out->connection_status,
				  sizeof out->connection_status);
		copy_string_field(state, "movement_status", out->movement_status,
				  sizeof out->movement_status);
		if (json_object_object_get_ex(state, "ignition", &x) &&
		    json_object_is_type(x, json_type_boolean)) {
			v->ignition = json_object_get_boolean(x) ? 1 : 0;
			v->has |= N2M_HAS_IGNITION;
		}
		if (json_object_object_get_ex(state, "battery_level", &x) && json_number(x, &d)) {
			v->battery_level = d;
			v->has |= N2M_HAS_BATTERY;
		}
		if (json_object_object_get_ex(state, "gsm", &gsm) &&
		    json_object_is_type(gsm, json_type_object) &&
		    json_object_object_get_ex(gsm, "signal_level", &x) && json_number(x, &d)) {
			v->gsm_signal = d;
			v->has |= N2M_HAS_GSM;
		}
	}
	json_object_put(state);
}

static void view_from_location(const struct n2m_location *loc, struct n2m_tracker_view *v)
{
	static const struct { uint32_t loc_bit, has_bit; } bits[] = {
		{ N2M_LOC_LATITUDE, N2M_HAS_LATITUDE },   { N2M_LOC_LONGITUDE, N2M_HAS_LONGITUDE },
		{ N2M_LOC_ALTITUDE, N2M_HAS_ALTITUDE },   { N2M_LOC_SPEED, N2M_HAS_SPEED },
		{ N2M_LOC_HEADING, N2M_HAS_HEADING },     { N2M_LOC_ACCURACY, N2M_HAS_ACCURACY },
		{ N2M_LOC_FIX_EPOCH, N2M_HAS_FIX_TIME },
	};

	if (!loc->valid)
		return;
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (loc->present & bits[i].loc_bit)
			v->has |= bits[i].has_bit;
	v->latitude = loc->latitude;
	v->longitude = loc->longitude;
	v->altitude = loc->altitude;
	v->speed = loc->speed;
	v->heading = loc->heading;
	v->accuracy = loc->gps_accuracy;
	v->fix_time = (int64_t)loc->fix_epoch;
	v->fix_time_text = loc->fix_time;
	v->stale = loc->stale;
}

void n2m_plugin_view_build(const struct n2m_tracker *tr, const struct n2m_plugin_models *models,
			   uint32_t changed, struct n2m_plugin_view_buf *out)
{
	struct n2m_tracker_view *v = &out->view;
	const struct n2m_plugin_model *m = n2m_plugin_models_find(models, tr->id);

	memset(out, 0, sizeof *out);
	v->struct_size = sizeof *v;
	v->id = tr->id;
	v->source_id = tr->source_id;
	v->label = tr->label ? tr->label : "";
	v->topic_id = tr->topic_id;
	v->model = m ? m->model : "";
	v->device_id = m ? m->device_id : "";
	v->changed = changed;
	v->fix_time_text = "";
	v->availability = (int)n2m_tracker_availability(tr);
	v->blocked = tr->blocked || tr->upstream == NVX_STATUS_BLOCKED;
	v->connection_status = out->connection_status;
	v->movement_status = out->movement_status;
	view_from_location(&tr->location, v);
	view_from_state(tr, out);
	v->state_json = tr->state_json;
	v->state_len = tr->state_json ? tr->state_len : 0;
	v->readings_json = tr->readings_json;
	v->readings_len = tr->readings_json ? tr->readings_len : 0;
}
