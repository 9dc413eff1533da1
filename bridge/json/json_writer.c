/* SPDX-License-Identifier: MIT */
/*
 * json_writer.c - growable buffer and JSON value writers (see json_writer.h).
 */
#include "json_writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"

void n2m_buf_init(struct n2m_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void n2m_buf_init_storage(struct n2m_buf *b, char *storage, size_t cap)
{
	n2m_buf_init(b);
	if (storage && cap) {
		b->data = storage;
		b->cap = cap;
		b->borrowed = 1;
		storage[0] = '\0';
	}
}

void n2m_buf_free(struct n2m_buf *b)
{
	if (!b->borrowed)
		free(b->data);
	n2m_buf_init(b);
}

void n2m_buf_reset(struct n2m_buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

int n2m_buf_reserve(struct n2m_buf *b, size_t extra)
{
	if (b->failed)
		return -1;
	/* +1 keeps room for the terminating NUL. */
	if (extra > SIZE_MAX / 2 - b->len - 1) {
		b->failed = 1;
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = b->borrowed ? malloc(cap) : realloc(b->data, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	if (b->borrowed && b->len)
		memcpy(p, b->data, b->len + 1);
	b->borrowed = 0;
	b->data = p;
	b->cap = cap;
	return 0;
}

void n2m_buf_append(struct n2m_buf *b, const char *s, size_t n)
{
	if (n2m_buf_reserve(b, n) < 0)
		return;
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void n2m_buf_puts(struct n2m_buf *b, const char *s)
{
	n2m_buf_append(b, s, strlen(s));
}

void n2m_buf_putc(struct n2m_buf *b, char c)
{
	n2m_buf_append(b, &c, 1);
}

/* Bytes that need escaping inside a JSON string. */
static int needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

void n2m_buf_json_string_escaped(struct n2m_buf *b, const char *s, size_t n, int short_bf)
{
	static const char hex[] = "0123456789abcdef";
	n2m_buf_putc(b, '"');
	size_t run = 0; /* start of the current run of plain bytes */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!needs_escape(c))
			continue;
		n2m_buf_append(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': n2m_buf_append(b, "\\\"", 2); break;
		case '\\': n2m_buf_append(b, "\\\\", 2); break;
		case '\n': n2m_buf_append(b, "\\n", 2); break;
		case '\r': n2m_buf_append(b, "\\r", 2); break;
		case '\t': n2m_buf_append(b, "\\t", 2); break;
		case '\b':
		case '\f':
			if (short_bf) {
				n2m_buf_append(b, c == '\b' ? "\\b" : "\\f", 2);
				break;
			}
			/* fall through */
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			n2m_buf_append(b, u, sizeof(u));
		}
		}
	}
	n2m_buf_append(b, s + run, n - run);
	n2m_buf_putc(b, '"');
}

void n2m_buf_json_string(struct n2m_buf *b, const char *s, size_t n)
{
	n2m_buf_json_string_escaped(b, s, n, 0);
}

void n2m_buf_json_int(struct n2m_buf *b, int64_t v)
{
	char tmp[N2M_DECIMAL_TEXT_MAX];
	n2m_buf_append(b, tmp, n2m_decimal_format_int(v, tmp));
}

void n2m_buf_json_double(struct n2m_buf *b, double v)
{
	if (!isfinite(v)) {
		n2m_buf_append(b, "null", 4);
		return;
	}
	/* Integral values in the exact range print without a fraction. */
	if (v == floor(v) && fabs(v) < 1e15) {
		n2m_buf_json_int(b, (int64_t)v);
		return;
	}
	char tmp[40];
	size_t fast = n2m_decimal_format_short(v, tmp);
	if (fast) {
		n2m_buf_append(b, tmp, fast);
		return;
	}
	/* Shortest of %.15g/%.16g/%.17g that reads back exactly. */
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	n2m_buf_append(b, tmp, (size_t)n);
}

char *n2m_buf_steal(struct n2m_buf *b, size_t *len)
{
	if (b->failed) {
		n2m_buf_free(b);
		return NULL;
	}
	if (b->borrowed) {
		/* Caller storage cannot be handed over: copy it to the heap. */
		char *heap = malloc(b->len + 1);
		if (!heap) {
			n2m_buf_free(b);
			return NULL;
		}
		memcpy(heap, b->data, b->len + 1);
		b->data = heap;
		b->borrowed = 0;
	}
	if (!b->data && n2m_buf_reserve(b, 0) < 0)
		return NULL;
	char *p = b->data;
	if (len)
		*len = b->len;
	n2m_buf_init(b);
	return p;
}
