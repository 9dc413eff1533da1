/* SPDX-License-Identifier: MIT */
/*
 * test_http_request.c - the health endpoint's HTTP/1.x request parser, its
 * routing and response heads (http_request.c). The log throttle used for
 * its refusals is test_log_throttle.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"

/* Parses an exact-size heap copy, so a sanitizer build sees any read past
 * the bytes received. */
static enum n2m_http_parse_result parse(const char *text, struct n2m_http_request *req)
{
	size_t n = strlen(text);
	char *copy = malloc(n ? n : 1);
	enum n2m_http_parse_result r;

	assert_non_null(copy);
	memcpy(copy, text, n);
	r = n2m_http_parse(copy, n, req);
	free(copy);
	return r;
}

static void expect_bad(const char *text, int status)
{
	struct n2m_http_request req;

	if (parse(text, &req) != N2M_HTTP_BAD)
		fail_msg("not refused: %.60s", text);
	if (req.status != status)
		fail_msg("status %d, not %d, for: %.60s", req.status, status, text);
	assert_non_null(req.why);
}

static void get_and_head_parse_with_their_length(void **state)
{
	struct n2m_http_request req;
	const char *two = "GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n";

	(void)state;
	assert_int_equal(parse(two, &req), N2M_HTTP_COMPLETE);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.path, "/healthz");
	assert_true(req.get && !req.head_only && req.keep_alive && !req.has_body);
	assert_int_equal(req.minor, 1);
	assert_int_equal(req.head_len, strlen("GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"));
	assert_int_equal(n2m_http_parse(two + req.head_len, strlen(two) - req.head_len, &req),
			 N2M_HTTP_COMPLETE);
	assert_string_equal(req.path, "/metrics");

	assert_int_equal(parse("HEAD /metrics HTTP/1.0\r\n\r\n", &req), N2M_HTTP_COMPLETE);
	assert_true(req.head_only && !req.get && !req.keep_alive);
	assert_int_equal(req.minor, 0);
}

static void connection_header_decides_keep_alive(void **state)
{
	struct n2m_http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &req), N2M_HTTP_COMPLETE);
	assert_false(req.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nconnection:Keep-Alive\r\n\r\n", &req),
			 N2M_HTTP_COMPLETE);
	assert_true(req.keep_alive);
	/* close wins, whatever the order */
	assert_int_equal(parse("GET / HTTP/1.1\r\nConnection: close, keep-alive\r\n\r\n", &req),
			 N2M_HTTP_COMPLETE);
	assert_false(req.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
			       &req), N2M_HTTP_COMPLETE);
	assert_false(req.keep_alive);
	/* Tokens with blanks around them, empty ones, a tab-padded last one. */
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: ,\t TE ,, keep-alive\t\t,\t\r\n\r\n",
			       &req), N2M_HTTP_COMPLETE);
	assert_true(req.keep_alive);
	expect_bad("GET / HTTP/1.0\r\nConnection: x,\t\t\t upgrade\t\r\n\r\n", 400);
	/* Blanks inside the value never make the parser read on into the
	 * next header line. */
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: ,              keep-alive\r\n"
			       "X: y,upgrade\r\n\r\n", &req), N2M_HTTP_COMPLETE);
	assert_true(req.keep_alive);
}

static void every_prefix_of_a_request_is_incomplete(void **state)
{
	const char *text = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:9180\r\nAccept: */*\r\n\r\n";
	struct n2m_http_request req;

	(void)state;
	for (size_t n = 0; n < strlen(text); n++)
		if (n2m_http_parse(text, n, &req) != N2M_HTTP_INCOMPLETE)
			fail_msg("prefix of %zu bytes not incomplete", n);
	assert_int_equal(parse(text, &req), N2M_HTTP_COMPLETE);
}

static void upgrades_and_http2_are_refused(void **state)
{
	(void)state;
	expect_bad("GET /healthz HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nupgrade: h2c\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n", 400);
	expect_bad("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
	expect_bad("GET / HTTP/3.0\r\n\r\n", 505);
	expect_bad("GET / HTTP/1.2\r\n\r\n", 505);
}

static void malformed_heads_are_refused(void **state)
{
	(void)state;
	expect_bad("\x16\x03\x01\x02\x00\x01", 400);          /* TLS, before any line end */
	expect_bad("GET /healthz\r\n\r\n", 400);              /* HTTP/0.9 */
	expect_bad("GET /healthz HTTP/1.1\n\n", 400);         /* bare LF */
	expect_bad("GET  /healthz HTTP/1.1\r\n\r\n", 400);    /* two spaces */
	expect_bad("GET /healthz HTTP/1.1 x\r\n\r\n", 400);
	expect_bad("G(T / HTTP/1.1\r\n\r\n", 400);
	expect_bad("GET * HTTP/1.1\r\n\r\n", 400);
	expect_bad("GET http://x/healthz HTTP/1.1\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nHost a\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nA: b\x01", 400);          /* a control byte, early */
	expect_bad("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400);
	expect_bad("GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400);
}

static void heads_are_bounded(void **state)
{
	struct n2m_http_request req;
	size_t cap = N2M_HTTP_MAX_HEAD + 64;
	char *buf = malloc(cap);

	(void)state;
	assert_non_null(buf);
	/* A request line at the limit with no end yet: 414. */
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', N2M_HTTP_MAX_LINE - 5);
	assert_int_equal(n2m_http_parse(buf, N2M_HTTP_MAX_LINE - 1, &req), N2M_HTTP_INCOMPLETE);
	assert_int_equal(n2m_http_parse(buf, N2M_HTTP_MAX_LINE, &req), N2M_HTTP_BAD);
	assert_int_equal(req.status, 414);
	/* A head at the limit with no empty line: 431. */
	int n = snprintf(buf, cap, "GET / HTTP/1.1\r\nX: ");
	memset(buf + n, 'a', cap - (size_t)n);
	assert_int_equal(n2m_http_parse(buf, N2M_HTTP_MAX_HEAD - 1, &req), N2M_HTTP_INCOMPLETE);
	assert_int_equal(n2m_http_parse(buf, N2M_HTTP_MAX_HEAD, &req), N2M_HTTP_BAD);
	assert_int_equal(req.status, 431);
	/* Too many lines, each short. */
	size_t o = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\n");
	for (int i = 0; i <= N2M_HTTP_MAX_HEADERS; i++)
		o += (size_t)snprintf(buf + o, cap - o, "X%d: v\r\n", i);
	o += (size_t)snprintf(buf + o, cap - o, "\r\n");
	assert_int_equal(n2m_http_parse(buf, o, &req), N2M_HTTP_BAD);
	assert_int_equal(req.status, 431);
	free(buf);
}

static void routes(void **state)
{
	struct n2m_http_request req;
	struct n2m_http_answer ans;

	(void)state;
	parse("GET /healthz HTTP/1.1\r\n\r\n", &req);
	n2m_http_route(&req, &ans);
	assert_int_equal(ans.page, N2M_HTTP_PAGE_HEALTHZ);
	assert_false(ans.close);
	parse("HEAD /metrics?a HTTP/1.0\r\n\r\n", &req);
	n2m_http_route(&req, &ans);
	assert_int_equal(ans.page, N2M_HTTP_PAGE_METRICS);
	assert_true(ans.close);
	parse("GET /healthz/ HTTP/1.1\r\n\r\n", &req);
	n2m_http_route(&req, &ans);
	assert_int_equal(ans.status, 404);
	assert_int_equal(ans.page, N2M_HTTP_PAGE_NONE);
	assert_false(ans.close);
	parse("POST /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &req);
	n2m_http_route(&req, &ans);
	assert_int_equal(ans.status, 405);
	assert_true(ans.allow && ans.close);
	parse("get /healthz HTTP/1.1\r\n\r\n", &req);  /* methods are case-sensitive */
	n2m_http_route(&req, &ans);
	assert_int_equal(ans.status, 405);
	parse("GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &req);
	n2m_http_route(&req, &ans);
	assert_int_equal(ans.status, 400);
	assert_true(ans.close);
	parse("GET /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &req);
	n2m_http_route(&req, &ans);
	assert_int_equal(ans.page, N2M_HTTP_PAGE_HEALTHZ);
	/* A long path is cut, never taken for a page. */
	char line[256];
	snprintf(line, sizeof line, "GET /healthz%0100d HTTP/1.1\r\n\r\n", 0);
	parse(line, &req);
	assert_true(req.path_cut);
	n2m_http_route(&req, &ans);
	assert_int_equal(ans.status, 404);
}

static void response_heads(void **state)
{
	char buf[512];
	size_t n;

	(void)state;
	n = n2m_http_response_head(buf, sizeof buf, 405, "text/plain", 29, 0, 1);
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(buf, "\r\nAllow: GET, HEAD\r\n"));
	assert_non_null(strstr(buf, "\r\nContent-Length: 29\r\n"));
	assert_non_null(strstr(buf, "\r\nConnection: close\r\n\r\n"));
	n = n2m_http_response_head(buf, sizeof buf, 200, "application/json", 7, 1, 0);
	assert_null(strstr(buf, "Allow"));
	assert_non_null(strstr(buf, "\r\nConnection: keep-alive\r\n\r\n"));
	assert_int_equal(n2m_http_response_head(buf, 20, 200, "application/json", 7, 1, 0), 0);
	assert_string_equal(n2m_http_reason(431), "Request Header Fields Too Large");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_and_head_parse_with_their_length),
		cmocka_unit_test(connection_header_decides_keep_alive),
		cmocka_unit_test(every_prefix_of_a_request_is_incomplete),
		cmocka_unit_test(upgrades_and_http2_are_refused),
		cmocka_unit_test(malformed_heads_are_refused),
		cmocka_unit_test(heads_are_bounded),
		cmocka_unit_test(routes),
		cmocka_unit_test(response_heads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
