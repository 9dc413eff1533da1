/* SPDX-License-Identifier: MIT */
/*
 * json_scan.c - canonical JSON validation, iteration and comparison (see
 * json_scan.h). The validator is the only place that checks; everything
 * else trusts validated text and moves through it with little more than a
 * byte search. Both spend most of their time inside strings, so those are
 * crossed eight bytes at a time (plain C bit tricks on a uint64_t, see
 * "word-at-a-time helpers"); between strings the walk goes a byte at a
 * time through a class table.
 */
#include "json_scan.h"

#include <string.h>

#include "decimal.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static int hex_value(char c)
{
	return is_digit(c) ? c - '0' : c - 'a' + 10;
}

/* \u00xx is canonical only for control characters json-c has no short
 * escape for. */
static int canonical_u_escape(const char *p, const char *end)
{
	if (end - p < 4 || p[0] != '0' || p[1] != '0' || !is_lower_hex(p[2]) ||
	    !is_lower_hex(p[3]))
		return 0;
	int c = hex_value(p[2]) * 16 + hex_value(p[3]);
	return c < 0x20 && c != '\b' && c != '\t' && c != '\n' && c != '\f' && c != '\r';
}

/* ---- word-at-a-time helpers ----
 *
 * Most bytes of a canonical text are string contents that need no more than
 * "is this one special?". Eight of them are tested at once in a uint64_t
 * (SWAR), without intrinsics. Each test below sets exactly the high bit of
 * every byte that meets it (no borrows or carries cross bytes, unlike the
 * shorter (x - 0x01..) & ~x form), so the first flagged byte is right in
 * either byte order. Callers only load whole words that lie before end. */

#define LOW7 UINT64_C(0x7f7f7f7f7f7f7f7f)
#define HIGH UINT64_C(0x8080808080808080)
#define EACH(c) (UINT64_C(0x0101010101010101) * (c))

static uint64_t load8(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* High bit set in each byte of w that is '"'. ((x & LOW7) + LOW7) sets a
 * byte's high bit when its low 7 bits are nonzero, "| x" when its own high
 * bit is: what is left clear is a zero byte of x = w ^ '"'. */
static uint64_t quote_bytes(uint64_t w)
{
	uint64_t x = w ^ EACH('"');
	return ~(((x & LOW7) + LOW7) | x) & HIGH;
}

/* High bit set in each byte of w that is '"', '\\' or below 0x20: the
 * bytes a string's validation has to look at. The same trick three times
 * on the shared low 7 bits (t + 0x60 reaches the high bit from 0x20 up);
 * bytes >= 0x80 (UTF-8) are never flagged. */
static uint64_t string_special_bytes(uint64_t w)
{
	uint64_t t = w & LOW7;
	uint64_t not_quote = (t ^ EACH('"')) + LOW7;
	uint64_t not_backslash = (t ^ EACH('\\')) + LOW7;
	uint64_t not_control = t + EACH(0x60);
	return ~((not_quote & not_backslash & not_control) | w) & HIGH;
}

/* The words are only used where the first flagged byte can be found with
 * a GCC/Clang bit scan in a known byte order; elsewhere the byte loops that
 * follow them do all the work. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
	(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ || __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define WORD_AT_A_TIME 1
#else
#define WORD_AT_A_TIME 0
#endif

/* How many bytes precede the first flagged one of a nonzero mask. */
static size_t ordinary_prefix(uint64_t mask)
{
#if WORD_AT_A_TIME && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (unsigned)__builtin_ctzll(mask) / 8;
#elif WORD_AT_A_TIME
	return (unsigned)__builtin_clzll(mask) / 8;
#else
	(void)mask;
	return 0;
#endif
}

/* The first '"', '\\' or control character at or after p, or end. */
static inline const char *next_string_special(const char *p, const char *end)
{
	while (WORD_AT_A_TIME && end - p >= 8) {
		uint64_t special = string_special_bytes(load8(p));
		if (special)
			return p + ordinary_prefix(special);
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

/* The first '"' at or after p, or end. */
static inline const char *next_quote(const char *p, const char *end)
{
	while (WORD_AT_A_TIME && end - p >= 8) {
		uint64_t quotes = quote_bytes(load8(p));
		if (quotes)
			return p + ordinary_prefix(quotes);
		p += 8;
	}
	while (p < end && *p != '"')
		p++;
	return p;
}

/* p inside a string at the first byte next_string_special stopped at:
 * continues the scan of scan_string below through escapes; returns past
 * the closing quote or NULL. */
static const char *scan_string_rest(const char *p, const char *end, int *escaped)
{
	for (;; p = next_string_special(p + 1, end)) {
		if (p >= end)
			return NULL;
		if (*p == '"')
			return p + 1;
		if (*p != '\\')
			return NULL; /* a raw control character */
		*escaped = 1;
		if (++p >= end)
			return NULL;
		switch (*p) {
		case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
			break;
		case 'u':
			if (!canonical_u_escape(p + 1, end))
				return NULL;
			p += 4;
			break;
		default:
			return NULL;
		}
	}
}

/* p at the opening quote; returns past the closing quote or NULL. Sets
 * *escaped when the string has a backslash escape (left alone otherwise).
 * Most strings have none: their first special byte is the closing quote,
 * and this small part is worth inlining into the callers. */
static inline const char *scan_string(const char *p, const char *end, int *escaped)
{
	p = next_string_special(p + 1, end);
	if (p < end && *p == '"')
		return p + 1;
	return scan_string_rest(p, end, escaped);
}

static const char *scan_digits(const char *p, const char *end)
{
	const char *start = p;
	while (p < end && is_digit(*p))
		p++;
	return p > start ? p : NULL;
}

static const char *scan_number(const char *p, const char *end)
{
	const char *start = p;
	int neg = *p == '-';
	if (neg)
		p++;
	if (p >= end)
		return NULL;
	const char *int_start = p;
	if (*p == '0')
		p++;
	else if (!(p = scan_digits(p, end)))
		return NULL;
	size_t int_digits = (size_t)(p - int_start);
	int is_double = 0;
	if (p < end && *p == '.') {
		if (!(p = scan_digits(p + 1, end)))
			return NULL;
		is_double = 1;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = scan_digits(p, end)))
			return NULL;
		is_double = 1;
	}
	if (!is_double && (int_digits > 18 || (neg && p - start == 2 && start[1] == '0')))
		return NULL; /* json-c would print these from the value, not the text */
	return p;
}

static const char *scan_literal(const char *p, const char *end, const char *lit, size_t n)
{
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0 ? p + n : NULL;
}

static const char *scan_value(const char *p, const char *end, int depth);

/* Keys seen so far in one object, for the duplicate check. Every key also
 * sets one bit of seen, picked by a cheap hash: a key whose bit is still
 * clear is new without searching the list, which would otherwise cost an
 * object of n keys n*n/2 comparisons. */
struct key_set {
	uint64_t seen;
	const char *key[N2M_JSON_SCAN_MAX_KEYS];
	uint32_t len[N2M_JSON_SCAN_MAX_KEYS];
	size_t n;
};

/* length * first byte + last byte keeps the keys of the usual payloads
 * on different bits; a shared bit only costs a search. */
static uint64_t key_bit(const char *key, size_t len)
{
	if (len == 0)
		return 1;
	size_t h = len * (unsigned char)key[0] + (unsigned char)key[len - 1];
	return UINT64_C(1) << (h % 64);
}

static int key_set_add(struct key_set *ks, const char *key, size_t len)
{
	uint64_t bit = key_bit(key, len);
	if (ks->seen & bit)
		for (size_t i = 0; i < ks->n; i++)
			if (ks->len[i] == len && memcmp(ks->key[i], key, len) == 0)
				return -1;
	if (ks->n == N2M_JSON_SCAN_MAX_KEYS)
		return -1;
	ks->seen |= bit;
	ks->key[ks->n] = key;
	ks->len[ks->n++] = (uint32_t)len;
	return 0;
}

/* json-c keeps object keys as C strings: a key with an escaped NUL would
 * print cut short, so it is not canonical (an escaped backslash followed by
 * "u0000" is refused too: harmless, json-c then decides). */
static int key_has_nul(const char *p, const char *end)
{
	for (; end - p >= 6; p++)
		if (p[0] == '\\' && memcmp(p + 1, "u0000", 5) == 0)
			return 1;
	return 0;
}

/* The object at p; each member's value is scanned by fn when given (it
 * may look inside as it validates), else by scan_value. */
static const char *scan_object_with(const char *p, const char *end, int depth,
				    n2m_json_member_scan_fn fn, void *ctx)
{
	struct key_set ks;
	ks.seen = 0;
	ks.n = 0;
	if (++p < end && *p == '}')
		return p + 1;
	while (p < end && *p == '"') {
		int escaped = 0;
		const char *key_end = scan_string(p, end, &escaped);
		/* A key without a backslash cannot hold a \u0000 escape. */
		if (!key_end || (escaped && key_has_nul(p + 1, key_end - 1)) ||
		    key_set_add(&ks, p + 1, (size_t)(key_end - p - 2)) < 0)
			return NULL;
		const char *key = p + 1;
		size_t key_len = (size_t)(key_end - p - 2);
		p = key_end;
		/* A value must follow the colon: fn may read v[0] without a
		 * bounds check (json_scan.h). */
		if (end - p < 2 || *p != ':')
			return NULL;
		p = fn ? fn(ctx, key, key_len, p + 1, end, depth) : scan_value(p + 1, end, depth);
		if (!p || p >= end)
			return NULL;
		if (*p == '}')
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
	return NULL;
}

static const char *scan_object(const char *p, const char *end, int depth)
{
	return scan_object_with(p, end, depth, NULL, NULL);
}

const char *n2m_json_scan_object(const char *p, const char *end, int depth,
				 n2m_json_member_scan_fn fn, void *ctx)
{
	if (!p || p >= end || *p != '{' || depth <= 0)
		return NULL;
	return scan_object_with(p, end, depth - 1, fn, ctx);
}

const char *n2m_json_scan_array(const char *p, const char *end, int depth,
				n2m_json_element_scan_fn fn, void *ctx)
{
	if (!p || p >= end || *p != '[' || depth <= 0)
		return NULL;
	depth--;
	if (++p < end && *p == ']')
		return p + 1;
	while (p < end) {
		p = fn ? fn(ctx, p, end, depth) : scan_value(p, end, depth);
		if (!p || p >= end)
			return NULL;
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
	return NULL;
}

const char *n2m_json_scan_depth(const char *p, const char *end, int depth)
{
	return p && p <= end ? scan_value(p, end, depth) : NULL;
}

static const char *scan_array(const char *p, const char *end, int depth)
{
	if (++p < end && *p == ']')
		return p + 1;
	while (p < end) {
		if (!(p = scan_value(p, end, depth)) || p >= end)
			return NULL;
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
	return NULL;
}

static const char *scan_value(const char *p, const char *end, int depth)
{
	if (p >= end)
		return NULL;
	switch (*p) {
	case '{':
		return depth > 0 ? scan_object(p, end, depth - 1) : NULL;
	case '[':
		return depth > 0 ? scan_array(p, end, depth - 1) : NULL;
	case '"': {
		int escaped; /* only keys need to know */
		return scan_string(p, end, &escaped);
	}
	case 't':
		return scan_literal(p, end, "true", 4);
	case 'f':
		return scan_literal(p, end, "false", 5);
	case 'n':
		return scan_literal(p, end, "null", 4);
	default:
		return *p == '-' || is_digit(*p) ? scan_number(p, end) : NULL;
	}
}

const char *n2m_json_scan_value(const char *p, const char *end)
{
	return p && p <= end ? scan_value(p, end, N2M_JSON_SCAN_MAX_DEPTH) : NULL;
}

int n2m_json_is_canonical(const char *text, size_t len)
{
	return text && n2m_json_scan_value(text, text + len) == text + len;
}

/* ---- walking validated text ---- */

/* True if the quote at q, inside the string opened at open, is escaped:
 * an odd run of backslashes precedes it (each pair in the run is one
 * escaped backslash). That is what a forward walk stepping over the byte
 * after each backslash finds, for any bytes. */
static int quote_is_escaped(const char *open, const char *q)
{
	const char *run = q;
	while (run - 1 > open && run[-1] == '\\')
		run--;
	return (q - run) & 1;
}

/* The closing quote of the validated string opened at open, or end if
 * there is none before it. Canonical strings rarely hold escapes, so this
 * looks for quotes alone and asks about backslashes only before a quote
 * (q[-1] is at worst the opening quote). */
static inline const char *string_close(const char *open, const char *end)
{
	const char *q = next_quote(open + 1, end);
	while (q < end && q[-1] == '\\' && quote_is_escaped(open, q))
		q = next_quote(q + 1, end);
	return q;
}

/* Past the closing quote of the validated string at p. */
static const char *skip_string(const char *p, const char *end)
{
	const char *q = string_close(p, end);
	return q < end ? q + 1 : end;
}

/* What n2m_json_skip looks for outside strings: one table load and test
 * per byte instead of a chain of comparisons. Words do not pay here (it
 * was measured): the runs between strings are mostly a byte or two. */
enum { BYTE_QUOTE = 1, BYTE_OPEN = 2, BYTE_CLOSE = 4, BYTE_COMMA = 8 };
static const unsigned char byte_class[256] = {
	['"'] = BYTE_QUOTE, ['{'] = BYTE_OPEN, ['['] = BYTE_OPEN,
	['}'] = BYTE_CLOSE, [']'] = BYTE_CLOSE, [','] = BYTE_COMMA,
};

const char *n2m_json_skip(const char *p, const char *end)
{
	if (p >= end)
		return end;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		/* A number or literal: a few bytes up to ',', '}' or ']'. */
		while (p < end && !(byte_class[(unsigned char)*p] & (BYTE_CLOSE | BYTE_COMMA)))
			p++;
		return p;
	}
	/* An object or array: count brackets outside strings, jumping over
	 * strings whole. */
	int depth = 0;
	for (; p < end; p++) {
		unsigned cls = byte_class[(unsigned char)*p] & (BYTE_QUOTE | BYTE_OPEN | BYTE_CLOSE);
		if (!cls)
			continue;
		if (cls == BYTE_QUOTE) {
			p = string_close(p, end);
			if (p >= end)
				return end;
		} else if (cls == BYTE_OPEN) {
			depth++;
		} else if (--depth == 0) {
			return p + 1;
		}
	}
	return end;
}

void n2m_json_iter_init(struct n2m_json_iter *it, const char *text, size_t len)
{
	it->p = text + 1;
	it->end = text + len - 1; /* the closing bracket */
}

int n2m_json_next_member(struct n2m_json_iter *it, struct n2m_json_member *m)
{
	if (it->p >= it->end)
		return 0;
	const char *key_end = skip_string(it->p, it->end);
	m->key = it->p + 1;
	m->key_len = (size_t)(key_end - it->p - 2);
	m->val = key_end + 1;
	const char *v_end = n2m_json_skip(m->val, it->end);
	m->val_len = (size_t)(v_end - m->val);
	it->p = v_end + 1; /* past the comma (or onto the end) */
	return 1;
}

int n2m_json_next_key(struct n2m_json_iter *it, struct n2m_json_member *m)
{
	if (it->p >= it->end)
		return 0;
	const char *key_end = skip_string(it->p, it->end);
	m->key = it->p + 1;
	m->key_len = (size_t)(key_end - it->p - 2);
	m->val = key_end + 1;
	m->val_len = 0;
	it->p = m->val;
	return 1;
}

void n2m_json_iter_resume(struct n2m_json_iter *it, const char *val_end)
{
	it->p = val_end + 1; /* past the comma (or onto the end) */
}

int n2m_json_next_element(struct n2m_json_iter *it, const char **val, size_t *val_len)
{
	if (it->p >= it->end)
		return 0;
	const char *v_end = n2m_json_skip(it->p, it->end);
	*val = it->p;
	*val_len = (size_t)(v_end - it->p);
	it->p = v_end + 1;
	return 1;
}

/* Callers test one key against a list of literals, so most answers are
 * "no" at the first byte: compare as we go rather than strlen + memcmp.
 * Reads lit no further than its NUL and the key no further than key_len. */
int n2m_json_key_is(const struct n2m_json_member *m, const char *lit)
{
	for (size_t i = 0; i < m->key_len; i++)
		if (lit[i] != m->key[i] || lit[i] == '\0')
			return 0;
	return lit[m->key_len] == '\0';
}

enum n2m_json_kind n2m_json_kind(const char *val, size_t len)
{
	switch (val[0]) {
	case '{': return N2M_JSON_OBJECT;
	case '[': return N2M_JSON_ARRAY;
	case '"': return N2M_JSON_STRING;
	case 't': return N2M_JSON_TRUE;
	case 'f': return N2M_JSON_FALSE;
	case 'n': return N2M_JSON_NULL;
	default: break;
	}
	for (size_t i = 0; i < len; i++)
		if (val[i] == '.' || val[i] == 'e' || val[i] == 'E')
			return N2M_JSON_DOUBLE;
	return N2M_JSON_INT;
}

int64_t n2m_json_int(const char *val, size_t len)
{
	size_t i = val[0] == '-';
	int64_t v = 0;
	for (; i < len; i++)
		v = v * 10 + (val[i] - '0');
	return val[0] == '-' ? -v : v;
}

/* ---- equality ---- */

static double double_of(const char *val, size_t len)
{
	double d = 0; /* stays 0 only when out of memory for a long number */
	n2m_decimal_strtod(val, len, &d);
	return d;
}

/* The value of key in the validated object, or NULL. */
static const char *object_get(const char *obj, size_t len, const char *key, size_t key_len,
			      size_t *val_len)
{
	struct n2m_json_iter it;
	struct n2m_json_member m;
	n2m_json_iter_init(&it, obj, len);
	while (n2m_json_next_member(&it, &m)) {
		if (m.key_len == key_len && memcmp(m.key, key, key_len) == 0) {
			*val_len = m.val_len;
			return m.val;
		}
	}
	return NULL;
}

/* Objects with the same keys in the same order (the usual case: both come
 * from the same producer) compare pairwise; 1 equal, 0 not, -1 the key
 * orders differ (compare as sets). Keys are unique, so once a key matches
 * in place, its values decide. */
static int objects_equal_in_order(const char *a, size_t alen, const char *b, size_t blen)
{
	struct n2m_json_iter ia, ib;
	struct n2m_json_member ma, mb;
	n2m_json_iter_init(&ia, a, alen);
	n2m_json_iter_init(&ib, b, blen);
	for (;;) {
		int more_a = n2m_json_next_member(&ia, &ma);
		int more_b = n2m_json_next_member(&ib, &mb);
		if (!more_a || !more_b)
			return more_a == more_b ? 1 : -1;
		if (ma.key_len != mb.key_len || memcmp(ma.key, mb.key, ma.key_len) != 0)
			return -1;
		if (!n2m_json_equal(ma.val, ma.val_len, mb.val, mb.val_len))
			return 0;
	}
}

static int objects_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	int in_order = objects_equal_in_order(a, alen, b, blen);
	if (in_order >= 0)
		return in_order;

	struct n2m_json_iter it;
	struct n2m_json_member m;
	size_t na = 0, nb = 0;
	n2m_json_iter_init(&it, b, blen);
	while (n2m_json_next_member(&it, &m))
		nb++;
	n2m_json_iter_init(&it, a, alen);
	while (n2m_json_next_member(&it, &m)) {
		size_t bv_len;
		const char *bv = object_get(b, blen, m.key, m.key_len, &bv_len);
		if (!bv || !n2m_json_equal(m.val, m.val_len, bv, bv_len))
			return 0;
		na++;
	}
	return na == nb;
}

static int arrays_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	struct n2m_json_iter ia, ib;
	const char *va, *vb;
	size_t la, lb;
	n2m_json_iter_init(&ia, a, alen);
	n2m_json_iter_init(&ib, b, blen);
	for (;;) {
		int more_a = n2m_json_next_element(&ia, &va, &la);
		int more_b = n2m_json_next_element(&ib, &vb, &lb);
		if (more_a != more_b)
			return 0;
		if (!more_a)
			return 1;
		if (!n2m_json_equal(va, la, vb, lb))
			return 0;
	}
}

/* Fraction digits of a plain decimal "-?int.frac" with at most 15 digits
 * in all, or -1 for anything else (exponents, longer numbers). */
static int plain_fraction_digits(const char *v, size_t len)
{
	size_t digits = 0;
	int frac = -1;
	for (size_t i = v[0] == '-'; i < len; i++) {
		if (v[i] == '.')
			frac = 0;
		else if (!is_digit(v[i]))
			return -1;
		else if (digits++, frac >= 0)
			frac++;
	}
	return digits <= 15 ? frac : -1;
}

/* Doubles by value, as json_object_equal compares them, without strtod
 * when the texts decide: the same bytes are the same value; two plain
 * decimals with the same sign, length and fraction digits but different
 * bytes are different exact decimals (canonical integer parts have no
 * leading zeros), and with at most 15 significant digits (DBL_DIG) they
 * stay different doubles. The rest (exponents, "1.5" vs "1.50", -0.0 vs
 * 0.0) goes through strtod. */
static int doubles_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen == blen && memcmp(a, b, alen) == 0)
		return 1;
	if (alen == blen && (a[0] == '-') == (b[0] == '-')) {
		int fa = plain_fraction_digits(a, alen);
		if (fa >= 0 && fa == plain_fraction_digits(b, blen))
			return 0;
	}
	return double_of(a, alen) == double_of(b, blen);
}

int n2m_json_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	enum n2m_json_kind ka = n2m_json_kind(a, alen);
	if (ka != n2m_json_kind(b, blen))
		return 0;
	switch (ka) {
	case N2M_JSON_OBJECT:
		/* Canonical text of equal content in the same key order is the
		 * same bytes; only a reordering needs the set comparison. */
		return (alen == blen && memcmp(a, b, alen) == 0) || objects_equal(a, alen, b, blen);
	case N2M_JSON_ARRAY:
		return (alen == blen && memcmp(a, b, alen) == 0) || arrays_equal(a, alen, b, blen);
	case N2M_JSON_DOUBLE:
		return doubles_equal(a, alen, b, blen);
	default:
		/* Strings, integers and literals have one canonical spelling. */
		return alen == blen && memcmp(a, b, alen) == 0;
	}
}

/* ---- escaping ---- */

void n2m_json_escape_jsonc(struct n2m_buf *b, const char *s, size_t n)
{
	/* json-c writes \b and \f short; the other controls as \u00XX. */
	n2m_buf_json_string_escaped(b, s, n, 1);
}
