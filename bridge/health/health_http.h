/* SPDX-License-Identifier: MIT */
/*
 * health_http.h - the optional HTTP endpoint for health checks and
 * Prometheus (health.http_listen), served by the bridge's own lws loop.
 *
 *   GET|HEAD /healthz   200 when both sides are connected, else 503; JSON
 *   GET|HEAD /metrics   200, Prometheus text format 0.0.4
 *   other paths         404; other methods 405 (Allow: GET, HEAD)
 *   upgrades, HTTP/2, malformed or oversized heads: 400/414/431/505, close
 *
 * The port faces whoever can reach it, so it speaks HTTP/1.x and nothing
 * else: the bridge opens the listening socket itself (health_listen.h),
 * accepts the connections and hands them to lws as raw sockets, and
 * http_request.h parses them. No lws HTTP, WebSocket or HTTP/2 code ever
 * sees a byte of it, so nothing can be upgraded or switched. At most
 * health.max_connections are open (the rest are closed on accept, so
 * the endpoint can never use the file descriptors the upstream and the
 * broker need); each must complete a request within
 * health.idle_timeout_s of opening or of its previous answer.
 *
 * It knows nothing of the bridge: the owner's render callback builds each
 * page from a fresh sample.
 */
#ifndef N2M_HEALTH_HTTP_H
#define N2M_HEALTH_HTTP_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "http_request.h"
#include "log.h"
#include "log_throttle.h"

/* Returns a malloc'd body (length in *len) and sets *status (200/503);
 * NULL on no memory (the client gets a 500). */
typedef char *(*n2m_health_render_fn)(void *ctx, enum n2m_http_page page, int *status,
				      size_t *len);

struct n2m_health_http_counters {
	uint64_t requests;      /* requests answered, whatever the status */
	uint64_t bad_requests;  /* heads refused: malformed, too large, upgrades, HTTP/2 */
	uint64_t over_limit;    /* connections closed on accept: max_connections were open */
	uint64_t timeouts;      /* connections closed by idle_timeout_s */
	uint64_t connections;   /* open now */
};

struct n2m_health_http {
	struct lws_context *lws;
	struct lws_vhost *vhost;
	struct lws *listener;      /* the listening socket, as a raw file */
	lws_sorted_usec_list_t resume; /* accepting again after running out of fds */
	struct n2m_log *log;
	n2m_health_render_fn render;
	void *ctx;
	int max_connections;       /* after n2m_health_http_connection_cap */
	int idle_timeout_s;
	int stopping;
	struct n2m_health_http_counters counters;
	struct n2m_log_throttle over_limit_log;
	struct n2m_log_throttle bad_request_log;
	struct n2m_log_throttle accept_log;
};

struct n2m_health_http_options {
	const char *listen;        /* health.http_listen */
	int max_connections;       /* health.max_connections */
	int idle_timeout_s;        /* health.idle_timeout_s */
	n2m_health_render_fn render;
	void *ctx;
};

/* Splits "host:port" ("[::1]:9180" too) into host (cap bytes) and port.
 * "*" or "0.0.0.0" give host "" (every interface), "localhost" gives
 * 127.0.0.1; any other host must be a numeric IPv4 or IPv6 address. Pure;
 * 0 or -1. */
int n2m_health_http_parse_listen(const char *addr, char *host, size_t cap, int *port);

/* The connections the endpoint may hold: `wanted`, less when the process
 * may open only nofile descriptors, so that at least
 * N2M_HEALTH_HTTP_FD_RESERVE stay for the upstream, the broker, REST
 * calls and plugins. At least 1. Pure. */
#define N2M_HEALTH_HTTP_FD_RESERVE 64
int n2m_health_http_connection_cap(int wanted, long nofile);

/* Starts listening. 0, or -1 with err (and an error log line
 * health.listen_failed with the cause). */
int n2m_health_http_start(struct n2m_health_http *h, struct lws_context *lws,
			  const struct n2m_health_http_options *opt, struct n2m_log *log, char *err,
			  size_t errlen);

/* Stops listening and closes every connection; safe when never started. */
void n2m_health_http_stop(struct n2m_health_http *h);

#endif
