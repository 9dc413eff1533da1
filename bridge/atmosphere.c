/*
 * atmosphere.c - Atmosphere handshake, heartbeat and length-prefix framing.
 * Pure functions; see atmosphere.h and shared/spec/atmosphere-protocol.md.
 */
#include "atmosphere.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Finds the next '|' in [s, s+len); returns its index or -1. */
static long find_bar(const char *s, size_t len)
{
	const char *p = memchr(s, '|', len);
	return p ? (long)(p - s) : -1;
}

/* Parses a run of ASCII digits (at least one, at most 18) as a number. */
static int parse_digits(const char *s, size_t len, unsigned long long *out)
{
	if (len == 0 || len > 18)
		return -1;
	unsigned long long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

int atmo_parse_handshake(const char *frame, size_t len, int track_size,
			 struct atmo_handshake *out)
{
	const char *p = frame;
	size_t rest = len;
	long bar;

	if (!frame || len == 0 || frame[0] == '{' || frame[0] == '[')
		return -1;
	if (track_size) {
		bar = find_bar(p, rest);
		if (bar < 0)
			return -1;
		p += bar + 1;
		rest -= (size_t)bar + 1;
	}
	/* uuid */
	bar = find_bar(p, rest);
	if (bar <= 0 || bar > ATMO_UUID_MAX)
		return -1;
	const char *uuid = p;
	size_t uuid_len = (size_t)bar;
	trim(&uuid, &uuid_len);
	if (uuid_len == 0)
		return -1;
	for (size_t i = 0; i < uuid_len; i++) {
		unsigned char c = (unsigned char)uuid[i];
		if (!(isalnum(c) || c == '-' || c == '_'))
			return -1;
	}
	p += bar + 1;
	rest -= (size_t)bar + 1;
	/* client heartbeat interval */
	bar = find_bar(p, rest);
	if (bar < 0)
		return -1;
	const char *ms = p;
	size_t ms_len = (size_t)bar;
	trim(&ms, &ms_len);
	unsigned long long interval;
	if (parse_digits(ms, ms_len, &interval) != 0 || interval > 86400000ULL)
		return -1;
	p += bar + 1;
	rest -= (size_t)bar + 1;
	/* padding: up to the trailing '|' (or the end of the frame) */
	bar = find_bar(p, rest);
	size_t pad_len = bar < 0 ? rest : (size_t)bar;
	if (pad_len > ATMO_PADDING_MAX)
		return -1;

	memcpy(out->uuid, uuid, uuid_len);
	out->uuid[uuid_len] = '\0';
	out->client_heartbeat_ms = (long)interval;
	if (pad_len == 0) {
		strcpy(out->padding, "X");
	} else {
		memcpy(out->padding, p, pad_len);
		out->padding[pad_len] = '\0';
	}
	return 0;
}

int atmo_format_handshake(char *buf, size_t cap, const char *uuid,
			  long client_heartbeat_ms, const char *padding)
{
	int n = snprintf(buf, cap, "%s|%ld|%s|", uuid, client_heartbeat_ms, padding);
	return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

int atmo_is_heartbeat(const char *msg, size_t len, const char *padding)
{
	trim(&msg, &len);
	if (len == 0)
		return 1;
	size_t plen = strlen(padding);
	return plen > 0 && len == plen && memcmp(msg, padding, plen) == 0;
}

/* Byte length of the UTF-8 sequence that starts with lead byte c (1 if
 * invalid), and the UTF-16 units it stands for. */
static void utf8_seq(unsigned char c, size_t *bytes, size_t *units)
{
	if (c < 0x80) {
		*bytes = 1; *units = 1;
	} else if ((c & 0xE0) == 0xC0) {
		*bytes = 2; *units = 1;
	} else if ((c & 0xF0) == 0xE0) {
		*bytes = 3; *units = 1;
	} else if ((c & 0xF8) == 0xF0) {
		*bytes = 4; *units = 2;
	} else {
		*bytes = 1; *units = 1;
	}
}

size_t atmo_utf16_units(const char *s, size_t len)
{
	size_t units = 0, i = 0;
	while (i < len) {
		size_t b, u;
		utf8_seq((unsigned char)s[i], &b, &u);
		if (i + b > len)
			b = len - i; /* truncated sequence: count what is there once */
		i += b;
		units += u;
	}
	return units;
}

size_t atmo_bytes_for_units(const char *s, size_t len, size_t units)
{
	size_t i = 0, counted = 0;
	while (counted < units) {
		if (i >= len)
			return (size_t)-1;
		size_t b, u;
		utf8_seq((unsigned char)s[i], &b, &u);
		if (i + b > len)
			return (size_t)-1;
		i += b;
		counted += u;
	}
	return i;
}

int atmo_format_length_prefix(char *buf, size_t cap, const char *msg, size_t len)
{
	int n = snprintf(buf, cap, "%zu|", atmo_utf16_units(msg, len));
	return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

void atmo_decoder_init(struct atmo_decoder *d, int track_size, size_t max_message)
{
	memset(d, 0, sizeof(*d));
	d->track_size = track_size;
	d->max_message = max_message;
}

void atmo_decoder_reset(struct atmo_decoder *d)
{
	d->partial_len = 0;
}

int atmo_decoder_release_spare(struct atmo_decoder *d, size_t keep)
{
	if (d->partial_len || d->partial_cap <= keep)
		return 0;
	atmo_decoder_free(d);
	return 1;
}

void atmo_decoder_free(struct atmo_decoder *d)
{
	free(d->partial);
	d->partial = NULL;
	d->partial_len = d->partial_cap = 0;
}

static int append_partial(struct atmo_decoder *d, const char *s, size_t len)
{
	if (d->partial_len + len > d->partial_cap) {
		size_t cap = d->partial_cap ? d->partial_cap : 256;
		while (cap < d->partial_len + len)
			cap *= 2;
		char *p = realloc(d->partial, cap);
		if (!p)
			return -1;
		d->partial = p;
		d->partial_cap = cap;
	}
	memcpy(d->partial + d->partial_len, s, len);
	d->partial_len += len;
	return 0;
}

/* Consumes as many complete "<len>|payload" messages from buf as possible;
 * returns the number of bytes consumed, or a negative decode result. */
static long decode_run(struct atmo_decoder *d, const char *buf, size_t len,
		       atmo_message_fn fn, void *ctx)
{
	size_t pos = 0;
	while (pos < len) {
		long bar = find_bar(buf + pos, len - pos);
		if (bar < 0) {
			/* Only digits may wait for the rest of a length prefix. */
			for (size_t i = pos; i < len; i++)
				if (buf[i] < '0' || buf[i] > '9')
					return ATMO_DECODE_BAD_LENGTH;
			if (len - pos > 18)
				return ATMO_DECODE_BAD_LENGTH;
			break;
		}
		unsigned long long units;
		if (parse_digits(buf + pos, (size_t)bar, &units) != 0)
			return ATMO_DECODE_BAD_LENGTH;
		/* A UTF-16 unit takes at least one byte, at most three. */
		if (d->max_message && units > d->max_message)
			return ATMO_DECODE_TOO_LARGE;
		const char *payload = buf + pos + (size_t)bar + 1;
		size_t avail = len - pos - (size_t)bar - 1;
		size_t nbytes = atmo_bytes_for_units(payload, avail, (size_t)units);
		if (nbytes == (size_t)-1) {
			if (d->max_message && avail > 3 * d->max_message)
				return ATMO_DECODE_TOO_LARGE;
			break;
		}
		if (d->max_message && nbytes > d->max_message)
			return ATMO_DECODE_TOO_LARGE;
		fn(ctx, payload, nbytes);
		pos += (size_t)bar + 1 + nbytes;
	}
	return (long)pos;
}

enum atmo_decode_result atmo_decoder_feed(struct atmo_decoder *d, const char *frame,
					  size_t len, atmo_message_fn fn, void *ctx)
{
	if (!d->track_size) {
		if (d->max_message && len > d->max_message)
			return ATMO_DECODE_TOO_LARGE;
		fn(ctx, frame, len);
		return ATMO_DECODE_OK;
	}

	const char *buf = frame;
	size_t buf_len = len;
	if (d->partial_len) {
		if (append_partial(d, frame, len) != 0) {
			d->partial_len = 0;
			return ATMO_DECODE_NOMEM;
		}
		buf = d->partial;
		buf_len = d->partial_len;
	}

	long used = decode_run(d, buf, buf_len, fn, ctx);
	if (used < 0) {
		d->partial_len = 0;
		return (enum atmo_decode_result)used;
	}
	size_t left = buf_len - (size_t)used;
	if (buf == d->partial) {
		memmove(d->partial, d->partial + used, left);
		d->partial_len = left;
	} else if (left) {
		if (append_partial(d, frame + used, left) != 0) {
			d->partial_len = 0;
			return ATMO_DECODE_NOMEM;
		}
	}
	return ATMO_DECODE_OK;
}
