/* SPDX-License-Identifier: MIT */
/*
 * plugin_trees.c - the plugins' topic trees (see plugin_trees.h). No I/O.
 */
#include "plugin_trees.h"

#include <stdlib.h>
#include <string.h>

/* True if a recorded tree covers prefix[0..len) (it is that tree or below). */
static int covered(const struct n2m_plugin_trees *t, const char *prefix, size_t len)
{
	for (size_t i = 0; i < t->n; i++) {
		size_t n = strlen(t->prefix[i]);
		if (n <= len && memcmp(prefix, t->prefix[i], n) == 0 &&
		    (n == len || prefix[n] == '/'))
			return 1;
	}
	return 0;
}

int n2m_plugin_trees_add(struct n2m_plugin_trees *t, const char *prefix, size_t len,
			 const char *owner)
{
	while (len > 0 && prefix[len - 1] == '/')
		len--;
	if (len == 0 || memchr(prefix, '+', len) || memchr(prefix, '#', len) ||
	    memchr(prefix, '\0', len))
		return -1;
	if (covered(t, prefix, len))
		return 0;
	if (t->n >= N2M_PLUGIN_TREES_MAX) {
		t->overflow = 1;
		return -1;
	}
	char *p = strndup(prefix, len);
	char *o = strdup(owner ? owner : "");
	if (!p || !o) {
		free(p);
		free(o);
		t->overflow = 1;
		return -1;
	}
	t->prefix[t->n] = p;
	t->owner[t->n] = o;
	t->n++;
	return 0;
}

void n2m_plugin_trees_learn(struct n2m_plugin_trees *t, const char *topic, const char *owner)
{
	if (!topic || !*topic)
		return;
	/* "/a/b": the first level is empty, so the tree is "/a". */
	const char *from = topic[0] == '/' ? topic + 1 : topic;
	const char *slash = strchr(from, '/');
	size_t len = slash ? (size_t)(slash - topic) : strlen(topic);

	n2m_plugin_trees_add(t, topic, len, owner);
}

void n2m_plugin_trees_free(struct n2m_plugin_trees *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->prefix[i]);
		free(t->owner[i]);
	}
	memset(t, 0, sizeof *t);
}
