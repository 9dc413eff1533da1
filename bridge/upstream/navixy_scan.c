/* SPDX-License-Identifier: MIT */
/*
 * navixy_scan.c - the scanner of the fast path for hot frames (see
 * navixy_scan.h; navixy_frame_fast.c decides when it is used). One
 * validating pass over the message (json_scan.h) that, on its way through,
 * notes each batch item's extent and the few fields the bridge reads:
 * source_id / tracker_id, and for states gps and connection_status. The
 * envelope's "event" may come after "data", so every item is noted both
 * ways and the event decides at the end.
 */
#include "navixy_scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"

/* What one object level of an item holds. */
struct level {
	const char *sid, *tid;
	size_t sid_len, tid_len;
	struct nvx_state_fields f;
};

/* One item as noted during the walk. */
struct noted {
	const char *p, *inner;
	size_t len, inner_len;
	struct level top, in;
	int usable; /* an object */
};

struct walk {
	struct noted *items;
	size_t n, cap;
	int items_on_stack; /* items is the caller's array: copy, never realloc */
	int nomem;
	const char *type, *event;
	size_t type_len, event_len;
	int have_data, data_is_array;
};

static int key_is(const char *key, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	return len == n && memcmp(key, lit, n) == 0;
}

/* Notes the fields one level reads; returns the end of the value. */
static const char *note_field(struct level *l, const char *key, size_t key_len, const char *v,
			      const char *end, int depth)
{
	const char *e = n2m_json_scan_depth(v, end, depth);
	if (!e)
		return NULL;
	size_t len = (size_t)(e - v);
	l->f.members++;
	if (key_is(key, key_len, "source_id")) {
		l->sid = v;
		l->sid_len = len;
	} else if (key_is(key, key_len, "tracker_id")) {
		l->tid = v;
		l->tid_len = len;
		l->f.own_ids = 1;
	} else if (key_is(key, key_len, "label")) {
		l->f.own_ids = 1;
	} else if (key_is(key, key_len, "gps")) {
		l->f.gps = v;
		l->f.gps_len = len;
	} else if (key_is(key, key_len, "connection_status")) {
		l->f.status = v;
		l->f.status_len = len;
	}
	return e;
}

static const char *inner_member(void *ctx, const char *key, size_t key_len, const char *v,
				const char *end, int depth)
{
	return note_field(ctx, key, key_len, v, end, depth);
}

static const char *item_member(void *ctx, const char *key, size_t key_len, const char *v,
			       const char *end, int depth)
{
	struct noted *it = ctx;
	if (v >= end)
		return NULL;
	if (!key_is(key, key_len, "state") || *v != '{')
		return note_field(&it->top, key, key_len, v, end, depth);
	it->top.f.members++;
	const char *e = n2m_json_scan_object(v, end, depth, inner_member, &it->in);
	if (e) {
		it->inner = v;
		it->inner_len = (size_t)(e - v);
	}
	return e;
}

static const char *item_element(void *ctx, const char *v, const char *end, int depth)
{
	struct walk *w = ctx;
	if (v >= end)
		return NULL;
	if (w->n == w->cap) {
		size_t cap = w->cap < 32 ? 64 : w->cap * 2;
		struct noted *grown = w->items_on_stack ? malloc(cap * sizeof(*grown))
							: realloc(w->items, cap * sizeof(*grown));
		if (!grown) {
			w->nomem = 1;
			return NULL;
		}
		if (w->items_on_stack && w->n)
			memcpy(grown, w->items, w->n * sizeof(*grown));
		w->items_on_stack = 0;
		w->items = grown;
		w->cap = cap;
	}
	struct noted *it = &w->items[w->n];
	memset(it, 0, sizeof(*it));
	const char *e = *v == '{' ? n2m_json_scan_object(v, end, depth, item_member, it)
				  : n2m_json_scan_depth(v, end, depth);
	if (!e)
		return NULL;
	it->p = v;
	it->len = (size_t)(e - v);
	it->usable = *v == '{';
	w->n++;
	return e;
}

static const char *envelope_member(void *ctx, const char *key, size_t key_len, const char *v,
				   const char *end, int depth)
{
	struct walk *w = ctx;
	const char *e;
	if (v >= end)
		return NULL;
	if (key_is(key, key_len, "data")) {
		w->have_data = 1;
		w->data_is_array = *v == '[';
		return w->data_is_array ? n2m_json_scan_array(v, end, depth, item_element, w)
					: item_element(w, v, end, depth);
	}
	if (!(e = n2m_json_scan_depth(v, end, depth)))
		return NULL;
	if (key_is(key, key_len, "type")) {
		w->type = v;
		w->type_len = (size_t)(e - v);
	} else if (key_is(key, key_len, "event")) {
		w->event = v;
		w->event_len = (size_t)(e - v);
	}
	return e;
}

/* A positive canonical integer id, or 0 when the value is anything else
 * (the json-c path then decides what it is). */
static int64_t positive_int(const char *val, size_t len)
{
	if (!val || n2m_json_kind(val, len) != N2M_JSON_INT)
		return 0;
	int64_t v = n2m_json_int(val, len);
	return v > 0 ? v : 0;
}

/* A state item, unwrapped like unwrap_state in navixy_frame.c (the inner
 * "state" object when the item has no source_id of its own): 0, or -1 when
 * the json-c path must judge it. */
static int state_item(const struct noted *n, struct nvx_item *out, struct nvx_state_fields *f)
{
	const struct level *l = &n->top;
	out->raw = n->p;
	out->raw_len = n->len;
	if (!n->top.sid && n->inner) {
		l = &n->in;
		out->raw = n->inner;
		out->raw_len = n->inner_len;
	}
	if (!n->usable || !(out->id = positive_int(l->sid, l->sid_len)))
		return -1;
	*f = l->f;
	out->state = f;
	return 0;
}

static int readings_item(const struct noted *n, struct nvx_item *out)
{
	if (!n->usable || !(out->id = positive_int(n->top.tid, n->top.tid_len)))
		return -1;
	out->raw = n->p;
	out->raw_len = n->len;
	return 0;
}

static enum nvx_event_kind hot_event(const char *val, size_t len)
{
	static const struct { const char *quoted; enum nvx_event_kind kind; } hot[] = {
		{ "\"state_batch\"", NVX_EVENT_STATE_BATCH },
		{ "\"readings_batch\"", NVX_EVENT_READINGS_BATCH },
		{ "\"state\"", NVX_EVENT_STATE },
	};
	for (size_t i = 0; val && i < sizeof(hot) / sizeof(hot[0]); i++)
		if (len == strlen(hot[i].quoted) && memcmp(val, hot[i].quoted, len) == 0)
			return hot[i].kind;
	return NVX_EVENT_NONE;
}

/* The frame's items in one block: the items, then their state fields. */
static int make_items(const struct walk *w, enum nvx_event_kind ev, struct nvx_frame *f)
{
	if (!w->n)
		return 0;
	f->items = calloc(w->n, sizeof(struct nvx_item) + sizeof(struct nvx_state_fields));
	if (!f->items)
		return -1;
	struct nvx_state_fields *fields = (struct nvx_state_fields *)(f->items + w->n);
	for (size_t i = 0; i < w->n; i++) {
		int rc = ev == NVX_EVENT_READINGS_BATCH
				 ? readings_item(&w->items[i], &f->items[i])
				 : state_item(&w->items[i], &f->items[i], &fields[i]);
		if (rc < 0)
			return -1;
	}
	f->n_items = w->n;
	return 0;
}

/* 0 if the fast path produced the frame, -1 if json-c must parse it. */
static int try_fast(const char *msg, size_t len, struct nvx_frame *f, struct walk *w)
{
	if (len < 2 || msg[0] != '{' ||
	    n2m_json_scan_object(msg, msg + len, N2M_JSON_SCAN_MAX_DEPTH, envelope_member, w) !=
		    msg + len)
		return -1;
	enum nvx_event_kind ev = hot_event(w->event, w->event_len);
	if (!w->type || w->type_len != 7 || memcmp(w->type, "\"event\"", 7) != 0 ||
	    ev == NVX_EVENT_NONE || !w->have_data ||
	    w->data_is_array != (ev != NVX_EVENT_STATE))
		return -1;
	if (make_items(w, ev, f) < 0)
		return -1;
	f->kind = NVX_FRAME_EVENT;
	f->type_name = "event";
	f->event = ev;
	f->event_name = nvx_event_name(ev);
	return 0;
}

int nvx_scan_item(enum nvx_event_kind ev, const char *p, size_t len, int depth,
		  struct nvx_item *out, struct nvx_state_fields *f)
{
	struct noted one;
	struct walk w;
	memset(&w, 0, sizeof(w));
	w.items = &one;
	w.cap = 1; /* item_element never grows it */
	w.items_on_stack = 1;
	memset(out, 0, sizeof(*out));
	if (!len || item_element(&w, p, p + len, depth) != p + len)
		return -1;
	return ev == NVX_EVENT_READINGS_BATCH ? readings_item(&one, out) : state_item(&one, out, f);
}

/* Live updates mostly come a few items to a frame: those are noted on the
 * stack, and only a bigger batch allocates (a 64-item array, ~12 KB, per
 * small frame cost more than the rest of its scan). */
#define ITEMS_ON_STACK 4

int nvx_scan_frame(const char *text, size_t len, struct nvx_frame *out)
{
	struct noted first[ITEMS_ON_STACK];
	struct walk w;
	memset(&w, 0, sizeof(w));
	memset(out, 0, sizeof(*out));
	w.items = first;
	w.cap = ITEMS_ON_STACK;
	w.items_on_stack = 1;
	int rc = try_fast(text, len, out, &w);
	if (!w.items_on_stack)
		free(w.items);
	return rc;
}
