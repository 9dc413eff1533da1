/* SPDX-License-Identifier: MIT */
/*
 * topic.c - topic levels from labels, topic strings, and the publish-side
 * topic name check (see topic.h for the sanitising rule).
 */
#include "topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"

/* True for the code points no topic name may hold (Mosquitto refuses them
 * and disconnects the client that sends one): U+0000, the C0 and C1
 * control characters and the Unicode noncharacters. */
static int code_point_illegal(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || n2m_utf8_is_noncharacter(cp);
}

/* True for characters that may not appear in a topic level we make from a
 * label: the illegal ones, the MQTT wildcards and the level separator. */
static int level_char_forbidden(uint32_t cp)
{
	return code_point_illegal(cp) || cp == '+' || cp == '#' || cp == '/';
}

size_t n2m_topic_id_from_tracker_id(int64_t id, char out[N2M_TOPIC_LEVEL_MAX + 1])
{
	_Static_assert(N2M_TOPIC_LEVEL_MAX + 1 >= N2M_DECIMAL_TEXT_MAX, "room for any id");
	size_t n = n2m_decimal_format_int(id, out);
	out[n] = '\0';
	return n;
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
		uint32_t cp = 0;
		size_t bad;
		size_t n = n2m_utf8_decode(s + i, label_len - i, &cp, &bad);
		const unsigned char *src = s + i;
		size_t out_n = n;
		if (!n || level_char_forbidden(cp)) {
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

const char *n2m_topic_text_why_illegal(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7F) {
			i++; /* printable ASCII: the common case */
			continue;
		}
		uint32_t cp;
		size_t bad;
		size_t n = n2m_utf8_decode(p + i, len - i, &cp, &bad);
		if (!n)
			return "is not valid UTF-8";
		if (cp == 0)
			return "contains a NUL character";
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return "contains a control character";
		if (code_point_illegal(cp))
			return "contains a Unicode noncharacter";
		i += n;
	}
	return NULL;
}

const char *n2m_topic_name_why_illegal(const char *topic, size_t len)
{
	if (!topic || len == 0)
		return "empty";
	if (len > N2M_TOPIC_NAME_MAX)
		return "longer than 65535 bytes";
	if (memchr(topic, '+', len) || memchr(topic, '#', len))
		return "contains a wildcard ('+' or '#')";
	return n2m_topic_text_why_illegal(topic, len);
}

int n2m_topic_name_is_legal(const char *topic, size_t len)
{
	return n2m_topic_name_why_illegal(topic, len) == NULL;
}

int n2m_topic_validate_publish(const char *topic, size_t len, char *err, size_t errlen)
{
	const char *why = n2m_topic_name_why_illegal(topic, len);
	if (!why)
		return 0;
	snprintf(err, errlen, "topic: %s", why);
	return -1;
}
