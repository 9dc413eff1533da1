/* SPDX-License-Identifier: MIT */
/*
 * navixy_request.c - subscribe/unsubscribe message text (see
 * navixy_request.h). Written by hand rather than through json-c: a request
 * for 100,000 selected trackers is one long id list, and a plain writer
 * renders it in one pass without building a tree.
 */
#include "navixy_request.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"
#include "navixy_rest.h"

static char *fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

static void write_ids(struct n2m_buf *b, const struct n2m_sub *sub)
{
	n2m_buf_putc(b, '[');
	for (size_t i = 0; i < sub->n_ids; i++) {
		if (i)
			n2m_buf_putc(b, ',');
		n2m_buf_json_int(b, sub->ids[i]);
	}
	n2m_buf_putc(b, ']');
}

static void write_key(struct n2m_buf *b, const char *key)
{
	n2m_buf_putc(b, ',');
	n2m_buf_json_string(b, key, strlen(key));
	n2m_buf_putc(b, ':');
}

static void write_string_field(struct n2m_buf *b, const char *key, const char *value)
{
	write_key(b, key);
	n2m_buf_json_string(b, value, strlen(value));
}

/* Whether a type has anything to send: active, and "all" or some ids. */
static int has_targets(const struct n2m_sub *sub)
{
	return sub->active && (sub->all || sub->n_ids > 0);
}

/* Writes one request object. Returns 0, or -1 with err set. */
static int write_request(struct n2m_buf *b, enum nvx_request_action action,
			 enum n2m_sub_type type, const struct n2m_sub *sub, char *err,
			 size_t errlen)
{
	const char *name = n2m_sub_type_name(type);
	n2m_buf_puts(b, "{\"type\":");
	n2m_buf_json_string(b, name, strlen(name));
	if (type == N2M_SUB_STATE) {
		/* Navixy's state type takes a plain id list, no target object. */
		if (sub->all) {
			fail(err, errlen, "state: needs tracker ids (Navixy's state type has no \"all\" target)");
			return -1;
		}
		write_key(b, "trackers");
		write_ids(b, sub);
	} else if (sub->all) {
		n2m_buf_puts(b, ",\"target\":{\"type\":\"all\"}");
	} else {
		n2m_buf_puts(b, ",\"target\":{\"type\":\"selected\",\"tracker_ids\":");
		write_ids(b, sub);
		n2m_buf_putc(b, '}');
	}
	if (action == NVX_REQ_SUBSCRIBE) {
		if (type != N2M_SUB_STATE && sub->rate_limit[0])
			write_string_field(b, "rate_limit", sub->rate_limit);
		if (type == N2M_SUB_STATE || type == N2M_SUB_STATE_BATCH)
			write_string_field(b, "format",
					   sub->format == N2M_FORMAT_COMPACT ? "compact" : "full");
		if (type == N2M_SUB_READINGS_BATCH) {
			if (sub->sensor_type[0])
				write_string_field(b, "sensor_type", sub->sensor_type);
			if (sub->include_components >= 0) {
				write_key(b, "include_components");
				n2m_buf_puts(b, sub->include_components ? "true" : "false");
			}
		}
	}
	n2m_buf_putc(b, '}');
	return 0;
}

static void write_head(struct n2m_buf *b, enum nvx_request_action action, const char *hash,
		       int iso_datetime)
{
	n2m_buf_puts(b, action == NVX_REQ_SUBSCRIBE ? "{\"action\":\"subscribe\""
						     : "{\"action\":\"unsubscribe\"");
	write_string_field(b, "hash", hash);
	if (iso_datetime)
		n2m_buf_puts(b, ",\"iso_datetime\":true");
	n2m_buf_puts(b, ",\"requests\":[");
}

static char *finish(struct n2m_buf *b, size_t *len_out, char *err, size_t errlen)
{
	n2m_buf_puts(b, "]}");
	char *text = n2m_buf_steal(b, len_out);
	return text ? text : fail(err, errlen, "out of memory");
}

/* Builds a message from every non-NULL entry of subs, in type order. */
static char *build(enum nvx_request_action action, const char *hash, int iso_datetime,
		   const struct n2m_sub *const subs[N2M_SUB_TYPE_COUNT], size_t *len_out,
		   char *err, size_t errlen)
{
	if (!hash || !nvx_hash_valid(hash))
		return fail(err, errlen, "hash: must be 32 hex characters");
	struct n2m_buf b;
	n2m_buf_init(&b);
	write_head(&b, action, hash, iso_datetime);
	int written = 0;
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++) {
		if (!subs[t] || !has_targets(subs[t]))
			continue;
		if (written++)
			n2m_buf_putc(&b, ',');
		if (write_request(&b, action, (enum n2m_sub_type)t, subs[t], err, errlen) < 0) {
			n2m_buf_free(&b);
			return NULL;
		}
	}
	if (!written) {
		n2m_buf_free(&b);
		return fail(err, errlen, "nothing to %s",
			    action == NVX_REQ_SUBSCRIBE ? "subscribe" : "unsubscribe");
	}
	return finish(&b, len_out, err, errlen);
}

char *nvx_request_build(enum nvx_request_action action, const char *hash, int iso_datetime,
			const struct n2m_sub_set *set, size_t *len_out, char *err, size_t errlen)
{
	const struct n2m_sub *subs[N2M_SUB_TYPE_COUNT];
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++)
		subs[t] = set ? &set->subs[t] : NULL;
	return build(action, hash, iso_datetime, subs, len_out, err, errlen);
}

char *nvx_request_build_one(enum nvx_request_action action, const char *hash, int iso_datetime,
			    enum n2m_sub_type type, const struct n2m_sub *sub, size_t *len_out,
			    char *err, size_t errlen)
{
	if ((unsigned)type >= N2M_SUB_TYPE_COUNT)
		return fail(err, errlen, "type: unknown subscription type %d", (int)type);
	const struct n2m_sub *subs[N2M_SUB_TYPE_COUNT] = { 0 };
	subs[type] = sub;
	return build(action, hash, iso_datetime, subs, len_out, err, errlen);
}
