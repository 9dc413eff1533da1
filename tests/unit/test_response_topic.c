/* SPDX-License-Identifier: MIT */
/*
 * test_response_topic.c - where an MQTT 5 response topic may point
 * (response_topic.h): the default space (outside <base>/, the plugins'
 * trees and $ topics), the request's own response topic, the configured
 * allow list, illegal topic names, parsing control.response_topic_allow,
 * and the plugin trees (plugin_trees.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_trees.h"
#include "response_topic.h"

#define OWN "navixy/bridge/response/list"

static const char *const trees[] = { "homeassistant", "owntracks" };
static const char *const owners[] = { "homeassistant", "owntracks" };

static struct n2m_response_policy default_policy(void)
{
	struct n2m_response_policy p = { .base = "navixy", .trees = trees, .owners = owners,
					  .n_trees = 2 };
	return p;
}

/* Asserts the verdict, and that a refusal's reason contains want. */
static void expect(const struct n2m_response_policy *p, const char *topic, const char *want)
{
	char why[300] = "";
	int rc = n2m_response_topic_check(p, topic, OWN, why, sizeof why);

	if (!want && rc != 0)
		fail_msg("%s refused: %s", topic, why);
	if (want && (rc != -1 || !strstr(why, want)))
		fail_msg("%s: rc=%d why=\"%s\", want \"%s\"", topic, rc, why, want);
}

static void default_space(void **state)
{
	(void)state;
	struct n2m_response_policy p = default_policy();

	expect(&p, "my/replies/1", NULL);
	expect(&p, "navixyish/replies", NULL);       /* another tree, not under navixy/ */
	expect(&p, "homeassistantx/1", NULL);
	expect(&p, OWN, NULL);                       /* the request's own response topic */
	expect(&p, "navixy/tracker/100001/state", "inside the bridge's topic tree navixy/");
	expect(&p, "navixy/bridge/response/health", "inside the bridge's topic tree navixy/");
	expect(&p, "navixy", "inside the bridge's topic tree navixy/");
	expect(&p, "homeassistant/sensor/navixy_1/speed/config",
	       "inside the topic tree homeassistant/ of plugin homeassistant");
	expect(&p, "owntracks/navixy/truck", "of plugin owntracks");
	expect(&p, "$SYS/broker/x", "reserved");
}

static void illegal_names(void **state)
{
	(void)state;
	struct n2m_response_policy p = default_policy();

	expect(&p, "", "not a legal topic name (topic: empty)");
	expect(&p, "a/+/b", "wildcard");
	expect(&p, "a/#", "wildcard");
	expect(&p, "bad\xff\xfe", "UTF-8");
	char *long_topic = malloc(70000);
	assert_non_null(long_topic);
	memset(long_topic, 'a', 69999);
	long_topic[69999] = '\0';
	expect(&p, long_topic, "longer than 65535");
	free(long_topic);
	/* Illegal even with an allow list that would match. */
	char *allow[] = { "a" };
	p.allow = allow;
	p.n_allow = 1;
	expect(&p, "a/+", "wildcard");
}

static void allow_list_replaces_the_default(void **state)
{
	(void)state;
	struct n2m_response_policy p = default_policy();
	char *allow[] = { "replies/", "navixy/replies/" };

	p.allow = allow;
	p.n_allow = 2;
	expect(&p, "replies/1", NULL);
	expect(&p, "navixy/replies/x", NULL);        /* the operator chose it */
	expect(&p, OWN, NULL);
	expect(&p, "my/replies/1", "not under a prefix of control.response_topic_allow");
	expect(&p, "repliesX", "control.response_topic_allow");
	expect(&p, "navixy/tracker/1/state", "control.response_topic_allow");
}

static void unknown_trees_refuse_everything(void **state)
{
	(void)state;
	struct n2m_response_policy p = default_policy();

	p.trees_unknown = 1;
	expect(&p, "my/replies/1", "set control.response_topic_allow");
	expect(&p, OWN, NULL);
}

static void parses_allow_list(void **state)
{
	(void)state;
	char **list = NULL;
	size_t n = 99;
	char why[200];

	assert_int_equal(n2m_response_allow_parse("", &list, &n, why, sizeof why), 0);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_int_equal(n2m_response_allow_parse(" replies/ ,admin/replies/,x", &list, &n, why,
						  sizeof why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0], "replies/");
	assert_string_equal(list[1], "admin/replies/");
	assert_string_equal(list[2], "x");
	n2m_response_allow_free(list, n);
	assert_int_equal(n2m_response_allow_parse("a/,,b/", &list, &n, why, sizeof why), -1);
	assert_non_null(strstr(why, "empty prefix"));
	assert_int_equal(n2m_response_allow_parse("a/+/", &list, &n, why, sizeof why), -1);
	assert_non_null(strstr(why, "no +, #"));
	assert_int_equal(n2m_response_allow_parse("ok/,\xc3(", &list, &n, why, sizeof why), -1);
	assert_non_null(strstr(why, "UTF-8"));
	assert_null(list);
}

static void plugin_trees(void **state)
{
	(void)state;
	struct n2m_plugin_trees t = { 0 };

	n2m_plugin_trees_learn(&t, "homeassistant/status", "ha");
	n2m_plugin_trees_learn(&t, "homeassistant/sensor/x/config", "ha"); /* already covered */
	n2m_plugin_trees_learn(&t, "+/in", "other");                      /* wildcard: nothing */
	n2m_plugin_trees_learn(&t, "#", "other");
	n2m_plugin_trees_learn(&t, "/lead/slash", "p");
	n2m_plugin_trees_learn(&t, "single", "p");
	assert_int_equal(n2m_plugin_trees_add(&t, "ha/discovery/", 13, "ha"), 0);
	assert_int_equal(n2m_plugin_trees_add(&t, "ha/discovery/sub", 16, "ha"), 0); /* covered */
	assert_int_equal(n2m_plugin_trees_add(&t, "a/+", 3, "p"), -1);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.prefix[0], "homeassistant");
	assert_string_equal(t.owner[0], "ha");
	assert_string_equal(t.prefix[1], "/lead");
	assert_string_equal(t.prefix[2], "single");
	assert_string_equal(t.prefix[3], "ha/discovery");
	assert_int_equal(t.overflow, 0);
	char name[32];
	for (int i = 0; i < N2M_PLUGIN_TREES_MAX; i++) {
		snprintf(name, sizeof name, "tree%d/x", i);
		n2m_plugin_trees_learn(&t, name, "many");
	}
	assert_int_equal(t.n, N2M_PLUGIN_TREES_MAX);
	assert_int_equal(t.overflow, 1);
	n2m_plugin_trees_free(&t);
	assert_int_equal(t.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_space),
		cmocka_unit_test(illegal_names),
		cmocka_unit_test(allow_list_replaces_the_default),
		cmocka_unit_test(unknown_trees_refuse_everything),
		cmocka_unit_test(parses_allow_list),
		cmocka_unit_test(plugin_trees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
