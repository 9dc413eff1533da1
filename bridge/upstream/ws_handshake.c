/* SPDX-License-Identifier: MIT */
/*
 * ws_handshake.c - the opening handshake's text (see ws_handshake.h). SHA-1
 * and base64 come from libwebsockets, which the bridge links anyway.
 */
#include "ws_handshake.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

void ws_handshake_key(const uint8_t nonce[16], char key[WS_KEY_LEN + 1])
{
	lws_b64_encode_string((const char *)nonce, 16, key, WS_KEY_LEN + 1);
	key[WS_KEY_LEN] = '\0'; /* lws 4.1 leaves it off when the output fills out_size */
}

void ws_handshake_accept(const char *key, char accept[WS_ACCEPT_LEN + 1])
{
	char joined[128];
	unsigned char digest[20];
	int n = snprintf(joined, sizeof(joined), "%s%s", key, WS_GUID);
	if (n < 0 || (size_t)n >= sizeof(joined))
		n = 0; /* a key that long matches nothing a server computes */
	lws_SHA1((const unsigned char *)joined, (size_t)n, digest);
	lws_b64_encode_string((const char *)digest, 20, accept, WS_ACCEPT_LEN + 1);
	accept[WS_ACCEPT_LEN] = '\0';
}

int ws_handshake_request(char *buf, size_t cap, const char *host, const char *path,
			 const char *key, const char *extra)
{
	int n = snprintf(buf, cap,
			 "GET %s HTTP/1.1\r\n"
			 "Host: %s\r\n"
			 "Upgrade: websocket\r\n"
			 "Connection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\n"
			 "%s\r\n",
			 path, host, key, extra ? extra : "");
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* Where the header ends (after CRLF CRLF), or 0 if not within len. */
static size_t header_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* True if the comma-separated list v[0..n) holds token, ignoring case. */
static int has_token(const char *v, size_t n, const char *token)
{
	size_t t = strlen(token);
	for (size_t i = 0; i < n;) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == t && strncasecmp(v + s, token, t) == 0)
			return 1;
	}
	return 0;
}

struct seen_headers {
	int upgrade, connection, accept, extension, protocol;
};

/* Notes one header line name: value against what the handshake needs. */
static void header_line(const char *line, size_t n, const char *accept, struct seen_headers *h)
{
	const char *colon = memchr(line, ':', n);
	if (!colon)
		return;
	size_t name = (size_t)(colon - line), v = name + 1;
	while (v < n && (line[v] == ' ' || line[v] == '\t'))
		v++;
	size_t e = n;
	while (e > v && (line[e - 1] == ' ' || line[e - 1] == '\t'))
		e--;
	const char *val = line + v;
	size_t vn = e - v;
#define IS(s) (name == sizeof(s) - 1 && strncasecmp(line, s, name) == 0)
	if (IS("Upgrade"))
		h->upgrade = vn == 9 && strncasecmp(val, "websocket", 9) == 0;
	else if (IS("Connection"))
		h->connection = has_token(val, vn, "upgrade");
	else if (IS("Sec-WebSocket-Accept"))
		h->accept = vn == WS_ACCEPT_LEN && memcmp(val, accept, WS_ACCEPT_LEN) == 0;
	else if (IS("Sec-WebSocket-Extensions"))
		h->extension = 1;
	else if (IS("Sec-WebSocket-Protocol"))
		h->protocol = 1;
#undef IS
}

/* The status code of "HTTP/1.x NNN ...", or 0. */
static int status_code(const char *buf, size_t len)
{
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return 0;
	int code = 0;
	for (int i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return 0;
		code = code * 10 + (buf[i] - '0');
	}
	return len > 12 && buf[12] != ' ' && buf[12] != '\r' ? 0 : code;
}

enum ws_handshake_result ws_handshake_response(const char *buf, size_t len, const char *key,
					       size_t *header_len, int *status, const char **why)
{
	size_t end = header_end(buf, len < WS_RESPONSE_MAX ? len : WS_RESPONSE_MAX);
	*status = 0;
	if (!end) {
		if (len < WS_RESPONSE_MAX)
			return WS_HANDSHAKE_MORE;
		*why = "response header too large";
		return WS_HANDSHAKE_FAIL;
	}
	*status = status_code(buf, end);
	if (*status != 101) {
		*why = *status ? "status is not 101" : "not an HTTP/1.1 status line";
		return WS_HANDSHAKE_FAIL;
	}
	char accept[WS_ACCEPT_LEN + 1];
	struct seen_headers h = { 0 };
	ws_handshake_accept(key, accept);
	const char *line = memchr(buf, '\n', end) + 1;
	while (line < buf + end - 2) {
		const char *nl = memchr(line, '\n', (size_t)(buf + end - line));
		header_line(line, (size_t)(nl - line) - (nl[-1] == '\r'), accept, &h);
		line = nl + 1;
	}
	*why = !h.upgrade ? "no Upgrade: websocket" : !h.connection ? "no Connection: Upgrade"
	     : !h.accept ? "wrong or missing Sec-WebSocket-Accept"
	     : h.extension ? "an extension the client did not offer"
	     : h.protocol ? "a subprotocol the client did not offer" : NULL;
	if (*why)
		return WS_HANDSHAKE_FAIL;
	*header_len = end;
	return WS_HANDSHAKE_OK;
}
