/* SPDX-License-Identifier: MIT */
/*
 * url_userinfo.c - user:password@ in URLs: redaction and splitting (see
 * url_userinfo.h). The authority is what follows "scheme://" up to the
 * first '/', '?' or '#'; its userinfo ends at the last '@' in it, so a
 * password may hold a raw '@' as well as "%40".
 */
#include "url_userinfo.h"
#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REDACTED "<redacted>"

/* The authority of url: *host points after "scheme://" (or at url), the
 * result is the last '@' in it, or NULL. */
static const char *userinfo_end(const char *url, const char **host)
{
	const char *scheme_end = strstr(url, "://");
	const char *h = scheme_end ? scheme_end + 3 : url;
	size_t authority = strcspn(h, "/?#");
	const char *at = NULL;

	for (const char *p = h; p < h + authority; p++)
		if (*p == '@')
			at = p;
	*host = h;
	return at;
}

void n2m_redact_url(const char *url, char *out, size_t outlen)
{
	const char *host;
	const char *at = userinfo_end(url, &host);
	const char *colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;

	if (!colon) {
		snprintf(out, outlen, "%s", url);
		return;
	}
	snprintf(out, outlen, "%.*s:%s%s", (int)(colon - url), url, REDACTED, at);
}

int n2m_url_has_userinfo(const char *url)
{
	const char *host;
	return url && userinfo_end(url, &host) != NULL;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..len) into a new string; NULL with *bad set when an
 * escape is malformed or decodes to NUL. */
static char *decode(const char *s, size_t len, int *bad)
{
	char *out = malloc(len + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0 ||
		    (s[i + 1] == '0' && s[i + 2] == '0')) {
			*bad = 1;
			free(out);
			return NULL;
		}
		out[n++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
		i += 2;
	}
	out[n] = '\0';
	return out;
}

enum n2m_url_split_result n2m_url_split(const char *url, struct n2m_url_parts *parts)
{
	const char *host;
	const char *at = userinfo_end(url, &host);
	int bad = 0;

	memset(parts, 0, sizeof *parts);
	if (!at) {
		parts->stripped = strdup(url);
		return parts->stripped ? N2M_URL_OK : N2M_URL_NO_MEMORY;
	}
	const char *colon = memchr(host, ':', (size_t)(at - host));
	const char *user_end = colon ? colon : at;
	size_t prefix = (size_t)(host - url);

	parts->stripped = malloc(prefix + strlen(at + 1) + 1);
	if (!parts->stripped)
		return N2M_URL_NO_MEMORY;
	memcpy(parts->stripped, url, prefix);
	strcpy(parts->stripped + prefix, at + 1);
	parts->user = decode(host, (size_t)(user_end - host), &bad);
	if (parts->user && colon)
		parts->password = decode(colon + 1, (size_t)(at - colon - 1), &bad);
	if (bad)
		return N2M_URL_BAD_ESCAPE;
	return parts->user && (!colon || parts->password) ? N2M_URL_OK : N2M_URL_NO_MEMORY;
}

void n2m_url_parts_free(struct n2m_url_parts *parts)
{
	free(parts->stripped);
	free(parts->user);
	n2m_secret_free(parts->password); /* do not leave it in freed memory */
	memset(parts, 0, sizeof *parts);
}
