/* SPDX-License-Identifier: MIT */
/*
 * response_topic.h - where a control request's MQTT 5 response topic may
 * point, without I/O. MQTT clients are untrusted: without this rule any
 * client that may send requests could make the bridge publish on
 * <base>/tracker/<id>/state or a plugin's topics (Home Assistant discovery)
 * with the bridge's credentials.
 *
 * A response topic is honoured when it is a legal topic name for PUBLISH
 * (topic.h) and
 *   - it is the request's own response topic <base>/bridge/response/<command>
 *     (the response then goes out once), or
 *   - control.response_topic_allow is set: it starts with one of its
 *     prefixes (and nothing else is checked: the operator chose them), or
 *   - control.response_topic_allow is "": it is neither <base> nor under
 *     <base>/, not under any plugin's topic tree (plugin_trees.c), and
 *     does not start with '$' (broker-reserved).
 */
#ifndef N2M_RESPONSE_TOPIC_H
#define N2M_RESPONSE_TOPIC_H

#include <stddef.h>

struct n2m_response_policy {
	const char *base;              /* mqtt.base_topic */
	char *const *allow;            /* control.response_topic_allow prefixes */
	size_t n_allow;                /* 0: the default rule */
	const char *const *trees;      /* plugin topic trees, e.g. "homeassistant" */
	const char *const *owners;     /* the plugin of each tree (for the reason) */
	size_t n_trees;
	int trees_unknown;             /* plugins publish under too many trees to list */
};

/* 0 if topic may be used; -1 with the reason in why ("response_topic:
 * inside the bridge's topic tree navixy/"). own is the request's
 * <base>/bridge/response/<command>. */
int n2m_response_topic_check(const struct n2m_response_policy *p, const char *topic,
			     const char *own, char *why, size_t whylen);

/* True if topic is `prefix` itself or lies under `prefix/` (a tree). */
int n2m_topic_in_tree(const char *topic, const char *prefix);

/* Splits control.response_topic_allow ("replies/, admin/replies/") at
 * commas, trimming spaces. Each prefix must be non-empty, without '+' or
 * '#', valid UTF-8 without control characters. "" gives no prefixes.
 * Returns 0 with a malloc'd array in *out (free with
 * n2m_response_allow_free; NULL when none), or -1 with the reason. */
int n2m_response_allow_parse(const char *text, char ***out, size_t *n, char *why,
			     size_t whylen);
void n2m_response_allow_free(char **list, size_t n);

#endif
