/*
 * topic.c - topic levels from labels, topic strings, and the publish-side
 * topic name check (see topic.h for the sanitising rule).
 */
#include "topic.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if invalid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	return n;
}

int n2m_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

/* True for bytes/characters that may not appear in a topic level we make:
 * MQTT wildcards, the level separator, and C0/C1 control characters. */
static int is_forbidden(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0] < 0x20 || s[0] == 0x7F || s[0] == '+' || s[0] == '#' || s[0] == '/';
	return n == 2 && s[0] == 0xC2 && s[1] < 0xA0; /* U+0080..U+009F */
}

size_t n2m_topic_id_from_tracker_id(int64_t id, char out[N2M_TOPIC_LEVEL_MAX + 1])
{
	int n = snprintf(out, N2M_TOPIC_LEVEL_MAX + 1, "%" PRId64, id);
	return n > 0 ? (size_t)n : 0;
}

size_t n2m_topic_sanitize_label(const char *label, size_t label_len, int64_t fallback_id,
				char out[N2M_TOPIC_LEVEL_MAX + 1])
{
	const unsigned char *s = (const unsigned char *)(label ? label : "");
	if (!label)
		label_len = 0;
	size_t i = 0, o = 0;
	while (i < label_len && s[i] == ' ')
		i++;
	int meaningful = 0; /* anything besides '_' and spaces */
	while (i < label_len) {
		size_t n = utf8_seq_len(s + i, label_len - i);
		const unsigned char *src = s + i;
		size_t out_n = n;
		if (!n || is_forbidden(src, n)) {
			src = (const unsigned char *)"_";
			out_n = 1;
			if (!n)
				n = 1; /* an invalid byte is replaced on its own */
		}
		if (o + out_n > N2M_TOPIC_LEVEL_MAX)
			break; /* never cut a character in half */
		memcpy(out + o, src, out_n);
		if (!(out_n == 1 && (src[0] == '_' || src[0] == ' ')))
			meaningful = 1;
		o += out_n;
		i += n;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (!meaningful || o == 0)
		return n2m_topic_id_from_tracker_id(fallback_id, out);
	return o;
}

const char *n2m_topic_class_suffix(enum n2m_topic_class cls)
{
	switch (cls) {
	case N2M_CLASS_STATE: return "state";
	case N2M_CLASS_LOCATION: return "location";
	case N2M_CLASS_AVAILABILITY: return "availability";
	case N2M_CLASS_READINGS: return "readings";
	case N2M_CLASS_IOT_MONITOR: return "iot_monitor";
	case N2M_CLASS_LIFECYCLE: return "lifecycle";
	case N2M_CLASS_EVENT: return "event";
	case N2M_CLASS_COUNT: break;
	}
	return "unknown";
}

/* Joins the parts with '/' into buf; -1 (and "") if it does not fit. */
static int join(char *buf, size_t cap, const char *const *parts, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);
		if (o + l + (i ? 1 : 0) + 1 > cap) {
			if (cap)
				buf[0] = '\0';
			return -1;
		}
		if (i)
			buf[o++] = '/';
		memcpy(buf + o, parts[i], l);
		o += l;
	}
	buf[o] = '\0';
	return (int)o;
}

int n2m_topic_tracker(char *buf, size_t cap, const char *base, const char *topic_id,
		      const char *suffix)
{
	const char *parts[] = { base, "tracker", topic_id, suffix };
	return join(buf, cap, parts, 4);
}

int n2m_topic_bridge(char *buf, size_t cap, const char *base, const char *name)
{
	const char *parts[] = { base, "bridge", name };
	return join(buf, cap, parts, 3);
}

static char *join_dup(const char *const *parts, size_t n)
{
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += strlen(parts[i]) + 1;
	char *p = malloc(total);
	if (p && join(p, total, parts, n) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

char *n2m_topic_tracker_dup(const char *base, const char *topic_id, const char *suffix)
{
	const char *parts[] = { base, "tracker", topic_id, suffix };
	return join_dup(parts, 4);
}

char *n2m_topic_bridge_dup(const char *base, const char *name)
{
	const char *parts[] = { base, "bridge", name };
	return join_dup(parts, 3);
}

int n2m_topic_validate_publish(const char *topic, size_t len, char *err, size_t errlen)
{
	const char *why = NULL;
	if (!topic || len == 0)
		why = "empty";
	else if (len > 65535)
		why = "longer than 65535 bytes";
	else if (memchr(topic, '\0', len))
		why = "contains a NUL character";
	else if (memchr(topic, '+', len) || memchr(topic, '#', len))
		why = "contains a wildcard ('+' or '#')";
	else if (!n2m_utf8_valid(topic, len))
		why = "is not valid UTF-8";
	if (!why)
		return 0;
	snprintf(err, errlen, "topic: %s", why);
	return -1;
}
