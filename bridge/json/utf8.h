/* SPDX-License-Identifier: MIT */
/*
 * utf8.h - UTF-8 for untrusted text: checking it, repairing it (every
 * invalid sequence becomes U+FFFD) and cutting it without splitting a
 * character. Navixy labels, error descriptions and frames are untrusted:
 * before such text reaches an MQTT payload it is made valid here.
 *
 * Valid means RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF),
 * nothing above U+10FFFF. Noncharacters and control characters are valid
 * UTF-8; topic.h decides what a topic name may hold on top of that.
 */
#ifndef N2M_UTF8_H
#define N2M_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* U+FFFD REPLACEMENT CHARACTER. */
#define N2M_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* Decodes the character at s[0..len) (len > 0). Returns its length in bytes
 * and the code point in *cp, or 0 if the bytes there are not valid UTF-8;
 * *bad is then the length of the maximal invalid subpart to replace with
 * one U+FFFD (at least 1), as Unicode recommends (and Python does). */
size_t n2m_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp, size_t *bad);

/* True if s[0..len) is valid UTF-8. ASCII is checked 8 bytes at a time, so
 * a check of ordinary JSON costs little next to parsing it. */
int n2m_utf8_valid(const char *s, size_t len);

/* A malloc'd copy of s[0..len) with every invalid sequence replaced by
 * U+FFFD (NUL-terminated; the length in *out_len). NULL on no memory. */
char *n2m_utf8_repair(const char *s, size_t len, size_t *out_len);

/* The largest n <= max such that s[0..n) does not end inside a character
 * (a lead byte whose continuation bytes were cut off). s[0..len). */
size_t n2m_utf8_cut(const char *s, size_t len, size_t max);

/* After snprintf cut a NUL-terminated string to fit a buffer: removes a
 * character left incomplete at the end. */
void n2m_utf8_trim_tail(char *s);

/* True for the Unicode noncharacters: U+FDD0..U+FDEF and the last two code
 * points of every plane (U+FFFE, U+FFFF, U+1FFFE, ..., U+10FFFF). */
int n2m_utf8_is_noncharacter(uint32_t cp);

#endif
