/* SPDX-License-Identifier: MIT */
/*
 * config_print.c - the effective configuration for people and for
 * bridge/info: libconfig syntax (--check-config; loads back when no secret
 * is set) and a JSON summary. Secrets are always "<redacted>", as is the
 * password part of a URL and any plugin setting whose name suggests a secret.
 */
#include "config_internal.h"

#include <ctype.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* The text shown for a string setting: secrets and URL passwords hidden. */
static const char *shown_string(const struct n2m_config *cfg, const struct n2m_setting *s,
				char *buf, size_t buflen)
{
	const char *v = n2m_setting_string_c(cfg, s);
	if ((s->flags & N2M_SETTING_SECRET) && v[0])
		return N2M_REDACTED;
	if (s->flags & N2M_SETTING_URL) {
		n2m_redact_url(v, buf, buflen);
		return buf;
	}
	return v;
}

/* A libconfig string literal: quotes, backslashes and control bytes escaped. */
static void print_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", out);
}

static void print_setting_value(FILE *out, const struct n2m_config *cfg, const struct n2m_setting *s)
{
	char buf[1024];
	switch (s->kind) {
	case N2M_KIND_STRING:
		print_quoted(out, shown_string(cfg, s, buf, sizeof(buf)));
		break;
	case N2M_KIND_BOOL:
		fputs(n2m_setting_number(cfg, s) ? "true" : "false", out);
		break;
	case N2M_KIND_INT:
		fprintf(out, "%ld", n2m_setting_number(cfg, s));
		break;
	default:
		print_quoted(out, n2m_setting_enum_name(s, n2m_setting_number(cfg, s)));
		break;
	}
}

/* Length of the group part of a path ("topics.state" of "topics.state.qos"). */
static size_t group_len(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot ? (size_t)(dot - path) : 0;
}

/* Number of path components in the first len bytes of path. */
static int depth_of(const char *path, size_t len)
{
	if (len == 0)
		return 0;
	int d = 1;
	for (size_t i = 0; i < len; i++)
		d += path[i] == '.';
	return d;
}

/* Closes the open groups that do not contain the next setting and opens
 * the ones that do; open/open_len track the group path now open. */
static void move_to_group(FILE *out, char *open, size_t *open_len, const char *path)
{
	size_t want = group_len(path);
	while (*open_len > 0 && !(want >= *open_len && strncmp(path, open, *open_len) == 0 &&
				  (want == *open_len || path[*open_len] == '.'))) {
		indent(out, depth_of(open, *open_len) - 1);
		fputs("};\n", out);
		const char *dot = strrchr(open, '.');
		*open_len = dot ? (size_t)(dot - open) : 0;
		open[*open_len] = '\0';
	}
	while (*open_len < want) {
		size_t start = *open_len ? *open_len + 1 : 0;
		size_t end = start + strcspn(path + start, ".");
		if (end > want)
			end = want;
		if (*open_len == 0)
			fputc('\n', out);
		indent(out, depth_of(path, end) - 1);
		fprintf(out, "%.*s = {\n", (int)(end - start), path + start);
		memcpy(open, path, end);
		open[end] = '\0';
		*open_len = end;
	}
}

static void print_subscriptions(FILE *out, const struct n2m_sub_set *set)
{
	fputs("\nsubscriptions = (", out);
	int first = 1;
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++) {
		const struct n2m_sub *sub = &set->subs[t];
		if (!sub->active)
			continue;
		fprintf(out, "%s\n  { type = \"%s\"; trackers = ", first ? "" : ",",
			n2m_sub_type_name((enum n2m_sub_type)t));
		first = 0;
		if (sub->all) {
			fputs("\"all\"", out);
		} else {
			int wide = 0;
			for (size_t i = 0; i < sub->n_ids; i++)
				wide |= sub->ids[i] > 2147483647;
			fputs("[ ", out);
			for (size_t i = 0; i < sub->n_ids; i++)
				fprintf(out, "%s%lld%s", i ? ", " : "", (long long)sub->ids[i],
					wide ? "L" : "");
			fputs(" ]", out);
		}
		fputs(";", out);
		if (sub->rate_limit[0]) {
			fputs(" rate_limit = ", out);
			print_quoted(out, sub->rate_limit);
			fputs(";", out);
		}
		if (t == N2M_SUB_STATE || t == N2M_SUB_STATE_BATCH)
			fprintf(out, " format = \"%s\";", n2m_sub_format_name(sub->format));
		if (sub->sensor_type[0]) {
			fputs(" sensor_type = ", out);
			print_quoted(out, sub->sensor_type);
			fputs(";", out);
		}
		if (sub->include_components != -1)
			fprintf(out, " include_components = %s;",
				sub->include_components ? "true" : "false");
		fputs(" }", out);
	}
	fputs("\n);\n", out);
}

/* Plugin options are the plugin's business, but a password is a password. */
static int name_looks_secret(const char *name)
{
	static const char *const words[] = { "password", "passwd", "secret", "token",
					     "api_key", "apikey", "hash", "credential" };
	char lower[128];
	size_t n = 0;
	for (; name && name[n] && n < sizeof(lower) - 1; n++)
		lower[n] = (char)tolower((unsigned char)name[n]);
	lower[n] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(lower, words[i]))
			return 1;
	return 0;
}

static void print_libconfig_value(FILE *out, const config_setting_t *v, int depth, int secret);

static void print_libconfig_children(FILE *out, const config_setting_t *v, int depth, int secret,
				     int named)
{
	int n = config_setting_length(v);
	for (int i = 0; i < n; i++) {
		const config_setting_t *child = config_setting_get_elem(v, (unsigned)i);
		if (named) {
			indent(out, depth);
			fprintf(out, "%s = ", config_setting_name(child));
			print_libconfig_value(out, child, depth,
					      secret || name_looks_secret(config_setting_name(child)));
			fputs(";\n", out);
		} else {
			fputs(i ? ", " : " ", out);
			print_libconfig_value(out, child, depth, secret);
		}
	}
}

static void print_libconfig_value(FILE *out, const config_setting_t *v, int depth, int secret)
{
	switch (config_setting_type(v)) {
	case CONFIG_TYPE_GROUP:
		fputs("{\n", out);
		print_libconfig_children(out, v, depth + 1, secret, 1);
		indent(out, depth);
		fputs("}", out);
		break;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST: {
		int array = config_setting_is_array(v);
		fputs(array ? "[" : "(", out);
		print_libconfig_children(out, v, depth, secret, 0);
		fputs(array ? " ]" : " )", out);
		break;
	}
	case CONFIG_TYPE_STRING:
		print_quoted(out, secret ? N2M_REDACTED : config_setting_get_string(v));
		break;
	case CONFIG_TYPE_BOOL:
		fputs(config_setting_get_bool(v) ? "true" : "false", out);
		break;
	case CONFIG_TYPE_INT:
		fprintf(out, "%d", config_setting_get_int(v));
		break;
	case CONFIG_TYPE_INT64:
		fprintf(out, "%lldL", config_setting_get_int64(v));
		break;
	case CONFIG_TYPE_FLOAT: {
		char num[64];
		snprintf(num, sizeof(num), "%.17g", config_setting_get_float(v));
		/* libconfig needs a '.' or an exponent to read it back as a float */
		fprintf(out, "%s%s", num, strpbrk(num, ".eEni") ? "" : ".0");
		break;
	}
	default:
		fputs("\"\"", out);
		break;
	}
}

static void print_plugins(FILE *out, const struct n2m_config *cfg)
{
	fputs("\nplugins = (", out);
	for (size_t i = 0; i < cfg->n_plugins; i++) {
		const struct n2m_plugin_config *p = &cfg->plugins[i];
		fprintf(out, "%s\n  {\n    name = ", i ? "," : "");
		print_quoted(out, p->name ? p->name : "");
		fputs(";\n    path = ", out);
		print_quoted(out, p->path ? p->path : "");
		fprintf(out, ";\n    required = %s;\n", p->required ? "true" : "false");
		if (p->settings) {
			fputs("    settings = ", out);
			print_libconfig_value(out, p->settings, 2, 0);
			fputs(";\n", out);
		}
		fputs("  }", out);
	}
	fputs("\n);\n", out);
}

void n2m_config_print(const struct n2m_config *cfg, FILE *out)
{
	fputs("# navixy2mqtt effective configuration (secrets shown as \"" N2M_REDACTED "\")\n", out);
	if (cfg->source_path)
		fprintf(out, "# loaded from %s, then the environment\n", cfg->source_path);
	size_t n;
	const struct n2m_setting *table = n2m_settings(&n);
	char open[128] = "";
	size_t open_len = 0;
	for (size_t i = 0; i < n; i++) {
		move_to_group(out, open, &open_len, table[i].path);
		indent(out, depth_of(table[i].path, group_len(table[i].path)));
		fprintf(out, "%s = ", table[i].path + (open_len ? open_len + 1 : 0));
		print_setting_value(out, cfg, &table[i]);
		fputs(";\n", out);
	}
	move_to_group(out, open, &open_len, "end");
	print_subscriptions(out, &cfg->subscriptions);
	print_plugins(out, cfg);
}

static struct json_object *setting_json(const struct n2m_config *cfg, const struct n2m_setting *s)
{
	char buf[1024];
	switch (s->kind) {
	case N2M_KIND_STRING:
		return json_object_new_string(shown_string(cfg, s, buf, sizeof(buf)));
	case N2M_KIND_BOOL:
		return json_object_new_boolean(n2m_setting_number(cfg, s) != 0);
	case N2M_KIND_INT:
		return json_object_new_int((int)n2m_setting_number(cfg, s));
	default:
		return json_object_new_string(n2m_setting_enum_name(s, n2m_setting_number(cfg, s)));
	}
}

/* Puts value at a dotted path, creating the objects on the way. */
static int put_path(struct json_object *root, const char *path, struct json_object *value)
{
	struct json_object *at = root;
	char key[64];
	for (;;) {
		size_t len = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)len, path);
		if (!path[len])
			break;
		struct json_object *next;
		if (!json_object_object_get_ex(at, key, &next)) {
			next = json_object_new_object();
			if (!next || json_object_object_add(at, key, next) != 0) {
				json_object_put(next);
				json_object_put(value);
				return -1;
			}
		}
		at = next;
		path += len + 1;
	}
	if (!value || json_object_object_add(at, key, value) != 0) {
		json_object_put(value);
		return -1;
	}
	return 0;
}

static struct json_object *plugins_json(const struct n2m_config *cfg)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; arr && i < cfg->n_plugins; i++) {
		const struct n2m_plugin_config *p = &cfg->plugins[i];
		struct json_object *obj = json_object_new_object();
		if (!obj || json_object_array_add(arr, obj) != 0) {
			json_object_put(obj);
			json_object_put(arr);
			return NULL;
		}
		if (put_path(obj, "name", json_object_new_string(p->name ? p->name : "")) < 0 ||
		    put_path(obj, "path", json_object_new_string(p->path ? p->path : "")) < 0 ||
		    put_path(obj, "required", json_object_new_boolean(p->required)) < 0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

struct json_object *n2m_config_summary_json(const struct n2m_config *cfg)
{
	struct json_object *root = json_object_new_object();
	if (!root)
		return NULL;
	size_t n;
	const struct n2m_setting *table = n2m_settings(&n);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = put_path(root, table[i].path, setting_json(cfg, &table[i]));
	if (rc == 0)
		rc = put_path(root, "subscriptions", n2m_sub_set_to_json(&cfg->subscriptions));
	if (rc == 0)
		rc = put_path(root, "plugins", plugins_json(cfg));
	if (rc == 0 && cfg->source_path)
		rc = put_path(root, "source_path", json_object_new_string(cfg->source_path));
	if (rc < 0) {
		json_object_put(root);
		return NULL;
	}
	return root;
}
