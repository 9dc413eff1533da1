/* SPDX-License-Identifier: MIT */
/*
 * atmosphere.h - the Atmosphere transport's text framing, without I/O.
 *
 * Navixy's /event/subscription speaks Atmosphere over WebSocket: a first
 * "<uuid>|<client heartbeat ms>|<padding>|" handshake frame, heartbeat frames
 * equal to the padding ("X"), and optionally "<len>|<message>" length
 * prefixes where <len> counts UTF-16 code units. Both the bridge (decoding)
 * and the simulator (encoding) use this file, so the two sides agree by
 * construction and the real atmosphere.js client checks them both.
 */
#ifndef N2M_ATMOSPHERE_H
#define N2M_ATMOSPHERE_H

#include <stddef.h>

#define ATMO_UUID_MAX 128
#define ATMO_PADDING_MAX 16

/* The client heartbeat interval the bridge keeps to, whatever the server
 * advertises: not more often than once a second (a server asking for a
 * heartbeat every few milliseconds would have the bridge flood it), not
 * less often than every five minutes (a server that advertises hours
 * still expects to hear from a live client). */
#define ATMO_HEARTBEAT_MIN_MS 1000L
#define ATMO_HEARTBEAT_MAX_MS 300000L

struct atmo_handshake {
	char uuid[ATMO_UUID_MAX + 1];
	long client_heartbeat_ms;          /* as advertised (at most LONG_MAX); 0: the
					    * server wants no client heartbeats */
	char padding[ATMO_PADDING_MAX + 1]; /* heartbeat payload, "X" by default */
};

/* Parses a handshake frame. With track_size, the frame starts with "<len>|".
 * Returns 0 on success, -1 when the frame is not a handshake (e.g. JSON). */
int atmo_parse_handshake(const char *frame, size_t len, int track_size,
			 struct atmo_handshake *out);

/* The interval to use for an advertised one: 0 stays 0 (no heartbeats),
 * anything else is brought into ATMO_HEARTBEAT_MIN_MS..ATMO_HEARTBEAT_MAX_MS. */
long atmo_heartbeat_clamp_ms(long advertised_ms);

/* Formats "<uuid>|<ms>|<padding>|" into buf; returns the length or -1. */
int atmo_format_handshake(char *buf, size_t cap, const char *uuid,
			  long client_heartbeat_ms, const char *padding);

/* True if msg is a heartbeat: equal to padding after trimming white space,
 * or blank. Never a substring test: JSON payloads contain capital X's. */
int atmo_is_heartbeat(const char *msg, size_t len, const char *padding);

/* Length of UTF-8 text in UTF-16 code units, as Atmosphere counts it.
 * Invalid bytes count one unit each (what a lenient decoder would do). */
size_t atmo_utf16_units(const char *s, size_t len);

/* Byte length of the prefix of s that holds `units` UTF-16 units, or
 * (size_t)-1 if s is shorter than that. */
size_t atmo_bytes_for_units(const char *s, size_t len, size_t units);

/* Writes "<utf16 length>|" for msg into buf; returns its length or -1. */
int atmo_format_length_prefix(char *buf, size_t cap, const char *msg, size_t len);

/* The longest length prefix the decoder reads: 18 digits and the '|'. */
#define ATMO_PREFIX_MAX 19

/* Splits a stream of frames into messages. Without track_size every frame
 * is one message. With it, messages are "<len>|<payload>" and may be split
 * across or batched within frames; the decoder keeps the partial state.
 * The partial buffer never holds more than one length prefix and
 * max_message bytes: a message whose prefix announces more (or whose bytes
 * turn out to be more) is skipped to its announced end as the bytes come,
 * without buffering them, and the messages after it are decoded as usual. */
struct atmo_decoder {
	int track_size;
	size_t max_message;  /* bytes; a longer message is skipped (TOO_LARGE) */
	char *partial;
	size_t partial_len;
	size_t partial_cap;
	size_t skip_units;   /* UTF-16 units of a too-large message still to skip */
	size_t skip_cont;    /* continuation bytes of a UTF-8 sequence still to skip */
};

typedef void (*atmo_message_fn)(void *ctx, const char *msg, size_t len);

enum atmo_decode_result {
	ATMO_DECODE_OK = 0,
	ATMO_DECODE_BAD_LENGTH = -1, /* non-numeric or missing length prefix */
	ATMO_DECODE_TOO_LARGE = -2,  /* message above max_message */
	ATMO_DECODE_NOMEM = -3,
};

void atmo_decoder_init(struct atmo_decoder *d, int track_size, size_t max_message);
void atmo_decoder_reset(struct atmo_decoder *d);
void atmo_decoder_free(struct atmo_decoder *d);
/* Frees the reassembly buffer when it holds no partial message and has
 * grown above keep bytes (a snapshot-sized message passed through);
 * returns 1 if it did. */
int atmo_decoder_release_spare(struct atmo_decoder *d, size_t keep);

/* Feeds one received frame; calls fn once per complete message. A
 * too-large message is skipped (TOO_LARGE is returned for the frame where
 * it starts, the frames that carry its rest are consumed quietly) and the
 * messages around it still come out. On any other error, the partial state
 * is dropped so the next frame starts clean. */
enum atmo_decode_result atmo_decoder_feed(struct atmo_decoder *d, const char *frame,
					  size_t len, atmo_message_fn fn, void *ctx);

#endif
