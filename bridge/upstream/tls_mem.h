/* SPDX-License-Identifier: MIT */
/*
 * tls_mem.h - a TLS client session driven through OpenSSL memory BIOs: the
 * caller moves the ciphertext between the socket and the session, so TLS
 * runs on any byte transport (here a raw libwebsockets connection, whose
 * client side in lws 4.1 has no TLS of its own).
 *
 * Verification is what the libwebsockets path does: the server's chain
 * against navixy.ca_file or the system's CAs, and its name (DNS name or IP
 * address) against the host connected to; both off with navixy.tls_verify
 * = false.
 */
#ifndef N2M_TLS_MEM_H
#define N2M_TLS_MEM_H

#include <stddef.h>

struct n2m_tls_ctx;     /* the SSL_CTX: CA settings, shared by sessions */
struct n2m_tls;         /* one session */

/* ca_file: "" or NULL for the system's CAs. NULL with err on failure. */
struct n2m_tls_ctx *n2m_tls_ctx_new(const char *ca_file, int verify, char *err, size_t errlen);
void n2m_tls_ctx_free(struct n2m_tls_ctx *ctx);

/* A client session for host (SNI unless an IP address; the name checked). */
struct n2m_tls *n2m_tls_new(struct n2m_tls_ctx *ctx, const char *host, char *err, size_t errlen);
void n2m_tls_free(struct n2m_tls *t);

/* Ciphertext from the socket. 0 or -1 (no memory). */
int n2m_tls_put_cipher(struct n2m_tls *t, const void *data, size_t len);

/* Plaintext read from what was put: > 0 bytes, 0 when more ciphertext is
 * needed, -1 on a TLS error (err says why: the handshake, a certificate
 * check, a bad record), -2 when the server closed the TLS session. */
int n2m_tls_read(struct n2m_tls *t, void *buf, size_t cap, char *err, size_t errlen);

/* Encrypts plaintext: bytes taken (0 while the handshake is not done), or
 * -1 on a TLS error with err. */
int n2m_tls_write(struct n2m_tls *t, const void *data, size_t len, char *err, size_t errlen);

/* Drives the handshake on (it also advances from read and write).
 * 1 done, 0 waiting for the server, -1 failed with err. */
int n2m_tls_handshake(struct n2m_tls *t, char *err, size_t errlen);

/* Ciphertext waiting for the socket: up to cap bytes moved into buf. */
size_t n2m_tls_take_cipher(struct n2m_tls *t, void *buf, size_t cap);
size_t n2m_tls_cipher_pending(const struct n2m_tls *t);

#endif
