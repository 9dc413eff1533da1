/* SPDX-License-Identifier: MIT */
/*
 * plugin_trees.h - the topic trees plugins use, so the control plane can
 * keep MQTT 5 response topics out of them (response_topic.h). A tree is a
 * topic prefix without the trailing '/' ("homeassistant", "owntracks");
 * it covers the prefix itself and everything under prefix/.
 *
 * Where the host learns them (plugin_host_api.c), so no plugin has to be
 * known by name:
 *   - the plugin declares it: host->topic_tree(self, prefix) during init
 *     (the bundled plugins declare their discovery_prefix / prefix);
 *   - the first level of every filter it subscribes to (unless that level
 *     is a wildcard);
 *   - the first level of every topic it publishes on (a plugin that did
 *     not declare its tree is covered from its first publication on).
 * More than N2M_PLUGIN_TREES_MAX different trees set `overflow`: the
 * default response-topic rule then refuses every response topic, and the
 * operator lists the allowed ones in control.response_topic_allow.
 */
#ifndef N2M_PLUGIN_TREES_H
#define N2M_PLUGIN_TREES_H

#include <stddef.h>

#define N2M_PLUGIN_TREES_MAX 32

struct n2m_plugin_trees {
	char *prefix[N2M_PLUGIN_TREES_MAX];
	char *owner[N2M_PLUGIN_TREES_MAX];   /* the plugin's name (copied) */
	size_t n;
	int overflow;
};

/* Records prefix[0..len) for owner unless a recorded tree already covers
 * it. 0, or -1 when it is empty, has a wildcard, or does not fit (then
 * overflow is set) or there is no memory (overflow too: fail closed). */
int n2m_plugin_trees_add(struct n2m_plugin_trees *t, const char *prefix, size_t len,
			 const char *owner);

/* Records the first topic level of a topic name or filter ("/a/b" gives
 * "/a"); a wildcard first level records nothing. */
void n2m_plugin_trees_learn(struct n2m_plugin_trees *t, const char *topic, const char *owner);

void n2m_plugin_trees_free(struct n2m_plugin_trees *t);

#endif
