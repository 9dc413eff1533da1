/* SPDX-License-Identifier: MIT */
/*
 * atmosphere.c - Atmosphere handshake, heartbeat and length-prefix framing.
 * Pure functions; see atmosphere.h and docs/protocol.md
 * ("The WebSocket and Atmosphere").
 */
#include "atmosphere.h"

#include <ctype.h>
#include <limits.h>
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
	if (parse_digits(ms, ms_len, &interval) != 0)
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
	/* Kept as advertised (the caller clamps it and says so). */
	out->client_heartbeat_ms = interval > (unsigned long long)LONG_MAX ? LONG_MAX : (long)interval;
	if (pad_len == 0) {
		strcpy(out->padding, "X");
	} else {
		memcpy(out->padding, p, pad_len);
		out->padding[pad_len] = '\0';
	}
	return 0;
}

long atmo_heartbeat_clamp_ms(long advertised_ms)
{
	if (advertised_ms <= 0)
		return 0;
	if (advertised_ms < ATMO_HEARTBEAT_MIN_MS)
		return ATMO_HEARTBEAT_MIN_MS;
	return advertised_ms > ATMO_HEARTBEAT_MAX_MS ? ATMO_HEARTBEAT_MAX_MS : advertised_ms;
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
	d->skip_units = d->skip_cont = 0;
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

static int skipping(const struct atmo_decoder *d)
{
	return d->skip_units || d->skip_cont;
}

/* Consumes the bytes of a too-large message from s, counting UTF-16 units
 * the way atmo_bytes_for_units does (a lead byte brings its whole sequence),
 * across frames; returns the bytes consumed (all of s while still
 * skipping). */
static size_t skip_bytes(struct atmo_decoder *d, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && skipping(d)) {
		if (d->skip_cont) {
			d->skip_cont--;
			i++;
			continue;
		}
		size_t b, u;
		utf8_seq((unsigned char)s[i++], &b, &u);
		d->skip_units -= u < d->skip_units ? u : d->skip_units;
		d->skip_cont = b - 1;
	}
	return i;
}

/* Starts skipping a message of `units` announced units whose payload
 * begins at payload[0..avail); returns the payload bytes consumed. */
static size_t skip_message(struct atmo_decoder *d, const char *payload, size_t avail,
			   unsigned long long units)
{
	d->skip_units = (size_t)units;
	d->skip_cont = 0;
	return skip_bytes(d, payload, avail);
}

/* Consumes as many complete "<len>|payload" messages from buf as possible;
 * returns the number of bytes consumed, or a negative decode result. What
 * is left is at most one prefix and max_message bytes of an incomplete
 * message. Sets *too_large when a message was (or is being) skipped. */
static long decode_run(struct atmo_decoder *d, const char *buf, size_t len,
		       atmo_message_fn fn, void *ctx, int *too_large)
{
	size_t pos = 0;
	while (pos < len) {
		long bar = find_bar(buf + pos, len - pos);
		if (bar < 0) {
			/* Only digits may wait for the rest of a length prefix. */
			for (size_t i = pos; i < len; i++)
				if (buf[i] < '0' || buf[i] > '9')
					return ATMO_DECODE_BAD_LENGTH;
			if (len - pos >= ATMO_PREFIX_MAX)
				return ATMO_DECODE_BAD_LENGTH;
			break;
		}
		unsigned long long units;
		if (parse_digits(buf + pos, (size_t)bar, &units) != 0)
			return ATMO_DECODE_BAD_LENGTH;
		const char *payload = buf + pos + (size_t)bar + 1;
		size_t avail = len - pos - (size_t)bar - 1;
		size_t nbytes = units > d->max_message && d->max_message
					? (size_t)-1 : atmo_bytes_for_units(payload, avail, (size_t)units);
		/* A UTF-16 unit takes at least one byte: a prefix above the limit
		 * is too large at once; an incomplete message is once the bytes
		 * it already has pass the limit; a complete one by its bytes. */
		if (d->max_message && (units > d->max_message ||
				       (nbytes == (size_t)-1 && avail >= d->max_message) ||
				       (nbytes != (size_t)-1 && nbytes > d->max_message))) {
			*too_large = 1;
			pos += (size_t)bar + 1 + skip_message(d, payload, avail, units);
			if (skipping(d))
				return (long)len;
			continue;
		}
		if (nbytes == (size_t)-1)
			break;
		fn(ctx, payload, nbytes);
		pos += (size_t)bar + 1 + nbytes;
	}
	return (long)pos;
}

/* The frame's bytes from off on, without a partial message before them:
 * decoded in place, the incomplete rest kept in the partial buffer. */
static enum atmo_decode_result decode_direct(struct atmo_decoder *d, const char *frame,
					     size_t len, atmo_message_fn fn, void *ctx,
					     int *too_large)
{
	long used = decode_run(d, frame, len, fn, ctx, too_large);
	if (used < 0)
		return (enum atmo_decode_result)used;
	size_t left = len - (size_t)used;
	if (left && append_partial(d, frame + used, left) != 0)
		return ATMO_DECODE_NOMEM;
	return ATMO_DECODE_OK;
}

/* Completes the partial message with at most what it may still hold; sets
 * *off past the frame bytes it consumed. Returns 1 when the rest of the
 * frame is to be decoded directly, 0 when the frame is used up. */
static int continue_partial(struct atmo_decoder *d, const char *frame, size_t len,
			    size_t *off, atmo_message_fn fn, void *ctx, int *too_large,
			    enum atmo_decode_result *rc)
{
	size_t old = d->partial_len;
	size_t room = d->max_message ? d->max_message + ATMO_PREFIX_MAX - old : len - *off;
	size_t take = len - *off < room ? len - *off : room;
	if (append_partial(d, frame + *off, take) != 0) {
		*rc = ATMO_DECODE_NOMEM;
		return 0;
	}
	long used = decode_run(d, d->partial, d->partial_len, fn, ctx, too_large);
	if (used < 0) {
		*rc = (enum atmo_decode_result)used;
		return 0;
	}
	if ((size_t)used < old) {
		/* Still incomplete (decode_run consumed nothing): all of it is kept,
		 * and the whole frame fit, or the message would be too large. */
		*off += take;
		return 0;
	}
	/* The partial message came out (or is being skipped): the frame goes
	 * on from the first byte the partial buffer did not consume. */
	*off += skipping(d) ? take : (size_t)used - old;
	d->partial_len = 0;
	return 1;
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
	int too_large = 0;
	enum atmo_decode_result rc = ATMO_DECODE_OK;
	size_t off = skip_bytes(d, frame, len);
	if (off < len && d->partial_len &&
	    !continue_partial(d, frame, len, &off, fn, ctx, &too_large, &rc))
		goto done;
	off += skip_bytes(d, frame + off, len - off);
	if (off < len)
		rc = decode_direct(d, frame + off, len - off, fn, ctx, &too_large);
done:
	if (rc != ATMO_DECODE_OK) {
		atmo_decoder_reset(d);
		return rc;
	}
	return too_large ? ATMO_DECODE_TOO_LARGE : ATMO_DECODE_OK;
}
