/* SPDX-License-Identifier: MIT */
/*
 * mqtt_diagnose.c - reasons for failed broker connections (see
 * mqtt_diagnose.h): the return-code texts, and the probe that repeats the
 * DNS, TCP and TLS steps to find the one that fails.
 */
#include "mqtt_diagnose.h"

#include <MQTTClient.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* ---------- return codes ---------- */

/* MQTT 3.1.1 CONNACK return codes 1..5 (section 3.2.2.3). */
static const char *const connack311[] = {
	NULL,
	"unacceptable protocol version (try mqtt.protocol = 311 or 5)",
	"client identifier rejected (mqtt.client_id)",
	"server unavailable",
	"bad user name or password (check mqtt.username and mqtt.password)",
	"not authorized (check mqtt.username, mqtt.password and the broker's ACL)",
};

/* A hint after the broker's own words for the MQTT 5 codes users meet. */
static const char *hint5(int rc)
{
	switch (rc) {
	case 132: return " (try mqtt.protocol = 311)";
	case 133: return " (mqtt.client_id)";
	case 134: return " (check mqtt.username and mqtt.password)";
	case 135: return " (check mqtt.username, mqtt.password and the broker's ACL)";
	default: return "";
	}
}

int n2m_mqtt_connect_refused(int rc)
{
	return rc > 0;
}

const char *n2m_mqtt_connect_text(int mqtt5, int rc, char *out, size_t cap)
{
	if (rc < 0) {
		const char *s = MQTTClient_strerror(rc);
		snprintf(out, cap, "%s (Paho code %d)", s ? s : "client error", rc);
	} else if (!mqtt5 && rc >= 1 && rc <= 5) {
		snprintf(out, cap, "broker refused the connection: %s (CONNACK code %d)",
			 connack311[rc], rc);
	} else if (rc > 0) {
		const char *s = mqtt5 ? MQTTReasonCode_toString((enum MQTTReasonCodes)rc) : NULL;
		snprintf(out, cap, "broker refused the connection: %s%s (%s code %d)",
			 s ? s : "unknown reason", mqtt5 ? hint5(rc) : "",
			 mqtt5 ? "CONNACK reason" : "CONNACK", rc);
	} else {
		snprintf(out, cap, "no error");
	}
	return out;
}

/* ---------- the URI ---------- */

int n2m_mqtt_uri_host_port(const char *uri, char *host, size_t cap, int *port)
{
	const char *p = strstr(uri, "://");
	int tls = !strncmp(uri, "ssl://", 6) || !strncmp(uri, "wss://", 6) ||
		  !strncmp(uri, "mqtts://", 8);
	int ws = !strncmp(uri, "ws://", 5) || !strncmp(uri, "wss://", 6);
	const char *h = p ? p + 3 : uri;
	size_t hlen = strcspn(h, "/?#");
	const char *colon = NULL;

	if (h[0] == '[') {
		const char *close = memchr(h, ']', hlen);
		if (!close)
			return -1;
		colon = close[1] == ':' ? close + 1 : NULL;
		if ((size_t)(close - h - 1) >= cap)
			return -1;
		memcpy(host, h + 1, (size_t)(close - h - 1));
		host[close - h - 1] = '\0';
	} else {
		colon = memchr(h, ':', hlen);
		size_t n = colon ? (size_t)(colon - h) : hlen;
		if (n == 0 || n >= cap)
			return -1;
		memcpy(host, h, n);
		host[n] = '\0';
	}
	*port = colon ? atoi(colon + 1) : ws ? (tls ? 443 : 80) : (tls ? 8883 : 1883);
	return *port > 0 && *port < 65536 ? 0 : -1;
}

/* ---------- the probe ---------- */

/* Connects fd to ai within timeout_ms; 0 or an errno value. */
static int connect_within(int fd, const struct addrinfo *ai, int timeout_ms)
{
	int flags = fcntl(fd, F_GETFL, 0);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	int soerr = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			return errno;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int n = poll(&pfd, 1, timeout_ms);
		if (n <= 0)
			return n == 0 ? ETIMEDOUT : errno;
		socklen_t len = sizeof soerr;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	}
	fcntl(fd, F_SETFL, flags);
	return soerr;
}

/* Resolves and connects; the socket, or -1 with the reason in out. */
static int open_tcp(const struct n2m_mqtt_probe_target *t, char *out, size_t cap)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char port[8];
	int err = 0;

	snprintf(port, sizeof port, "%d", t->port);
	int rc = getaddrinfo(t->host, port, &hints, &res);
	if (rc != 0) {
		snprintf(out, cap, "cannot resolve host %s: %s", t->host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		err = connect_within(fd, ai, t->timeout_s * 1000);
		if (err == 0) {
			freeaddrinfo(res);
			return fd;
		}
		close(fd);
	}
	freeaddrinfo(res);
	snprintf(out, cap, "cannot connect to %s port %d: %s", t->host, t->port,
		 err == ETIMEDOUT ? "no answer (timed out)" : strerror(err));
	return -1;
}

/* The first queued OpenSSL error as text, or fallback. */
static const char *ssl_error_text(char *buf, size_t cap, const char *fallback)
{
	unsigned long e = ERR_get_error();
	if (!e)
		return fallback;
	ERR_error_string_n(e, buf, cap);
	/* "error:0A000086:SSL routines::certificate verify failed": keep the words. */
	char *words = strrchr(buf, ':');
	return words && words[1] ? words + 1 : buf;
}

static int setup_ctx(SSL_CTX *ctx, const struct n2m_mqtt_probe_target *t, char *out, size_t cap)
{
	char why[256];

	SSL_CTX_set_verify(ctx, t->tls_verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (t->ca_file ? SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL) != 1
		       : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(out, cap, "TLS: cannot load the CA file %s: %s",
			 t->ca_file ? t->ca_file : "(system)", ssl_error_text(why, sizeof why, "?"));
		return -1;
	}
	if (t->key_password)
		SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)t->key_password);
	if (t->cert_file && SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1) {
		snprintf(out, cap, "TLS: cannot use mqtt.cert_file %s: %s", t->cert_file,
			 ssl_error_text(why, sizeof why, "?"));
		return -1;
	}
	if (t->key_file && SSL_CTX_use_PrivateKey_file(ctx, t->key_file, SSL_FILETYPE_PEM) != 1) {
		snprintf(out, cap, "TLS: cannot use mqtt.key_file %s: %s", t->key_file,
			 ssl_error_text(why, sizeof why, "?"));
		return -1;
	}
	return 0;
}

/* What the certificate check said, with the setting to look at. */
static void verify_failure(long v, const struct n2m_mqtt_probe_target *t, char *out, size_t cap)
{
	const char *hint = "";

	if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
		hint = " (the certificate does not name the host in mqtt.url)";
	else if (v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		 v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
		 v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
		 v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
		hint = t->ca_file ? " (mqtt.ca_file is not the CA that signed the broker's certificate)"
				  : " (the system CAs do not know the broker's CA: set mqtt.ca_file)";
	snprintf(out, cap, "TLS: certificate verify failed: %s%s",
		 X509_verify_cert_error_string(v), hint);
}

/* After the handshake, a broker that refuses our client certificate says
 * so with an alert (TLS 1.3 sends it after the client is done): wait a
 * moment for one. */
static int read_alert(SSL *ssl, char *out, size_t cap)
{
	char byte, why[256];
	struct pollfd pfd = { .fd = SSL_get_fd(ssl), .events = POLLIN };

	if (poll(&pfd, 1, 500) <= 0)
		return 0;
	ERR_clear_error();
	if (SSL_read(ssl, &byte, 1) > 0 || SSL_get_error(ssl, 0) != SSL_ERROR_SSL)
		return 0;
	snprintf(out, cap, "TLS: the broker ended the handshake: %s",
		 ssl_error_text(why, sizeof why, "alert"));
	return -1;
}

static int tls_handshake(int fd, const struct n2m_mqtt_probe_target *t, char *out, size_t cap)
{
	char why[256];
	int rc = -1;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	unsigned char ip[16];
	int is_ip = inet_pton(AF_INET, t->host, ip) == 1 || inet_pton(AF_INET6, t->host, ip) == 1;
	struct timeval tv = { .tv_sec = t->timeout_s };

	ERR_clear_error();
	if (!ssl || setup_ctx(ctx, t, out, cap) != 0 || SSL_set_fd(ssl, fd) != 1) {
		if (!ssl)
			snprintf(out, cap, "TLS: out of memory");
		goto done;
	}
	SSL_set_verify(ssl, t->tls_verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (!is_ip)
		SSL_set_tlsext_host_name(ssl, t->host);
	if (t->tls_verify && (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t->host)
				    : SSL_set1_host(ssl, t->host)) != 1) {
		snprintf(out, cap, "TLS: cannot check the host name %s", t->host);
		goto done;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (SSL_connect(ssl) != 1) {
		long v = SSL_get_verify_result(ssl);
		if (t->tls_verify && v != X509_V_OK)
			verify_failure(v, t, out, cap);
		else
			snprintf(out, cap, "TLS handshake failed: %s",
				 ssl_error_text(why, sizeof why, "the broker closed the connection"));
		goto done;
	}
	rc = read_alert(ssl, out, cap);
done:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return rc;
}

int n2m_mqtt_probe(const struct n2m_mqtt_probe_target *t, char *out, size_t cap)
{
	int fd = open_tcp(t, out, cap);
	if (fd < 0)
		return -1;
	int rc = t->tls ? tls_handshake(fd, t, out, cap) : 0;
	close(fd);
	return rc;
}
