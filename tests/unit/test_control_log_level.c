/* SPDX-License-Identifier: MIT */
/*
 * test_control_log_level.c - the control plane's log_level request: the
 * optional level, its values, and the errors naming the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "control_request.h"

static const struct n2m_ctl_limits limits = { .max_request_bytes = 65536, .max_ids = 10000 };

static int parse(const char *payload, struct n2m_ctl_request *req, char *err, size_t errlen)
{
	err[0] = '\0';
	return n2m_ctl_request_parse("log_level", payload, strlen(payload), &limits, req, err, errlen);
}

static void levels_are_read(void **state)
{
	static const struct { const char *payload; int level; } ok[] = {
		{ "", -1 },
		{ "{}", -1 },
		{ "{\"transaction\":7}", -1 },
		{ "{\"level\":\"error\"}", N2M_LOG_ERROR },
		{ "{\"level\":\"warn\"}", N2M_LOG_WARN },
		{ "{\"level\":\"info\",\"transaction\":\"t\"}", N2M_LOG_INFO },
		{ "{\"level\":\"debug\"}", N2M_LOG_DEBUG },
	};
	struct n2m_ctl_request req;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (parse(ok[i].payload, &req, err, sizeof err) != 0)
			fail_msg("%s: %s", ok[i].payload, err);
		assert_int_equal(req.command, N2M_CTL_LOG_LEVEL);
		assert_int_equal(req.log_level, ok[i].level);
		n2m_ctl_request_free(&req);
	}
	assert_string_equal(n2m_ctl_command_name(N2M_CTL_LOG_LEVEL), "log_level");
}

static void bad_levels_name_the_field(void **state)
{
	static const char *const bad[] = {
		"{\"level\":\"verbose\"}", "{\"level\":3}", "{\"level\":null}", "{\"level\":[\"debug\"]}",
		"{\"level\":\"\"}",
	};
	struct n2m_ctl_request req;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(bad[i], &req, err, sizeof err), -1);
		assert_string_equal(err, "level: must be \"error\", \"warn\", \"info\" or \"debug\"");
		n2m_ctl_request_free(&req);
	}
	assert_int_equal(parse("{\"lvl\":\"debug\"}", &req, err, sizeof err), -1);
	assert_string_equal(err, "lvl: unknown field (log_level takes level, transaction)");
	n2m_ctl_request_free(&req);
	assert_int_equal(parse("[\"debug\"]", &req, err, sizeof err), -1);
	n2m_ctl_request_free(&req);
	/* Other commands do not take a level. */
	assert_int_equal(n2m_ctl_request_parse("health", "{\"level\":\"debug\"}", 17, &limits, &req,
					       err, sizeof err), -1);
	n2m_ctl_request_free(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(levels_are_read),
		cmocka_unit_test(bad_levels_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
