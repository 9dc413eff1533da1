/* SPDX-License-Identifier: MIT */
/*
 * json_cost.h - how much memory json-c would take to parse a JSON text,
 * estimated from the text alone in one pass (no allocation), so the bridge
 * can refuse to hand json-c a text whose tree would be too big.
 *
 * json-c spends far more on structure than on bytes: measured with json-c
 * 0.16 on glibc, an object costs ~800 bytes even when empty (its hash
 * table), an array ~150 bytes, any other value ~70-100 bytes, an object
 * member ~120-200 on top; "[{},{},...]" takes ~260 bytes of memory per
 * byte of text, typical tracker states ~9. The estimate charges more than
 * each of those, so a text that passes a budget does not take more than it.
 */
#ifndef N2M_JSON_COST_H
#define N2M_JSON_COST_H

#include <stddef.h>

/* What the estimate charges (bytes). */
#define N2M_JSON_COST_OBJECT 1024 /* each '{' */
#define N2M_JSON_COST_ARRAY 320   /* each '[' */
#define N2M_JSON_COST_MEMBER 192  /* each ':' (hash entry, key copy) */
#define N2M_JSON_COST_VALUE 128   /* each value (counted by ',' plus one) */

/* The estimated peak memory of json_tokener_parse on text[0..len): the
 * text's length (string contents are copied) plus the charges above for
 * the structure outside strings. Any bytes are accepted (invalid JSON is
 * estimated as if it were valid); reads nothing past len. */
size_t n2m_json_tree_cost(const char *text, size_t len);

#endif
