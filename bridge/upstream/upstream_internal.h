/* SPDX-License-Identifier: MIT */
/*
 * upstream_internal.h - what the upstream connection's files share inside the
 * module (not for the rest of the bridge): upstream.c holds the connection's
 * life (attempts, back-off, timers, Atmosphere, decoding), and one of two
 * WebSocket transports carries the bytes, chosen by navixy.ws_client:
 * upstream_lws.c (libwebsockets' WebSocket client) or upstream_own.c (the
 * project's RFC 6455 client, ws_conn.c, over a raw lws socket, TLS through
 * tls_mem.c). A transport hands each whole WebSocket message back through
 * the table of reports below.
 */
#ifndef N2M_UPSTREAM_INTERNAL_H
#define N2M_UPSTREAM_INTERNAL_H

#include "upstream.h"

#define US_PER_MS ((lws_usec_t)1000)
#define US_PER_S ((lws_usec_t)1000000)

struct n2m_upstream_msg {
	struct n2m_upstream_msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then the text */
};

/* ---- upstream.c, for the transports ----
 * What a transport reports back. upstream.c opens and drives the transports
 * (the calls further down), so they answer through this table, which
 * upstream.c puts in up->reports, not by calling upstream.c by name: the
 * file graph stays one-way (tests/unit/check_layering.py), as between the
 * bridge's core and the modules it hands callbacks to. */
struct n2m_up_reports {
	/* The connection could not even be started: retry after the back-off. */
	void (*start_failed)(struct n2m_upstream *up, const char *why);
	/* Connecting failed (lws's CLIENT_CONNECTION_ERROR): log it, then ended. */
	void (*connect_failed)(struct n2m_upstream *up, const char *why);
	/* The socket is gone: clean up, then retry (or stop after a shutdown). */
	void (*connection_ended)(struct n2m_upstream *up, const char *reason);
	/* Bytes arrived: the link is alive. */
	void (*alive)(struct n2m_upstream *up);
	/* One whole text message (not NUL-terminated). */
	void (*text_message)(struct n2m_upstream *up, const char *msg, size_t len);
	void (*binary_message)(struct n2m_upstream *up);
	/* A message above navixy.max_frame_bytes was read past. */
	void (*oversized_message)(struct n2m_upstream *up);
	/* The oldest queued outbound message, taken off the queue (caller frees). */
	struct n2m_upstream_msg *(*next_out)(struct n2m_upstream *up);
};

/* ---- upstream_lws.c ---- */

int n2m_up_lws_open(struct n2m_upstream *up);
int n2m_up_lws_event(struct n2m_upstream *up, struct lws *wsi, enum lws_callback_reasons reason,
		     void *user, void *in, size_t len);

/* ---- upstream_own.c ---- */

int n2m_up_own_init(struct n2m_upstream *up, const struct n2m_navixy_config *cfg, char *err,
		    size_t errlen);
void n2m_up_own_free(struct n2m_upstream *up);
int n2m_up_own_open(struct n2m_upstream *up);
int n2m_up_own_event(struct n2m_upstream *up, struct lws *wsi, enum lws_callback_reasons reason,
		     void *user, void *in, size_t len);
/* Gives big buffers back after a big message. 1 if any. */
int n2m_up_own_release_spare(struct n2m_upstream *up, size_t keep);

#endif
