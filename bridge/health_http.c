/*
 * health_http.c - /healthz and /metrics on a libwebsockets vhost (see
 * health_http.h).
 *
 * One response per request: LWS_CALLBACK_HTTP renders the whole body and
 * writes the headers, LWS_CALLBACK_HTTP_WRITEABLE writes the body in one
 * go (lws buffers what the socket does not take) and completes the
 * transaction, so keep-alive connections work.
 */
#include "health_http.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CT_JSON "application/json"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"

/* Per connection: the response waiting for a writeable callback. */
struct health_session {
	unsigned char *buf;  /* LWS_PRE bytes of headroom, then the body */
	size_t len;
};

static void session_clear(struct health_session *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
}

/* Takes body (malloc'd) into the session with the headroom lws_write needs. */
static int session_take(struct health_session *s, char *body, size_t len)
{
	session_clear(s);
	s->buf = malloc(LWS_PRE + len + 1);
	if (!s->buf) {
		free(body);
		return -1;
	}
	memcpy(s->buf + LWS_PRE, body, len);
	s->len = len;
	free(body);
	return 0;
}

static char *render_page(struct n2m_health_http *h, const char *uri, int *status,
			 const char **ctype, size_t *len)
{
	char *body = NULL;

	*status = 404;
	*ctype = CT_TEXT;
	if (strcmp(uri, "/healthz") == 0) {
		*ctype = CT_JSON;
		body = h->render(h->ctx, N2M_PAGE_HEALTHZ, status, len);
	} else if (strcmp(uri, "/metrics") == 0) {
		*ctype = CT_PROM;
		body = h->render(h->ctx, N2M_PAGE_METRICS, status, len);
	} else {
		body = strdup("not found: try /healthz or /metrics\n");
		*len = body ? strlen(body) : 0;
	}
	if (!body) {
		*status = 500;
		*ctype = CT_TEXT;
		body = strdup("out of memory\n");
		*len = body ? strlen(body) : 0;
	}
	return body;
}

static int send_headers(struct lws *wsi, int status, const char *ctype, size_t len)
{
	unsigned char hdr[LWS_PRE + 512];
	unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;

	if (lws_add_http_common_headers(wsi, (unsigned)status, ctype, (lws_filepos_t)len, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					 (const unsigned char *)"no-store", 8, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	return 0;
}

static int on_request(struct n2m_health_http *h, struct lws *wsi, struct health_session *s,
		      const char *uri)
{
	int status;
	const char *ctype;
	size_t len = 0;
	char *body = render_page(h, uri ? uri : "", &status, &ctype, &len);

	h->requests++;
	if (!body || session_take(s, body, len) != 0)
		return -1;
	n2m_log(h->log, N2M_LOG_DEBUG, "http.request", "path=%.64s status=%d bytes=%zu", uri, status,
		len);
	if (send_headers(wsi, status, ctype, len) != 0)
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int on_writeable(struct lws *wsi, struct health_session *s)
{
	if (!s->buf)
		return 0;
	if (s->len && lws_write(wsi, s->buf + LWS_PRE, s->len, LWS_WRITE_HTTP_FINAL) != (int)s->len) {
		session_clear(s);
		return -1;
	}
	session_clear(s);
	/* Non-zero: the connection is to be closed (no keep-alive). */
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int health_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
				void *in, size_t len)
{
	struct n2m_health_http *h = lws_get_vhost(wsi) ? lws_vhost_user(lws_get_vhost(wsi)) : NULL;
	struct health_session *s = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (!h || !s)
			return -1;
		return on_request(h, wsi, s, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return s ? on_writeable(wsi, s) : -1;
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (s)
			session_clear(s);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		return 0; /* the bridge's own protocol handles wake-ups */
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* Constant table, not state: lws needs it for the vhost's lifetime. */
static const struct lws_protocols health_protocols[] = {
	{ "http", health_http_callback, sizeof(struct health_session), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

int n2m_health_http_parse_listen(const char *addr, char *host, size_t cap, int *port)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	const char *h = addr;
	size_t hlen;
	char *end = NULL;
	long p;

	if (!colon || cap == 0)
		return -1;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end || p < 1 || p > 65535)
		return -1;
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= cap)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
		host[0] = '\0';
	else if (strcmp(host, "localhost") == 0 && cap > sizeof "127.0.0.1")
		memcpy(host, "127.0.0.1", sizeof "127.0.0.1");
	/* lws would take a name as a network interface and listen on nothing:
	 * only numeric addresses. */
	unsigned char probe[sizeof(struct in6_addr)];
	if (host[0] && inet_pton(AF_INET, host, probe) != 1 && inet_pton(AF_INET6, host, probe) != 1)
		return -1;
	*port = (int)p;
	return 0;
}

int n2m_health_http_start(struct n2m_health_http *h, struct lws_context *lws, const char *addr,
			  struct n2m_log *log, n2m_health_render_fn render, void *ctx, char *err,
			  size_t errlen)
{
	struct lws_context_creation_info info;
	char host[256];
	int port;

	memset(h, 0, sizeof *h);
	h->log = log;
	h->render = render;
	h->ctx = ctx;
	if (n2m_health_http_parse_listen(addr, host, sizeof host, &port) != 0) {
		snprintf(err, errlen, "health.http_listen: must be <numeric address>:<port>, "
			 "localhost or * for the address (got \"%s\")", addr);
		return -1;
	}
	memset(&info, 0, sizeof info);
	info.vhost_name = "navixy2mqtt-health";
	info.port = port;
	info.iface = host[0] ? host : NULL;
	info.protocols = health_protocols;
	info.user = h;
	h->vhost = lws_create_vhost(lws, &info);
	if (h->vhost && lws_get_vhost_listen_port(h->vhost) <= 0) {
		lws_vhost_destroy(h->vhost);
		h->vhost = NULL;
	}
	if (!h->vhost) {
		snprintf(err, errlen, "health.http_listen: cannot listen on %s", addr);
		return -1;
	}
	n2m_log(log, N2M_LOG_INFO, "http.listening", "listen=%s paths=/healthz,/metrics", addr);
	return 0;
}

void n2m_health_http_stop(struct n2m_health_http *h)
{
	if (h->vhost)
		lws_vhost_destroy(h->vhost);
	h->vhost = NULL;
}
