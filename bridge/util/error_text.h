/* SPDX-License-Identifier: MIT */
/*
 * error_text.h - the error convention of the pure modules: a function that
 * fails writes a one-line reason into the caller's (err, errlen) buffer and
 * returns -1, so callers can log and count it without knowing the module.
 * A reason cut to fit the buffer is cut on a UTF-8 character boundary.
 */
#ifndef N2M_ERROR_TEXT_H
#define N2M_ERROR_TEXT_H

#include <stddef.h>

/* Formats the reason into err (when err and errlen are set); returns -1. */
int n2m_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
