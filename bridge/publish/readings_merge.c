/* SPDX-License-Identifier: MIT */
/*
 * readings_merge.c - readings_batch delta into full readings (the rule is in
 * readings_merge.h). Sections hold a handful of entries, so a linear key
 * search per delta entry is cheaper than any index.
 */
#include "readings_merge.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* A section's name and the fields that identify one of its entries, in
 * order of preference. */
struct section_rule {
	const char *name;
	const char *keys[2];
};

static const struct section_rule rules[] = {
	{ "inputs", { "sensor_id", "name" } },
	{ "states", { "field", NULL } },
	{ "virtual_sensors", { "sensor_id", NULL } },
	{ "counters", { "type", NULL } },
};

/* The identifying value of entry under rule, or NULL when it has none. */
static struct json_object *entry_key(const struct section_rule *rule, struct json_object *entry,
				     const char **key_name)
{
	if (!json_object_is_type(entry, json_type_object))
		return NULL;
	for (size_t i = 0; i < 2 && rule->keys[i]; i++) {
		struct json_object *v = NULL;
		if (json_object_object_get_ex(entry, rule->keys[i], &v) && v &&
		    !json_object_is_type(v, json_type_null)) {
			*key_name = rule->keys[i];
			return v;
		}
	}
	return NULL;
}

/* Index in full of the entry that delta_entry updates, or -1. */
static long find_entry(const struct section_rule *rule, struct json_object *full,
		       struct json_object *delta_entry)
{
	const char *key_name = NULL;
	struct json_object *key = entry_key(rule, delta_entry, &key_name);
	size_t n = json_object_array_length(full);
	for (size_t i = 0; i < n; i++) {
		struct json_object *cand = json_object_array_get_idx(full, i);
		if (!key) {
			/* No key: only an identical entry counts as the same one. */
			if (json_object_equal(cand, delta_entry))
				return (long)i;
			continue;
		}
		const char *cand_key_name = NULL;
		struct json_object *cand_key = entry_key(rule, cand, &cand_key_name);
		if (cand_key && strcmp(cand_key_name, key_name) == 0 && json_object_equal(cand_key, key))
			return (long)i;
	}
	return -1;
}

int n2m_readings_section_full(size_t n, size_t keyless, int keyed)
{
	return n >= N2M_READINGS_MAX_ENTRIES || (!keyed && keyless >= N2M_READINGS_MAX_KEYLESS);
}

/* Whether entry may be appended to the section fsec (the limits). */
static int has_room(const struct section_rule *rule, struct json_object *fsec,
		    struct json_object *entry)
{
	const char *name;
	size_t n = json_object_array_length(fsec), keyless = 0;
	for (size_t i = 0; i < n; i++)
		keyless += entry_key(rule, json_object_array_get_idx(fsec, i), &name) == NULL;
	return !n2m_readings_section_full(n, keyless, entry_key(rule, entry, &name) != NULL);
}

/* Merges one section; returns 1 if full changed, 0 if not, -1 on error. */
static int merge_section(const struct section_rule *rule, struct json_object *full,
			 struct json_object *delta, size_t *truncated, char *err, size_t errlen)
{
	struct json_object *dsec = NULL;
	if (!json_object_object_get_ex(delta, rule->name, &dsec) || !dsec ||
	    json_object_is_type(dsec, json_type_null))
		return 0;
	if (!json_object_is_type(dsec, json_type_array)) {
		snprintf(err, errlen, "readings: %s is not an array", rule->name);
		return -1;
	}
	int changed = 0;
	struct json_object *fsec = NULL;
	if (!json_object_object_get_ex(full, rule->name, &fsec) ||
	    !json_object_is_type(fsec, json_type_array)) {
		fsec = json_object_new_array();
		if (!fsec || json_object_object_add(full, rule->name, fsec) < 0) {
			snprintf(err, errlen, "readings: out of memory");
			return -1;
		}
		changed = 1;
	}
	size_t n = json_object_array_length(dsec);
	for (size_t i = 0; i < n; i++) {
		struct json_object *entry = json_object_array_get_idx(dsec, i);
		long at = find_entry(rule, fsec, entry);
		if (at >= 0 && json_object_equal(json_object_array_get_idx(fsec, (size_t)at), entry))
			continue;
		if (at < 0 && !has_room(rule, fsec, entry)) {
			(*truncated)++;
			continue;
		}
		int rc = at >= 0 ? json_object_array_put_idx(fsec, (size_t)at, json_object_get(entry))
				 : json_object_array_add(fsec, json_object_get(entry));
		if (rc < 0) {
			json_object_put(entry);
			snprintf(err, errlen, "readings: out of memory");
			return -1;
		}
		changed = 1;
	}
	return changed;
}

int n2m_readings_merge(struct json_object *full, struct json_object *delta, size_t *truncated,
		       char *err, size_t errlen)
{
	if (!json_object_is_type(full, json_type_object)) {
		snprintf(err, errlen, "readings: the full readings are not an object");
		return -1;
	}
	if (!json_object_is_type(delta, json_type_object)) {
		snprintf(err, errlen, "readings: the update is not an object");
		return -1;
	}
	int changed = 0;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		int rc = merge_section(&rules[i], full, delta, truncated, err, errlen);
		if (rc < 0)
			return -1;
		changed |= rc;
	}
	struct json_object *ts = NULL;
	if (changed && json_object_object_get_ex(delta, "timestamp", &ts) && ts) {
		if (json_object_object_add(full, "timestamp", json_object_get(ts)) < 0) {
			json_object_put(ts);
			snprintf(err, errlen, "readings: out of memory");
			return -1;
		}
	}
	return changed;
}
