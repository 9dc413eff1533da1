/* SPDX-License-Identifier: MIT */
/*
 * http_request.c - HTTP/1.x request heads for the health endpoint (see
 * http_request.h). Strict on purpose: the port faces whoever can reach it,
 * and the only clients it serves (Prometheus, curl, health checks) send
 * plain, well-formed requests.
 */
#include "http_request.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int all_tchars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* Bytes a request line can hold: printable ASCII and spaces, the CR
 * before its LF. */
static int line_bytes_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 || c > 0x7e) && !(c == '\r' && i + 1 == n))
			return 0;
	}
	return 1;
}

/* Bytes a header line can hold: also tabs and obs-text (0x80-0xff). */
static int field_bytes_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && !(c == '\r' && i + 1 == n)) || c == 0x7f)
			return 0;
	}
	return 1;
}

/* The steps below return GO_ON to carry on, or N2M_HTTP_BAD through bad(). */
#define GO_ON 0

static enum n2m_http_parse_result bad(struct n2m_http_request *req, int status, const char *why)
{
	req->status = status;
	req->why = why;
	return N2M_HTTP_BAD;
}

static int parse_version(const char *v, size_t n, struct n2m_http_request *req)
{
	if (n == 8 && memcmp(v, "HTTP/1.", 7) == 0 && (v[7] == '0' || v[7] == '1')) {
		req->minor = v[7] - '0';
		return GO_ON;
	}
	if (n == 8 && memcmp(v, "HTTP/", 5) == 0 && v[5] >= '0' && v[5] <= '9' && v[6] == '.' &&
	    v[7] >= '0' && v[7] <= '9')
		return bad(req, 505, v[5] == '2' ? "HTTP/2 is not served, only HTTP/1.1 and 1.0"
					       : "only HTTP/1.1 and 1.0 are served");
	return bad(req, 400, "malformed HTTP version");
}

static void copy_cut(char *dst, size_t cap, const char *src, size_t n, int *cut)
{
	if (cut)
		*cut = n >= cap;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "METHOD SP origin-form SP HTTP/1.x", without its CRLF. */
static int parse_request_line(const char *line, size_t n, struct n2m_http_request *req)
{
	const char *end = line + n;
	const char *sp1 = memchr(line, ' ', n);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;

	if (!sp1 || !all_tchars(line, (size_t)(sp1 - line)))
		return bad(req, 400, "malformed request line");
	if (!sp2)
		return bad(req, 400, "no HTTP version (HTTP/0.9 is not served)");
	if (memchr(sp2 + 1, ' ', (size_t)(end - sp2 - 1)))
		return bad(req, 400, "malformed request line");
	if (parse_version(sp2 + 1, (size_t)(end - sp2 - 1), req) != GO_ON)
		return N2M_HTTP_BAD;
	const char *target = sp1 + 1;
	size_t tlen = (size_t)(sp2 - target);
	if (tlen == 0 || target[0] != '/')
		return bad(req, 400, "the target must be a path such as /healthz");
	const char *query = memchr(target, '?', tlen);
	copy_cut(req->method, sizeof req->method, line, (size_t)(sp1 - line), NULL);
	copy_cut(req->path, sizeof req->path, target,
		 query ? (size_t)(query - target) : tlen, &req->path_cut);
	req->get = strcmp(req->method, "GET") == 0;
	req->head_only = strcmp(req->method, "HEAD") == 0;
	req->keep_alive = req->minor == 1;
	return GO_ON;
}

static int name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* The comma-separated tokens of a Connection header. */
static int parse_connection(const char *v, size_t n, struct n2m_http_request *req, int *closed)
{
	const char *end = v + n;

	while (v < end) {
		const char *comma = memchr(v, ',', (size_t)(end - v));
		const char *t = v, *te = comma ? comma : end;
		while (t < te && (*t == ' ' || *t == '\t'))
			t++;
		while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		size_t tn = (size_t)(te - t);
		if (name_is(t, tn, "upgrade") || name_is(t, tn, "http2-settings"))
			return bad(req, 400, "protocol upgrades are not served");
		if (name_is(t, tn, "close"))
			*closed = 1;
		else if (name_is(t, tn, "keep-alive"))
			req->keep_alive = 1;
		v = comma ? comma + 1 : end;
	}
	return GO_ON;
}

static int parse_content_length(const char *v, size_t n, struct n2m_http_request *req)
{
	if (n == 0)
		return bad(req, 400, "malformed Content-Length");
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return bad(req, 400, "malformed Content-Length");
		if (v[i] != '0')
			req->has_body = 1;
	}
	return GO_ON;
}

/* One "name: value" line, without its CRLF. */
static int parse_header_line(const char *line, size_t n, struct n2m_http_request *req,
			     int *closed)
{
	const char *colon = memchr(line, ':', n);

	if (line[0] == ' ' || line[0] == '\t')
		return bad(req, 400, "folded header lines are not accepted");
	if (!colon || !all_tchars(line, (size_t)(colon - line)))
		return bad(req, 400, "malformed header line");
	size_t nlen = (size_t)(colon - line);
	const char *v = colon + 1;
	size_t vlen = n - nlen - 1;
	while (vlen > 0 && (v[0] == ' ' || v[0] == '\t'))
		v++, vlen--;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (name_is(line, nlen, "upgrade"))
		return bad(req, 400, "protocol upgrades are not served");
	if (name_is(line, nlen, "http2-settings"))
		return bad(req, 400, "HTTP/2 is not served, only HTTP/1.1 and 1.0");
	if (name_is(line, nlen, "connection"))
		return parse_connection(v, vlen, req, closed);
	if (name_is(line, nlen, "content-length"))
		return parse_content_length(v, vlen, req);
	if (name_is(line, nlen, "transfer-encoding"))
		req->has_body = 1;
	return GO_ON;
}

static enum n2m_http_parse_result parse_headers(const char *buf, size_t len, size_t off,
						struct n2m_http_request *req)
{
	size_t limit = len < N2M_HTTP_MAX_HEAD ? len : N2M_HTTP_MAX_HEAD;
	int count = 0, closed = 0;

	for (;;) {
		const char *line = buf + off;
		const char *eol = off < limit ? memchr(line, '\n', limit - off) : NULL;
		if (!eol) {
			if (len >= N2M_HTTP_MAX_HEAD)
				return bad(req, 431, "request head too large");
			return field_bytes_ok(line, len - off) ? N2M_HTTP_INCOMPLETE
							       : bad(req, 400, "malformed header line");
		}
		size_t n = (size_t)(eol - line);
		if (n == 0 || line[n - 1] != '\r' || !field_bytes_ok(line, n))
			return bad(req, 400, "malformed header line");
		off += n + 1;
		if (--n == 0)
			break;
		if (++count > N2M_HTTP_MAX_HEADERS)
			return bad(req, 431, "too many header lines");
		if (parse_header_line(line, n, req, &closed) != GO_ON)
			return N2M_HTTP_BAD;
	}
	if (closed)
		req->keep_alive = 0;
	req->head_len = off;
	return N2M_HTTP_COMPLETE;
}

enum n2m_http_parse_result n2m_http_parse(const char *buf, size_t len, struct n2m_http_request *req)
{
	size_t scan = len < N2M_HTTP_MAX_LINE ? len : N2M_HTTP_MAX_LINE;
	const char *eol = memchr(buf, '\n', scan);

	memset(req, 0, sizeof *req);
	if (!eol) {
		if (!line_bytes_ok(buf, scan))
			return bad(req, 400, "not an HTTP/1 request");
		return len >= N2M_HTTP_MAX_LINE ? bad(req, 414, "request line too long")
						: N2M_HTTP_INCOMPLETE;
	}
	size_t n = (size_t)(eol - buf);
	if (n == 0 || buf[n - 1] != '\r' || !line_bytes_ok(buf, n))
		return bad(req, 400, "not an HTTP/1 request");
	if (parse_request_line(buf, n - 1, req) != GO_ON)
		return N2M_HTTP_BAD;
	return parse_headers(buf, len, n + 1, req);
}

void n2m_http_route(const struct n2m_http_request *req, struct n2m_http_answer *ans)
{
	memset(ans, 0, sizeof *ans);
	ans->close = !req->keep_alive;
	if (!req->get && !req->head_only) {
		/* Close: the body such a request may carry is never read. */
		ans->status = 405;
		ans->allow = 1;
		ans->close = 1;
		ans->why = "only GET and HEAD are served";
	} else if (req->has_body) {
		ans->status = 400;
		ans->close = 1;
		ans->why = "a GET or HEAD request has no body";
	} else if (!req->path_cut && strcmp(req->path, "/healthz") == 0) {
		ans->status = 200;
		ans->page = N2M_HTTP_PAGE_HEALTHZ;
	} else if (!req->path_cut && strcmp(req->path, "/metrics") == 0) {
		ans->status = 200;
		ans->page = N2M_HTTP_PAGE_METRICS;
	} else {
		ans->status = 404;
		ans->why = "not found: try /healthz or /metrics";
	}
}

const char *n2m_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

size_t n2m_http_response_head(char *buf, size_t cap, int status, const char *ctype,
			      size_t body_len, int keep_alive, int allow)
{
	int n = snprintf(buf, cap,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "X-Content-Type-Options: nosniff\r\n"
			 "%s"
			 "Connection: %s\r\n\r\n",
			 status, n2m_http_reason(status), ctype, body_len,
			 allow ? "Allow: GET, HEAD\r\n" : "", keep_alive ? "keep-alive" : "close");
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
