/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http_request.c - libFuzzer target: any bytes received on the health
 * port, fed to the request parser as they would arrive (every prefix, then
 * each request after the previous head, as keep-alive does), must give
 * incomplete, a request whose head lies inside the bytes, or a refusal
 * with a status and a reason; never a crash or a read past the bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): it must hold in release builds too. */
#define MUST(cond) do { if (!(cond)) abort(); } while (0)

static void check(const struct n2m_http_request *req, enum n2m_http_parse_result r, size_t len)
{
	struct n2m_http_answer ans;
	char head[512];

	if (r == N2M_HTTP_BAD) {
		MUST(req->why && (req->status == 400 || req->status == 414 || req->status == 431 ||
				  req->status == 505));
		return;
	}
	if (r != N2M_HTTP_COMPLETE)
		return;
	MUST(req->head_len > 0 && req->head_len <= len && req->head_len <= N2M_HTTP_MAX_HEAD);
	n2m_http_route(req, &ans);
	MUST(ans.status == 200 || ans.status == 400 || ans.status == 404 || ans.status == 405);
	MUST(n2m_http_response_head(head, sizeof head, ans.status, "text/plain", 10, !ans.close,
				    ans.allow) > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the received bytes. */
	char *buf = malloc(size ? size : 1);
	struct n2m_http_request req;
	size_t off = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	while (off < size) {
		size_t step = (size - off) / 7 + 1, n;
		enum n2m_http_parse_result r = N2M_HTTP_INCOMPLETE;
		for (n = step; n <= size - off; n += step) {
			r = n2m_http_parse(buf + off, n, &req);
			check(&req, r, n);
			if (r != N2M_HTTP_INCOMPLETE)
				break;
		}
		if (r != N2M_HTTP_COMPLETE)
			break;
		off += req.head_len;
	}
	free(buf);
	return 0;
}
