/*
 * topic.h - MQTT topic names: the tracker's topic level, tracker and bridge
 * topics, and the publish-side validity check.
 *
 * Label sanitising rule (topics.id_mode = label), producing one topic level:
 *   1. '+', '#', '/', NUL and control characters (U+0000..U+001F, U+007F,
 *      U+0080..U+009F) and each byte that is not part of valid UTF-8
 *      become '_';
 *   2. leading and trailing spaces are trimmed;
 *   3. the result is cut to at most 64 bytes, never inside a UTF-8
 *      character;
 *   4. an empty result (or one made only of '_' and spaces) falls back to
 *      the tracker id in decimal, so a level is never empty.
 * Topics: <base>/tracker/<topic id>/<suffix> and <base>/bridge/<name>.
 */
#ifndef N2M_TOPIC_H
#define N2M_TOPIC_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define N2M_TOPIC_LEVEL_MAX 64

/* Sanitises label (label_len bytes, may contain NUL) into out (at least
 * N2M_TOPIC_LEVEL_MAX + 1 bytes). Returns the length written. */
size_t n2m_topic_sanitize_label(const char *label, size_t label_len, int64_t fallback_id,
				char out[N2M_TOPIC_LEVEL_MAX + 1]);

/* The topic level of a tracker id: its decimal form. Returns the length. */
size_t n2m_topic_id_from_tracker_id(int64_t id, char out[N2M_TOPIC_LEVEL_MAX + 1]);

/* "state", "location", "availability", "readings", "iot_monitor",
 * "lifecycle", "event" (the last one is a bridge topic). */
const char *n2m_topic_class_suffix(enum n2m_topic_class cls);

/* Writes <base>/tracker/<topic_id>/<suffix> into buf. Returns the length,
 * or -1 if it does not fit (buf then holds an empty string). */
int n2m_topic_tracker(char *buf, size_t cap, const char *base, const char *topic_id,
		      const char *suffix);
/* Writes <base>/bridge/<name>. Same convention. */
int n2m_topic_bridge(char *buf, size_t cap, const char *base, const char *name);

/* The same, malloc'd; NULL on no memory. */
char *n2m_topic_tracker_dup(const char *base, const char *topic_id, const char *suffix);
char *n2m_topic_bridge_dup(const char *base, const char *name);

/* True if s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int n2m_utf8_valid(const char *s, size_t len);

/* Checks a topic name for PUBLISH: 1..65535 bytes, valid UTF-8, no NUL,
 * no '+' or '#'. Returns 0, or -1 with the reason in err. */
int n2m_topic_validate_publish(const char *topic, size_t len, char *err, size_t errlen);

#endif
