/* SPDX-License-Identifier: MIT */
/*
 * tls_mem.c - OpenSSL client sessions over two memory BIOs (see tls_mem.h):
 * rbio holds ciphertext from the server until SSL_read takes it, wbio
 * collects what SSL writes until the caller sends it.
 */
#include "tls_mem.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct n2m_tls_ctx {
	SSL_CTX *ssl_ctx;
	int verify;
};

struct n2m_tls {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
	int verify;
};

/* The first queued OpenSSL error as text, or fallback. */
static void openssl_error(char *err, size_t errlen, const char *fallback)
{
	unsigned long e = ERR_get_error();
	char text[256];

	if (!e) {
		snprintf(err, errlen, "%s", fallback);
		return;
	}
	ERR_error_string_n(e, text, sizeof(text));
	snprintf(err, errlen, "%s: %s", fallback, text);
	ERR_clear_error();
}

struct n2m_tls_ctx *n2m_tls_ctx_new(const char *ca_file, int verify, char *err, size_t errlen)
{
	struct n2m_tls_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx || !(ctx->ssl_ctx = SSL_CTX_new(TLS_client_method()))) {
		snprintf(err, errlen, "TLS: cannot create a context");
		free(ctx);
		return NULL;
	}
	ctx->verify = verify;
	SSL_CTX_set_min_proto_version(ctx->ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx->ssl_ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	int loaded = ca_file && *ca_file
		? SSL_CTX_load_verify_locations(ctx->ssl_ctx, ca_file, NULL)
		: SSL_CTX_set_default_verify_paths(ctx->ssl_ctx);
	if (verify && loaded != 1) {
		char why[300];
		snprintf(why, sizeof(why), "TLS: cannot load the CAs%s%s",
			 ca_file && *ca_file ? " of navixy.ca_file " : "", ca_file ? ca_file : "");
		openssl_error(err, errlen, why);
		n2m_tls_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void n2m_tls_ctx_free(struct n2m_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

/* The name the certificate must carry: an IP address or a DNS name. */
static int set_peer_name(SSL *ssl, const char *host)
{
	unsigned char addr[16];
	int is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

	if (is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1;
	if (SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	return SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

struct n2m_tls *n2m_tls_new(struct n2m_tls_ctx *ctx, const char *host, char *err, size_t errlen)
{
	struct n2m_tls *t = calloc(1, sizeof(*t));

	if (!t || !(t->ssl = SSL_new(ctx->ssl_ctx))) {
		free(t);
		snprintf(err, errlen, "TLS: cannot create a session");
		return NULL;
	}
	t->verify = ctx->verify;
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->rbio || !t->wbio) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		SSL_free(t->ssl);
		free(t);
		snprintf(err, errlen, "TLS: out of memory");
		return NULL;
	}
	/* An empty read BIO means "wait for more", not end of file. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_connect_state(t->ssl);
	if (set_peer_name(t->ssl, host) != 0 && t->verify) {
		openssl_error(err, errlen, "TLS: cannot set the host name to verify");
		n2m_tls_free(t);
		return NULL;
	}
	return t;
}

void n2m_tls_free(struct n2m_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl); /* frees both BIOs */
	free(t);
}

int n2m_tls_put_cipher(struct n2m_tls *t, const void *data, size_t len)
{
	while (len > 0) {
		int chunk = len > 1 << 30 ? 1 << 30 : (int)len;
		int n = BIO_write(t->rbio, data, chunk);
		if (n <= 0)
			return -1;
		data = (const char *)data + n;
		len -= (size_t)n;
	}
	return 0;
}

/* What an SSL call's failure means: 0 wait, -1 error (err), -2 closed. */
static int failure(struct n2m_tls *t, int rc, char *err, size_t errlen)
{
	int e = SSL_get_error(t->ssl, rc);
	long verify;

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e == SSL_ERROR_ZERO_RETURN)
		return -2;
	verify = SSL_get_verify_result(t->ssl);
	if (t->verify && verify != X509_V_OK) {
		snprintf(err, errlen, "TLS: certificate verify failed: %s",
			 X509_verify_cert_error_string(verify));
		ERR_clear_error();
		return -1;
	}
	openssl_error(err, errlen, "TLS error");
	return -1;
}

int n2m_tls_read(struct n2m_tls *t, void *buf, size_t cap, char *err, size_t errlen)
{
	int want = cap > 1 << 30 ? 1 << 30 : (int)cap;

	ERR_clear_error();
	int n = SSL_read(t->ssl, buf, want);
	return n > 0 ? n : failure(t, n, err, errlen);
}

int n2m_tls_write(struct n2m_tls *t, const void *data, size_t len, char *err, size_t errlen)
{
	int want = len > 1 << 30 ? 1 << 30 : (int)len;

	if (len == 0)
		return 0;
	ERR_clear_error();
	int n = SSL_write(t->ssl, data, want);
	if (n > 0)
		return n;
	n = failure(t, n, err, errlen);
	return n == -2 ? -1 : n;
}

int n2m_tls_handshake(struct n2m_tls *t, char *err, size_t errlen)
{
	ERR_clear_error();
	int rc = SSL_do_handshake(t->ssl);
	if (rc == 1)
		return 1;
	rc = failure(t, rc, err, errlen);
	if (rc == -2) {
		snprintf(err, errlen, "TLS: the server closed the session during the handshake");
		return -1;
	}
	return rc;
}

size_t n2m_tls_take_cipher(struct n2m_tls *t, void *buf, size_t cap)
{
	int want = cap > 1 << 30 ? 1 << 30 : (int)cap;
	int n = BIO_read(t->wbio, buf, want);
	return n > 0 ? (size_t)n : 0;
}

size_t n2m_tls_cipher_pending(const struct n2m_tls *t)
{
	return BIO_ctrl_pending(t->wbio);
}
