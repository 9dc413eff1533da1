/* SPDX-License-Identifier: MIT */
/*
 * topic_filter.c - MQTT topic filter validation and matching (see
 * topic_filter.h).
 */
#include "topic_filter.h"

#include <stdio.h>
#include <string.h>

#include "topic.h"

int n2m_topic_filter_validate(const char *filter, size_t len, char *err, size_t errlen)
{
	if (!filter || len == 0 || len > N2M_TOPIC_NAME_MAX) {
		snprintf(err, errlen, "a topic filter is 1 to 65535 bytes");
		return -1;
	}
	/* The same characters as a topic name (topic.h): the broker refuses
	 * the rest and drops the connection. */
	const char *why = n2m_topic_text_why_illegal(filter, len);
	if (why) {
		snprintf(err, errlen, "a topic filter %s", why);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		int level_start = i == 0 || filter[i - 1] == '/';
		int level_end = i + 1 == len || filter[i + 1] == '/';
		if (filter[i] == '+' && !(level_start && level_end)) {
			snprintf(err, errlen, "'+' must be a whole topic level");
			return -1;
		}
		if (filter[i] == '#' && !(level_start && i + 1 == len)) {
			snprintf(err, errlen, "'#' must be the whole last topic level");
			return -1;
		}
	}
	return 0;
}

int n2m_topic_filter_match(const char *filter, const char *topic)
{
	const char *f = filter, *t = topic;

	if (!filter || !topic)
		return 0;
	/* $SYS and the like are only matched by filters naming them. */
	if (t[0] == '$' && (f[0] == '+' || f[0] == '#'))
		return 0;
	for (;;) {
		if (f[0] == '#' && f[1] == '\0')
			return 1; /* matches the parent level too: "a/#" matches "a" */
		const char *fe = strchr(f, '/');
		const char *te = strchr(t, '/');
		size_t fl = fe ? (size_t)(fe - f) : strlen(f);
		size_t tl = te ? (size_t)(te - t) : strlen(t);
		if (!(fl == 1 && f[0] == '+') && (fl != tl || memcmp(f, t, fl) != 0))
			return 0;
		if (!fe && !te)
			return 1;
		if (!te)
			/* topic ended: only a trailing "/#" still matches */
			return fe && strcmp(fe, "/#") == 0;
		if (!fe)
			return 0;
		f = fe + 1;
		t = te + 1;
	}
}
