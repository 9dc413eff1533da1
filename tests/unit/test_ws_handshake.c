/* SPDX-License-Identifier: MIT */
/*
 * test_ws_handshake.c - the opening handshake's text (bridge/upstream/ws_handshake.c):
 * the key and accept values of RFC 6455's example, the request, and every
 * reason a server's response is refused, at every split of the response.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ws_handshake.h"

/* RFC 6455's example: this key must be answered with this accept value. */
#define RFC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static void key_and_accept_match_the_rfc_example(void **state)
{
	(void)state;
	const uint8_t nonce[16] = "the sample nonce";
	char key[WS_KEY_LEN + 1], accept[WS_ACCEPT_LEN + 1];
	ws_handshake_key(nonce, key);
	assert_string_equal(key, RFC_KEY);
	ws_handshake_accept(key, accept);
	assert_string_equal(accept, RFC_ACCEPT);
	const uint8_t other[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	ws_handshake_key(other, key);
	assert_string_equal(key, "AQIDBAUGBwgJCgsMDQ4PEA==");
}

static void request_has_the_upgrade_headers(void **state)
{
	(void)state;
	char buf[512];
	int n = ws_handshake_request(buf, sizeof(buf), "api.example.com:8443", "/event/subscription?a=1",
				     RFC_KEY, "Origin: http://api.example.com\r\n");
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_string_equal(buf,
			    "GET /event/subscription?a=1 HTTP/1.1\r\n"
			    "Host: api.example.com:8443\r\n"
			    "Upgrade: websocket\r\n"
			    "Connection: Upgrade\r\n"
			    "Sec-WebSocket-Key: " RFC_KEY "\r\n"
			    "Sec-WebSocket-Version: 13\r\n"
			    "Origin: http://api.example.com\r\n"
			    "\r\n");
	/* No room for the terminating NUL: refused, not cut. */
	assert_int_equal(ws_handshake_request(buf, (size_t)n, "api.example.com:8443",
					      "/event/subscription?a=1", RFC_KEY,
					      "Origin: http://api.example.com\r\n"), -1);
}

/* Checks resp as a whole and at every shorter prefix (MORE). */
static enum ws_handshake_result check(const char *resp, size_t *hl, int *status, const char **why)
{
	size_t len = strlen(resp);
	for (size_t i = 0; i < len; i++) {
		size_t h = 0;
		int st;
		const char *w = NULL;
		enum ws_handshake_result r = ws_handshake_response(resp, i, RFC_KEY, &h, &st, &w);
		if (r != WS_HANDSHAKE_MORE) /* only possible once the header is complete */
			assert_true(strstr(resp, "\r\n\r\n") + 4 <= resp + i);
	}
	*why = NULL;
	return ws_handshake_response(resp, len, RFC_KEY, hl, status, why);
}

static void accepts_a_good_response_and_keeps_the_bytes_after_it(void **state)
{
	(void)state;
	/* The simulator's answer, then the first frame already in the read. */
	const char *resp = "HTTP/1.1 101 Switching Protocols\r\n"
			   "Upgrade: WebSocket\r\n"
			   "Connection: Upgrade\r\n"
			   "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
			   "\r\n"
			   "\x81\x02hi";
	size_t hl = 0;
	int status;
	const char *why;
	assert_int_equal(check(resp, &hl, &status, &why), WS_HANDSHAKE_OK);
	assert_int_equal(status, 101);
	assert_null(why);
	assert_int_equal(hl, strlen(resp) - 4);
	/* Header names in any case, a Connection list, white space around values. */
	resp = "HTTP/1.1 101 OK\r\n"
	       "connection: keep-alive, upgrade\r\n"
	       "UPGRADE:websocket  \r\n"
	       "sec-websocket-accept:   " RFC_ACCEPT "\r\n"
	       "Server: x\r\n\r\n";
	assert_int_equal(check(resp, &hl, &status, &why), WS_HANDSHAKE_OK);
}

static void refuses_bad_responses_with_a_reason(void **state)
{
	(void)state;
	static const struct {
		const char *resp;
		int status;
		const char *why;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "status is not 101" },
		{ "HTTP/1.1 403 Forbidden\r\n\r\n", 403, "status is not 101" },
		{ "SSH-2.0-OpenSSH\r\n\r\n", 0, "not an HTTP/1.1 status line" },
		{ "HTTP/1.1 1010 x\r\n\r\n", 0, "not an HTTP/1.1 status line" },
		{ "HTTP/1.1 101 x\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n",
		  101, "no Upgrade: websocket" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websockets\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n",
		  101, "no Upgrade: websocket" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n",
		  101, "no Connection: Upgrade" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		  101, "wrong or missing Sec-WebSocket-Accept" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOO=\r\n\r\n",
		  101, "wrong or missing Sec-WebSocket-Accept" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
		  101, "an extension the client did not offer" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT "\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
		  101, "a subprotocol the client did not offer" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t hl = 0;
		int status;
		const char *why;
		assert_int_equal(check(cases[i].resp, &hl, &status, &why), WS_HANDSHAKE_FAIL);
		assert_int_equal(status, cases[i].status);
		assert_string_equal(why, cases[i].why);
	}
}

static void refuses_a_header_that_never_ends(void **state)
{
	(void)state;
	static char big[WS_RESPONSE_MAX + 64];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "HTTP/1.1 101 x\r\n", 16);
	size_t hl;
	int status;
	const char *why = NULL;
	assert_int_equal(ws_handshake_response(big, WS_RESPONSE_MAX - 1, RFC_KEY, &hl, &status, &why),
			 WS_HANDSHAKE_MORE);
	assert_int_equal(ws_handshake_response(big, sizeof(big) - 1, RFC_KEY, &hl, &status, &why),
			 WS_HANDSHAKE_FAIL);
	assert_string_equal(why, "response header too large");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_and_accept_match_the_rfc_example),
		cmocka_unit_test(request_has_the_upgrade_headers),
		cmocka_unit_test(accepts_a_good_response_and_keeps_the_bytes_after_it),
		cmocka_unit_test(refuses_bad_responses_with_a_reason),
		cmocka_unit_test(refuses_a_header_that_never_ends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
