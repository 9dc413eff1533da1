/* SPDX-License-Identifier: MIT */
/*
 * sim_buf.c - growable buffer and hand-rolled JSON output helpers.
 */
#include "sim_buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *b, size_t headroom)
{
	memset(b, 0, sizeof(*b));
	b->head = headroom;
}

void sbuf_free(struct sbuf *b)
{
	free(b->mem);
	b->mem = NULL;
	b->len = b->cap = 0;
}

void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	b->oom = 0;
}

int sbuf_reserve(struct sbuf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (b->mem && b->len + extra + 1 <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + extra + 1)
		ncap *= 2;
	char *n = realloc(b->mem, b->head + ncap);
	if (!n) {
		b->oom = 1;
		return -1;
	}
	b->mem = n;
	b->cap = ncap;
	return 0;
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (n == 0)
		return; /* s may be NULL (an empty HTTP body) */
	if (sbuf_reserve(b, n))
		return;
	memcpy(b->mem + b->head + b->len, s, n);
	b->len += n;
	b->mem[b->head + b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_putc(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		sbuf_add(b, tmp, (size_t)n);
		return;
	}
	if (sbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->mem + b->head + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sbuf_json_strn(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sbuf_putc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sbuf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': sbuf_add(b, "\\\"", 2); break;
		case '\\': sbuf_add(b, "\\\\", 2); break;
		case '\n': sbuf_add(b, "\\n", 2); break;
		case '\r': sbuf_add(b, "\\r", 2); break;
		case '\t': sbuf_add(b, "\\t", 2); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			sbuf_add(b, e, 6);
		}
		}
	}
	sbuf_add(b, s + run, n - run);
	sbuf_putc(b, '"');
}

void sbuf_json_str(struct sbuf *b, const char *s)
{
	if (!s) {
		sbuf_puts(b, "null");
		return;
	}
	sbuf_json_strn(b, s, strlen(s));
}

void sbuf_json_double(struct sbuf *b, double v)
{
	if (!isfinite(v)) {
		sbuf_puts(b, "null");
		return;
	}
	char tmp[40];
	int n = snprintf(tmp, sizeof(tmp), "%.10g", v);
	/* keep it a JSON number; %.10g never yields "1e+300"-style output
	 * that JSON rejects, but make integers look like integers */
	sbuf_add(b, tmp, (size_t)n);
}

void sbuf_trim_comma(struct sbuf *b)
{
	if (b->len && b->mem[b->head + b->len - 1] == ',') {
		b->len--;
		b->mem[b->head + b->len] = '\0';
	}
}

char *sbuf_detach(struct sbuf *b, size_t *head, size_t *len)
{
	if (!b->mem)
		sbuf_reserve(b, 0);
	char *m = b->mem;
	*head = b->head;
	*len = b->len;
	b->mem = NULL;
	b->len = b->cap = 0;
	return m;
}
