/* SPDX-License-Identifier: MIT */
/*
 * test_core_dumps.c - process.allow_core_dumps's mechanism: the process's
 * dumpable flag as the kernel reports it (PR_GET_DUMPABLE) after
 * n2m_core_dumps_allow. tests/integration/test_core_dumps.py checks the
 * daemon end to end (a crash leaves a core file only when allowed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/prctl.h>

#include "core_dumps.h"

static void toggles_the_kernels_dumpable_flag(void **state)
{
	(void)state;
	assert_int_equal(n2m_core_dumps_allow(0), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L), 0);
	assert_int_equal(n2m_core_dumps_allowed(), 0);
	assert_int_equal(n2m_core_dumps_allow(1), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L), 1);
	assert_int_equal(n2m_core_dumps_allowed(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(toggles_the_kernels_dumpable_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
