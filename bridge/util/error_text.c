/* SPDX-License-Identifier: MIT */
/*
 * error_text.c - see error_text.h.
 */
#include "error_text.h"

#include <stdarg.h>
#include <stdio.h>

#include "utf8.h"

int n2m_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		/* Reasons end up in logs and payloads (bridge/upstream, control
		 * responses): a cut must not leave half a character. */
		if (n >= 0 && (size_t)n >= errlen)
			n2m_utf8_trim_tail(err);
	}
	return -1;
}
