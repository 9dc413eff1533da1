/* SPDX-License-Identifier: MIT */
/*
 * upstream.h - the WebSocket connection to Navixy's /event/subscription:
 * on the bridge's lws context, through libwebsockets' WebSocket client or
 * the bridge's own (navixy.ws_client, upstream_internal.h), Atmosphere
 * handshake, heartbeats, a liveness watchdog and reconnects with back-off.
 *
 * It knows the transport, not Navixy's messages: before every attempt it
 * asks the owner to get ready (prepare: auth, tracker list). The owner
 * answers at once or says N2M_PREPARE_PENDING and calls
 * n2m_upstream_prepared later (the REST calls run on a worker thread, so
 * the loop never waits for them); meanwhile the state is connecting. It
 * hands each decoded application message (heartbeats dropped) to on_message, and it
 * reports its state changes. The owner tells it when a message means the
 * session is dead (n2m_upstream_fail with N2M_UP_FAIL_LOGGED_OUT or
 * N2M_UP_FAIL_AUTH).
 *
 * States: connecting -> connected -> (drop) -> backoff -> connecting ...;
 * auth_failed waits navixy.auth_backoff_ms; logged_out re-authenticates
 * (through prepare) and reconnects after the normal back-off.
 *
 * Everything here runs on the lws loop thread.
 */
#ifndef N2M_UPSTREAM_H
#define N2M_UPSTREAM_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "atmosphere.h"
#include "backoff.h"
#include "config.h"
#include "log.h"

enum n2m_upstream_state {
	N2M_UP_CONNECTING = 0,
	N2M_UP_CONNECTED,
	N2M_UP_BACKOFF,
	N2M_UP_AUTH_FAILED,
	N2M_UP_LOGGED_OUT,
	N2M_UP_STOPPED,        /* after shutdown; not published as a state */
};

/* Why the connection is being given up. */
enum n2m_upstream_failure {
	N2M_UP_FAIL_TRANSIENT = 0, /* network, protocol, watchdog: normal back-off */
	N2M_UP_FAIL_AUTH,          /* credentials refused: long back-off */
	N2M_UP_FAIL_LOGGED_OUT,    /* the hash died: re-auth, then reconnect */
};

/* What prepare() reports. */
enum n2m_upstream_prepare {
	N2M_PREPARE_OK = 0,
	N2M_PREPARE_RETRY,         /* transient (REST unreachable): normal back-off */
	N2M_PREPARE_AUTH_FAILED,   /* credentials refused: long back-off */
	N2M_PREPARE_PENDING,       /* under way: the owner calls n2m_upstream_prepared */
};

struct n2m_upstream_callbacks {
	/* Before each attempt: make sure a valid hash exists. May answer
	 * N2M_PREPARE_PENDING and report through n2m_upstream_prepared. */
	enum n2m_upstream_prepare (*prepare)(void *ctx, char *err, size_t errlen);
	/* The handshake arrived: the channel is open, send subscriptions. */
	void (*on_open)(void *ctx);
	/* One application message (JSON text, not NUL-terminated). */
	void (*on_message)(void *ctx, const char *msg, size_t len);
	/* The state, attempt or last_error changed. */
	void (*on_state)(void *ctx);
};

struct n2m_upstream_counters {
	uint64_t frames_in;        /* WebSocket messages received */
	uint64_t bytes_in;
	uint64_t messages_in;      /* application messages handed on */
	uint64_t heartbeats_in;
	uint64_t heartbeats_out;
	uint64_t oversized;        /* messages above navixy.max_frame_bytes, skipped */
	uint64_t decode_errors;    /* bad length prefixes */
	uint64_t binary;           /* binary WebSocket messages, skipped (Atmosphere is text) */
	uint64_t connects;         /* handshakes completed */
	uint64_t reconnects;       /* attempts after the first */
	uint64_t failures;         /* attempts or connections that failed */
	uint64_t ws_protocol;      /* own client: WebSocket protocol errors from the server */
};

struct n2m_upstream_msg;
struct n2m_up_reports;

struct n2m_upstream {
	struct lws_context *lws;
	struct lws *wsi;
	struct n2m_log *log;
	struct n2m_upstream_callbacks cb;
	void *cb_ctx;

	/* Where to connect (parsed from navixy.ws_url). */
	char *address;
	int port;
	int use_tls;
	int tls_verify;
	char *path;                 /* with the Atmosphere query */
	char *host_header;
	int track_size;
	int liveness_s;
	int connect_timeout_s;
	size_t max_message;
	int own_client;             /* navixy.ws_client = "own": upstream_own.c */
	struct n2m_up_own *own;     /* its per-connection state */
	const struct n2m_up_reports *reports; /* what the transport calls back */

	enum n2m_upstream_state state;
	time_t since;               /* wall clock of the last state change */
	unsigned attempt;           /* attempts since the last successful handshake */
	char last_error[256];
	enum n2m_upstream_failure pending_failure;
	int failure_pending;        /* a failure was recorded for the closing socket */
	int shutting_down;
	int preparing;              /* prepare answered PENDING: waiting for its result */
	enum n2m_upstream_prepare prepared; /* the result, applied from sul_prepared */
	char prepare_error[256];
	int close_requested;        /* close with 1000 once the queue is empty */

	struct atmo_handshake handshake;
	int handshake_done;
	struct atmo_decoder decoder;
	char *rx;                   /* the WebSocket message being reassembled */
	size_t rx_len, rx_cap;
	int rx_skipping;            /* the current message is oversized */
	int rx_binary;              /* the current message is binary: skipped */

	struct n2m_upstream_msg *out_head, *out_tail;

	struct n2m_backoff backoff;
	struct n2m_backoff auth_backoff;

	lws_sorted_usec_list_t sul_attempt;
	lws_sorted_usec_list_t sul_prepared;
	lws_sorted_usec_list_t sul_handshake;
	lws_sorted_usec_list_t sul_heartbeat;
	lws_sorted_usec_list_t sul_liveness;

	struct n2m_upstream_counters counters;
};

/* Parses cfg->ws_url and copies the settings. Returns 0 or -1 with err. */
int n2m_upstream_init(struct n2m_upstream *up, const struct n2m_navixy_config *cfg,
		      struct lws_context *lws, struct n2m_log *log,
		      const struct n2m_upstream_callbacks *cb, void *cb_ctx,
		      char *err, size_t errlen);
void n2m_upstream_free(struct n2m_upstream *up);

/* Schedules the first attempt now. */
void n2m_upstream_start(struct n2m_upstream *up);

/* The protocol callback's work for the upstream connection. Returns what
 * lws expects (0, or -1 to close). Unrelated reasons go to the lws dummy. */
int n2m_upstream_lws_event(struct n2m_upstream *up, struct lws *wsi,
			   enum lws_callback_reasons reason, void *user, void *in, size_t len);

/* The result of a prepare that answered N2M_PREPARE_PENDING (not PENDING
 * again); error is the reason for a failure. Ignored when no prepare is
 * waiting (after a shutdown, or a fail() that gave the attempt up). The
 * attempt goes on from a timer, not from inside the caller. */
void n2m_upstream_prepared(struct n2m_upstream *up, enum n2m_upstream_prepare result,
			   const char *error);

/* Queues one text message for the server (only while connected). 0 or -1. */
int n2m_upstream_send(struct n2m_upstream *up, const char *text, size_t len);

/* Gives the current connection up (or the wait, if not connected) and
 * schedules the next attempt according to why. */
void n2m_upstream_fail(struct n2m_upstream *up, enum n2m_upstream_failure why,
		       const char *error);

/* Shutdown: sends what is queued, closes with 1000, no reconnect. */
void n2m_upstream_shutdown(struct n2m_upstream *up);
/* True once there is no connection left (after shutdown). */
int n2m_upstream_closed(const struct n2m_upstream *up);

int n2m_upstream_is_connected(const struct n2m_upstream *up);
const char *n2m_upstream_state_name(enum n2m_upstream_state state);

/* The WebSocket path with the Atmosphere query for a ws_url path (pure;
 * for tests). Returns a malloc'd string. */
char *n2m_upstream_build_path(const char *url_path, const char *framework_version,
			      int track_size);

#endif
