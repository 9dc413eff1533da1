/* SPDX-License-Identifier: MIT */
/*
 * retained_digest.c - "is it the same retained payload" for a takeover
 * (retained_digest.h).
 */
#include "retained_digest.h"

#include <string.h>

#include "hash64.h"
#include "json_scan.h"
#include "topic.h"

/* <base>/tracker/<id>/<the readings class's suffix> */
static int is_readings_topic(const char *topic)
{
	const char *suffix = n2m_topic_class_suffix(N2M_CLASS_READINGS);
	size_t n = strlen(topic), k = strlen(suffix);
	return n > k && topic[n - k - 1] == '/' && memcmp(topic + n - k, suffix, k) == 0;
}

/* The value slice of text's top-level "timestamp", or 0. The payload may
 * come from anyone publishing on the broker, so only canonical JSON (what
 * the bridge itself renders) is walked. */
static int timestamp_value(const char *text, size_t len, const char **val, size_t *val_len)
{
	if (len < 2 || text[0] != '{' || !n2m_json_is_canonical(text, len))
		return 0;
	struct n2m_json_iter it;
	struct n2m_json_member m;
	n2m_json_iter_init(&it, text, len);
	while (n2m_json_next_member(&it, &m)) {
		if (n2m_json_key_is(&m, "timestamp")) {
			*val = m.val;
			*val_len = m.val_len;
			return 1;
		}
	}
	return 0;
}

struct n2m_retained_digest n2m_retained_digest(const char *topic, const void *payload, size_t len)
{
	const char *text = payload, *val;
	size_t val_len;
	if (!is_readings_topic(topic) || !timestamp_value(text, len, &val, &val_len))
		return (struct n2m_retained_digest){ n2m_hash64(text, len), len };
	size_t before = (size_t)(val - text), after = len - before - val_len;
	/* Two halves, mixed so that moving bytes across the gap changes it. */
	uint64_t h = n2m_hash64(text, before) * 0x9E3779B97F4A7C15ull;
	h ^= n2m_hash64(val + val_len, after) + before;
	return (struct n2m_retained_digest){ h, before + after };
}
