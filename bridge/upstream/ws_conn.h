/* SPDX-License-Identifier: MIT */
/*
 * ws_conn.h - one RFC 6455 client connection as a state machine without I/O
 * and without TLS: it writes the upgrade request, checks the server's answer
 * (ws_handshake.c), feeds what follows to the frame reader (ws_reader.c) and
 * acts on what the reader reports: a pong for every ping, the close
 * handshake, and a close frame with the reader's code when the stream
 * breaks. Everything it wants sent goes to an output buffer the caller
 * drains to the socket (or to TLS); masking keys come from the caller's
 * random source.
 *
 * The bridge's "own" WebSocket client (upstream_own.c) drives it over a raw
 * libwebsockets socket; tests and the fuzz target drive it directly.
 */
#ifndef N2M_WS_CONN_H
#define N2M_WS_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "ws_handshake.h"
#include "ws_reader.h"

enum ws_conn_state {
	WS_CONN_IDLE = 0,   /* not started */
	WS_CONN_UPGRADING,  /* request queued or sent; reading the response header */
	WS_CONN_OPEN,       /* frames flow */
	WS_CONN_CLOSING,    /* we sent a close frame; waiting for the server's */
	WS_CONN_DONE,       /* finished: flush the output, then close the socket */
};

struct ws_conn_callbacks {
	/* The upgrade was accepted. */
	void (*on_open)(void *ctx);
	/* A complete message (data valid only during the call). */
	void (*on_message)(void *ctx, const char *data, size_t len, int binary);
	/* A message above max_message, read past without buffering. */
	void (*on_skipped)(void *ctx, uint64_t size, int binary);
	/* The server's close frame (code or WS_CLOSE_NO_STATUS). */
	void (*on_close)(void *ctx, uint16_t code);
	/* n random bytes (masking keys, the handshake nonce). */
	void (*random)(void *ctx, uint8_t *out, size_t n);
};

enum ws_conn_result {
	WS_CONN_OK = 0,    /* carry on */
	WS_CONN_CLOSED,    /* a clean end: flush the output, then close the socket */
	WS_CONN_FAILED,    /* error/http_status say why; flush (a close frame may
			    * be queued), then close the socket */
};

struct ws_conn {
	enum ws_conn_state state;
	struct ws_conn_callbacks cb;
	void *ctx;
	struct ws_reader reader;
	char key[WS_KEY_LEN + 1];
	char *resp;          /* the response header so far (WS_RESPONSE_MAX) */
	size_t resp_len;
	uint8_t *out;        /* bytes for the server, not yet taken */
	size_t out_len, out_cap;
	const char *error;   /* FAILED: why, a static string */
	int http_status;     /* FAILED during the upgrade: the status, or 0 */
	uint16_t close_code; /* FAILED after the upgrade: the code sent */
	uint16_t peer_close; /* the server's close code, once it came */
};

void ws_conn_init(struct ws_conn *c, size_t max_message, const struct ws_conn_callbacks *cb,
		  void *ctx);
void ws_conn_free(struct ws_conn *c);

/* Starts a connection (again): queues the upgrade request for path on host
 * (the Host header's value). extra: NULL or header lines ending in CRLF.
 * Returns 0, or -1 if out of memory or the request is too long. */
int ws_conn_start(struct ws_conn *c, const char *host, const char *path, const char *extra);

/* Bytes from the server. */
enum ws_conn_result ws_conn_feed(struct ws_conn *c, const void *data, size_t len);

/* Queues a text message (OPEN only). 0 or -1. */
int ws_conn_send_text(struct ws_conn *c, const char *text, size_t len);

/* Starts the close handshake with code (OPEN only; otherwise a no-op that
 * returns -1). The connection is DONE when the server's close arrives. */
int ws_conn_close(struct ws_conn *c, uint16_t code, const char *reason);

/* The output not yet taken, and taking n bytes of it. */
static inline size_t ws_conn_pending(const struct ws_conn *c, const uint8_t **data)
{
	*data = c->out;
	return c->out_len;
}
void ws_conn_consumed(struct ws_conn *c, size_t n);

/* Frees buffers above keep bytes when nothing is held in them. 1 if any. */
int ws_conn_release_spare(struct ws_conn *c, size_t keep);

#endif
