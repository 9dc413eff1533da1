/* SPDX-License-Identifier: MIT */
/*
 * ws_handshake.h - the client side of the RFC 6455 opening handshake as
 * text, without I/O: the Sec-WebSocket-Key from caller-supplied random
 * bytes, the upgrade request, and the check of the server's answer (101,
 * Upgrade and Connection headers, Sec-WebSocket-Accept equal to
 * base64(SHA-1(key + the RFC's GUID)), no extension or subprotocol the
 * client did not ask for). For a WebSocket client that owns its socket and
 * hands the bytes after the response's header to ws_reader.
 */
#ifndef N2M_WS_HANDSHAKE_H
#define N2M_WS_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#define WS_KEY_LEN 24       /* base64 of 16 bytes */
#define WS_ACCEPT_LEN 28    /* base64 of a SHA-1 digest */
#define WS_RESPONSE_MAX 8192 /* a longer response header is refused */

/* The key for 16 random bytes (drawn fresh for every connection). */
void ws_handshake_key(const uint8_t nonce[16], char key[WS_KEY_LEN + 1]);

/* The Sec-WebSocket-Accept value a server must answer key with. */
void ws_handshake_accept(const char *key, char accept[WS_ACCEPT_LEN + 1]);

/* Formats the GET upgrade request for path with Host: host (with ":port"
 * when not the scheme's default, the caller's choice); extra is NULL or
 * further header lines, each ending in CRLF. Returns the length, or -1 if
 * it does not fit cap. */
int ws_handshake_request(char *buf, size_t cap, const char *host, const char *path,
			 const char *key, const char *extra);

enum ws_handshake_result {
	WS_HANDSHAKE_MORE = 0,  /* the header is not complete yet */
	WS_HANDSHAKE_OK = 1,    /* accepted; *header_len bytes were the response */
	WS_HANDSHAKE_FAIL = -1, /* refused: *why says why, *status the HTTP status or 0 */
};

/* Checks the response received so far, buf[0..len). On OK the bytes after
 * *header_len already belong to the WebSocket stream. */
enum ws_handshake_result ws_handshake_response(const char *buf, size_t len, const char *key,
					       size_t *header_len, int *status, const char **why);

#endif
