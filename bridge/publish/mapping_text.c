/* SPDX-License-Identifier: MIT */
/*
 * mapping_text.c - state and readings publications from an item's raw
 * canonical JSON text (nvx_frame_parse_fast), without a json-c tree.
 *
 * The state payload is the item's own bytes with ,"tracker_id":N,"label":".."
 * spliced in before the closing brace - exactly where json-c would add the
 * two fields and print them. Items this cannot cover byte for byte (a state
 * that already has tracker_id or label, strings with escapes where a value
 * must be read) are parsed with json-c and go through mapping.c.
 */
#include "mapping.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "json_cost.h"
#include "json_scan.h"
#include "location.h"
#include "mapping_internal.h"
#include "readings_merge.h"
#include "readings_text.h"

/* Payloads up to this size are rendered on the stack. */
#define STACK_PAYLOAD 4096

/* Whether json-c may parse text[0..len) (the budget of ctx). */
static int fits_json_c(const struct n2m_map_ctx *ctx, const char *text, size_t len)
{
	return !ctx->max_tree_bytes || n2m_json_tree_cost(text, len) <= ctx->max_tree_bytes;
}

static struct json_object *parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	return o;
}

static int state_via_json(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			  const char *text, size_t len, struct n2m_pub_list *out, char *err,
			  size_t errlen)
{
	if (!fits_json_c(ctx, text, len)) {
		snprintf(err, errlen, "state: above navixy.max_fallback_bytes for json-c");
		return -1;
	}
	struct json_object *o = parse(text, len);
	if (!o) {
		snprintf(err, errlen, "state: out of memory");
		return -1;
	}
	int rc = n2m_map_state(ctx, tr, o, out, err, errlen);
	json_object_put(o);
	return rc;
}

/* The fields the state mapping reads, by walking the state's top level
 * (when the frame scan did not note them). */
static void state_fields(const char *text, size_t len, struct nvx_state_fields *s)
{
	struct n2m_json_iter it;
	struct n2m_json_member m;
	memset(s, 0, sizeof(*s));
	n2m_json_iter_init(&it, text, len);
	while (n2m_json_next_member(&it, &m)) {
		s->members++;
		if (n2m_json_key_is(&m, "gps")) {
			s->gps = m.val;
			s->gps_len = m.val_len;
		} else if (n2m_json_key_is(&m, "connection_status")) {
			s->status = m.val;
			s->status_len = m.val_len;
		} else if (n2m_json_key_is(&m, "tracker_id") || n2m_json_key_is(&m, "label")) {
			s->own_ids = 1;
		}
	}
}

/* connection_status as online/offline/-1; -2 if json-c must read it. */
static int status_text(const char *v, size_t len)
{
	if (!v || n2m_json_kind(v, len) != N2M_JSON_STRING)
		return -1;
	if (memchr(v + 1, '\\', len - 2))
		return -2;
	return n2m_map_connection_online(v + 1, len - 2);
}

int n2m_map_state_text(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr, const char *text,
		       size_t len, const struct nvx_state_fields *fields, struct n2m_pub_list *out,
		       char *err, size_t errlen)
{
	struct nvx_state_fields s;
	if (fields)
		s = *fields;
	else
		state_fields(text, len, &s);
	struct n2m_location loc = tr->location;
	int online = status_text(s.status, s.status_len);
	int has_gps = s.own_ids || online == -2 ? -1
						  : n2m_location_from_gps_text(s.gps, s.gps_len, &loc);
	if (has_gps < 0)
		return state_via_json(ctx, tr, text, len, out, err, errlen);

	char stack[STACK_PAYLOAD];
	struct n2m_buf b;
	n2m_buf_init_storage(&b, stack, sizeof(stack));
	n2m_buf_append(&b, text, len - 1);
	n2m_buf_puts(&b, s.members ? ",\"tracker_id\":" : "\"tracker_id\":");
	n2m_buf_json_int(&b, tr->id);
	n2m_buf_puts(&b, ",\"label\":");
	n2m_json_escape_jsonc(&b, tr->label, strlen(tr->label));
	n2m_buf_putc(&b, '}');
	int rc = 0;
	if (b.failed || n2m_tracker_store_state(tr, b.data, b.len) < 0)
		rc = -1;
	n2m_buf_free(&b);
	if (rc < 0) {
		snprintf(err, errlen, "state: out of memory");
		return -1;
	}
	if (online >= 0)
		tr->connection_online = online;
	if (has_gps)
		tr->location = loc;
	if (n2m_map_emit(ctx, tr, N2M_CLASS_STATE, tr->topic_id, tr->state_json, tr->state_len,
			 EMIT_DEDUPE, out, err, errlen) < 0 ||
	    n2m_map_emit_location(ctx, tr, EMIT_DEDUPE, out, err, errlen) < 0)
		return -1;
	return n2m_map_emit_availability(ctx, tr, EMIT_DEDUPE, out, err, errlen);
}

static int readings_via_json(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			     const char *text, size_t len, struct n2m_pub_list *out, char *err,
			     size_t errlen)
{
	if (!fits_json_c(ctx, text, len)) {
		snprintf(err, errlen, "readings: above navixy.max_fallback_bytes for json-c");
		return -1;
	}
	struct json_object *o = parse(text, len);
	if (!o) {
		snprintf(err, errlen, "readings: out of memory");
		return -1;
	}
	int rc = n2m_map_readings(ctx, tr, o, out, err, errlen);
	json_object_put(o);
	return rc;
}

int n2m_map_readings_text(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			  const char *text, size_t len, struct n2m_pub_list *out, char *err,
			  size_t errlen)
{
	char stack[STACK_PAYLOAD];
	struct n2m_buf b;
	struct n2m_readings_index ix;
	size_t full_ix_n;
	const uint16_t *full_ix = n2m_tracker_readings_index(tr, &full_ix_n);
	n2m_buf_init_storage(&b, stack, sizeof(stack));
	size_t cut = 0;
	int rc = n2m_readings_merge_text(tr->readings_json, tr->readings_len, full_ix, full_ix_n,
					 text, len, tr->id, &b, &ix, &cut, err, errlen);
	if (rc == N2M_READINGS_TEXT_UNCOVERED) {
		n2m_buf_free(&b);
		return readings_via_json(ctx, tr, text, len, out, err, errlen);
	}
	n2m_map_count_truncated(ctx, rc < 0 ? 0 : cut);
	if (rc == 1 && !b.failed && b.len > N2M_READINGS_MAX_BYTES) {
		n2m_map_count_truncated(ctx, 1); /* the stored readings stay */
		rc = 0;
	} else if (rc == 1) {
		if (b.failed || n2m_tracker_store_readings_indexed(tr, b.data, b.len, ix.v, ix.n) < 0) {
			snprintf(err, errlen, "readings: out of memory");
			rc = -1;
		} else {
			rc = n2m_map_emit(ctx, tr, N2M_CLASS_READINGS, tr->topic_id,
					  tr->readings_json, tr->readings_len, EMIT_DEDUPE, out, err,
					  errlen);
		}
	}
	n2m_buf_free(&b);
	return rc;
}
