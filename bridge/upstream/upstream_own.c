/* SPDX-License-Identifier: MIT */
/*
 * upstream_own.c - the upstream WebSocket over the project's own RFC 6455
 * client (navixy.ws_client = "own"): libwebsockets keeps the loop, DNS, the
 * connect and the socket (a raw client connection); TLS runs through
 * OpenSSL memory BIOs (tls_mem.c) because lws 4.1's raw client has none;
 * ws_conn.c does the upgrade and the framing. Whole messages go to the
 * shared part (upstream.c) as on the lws path.
 *
 * Bytes in:  RAW_RX -> [TLS] -> ws_conn_feed -> messages, pongs, close.
 * Bytes out: the shared queue and ws_conn's output -> [TLS] -> lws_write.
 */
#include "upstream_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "tls_mem.h"
#include "ws_conn.h"

#define PLAIN_BYTES 65536   /* decrypted bytes fed to the reader at once */
#define WRITE_BYTES 65536   /* bytes handed to one lws_write */
#define CLOSE_WAIT_S 2      /* for the server's answer to our close frame */

struct n2m_up_own {
	struct n2m_upstream *up;
	struct ws_conn conn;
	struct n2m_tls_ctx *tls_ctx; /* wss:// only */
	struct n2m_tls *tls;         /* this connection's session */
	int tls_ready;               /* its handshake is through */
	int closing;                 /* close the socket once the output is out */
	int we_closed;               /* the close handshake was ours */
	char end_reason[256];        /* why this connection ended, for last_error */
	unsigned char plain[PLAIN_BYTES];
	unsigned char wbuf[LWS_PRE + WRITE_BYTES];
};

/* ---------- ws_conn's callbacks ---------- */

static void own_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	while (n > 0) {
		ssize_t got = getrandom(out, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			abort(); /* no kernel randomness: nothing sane to mask with */
		out += got;
		n -= (size_t)got;
	}
}

static void own_open(void *ctx)
{
	struct n2m_up_own *o = ctx;
	n2m_log(o->up->log, N2M_LOG_DEBUG, "upstream.ws_open", "address=%s client=own",
		o->up->address);
}

static void own_message(void *ctx, const char *data, size_t len, int binary)
{
	struct n2m_up_own *o = ctx;

	o->up->counters.bytes_in += len;
	if (binary)
		o->up->reports->binary_message(o->up);
	else
		o->up->reports->text_message(o->up, data, len);
}

static void own_skipped(void *ctx, uint64_t size, int binary)
{
	struct n2m_up_own *o = ctx;

	o->up->counters.bytes_in += size;
	if (binary)
		o->up->reports->binary_message(o->up);
	else
		o->up->reports->oversized_message(o->up);
}

static void own_close(void *ctx, uint16_t code)
{
	struct n2m_up_own *o = ctx;

	if (!o->we_closed)
		n2m_log(o->up->log, N2M_LOG_INFO, "upstream.peer_close", "code=%u", (unsigned)code);
	snprintf(o->end_reason, sizeof o->end_reason, "the server closed the WebSocket (code %u)",
		 (unsigned)code);
}

/* ---------- lifecycle ---------- */

int n2m_up_own_init(struct n2m_upstream *up, const struct n2m_navixy_config *cfg, char *err,
		    size_t errlen)
{
	static const struct ws_conn_callbacks cb = {
		.on_open = own_open, .on_message = own_message, .on_skipped = own_skipped,
		.on_close = own_close, .random = own_random,
	};
	struct n2m_up_own *o = calloc(1, sizeof *o);

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o->up = up;
	up->own = o;
	/* Room for a length prefix on top of the largest message, as on the
	 * lws path. */
	ws_conn_init(&o->conn, up->max_message + 32, &cb, o);
	if (up->use_tls) {
		o->tls_ctx = n2m_tls_ctx_new(cfg->ca_file, cfg->tls_verify, err, errlen);
		if (!o->tls_ctx)
			return -1;
	}
	return 0;
}

static void end_session(struct n2m_up_own *o)
{
	n2m_tls_free(o->tls);
	o->tls = NULL;
	o->tls_ready = 0;
	o->closing = 0;
	o->we_closed = 0;
}

void n2m_up_own_free(struct n2m_upstream *up)
{
	struct n2m_up_own *o = up->own;

	if (!o)
		return;
	end_session(o);
	ws_conn_free(&o->conn);
	n2m_tls_ctx_free(o->tls_ctx);
	free(o);
	up->own = NULL;
}

int n2m_up_own_release_spare(struct n2m_upstream *up, size_t keep)
{
	return up->own ? ws_conn_release_spare(&up->own->conn, keep) : 0;
}

int n2m_up_own_open(struct n2m_upstream *up)
{
	struct lws_client_connect_info info;

	memset(&info, 0, sizeof info);
	info.context = up->lws;
	info.address = up->address;
	info.port = up->port;
	info.path = "";
	info.host = up->host_header;
	info.method = "RAW";
	info.local_protocol_name = "navixy-upstream";
	info.opaque_user_data = up;
	info.pwsi = &up->wsi;
	up->own->end_reason[0] = '\0';
	if (!lws_client_connect_via_info(&info)) {
		up->reports->start_failed(up, "cannot start the WebSocket connection");
		return -1;
	}
	return 0;
}

/* ---------- errors ---------- */

/* Before the upgrade is through, a failure is a failed connect (as lws
 * reports it on the other path); after it, a WebSocket protocol error. */
static int fail_now(struct n2m_up_own *o, const char *why)
{
	struct n2m_upstream *up = o->up;

	if (o->conn.state == WS_CONN_UPGRADING || o->conn.state == WS_CONN_IDLE) {
		n2m_log(up->log, N2M_LOG_WARN, "upstream.connect_failed",
			"host=%s port=%d error=\"%s\"", up->address, up->port, why);
		snprintf(o->end_reason, sizeof o->end_reason, "WebSocket to %s port %d: %s",
			 up->address, up->port, why);
	} else {
		snprintf(o->end_reason, sizeof o->end_reason, "%s", why);
	}
	return -1;
}

/* ws_conn gave up: log why and close once its close frame is out. */
static void conn_failed(struct n2m_up_own *o, struct lws *wsi)
{
	struct n2m_upstream *up = o->up;
	char why[200];

	if (o->conn.close_code == 0) { /* the upgrade was refused */
		snprintf(why, sizeof why, "WebSocket upgrade refused: %s (HTTP status %d)",
			 o->conn.error ? o->conn.error : "?", o->conn.http_status);
		(void)fail_now(o, why);
	} else {
		up->counters.ws_protocol++;
		n2m_log(up->log, N2M_LOG_WARN, "upstream.ws_protocol_error",
			"reason=\"%s\" close_code=%u count=%" PRIu64, o->conn.error,
			(unsigned)o->conn.close_code, up->counters.ws_protocol);
		snprintf(o->end_reason, sizeof o->end_reason, "WebSocket protocol error: %s",
			 o->conn.error);
	}
	o->closing = 1;
	lws_callback_on_writable(wsi);
}

/* ---------- receiving ---------- */

/* Plaintext from the server; 0, or -1 to close at once. */
static int feed_plain(struct n2m_up_own *o, struct lws *wsi, const void *data, size_t len)
{
	enum ws_conn_result rc = ws_conn_feed(&o->conn, data, len);

	if (rc == WS_CONN_FAILED)
		conn_failed(o, wsi);
	else if (rc == WS_CONN_CLOSED)
		o->closing = 1;
	return 0;
}

/* Decrypts everything put so far, a buffer-full at a time. */
static int feed_tls(struct n2m_up_own *o, struct lws *wsi)
{
	char err[300] = "";

	for (;;) {
		size_t have = 0;
		int n;
		while (have < sizeof o->plain &&
		       (n = n2m_tls_read(o->tls, o->plain + have, sizeof o->plain - have, err,
					 sizeof err)) > 0)
			have += (size_t)n;
		if (have > 0 && !o->closing)
			feed_plain(o, wsi, o->plain, have);
		if (have == sizeof o->plain)
			continue;
		if (n == -1)
			return fail_now(o, err);
		if (n == -2) {
			snprintf(o->end_reason, sizeof o->end_reason, "the server closed the TLS session");
			return -1;
		}
		return 0;
	}
}

static int on_rx(struct n2m_up_own *o, struct lws *wsi, const void *in, size_t len)
{
	o->up->reports->alive(o->up);
	if (o->closing && !o->tls)
		return 0;
	if (!o->tls) {
		feed_plain(o, wsi, in, len);
	} else {
		if (n2m_tls_put_cipher(o->tls, in, len) != 0)
			return fail_now(o, "TLS: out of memory");
		if (feed_tls(o, wsi) != 0)
			return -1;
	}
	if (o->conn.out_len || (o->tls && n2m_tls_cipher_pending(o->tls)) || o->closing)
		lws_callback_on_writable(wsi);
	return 0;
}

/* ---------- sending ---------- */

/* The shared queue into frames; the close handshake once it is empty. */
static void frame_queue(struct n2m_up_own *o, struct lws *wsi)
{
	struct n2m_upstream *up = o->up;
	struct n2m_upstream_msg *m;

	if (o->conn.state != WS_CONN_OPEN)
		return;
	while ((m = up->reports->next_out(up)) != NULL) {
		(void)ws_conn_send_text(&o->conn, (const char *)m->buf + LWS_PRE, m->len);
		free(m);
	}
	if (up->close_requested && ws_conn_close(&o->conn, WS_CLOSE_NORMAL, "bye") == 0) {
		o->we_closed = 1;
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT_S);
	}
}

/* Up to WRITE_BYTES of what is due for the socket into wbuf; its size. */
static int next_bytes(struct n2m_up_own *o, size_t *n)
{
	const uint8_t *data;
	size_t len = ws_conn_pending(&o->conn, &data);
	char err[300] = "";

	if (!o->tls) {
		*n = len < WRITE_BYTES ? len : WRITE_BYTES;
		memcpy(o->wbuf + LWS_PRE, data, *n);
		ws_conn_consumed(&o->conn, *n);
		return 0;
	}
	/* Memory BIOs grow: SSL_write takes everything once the handshake is
	 * through, and nothing before. */
	int hs = o->tls_ready ? 1 : n2m_tls_handshake(o->tls, err, sizeof err);
	if (hs < 0)
		return fail_now(o, err);
	o->tls_ready = hs == 1;
	while (len > 0) {
		int took = n2m_tls_write(o->tls, data, len, err, sizeof err);
		if (took < 0)
			return fail_now(o, err);
		if (took == 0)
			break;
		ws_conn_consumed(&o->conn, (size_t)took);
		len = ws_conn_pending(&o->conn, &data);
	}
	*n = n2m_tls_take_cipher(o->tls, o->wbuf + LWS_PRE, WRITE_BYTES);
	return 0;
}

/* One lws_write per WRITEABLE; -1 closes the socket. */
static int on_writeable(struct n2m_up_own *o, struct lws *wsi)
{
	size_t n = 0;

	frame_queue(o, wsi);
	if (next_bytes(o, &n) != 0)
		return -1;
	if (n > 0 && lws_write(wsi, o->wbuf + LWS_PRE, n, LWS_WRITE_RAW) < 0)
		return fail_now(o, "write failed");
	/* Plaintext waits for the TLS handshake, which waits for the server. */
	int more = (o->conn.out_len && (!o->tls || o->tls_ready)) ||
		   (o->tls && n2m_tls_cipher_pending(o->tls)) ||
		   (o->up->out_head && o->conn.state == WS_CONN_OPEN);
	if (more) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	return o->closing ? -1 : 0;
}

/* ---------- lws events ---------- */

static int on_connected(struct n2m_up_own *o, struct lws *wsi)
{
	struct n2m_upstream *up = o->up;
	char err[300] = "";

	end_session(o);
	if (o->tls_ctx) {
		o->tls = n2m_tls_new(o->tls_ctx, up->address, err, sizeof err);
		if (!o->tls)
			return fail_now(o, err);
	}
	if (ws_conn_start(&o->conn, up->host_header, up->path, NULL) != 0)
		return fail_now(o, "cannot build the upgrade request");
	lws_callback_on_writable(wsi);
	return 0;
}

int n2m_up_own_event(struct n2m_upstream *up, struct lws *wsi, enum lws_callback_reasons reason,
		     void *user, void *in, size_t len)
{
	struct n2m_up_own *o = up->own;
	int mine = wsi && wsi == up->wsi;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (mine) {
			end_session(o);
			up->reports->connect_failed(up, in);
		}
		return 0;
	case LWS_CALLBACK_RAW_CONNECTED:
		return mine ? on_connected(o, wsi) : 0;
	case LWS_CALLBACK_RAW_RX:
		return mine ? on_rx(o, wsi, in, len) : 0;
	case LWS_CALLBACK_RAW_WRITEABLE:
		return mine ? on_writeable(o, wsi) : 0;
	case LWS_CALLBACK_RAW_CLOSE:
		if (mine) {
			end_session(o);
			o->conn.state = WS_CONN_IDLE;
			up->reports->connection_ended(up, o->end_reason[0] ? o->end_reason
								  : "connection closed");
		}
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
