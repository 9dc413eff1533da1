/* SPDX-License-Identifier: MIT */
/*
 * sim_json.c - frame building (see sim_json.h).
 */
#include "sim_json.h"

#include <stdio.h>
#include <string.h>

#include "sim_time.h"

void json_date(struct sbuf *b, int64_t t, const struct sim_fmt *fmt)
{
	char d[SIM_DATE_MAX];
	if (t <= 0 || sim_format_date(d, sizeof(d), t, fmt->tz_offset, fmt->iso) < 0) {
		sbuf_puts(b, "null");
		return;
	}
	sbuf_putc(b, '"');
	sbuf_puts(b, d);
	sbuf_putc(b, '"');
}

static void kdate(struct sbuf *b, const char *key, int64_t t, const struct sim_fmt *fmt)
{
	sbuf_putc(b, '"');
	sbuf_puts(b, key);
	sbuf_puts(b, "\":");
	json_date(b, t, fmt);
}

static void bools(struct sbuf *b, unsigned bits, unsigned n)
{
	sbuf_putc(b, '[');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			sbuf_putc(b, ',');
		sbuf_puts(b, (bits >> i) & 1 ? "true" : "false");
	}
	sbuf_putc(b, ']');
}

void json_state(struct sbuf *b, const struct sim_fleet *f, size_t idx, int compact,
		const struct sim_fmt *fmt)
{
	const struct sim_tracker *t = &f->t[idx];
	sbuf_printf(b, "{\"source_id\":%u,\"gps\":{", t->source_id);
	kdate(b, "updated", t->t_gps, fmt);
	sbuf_printf(b, ",\"signal_level\":%u,\"location\":{\"lat\":%.6f,\"lng\":%.6f},"
		       "\"heading\":%u,\"speed\":%d,\"alt\":%d},",
		    t->gps_signal, t->lat, t->lng, t->heading, (int)(t->speed + 0.5f), t->alt);
	sbuf_printf(b, "\"connection_status\":\"%s\",\"movement_status\":\"%s\",",
		    fleet_connection_name(t), fleet_movement_name(t));
	kdate(b, "movement_status_update", t->t_move, fmt);
	sbuf_printf(b, ",\"ignition\":%s,", t->ignition ? "true" : "false");
	kdate(b, "ignition_update", t->t_ign, fmt);
	if (compact) {
		sbuf_putc(b, ',');
		kdate(b, "last_update", t->t_last, fmt);
		sbuf_putc(b, '}');
		return;
	}
	sbuf_puts(b, ",\"inputs\":");
	bools(b, t->inputs, t->n_inputs);
	sbuf_putc(b, ',');
	kdate(b, "inputs_update", t->t_inputs, fmt);
	sbuf_puts(b, ",\"outputs\":");
	bools(b, t->outputs, t->n_outputs);
	sbuf_putc(b, ',');
	kdate(b, "outputs_update", t->t_outputs, fmt);
	sbuf_putc(b, ',');
	kdate(b, "last_update", t->t_last, fmt);
	sbuf_puts(b, ",\"gsm\":{");
	kdate(b, "updated", t->t_gsm, fmt);
	sbuf_printf(b, ",\"signal_level\":%u,\"network_name\":\"SIM-NET\",\"roaming\":null},"
		       "\"battery_level\":%u,",
		    t->gsm_signal, t->battery);
	kdate(b, "battery_update", t->t_batt, fmt);
	sbuf_puts(b, ",\"additional\":{\"event_code\":{\"value\":");
	sbuf_json_str(b, fleet_event_code(t));
	sbuf_putc(b, ',');
	kdate(b, "updated", t->t_event, fmt);
	sbuf_printf(b, "},\"moving\":{\"value\":\"%d\",", t->movement == MOVE_MOVING);
	kdate(b, "updated", t->t_move, fmt);
	sbuf_putc(b, '}');
	if (fmt->stamp_us) {
		sbuf_printf(b, ",\"sim_sent_us\":{\"value\":\"%lld\",", (long long)fmt->stamp_us);
		kdate(b, "updated", fmt->now, fmt);
		sbuf_putc(b, '}');
	}
	sbuf_puts(b, "},");
	kdate(b, "actual_track_update", t->t_track, fmt);
	sbuf_putc(b, '}');
}

static int want(const struct sim_tracker *t, enum sim_rd rd, int full, uint32_t since)
{
	return full || t->rd_seq[rd] > since;
}

static int type_ok(const struct sim_rd_filter *flt, const char *type)
{
	return !flt || !flt->sensor_type[0] || !strcmp(flt->sensor_type, type);
}

static void input_obj(struct sbuf *b, const char *label, const char *name, const char *type,
		      uint32_t sensor_id, double value, const char *units_type, int64_t t,
		      const struct sim_fmt *fmt)
{
	sbuf_puts(b, "{\"label\":");
	sbuf_json_str(b, label);
	sbuf_printf(b, ",\"units\":\"\",\"name\":\"%s\",\"type\":\"%s\",\"sensor_id\":%u,\"value\":%.2f",
		    name, type, sensor_id, value);
	sbuf_printf(b, ",\"units_type\":\"%s\",\"converted_units_type\":null,"
		       "\"converted_value\":null,",
		    units_type);
	kdate(b, "update_time", t, fmt);
	sbuf_puts(b, "},");
}

int json_readings_sections(struct sbuf *b, const struct sim_fleet *f, size_t idx, int full,
			   uint32_t since, const struct sim_rd_filter *flt,
			   const struct sim_fmt *fmt)
{
	const struct sim_tracker *t = &f->t[idx];
	int n = 0;
	int filtered = flt && flt->sensor_type[0];

	sbuf_puts(b, "\"inputs\":[");
	if (want(t, RD_VOLT, full, since) && type_ok(flt, "power")) {
		input_obj(b, "Board voltage", "board_voltage", "power",
			  fleet_sensor_id(idx, RD_VOLT), t->volt, "volt", t->rd_time[RD_VOLT], fmt);
		n++;
	}
	if (want(t, RD_FUEL, full, since) && type_ok(flt, "fuel")) {
		input_obj(b, "Fuel level", "lls_level_1", "fuel", fleet_sensor_id(idx, RD_FUEL),
			  t->fuel, "litre", t->rd_time[RD_FUEL], fmt);
		n++;
	}
	if (want(t, RD_TEMP, full, since) && type_ok(flt, "temperature")) {
		input_obj(b, "Cargo temperature", "temp_1", "temperature",
			  fleet_sensor_id(idx, RD_TEMP), t->temp, "celsius", t->rd_time[RD_TEMP],
			  fmt);
		n++;
	}
	sbuf_trim_comma(b);
	sbuf_puts(b, "],");
	if (!filtered) {
		sbuf_puts(b, "\"states\":[");
		if (want(t, RD_OUTPUT_STATUS, full, since)) {
			sbuf_printf(b, "{\"field\":\"output_status\",\"value\":%u,", t->rd_outputs);
			kdate(b, "update_time", t->rd_time[RD_OUTPUT_STATUS], fmt);
			sbuf_puts(b, "},");
			n++;
		}
		if (want(t, RD_INPUT_STATUS, full, since)) {
			sbuf_printf(b, "{\"field\":\"input_status\",\"value\":%u,", t->rd_inputs);
			kdate(b, "update_time", t->rd_time[RD_INPUT_STATUS], fmt);
			sbuf_puts(b, "},");
			n++;
		}
		sbuf_trim_comma(b);
		sbuf_puts(b, "],");
	}
	sbuf_puts(b, "\"virtual_sensors\":[");
	if (want(t, RD_VIGN, full, since) && type_ok(flt, "virtual_ignition")) {
		sbuf_printf(b, "{\"sensor_id\":%u,\"label\":\"Ignition\",\"value\":\"%s\","
			       "\"type\":\"virtual_ignition\",",
			    fleet_sensor_id(idx, RD_VIGN), t->rd_ignition ? "On" : "Off");
		kdate(b, "update_time", t->rd_time[RD_VIGN], fmt);
		sbuf_puts(b, "},");
		n++;
	}
	sbuf_trim_comma(b);
	sbuf_puts(b, "]");
	if (!filtered) {
		sbuf_puts(b, ",\"counters\":[");
		if (want(t, RD_ODO, full, since)) {
			sbuf_puts(b, "{\"type\":\"odometer\",\"value\":");
			sbuf_json_double(b, t->odometer);
			sbuf_putc(b, ',');
			kdate(b, "update_time", t->rd_time[RD_ODO], fmt);
			sbuf_puts(b, "},");
			n++;
		}
		if (want(t, RD_ENGH, full, since)) {
			sbuf_puts(b, "{\"type\":\"engine_hours\",\"value\":");
			sbuf_json_double(b, t->engine_hours);
			sbuf_putc(b, ',');
			kdate(b, "update_time", t->rd_time[RD_ENGH], fmt);
			sbuf_puts(b, "},");
			n++;
		}
		sbuf_trim_comma(b);
		sbuf_puts(b, "]");
	}
	return n;
}

int json_readings_item(struct sbuf *b, const struct sim_fleet *f, size_t idx, int full,
		       uint32_t since, const struct sim_rd_filter *flt, const struct sim_fmt *fmt)
{
	sbuf_printf(b, "{\"tracker_id\":%u,", fleet_id(idx));
	int n = json_readings_sections(b, f, idx, full, since, flt, fmt);
	sbuf_putc(b, ',');
	kdate(b, "timestamp", fmt->now, fmt);
	sbuf_puts(b, ",\"type\":\"readings_event\"}");
	return n;
}

static void user_time(struct sbuf *b, const struct sim_fmt *fmt)
{
	if (fmt->docs_strict) {
		sbuf_putc(b, ',');
		kdate(b, "user_time", fmt->now, fmt);
	}
}

void json_state_event(struct sbuf *b, const struct sim_fleet *f, size_t idx, int compact,
		      const struct sim_fmt *fmt)
{
	sbuf_puts(b, "{\"type\":\"event\",\"event\":\"state\"");
	user_time(b, fmt);
	sbuf_puts(b, ",\"data\":");
	json_state(b, f, idx, compact, fmt);
	sbuf_putc(b, '}');
}

void json_batch_begin(struct sbuf *b)
{
	sbuf_puts(b, "{\"data\":[");
}

void json_batch_end(struct sbuf *b, const char *event, const struct sim_fmt *fmt)
{
	sbuf_trim_comma(b);
	sbuf_printf(b, "],\"type\":\"event\",\"event\":\"%s\"", event);
	user_time(b, fmt);
	sbuf_putc(b, '}');
}

void json_state_batch_item(struct sbuf *b, const struct sim_fleet *f, size_t idx, int compact,
			   const struct sim_fmt *fmt)
{
	if (fmt->docs_strict) {
		json_state(b, f, idx, compact, fmt);
		return;
	}
	sbuf_puts(b, "{\"state\":");
	json_state(b, f, idx, compact, fmt);
	sbuf_puts(b, ",\"type\":\"source_state_event\"}");
}

void json_lifecycle(struct sbuf *b, uint32_t source_id, const char *what)
{
	sbuf_printf(b, "{\"type\":\"event\",\"event\":\"lifecycle\",\"data\":{\"source_id\":%u,"
		       "\"lifecycle_event\":\"%s\"}}",
		    source_id, what);
}

void json_logout(struct sbuf *b)
{
	sbuf_puts(b, "{\"type\":\"event\",\"event\":\"logout\",\"data\":\"session closed\"}");
}

const char *sim_error_text(int code)
{
	switch (code) {
	case 1: return "Database error";
	case 3: return "Wrong hash";
	case 4: return "User or API key not found or session ended";
	case 5: return "Wrong request format";
	case 6: return "Unexpected error";
	case 7: return "Invalid parameters";
	case 9: return "Too large request";
	case 102: return "Wrong login or password";
	default: return "Error";
	}
}

void json_error(struct sbuf *b, const char *action, int code, const char *data_json)
{
	sbuf_puts(b, "{\"type\":\"error\",\"action\":");
	sbuf_json_str(b, action ? action : "null");
	sbuf_printf(b, ",\"status\":{\"code\":%d,\"description\":", code);
	sbuf_json_str(b, sim_error_text(code));
	sbuf_putc(b, '}');
	if (data_json) {
		sbuf_puts(b, ",\"data\":");
		sbuf_puts(b, data_json);
	}
	sbuf_putc(b, '}');
}

static void iot_attr(struct sbuf *b, const char *name, const char *value_json, const char *time)
{
	sbuf_printf(b, "\"%s\":[{\"msg_time\":\"%s\",\"srv_time\":\"%s\",\"value\":%s}],", name, time,
		    time, value_json);
}

static void iot_fields(struct sbuf *b, const struct sim_tracker *t, const char *time)
{
	char v[64];
	sbuf_putc(b, '{');
	snprintf(v, sizeof(v), "%d", (int)(t->speed + 0.5f));
	iot_attr(b, "speed", v, time);
	snprintf(v, sizeof(v), "%u", t->heading);
	iot_attr(b, "heading", v, time);
	snprintf(v, sizeof(v), "\"%.7f\"", t->lat);
	iot_attr(b, "latitude", v, time);
	snprintf(v, sizeof(v), "\"%.7f\"", t->lng);
	iot_attr(b, "longitude", v, time);
	snprintf(v, sizeof(v), "%u", t->gps_signal / 8u);
	iot_attr(b, "satellites", v, time);
	snprintf(v, sizeof(v), "\"%.4f\"", t->fuel);
	iot_attr(b, "lls_level_1", v, time);
	sbuf_trim_comma(b);
	sbuf_putc(b, '}');
}

void json_iot_item(struct sbuf *b, const struct sim_fleet *f, size_t idx)
{
	const struct sim_tracker *t = &f->t[idx];
	char time[SIM_DATE_MAX];
	sim_format_date(time, sizeof(time), t->t_gps, 0, 1);
	sbuf_printf(b, "{\"tracker_id\":%u,\"nonnull_fields\":", fleet_id(idx));
	iot_fields(b, t, time);
	sbuf_puts(b, ",\"all_fields\":");
	iot_fields(b, t, time);
	sbuf_putc(b, '}');
}
