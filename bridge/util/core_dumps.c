/* SPDX-License-Identifier: MIT */
/*
 * core_dumps.c - the process's dumpable flag (see core_dumps.h).
 */
#include "core_dumps.h"

#include <sys/prctl.h>

int n2m_core_dumps_allow(int allow)
{
	return prctl(PR_SET_DUMPABLE, allow ? 1L : 0L, 0L, 0L, 0L) == 0 ? 0 : -1;
}

int n2m_core_dumps_allowed(void)
{
	return prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L);
}
