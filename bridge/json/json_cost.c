/* SPDX-License-Identifier: MIT */
/*
 * json_cost.c - the json-c memory estimate of json_cost.h: counts the
 * structural bytes outside strings (a string's contents, escapes
 * included, are crossed by memchr-like steps and charged by length only).
 */
#include "json_cost.h"

#include <string.h>

/* Past the closing quote of the string opened at p, or end. */
static const char *string_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return end;
		/* An odd run of backslashes before the quote escapes it. */
		size_t run = 0;
		while (q - run > p && q[-1 - (long)run] == '\\')
			run++;
		if (!(run & 1))
			return q + 1;
		p = q;
	}
	return end;
}

size_t n2m_json_tree_cost(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t cost = len + N2M_JSON_COST_VALUE;
	while (p < end) {
		switch (*p) {
		case '"':
			p = string_end(p, end);
			continue;
		case '{':
			cost += N2M_JSON_COST_OBJECT;
			break;
		case '[':
			cost += N2M_JSON_COST_ARRAY;
			break;
		case ':':
			cost += N2M_JSON_COST_MEMBER;
			break;
		case ',':
			cost += N2M_JSON_COST_VALUE;
			break;
		default:
			break;
		}
		p++;
	}
	return cost;
}
