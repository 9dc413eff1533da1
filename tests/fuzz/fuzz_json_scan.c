/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json_scan.c - differential fuzzing of the canonical JSON scanner and
 * the fast frame path against json-c:
 *   - whatever n2m_json_is_canonical accepts, json-c's strict parser must
 *     accept and print back byte for byte (the promise json_scan.h makes);
 *   - nvx_frame_parse_fast must agree with nvx_frame_parse on success,
 *     event and every item id;
 *   - for canonical objects, n2m_json_equal(x, x) holds;
 *   - whatever the item path (nvx_frame_parse_items, no budget limit) takes,
 *     json-c takes whole with the same event, items and bad items.
 * Any disagreement aborts.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_exact.h"
#include "json_scan.h"
#include "navixy_frame_fast.h"
#include "navixy_items.h"

static void check_items(const char *text, size_t len)
{
	struct nvx_frame a, b;
	char ea[200], eb[200];
	if (nvx_frame_parse_items(text, len, (size_t)1 << 40, &b, eb, sizeof eb) != 0)
		return;
	if (nvx_frame_parse(text, len, &a, ea, sizeof ea) != 0 || a.event != b.event ||
	    a.n_items != b.n_items || a.n_bad_items != b.n_bad_items ||
	    strcmp(a.item_error, b.item_error) != 0)
		abort();
	for (size_t i = 0; i < a.n_items; i++)
		if (a.items[i].id != b.items[i].id)
			abort();
	nvx_frame_free(&a);
	nvx_frame_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The value is checked inside an array: json-c cannot tell where a bare
 * top-level number ends without a byte after it. */
static void check_canonical(const char *text, size_t len)
{
	if (!n2m_json_is_canonical(text, len))
		return;
	char *wrapped = malloc(len + 3);
	if (!wrapped)
		return;
	wrapped[0] = '[';
	memcpy(wrapped + 1, text, len);
	wrapped[len + 1] = ']';
	wrapped[len + 2] = '\0';
	struct json_tokener *tok = json_tokener_new_ex(NVX_FRAME_MAX_DEPTH);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *o = json_tokener_parse_ex(tok, wrapped, (int)len + 2);
	int ok = json_tokener_get_error(tok) == json_tokener_success &&
		 json_tokener_get_parse_end(tok) == len + 2;
	json_tokener_free(tok);
	if (!ok)
		abort();
	size_t out_len = 0;
	const char *out = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &out_len);
	if (out_len != len + 2 || memcmp(out, wrapped, len + 2) != 0)
		abort();
	json_object_put(o);
	free(wrapped);
	if (!n2m_json_equal(text, len, text, len))
		abort();
}

static void check_frames(const char *text, size_t len)
{
	struct nvx_frame a, b;
	char ea[200], eb[200];
	int ra = nvx_frame_parse(text, len, &a, ea, sizeof ea);
	int rb = nvx_frame_parse_fast(text, len, &b, eb, sizeof eb);
	if (ra != rb)
		abort();
	if (ra == 0) {
		if (a.kind != b.kind || a.event != b.event || a.n_items != b.n_items ||
		    a.n_bad_items != b.n_bad_items)
			abort();
		for (size_t i = 0; i < a.n_items; i++)
			if (a.items[i].id != b.items[i].id)
				abort();
	} else if (strcmp(ea, eb) != 0) {
		abort();
	}
	nvx_frame_free(&a);
	nvx_frame_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	/* Exactly size bytes, no NUL after them: a read past the message is
	 * an ASan report. */
	char *text = fuzz_exact_copy(data, size);
	if (!text)
		return 0;
	check_canonical(text, size);
	check_frames(text, size);
	check_items(text, size);
	free(text);
	return 0;
}
