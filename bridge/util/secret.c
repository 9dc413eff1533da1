/* SPDX-License-Identifier: MIT */
/*
 * secret.c - wiping secrets from memory (see secret.h).
 */
/* explicit_bzero is a glibc (and BSD) extension, hidden by the strict
 * _POSIX_C_SOURCE the rest of the build uses. */
#define _DEFAULT_SOURCE 1

#include "secret.h"

#include <stdlib.h>
#include <string.h>

void n2m_secret_wipe(void *p, size_t len)
{
	if (p && len)
		explicit_bzero(p, len);
}

void n2m_secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
