/* SPDX-License-Identifier: MIT */
/*
 * url_userinfo.h - the user:password@ part of URLs (mqtt.url,
 * navixy.api_url, navixy.ws_url): redacted in every message, and split off
 * an MQTT URL so the user name and password go into the CONNECT packet the
 * way mosquitto_sub -L takes them.
 */
#ifndef N2M_URL_USERINFO_H
#define N2M_URL_USERINFO_H

#include <stddef.h>

/* Copies url into out with the password of user:password@ replaced by
 * "<redacted>"; anything else (the user name too) stays. */
void n2m_redact_url(const char *url, char *out, size_t outlen);

/* What n2m_url_split found. Strings are malloc'd; user and password are
 * NULL when the URL has none ("host", "user@host" has no password) and
 * percent-decoded otherwise ("p%40ss" is "p@ss"). */
struct n2m_url_parts {
	char *stripped;  /* the URL without "user[:password]@" */
	char *user;
	char *password;
};

enum n2m_url_split_result {
	N2M_URL_OK = 0,
	N2M_URL_NO_MEMORY = -1,
	N2M_URL_BAD_ESCAPE = -2, /* a '%' not followed by two hex digits, or %00 */
};

/* Splits url into parts (free them with n2m_url_parts_free, also after
 * an error). */
enum n2m_url_split_result n2m_url_split(const char *url, struct n2m_url_parts *parts);
void n2m_url_parts_free(struct n2m_url_parts *parts);

/* True if url carries a user:password@ or user@ part. */
int n2m_url_has_userinfo(const char *url);

#endif
