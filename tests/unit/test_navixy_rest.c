/* SPDX-License-Identifier: MIT */
/*
 * test_navixy_rest.c - user/auth and tracker/list parsing, request bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "navixy_rest.h"
#include "utf8.h"
#include "unit_data.h"

static char err[256];

static enum nvx_rest_result auth(const char *body, char *hash, struct nvx_rest_error *e)
{
	err[0] = '\0';
	return nvx_rest_parse_auth(body, strlen(body), hash, e, err, sizeof(err));
}

static void auth_success_forms(void **state)
{
	(void)state;
	char hash[NVX_HASH_LEN + 1];
	struct nvx_rest_error e;
	assert_int_equal(auth("{ \"success\": true, \"type\": \"authenticated\", \"hash\": "
			      "\"22eac1c27af4be7b9d04da2ce1af111b\" }", hash, &e), NVX_REST_OK);
	assert_string_equal(hash, "22eac1c27af4be7b9d04da2ce1af111b");
	assert_int_equal(auth("{\"success\":true,\"hash\":\"ABCDEF0123456789abcdef0123456789\"}", hash, &e),
			 NVX_REST_OK);
	assert_string_equal(hash, "ABCDEF0123456789abcdef0123456789");
}

static void auth_api_error(void **state)
{
	(void)state;
	char hash[NVX_HASH_LEN + 1];
	struct nvx_rest_error e;
	assert_int_equal(auth("{ \"success\": false, \"status\": { \"code\": 102, \"description\": "
			      "\"Wrong login or password\" } }", hash, &e), NVX_REST_API_ERROR);
	assert_int_equal(e.code, 102);
	assert_string_equal(e.description, "Wrong login or password");
	assert_non_null(strstr(err, "error 102"));
	assert_int_equal(auth("{\"success\":false}", hash, &e), NVX_REST_API_ERROR);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.description, "");
}

static void auth_malformed(void **state)
{
	(void)state;
	char hash[NVX_HASH_LEN + 1];
	struct nvx_rest_error e;
	struct { const char *body, *reason; } cases[] = {
		{ "", "empty" },
		{ "<html>502 Bad Gateway</html>", "not JSON" },
		{ "{\"success\":true", "truncated" },
		{ "[true]", "not a JSON object" },
		{ "{\"hash\":\"22eac1c27af4be7b9d04da2ce1af111b\"}", "\"success\"" },
		{ "{\"success\":\"true\"}", "\"success\"" },
		{ "{\"success\":true}", "missing \"hash\"" },
		{ "{\"success\":true,\"hash\":42}", "missing \"hash\"" },
		{ "{\"success\":true,\"hash\":\"22eac1c27af4be7b9d04da2ce1af111\"}", "32 hex" },
		{ "{\"success\":true,\"hash\":\"22eac1c27af4be7b9d04da2ce1af111bb\"}", "32 hex" },
		{ "{\"success\":true,\"hash\":\"zzeac1c27af4be7b9d04da2ce1af111b\"}", "32 hex" },
		{ "{\"success\":true,\"type\":\"second_factor_required\",\"factor_type\":\"email\","
		  "\"hash\":\"22eac1c27af4be7b9d04da2ce1af111b\"}", "second factor" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(auth(cases[i].body, hash, &e), NVX_REST_MALFORMED);
		if (!strstr(err, cases[i].reason))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].reason);
		assert_non_null(strstr(err, "user/auth"));
	}
	/* deep nesting */
	char deep[4096];
	memset(deep, '[', sizeof(deep));
	assert_int_equal(nvx_rest_parse_auth(deep, sizeof(deep), hash, &e, err, sizeof(err)),
			 NVX_REST_MALFORMED);
}

static void tracker_list_documented(void **state)
{
	(void)state;
	size_t len = 0;
	char *body = unit_data_read("tracker_list.json", &len);
	assert_non_null(body);
	struct nvx_tracker_list list;
	struct nvx_rest_error e;
	assert_int_equal(nvx_rest_parse_tracker_list(body, len, &list, &e, err, sizeof(err)), NVX_REST_OK);
	free(body);
	assert_int_equal(list.n, 2);
	assert_int_equal(list.n_bad, 3);
	assert_non_null(strstr(list.first_bad, "entry 2"));
	assert_int_equal(list.items[0].id, 123456);
	assert_int_equal(list.items[0].source_id, 234567);
	assert_string_equal(list.items[0].label, "tracker label");
	assert_string_equal(list.items[0].model, "telfmb920");
	assert_string_equal(list.items[0].device_id, "9999999988888");
	assert_false(list.items[0].blocked);
	assert_int_equal(list.items[1].id, 123457);
	assert_string_equal(list.items[1].label, "Truck \"12\" / north");
	assert_true(list.items[1].blocked);
	nvx_tracker_list_free(&list);
	assert_null(list.items);
}

/* Labels and descriptions reach payloads: they come out valid UTF-8, cut
 * descriptions on a character boundary. */
static void tracker_list_invalid_utf8(void **state)
{
	(void)state;
	struct nvx_tracker_list list;
	struct nvx_rest_error e;
	static const char body[] = "{\"success\":true,\"list\":[{\"id\":1,\"label\":\"Van\xff" "7\","
				   "\"source\":{\"id\":2,\"model\":\"m\xed\xa0\x80\"}},"
				   "{\"id\":3,\"label\":\"ok \\ud800 \xef\xbf\xbf\"}]}";
	assert_int_equal(nvx_rest_parse_tracker_list(body, sizeof(body) - 1, &list, &e, err,
						     sizeof(err)), NVX_REST_OK);
	assert_true(list.invalid_utf8);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.items[0].label, "Van\xef\xbf\xbd" "7");
	assert_string_equal(list.items[0].model, "m\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* an escaped lone surrogate becomes U+FFFD too; U+FFFF is valid UTF-8 */
	assert_string_equal(list.items[1].label, "ok \xef\xbf\xbd \xef\xbf\xbf");
	nvx_tracker_list_free(&list);

	static const char ok[] = "{\"success\":true,\"list\":[{\"id\":1,\"label\":\"é\"}]}";
	assert_int_equal(nvx_rest_parse_tracker_list(ok, sizeof(ok) - 1, &list, &e, err, sizeof(err)),
			 NVX_REST_OK);
	assert_false(list.invalid_utf8);
	nvx_tracker_list_free(&list);

	/* a description longer than the buffer is cut between characters */
	char api[700];
	int n = snprintf(api, sizeof api, "{\"success\":false,\"status\":{\"code\":9,"
			 "\"description\":\"");
	for (int i = 0; i < 200; i++)
		n += snprintf(api + n, sizeof api - (size_t)n, "\xe2\x82\xac");
	snprintf(api + n, sizeof api - (size_t)n, "\"}}");
	char small[50];
	assert_int_equal(nvx_rest_parse_tracker_list(api, strlen(api), &list, &e, small,
						     sizeof(small)), NVX_REST_API_ERROR);
	assert_true(n2m_utf8_valid(e.description, strlen(e.description)));
	assert_true(strlen(e.description) >= 250);
	assert_true(n2m_utf8_valid(small, strlen(small)));
	assert_true(strlen(small) >= 46);
	nvx_tracker_list_free(&list);
}

static void tracker_list_errors(void **state)
{
	(void)state;
	struct nvx_tracker_list list;
	struct nvx_rest_error e;
	const char *api = "{\"success\":false,\"status\":{\"code\":4,\"description\":\"User or API key not found or session ended\"}}";
	assert_int_equal(nvx_rest_parse_tracker_list(api, strlen(api), &list, &e, err, sizeof(err)),
			 NVX_REST_API_ERROR);
	assert_int_equal(e.code, 4);
	assert_int_equal(list.n, 0);
	const char *bad[] = { "{\"success\":true}", "{\"success\":true,\"list\":{}}", "nope" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(nvx_rest_parse_tracker_list(bad[i], strlen(bad[i]), &list, &e, err,
							     sizeof(err)), NVX_REST_MALFORMED);
		assert_non_null(strstr(err, "tracker/list"));
	}
	const char *empty = "{\"success\":true,\"list\":[]}";
	assert_int_equal(nvx_rest_parse_tracker_list(empty, strlen(empty), &list, &e, err, sizeof(err)),
			 NVX_REST_OK);
	assert_int_equal(list.n, 0);
	nvx_tracker_list_free(&list);
	/* huge and negative ids, bad source ids, missing source */
	const char *odd = "{\"success\":true,\"list\":[{\"id\":99999999999999999999},{\"id\":-5},"
			  "{\"id\":0},{\"id\":3,\"source\":{\"id\":\"x\"}},{\"id\":4},{\"id\":5,\"label\":7}]}";
	assert_int_equal(nvx_rest_parse_tracker_list(odd, strlen(odd), &list, &e, err, sizeof(err)),
			 NVX_REST_OK);
	assert_int_equal(list.n, 2);
	assert_int_equal(list.n_bad, 4);
	assert_int_equal(list.items[0].id, 4);
	assert_int_equal(list.items[0].source_id, 0);
	assert_string_equal(list.items[0].label, "");
	assert_string_equal(list.items[1].label, "");
	nvx_tracker_list_free(&list);
}

static void bodies_are_escaped(void **state)
{
	(void)state;
	char *body = nvx_rest_auth_body("user@example.com", "p\"a\\ss\n\x01word");
	assert_non_null(body);
	struct json_object *o = json_tokener_parse(body);
	assert_non_null(o);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "login")), "user@example.com");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "password")),
			    "p\"a\\ss\n\x01word");
	json_object_put(o);
	free(body);
	body = nvx_rest_hash_body("22eac1c27af4be7b9d04da2ce1af111b");
	assert_string_equal(body, "{\"hash\":\"22eac1c27af4be7b9d04da2ce1af111b\"}");
	free(body);
	body = nvx_rest_auth_body(NULL, NULL);
	assert_string_equal(body, "{\"login\":\"\",\"password\":\"\"}");
	free(body);
}

static void hash_validity(void **state)
{
	(void)state;
	assert_true(nvx_hash_valid("22eac1c27af4be7b9d04da2ce1af111b"));
	assert_false(nvx_hash_valid("22eac1c27af4be7b9d04da2ce1af111"));
	assert_false(nvx_hash_valid("22eac1c27af4be7b9d04da2ce1af111b0"));
	assert_false(nvx_hash_valid("22eac1c27af4be7b9d04da2ce1af111g"));
	assert_false(nvx_hash_valid(""));
	assert_false(nvx_hash_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auth_success_forms),
		cmocka_unit_test(auth_api_error),
		cmocka_unit_test(tracker_list_invalid_utf8),
		cmocka_unit_test(auth_malformed),
		cmocka_unit_test(tracker_list_documented),
		cmocka_unit_test(tracker_list_errors),
		cmocka_unit_test(bodies_are_escaped),
		cmocka_unit_test(hash_validity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
