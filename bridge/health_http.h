/*
 * health_http.h - the optional HTTP endpoint for health checks and
 * Prometheus (health.http_listen): a libwebsockets vhost with one HTTP
 * protocol on the bridge's own lws context, so it is served by the same
 * loop and needs no thread.
 *
 *   GET /healthz   200 when both sides are connected, else 503; JSON body
 *   GET /metrics   200, Prometheus text format 0.0.4
 *   anything else  404
 *
 * It knows nothing of the bridge: the owner's render callback builds each
 * response body from a fresh sample.
 */
#ifndef N2M_HEALTH_HTTP_H
#define N2M_HEALTH_HTTP_H

#include <stddef.h>

#include "log.h"

struct lws_context;
struct lws_vhost;

enum n2m_health_page { N2M_PAGE_HEALTHZ = 0, N2M_PAGE_METRICS };

/* Returns a malloc'd body (length in *len) and sets *status (200/503);
 * NULL on no memory (the client gets a 500). */
typedef char *(*n2m_health_render_fn)(void *ctx, enum n2m_health_page page, int *status,
				      size_t *len);

struct n2m_health_http {
	struct lws_vhost *vhost;
	struct n2m_log *log;
	n2m_health_render_fn render;
	void *ctx;
	unsigned long requests;
};

/* Splits "host:port" ("[::1]:9180" too) into host (cap bytes) and port.
 * "*" or "0.0.0.0" give host "" (every interface), "localhost" gives
 * 127.0.0.1; any other host must be a numeric IPv4 or IPv6 address. Pure;
 * 0 or -1. */
int n2m_health_http_parse_listen(const char *addr, char *host, size_t cap, int *port);

/* Starts listening on addr (health.http_listen). 0, or -1 with err. */
int n2m_health_http_start(struct n2m_health_http *h, struct lws_context *lws, const char *addr,
			  struct n2m_log *log, n2m_health_render_fn render, void *ctx, char *err,
			  size_t errlen);

/* Stops listening (the vhost goes away); safe when never started. */
void n2m_health_http_stop(struct n2m_health_http *h);

#endif
