/*
 * error_text.c - see error_text.h.
 */
#include "error_text.h"

#include <stdarg.h>
#include <stdio.h>

int n2m_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
