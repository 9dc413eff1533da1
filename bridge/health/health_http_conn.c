/* SPDX-License-Identifier: MIT */
/*
 * health_http_conn.c - one connection to the health endpoint (see
 * health_http.h), a raw lws socket: bytes in, a parsed head, one answer
 * written at once, and either the next request (keep-alive) or a
 * lingering close.
 *
 * The idle timer is armed when the connection opens and after each answer,
 * never by received bytes: a client sending one byte at a time gets no
 * more time than one that sends nothing. After the last answer the
 * connection shuts down its sending side and reads (and drops) what the
 * client still sends for up to LINGER_US, so the answer is not lost to a
 * reset when the client's request was not read to its end.
 */
#include "health_http_conn.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define CT_JSON "application/json"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"
#define LINGER_US ((lws_usec_t)2 * LWS_USEC_PER_SEC)
#define LOG_PERIOD_MS 10000u

uint64_t n2m_health_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void arm_idle_timer(struct n2m_health_http *h, struct lws *wsi)
{
	lws_set_timer_usecs(wsi, (lws_usec_t)h->idle_timeout_s * LWS_USEC_PER_SEC);
}

static int start_linger(struct lws *wsi, struct n2m_health_conn *c)
{
	c->state = C_LINGER;
	c->in_len = 0;
	shutdown(lws_get_socket_fd(wsi), SHUT_WR);
	lws_set_timer_usecs(wsi, LINGER_US);
	return 0;
}

/* The answer is out of the bridge's hands: linger after the last one, or
 * read the next request (one already received is served from the next
 * writeable callback, not by recursion). */
static int after_answer(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c)
{
	if (c->close_after)
		return start_linger(wsi, c);
	c->state = C_READ;
	arm_idle_timer(h, wsi);
	if (c->in_len)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Sends head and body in one lws_write, at once: a client that half-closes
 * after its request would otherwise be gone (lws closes on the end of its
 * input) before a writeable callback came. What the socket does not take,
 * lws keeps and sends; the writeable callback then finishes the answer. */
static int send_answer(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c,
		       const char *head, size_t hlen, const char *body, size_t blen)
{
	unsigned char *buf = malloc(LWS_PRE + hlen + blen);
	int n;

	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, head, hlen);
	if (blen)
		memcpy(buf + LWS_PRE + hlen, body, blen);
	n = lws_write(wsi, buf + LWS_PRE, hlen + blen, LWS_WRITE_RAW);
	free(buf);
	if (n < (int)(hlen + blen))
		return -1;
	c->state = C_WRITE;
	if (lws_partial_buffered(wsi)) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	return after_answer(h, wsi, c);
}

/* A plain-text answer: an error, 404 or 405. */
static int send_text(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c,
		     int status, const char *why, int close, int allow, int head_only)
{
	char head[512], body[128];
	int blen = snprintf(body, sizeof body, "%s\n", why ? why : n2m_http_reason(status));
	size_t hlen = n2m_http_response_head(head, sizeof head, status, CT_TEXT, (size_t)blen,
					     !close, allow);

	c->close_after = close;
	return send_answer(h, wsi, c, head, hlen, body, head_only ? 0 : (size_t)blen);
}

static int refuse(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c,
		  const struct n2m_http_request *req)
{
	char why[96];
	unsigned long n = n2m_log_throttle_hit(&h->bad_request_log, n2m_health_mono_ms(),
					       LOG_PERIOD_MS);

	h->counters.bad_requests++;
	n2m_log_quote(why, sizeof why, req->why);
	if (n)
		n2m_log(h->log, N2M_LOG_WARN, "http.bad_request", "status=%d reason=%s count=%lu",
			req->status, why, n);
	else
		n2m_log(h->log, N2M_LOG_DEBUG, "http.bad_request", "status=%d reason=%s",
			req->status, why);
	return send_text(h, wsi, c, req->status, req->why, 1, 0, 0);
}

static const char *page_type(enum n2m_http_page page)
{
	return page == N2M_HTTP_PAGE_METRICS ? CT_PROM : CT_JSON;
}

static int answer(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c,
		  const struct n2m_http_request *req, const struct n2m_http_answer *ans)
{
	int status = ans->status, rc;
	size_t len = 0;
	char *body = NULL, head[512], path[80];

	h->counters.requests++;
	if (ans->page != N2M_HTTP_PAGE_NONE) {
		body = h->render(h->ctx, ans->page, &status, &len);
		if (!body)
			status = 500;
	}
	n2m_log(h->log, N2M_LOG_DEBUG, "http.request", "method=%s path=%s status=%d bytes=%zu",
		req->method, n2m_log_quote(path, sizeof path, req->path), status, len);
	if (ans->page == N2M_HTTP_PAGE_NONE)
		return send_text(h, wsi, c, status, ans->why, ans->close, ans->allow,
				 req->head_only);
	if (!body)
		return send_text(h, wsi, c, 500, "out of memory", 1, 0, req->head_only);
	size_t hlen = n2m_http_response_head(head, sizeof head, status, page_type(ans->page), len,
					     !ans->close, 0);
	c->close_after = ans->close;
	rc = send_answer(h, wsi, c, head, hlen, body, req->head_only ? 0 : len);
	free(body);
	return rc;
}

/* Serves the request at the start of the input, if it is complete. */
static int serve_next(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c)
{
	struct n2m_http_request req;
	struct n2m_http_answer ans;
	enum n2m_http_parse_result r = n2m_http_parse(c->in, c->in_len, &req);

	if (r == N2M_HTTP_INCOMPLETE)
		return 0;
	if (r == N2M_HTTP_BAD)
		return refuse(h, wsi, c, &req);
	n2m_http_route(&req, &ans);
	memmove(c->in, c->in + req.head_len, c->in_len - req.head_len);
	c->in_len -= req.head_len;
	if (c->overflow)
		ans.close = 1; /* what followed this request was lost */
	return answer(h, wsi, c, &req, &ans);
}

static int on_rx(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c,
		 const void *in, size_t len)
{
	size_t room = sizeof c->in - c->in_len, take = len < room ? len : room;

	if (c->state == C_LINGER)
		return 0;
	memcpy(c->in + c->in_len, in, take);
	c->in_len += take;
	if (take < len)
		c->overflow = 1;
	return c->state == C_READ ? serve_next(h, wsi, c) : 0;
}

/* A partly sent answer is now out, or a request waits that came with or
 * behind the previous one. */
static int on_writeable(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c)
{
	if (c->state == C_WRITE)
		return after_answer(h, wsi, c);
	return c->state == C_READ ? serve_next(h, wsi, c) : 0;
}

static int on_timer(struct n2m_health_http *h, struct n2m_health_conn *c)
{
	if (c->state != C_LINGER) {
		h->counters.timeouts++;
		n2m_log(h->log, N2M_LOG_DEBUG, "http.timeout", "idle_timeout_s=%d received=%zu",
			h->idle_timeout_s, c->in_len);
	}
	return -1;
}

static int on_adopt(struct n2m_health_http *h, struct lws *wsi, struct n2m_health_conn *c)
{
	c->open = 1;
	h->counters.connections++;
	if (h->stopping)
		return -1;
	arm_idle_timer(h, wsi);
	return 0;
}

static void on_close(struct n2m_health_http *h, struct n2m_health_conn *c)
{
	if (c->open && h->counters.connections > 0)
		h->counters.connections--;
	c->open = 0;
}

int n2m_health_conn_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			     void *in, size_t len)
{
	struct lws_vhost *vh = lws_get_vhost(wsi);
	struct n2m_health_http *h = vh ? lws_vhost_user(vh) : NULL;
	struct n2m_health_conn *c = user;

	if (!h || !c)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		return on_adopt(h, wsi, c);
	case LWS_CALLBACK_RAW_RX:
		return h->stopping ? -1 : on_rx(h, wsi, c, in, len);
	case LWS_CALLBACK_RAW_WRITEABLE:
		return h->stopping ? -1 : on_writeable(h, wsi, c);
	case LWS_CALLBACK_TIMER:
		return on_timer(h, c);
	case LWS_CALLBACK_RAW_CLOSE:
		on_close(h, c);
		return 0;
	default:
		return 0;
	}
}
