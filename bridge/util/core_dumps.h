/* SPDX-License-Identifier: MIT */
/*
 * core_dumps.h - whether the process may be dumped (process.allow_core_dumps).
 *
 * The bridge holds passwords, API keys and session hashes in memory. A
 * non-dumpable process writes no core file on a crash, and other processes
 * of the same user can neither ptrace it nor read its /proc/<pid>/mem or
 * environ; main.c makes the process non-dumpable before it reads the
 * configuration and dumpable again only when the setting allows it.
 */
#ifndef N2M_CORE_DUMPS_H
#define N2M_CORE_DUMPS_H

/* allow 0: not dumpable; non-zero: dumpable (the kernel's default).
 * Returns 0, or -1 with errno set. */
int n2m_core_dumps_allow(int allow);

/* 1 if the process is dumpable, 0 if not, -1 with errno on error. */
int n2m_core_dumps_allowed(void);

#endif
