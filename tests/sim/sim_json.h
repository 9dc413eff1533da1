/* SPDX-License-Identifier: MIT */
/*
 * sim_json.h - builds the server's JSON frames by hand into an sbuf: full /
 * compact source states, readings items (full or delta), batch envelopes,
 * response, error, lifecycle and logout frames, in the observed shapes or
 * (docs_strict) the documented ones. Pure.
 */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include <stdint.h>

#include "sim_buf.h"
#include "sim_fleet.h"

struct sim_fmt {
	int tz_offset;     /* user's zone, seconds east of UTC */
	int iso;           /* iso_datetime requested */
	int docs_strict;   /* documented shapes instead of observed ones */
	int64_t now;       /* epoch s, for user_time / timestamp */
	int64_t stamp_us;  /* when nonzero: additional.sim_sent_us */
};

/* Readings filter of a readings_batch subscription. */
struct sim_rd_filter {
	char sensor_type[32];    /* "" = every sensor; else states/counters omitted */
	int include_components;  /* accepted; the simulated sensors have no components */
};

void json_date(struct sbuf *b, int64_t t, const struct sim_fmt *fmt);

/* The source state object of tracker idx. */
void json_state(struct sbuf *b, const struct sim_fleet *f, size_t idx, int compact,
		const struct sim_fmt *fmt);

/* Writes "inputs":[..],"states":[..],"virtual_sensors":[..],"counters":[..]
 * with every object (full) or only those changed after since_seq. Returns the
 * number of objects written. */
int json_readings_sections(struct sbuf *b, const struct sim_fleet *f, size_t idx, int full,
			   uint32_t since_seq, const struct sim_rd_filter *flt,
			   const struct sim_fmt *fmt);

/* One readings_event item (observed shape). Returns objects written; on 0
 * the caller may drop the item by truncating to its saved length. */
int json_readings_item(struct sbuf *b, const struct sim_fleet *f, size_t idx, int full,
		       uint32_t since_seq, const struct sim_rd_filter *flt,
		       const struct sim_fmt *fmt);

/* {"type":"event","event":"state","data":<state>} */
void json_state_event(struct sbuf *b, const struct sim_fleet *f, size_t idx, int compact,
		      const struct sim_fmt *fmt);

/* Batch envelope: begin writes up to the data array's '[', items are
 * comma-separated by the caller (batch_item_sep), end closes it. */
void json_batch_begin(struct sbuf *b);
void json_batch_end(struct sbuf *b, const char *event, const struct sim_fmt *fmt);
/* One state_batch item: wrapped {"state":..,"type":"source_state_event"}
 * (observed) or bare (docs_strict). */
void json_state_batch_item(struct sbuf *b, const struct sim_fleet *f, size_t idx, int compact,
			   const struct sim_fmt *fmt);

void json_lifecycle(struct sbuf *b, uint32_t source_id, const char *what);
void json_logout(struct sbuf *b);
/* Error frame; data_json is raw JSON (or NULL to omit). */
void json_error(struct sbuf *b, const char *action, int code, const char *data_json);
const char *sim_error_text(int code);



/* One iot_last_values entry (attributes from the current state, one sample each). */
void json_iot_item(struct sbuf *b, const struct sim_fleet *f, size_t idx);
#endif
