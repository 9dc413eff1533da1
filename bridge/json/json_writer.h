/* SPDX-License-Identifier: MIT */
/*
 * json_writer.h - a growable byte buffer with JSON writers (escaped strings,
 * integers, doubles), for the hot paths that render small JSON by hand
 * instead of building json-c trees (requests, location payloads).
 *
 * Errors are sticky: after a failed allocation every call is a no-op and
 * `failed` stays set, so a caller checks once at the end.
 */
#ifndef N2M_JSON_WRITER_H
#define N2M_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct n2m_buf {
	char *data;     /* NUL-terminated when not failed and data != NULL */
	size_t len;
	size_t cap;
	int failed;
	int borrowed;   /* data is caller storage (n2m_buf_init_storage): grown by
			 * copying to the heap, never realloc'd or freed */
};

void n2m_buf_init(struct n2m_buf *b);
/* Starts with caller storage (e.g. a stack array) so small outputs need no
 * allocation; call n2m_buf_free afterwards all the same. */
void n2m_buf_init_storage(struct n2m_buf *b, char *storage, size_t cap);
void n2m_buf_free(struct n2m_buf *b);
/* Empties the buffer, keeping its memory. */
void n2m_buf_reset(struct n2m_buf *b);
int n2m_buf_reserve(struct n2m_buf *b, size_t extra);

void n2m_buf_append(struct n2m_buf *b, const char *s, size_t n);
void n2m_buf_puts(struct n2m_buf *b, const char *s);
void n2m_buf_putc(struct n2m_buf *b, char c);
/* A JSON string literal with quotes; control characters, '"' and '\\'
 * escaped, other bytes copied as they are. */
void n2m_buf_json_string(struct n2m_buf *b, const char *s, size_t n);
/* The same; short_bf writes \b and \f as json-c does instead of \u0008/\u000c. */
void n2m_buf_json_string_escaped(struct n2m_buf *b, const char *s, size_t n, int short_bf);
void n2m_buf_json_int(struct n2m_buf *b, int64_t v);
/* The shortest decimal that reads back as v; non-finite values as null. */
void n2m_buf_json_double(struct n2m_buf *b, double v);

/* Hands the data over as heap memory (NUL-terminated, length in *len if not
 * NULL) and re-initialises b; NULL if the buffer failed (and b is freed). */
char *n2m_buf_steal(struct n2m_buf *b, size_t *len);

#endif
