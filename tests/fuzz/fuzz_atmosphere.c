/* SPDX-License-Identifier: MIT */
/*
 * fuzz_atmosphere.c - libFuzzer target for the Atmosphere framing: the
 * handshake parser and the message decoder in both track modes, fed the
 * input as frames split where the input says. Nothing may crash, every
 * delivered message must lie within the bytes fed, and the partial buffer
 * never holds more than a length prefix and the limit.
 *
 * Input layout: byte 0 selects the split step (frames of 1..16 bytes, or
 * the whole input at once); the rest is the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "atmosphere.h"
#include "fuzz_exact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t messages;
	size_t bytes;
	size_t limit;
};

static void on_message(void *ctx, const char *msg, size_t len)
{
	struct seen *s = ctx;
	if (len > s->limit || (len && !msg))
		abort();
	/* Touch every byte so ASan sees an out-of-bounds message. */
	volatile unsigned char sum = 0;
	for (size_t i = 0; i < len; i++)
		sum ^= (unsigned char)msg[i];
	(void)sum;
	s->messages++;
	s->bytes += len;
}

static void decode(const char *stream, size_t size, int track_size, size_t step)
{
	struct atmo_decoder d;
	struct seen s = { .limit = 4096 };
	atmo_decoder_init(&d, track_size, s.limit);
	for (size_t off = 0; off < size;) {
		size_t n = step && size - off > step ? step : size - off;
		atmo_decoder_feed(&d, stream + off, n, on_message, &s);
		/* The reassembly buffer holds a prefix and the limit at most. */
		if (d.partial_len > s.limit + ATMO_PREFIX_MAX)
			abort();
		off += n;
	}
	atmo_decoder_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t step = data[0] % 17; /* 0 = one frame */
	size_t len = size - 1;
	char *copy = fuzz_exact_copy(data + 1, len);
	if (!copy)
		return 0;
	const char *stream = copy;

	for (int track = 0; track <= 1; track++) {
		struct atmo_handshake h;
		if (atmo_parse_handshake(stream, len, track, &h) == 0) {
			if (strlen(h.uuid) > ATMO_UUID_MAX || strlen(h.padding) > ATMO_PADDING_MAX)
				abort();
			char buf[512];
			atmo_format_handshake(buf, sizeof(buf), h.uuid, h.client_heartbeat_ms, h.padding);
			atmo_is_heartbeat(stream, len, h.padding);
		}
		decode(stream, len, track, step);
	}
	atmo_is_heartbeat(stream, len, "X");
	size_t units = atmo_utf16_units(stream, len);
	size_t bytes = atmo_bytes_for_units(stream, len, units);
	if (bytes != (size_t)-1 && bytes > len)
		abort();
	char prefix[32];
	atmo_format_length_prefix(prefix, sizeof(prefix), stream, len);
	free(copy);
	return 0;
}
