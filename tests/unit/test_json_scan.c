/* SPDX-License-Identifier: MIT */
/*
 * test_json_scan.c - the canonical JSON scanner (json_scan.h), the fast
 * frame path (navixy_scan.h) and the text mapping (mapping_text.c,
 * readings_text.c), each checked against the json-c path it replaces: the
 * same frames, the same payloads byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json_scan.h"
#include "mapping.h"
#include "navixy_frame_fast.h"
#include "readings_merge.h"
#include "readings_text.h"
#include "tracker_table.h"
#include "unit_data.h"

#define PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static int canon(const char *s)
{
	return n2m_json_is_canonical(s, strlen(s));
}

static void accepts_only_what_jsonc_prints_back(void **state)
{
	(void)state;
	const char *yes[] = { "{}", "[]", "{\"a\":[1,-2,0,1.50,1E5,-0.0,true,false,null]}",
			      "\"\\u001f\\n\\\"\\\\\xc3\xa9/\"", "{\"a\":{\"b\":[{}]}}",
			      "123456789012345678" };
	const char *no[] = { "{ }", " {}", "{\"a\":1,\"a\":2}", "\"\\/\"", "\"\\u0041\"",
			     "\"\\u000a\"", "\"\\u001F\"", "-0", "01", "1.", ".5",
			     "1234567890123456789", "[1,]", "{\"a\"}", "\"a", "nul", "\"\x01\"",
			     "[1] ", "{\"a\":1,}" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_true(canon(yes[i]));
		struct json_object *o = json_tokener_parse(yes[i]);
		assert_string_equal(json_object_to_json_string_ext(o, PLAIN), yes[i]);
		json_object_put(o);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(canon(no[i]));
	char deep[64] = { 0 };
	memset(deep, '[', N2M_JSON_SCAN_MAX_DEPTH + 1);
	memset(deep + N2M_JSON_SCAN_MAX_DEPTH + 1, ']', N2M_JSON_SCAN_MAX_DEPTH + 1);
	assert_false(canon(deep));
}

static void escapes_every_byte_like_jsonc(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char s[4] = { 'a', (char)c, 'b', 0 };
		struct json_object *o = json_object_new_string(s);
		struct n2m_buf b;
		n2m_buf_init(&b);
		n2m_json_escape_jsonc(&b, s, 3);
		assert_string_equal(b.data, json_object_to_json_string_ext(o, PLAIN));
		n2m_buf_free(&b);
		json_object_put(o);
	}
}

static int eq(const char *a, const char *b)
{
	return n2m_json_equal(a, strlen(a), b, strlen(b));
}

static void equality_follows_json_object_equal(void **state)
{
	(void)state;
	assert_true(eq("{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2],\"a\":1}"));
	assert_true(eq("1.0", "1.00"));
	assert_false(eq("1", "1.0"));
	assert_false(eq("{\"a\":1}", "{\"a\":1,\"b\":2}"));
	assert_false(eq("[1,2]", "[2,1]"));
	assert_true(eq("null", "null"));
	assert_false(eq("\"a\"", "\"b\""));
}

/* Doubles: the text shortcuts (same bytes; same-shaped plain decimals)
 * must agree with json_object_equal on every pair, including values that
 * only strtod can tell apart or together. */
static void double_equality_follows_jsonc(void **state)
{
	(void)state;
	static const char *v[] = {
		"0.0", "-0.0", "0.00", "1.5", "1.50", "2.5", "0.05", "0.50", "13.97", "14.17",
		"-13.97", "1e2", "100.0", "1.0E2", "170458.4143", "170458.4144",
		"0.1000000000000000001", "0.1000000000000000002", "12345678901234.5",
		"12345678901234.6", "123456789012345.6", "123456789012345.7",
		"9007199254740993.0", "9007199254740992.0",
	};
	size_t n = sizeof(v) / sizeof(v[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n; k++) {
			struct json_object *a = json_tokener_parse(v[i]);
			struct json_object *b = json_tokener_parse(v[k]);
			assert_int_equal(eq(v[i], v[k]), json_object_equal(a, b));
			json_object_put(a);
			json_object_put(b);
		}
	/* Random same-shaped pairs, where the shortcut answers. */
	srand(7);
	for (int t = 0; t < 20000; t++) {
		char a[32], b[32];
		int ip = rand() % 9 + 1, fp = rand() % 8 + 1;
		snprintf(a, sizeof a, "%.*f", fp, (rand() % 1000000) / 1000.0 * ip);
		snprintf(b, sizeof b, "%.*f", fp, (rand() % 1000000) / 1000.0 * ip);
		if (strlen(a) != strlen(b))
			continue;
		assert_int_equal(eq(a, b), strtod(a, NULL) == strtod(b, NULL));
	}
}

/* ---- the word-at-a-time string paths ----
 *
 * json_scan.c crosses strings eight bytes at a time and looks back for
 * backslashes before a quote. The cases below put every kind of special
 * byte at every offset mod 8, next to word edges and at the very end of
 * the buffer, and compare with json-c. Every text is copied into a buffer
 * of exactly its length, so a read past the end is an ASan error. */

static char *exact_copy(const char *s, size_t len)
{
	char *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, s, len);
	return b;
}

/* What json_scan.h promises, asked of json-c: the text parses strictly
 * (inside an array, so a bare value has a byte after it) and prints back
 * byte for byte. */
static int jsonc_canonical(const char *text, size_t len)
{
	char *wrapped = malloc(len + 3);
	assert_non_null(wrapped);
	wrapped[0] = '[';
	memcpy(wrapped + 1, text, len);
	wrapped[len + 1] = ']';
	wrapped[len + 2] = '\0';
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *o = json_tokener_parse_ex(tok, wrapped, (int)len + 2);
	int ok = json_tokener_get_error(tok) == json_tokener_success &&
		 json_tokener_get_parse_end(tok) == len + 2;
	json_tokener_free(tok);
	if (ok) {
		size_t out_len = 0;
		const char *out = json_object_to_json_string_length(o, PLAIN, &out_len);
		ok = out_len == len + 2 && memcmp(out, wrapped, len + 2) == 0;
	}
	json_object_put(o);
	free(wrapped);
	return ok;
}

/* A key holding the text \u0000 is refused even after an escaped
 * backslash (json_scan.c, key_has_nul), where json-c would print it back. */
static int jsonc_canonical_key(const char *text, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++)
		if (memcmp(text + i, "\\u0000", 6) == 0)
			return 0;
	return 1;
}

static int canon_exact(const char *s, size_t len)
{
	char *b = exact_copy(s, len);
	int r = n2m_json_is_canonical(b, len);
	free(b);
	return r;
}

/* canon_exact of the text and of every nonempty prefix of it (truncated
 * input) must agree with json-c; key_at, if not NULL, marks a key for the
 * \u0000 exception above. */
static void agrees_with_jsonc(const char *s, size_t len, const char *key_at, size_t key_len)
{
	for (size_t n = len; n > 0; n--) {
		int want = jsonc_canonical(s, n);
		if (want && key_at && key_at + key_len <= s + n)
			want = jsonc_canonical_key(key_at, key_len);
		if (canon_exact(s, n) != want)
			fail_msg("canonical(%.*s) != %d (json-c)", (int)n, s, want);
	}
}

/* Pieces of string contents, each raw as it would stand between the
 * quotes: ordinary and special bytes, canonical and other escapes. */
static const char *const pieces[] = {
	"a", "~", "\x7f", "\xc3\xa9", "\xff", "/", "'", "\\\"", "\\\\", "\\\\\\\\", "\\\\\\\"",
	"\\n", "\\t", "\\b", "\\f", "\\r", "\\/", "\\u001f", "\\u0000", "\\u0001", "\\u0041",
	"\\u000a", "\\u001F", "\\u00", "\\x", "\\", "\"", "\x01", "\x1f", "\t", "\n", "\x20",
	"!", "#", "[", "]", "{", "}", ",", ":", "\\\\\"",
	/* high bytes whose low 7 bits are '"', '\\' or a control character */
	"\xa2", "\xdc", "\x80", "\x9f", "\xe2\x80\xa2",
};
#define N_PIECES (sizeof(pieces) / sizeof(pieces[0]))

/* "<pad a's><piece><tail b's>" as a bare string, an array element, a key
 * and an object value. */
static void string_in_contexts(size_t pad, const char *piece, size_t tail)
{
	char body[64], text[160];
	assert_true(pad + strlen(piece) + tail < sizeof body);
	memset(body, 'a', pad);
	int n = (int)pad;
	n += sprintf(body + n, "%s", piece);
	memset(body + n, 'b', tail);
	n += (int)tail;
	body[n] = '\0';

	int len = snprintf(text, sizeof text, "\"%s\"", body);
	agrees_with_jsonc(text, (size_t)len, NULL, 0);
	len = snprintf(text, sizeof text, "[1,\"%s\"]", body);
	agrees_with_jsonc(text, (size_t)len, NULL, 0);
	len = snprintf(text, sizeof text, "{\"%s\":\"%s\"}", body, body);
	agrees_with_jsonc(text, (size_t)len, text + 2, (size_t)n);
}

static void strings_at_every_offset_agree_with_jsonc(void **state)
{
	(void)state;
	for (size_t pad = 0; pad <= 17; pad++)
		for (size_t i = 0; i < N_PIECES; i++)
			for (size_t tail = 0; tail <= 9; tail += (pad < 9 ? 1 : 4))
				string_in_contexts(pad, pieces[i], tail);
	/* Two pieces in a row, e.g. an escaped backslash then a quote. */
	for (size_t pad = 0; pad <= 9; pad++)
		for (size_t i = 0; i < N_PIECES; i++)
			for (size_t k = 0; k < N_PIECES; k++) {
				char two[32];
				snprintf(two, sizeof two, "%s%s", pieces[i], pieces[k]);
				string_in_contexts(pad, two, pad % 3);
			}
	/* Named cases: the quote after an even run of backslashes closes. */
	assert_true(canon("\"a\\\\\""));
	assert_true(canon("\"aaaaaaa\\\\\""));
	assert_true(canon("[\"aaaaaa\\\\\\\\\",1]"));
	assert_false(canon("\"a\\\\\\\""));
	assert_false(canon("\"aaaaaaa\\\""));
	assert_true(canon("{\"\\u0001\":1}"));
	assert_false(canon("{\"a\\u0000\":1}"));
	assert_false(canon("{\"a\\\\u0000\":1}")); /* see jsonc_canonical_key */
}

/* Every byte at each position of a string long enough for whole words,
 * alone and right after an escape, with the string closing at once or
 * later: only the control characters, '"' and '\\' may change the answer. */
static void control_characters_at_every_position(void **state)
{
	(void)state;
	char text[48];
	for (int c = 0; c < 0x100; c++)
		for (size_t at = 1; at + 2 <= sizeof text; at++)
			for (int after_escape = 0; after_escape < 2; after_escape++) {
				if (after_escape && at < 3)
					continue;
				memset(text, 'x', sizeof text);
				text[0] = '"';
				if (after_escape)
					memcpy(text + at - 2, "\\n", 2);
				text[at] = (char)c;
				int want = c >= 0x20 && c != '"' && c != '\\';
				for (size_t len = at + 2; len <= sizeof text; len += 3) {
					text[len - 1] = '"';
					assert_int_equal(canon_exact(text, len), want);
					if (len == at + 2)
						assert_int_equal(jsonc_canonical(text, len), want);
					text[len - 1] = 'x';
				}
			}
}

/* The byte walk n2m_json_skip did before it went a word at a time; for
 * any bytes, validated or not, the answers must stay the same. */
static const char *plain_skip(const char *p, const char *end)
{
	if (p >= end)
		return end;
	if (*p == '"') {
		for (p++; p < end; p++) {
			if (*p == '"')
				return p + 1;
			if (*p == '\\')
				p++;
		}
		return end;
	}
	if (*p != '{' && *p != '[') {
		while (p < end && *p != ',' && *p != '}' && *p != ']')
			p++;
		return p;
	}
	int depth = 0;
	for (; p < end; p++) {
		char c = *p;
		if (c == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return end;
}

static void skip_matches_plain_walk(void **state)
{
	(void)state;
	/* Structure-heavy bytes, and long runs with rarer specials for the
	 * word-at-a-time paths (high bytes that look like '"' or '\\' below
	 * bit 7 among them). */
	static const char dense[] = "\"\\\\\\{}[],:ab\"\"\x01";
	static const char sparse[] = "\"\\{}[],aaaaaaaaaaaaaaaaaaaaaaaa\xa2\xdc\x80";
	char text[40];
	srand(11);
	for (int t = 0; t < 40000; t++) {
		const char *alphabet = t % 2 ? dense : sparse;
		int n_alphabet = (int)(t % 2 ? sizeof dense : sizeof sparse) - 1;
		size_t len = (size_t)(rand() % (int)sizeof text) + 1;
		for (size_t i = 0; i < len; i++)
			text[i] = alphabet[rand() % n_alphabet];
		if (t % 3 == 0)
			text[0] = "\"{["[t % 9 / 3];
		char *b = exact_copy(text, len);
		for (size_t from = 0; from < len; from++)
			assert_ptr_equal(n2m_json_skip(b + from, b + len), plain_skip(b + from, b + len));
		free(b);
	}
}

/* Walks the array "[s,{"k":[s]},s]" and the object "{s:s,"z":{s:[s]}}"
 * for a canonical string s and checks every element, key and value. */
static void walk_around(const char *s, size_t n)
{
	char text[256];
	struct n2m_json_iter it;
	const char *v;
	size_t vl;
	int len = snprintf(text, sizeof text, "[%s,{\"k\":[%s]},%s]", s, s, s);
	char *b = exact_copy(text, (size_t)len);
	assert_true(n2m_json_is_canonical(b, (size_t)len));
	assert_ptr_equal(n2m_json_skip(b, b + len), b + len);
	n2m_json_iter_init(&it, b, (size_t)len);
	assert_true(n2m_json_next_element(&it, &v, &vl));
	assert_ptr_equal(v, b + 1);
	assert_int_equal(vl, n);
	assert_true(n2m_json_next_element(&it, &v, &vl));
	assert_int_equal(vl, n + 8);
	assert_memory_equal(v, "{\"k\":[", 6);
	assert_true(n2m_json_next_element(&it, &v, &vl));
	assert_int_equal(vl, n);
	assert_ptr_equal(v + vl, b + len - 1);
	assert_false(n2m_json_next_element(&it, &v, &vl));
	free(b);

	len = snprintf(text, sizeof text, "{%s:%s,\"z\":{%s:[%s]}}", s, s, s, s);
	b = exact_copy(text, (size_t)len);
	if (n2m_json_is_canonical(b, (size_t)len)) { /* not if s is "z" or has \u0000 */
		struct n2m_json_member m;
		n2m_json_iter_init(&it, b, (size_t)len);
		assert_true(n2m_json_next_member(&it, &m));
		assert_ptr_equal(m.key, b + 2);
		assert_int_equal(m.key_len, n - 2);
		assert_int_equal(m.val_len, n);
		assert_memory_equal(m.val, s, n);
		assert_true(n2m_json_next_member(&it, &m));
		assert_true(n2m_json_key_is(&m, "z"));
		assert_int_equal(m.val_len, 2 * n + 5);
		assert_ptr_equal(m.val + m.val_len, b + len - 1);
		assert_false(n2m_json_next_member(&it, &m));
	}
	free(b);
}

static void walks_cross_strings_at_every_offset(void **state)
{
	(void)state;
	char s[64];
	for (size_t pad = 0; pad <= 17; pad++)
		for (size_t i = 0; i < N_PIECES; i++)
			for (size_t k = 0; k < N_PIECES; k += 3) {
				memset(s, 'a', pad + 1);
				s[0] = '"';
				int n = (int)pad + 1;
				n += snprintf(s + n, sizeof s - (size_t)n, "%s%s\"", pieces[i], pieces[k]);
				if (n2m_json_is_canonical(s, (size_t)n))
					walk_around(s, (size_t)n);
			}
	/* A string that ends exactly at the end of the buffer. */
	for (size_t len = 2; len < 20; len++) {
		char *b = malloc(len);
		assert_non_null(b);
		memset(b, 'a', len);
		b[0] = b[len - 1] = '"';
		if (len > 3)
			b[len - 2] = b[len - 3] = '\\';
		assert_ptr_equal(n2m_json_skip(b, b + len), b + len);
		assert_ptr_equal(n2m_json_skip(b, b + len - 1), b + len - 1); /* unclosed */
		free(b);
	}
}

/* The duplicate-key check (a bit per key hash, then a search) against
 * json-c, which keeps one of two equal keys and so prints fewer back. */
static void duplicate_keys_agree_with_jsonc(void **state)
{
	(void)state;
	static const char *keys[] = { "a", "b", "ab", "ba", "aa", "bb", "", "a\\\\", "\\\"",
				      "abc", "cba", "acb", "update_time", "updated", "type" };
	size_t nk = sizeof(keys) / sizeof(keys[0]);
	char text[2048];
	srand(5);
	for (int t = 0; t < 4000; t++) {
		int n = 0, members = rand() % 12 + 1;
		n += sprintf(text + n, "{");
		for (int i = 0; i < members; i++)
			n += sprintf(text + n, "%s\"%s\":%d", i ? "," : "", keys[rand() % nk], i);
		n += sprintf(text + n, "}");
		assert_int_equal(canon_exact(text, (size_t)n), jsonc_canonical(text, (size_t)n));
	}
	/* The key limit is where it was. */
	int n = sprintf(text, "{");
	for (int i = 0; i < N2M_JSON_SCAN_MAX_KEYS; i++)
		n += sprintf(text + n, "%s\"%d\":0", i ? "," : "", i);
	assert_false(canon_exact(text, (size_t)n)); /* unclosed */
	text[n] = '}';
	assert_true(canon_exact(text, (size_t)n + 1));
	n += sprintf(text + n, ",\"x\":0}");
	assert_false(canon_exact(text, (size_t)n));
}

static void key_is_compares_whole_keys(void **state)
{
	(void)state;
	struct n2m_json_member m = { .key = "abcX", .key_len = 3 };
	assert_true(n2m_json_key_is(&m, "abc"));
	assert_false(n2m_json_key_is(&m, "ab"));
	assert_false(n2m_json_key_is(&m, "abcX"));
	assert_false(n2m_json_key_is(&m, "abd"));
	assert_false(n2m_json_key_is(&m, ""));
	m.key_len = 0;
	assert_true(n2m_json_key_is(&m, ""));
	assert_false(n2m_json_key_is(&m, "a"));
	/* A NUL in the key must not take the compare past the literal's end. */
	char *lit = exact_copy("a", 2);
	m = (struct n2m_json_member){ .key = "a\0b", .key_len = 3 };
	assert_false(n2m_json_key_is(&m, lit));
	free(lit);
}

/* The data files, printed compactly by json-c, through both parsers. */
static void fast_frames_match_jsonc_frames(void **state)
{
	(void)state;
	const char *files[] = { "state_batch_obs.json", "readings_batch_obs.json",
				"state_doc.json" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = unit_data_read(files[i], &len);
		assert_non_null(text);
		struct json_object *o = json_tokener_parse(text);
		const char *compact = json_object_to_json_string_ext(o, PLAIN);
		struct nvx_frame a, b;
		char err[200];
		assert_int_equal(nvx_frame_parse(compact, strlen(compact), &a, err, sizeof err), 0);
		assert_int_equal(nvx_frame_parse_fast(compact, strlen(compact), &b, err, sizeof err), 0);
		assert_int_equal(a.event, b.event);
		assert_int_equal(a.n_items, b.n_items);
		for (size_t k = 0; k < a.n_items; k++) {
			assert_int_equal(a.items[k].id, b.items[k].id);
			if (!b.items[k].raw)
				continue; /* json-c path */
			const char *want = json_object_to_json_string_ext(a.items[k].obj, PLAIN);
			assert_int_equal(strlen(want), b.items[k].raw_len);
			assert_memory_equal(want, b.items[k].raw, b.items[k].raw_len);
		}
		nvx_frame_free(&a);
		nvx_frame_free(&b);
		json_object_put(o);
		free(text);
	}
}

static void non_canonical_frames_take_the_jsonc_path(void **state)
{
	(void)state;
	const char *pretty = "{ \"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":5}}";
	const char *bad = "{\"type\":\"event\",\"event\":\"state_batch\",\"data\":[{\"source_id\":0}]}";
	struct nvx_frame f;
	char err[200];
	assert_int_equal(nvx_frame_parse_fast(pretty, strlen(pretty), &f, err, sizeof err), 0);
	assert_non_null(f.items[0].obj);
	nvx_frame_free(&f);
	assert_int_equal(nvx_frame_parse_fast(bad, strlen(bad), &f, err, sizeof err), 0);
	assert_int_equal(f.n_items, 0);
	assert_int_equal(f.n_bad_items, 1);
	nvx_frame_free(&f);
	const char *cut = "{\"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":5}";
	assert_int_equal(nvx_frame_parse_fast(cut, strlen(cut), &f, err, sizeof err), -1);
	assert_string_equal(err, "not JSON: truncated");
}

/* Every prefix of hot frames, as an exact-size heap copy with no NUL after
 * it: the fast path must judge each from its bytes alone (under ASan a read
 * past the end fails here). A message may end right after a key's colon
 * ("{\"type\":"), inside an item, or after a wrapped state's "state" key. */
static void fast_path_reads_only_the_message(void **state)
{
	(void)state;
	const char *frames[] = {
		"{\"type\":\"event\",\"event\":\"state_batch\",\"data\":[{\"type\":"
		"\"source_state_event\",\"state\":{\"source_id\":5,\"gps\":{}}}]}",
		"{\"type\":\"event\",\"event\":\"readings_batch\",\"data\":[{\"tracker_id\":7,"
		"\"inputs\":[]}]}",
		"{\"type\":\"event\",\"event\":\"state\",\"data\":{\"source_id\":5}}",
		"{\"data\":{\"state\":{\"source_id\":5}},\"type\":\"event\",\"event\":\"state\"}",
	};
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		size_t n = strlen(frames[i]);
		for (size_t cut = 0; cut <= n; cut++) {
			char *b = exact_copy(frames[i], cut);
			struct nvx_frame f;
			char err[200];
			int rc = nvx_frame_parse_fast(b, cut, &f, err, sizeof err);
			/* Only the whole message is a frame. */
			assert_int_equal(rc, cut == n ? 0 : -1);
			nvx_frame_free(&f);
			free(b);
		}
	}
}

struct pair {
	struct n2m_config cfg;
	struct n2m_tracker_table t;
	struct n2m_tracker *a, *b; /* a: json-c path, b: text path */
	struct n2m_map_ctx ctx;
};

static void pair_init(struct pair *p, const char *label)
{
	n2m_config_defaults(&p->cfg);
	n2m_tracker_table_init(&p->t, N2M_TOPIC_ID_TRACKER_ID);
	p->a = n2m_tracker_get_or_add(&p->t, 7, NULL);
	p->b = n2m_tracker_get_or_add(&p->t, 8, NULL);
	n2m_tracker_set_label(&p->t, p->a, label, NULL);
	n2m_tracker_set_label(&p->t, p->b, label, NULL);
	p->b->id = 7; /* same payloads; the table is not searched below */
	p->ctx = (struct n2m_map_ctx){ .base_topic = "n", .topics = &p->cfg.topics, .now = 1760000000 };
}

static void pair_free(struct pair *p)
{
	p->b->id = 8;
	n2m_tracker_table_free(&p->t);
	n2m_config_free(&p->cfg);
}

static void same_pubs(struct n2m_pub_list *x, struct n2m_pub_list *y)
{
	assert_int_equal(x->n, y->n);
	for (size_t i = 0; i < x->n; i++) {
		assert_string_equal(x->items[i].payload, y->items[i].payload);
		assert_int_equal(x->items[i].cls, y->items[i].cls);
	}
	n2m_pub_list_clear(x);
	n2m_pub_list_clear(y);
}

static void map_both(struct pair *p, const char *json, int readings)
{
	struct n2m_pub_list x, y;
	char e1[200] = "", e2[200] = "";
	n2m_pub_list_init(&x);
	n2m_pub_list_init(&y);
	struct json_object *o = json_tokener_parse(json);
	int r1 = readings ? n2m_map_readings(&p->ctx, p->a, o, &x, e1, sizeof e1)
			  : n2m_map_state(&p->ctx, p->a, o, &x, e1, sizeof e1);
	int r2 = readings ? n2m_map_readings_text(&p->ctx, p->b, json, strlen(json), &y, e2, sizeof e2)
			  : n2m_map_state_text(&p->ctx, p->b, json, strlen(json), NULL, &y, e2,
					       sizeof e2);
	assert_int_equal(r1, r2);
	assert_string_equal(e1, e2);
	same_pubs(&x, &y);
	n2m_pub_list_free(&x);
	n2m_pub_list_free(&y);
	json_object_put(o);
}

static void state_text_payloads_match(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, "Truck \"7\"\b\x01/\xc3\xa9");
	map_both(&p, "{\"source_id\":5,\"gps\":{\"updated\":\"2025-10-08T18:31:28-06:00\","
		     "\"location\":{\"lat\":25.841693,\"lng\":\"-97.5\"},\"speed\":79,\"alt\":null},"
		     "\"connection_status\":\"idle\"}", 0);
	map_both(&p, "{\"source_id\":5,\"gps\":{\"lat\":1,\"lng\":2.5e1,\"updated\":\"x\"},"
		     "\"connection_status\":\"offline\"}", 0);
	map_both(&p, "{\"source_id\":5,\"label\":\"old\",\"connection_status\":\"a\\u0000\"}", 0);
	map_both(&p, "{}", 0);
	assert_string_equal(p.a->state_json, p.b->state_json);
	pair_free(&p);
}

/* The readings limits (readings_merge.h) cut the same entries on both
 * paths: the text path's own (keyless entries, within its tables) and the
 * json-c path it hands a big section to; each path counts them once. */
static void readings_limits_match_on_both_paths(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, "r");
	uint64_t counted = 0;
	p.ctx.readings_truncated = &counted;
	char delta[16384];
	for (int big = 0; big <= 1; big++) {
		int n = big ? N2M_READINGS_MAX_ENTRIES + 10 : N2M_READINGS_MAX_KEYLESS + 3;
		size_t len = (size_t)snprintf(delta, sizeof delta, "{\"tracker_id\":7,\"%s\":[",
					      big ? "counters" : "states");
		for (int i = 0; i < n; i++)
			len += (size_t)snprintf(delta + len, sizeof delta - len,
						big ? "%s{\"type\":\"t%d\"}" : "%s{\"value\":%d}",
						i ? "," : "", i);
		snprintf(delta + len, sizeof delta - len, "]}");
		counted = 0;
		map_both(&p, delta, 1);
		assert_int_equal(counted, 2 * (big ? 10 : 3));
		assert_string_equal(p.a->readings_json, p.b->readings_json);
	}
	pair_free(&p);
}

static void readings_text_payloads_match(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, "r");
	const char *steps[] = {
		"{\"tracker_id\":7,\"inputs\":[],\"states\":[{\"field\":\"a\",\"value\":1}],"
		"\"counters\":[{\"type\":\"odo\",\"value\":1.0}],\"timestamp\":\"t1\"}",
		"{\"tracker_id\":7,\"counters\":[{\"type\":\"odo\",\"value\":1.00}],\"timestamp\":\"t2\"}",
		"{\"tracker_id\":7,\"counters\":[{\"value\":2,\"type\":\"odo\"}],\"timestamp\":\"t3\"}",
		"{\"tracker_id\":7,\"inputs\":[{\"name\":\"n\",\"sensor_id\":null,\"value\":3},"
		"{\"sensor_id\":9,\"value\":4},5,5],\"virtual_sensors\":[{\"x\":1}],\"timestamp\":null}",
		"{\"tracker_id\":7,\"inputs\":[{\"name\":\"n\",\"value\":6},{\"sensor_id\":9,\"value\":4}]}",
		"{\"tracker_id\":7,\"states\":{}}",
		"{\"tracker_id\":7,\"inputs\":[],\"timestamp\":\"t9\"}",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		map_both(&p, steps[i], 1);
	assert_string_equal(p.a->readings_json, p.b->readings_json);
	pair_free(&p);
}

/* The merge's shortcuts (readings_text.c): entries compared from their
 * first differing byte, keys found in one walk of an entry, the delta's
 * sections taken in one walk; each step against the json-c path. */
static void readings_text_shortcuts_match(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, "r");
	const char *steps[] = {
		"{\"tracker_id\":7,\"states\":[{\"value\":1,\"x\":{\"a\":[1,2]},\"z\":\"q\"},"
		"{\"value\":2}],\"inputs\":[{\"name\":\"b\",\"v\":1,\"sensor_id\":4}],"
		"\"counters\":[{\"type\":\"odo\",\"value\":1.5,\"t\":\"a\"}],\"timestamp\":\"t1\"}",
		/* the same keyless entry, keys reordered: unchanged */
		"{\"tracker_id\":7,\"states\":[{\"x\":{\"a\":[1,2]},\"value\":1,\"z\":\"q\"}]}",
		/* differing in the last member, then inside a nested value */
		"{\"tracker_id\":7,\"states\":[{\"value\":1,\"x\":{\"a\":[1,2]},\"z\":\"r\"}]}",
		"{\"tracker_id\":7,\"states\":[{\"value\":1,\"x\":{\"a\":[1,3]},\"z\":\"r\"}]}",
		/* the second key before the first; a longer and a shorter entry */
		"{\"tracker_id\":7,\"inputs\":[{\"name\":\"b\",\"v\":1,\"sensor_id\":4,\"w\":0}]}",
		"{\"tracker_id\":7,\"inputs\":[{\"name\":\"b\",\"sensor_id\":4}]}",
		/* equal doubles spelled alike, then a changed one; sections in
		 * another order than the rule's */
		"{\"tracker_id\":7,\"counters\":[{\"type\":\"odo\",\"value\":1.5,\"t\":\"a\"}],"
		"\"states\":[]}",
		"{\"tracker_id\":7,\"virtual_sensors\":[{\"sensor_id\":1}],"
		"\"counters\":[{\"type\":\"odo\",\"value\":1.25,\"t\":\"a\"}],\"inputs\":[]}",
		"{\"tracker_id\":7,\"inputs\":\"bad\"}",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		map_both(&p, steps[i], 1);
	assert_string_equal(p.a->readings_json, p.b->readings_json);
	pair_free(&p);
}

/* Merges delta into full with the given index; returns the rendered text
 * (static; "unchanged" when the merge changed nothing) and the new index in
 * ix. */
static const char *merge_with(const char *full, const uint16_t *fix, size_t fixn,
			      const char *delta, struct n2m_readings_index *ix)
{
	static char text[4096];
	char err[100] = "";
	struct n2m_buf b;
	n2m_buf_init(&b);
	size_t truncated = 0;
	int rc = n2m_readings_merge_text(full, full ? strlen(full) : 0, fix, fixn, delta,
					 strlen(delta), 7, &b, ix, &truncated, err, sizeof err);
	assert_true(rc == 0 || rc == 1);
	assert_true(b.len < sizeof text);
	if (rc == 0)
		snprintf(text, sizeof text, "unchanged");
	else
		memcpy(text, b.data, b.len + 1);
	n2m_buf_free(&b);
	return text;
}

/* The index rendered with a text replaces walking it; a missing, stale or
 * foreign index must give the same bytes as walking. */
static void readings_index_matches_walk(void **state)
{
	(void)state;
	static const char *deltas[] = {
		"{\"inputs\":[{\"name\":\"a\",\"sensor_id\":1,\"value\":1.5}],"
		"\"states\":[{\"field\":\"s\",\"value\":1}],\"timestamp\":\"t1\"}",
		"{\"counters\":[{\"type\":\"odo\",\"value\":2.25}],\"timestamp\":\"t2\"}",
		"{\"inputs\":[{\"name\":\"b\",\"value\":2},{\"sensor_id\":1,\"value\":1.75}]}",
		"{\"states\":[{\"field\":\"s\",\"value\":2},{\"field\":\"t\"}],"
		"\"virtual_sensors\":[{\"sensor_id\":\"v\"},3]}",
		"{\"inputs\":[{\"name\":\"b\",\"value\":33}],\"timestamp\":\"t5\"}",
	};
	char walked[4096] = "", indexed[4096] = "";
	struct n2m_readings_index ix_w, ix_i, ix_prev, scratch;
	ix_i.n = 0;
	for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		const char *w = merge_with(i ? walked : NULL, NULL, 0, deltas[i], &ix_w);
		assert_string_not_equal(w, "unchanged"); /* every step changes something */
		strcpy(walked, w);
		const char *x = merge_with(i ? indexed : NULL, ix_i.v, ix_i.n, deltas[i], &scratch);
		strcpy(indexed, x);
		assert_string_equal(walked, indexed);
		assert_true(scratch.n > 0);
		ix_i = scratch;
		/* The previous text's index does not fit this one: ignored. */
		if (i) {
			assert_int_not_equal(ix_prev.v[0], strlen(walked));
			char expect[4096];
			strcpy(expect, merge_with(walked, NULL, 0, deltas[0], &scratch));
			assert_string_equal(merge_with(walked, ix_prev.v, ix_prev.n, deltas[0],
						       &scratch), expect);
		}
		ix_prev = ix_w;
	}
	/* Garbage words are refused, not followed. */
	struct n2m_readings_index junk;
	junk.n = 12;
	for (size_t k = 0; k < junk.n; k++)
		junk.v[k] = (uint16_t)(k * 977);
	junk.v[0] = (uint16_t)strlen(walked);
	char expect[4096];
	strcpy(expect, merge_with(walked, NULL, 0, deltas[1], &scratch));
	assert_string_equal(merge_with(walked, junk.v, junk.n, deltas[1], &scratch), expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_only_what_jsonc_prints_back),
		cmocka_unit_test(escapes_every_byte_like_jsonc),
		cmocka_unit_test(equality_follows_json_object_equal),
		cmocka_unit_test(double_equality_follows_jsonc),
		cmocka_unit_test(strings_at_every_offset_agree_with_jsonc),
		cmocka_unit_test(control_characters_at_every_position),
		cmocka_unit_test(skip_matches_plain_walk),
		cmocka_unit_test(walks_cross_strings_at_every_offset),
		cmocka_unit_test(duplicate_keys_agree_with_jsonc),
		cmocka_unit_test(key_is_compares_whole_keys),
		cmocka_unit_test(fast_frames_match_jsonc_frames),
		cmocka_unit_test(non_canonical_frames_take_the_jsonc_path),
		cmocka_unit_test(fast_path_reads_only_the_message),
		cmocka_unit_test(state_text_payloads_match),
		cmocka_unit_test(readings_text_payloads_match),
		cmocka_unit_test(readings_text_shortcuts_match),
		cmocka_unit_test(readings_limits_match_on_both_paths),
		cmocka_unit_test(readings_index_matches_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
