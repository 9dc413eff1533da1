/* SPDX-License-Identifier: MIT */
/*
 * navixy_items.c - the item path of nvx_frame_parse_bounded (navixy_frame_fast.h):
 * a state_batch or readings_batch too big for one json-c tree, taken one
 * item at a time. A lenient walk finds the envelope's members and the data
 * array's items (white space allowed, as json-c allows it); every other
 * envelope value is checked by json-c alone. An item that is canonical and
 * usable is taken raw, as on the fast path; any other is parsed alone with
 * json-c (when its estimated tree fits the budget), judged by the json-c
 * path's rules, printed canonically into the frame's text and its tree
 * freed at once. A printed item is never longer than its text (white space
 * goes, escapes only shrink, integers print from their value), so the text
 * is sized once: at most the message again.
 *
 * What it does not take (another frame type, a data map, a key spelled
 * with escapes, a duplicate envelope key, bad JSON between the items) is
 * NVX_FRAME_TOO_BIG: the caller skips the message.
 */
#include "navixy_items.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_cost.h"
#include "json_scan.h"
#include "navixy_scan.h"

/* Nesting left for an item inside {"data":[ ... ]}. */
#define ITEM_JSONC_DEPTH (NVX_FRAME_MAX_DEPTH - 2)
#define ITEM_SCAN_DEPTH (N2M_JSON_SCAN_MAX_DEPTH - 2)

struct span {
	const char *p;
	size_t len;
};

struct envelope {
	struct span type, event, data;
};

/* The frame as it is being built. */
struct build {
	struct nvx_frame *f;
	enum nvx_event_kind ev;
	size_t budget;
	const char *msg_end;
	size_t text_len, text_cap; /* f->text */
	struct nvx_state_fields *fields;
	size_t n, cap;             /* f->items and fields */
	size_t kept_cost;          /* items kept as json-c trees (f->root) */
	char *err;
	size_t errlen;
};

static int too_big(struct build *b, const char *why, size_t index)
{
	snprintf(b->err, b->errlen, "not taken item by item (%s at item %zu): above "
		 "navixy.max_fallback_bytes", why, index);
	return NVX_FRAME_TOO_BIG;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past the closing quote of the string at p (escapes stepped over, not
 * checked), or NULL. */
static const char *string_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* The end of the value at p: a string, brackets matched outside strings, or
 * a scalar up to a delimiter; NULL if it does not end before end. Nothing
 * is checked: json-c or the canonical scanner judge the value. */
static const char *value_end(const char *p, const char *end)
{
	size_t depth = 0;
	if (p >= end)
		return NULL;
	if (*p == '"')
		return string_end(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	for (; p < end; p++) {
		if (*p == '"') {
			if (!(p = string_end(p, end)))
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

/* json-c on text[0..len) (strict, depth levels); NULL with the reason. */
static struct json_object *tokenize(const char *text, size_t len, int depth, char *err,
				    size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(depth);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	int whole = jerr == json_tokener_success && json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	if (!whole) {
		snprintf(err, errlen, "%s", jerr == json_tokener_success ? "trailing data"
				   : jerr == json_tokener_continue ? "truncated"
				   : json_tokener_error_desc(jerr));
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Parses the value text[0..len) alone, as json-c parses it in place (depth
 * levels from here) into *out (NULL for JSON null): 0, or -1 with the
 * reason in err. A scalar is parsed inside brackets: alone, json-c cannot
 * tell that a number ended. */
static int parse_alone(const char *text, size_t len, int depth, struct json_object **out,
		       char *err, size_t errlen)
{
	*out = NULL;
	if (len && (text[0] == '{' || text[0] == '['))
		return (*out = tokenize(text, len, depth, err, errlen)) ? 0 : -1;
	char *wrapped = malloc(len + 2);
	if (!wrapped) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	wrapped[0] = '[';
	memcpy(wrapped + 1, text, len);
	wrapped[len + 1] = ']';
	struct json_object *arr = tokenize(wrapped, len + 2, depth + 1, err, errlen);
	free(wrapped);
	int one = arr && json_object_array_length(arr) == 1;
	if (one)
		*out = json_object_get(json_object_array_get_idx(arr, 0));
	else if (arr)
		snprintf(err, errlen, "not one value");
	json_object_put(arr);
	return one ? 0 : -1;
}

/* An envelope member other than type/event/data: valid JSON, checked by
 * json-c alone within the budget. */
static int check_other(struct build *b, const char *v, size_t len)
{
	char why[96];
	if (len > (size_t)INT32_MAX || n2m_json_tree_cost(v, len) > b->budget)
		return -1;
	struct json_object *o;
	int rc = parse_alone(v, len, NVX_FRAME_MAX_DEPTH - 1, &o, why, sizeof why);
	json_object_put(o);
	return rc;
}

/* Notes one envelope member (key: between the quotes); -1 for what the
 * item path does not take. */
static int envelope_member(struct build *b, struct envelope *e, struct span key, struct span v)
{
	struct span *slot = NULL;
	if (memchr(key.p, '\\', key.len))
		return -1; /* json-c would unescape it: let it decide, whole */
	if (check_other(b, key.p - 1, key.len + 2) < 0)
		return -1; /* not a valid string (a raw control character) */
	if (key.len == 4 && memcmp(key.p, "type", 4) == 0)
		slot = &e->type;
	else if (key.len == 5 && memcmp(key.p, "event", 5) == 0)
		slot = &e->event;
	else if (key.len == 4 && memcmp(key.p, "data", 4) == 0)
		slot = &e->data;
	if (!slot)
		return check_other(b, v.p, v.len);
	if (slot->p)
		return -1; /* a duplicate: json-c keeps the last one */
	*slot = v;
	return 0;
}

/* Walks {"key":value,...} at p to the end of the message (an optional
 * "<digits>|" prefix and white space around); 0 or -1. */
static int walk_envelope(struct build *b, const char *p, const char *end, struct envelope *e)
{
	p = skip_ws(p, end);
	const char *d = p;
	while (d < end && *d >= '0' && *d <= '9')
		d++;
	if (d > p && d < end && *d == '|')
		p = skip_ws(d + 1, end);
	if (p >= end || *p != '{')
		return -1;
	for (p = skip_ws(p + 1, end); p < end && *p == '"';) {
		const char *key_end = string_end(p, end);
		if (!key_end)
			return -1;
		struct span key = { p + 1, (size_t)(key_end - p - 2) };
		p = skip_ws(key_end, end);
		if (p >= end || *p != ':')
			return -1;
		p = skip_ws(p + 1, end);
		const char *v_end = value_end(p, end);
		if (!v_end || envelope_member(b, e, key, (struct span){ p, (size_t)(v_end - p) }) < 0)
			return -1;
		p = skip_ws(v_end, end);
		if (p < end && *p == '}')
			return skip_ws(p + 1, end) == end ? 0 : -1;
		if (p >= end || *p != ',')
			return -1;
		p = skip_ws(p + 1, end);
	}
	return -1;
}

static int span_is(struct span s, const char *quoted)
{
	return s.p && s.len == strlen(quoted) && memcmp(s.p, quoted, s.len) == 0;
}

/* Room for one more item; 0 or -1. */
static int grow(struct build *b)
{
	if (b->n < b->cap)
		return 0;
	size_t cap = b->cap ? b->cap * 2 : 64;
	struct nvx_item *items = realloc(b->f->items, cap * sizeof(*items));
	if (!items)
		return -1;
	b->f->items = items;
	struct nvx_state_fields *fields = realloc(b->fields, cap * sizeof(*fields));
	if (!fields)
		return -1;
	b->fields = fields;
	b->cap = cap;
	return 0;
}

/* Appends the raw item p[0..len) if the fast path takes it; 0, or -1 if
 * it does not (or no memory). */
static int take_raw(struct build *b, const char *p, size_t len)
{
	if (grow(b) < 0)
		return -1;
	if (nvx_scan_item(b->ev, p, len, ITEM_SCAN_DEPTH, &b->f->items[b->n], &b->fields[b->n]) < 0)
		return -1;
	b->n++;
	return 0;
}

/* Keeps the usable item obj (unwrapped; its tree is whole) as a json-c
 * object, within the budget; 0 or -1. */
static int keep_tree(struct build *b, struct json_object *whole, struct json_object *obj,
		     int64_t id, size_t cost)
{
	if (b->kept_cost + cost > b->budget || grow(b) < 0)
		return -1;
	if (!b->f->root && !(b->f->root = json_object_new_array()))
		return -1;
	if (json_object_array_add(b->f->root, json_object_get(whole)) < 0) {
		json_object_put(whole);
		return -1;
	}
	b->kept_cost += cost;
	b->f->items[b->n++] = (struct nvx_item){ .obj = obj, .id = id };
	return 0;
}

/* The canonical text of a usable item parsed alone, appended to the
 * frame's text and taken raw; else kept as a tree. 0 or -1 (not kept). */
static int take_printed(struct build *b, struct json_object *whole, struct json_object *obj,
			int64_t id, size_t cost)
{
	size_t len = 0;
	const char *text = json_object_to_json_string_length(
		whole, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text && len <= b->text_cap - b->text_len) {
		char *at = b->f->text + b->text_len;
		memcpy(at, text, len);
		if (take_raw(b, at, len) == 0 && b->f->items[b->n - 1].id == id) {
			b->text_len += len;
			return 0;
		}
		if (b->n && b->f->items[b->n - 1].raw == at)
			b->n--; /* usable under other rules only: keep the tree */
	}
	/* Canonical printing can still fall outside the fast path's rules
	 * (e.g. an id given as a string, integers past 18 digits). */
	return keep_tree(b, whole, obj, id, cost);
}

/* One item of the data array, its index i. 0, or NVX_FRAME_TOO_BIG. */
static int take_item(struct build *b, const char *p, size_t len, size_t i)
{
	if (take_raw(b, p, len) == 0)
		return 0;
	size_t cost = n2m_json_tree_cost(p, len);
	if (cost > b->budget || len > (size_t)INT32_MAX) {
		nvx_frame_note_bad_item(b->f, i, "above navixy.max_fallback_bytes");
		return 0;
	}
	if (!b->f->text) {
		/* Every later item prints into at most what is left of the message. */
		b->text_cap = (size_t)(b->msg_end - p);
		if (!(b->f->text = malloc(b->text_cap)))
			return too_big(b, "out of memory", i);
	}
	char why[96];
	struct json_object *whole;
	if (parse_alone(p, len, ITEM_JSONC_DEPTH, &whole, why, sizeof why) < 0)
		return too_big(b, why, i);
	struct json_object *obj;
	int64_t id = 0;
	const char *problem = nvx_item_problem(b->ev, whole, &obj, &id);
	if (problem)
		nvx_frame_note_bad_item(b->f, i, problem);
	else if (take_printed(b, whole, obj, id, cost) < 0)
		nvx_frame_note_bad_item(b->f, i, "above navixy.max_fallback_bytes");
	json_object_put(whole);
	return 0;
}

/* The items of the data array at data; 0 or NVX_FRAME_TOO_BIG. */
static int take_items(struct build *b, struct span data)
{
	const char *end = data.p + data.len;
	const char *p = skip_ws(data.p + 1, end);
	if (p < end && *p == ']')
		return p + 1 == end ? 0 : too_big(b, "bad data array", 0);
	for (size_t i = 0; p < end; i++) {
		const char *v_end = value_end(p, end);
		if (!v_end)
			return too_big(b, "bad data array", i);
		int rc = take_item(b, p, (size_t)(v_end - p), i);
		if (rc < 0)
			return rc;
		p = skip_ws(v_end, end);
		if (p < end && *p == ']')
			return p + 1 == end ? 0 : too_big(b, "bad data array", i);
		if (p >= end || *p != ',')
			return too_big(b, "bad data array", i);
		p = skip_ws(p + 1, end);
	}
	return too_big(b, "bad data array", 0);
}

/* The items and their state fields in one block, as make_items of
 * navixy_scan.c has them (nvx_frame_free frees both); 0 or -1. */
static int finish(struct build *b)
{
	struct nvx_frame *f = b->f;
	f->kind = NVX_FRAME_EVENT;
	f->type_name = "event";
	f->event = b->ev;
	f->event_name = nvx_event_name(b->ev);
	if (!b->n)
		return 0;
	struct nvx_item *items = malloc(b->n * (sizeof(*items) + sizeof(*b->fields)));
	if (!items)
		return -1;
	struct nvx_state_fields *fields = (struct nvx_state_fields *)(items + b->n);
	memcpy(items, f->items, b->n * sizeof(*items));
	memcpy(fields, b->fields, b->n * sizeof(*fields));
	for (size_t i = 0; i < b->n; i++)
		if (items[i].state)
			items[i].state = &fields[i];
	free(f->items);
	f->items = items;
	f->n_items = b->n;
	return 0;
}

int nvx_frame_parse_items(const char *msg, size_t len, size_t budget, struct nvx_frame *out,
			  char *err, size_t errlen)
{
	struct build b = { .f = out, .budget = budget, .msg_end = msg + len, .err = err,
			   .errlen = errlen };
	struct envelope e;
	memset(&e, 0, sizeof(e));
	memset(out, 0, sizeof(*out));
	int rc = NVX_FRAME_TOO_BIG;
	if (walk_envelope(&b, msg, msg + len, &e) < 0 || !span_is(e.type, "\"event\"") ||
	    !e.data.p || e.data.p[0] != '[') {
		snprintf(err, errlen, "not a state_batch or readings_batch array: above "
			 "navixy.max_fallback_bytes");
		goto done;
	}
	if (span_is(e.event, "\"state_batch\""))
		b.ev = NVX_EVENT_STATE_BATCH;
	else if (span_is(e.event, "\"readings_batch\""))
		b.ev = NVX_EVENT_READINGS_BATCH;
	else {
		snprintf(err, errlen, "not a state_batch or readings_batch: above "
			 "navixy.max_fallback_bytes");
		goto done;
	}
	out->event = b.ev; /* note_bad_item names it */
	if ((rc = take_items(&b, e.data)) == 0 && finish(&b) < 0)
		rc = too_big(&b, "out of memory", b.n);
done:
	free(b.fields);
	if (rc != 0)
		nvx_frame_free(out);
	return rc;
}
