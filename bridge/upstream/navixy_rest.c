/* SPDX-License-Identifier: MIT */
/*
 * navixy_rest.c - user/auth and tracker/list response parsing and request
 * bodies (see navixy_rest.h). Shapes: docs/protocol.md, "REST: authentication and the
 * tracker list" and "Errors".
 */
#include "navixy_rest.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "utf8.h"

/* Nesting deeper than this is not a Navixy answer. */
#define REST_MAX_DEPTH 32

static enum nvx_rest_result malformed(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		n2m_utf8_trim_tail(err);
	}
	return NVX_REST_MALFORMED;
}

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *v = member(obj, key);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int nvx_hash_valid(const char *s)
{
	if (!s)
		return 0;
	size_t i = 0;
	for (; s[i]; i++) {
		char c = s[i];
		int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (!hex || i >= NVX_HASH_LEN)
			return 0;
	}
	return i == NVX_HASH_LEN;
}

/* Parses body into a JSON object; NULL with err set if it is not one.
 * Labels, models and descriptions in it end up in MQTT payloads, which must
 * be UTF-8: a body that is not is parsed with every invalid sequence
 * replaced by U+FFFD (*invalid_utf8 set when not NULL). json-c already
 * turns escaped lone surrogates into U+FFFD. */
static struct json_object *parse_body(const char *what, const char *body, size_t len,
				      int *invalid_utf8, char *err, size_t errlen)
{
	if (!body || len == 0 || len > (size_t)INT32_MAX) {
		malformed(err, errlen, "%s: empty or oversized response", what);
		return NULL;
	}
	char *repaired = NULL;
	if (!n2m_utf8_valid(body, len)) {
		repaired = n2m_utf8_repair(body, len, &len);
		if (invalid_utf8)
			*invalid_utf8 = 1;
		body = repaired;
	}
	struct json_tokener *tok = body ? json_tokener_new_ex(REST_MAX_DEPTH) : NULL;
	if (!tok) {
		free(repaired);
		malformed(err, errlen, "%s: out of memory", what);
		return NULL;
	}
	struct json_object *root = len <= (size_t)INT32_MAX
					   ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
	free(repaired);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		malformed(err, errlen, "%s: not JSON: %s", what,
			  jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
		json_object_put(root);
		return NULL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		malformed(err, errlen, "%s: response is not a JSON object", what);
		json_object_put(root);
		return NULL;
	}
	return root;
}

/* Reads "success"; on false fills api_error. Returns OK, API_ERROR or MALFORMED. */
static enum nvx_rest_result check_success(const char *what, struct json_object *root,
					  struct nvx_rest_error *api_error, char *err,
					  size_t errlen)
{
	struct json_object *success = member(root, "success");
	if (!json_object_is_type(success, json_type_boolean))
		return malformed(err, errlen, "%s: missing or non-boolean \"success\"", what);
	if (json_object_get_boolean(success))
		return NVX_REST_OK;
	struct json_object *status = member(root, "status");
	struct json_object *code = member(status, "code");
	const char *desc = member_string(status, "description");
	if (api_error) {
		api_error->code = json_object_is_type(code, json_type_int) ? json_object_get_int(code) : 0;
		snprintf(api_error->description, sizeof(api_error->description), "%s",
			 desc ? desc : "");
		n2m_utf8_trim_tail(api_error->description);
	}
	if (err && errlen) {
		snprintf(err, errlen, "%s: error %d: %s", what,
			 json_object_is_type(code, json_type_int) ? json_object_get_int(code) : 0,
			 desc ? desc : "(no description)");
		n2m_utf8_trim_tail(err);
	}
	return NVX_REST_API_ERROR;
}

enum nvx_rest_result nvx_rest_parse_auth(const char *body, size_t len,
					 char hash_out[NVX_HASH_LEN + 1],
					 struct nvx_rest_error *api_error, char *err, size_t errlen)
{
	struct json_object *root = parse_body("user/auth", body, len, NULL, err, errlen);
	if (!root)
		return NVX_REST_MALFORMED;
	enum nvx_rest_result rc = check_success("user/auth", root, api_error, err, errlen);
	if (rc == NVX_REST_OK) {
		const char *type = member_string(root, "type");
		const char *hash = member_string(root, "hash");
		if (type && strcmp(type, "second_factor_required") == 0)
			rc = malformed(err, errlen, "user/auth: the account requires a second factor "
						    "(2FA), which the bridge cannot answer; use an API key");
		else if (!hash)
			rc = malformed(err, errlen, "user/auth: missing \"hash\"");
		else if (!nvx_hash_valid(hash))
			rc = malformed(err, errlen, "user/auth: hash is not 32 hex characters");
		else
			memcpy(hash_out, hash, NVX_HASH_LEN + 1);
	}
	json_object_put(root);
	return rc;
}

/* A positive integer id from a JSON integer (or an integral double). */
static int json_id(struct json_object *v, int64_t *out)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		if (i <= 0 || i == INT64_MAX)
			return -1;
		*out = i;
		return 0;
	}
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (!(d >= 1 && d < 9007199254740992.0) || d != floor(d))
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	return -1;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static void tracker_info_free(struct nvx_tracker_info *t)
{
	free(t->label);
	free(t->model);
	free(t->device_id);
}

/* Why a list entry cannot be used, or NULL (then *t is filled). A missing
 * source block is tolerated: the tracker still has an id and a label. */
static const char *parse_tracker(struct json_object *item, struct nvx_tracker_info *t, int *nomem)
{
	memset(t, 0, sizeof(*t));
	if (!json_object_is_type(item, json_type_object))
		return "not an object";
	if (json_id(member(item, "id"), &t->id) < 0)
		return "id is missing or not a positive integer";
	struct json_object *source = member(item, "source");
	struct json_object *sid = member(source, "id");
	if (sid && json_id(sid, &t->source_id) < 0)
		return "source.id is not a positive integer";
	struct json_object *blocked = member(source, "blocked");
	t->blocked = json_object_is_type(blocked, json_type_boolean) && json_object_get_boolean(blocked);
	t->label = dup_or_empty(member_string(item, "label"));
	t->model = dup_or_empty(member_string(source, "model"));
	t->device_id = dup_or_empty(member_string(source, "device_id"));
	if (!t->label || !t->model || !t->device_id) {
		tracker_info_free(t);
		*nomem = 1;
		return "out of memory";
	}
	return NULL;
}

enum nvx_rest_result nvx_rest_parse_tracker_list(const char *body, size_t len,
						 struct nvx_tracker_list *out,
						 struct nvx_rest_error *api_error, char *err,
						 size_t errlen)
{
	memset(out, 0, sizeof(*out));
	struct json_object *root = parse_body("tracker/list", body, len, &out->invalid_utf8, err,
					      errlen);
	if (!root)
		return NVX_REST_MALFORMED;
	enum nvx_rest_result rc = check_success("tracker/list", root, api_error, err, errlen);
	struct json_object *list = member(root, "list");
	if (rc == NVX_REST_OK && !json_object_is_type(list, json_type_array))
		rc = malformed(err, errlen, "tracker/list: \"list\" is missing or not an array");
	size_t n = rc == NVX_REST_OK ? json_object_array_length(list) : 0;
	if (n) {
		out->items = calloc(n, sizeof(*out->items));
		if (!out->items)
			rc = malformed(err, errlen, "tracker/list: out of memory");
	}
	for (size_t i = 0; rc == NVX_REST_OK && i < n; i++) {
		int nomem = 0;
		const char *why = parse_tracker(json_object_array_get_idx(list, i),
						&out->items[out->n], &nomem);
		if (nomem) {
			rc = malformed(err, errlen, "tracker/list: out of memory");
		} else if (why) {
			if (out->n_bad++ == 0)
				snprintf(out->first_bad, sizeof(out->first_bad),
					 "tracker/list: entry %zu: %s", i, why);
		} else {
			out->n++;
		}
	}
	if (rc != NVX_REST_OK)
		nvx_tracker_list_free(out);
	json_object_put(root);
	return rc;
}

void nvx_tracker_list_free(struct nvx_tracker_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		tracker_info_free(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

static void write_field(struct n2m_buf *b, const char *key, const char *value, int first)
{
	if (!first)
		n2m_buf_putc(b, ',');
	n2m_buf_json_string(b, key, strlen(key));
	n2m_buf_putc(b, ':');
	n2m_buf_json_string(b, value ? value : "", value ? strlen(value) : 0);
}

char *nvx_rest_auth_body(const char *login, const char *password)
{
	struct n2m_buf b;
	n2m_buf_init(&b);
	n2m_buf_putc(&b, '{');
	write_field(&b, "login", login, 1);
	write_field(&b, "password", password, 0);
	n2m_buf_putc(&b, '}');
	return n2m_buf_steal(&b, NULL);
}

char *nvx_rest_hash_body(const char *hash)
{
	struct n2m_buf b;
	n2m_buf_init(&b);
	n2m_buf_putc(&b, '{');
	write_field(&b, "hash", hash, 1);
	n2m_buf_putc(&b, '}');
	return n2m_buf_steal(&b, NULL);
}
