/* SPDX-License-Identifier: MIT */
/*
 * topic.h - MQTT topic names: the tracker's topic level, tracker and bridge
 * topics, and the publish-side validity check.
 *
 * Label sanitising rule (topics.id_mode = label), producing one topic level:
 *   1. '+', '#', '/', NUL, control characters (U+0001..U+001F,
 *      U+007F..U+009F), Unicode noncharacters (U+FDD0..U+FDEF, U+xFFFE and
 *      U+xFFFF on every plane) and each byte that is not part of valid
 *      UTF-8 become '_';
 *   2. leading and trailing spaces are trimmed;
 *   3. the result is cut to at most 64 bytes, never inside a UTF-8
 *      character;
 *   4. an empty result (or one made only of '_' and spaces) falls back to
 *      the tracker id in decimal, so a level is never empty.
 * Two trackers whose levels come out equal are told apart by the tracker
 * table (tracker_sync.c). Every level this makes passes
 * n2m_topic_name_is_legal.
 * Topics: <base>/tracker/<topic id>/<suffix> and <base>/bridge/<name>.
 */
#ifndef N2M_TOPIC_H
#define N2M_TOPIC_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "utf8.h"

#define N2M_TOPIC_LEVEL_MAX 64
/* The MQTT limit on a topic name (a two-byte length). */
#define N2M_TOPIC_NAME_MAX 65535

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

/*
 * The one rule for the topic names the bridge sends: every topic it or a
 * plugin publishes, and MQTT 5 response topics it answers on. A legal name
 * is what Mosquitto 2.0 accepts in a PUBLISH (it disconnects a client that
 * sends anything else): 1..65535 bytes of valid UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF) without U+0000, without control
 * characters (U+0001..U+001F, U+007F..U+009F), without Unicode
 * noncharacters (U+FDD0..U+FDEF, U+xFFFE and U+xFFFF on every plane) and
 * without the wildcards '+' and '#'.
 *
 * n2m_topic_name_why_illegal returns NULL for a legal name, otherwise a
 * short reason ("contains a Unicode noncharacter"); n2m_topic_name_is_legal
 * is the same as a boolean; n2m_topic_validate_publish writes
 * "topic: <reason>" into err and returns -1 (0 when legal).
 */
const char *n2m_topic_name_why_illegal(const char *topic, size_t len);
int n2m_topic_name_is_legal(const char *topic, size_t len);
int n2m_topic_validate_publish(const char *topic, size_t len, char *err, size_t errlen);

/* The character part of that rule alone (valid UTF-8, no NUL, no control
 * characters, no noncharacters), shared with topic filters: NULL or the
 * reason. */
const char *n2m_topic_text_why_illegal(const char *s, size_t len);

#endif
