/* SPDX-License-Identifier: MIT */
/*
 * log_format.h - the log's printf: formats a record's "key=value" fields so
 * that no value can forge a log line or a field.
 *
 * Strings (%s, %.Ns, %.*s) are where untrusted text comes in (labels, error
 * descriptions, topics, plugin messages), so every one is escaped on its way
 * through: control characters (C0, DEL, C1), U+2028/U+2029 and bytes that
 * are not valid UTF-8 never reach the line raw - they are written as \n, \r,
 * \t, \xNN or \uNNNN. A %s between double quotes in the format
 * (key="%s") also gets '"' and '\' escaped, so it cannot end its quotes. A
 * bare %s (key=%s) is written as it is when it is one safe word, or when it
 * is already one well-formed quoted value (n2m_log_quote's output);
 * otherwise it is quoted and escaped the same way. Other conversions are
 * formatted by vsnprintf's rules. The result is cut at cap, never inside a
 * character or an escape, and a quoted value cut short keeps its closing
 * quote.
 */
#ifndef N2M_LOG_FORMAT_H
#define N2M_LOG_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats fmt into out (cap > 0 bytes, always NUL-terminated). Returns the
 * length written. Supports the flags, width, precision (also '*') and
 * length modifiers (hh h l ll z j t L) of d i u o x X c s f F e E g G a A p
 * and %%; %n is refused (written as nothing). */
size_t n2m_log_format(char *out, size_t cap, const char *fmt, va_list ap);

/* Writes text as one quoted, escaped value ("..." with \" \\ \n \xNN ...)
 * into out (cap bytes), cut at a character boundary with the closing quote
 * kept. Returns the length written. */
size_t n2m_log_escape_quoted(char *out, size_t cap, const char *text, size_t len);

/* True if s[0..len) is one word a value can be as it is: no
 * space, '"', '=', '\\' or anything the escaping would rewrite. */
int n2m_log_is_safe_word(const char *s, size_t len);

#endif
