/* SPDX-License-Identifier: MIT */
/*
 * ws_writer.c - masked client frames (see ws_writer.h). The client sends
 * little (Atmosphere heartbeats, pongs, a close), so masking goes byte by
 * byte.
 */
#include "ws_writer.h"

#include <string.h>

#include "ws_reader.h"

size_t ws_frame_size(size_t len)
{
	size_t head = len < 126 ? 2 : len <= 0xFFFF ? 4 : 10;
	return head + 4 + len;
}

static int known_opcode(unsigned op)
{
	return op <= WS_OP_BINARY || (op >= WS_OP_CLOSE && op <= WS_OP_PONG);
}

/* Writes the header up to and including the key; returns its size. */
static size_t write_header(uint8_t *o, unsigned opcode, int fin, const uint8_t key[4], size_t len)
{
	size_t h = 2;

	o[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	if (len < 126) {
		o[1] = (uint8_t)(0x80 | len);
	} else if (len <= 0xFFFF) {
		o[1] = 0x80 | 126;
		o[2] = (uint8_t)(len >> 8);
		o[3] = (uint8_t)len;
		h = 4;
	} else {
		o[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			o[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		h = 10;
	}
	memcpy(o + h, key, 4);
	return h + 4;
}

size_t ws_write_frame(void *out, size_t cap, unsigned opcode, int fin, const uint8_t key[4],
		      const void *payload, size_t len)
{
	uint8_t *o = out;
	const uint8_t *p = payload;

	if (!known_opcode(opcode))
		return 0;
	if ((opcode & 0x8) && (!fin || len > WS_CONTROL_MAX))
		return 0;
	if (len > SIZE_MAX - 14 || ws_frame_size(len) > cap)
		return 0;
	size_t h = write_header(o, opcode, fin, key, len);
	for (size_t i = 0; i < len; i++)
		o[h + i] = p[i] ^ key[i & 3];
	return h + len;
}

size_t ws_write_close(void *out, size_t cap, const uint8_t key[4], uint16_t code,
		      const char *reason, size_t reason_len)
{
	uint8_t body[WS_CONTROL_MAX] = { 0 };

	if (code == 0)
		return ws_write_frame(out, cap, WS_OP_CLOSE, 1, key, body, 0);
	if (reason_len > WS_CONTROL_MAX - 2)
		return 0;
	body[0] = (uint8_t)(code >> 8);
	body[1] = (uint8_t)code;
	if (reason_len)
		memcpy(body + 2, reason, reason_len);
	return ws_write_frame(out, cap, WS_OP_CLOSE, 1, key, body, reason_len + 2);
}
