/* SPDX-License-Identifier: MIT */
/*
 * secret.h - wiping passwords, API keys and session hashes from memory
 * before it is freed or reused.
 *
 * A plain memset before free is a dead store the optimiser may drop (and
 * GCC at -O2 does); these go through explicit_bzero, which it must keep.
 * tests/unit/check_secret_wipe.py checks the optimised objects for that
 * call, and tests/unit/test_secret.c that every secret the configuration
 * holds passes through here.
 */
#ifndef N2M_SECRET_H
#define N2M_SECRET_H

#include <stddef.h>

/* Overwrites len bytes at p with zeros; p may be NULL when len is 0. */
void n2m_secret_wipe(void *p, size_t len);

/* Wipes the NUL-terminated string s (up to its terminator) and frees it;
 * NULL is fine. */
void n2m_secret_free(char *s);

#endif
