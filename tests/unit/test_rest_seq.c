/* SPDX-License-Identifier: MIT */
/*
 * test_rest_seq.c - the order of the bridge's REST calls (rest_seq.h):
 * login or API key, a kept hash, one fresh login for a dead session,
 * refusals and transport failures, and refreshes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rest_seq.h"

/* Runs a sequence, answering each call with the next outcome; returns the
 * calls made as a string ("A" auth, "L" list) and the result. */
static enum n2m_seq_result run(enum n2m_seq_purpose purpose, int uses_login, int have_hash,
			       const enum n2m_seq_outcome *outcomes, size_t n, char *calls)
{
	struct n2m_rest_seq s;
	enum n2m_seq_step step = n2m_rest_seq_start(&s, purpose, uses_login, have_hash);
	size_t i = 0, k = 0;

	while (step != N2M_SEQ_STEP_DONE) {
		calls[k++] = step == N2M_SEQ_STEP_AUTH ? 'A' : 'L';
		if (i >= n)
			fail_msg("the sequence asked for call %zu, only %zu answers given", i + 1, n);
		step = n2m_rest_seq_next(&s, outcomes[i++]);
	}
	calls[k] = '\0';
	assert_int_equal(i, n); /* every answer was used */
	return s.result;
}

#define RUN(purpose, login, hash, res_calls, ...)                                            \
	run(purpose, login, hash, (const enum n2m_seq_outcome[]){ __VA_ARGS__ },              \
	    sizeof((const enum n2m_seq_outcome[]){ __VA_ARGS__ }) / sizeof(enum n2m_seq_outcome), \
	    res_calls)

static void login_without_hash_authenticates_then_lists(void **state)
{
	char calls[16];
	(void)state;
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 0, calls, N2M_SEQ_CALL_OK, N2M_SEQ_CALL_OK),
			 N2M_SEQ_OK);
	assert_string_equal(calls, "AL");
}

static void kept_hash_or_api_key_lists_at_once(void **state)
{
	char calls[16];
	(void)state;
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 1, calls, N2M_SEQ_CALL_OK), N2M_SEQ_OK);
	assert_string_equal(calls, "L");
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 0, 1, calls, N2M_SEQ_CALL_OK), N2M_SEQ_OK);
	assert_string_equal(calls, "L");
}

static void dead_kept_hash_gets_one_fresh_login(void **state)
{
	char calls[16];
	(void)state;
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 1, calls, N2M_SEQ_CALL_SESSION_DEAD,
			     N2M_SEQ_CALL_OK, N2M_SEQ_CALL_OK), N2M_SEQ_OK);
	assert_string_equal(calls, "LAL");
	/* ...only one: a hash refused right after the login is an auth failure */
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 1, calls, N2M_SEQ_CALL_SESSION_DEAD,
			     N2M_SEQ_CALL_OK, N2M_SEQ_CALL_SESSION_DEAD), N2M_SEQ_AUTH_FAILED);
	assert_string_equal(calls, "LAL");
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 0, calls, N2M_SEQ_CALL_OK,
			     N2M_SEQ_CALL_SESSION_DEAD, N2M_SEQ_CALL_OK, N2M_SEQ_CALL_OK),
			 N2M_SEQ_OK);
	assert_string_equal(calls, "ALAL");
}

static void refused_api_key_is_an_auth_failure(void **state)
{
	char calls[16];
	(void)state;
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 0, 1, calls, N2M_SEQ_CALL_SESSION_DEAD),
			 N2M_SEQ_AUTH_FAILED);
	assert_string_equal(calls, "L");
}

static void failures_end_the_sequence(void **state)
{
	char calls[16];
	(void)state;
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 0, calls, N2M_SEQ_CALL_AUTH_FAILED),
			 N2M_SEQ_AUTH_FAILED);
	assert_string_equal(calls, "A");
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 0, calls, N2M_SEQ_CALL_RETRY), N2M_SEQ_RETRY);
	assert_string_equal(calls, "A");
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 0, calls, N2M_SEQ_CALL_OK, N2M_SEQ_CALL_RETRY),
			 N2M_SEQ_RETRY);
	assert_string_equal(calls, "AL");
	/* a fresh login after a dead hash that times out: the normal back-off */
	assert_int_equal(RUN(N2M_SEQ_PREPARE, 1, 1, calls, N2M_SEQ_CALL_SESSION_DEAD,
			     N2M_SEQ_CALL_RETRY), N2M_SEQ_RETRY);
	assert_string_equal(calls, "LA");
}

static void refresh_is_one_list_and_never_logs_in(void **state)
{
	char calls[16];
	(void)state;
	assert_int_equal(RUN(N2M_SEQ_REFRESH, 1, 1, calls, N2M_SEQ_CALL_OK), N2M_SEQ_OK);
	assert_string_equal(calls, "L");
	assert_int_equal(RUN(N2M_SEQ_REFRESH, 1, 1, calls, N2M_SEQ_CALL_SESSION_DEAD),
			 N2M_SEQ_RETRY);
	assert_string_equal(calls, "L");
	assert_int_equal(RUN(N2M_SEQ_REFRESH, 1, 1, calls, N2M_SEQ_CALL_RETRY), N2M_SEQ_RETRY);
	assert_string_equal(calls, "L");
}

static void refresh_without_hash_makes_no_call(void **state)
{
	struct n2m_rest_seq s;
	(void)state;
	assert_int_equal(n2m_rest_seq_start(&s, N2M_SEQ_REFRESH, 1, 0), N2M_SEQ_STEP_DONE);
	assert_int_equal(s.result, N2M_SEQ_RETRY);
	/* a finished sequence stays finished */
	assert_int_equal(n2m_rest_seq_next(&s, N2M_SEQ_CALL_OK), N2M_SEQ_STEP_DONE);
	assert_int_equal(s.result, N2M_SEQ_RETRY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(login_without_hash_authenticates_then_lists),
		cmocka_unit_test(kept_hash_or_api_key_lists_at_once),
		cmocka_unit_test(dead_kept_hash_gets_one_fresh_login),
		cmocka_unit_test(refused_api_key_is_an_auth_failure),
		cmocka_unit_test(failures_end_the_sequence),
		cmocka_unit_test(refresh_is_one_list_and_never_logs_in),
		cmocka_unit_test(refresh_without_hash_makes_no_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
