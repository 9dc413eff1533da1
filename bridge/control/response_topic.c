/* SPDX-License-Identifier: MIT */
/*
 * response_topic.c - the allowed space for MQTT 5 response topics (see
 * response_topic.h). No I/O.
 */
#include "response_topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"

int n2m_topic_in_tree(const char *topic, const char *prefix)
{
	size_t n = strlen(prefix);

	return n > 0 && strncmp(topic, prefix, n) == 0 && (topic[n] == '\0' || topic[n] == '/');
}

static int under_allowed(const struct n2m_response_policy *p, const char *topic)
{
	for (size_t i = 0; i < p->n_allow; i++)
		if (strncmp(topic, p->allow[i], strlen(p->allow[i])) == 0)
			return 1;
	return 0;
}

/* The default rule: outside every tree someone else reads. */
static int default_rule(const struct n2m_response_policy *p, const char *topic, char *why,
			size_t whylen)
{
	if (topic[0] == '$') {
		snprintf(why, whylen, "response_topic: topics starting with $ are reserved");
		return -1;
	}
	if (n2m_topic_in_tree(topic, p->base)) {
		snprintf(why, whylen, "response_topic: inside the bridge's topic tree %s/", p->base);
		return -1;
	}
	for (size_t i = 0; i < p->n_trees; i++) {
		if (n2m_topic_in_tree(topic, p->trees[i])) {
			snprintf(why, whylen, "response_topic: inside the topic tree %s/ of plugin %s",
				 p->trees[i], p->owners[i]);
			return -1;
		}
	}
	if (p->trees_unknown) {
		snprintf(why, whylen, "response_topic: plugins publish under more topic trees "
			 "than the bridge tracks; set control.response_topic_allow");
		return -1;
	}
	return 0;
}

int n2m_response_topic_check(const struct n2m_response_policy *p, const char *topic,
			     const char *own, char *why, size_t whylen)
{
	/* The one rule for every topic the bridge publishes (topic.h). */
	const char *illegal = n2m_topic_name_why_illegal(topic, topic ? strlen(topic) : 0);
	if (illegal) {
		snprintf(why, whylen, "response_topic: not a legal topic name (topic: %s)", illegal);
		return -1;
	}
	if (own && strcmp(topic, own) == 0)
		return 0;
	if (p->n_allow > 0) {
		if (under_allowed(p, topic))
			return 0;
		snprintf(why, whylen, "response_topic: not under a prefix of "
			 "control.response_topic_allow");
		return -1;
	}
	return default_rule(p, topic, why, whylen);
}

void n2m_response_allow_free(char **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

static int prefix_ok(const char *s, size_t len, char *why, size_t whylen)
{
	if (len == 0) {
		snprintf(why, whylen, "empty prefix (use \"\" for the default rule)");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+' || c == '#' || c < 0x20 || c == 0x7f) {
			snprintf(why, whylen, "prefix \"%.*s\": no +, # or control characters",
				 (int)(len > 80 ? 80 : len), s);
			return -1;
		}
	}
	if (!n2m_utf8_valid(s, len)) {
		snprintf(why, whylen, "a prefix is not valid UTF-8");
		return -1;
	}
	return 0;
}

/* The next comma-separated item of *pos, trimmed; advances *pos. */
static const char *next_item(const char **pos, size_t *len)
{
	const char *s = *pos;
	const char *end = strchr(s, ',');

	if (!end)
		end = s + strlen(s);
	*pos = *end ? end + 1 : end;
	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	*len = (size_t)(end - s);
	return s;
}

int n2m_response_allow_parse(const char *text, char ***out, size_t *n, char *why,
			     size_t whylen)
{
	const char *pos = text ? text : "";
	size_t cap = 1;
	char **list;

	*out = NULL;
	*n = 0;
	if (!*pos)
		return 0;
	for (const char *c = pos; *c; c++)
		cap += *c == ',';
	list = calloc(cap, sizeof *list);
	if (!list) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cap; i++) {
		size_t len;
		const char *item = next_item(&pos, &len);
		int bad = prefix_ok(item, len, why, whylen);
		if (!bad && !(list[i] = strndup(item, len))) {
			snprintf(why, whylen, "out of memory");
			bad = -1;
		}
		if (bad) {
			n2m_response_allow_free(list, cap);
			return -1;
		}
	}
	*out = list;
	*n = cap;
	return 0;
}
