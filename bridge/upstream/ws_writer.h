/* SPDX-License-Identifier: MIT */
/*
 * ws_writer.h - the client's own RFC 6455 frames, without I/O: every frame
 * a client sends is masked with a 4-byte key the caller draws at random for
 * each frame (RFC 6455 wants it unpredictable, so it is not drawn here).
 */
#ifndef N2M_WS_WRITER_H
#define N2M_WS_WRITER_H

#include <stddef.h>
#include <stdint.h>

/* Bytes a masked frame with len payload bytes takes. */
size_t ws_frame_size(size_t len);

/* Writes one masked frame (text, binary, continuation, ping, pong or close)
 * into out. Returns its size, or 0 if out is too small, the opcode is not
 * one of those, or a control frame is fragmented or above 125 bytes. */
size_t ws_write_frame(void *out, size_t cap, unsigned opcode, int fin, const uint8_t key[4],
		      const void *payload, size_t len);

/* Writes a close frame: no payload when code is 0, else the code and the
 * reason (at most 123 bytes). Returns its size or 0 as ws_write_frame. */
size_t ws_write_close(void *out, size_t cap, const uint8_t key[4], uint16_t code,
		      const char *reason, size_t reason_len);

#endif
