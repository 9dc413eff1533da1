/* SPDX-License-Identifier: MIT */
/*
 * sim_buf.h - growable byte buffer with optional headroom, plus the small
 * JSON-writing helpers the simulator uses to build frames by hand (json-c is
 * only used for parsing: hand-built output is compact and fast for 100k
 * tracker snapshots).
 */
#ifndef SIM_BUF_H
#define SIM_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char *mem;      /* allocation; data starts at mem + head */
	size_t head;    /* reserved headroom in front of the data */
	size_t len;     /* data length */
	size_t cap;     /* allocated bytes after head */
	int oom;        /* set once an allocation failed; output is then unusable */
};

void sbuf_init(struct sbuf *b, size_t headroom);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
static inline char *sbuf_data(const struct sbuf *b) { return b->mem ? b->mem + b->head : NULL; }
int sbuf_reserve(struct sbuf *b, size_t extra);
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_putc(struct sbuf *b, char c);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted, escaped JSON string. */
void sbuf_json_str(struct sbuf *b, const char *s);
void sbuf_json_strn(struct sbuf *b, const char *s, size_t n);
/* Appends a double with enough precision, "null" for NaN/inf. */
void sbuf_json_double(struct sbuf *b, double v);
/* Removes a trailing ',' if present (for hand-built lists). */
void sbuf_trim_comma(struct sbuf *b);
/* Detaches the data: returns the allocation (data at *mem + head) and empties b. */
char *sbuf_detach(struct sbuf *b, size_t *head, size_t *len);

#endif
