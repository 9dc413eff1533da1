/* SPDX-License-Identifier: MIT */
/*
 * sim_http.c - plain HTTP plumbing: request start, body accumulation, query
 * and form parsing, routing to the REST and admin handlers, and sending a
 * response body in chunks from HTTP_WRITEABLE.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MAX_BODY (8u << 20)

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static char *urldecode(const char *s, size_t n)
{
	char *o = malloc(n + 1), *p = o;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*p++ = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
			   hexval(s[i + 2]) >= 0) {
			*p++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	return o;
}

static void query_add(struct sim_query *q, const char *k, size_t kn, const char *v, size_t vn)
{
	if (q->n >= 32 || kn == 0)
		return;
	char *key = urldecode(k, kn), *val = urldecode(v, vn);
	if (!key || !val) {
		free(key);
		free(val);
		return;
	}
	q->keys[q->n] = key;
	q->vals[q->n] = val;
	q->n++;
}

void query_parse(struct sim_query *q, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '&')
			j++;
		const char *eq = memchr(s + i, '=', j - i);
		if (eq)
			query_add(q, s + i, (size_t)(eq - (s + i)), eq + 1, (size_t)(s + j - eq - 1));
		else
			query_add(q, s + i, j - i, "", 0);
		i = j + 1;
	}
}

/* lws hands the query string over as already-decoded "k=v" fragments. */
void query_from_uri_args(struct sim_query *q, struct lws *wsi)
{
	char frag[1024];
	for (int n = 0; n < 32; n++) {
		int len = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, n);
		if (len <= 0)
			break;
		char *eq = strchr(frag, '=');
		if (q->n >= 32)
			break;
		if (eq) {
			*eq = '\0';
			q->keys[q->n] = strdup(frag);
			q->vals[q->n] = strdup(eq + 1);
		} else {
			q->keys[q->n] = strdup(frag);
			q->vals[q->n] = strdup("");
		}
		if (!q->keys[q->n] || !q->vals[q->n]) {
			free(q->keys[q->n]);
			free(q->vals[q->n]);
			break;
		}
		q->n++;
	}
}

const char *query_get(const struct sim_query *q, const char *key)
{
	for (int i = 0; i < q->n; i++)
		if (!strcmp(q->keys[i], key))
			return q->vals[i];
	return NULL;
}

void query_free(struct sim_query *q)
{
	for (int i = 0; i < q->n; i++) {
		free(q->keys[i]);
		free(q->vals[i]);
	}
	q->n = 0;
}

void http_free(struct lws *wsi, struct sim_pss *pss)
{
	struct sim_http *h = &pss->http;
	if (wsi && h->hold != HOLD_NONE)
		lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
	h->hold = HOLD_NONE;
	sbuf_free(&h->body);
	free(h->resp);
	h->resp = NULL;
}

static int send_headers(struct lws *wsi, struct sim_http *h)
{
	unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
					   *end = buf + sizeof(buf) - 1;
	if (lws_add_http_common_headers(wsi, (unsigned int)h->status, "application/json",
					h->resp_len, &p, end))
		return -1;
	if (h->extra_name[0] &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)h->extra_name,
					(const unsigned char *)h->extra_value,
					(int)strlen(h->extra_value), &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	return 0;
}

int http_respond(struct lws *wsi, struct sim_pss *pss, int status, const char *body, size_t len,
		 const char *extra_name, const char *extra_value)
{
	struct sim_http *h = &pss->http;
	free(h->resp);
	h->resp = malloc(LWS_PRE + len + 1);
	if (!h->resp)
		return -1;
	memcpy(h->resp + LWS_PRE, body, len);
	h->resp_len = len;
	h->resp_off = 0;
	h->started = 1;
	h->status = status;
	h->extra_name[0] = h->extra_value[0] = '\0';
	if (extra_name) {
		snprintf(h->extra_name, sizeof(h->extra_name), "%s", extra_name);
		snprintf(h->extra_value, sizeof(h->extra_value), "%s", extra_value);
	}
	if (h->hold_ms > 0) {
		/* slow REST: keep the rendered answer, send it when the timer fires */
		h->hold = HOLD_WAITING;
		lws_set_timer_usecs(wsi, (lws_usec_t)h->hold_ms * LWS_US_PER_MS);
		return 0;
	}
	if (send_headers(wsi, h))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

int http_timer(struct lws *wsi, struct sim_pss *pss)
{
	if (!pss || pss->is_ws || pss->http.hold != HOLD_WAITING)
		return 0;
	pss->http.hold = HOLD_DUE;
	lws_callback_on_writable(wsi);
	return 0;
}

int http_writeable(struct lws *wsi, struct sim_pss *pss)
{
	struct sim_http *h = &pss->http;
	if (h->hold == HOLD_WAITING)
		return 0; /* not due yet: the timer asks for writeable */
	if (h->hold == HOLD_DUE) {
		/* headers in this callback, the body from the next ones */
		h->hold = HOLD_NONE;
		if (!h->resp || send_headers(wsi, h))
			return -1;
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (!h->resp)
		return 0;
	size_t left = h->resp_len - h->resp_off;
	size_t chunk = left > SIM_WRITE_CHUNK ? SIM_WRITE_CHUNK : left;
	int final = chunk == left;
	/* lws may write LWS_PRE bytes in front: for later chunks those are
	 * already-sent body bytes, for the first one the reserved headroom */
	unsigned char *p = (unsigned char *)h->resp + LWS_PRE + h->resp_off;
	if (chunk && lws_write(wsi, p, chunk, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
		return -1;
	h->resp_off += chunk;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	free(h->resp);
	h->resp = NULL;
	if (lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}

static int dispatch(struct sim *s, struct lws *wsi, struct sim_pss *pss)
{
	struct sim_http *h = &pss->http;
	struct sim_query q = { 0 };
	const char *body = sbuf_data(&h->body);
	size_t blen = h->body.len;
	query_from_uri_args(&q, wsi);
	int handled = 0;
	if (!strncmp(h->uri, "/admin/", 7))
		handled = admin_handle(s, wsi, pss, h->uri, &q, body ? body : "", blen);
	if (!handled)
		handled = rest_handle(s, wsi, pss, h->uri, &q, body ? body : "", blen);
	query_free(&q);
	/* The handlers are done with the body: free it now rather than at
	 * CLOSED_HTTP, which keep-alive connections may never reach. */
	sbuf_free(&h->body);
	if (handled < 0)
		return -1;
	if (!handled) {
		static const char nf[] =
			"{\"success\":false,\"status\":{\"code\":111,\"description\":\"Wrong handler\"}}";
		return http_respond(wsi, pss, 404, nf, sizeof(nf) - 1, NULL, NULL);
	}
	return 0;
}

int http_begin(struct sim *s, struct lws *wsi, struct sim_pss *pss, const char *uri)
{
	struct sim_http *h = &pss->http;
	http_free(wsi, pss);
	memset(h, 0, sizeof(*h));
	/* the slow-REST fault as it is when this request arrives */
	h->delay_ms = s->rest_delay_ms;
	snprintf(h->uri, sizeof(h->uri), "%s", uri);
	h->post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
	sbuf_init(&h->body, 0);
	char cl[32];
	long clen = 0;
	if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		clen = atol(cl);
	if (h->post && clen > 0) {
		if ((unsigned long)clen > MAX_BODY) {
			static const char tl[] =
				"{\"success\":false,\"status\":{\"code\":9,\"description\":\"Too large request\"}}";
			return http_respond(wsi, pss, 412, tl, sizeof(tl) - 1, NULL, NULL);
		}
		return 0; /* wait for the body */
	}
	return dispatch(s, wsi, pss);
}

int http_body(struct sim_pss *pss, const void *in, size_t len)
{
	struct sim_http *h = &pss->http;
	if (h->body.len + len > MAX_BODY)
		return -1;
	sbuf_add(&h->body, in, len);
	return h->body.oom ? -1 : 0;
}

int http_complete(struct sim *s, struct lws *wsi, struct sim_pss *pss)
{
	if (pss->http.started)
		return 0;
	return dispatch(s, wsi, pss);
}
