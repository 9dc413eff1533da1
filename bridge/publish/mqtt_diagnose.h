/* SPDX-License-Identifier: MIT */
/*
 * mqtt_diagnose.h - why a broker connection failed, in words.
 *
 * Paho's synchronous client answers a failed MQTTClient_connect with a
 * bare code: -1 ("Failure") for every DNS, TCP and TLS problem, a CONNACK
 * return code (MQTT 3.1.1) or reason code (MQTT 5) when the broker refused
 * the session. n2m_mqtt_connect_text turns the codes into a reason, and
 * for -1 n2m_mqtt_probe finds the step that fails by doing it again
 * itself: resolve the host, open a TCP connection, and for TLS complete a
 * handshake with the same CA, client certificate and verification
 * settings, reporting the resolver's error, errno, or the certificate check
 * that failed (unknown CA, host name mismatch, expired, ...).
 *
 * The probe runs on the MQTT connector thread after a failed attempt (it
 * blocks up to the connect timeout per step) and costs the broker one
 * short extra connection per failure.
 */
#ifndef N2M_MQTT_DIAGNOSE_H
#define N2M_MQTT_DIAGNOSE_H

#include <stddef.h>

/* The reason for a connect return code: rc is MQTTClient_connect's result
 * (3.1.1: negative Paho codes, 1..5 CONNACK codes) or the MQTTResponse
 * reasonCode of MQTTClient_connect5 (negative Paho codes, >= 128 reason
 * codes). Never empty, never "(null)". Returns out. */
const char *n2m_mqtt_connect_text(int mqtt5, int rc, char *out, size_t cap);

/* True if rc says the broker refused the session (a CONNACK came back);
 * false for transport failures that n2m_mqtt_probe can explain. */
int n2m_mqtt_connect_refused(int rc);

struct n2m_mqtt_probe_target {
	const char *host;        /* name or address, IPv6 without brackets */
	int port;
	int tls;
	int tls_verify;
	const char *ca_file;     /* NULL: the system's CAs */
	const char *cert_file;   /* client certificate, or NULL */
	const char *key_file;
	const char *key_password;
	int timeout_s;
};

/* Splits a Paho server URI ("tcp://host:1883", "ssl://[::1]:8883",
 * "ws://host:80/mqtt") into host (cap bytes) and port (the scheme's default
 * when absent). 0 or -1. */
int n2m_mqtt_uri_host_port(const char *uri, char *host, size_t cap, int *port);

/* Resolves, connects and (tls) handshakes as described above. Returns 0
 * when every step worked, else -1 with the failing step and its reason in
 * out ("cannot resolve host x: Name or service not known",
 * "cannot connect to 127.0.0.1:1: Connection refused", "TLS: certificate
 * verify failed: unable to get local issuer certificate (check
 * mqtt.ca_file)", ...). */
int n2m_mqtt_probe(const struct n2m_mqtt_probe_target *t, char *out, size_t cap);

#endif
