/* SPDX-License-Identifier: MIT */
/*
 * http_request.h - the health endpoint's HTTP/1.x, without I/O: parsing a
 * request head from the bytes received so far, choosing the answer, and
 * writing the response head.
 *
 * The endpoint is HTTP and nothing else: GET and HEAD of /healthz and
 * /metrics over HTTP/1.1 or 1.0. Everything else is answered with a plain
 * error, and every protocol switch is refused, never performed: an
 * `Upgrade` header (WebSocket, h2c), `HTTP2-Settings`, or the HTTP/2
 * prior-knowledge preface (`PRI * HTTP/2.0`). The head is bounded:
 * N2M_HTTP_MAX_LINE bytes of request line (else 414), N2M_HTTP_MAX_HEAD
 * bytes and N2M_HTTP_MAX_HEADERS lines in all (else 431). Bytes that cannot
 * start a request (binary, TLS) are refused as soon as they arrive.
 */
#ifndef N2M_HTTP_REQUEST_H
#define N2M_HTTP_REQUEST_H

#include <stddef.h>

#define N2M_HTTP_MAX_LINE 2048
#define N2M_HTTP_MAX_HEAD 8192
#define N2M_HTTP_MAX_HEADERS 64

enum n2m_http_parse_result {
	N2M_HTTP_INCOMPLETE = 0, /* a valid beginning: wait for more bytes */
	N2M_HTTP_COMPLETE,       /* a whole head: req is filled */
	N2M_HTTP_BAD,            /* refused: req->status and req->why say why */
};

enum n2m_http_page { N2M_HTTP_PAGE_NONE = 0, N2M_HTTP_PAGE_HEALTHZ, N2M_HTTP_PAGE_METRICS };

struct n2m_http_request {
	char method[16];       /* as sent, cut to 15 bytes (for the log) */
	char path[64];         /* the target without its query, cut to 63 bytes */
	int path_cut;          /* the path was longer than that (so no known page) */
	int head_only;         /* HEAD */
	int get;               /* GET */
	int minor;             /* HTTP/1.<minor> */
	int keep_alive;        /* the client wants the connection kept */
	int has_body;          /* Content-Length > 0 or Transfer-Encoding */
	size_t head_len;       /* bytes of the head, the empty line included */
	int status;            /* N2M_HTTP_BAD: 400, 414, 431 or 505 */
	const char *why;       /* N2M_HTTP_BAD: a static reason for the log and the body */
};

/* Parses the head at the start of buf (len bytes received so far). */
enum n2m_http_parse_result n2m_http_parse(const char *buf, size_t len, struct n2m_http_request *req);

struct n2m_http_answer {
	int status;               /* 200 (or what the page says), 400, 404, 405 */
	enum n2m_http_page page;  /* the page to render, or NONE */
	int close;                /* close the connection after the answer */
	int allow;                /* send `Allow: GET, HEAD` (405) */
	const char *why;          /* the error body's text, NULL for pages */
};

/* What to answer to a complete, well-formed request. */
void n2m_http_route(const struct n2m_http_request *req, struct n2m_http_answer *ans);

/* The reason phrase of a status code ("Not Found"). */
const char *n2m_http_reason(int status);

/* Writes the response head (status line, Content-Type, Content-Length of
 * body_len, Cache-Control: no-store, nosniff, Allow when asked, Connection)
 * into buf; the length, or 0 when cap is too small. */
size_t n2m_http_response_head(char *buf, size_t cap, int status, const char *ctype,
			      size_t body_len, int keep_alive, int allow);

#endif
