/* SPDX-License-Identifier: MIT */
/*
 * test_sub_diff.c - a desired-set change (SIGHUP) as the control-plane
 * steps bridge/event announces (sub_diff.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "sub_diff.h"

static void set_from(struct n2m_sub_set *set, const char *json)
{
	char err[200];
	struct json_object *o = json_tokener_parse(json);
	assert_non_null(o);
	if (n2m_sub_set_from_json(set, o, err, sizeof err) != 0)
		fail_msg("%s: %s", json, err);
	json_object_put(o);
}

/* The steps as text: "-state_batch:all +state_batch:[1,2]". */
static void steps_text(const char *before, const char *after, char *out, size_t cap)
{
	struct n2m_sub_set b, a;
	struct n2m_sub_step steps[N2M_SUB_DIFF_MAX];
	size_t n, used = 0;

	set_from(&b, before);
	set_from(&a, after);
	assert_int_equal(n2m_sub_diff(&b, &a, steps, &n), 0);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct n2m_sub *s = &steps[i].sub;
		used += (size_t)snprintf(out + used, cap - used, "%s%c%s:", i ? " " : "",
					 steps[i].unsubscribe ? '-' : '+', n2m_sub_type_name(s->type));
		if (s->all) {
			used += (size_t)snprintf(out + used, cap - used, "all");
			continue;
		}
		for (size_t k = 0; k < s->n_ids; k++)
			used += (size_t)snprintf(out + used, cap - used, "%s%lld", k ? "," : "[",
						 (long long)s->ids[k]);
		used += (size_t)snprintf(out + used, cap - used, "]");
	}
	n2m_sub_steps_free(steps, n);
	n2m_sub_set_free(&b);
	n2m_sub_set_free(&a);
}

static void expect(const char *before, const char *after, const char *want)
{
	char got[400];
	steps_text(before, after, got, sizeof got);
	if (strcmp(got, want) != 0)
		fail_msg("%s -> %s: got \"%s\", want \"%s\"", before, after, got, want);
}

#define ALL_SB "{\"state_batch\":{\"trackers\":\"all\"}}"

static void steps_per_change(void **state)
{
	(void)state;
	expect(ALL_SB, ALL_SB, "");
	/* a type goes away, a type comes */
	expect(ALL_SB, "{}", "-state_batch:all");
	expect("{}", "{\"state\":{\"trackers\":[3,1]}}", "+state:[1,3]");
	/* "all" becomes a list: Navixy cannot exclude, so unsubscribe all first */
	expect(ALL_SB, "{\"state_batch\":{\"trackers\":[1,2]}}", "-state_batch:all +state_batch:[1,2]");
	/* a list becomes "all" */
	expect("{\"state_batch\":{\"trackers\":[1,2]}}", ALL_SB, "+state_batch:all");
	/* ids only removed: one unsubscribe of those */
	expect("{\"state\":{\"trackers\":[1,2,3]}}", "{\"state\":{\"trackers\":[2]}}", "-state:[1,3]");
	/* ids removed and added */
	expect("{\"state\":{\"trackers\":[1,2]}}", "{\"state\":{\"trackers\":[2,5]}}",
	       "-state:[1] +state:[2,5]");
	/* ids only added, or options changed */
	expect("{\"state\":{\"trackers\":[1]}}", "{\"state\":{\"trackers\":[1,2]}}", "+state:[1,2]");
	expect(ALL_SB, "{\"state_batch\":{\"trackers\":\"all\",\"rate_limit\":\"5s\"}}",
	       "+state_batch:all");
	/* several types, in type order */
	expect("{\"state_batch\":{\"trackers\":\"all\"},\"readings_batch\":{\"trackers\":\"all\"}}",
	       "{\"state\":{\"trackers\":[7]}}", "+state:[7] -state_batch:all -readings_batch:all");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steps_per_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
