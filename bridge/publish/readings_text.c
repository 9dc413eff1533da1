/* SPDX-License-Identifier: MIT */
/*
 * readings_text.c - the readings merge on canonical text (see
 * readings_text.h and, for the rule, readings_merge.h). The tables are
 * fixed-size and on the stack: a merge allocates nothing.
 *
 * Index layout (uint16 words, offsets into the rendered text):
 *   [0] text length, [1] number of top-level members, then per member
 *   key offset (past the opening quote), value offset, and the number of
 *   entries, or IX_NOT_SECTION when the value is not a loaded section;
 *   a section's entries follow its member: entry offset and key word
 *   (0: no identifying key; else the key value's offset, with IX_KEY2 set
 *   when it is the rule's second key). A value ends where the next
 *   member's key starts (less two: `,"`) or before the closing brace; an
 *   entry ends before the next entry's comma or the closing bracket.
 *   Everything derived is bounds-checked when read: a stale or foreign
 *   index is dropped, never trusted blindly.
 */
#include "readings_text.h"

#include <stdio.h>
#include <string.h>

#include "decimal.h"
#include "json_scan.h"
#include "readings_merge.h"

#define MAX_MEMBERS 32
#define MAX_ENTRIES 64
#define N_SECTIONS 4

#define IX_NOT_SECTION 0xFFFFu
#define IX_KEY2 0x8000u
#define IX_TEXT_MAX 0x8000u /* offsets must leave IX_KEY2 free */

struct section_rule {
	const char *name;
	const char *keys[2];
};

/* The same table as readings_merge.c: keep them in step. */
static const struct section_rule rules[N_SECTIONS] = {
	{ "inputs", { "sensor_id", "name" } },
	{ "states", { "field", NULL } },
	{ "virtual_sensors", { "sensor_id", NULL } },
	{ "counters", { "type", NULL } },
};

struct slice {
	const char *p;
	size_t len;
};

/* One section entry and its identifying key (kname NULL: none). */
struct entry {
	struct slice v;
	const char *kname;
	struct slice key;
};

struct section {
	struct entry e[MAX_ENTRIES];
	size_t n;
};

/* A top-level member of the full readings: its value is a slice, or the
 * section table `section` when that is >= 0. */
struct member {
	struct slice key;
	struct slice val;
	int section;
};

struct doc {
	struct member m[MAX_MEMBERS];
	size_t n;
	struct section sec[N_SECTIONS];
	char tracker_id[N2M_DECIMAL_TEXT_MAX];
};

static int is_key(struct slice key, const char *lit)
{
	size_t n = strlen(lit);
	return key.len == n && memcmp(key.p, lit, n) == 0;
}

/*
 * An entry at `at` (validated text, bounded by end) and its identifying key,
 * as entry_key of readings_merge.c finds it: the first rule key present and
 * not null, else the second. One walk of the entry's members gives both its
 * extent and its key (delta entries are not measured beforehand); the
 * second key is noted on the way in case the first is missing. Returns the
 * byte after the entry.
 */
static const char *collect_entry(const struct section_rule *rule, struct entry *e,
				 const char *at, const char *end)
{
	struct n2m_json_iter it;
	struct n2m_json_member m;
	struct slice second = { NULL, 0 };
	const char *e_end = end;

	e->kname = NULL;
	if (at[0] != '{' || at[1] == '}') {
		e_end = n2m_json_skip(at, end);
		e->v = (struct slice){ at, (size_t)(e_end - at) };
		return e_end;
	}
	n2m_json_iter_init(&it, at, (size_t)(end - at) + 1); /* bounded by end */
	while (n2m_json_next_member(&it, &m)) {
		if (!e->kname && m.val[0] != 'n') { /* null: as if absent */
			if (n2m_json_key_is(&m, rule->keys[0])) {
				e->kname = rule->keys[0];
				e->key = (struct slice){ m.val, m.val_len };
			} else if (rule->keys[1] && !second.p && n2m_json_key_is(&m, rule->keys[1])) {
				second = (struct slice){ m.val, m.val_len };
			}
		}
		const char *v_end = m.val + m.val_len;
		if (v_end >= end || *v_end == '}') {
			e_end = v_end < end ? v_end + 1 : end;
			break;
		}
	}
	e->v = (struct slice){ at, (size_t)(e_end - at) };
	if (!e->kname && second.p) {
		e->kname = rule->keys[1];
		e->key = second;
	}
	return e_end;
}

/* Identifying keys: equal bytes are equal; a string (or a string against
 * anything else) that differs is not; numbers and the rest go to the
 * json-c-compatible comparison. */
static int key_equal(struct slice a, struct slice b)
{
	if (a.len == b.len && memcmp(a.p, b.p, a.len) == 0)
		return 1;
	if (a.p[0] == '"' || b.p[0] == '"')
		return 0;
	return n2m_json_equal(a.p, a.len, b.p, b.len);
}

/* The length of the common prefix of a and b, a word at a time. */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/*
 * Two canonical entries, as n2m_json_equal compares them, but cheaper for
 * the usual delta entry: equal bytes are equal; otherwise the members that
 * lie wholly in the common prefix are the same bytes at the same offsets in
 * both, so only a is walked up to the first difference and only the
 * members from there on are compared. Keys in another order (or another
 * count) go to n2m_json_equal's set comparison.
 */
static int entry_equal(struct slice a, struct slice b)
{
	size_t k = common_prefix(a.p, b.p, a.len < b.len ? a.len : b.len);
	if (k == a.len && a.len == b.len)
		return 1;
	if (a.p[0] != '{' || b.p[0] != '{')
		return n2m_json_equal(a.p, a.len, b.p, b.len);
	struct n2m_json_iter ia, ib;
	struct n2m_json_member ma, mb;
	n2m_json_iter_init(&ia, a.p, a.len);
	n2m_json_iter_init(&ib, b.p, b.len);
	for (;;) {
		int more_a = n2m_json_next_member(&ia, &ma);
		if (more_a && (size_t)(ma.val + ma.val_len - a.p) < k) {
			ib.p = b.p + (ia.p - a.p); /* the same member in b */
			continue;
		}
		int more_b = n2m_json_next_member(&ib, &mb);
		if (!more_a || !more_b) {
			if (more_a == more_b)
				return 1;
			break;
		}
		if (ma.key_len != mb.key_len || memcmp(ma.key, mb.key, ma.key_len) != 0)
			break;
		if (!n2m_json_equal(ma.val, ma.val_len, mb.val, mb.val_len))
			return 0;
	}
	return n2m_json_equal(a.p, a.len, b.p, b.len);
}

static int section_push(struct section *s, const struct section_rule *rule, struct slice v)
{
	if (s->n == MAX_ENTRIES)
		return -1;
	collect_entry(rule, &s->e[s->n], v.p, v.p + v.len);
	s->n++;
	return 0;
}

static int rule_of(struct slice key)
{
	for (int r = 0; r < N_SECTIONS; r++)
		if (is_key(key, rules[r].name))
			return r;
	return -1;
}

/* The full readings' top-level members; -1 if they do not fit. Section
 * entries are loaded only for the sections a delta touches (load_section):
 * the others are copied through as they are. */
static int load_full(struct doc *d, const char *full, size_t len)
{
	struct n2m_json_iter it;
	struct n2m_json_member m;
	d->n = 0;
	if (!full)
		return 0;
	if (len < 2 || full[0] != '{')
		return -1;
	n2m_json_iter_init(&it, full, len);
	while (n2m_json_next_member(&it, &m)) {
		if (d->n == MAX_MEMBERS)
			return -1;
		struct member *mm = &d->m[d->n++];
		mm->key = (struct slice){ m.key, m.key_len };
		mm->val = (struct slice){ m.val, m.val_len };
		mm->section = -1;
	}
	return 0;
}

/* Turns member m (an array under rule r's name) into section table r. */
static int load_section(struct doc *d, struct member *m, int r)
{
	struct n2m_json_iter it;
	struct slice v;
	d->sec[r].n = 0;
	m->section = r;
	n2m_json_iter_init(&it, m->val.p, m->val.len);
	while (n2m_json_next_element(&it, &v.p, &v.len))
		if (section_push(&d->sec[r], &rules[r], v) < 0)
			return -1;
	return 0;
}

/* The value end of member i of n in the indexed text (see the layout). */
static size_t ix_value_end(const uint16_t *keys_at[], size_t i, size_t n, size_t len)
{
	return i + 1 < n ? (size_t)*keys_at[i + 1] - 2 : len - 1;
}

/* Loads the top level and every indexed section from the index instead of
 * walking the text. 0, or -1 when the index does not fit the text (the
 * caller then walks). */
static int load_indexed(struct doc *d, const char *full, size_t len, const uint16_t *ix,
			size_t ixn)
{
	const uint16_t *keys_at[MAX_MEMBERS];
	size_t w = 2, n;
	if (ixn < 2 || ix[0] != len || len >= IX_TEXT_MAX || (n = ix[1]) > MAX_MEMBERS)
		return -1;
	/* First pass: where each member's words are, so value ends are known. */
	for (size_t i = 0; i < n; i++) {
		if (w + 3 > ixn)
			return -1;
		keys_at[i] = &ix[w];
		size_t ne = ix[w + 2];
		w += 3 + (ne == IX_NOT_SECTION ? 0 : 2 * ne);
	}
	if (w != ixn)
		return -1;
	size_t prev_end = 0;
	for (size_t i = 0; i < n; i++) {
		const uint16_t *mw = keys_at[i];
		size_t ko = mw[0], vo = mw[1], ne = mw[2];
		size_t ve = ix_value_end(keys_at, i, n, len);
		if (ko < prev_end + 2 || vo < ko + 2 || ve <= vo || ve > len - 1)
			return -1;
		prev_end = ve;
		struct member *m = &d->m[i];
		m->key = (struct slice){ full + ko, vo - ko - 2 };
		m->val = (struct slice){ full + vo, ve - vo };
		m->section = -1;
		if (ne == IX_NOT_SECTION)
			continue;
		int r = rule_of(m->key);
		if (r < 0 || ne > MAX_ENTRIES || full[vo] != '[' || full[ve - 1] != ']')
			return -1;
		struct section *s = &d->sec[r];
		const uint16_t *ew = mw + 3;
		for (size_t k = 0; k < ne; k++) {
			size_t eo = ew[2 * k], kw = ew[2 * k + 1];
			size_t ee = k + 1 < ne ? (size_t)ew[2 * k + 2] - 1 : ve - 1;
			if (eo <= vo || ee <= eo || ee > ve - 1)
				return -1;
			struct entry *e = &s->e[k];
			e->v = (struct slice){ full + eo, ee - eo };
			e->kname = NULL;
			if (!kw)
				continue;
			size_t ko2 = kw & ~IX_KEY2;
			if (ko2 <= eo || ko2 >= ee || (kw & IX_KEY2 && !rules[r].keys[1]))
				return -1;
			e->kname = rules[r].keys[kw & IX_KEY2 ? 1 : 0];
			const char *kp = full + ko2;
			e->key = (struct slice){ kp, (size_t)(n2m_json_skip(kp, full + ee) - kp) };
		}
		s->n = ne;
		m->section = r;
	}
	d->n = n;
	return 0;
}

static struct member *find_member(struct doc *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (is_key(d->m[i].key, key))
			return &d->m[i];
	return NULL;
}

/* The member named key, added at the end (as json-c adds) when absent. */
static struct member *member_for(struct doc *d, const char *key)
{
	struct member *m = find_member(d, key);
	if (m || d->n == MAX_MEMBERS)
		return m;
	m = &d->m[d->n++];
	m->key = (struct slice){ key, strlen(key) };
	m->val = (struct slice){ NULL, 0 };
	m->section = -1;
	return m;
}

/* find_entry of readings_merge.c. */
static long find_entry(const struct section *s, const struct entry *de)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *c = &s->e[i];
		if (!de->kname) {
			if (entry_equal(c->v, de->v))
				return (long)i;
		} else if (c->kname == de->kname && key_equal(c->key, de->key)) {
			return (long)i;
		}
	}
	return -1;
}

/* has_room of readings_merge.c. */
static int has_room(const struct section *s, const struct entry *de)
{
	size_t keyless = 0;
	for (size_t i = 0; i < s->n; i++)
		keyless += s->e[i].kname == NULL;
	return !n2m_readings_section_full(s->n, keyless, de->kname != NULL);
}

/* One entry of the delta into section s: 0, or
 * N2M_READINGS_TEXT_UNCOVERED. */
static int merge_entry(struct section *s, const struct entry *de, size_t *truncated,
		       int *changed)
{
	long at = find_entry(s, de);
	if (at >= 0 && entry_equal(s->e[at].v, de->v))
		return 0;
	if (at < 0 && !has_room(s, de)) {
		(*truncated)++;
		return 0;
	}
	if (at >= 0)
		s->e[at] = *de;
	else if (s->n == MAX_ENTRIES)
		return N2M_READINGS_TEXT_UNCOVERED;
	else
		s->e[s->n++] = *de;
	*changed = 1;
	return 0;
}

/* A section of the delta: its text and, when they fit, its entries with
 * their keys, taken in the one walk of the delta (collect_section). */
struct delta_section {
	struct slice text;   /* p NULL: not in the delta */
	struct entry e[MAX_ENTRIES];
	size_t n;
	int overflow;        /* more entries than e holds: walk text again */
};

/* merge_section of readings_merge.c: 1 changed, 0 not, -1 bad input,
 * N2M_READINGS_TEXT_UNCOVERED. */
static int merge_section(struct doc *d, int r, const struct delta_section *ds,
			 size_t *truncated, char *err, size_t errlen)
{
	struct slice dsec = ds->text;
	if (!dsec.p || dsec.p[0] == 'n')
		return 0;
	if (dsec.p[0] != '[') {
		snprintf(err, errlen, "readings: %s is not an array", rules[r].name);
		return -1;
	}
	int changed = 0;
	struct section *s = &d->sec[r];
	int empty = ds->n == 0 && !ds->overflow;
	struct member *m = find_member(d, rules[r].name);
	if (m && m->section < 0 && n2m_json_kind(m->val.p, m->val.len) == N2M_JSON_ARRAY) {
		if (empty)
			return 0; /* nothing to merge into an existing section */
		if (load_section(d, m, r) < 0)
			return N2M_READINGS_TEXT_UNCOVERED;
	}
	if (!m || m->section != r) {
		if (!(m = member_for(d, rules[r].name)))
			return N2M_READINGS_TEXT_UNCOVERED;
		m->section = r;
		s->n = 0;
		changed = 1;
	}
	if (!ds->overflow) {
		for (size_t k = 0; k < ds->n; k++)
			if (merge_entry(s, &ds->e[k], truncated, &changed) < 0)
				return N2M_READINGS_TEXT_UNCOVERED;
		return changed;
	}
	struct n2m_json_iter it;
	struct entry de;
	n2m_json_iter_init(&it, dsec.p, dsec.len);
	const char *v;
	size_t v_len;
	while (n2m_json_next_element(&it, &v, &v_len)) {
		collect_entry(&rules[r], &de, v, v + v_len);
		if (merge_entry(s, &de, truncated, &changed) < 0)
			return N2M_READINGS_TEXT_UNCOVERED;
	}
	return changed;
}

/* Walks the delta section array at p (validated) once: notes each entry
 * and its key. Returns the byte after the array. */
static const char *collect_section(struct delta_section *ds, int r, const char *p,
				   const char *end)
{
	const char *at = p + 1;
	ds->n = 0;
	ds->overflow = 0;
	if (*at == ']')
		return at + 1;
	for (;;) {
		const char *e_end;
		if (ds->n < MAX_ENTRIES) {
			e_end = collect_entry(&rules[r], &ds->e[ds->n++], at, end);
		} else {
			e_end = n2m_json_skip(at, end);
			ds->overflow = 1;
		}
		if (*e_end == ']')
			return e_end + 1;
		at = e_end + 1; /* past the comma */
	}
}

/* Appends one index word; the index is dropped when it would not fit. */
static void ix_put(struct n2m_readings_index *ix, size_t v)
{
	if (ix->n < N2M_READINGS_INDEX_MAX)
		ix->v[ix->n++] = (uint16_t)v;
}

/* The rendered size of d, at most (every separator counted). */
static size_t render_size(const struct doc *d)
{
	size_t n = 2;
	for (size_t i = 0; i < d->n; i++) {
		const struct member *m = &d->m[i];
		n += m->key.len + 4;
		if (m->section < 0) {
			n += m->val.len;
			continue;
		}
		const struct section *s = &d->sec[m->section];
		n += 2;
		for (size_t k = 0; k < s->n; k++)
			n += s->e[k].v.len + 1;
	}
	return n;
}

/* Renders d into out and its index into ix (see the layout above): room
 * for all of it is made once, then the slices are copied in. */
static void render(const struct doc *d, struct n2m_buf *out, struct n2m_readings_index *ix)
{
	ix->n = 0;
	if (n2m_buf_reserve(out, render_size(d)) != 0)
		return;
	char *const base = out->data + out->len;
	char *w = base;
	ix_put(ix, 0); /* the length, once known */
	ix_put(ix, d->n);
	*w++ = '{';
	for (size_t i = 0; i < d->n; i++) {
		const struct member *m = &d->m[i];
		if (i)
			*w++ = ',';
		*w++ = '"';
		ix_put(ix, (size_t)(w - base));
		memcpy(w, m->key.p, m->key.len);
		w += m->key.len;
		*w++ = '"';
		*w++ = ':';
		ix_put(ix, (size_t)(w - base));
		if (m->section < 0) {
			ix_put(ix, IX_NOT_SECTION);
			memcpy(w, m->val.p, m->val.len);
			w += m->val.len;
			continue;
		}
		const struct section *s = &d->sec[m->section];
		const struct section_rule *rule = &rules[m->section];
		ix_put(ix, s->n);
		*w++ = '[';
		for (size_t k = 0; k < s->n; k++) {
			const struct entry *e = &s->e[k];
			if (k)
				*w++ = ',';
			size_t at = (size_t)(w - base);
			ix_put(ix, at);
			ix_put(ix, !e->kname ? 0
				    : (at + (size_t)(e->key.p - e->v.p)) |
					      (e->kname == rule->keys[1] ? IX_KEY2 : 0));
			memcpy(w, e->v.p, e->v.len);
			w += e->v.len;
		}
		*w++ = ']';
	}
	*w++ = '}';
	size_t len = (size_t)(w - base);
	out->len += len;
	out->data[out->len] = '\0';
	if (ix->n == N2M_READINGS_INDEX_MAX || len >= IX_TEXT_MAX)
		ix->n = 0; /* the next merge walks the text instead */
	else
		ix->v[0] = (uint16_t)len;
}

int n2m_readings_merge_text(const char *full, size_t full_len, const uint16_t *full_index,
			    size_t full_index_n, const char *delta, size_t delta_len,
			    int64_t tracker_id, struct n2m_buf *out,
			    struct n2m_readings_index *out_index, size_t *truncated, char *err,
			    size_t errlen)
{
	struct doc d;
	if (n2m_json_kind(delta, delta_len) != N2M_JSON_OBJECT)
		return N2M_READINGS_TEXT_UNCOVERED;
	if ((!full || !full_index ||
	     load_indexed(&d, full, full_len, full_index, full_index_n) < 0) &&
	    load_full(&d, full, full_len) < 0)
		return N2M_READINGS_TEXT_UNCOVERED;
	struct delta_section ds[N_SECTIONS];
	struct slice ts = { NULL, 0 };
	struct n2m_json_iter it;
	struct n2m_json_member m;
	const char *dend = delta + delta_len - 1; /* its closing brace */
	/* One walk of the delta: a section's entries are taken as its array
	 * is crossed, not skipped at the top level and walked again. */
	for (int r = 0; r < N_SECTIONS; r++)
		ds[r].text.p = NULL;
	n2m_json_iter_init(&it, delta, delta_len);
	while (n2m_json_next_key(&it, &m)) {
		struct slice key = { m.key, m.key_len };
		int r = rule_of(key);
		const char *vend = r >= 0 && m.val[0] == '[' ? collect_section(&ds[r], r, m.val, dend)
							     : n2m_json_skip(m.val, dend);
		struct slice val = { m.val, (size_t)(vend - m.val) };
		n2m_json_iter_resume(&it, vend);
		if (r >= 0) {
			ds[r].text = val;
			if (m.val[0] != '[')
				ds[r].n = 0, ds[r].overflow = 0;
		} else if (is_key(key, "timestamp")) {
			ts = val;
		}
	}
	int changed = 0;
	size_t cut = 0; /* counted once the json-c path is known not to redo it */
	for (int r = 0; r < N_SECTIONS; r++) {
		int rc = merge_section(&d, r, &ds[r], &cut, err, errlen);
		if (rc < 0)
			return rc;
		changed |= rc;
	}
	*truncated += cut;
	if (!changed && full)
		return 0;
	struct member *mm;
	if (changed && ts.p && n2m_json_kind(ts.p, ts.len) != N2M_JSON_NULL) {
		if (!(mm = member_for(&d, "timestamp")))
			return N2M_READINGS_TEXT_UNCOVERED;
		mm->val = ts;
		mm->section = -1;
	}
	if (!(mm = member_for(&d, "tracker_id")))
		return N2M_READINGS_TEXT_UNCOVERED;
	mm->val.len = n2m_decimal_format_int(tracker_id, d.tracker_id);
	mm->val.p = d.tracker_id;
	mm->section = -1;
	render(&d, out, out_index);
	return 1;
}
