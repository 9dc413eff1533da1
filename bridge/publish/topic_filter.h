/* SPDX-License-Identifier: MIT */
/*
 * topic_filter.h - MQTT topic filters (SUBSCRIBE side): validity and
 * matching a topic name against a filter, for routing received messages to
 * the plugins that subscribed to them. Pure functions.
 */
#ifndef N2M_TOPIC_FILTER_H
#define N2M_TOPIC_FILTER_H

#include <stddef.h>

/* Checks a SUBSCRIBE topic filter: 1..65535 bytes, valid UTF-8, no NUL,
 * '+' only as a whole level, '#' only as the whole last level. Returns 0,
 * or -1 with the reason in err. */
int n2m_topic_filter_validate(const char *filter, size_t len, char *err, size_t errlen);

/* True if topic matches filter (MQTT 3.1.1 §4.7 rules, including: a
 * filter starting with a wildcard does not match topics starting with '$'). */
int n2m_topic_filter_match(const char *filter, const char *topic);

#endif
