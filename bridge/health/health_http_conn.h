/* SPDX-License-Identifier: MIT */
/*
 * health_http_conn.h - the connections of the health endpoint, for
 * health_http.c: the per-connection state (lws allocates it for each raw
 * socket) and the lws protocol callback that serves them.
 */
#ifndef N2M_HEALTH_HTTP_CONN_H
#define N2M_HEALTH_HTTP_CONN_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "health_http.h"

enum n2m_health_conn_state { C_READ = 0, C_WRITE, C_LINGER };

/* Per connection (lws allocates it, zeroed, as the session data). */
struct n2m_health_conn {
	enum n2m_health_conn_state state;  /* C_WRITE: lws still sends the answer */
	int close_after;         /* the answer being sent is the last */
	int overflow;            /* bytes were dropped: the head did not fit */
	int open;                /* counted in counters.connections */
	size_t in_len;
	char in[N2M_HTTP_MAX_HEAD];
};

int n2m_health_conn_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			     void *in, size_t len);

/* The monotonic clock in ms (log throttling). */
uint64_t n2m_health_mono_ms(void);

#endif
