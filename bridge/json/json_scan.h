/* SPDX-License-Identifier: MIT */
/*
 * json_scan.h - a zero-copy scanner for canonical JSON: text exactly as
 * json-c prints it (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
 * after parsing it. Such text can be spliced into payloads verbatim with the
 * guarantee that the bytes equal what the json-c path would render.
 *
 * Canonical here means: no white space outside strings; string escapes only
 * \" \\ \b \f \n \r \t and \u00xx (lowercase hex) for the other control
 * characters, every other byte raw (json-c does not check UTF-8 either);
 * integers without leading zeros, not -0, at most 18 digits (json-c prints
 * integers from their value); numbers with a fraction or exponent as they
 * are (json-c keeps a parsed double's text); no duplicate keys in an
 * object; nesting at most N2M_JSON_SCAN_MAX_DEPTH. Everything it accepts is
 * valid JSON that json-c's strict parser accepts too; the reverse does not
 * hold, and callers fall back to json-c for anything refused.
 *
 * Once a value has been validated, the iterators below walk it without
 * checking again.
 */
#ifndef N2M_JSON_SCAN_H
#define N2M_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"

#define N2M_JSON_SCAN_MAX_DEPTH 24
/* Objects with more keys than this are refused (duplicate check bound). */
#define N2M_JSON_SCAN_MAX_KEYS 128

/* Validates one canonical value starting at p (no leading white space).
 * Returns the end of the value, or NULL if p[0..end) does not start with a
 * canonical value. */
const char *n2m_json_scan_value(const char *p, const char *end);

/* Validating walks that let the caller look inside while it validates,
 * so a value is read once. depth is the nesting still allowed (start with
 * N2M_JSON_SCAN_MAX_DEPTH). For each member of the object at p, fn scans
 * the value at v (with the depth left) and returns its end or NULL; for each
 * element of the array at p, fn does the same. fn is only called with
 * v < end, so it may look at v[0]; it must read nothing at or past end. A NULL fn validates with
 * n2m_json_scan_depth. Both return the end of the object / array or NULL. */
typedef const char *(*n2m_json_member_scan_fn)(void *ctx, const char *key, size_t key_len,
					       const char *v, const char *end, int depth);
typedef const char *(*n2m_json_element_scan_fn)(void *ctx, const char *v, const char *end,
						int depth);
const char *n2m_json_scan_object(const char *p, const char *end, int depth,
				 n2m_json_member_scan_fn fn, void *ctx);
const char *n2m_json_scan_array(const char *p, const char *end, int depth,
				n2m_json_element_scan_fn fn, void *ctx);
/* n2m_json_scan_value with an explicit depth allowance. */
const char *n2m_json_scan_depth(const char *p, const char *end, int depth);

/* True if text[0..len) is exactly one canonical value. */
int n2m_json_is_canonical(const char *text, size_t len);

/* The end of the value at p; p must start a validated value. */
const char *n2m_json_skip(const char *p, const char *end);

/* One member of an object; key is the raw text between the quotes. */
struct n2m_json_member {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
};

struct n2m_json_iter {
	const char *p, *end;
};

/* Starts iterating a validated object or array value text[0..len). */
void n2m_json_iter_init(struct n2m_json_iter *it, const char *text, size_t len);
/* Next member of an object / element of an array: 1, or 0 at the end. */
int n2m_json_next_member(struct n2m_json_iter *it, struct n2m_json_member *m);
int n2m_json_next_element(struct n2m_json_iter *it, const char **val, size_t *val_len);

/* The next member's key only: m->val points at its value and m->val_len
 * is 0; the caller must step past the value with n2m_json_iter_resume
 * (for a caller that walks the value itself instead of skipping it). */
int n2m_json_next_key(struct n2m_json_iter *it, struct n2m_json_member *m);
/* Goes on after a value that ends at val_end (the byte after it). */
void n2m_json_iter_resume(struct n2m_json_iter *it, const char *val_end);

/* True if the raw key equals lit (lit has no characters needing escapes). */
int n2m_json_key_is(const struct n2m_json_member *m, const char *lit);

/* Value kinds by first byte. */
enum n2m_json_kind {
	N2M_JSON_OBJECT, N2M_JSON_ARRAY, N2M_JSON_STRING, N2M_JSON_INT, N2M_JSON_DOUBLE,
	N2M_JSON_TRUE, N2M_JSON_FALSE, N2M_JSON_NULL,
};
enum n2m_json_kind n2m_json_kind(const char *val, size_t len);

/* A validated canonical integer's value (it fits: at most 18 digits). */
int64_t n2m_json_int(const char *val, size_t len);

/* Structural equality of two validated values with json_object_equal's
 * rules: same type (an integer never equals a double), numbers by value,
 * strings by content, arrays element by element, objects as key sets. */
int n2m_json_equal(const char *a, size_t alen, const char *b, size_t blen);

/* A JSON string literal escaped exactly as json-c escapes it (with
 * NOSLASHESCAPE): \" \\ \b \f \n \r \t, \u00xx for other bytes < 0x20. */
void n2m_json_escape_jsonc(struct n2m_buf *b, const char *s, size_t n);

#endif
