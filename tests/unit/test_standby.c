/* SPDX-License-Identifier: MIT */
/*
 * test_standby.c - hot standby's takeover decision: a peer online holds the
 * standby, offline or silence lets it take over after takeover_s (twice
 * that for the name that yields), a peer in standby only yields to the
 * first name, and a lost broker connection restarts the clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "standby.h"

static void parses_payloads(void **state)
{
	(void)state;
	assert_int_equal(n2m_peer_state_parse("online", 6), N2M_PEER_ONLINE);
	assert_int_equal(n2m_peer_state_parse("standby", 7), N2M_PEER_STANDBY);
	assert_int_equal(n2m_peer_state_parse("offline", 7), N2M_PEER_OFFLINE);
	assert_int_equal(n2m_peer_state_parse("", 0), N2M_PEER_UNKNOWN);
	assert_int_equal(n2m_peer_state_parse("online!", 7), N2M_PEER_OFFLINE);
	assert_int_equal(n2m_peer_state_parse("onlin", 5), N2M_PEER_OFFLINE);
}

static void online_peer_holds_forever(void **state)
{
	(void)state;
	struct n2m_standby s;
	n2m_standby_init(&s, "a", "b", 5, 100);
	n2m_standby_peer(&s, N2M_PEER_ONLINE, 100);
	assert_false(n2m_standby_should_take_over(&s, 100));
	assert_false(n2m_standby_should_take_over(&s, 100000));
}

static void offline_peer_takes_over_after_takeover_s(void **state)
{
	(void)state;
	struct n2m_standby s;
	n2m_standby_init(&s, "a", "b", 5, 100);
	n2m_standby_peer(&s, N2M_PEER_ONLINE, 100);
	n2m_standby_peer(&s, N2M_PEER_OFFLINE, 200); /* the last will */
	assert_false(n2m_standby_should_take_over(&s, 204));
	assert_true(n2m_standby_should_take_over(&s, 205));
	/* The same state again (a redelivered retained message) keeps the clock. */
	n2m_standby_peer(&s, N2M_PEER_OFFLINE, 204);
	assert_true(n2m_standby_should_take_over(&s, 205));
}

static void peer_back_online_cancels(void **state)
{
	(void)state;
	struct n2m_standby s;
	n2m_standby_init(&s, "a", "b", 5, 100);
	n2m_standby_peer(&s, N2M_PEER_OFFLINE, 100);
	n2m_standby_peer(&s, N2M_PEER_ONLINE, 103);
	assert_false(n2m_standby_should_take_over(&s, 110));
	n2m_standby_peer(&s, N2M_PEER_OFFLINE, 110);
	assert_false(n2m_standby_should_take_over(&s, 114));
	assert_true(n2m_standby_should_take_over(&s, 115));
}

static void second_name_waits_twice_as_long(void **state)
{
	(void)state;
	struct n2m_standby s;
	n2m_standby_init(&s, "b", "a", 5, 100);
	assert_false(n2m_standby_should_take_over(&s, 105)); /* silence */
	assert_false(n2m_standby_should_take_over(&s, 109));
	assert_true(n2m_standby_should_take_over(&s, 110));
	n2m_standby_peer(&s, N2M_PEER_OFFLINE, 110);
	assert_false(n2m_standby_should_take_over(&s, 119));
	assert_true(n2m_standby_should_take_over(&s, 120));
}

static void standby_peer_yields_to_the_first_name(void **state)
{
	(void)state;
	struct n2m_standby first, second;
	n2m_standby_init(&first, "s0-a", "s0-b", 3, 100);
	n2m_standby_init(&second, "s0-b", "s0-a", 3, 100);
	n2m_standby_peer(&first, N2M_PEER_STANDBY, 100);
	n2m_standby_peer(&second, N2M_PEER_STANDBY, 100);
	assert_false(n2m_standby_should_take_over(&first, 102));
	assert_true(n2m_standby_should_take_over(&first, 103));
	assert_false(n2m_standby_should_take_over(&second, 1000));
}

static void lost_broker_restarts_the_clock(void **state)
{
	(void)state;
	struct n2m_standby s;
	n2m_standby_init(&s, "a", "b", 5, 100);
	n2m_standby_peer(&s, N2M_PEER_OFFLINE, 100);
	n2m_standby_restart(&s, 104);
	assert_int_equal(s.peer, N2M_PEER_UNKNOWN);
	assert_false(n2m_standby_should_take_over(&s, 105));
	assert_true(n2m_standby_should_take_over(&s, 109));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_payloads),
		cmocka_unit_test(online_peer_holds_forever),
		cmocka_unit_test(offline_peer_takes_over_after_takeover_s),
		cmocka_unit_test(peer_back_online_cancels),
		cmocka_unit_test(second_name_waits_twice_as_long),
		cmocka_unit_test(standby_peer_yields_to_the_first_name),
		cmocka_unit_test(lost_broker_restarts_the_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
