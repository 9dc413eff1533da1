/* SPDX-License-Identifier: MIT */
/*
 * config_lists.c - the two list sections of the file: `subscriptions`, a
 * list of groups merged into the desired subscription set, and `plugins`,
 * a list of groups whose `settings` stay in the parsed libconfig tree for
 * the plugin to validate itself; relative plugin paths are made relative to
 * the config file's directory.
 */
/* realpath is XSI, hidden by the strict _POSIX_C_SOURCE of the build. */
#define _DEFAULT_SOURCE 1

#include "config_internal.h"

#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where and what, for messages about element i of a list section. */
struct list_ctx {
	const char *file;
	const char *section; /* "subscriptions" or "plugins" */
	int index;
	char *err;
	size_t errlen;
};

static void list_error(const struct list_ctx *c, const config_setting_t *at, const char *field,
		       const char *fmt, const char *detail)
{
	const char *file = config_setting_source_file(at);
	struct n2m_origin where = { .file = file ? file : c->file,
				    .line = (int)config_setting_source_line(at) };
	char path[128];
	snprintf(path, sizeof(path), "%s[%d]%s%s", c->section, c->index, field ? "." : "",
		 field ? field : "");
	n2m_config_error(c->err, c->errlen, &where, path, fmt, detail);
}

static int expect_string(const struct list_ctx *c, const config_setting_t *v, const char *field,
			 const char **out)
{
	if (config_setting_type(v) != CONFIG_TYPE_STRING) {
		list_error(c, v, field, "expected a string%s", "");
		return -1;
	}
	*out = config_setting_get_string(v);
	return 0;
}

static int copy_bounded(const struct list_ctx *c, const config_setting_t *v, const char *field,
			char *dst, size_t cap)
{
	const char *s;
	if (expect_string(c, v, field, &s) < 0)
		return -1;
	if (strlen(s) >= cap) {
		list_error(c, v, field, "too long (got \"%s\")", s);
		return -1;
	}
	strcpy(dst, s);
	return 0;
}

/* trackers = "all" or [ id, ... ] (array or list of positive integers). */
static int parse_trackers(const struct list_ctx *c, const config_setting_t *v, struct n2m_sub *req)
{
	if (config_setting_type(v) == CONFIG_TYPE_STRING) {
		if (strcmp(config_setting_get_string(v), "all") != 0) {
			list_error(c, v, "trackers", "must be \"all\" or a list of tracker ids (got \"%s\")",
				   config_setting_get_string(v));
			return -1;
		}
		req->all = 1;
		return 0;
	}
	if (!config_setting_is_array(v) && !config_setting_is_list(v)) {
		list_error(c, v, "trackers", "must be \"all\" or a list of tracker ids%s", "");
		return -1;
	}
	int n = config_setting_length(v);
	if (n == 0) {
		list_error(c, v, "trackers", "empty list (use \"all\" or list tracker ids)%s", "");
		return -1;
	}
	req->all = 0;
	req->ids = calloc((size_t)n, sizeof(int64_t));
	if (!req->ids) {
		list_error(c, v, "trackers", "out of memory%s", "");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *id = config_setting_get_elem(v, (unsigned)i);
		int type = config_setting_type(id);
		long long value = config_setting_get_int64(id);
		if ((type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) || value <= 0) {
			list_error(c, id, "trackers", "expected positive integer tracker ids%s", "");
			return -1;
		}
		req->ids[i] = value;
	}
	req->n_ids = req->cap_ids = (size_t)n;
	return 0;
}

static int parse_sub_field(const struct list_ctx *c, const config_setting_t *v, struct n2m_sub *req,
			   int *has_type)
{
	const char *name = config_setting_name(v);
	const char *text;
	if (strcmp(name, "type") == 0) {
		if (expect_string(c, v, name, &text) < 0)
			return -1;
		if (n2m_sub_type_parse(text, &req->type) < 0) {
			list_error(c, v, name, "must be state, state_batch, readings_batch or "
				   "iot_monitor (got \"%s\")", text);
			return -1;
		}
		*has_type = 1;
		return 0;
	}
	if (strcmp(name, "trackers") == 0)
		return parse_trackers(c, v, req);
	if (strcmp(name, "rate_limit") == 0)
		return copy_bounded(c, v, name, req->rate_limit, sizeof(req->rate_limit));
	if (strcmp(name, "sensor_type") == 0)
		return copy_bounded(c, v, name, req->sensor_type, sizeof(req->sensor_type));
	if (strcmp(name, "format") == 0) {
		if (expect_string(c, v, name, &text) < 0)
			return -1;
		if (n2m_sub_format_parse(text, &req->format) < 0) {
			list_error(c, v, name, "must be full or compact (got \"%s\")", text);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "include_components") == 0) {
		if (config_setting_type(v) != CONFIG_TYPE_BOOL) {
			list_error(c, v, name, "expected a boolean (true or false)%s", "");
			return -1;
		}
		req->include_components = config_setting_get_bool(v) ? 1 : 0;
		return 0;
	}
	list_error(c, v, name, "unknown setting (expected type, trackers, rate_limit, format, "
		   "sensor_type or include_components)%s", "");
	return -1;
}

/* n2m_sub_validate names the field first ("rate_limit: ..."): point the
 * message at that field's line when the group has it. */
static void validation_error(const struct list_ctx *c, const config_setting_t *group,
			     const char *why)
{
	char field[32];
	size_t n = strcspn(why, ":[");
	snprintf(field, sizeof(field), "%.*s", (int)n, why);
	if (why[n] == ':' && why[n + 1] == ' ') {
		const config_setting_t *at = config_setting_get_member(group, field);
		list_error(c, at ? at : group, field, "%s", why + n + 2);
		return;
	}
	list_error(c, group, NULL, "%s", why);
}

static int parse_sub_group(const struct list_ctx *c, const config_setting_t *group,
			   struct n2m_sub *req)
{
	memset(req, 0, sizeof(*req));
	req->format = N2M_FORMAT_FULL;
	req->include_components = -1;
	req->all = 1; /* trackers defaults to "all" */
	if (!config_setting_is_group(group)) {
		list_error(c, group, NULL, "expected a group { type = \"...\"; ... }%s", "");
		return -1;
	}
	int has_type = 0;
	for (int i = 0; i < config_setting_length(group); i++)
		if (parse_sub_field(c, config_setting_get_elem(group, (unsigned)i), req, &has_type) < 0)
			return -1;
	if (!has_type) {
		list_error(c, group, "type", "required (state, state_batch, readings_batch or "
			   "iot_monitor)%s", "");
		return -1;
	}
	req->active = 1;
	char why[256];
	if (n2m_sub_validate(req->type, req, why, sizeof(why)) < 0) {
		validation_error(c, group, why);
		return -1;
	}
	return 0;
}

static int is_list_section(const config_setting_t *s)
{
	/* "()" parses as a list, "[]" as an empty array: both mean "none". */
	return config_setting_is_list(s) ||
	       (config_setting_is_array(s) && config_setting_length(s) == 0);
}

int n2m_config_load_subscriptions(struct n2m_config *cfg, const void *setting, const char *file,
				  char *err, size_t errlen)
{
	const config_setting_t *list = setting;
	struct list_ctx c = { file, "subscriptions", -1, err, errlen };
	if (!is_list_section(list)) {
		struct n2m_origin where = { file, (int)config_setting_source_line(list), NULL };
		n2m_config_error(err, errlen, &where, "subscriptions",
				 "expected a list ( { type = \"state_batch\"; ... }, ... )");
		return -1;
	}
	/* The section replaces the default set entirely. */
	n2m_sub_set_free(&cfg->subscriptions);
	n2m_sub_set_init(&cfg->subscriptions);
	const config_setting_t *last_of_type[N2M_SUB_TYPE_COUNT] = { NULL };
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *group = config_setting_get_elem(list, (unsigned)i);
		struct n2m_sub req;
		c.index = i;
		int rc = parse_sub_group(&c, group, &req);
		if (rc == 0 && n2m_sub_set_add(&cfg->subscriptions, &req) < 0) {
			list_error(&c, group, NULL, "out of memory%s", "");
			rc = -1;
		}
		free(req.ids);
		if (rc < 0)
			return -1;
		last_of_type[req.type] = group;
		/* Groups of one type merge: the union may break a limit. */
		char why[256];
		if (n2m_sub_validate(req.type, &cfg->subscriptions.subs[req.type], why, sizeof(why)) < 0) {
			list_error(&c, last_of_type[req.type], NULL,
				   "together with the earlier groups of this type: %s", why);
			return -1;
		}
	}
	return 0;
}

/* Plugin names become file names (plugins/<name>/<name>.so): keep them tame. */
static int plugin_name_ok(const char *name)
{
	if (!name[0] || strlen(name) > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static int parse_plugin_field(const struct list_ctx *c, config_setting_t *v,
			      struct n2m_plugin_config *p)
{
	const char *name = config_setting_name(v);
	const char *text;
	if (strcmp(name, "name") == 0 || strcmp(name, "path") == 0) {
		if (expect_string(c, v, name, &text) < 0)
			return -1;
		if (name[0] == 'n' && !plugin_name_ok(text)) {
			list_error(c, v, name, "must be 1-64 of a-z, 0-9, _ and - (got \"%s\")", text);
			return -1;
		}
		char **dst = name[0] == 'n' ? &p->name : &p->path;
		free(*dst);
		if (!(*dst = strdup(text))) {
			list_error(c, v, name, "out of memory%s", "");
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "required") == 0) {
		if (config_setting_type(v) != CONFIG_TYPE_BOOL) {
			list_error(c, v, name, "expected a boolean (true or false)%s", "");
			return -1;
		}
		p->required = config_setting_get_bool(v) ? 1 : 0;
		return 0;
	}
	if (strcmp(name, "settings") == 0) {
		if (!config_setting_is_group(v)) {
			list_error(c, v, name, "expected a group { ... }%s", "");
			return -1;
		}
		p->settings = v;
		return 0;
	}
	list_error(c, v, name, "unknown setting (expected name, path, required or settings; "
		   "the plugin's own options go inside settings)%s", "");
	return -1;
}

static int parse_plugin_group(const struct list_ctx *c, config_setting_t *group,
			      struct n2m_plugin_config *p)
{
	if (!config_setting_is_group(group)) {
		list_error(c, group, NULL, "expected a group { name = \"...\"; ... }%s", "");
		return -1;
	}
	for (int i = 0; i < config_setting_length(group); i++)
		if (parse_plugin_field(c, config_setting_get_elem(group, (unsigned)i), p) < 0)
			return -1;
	if (!p->name) {
		list_error(c, group, "name", "required%s", "");
		return -1;
	}
	if (!p->path && !(p->path = strdup(""))) {
		list_error(c, group, "path", "out of memory%s", "");
		return -1;
	}
	return 0;
}

int n2m_config_load_plugins(struct n2m_config *cfg, const void *setting, const char *file,
			    char *err, size_t errlen)
{
	const config_setting_t *list = setting;
	struct list_ctx c = { file, "plugins", -1, err, errlen };
	if (!is_list_section(list)) {
		struct n2m_origin where = { file, (int)config_setting_source_line(list), NULL };
		n2m_config_error(err, errlen, &where, "plugins",
				 "expected a list ( { name = \"...\"; ... }, ... )");
		return -1;
	}
	int n = config_setting_length(list);
	if (n == 0)
		return 0;
	cfg->plugins = calloc((size_t)n, sizeof(*cfg->plugins));
	if (!cfg->plugins) {
		n2m_config_error(err, errlen, NULL, "plugins", "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		config_setting_t *group = config_setting_get_elem(list, (unsigned)i);
		struct n2m_plugin_config *p = &cfg->plugins[i];
		c.index = i;
		cfg->n_plugins++; /* counted first so n2m_config_free releases partial ones */
		if (parse_plugin_group(&c, group, p) < 0)
			return -1;
		for (int j = 0; j < i; j++) {
			if (strcmp(cfg->plugins[j].name, p->name) == 0) {
				list_error(&c, group, "name", "plugin \"%s\" is listed twice", p->name);
				return -1;
			}
		}
	}
	return 0;
}

/* The absolute directory of the config file (for a relative one: as seen
 * from the working directory now, at load time). */
static void config_dir(const char *source, char *out, size_t cap)
{
	const char *slash = strrchr(source, '/');
	char dir[PATH_MAX];

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == source ? 1 : (int)(slash - source), source);
	char *real = realpath(dir, NULL);
	snprintf(out, cap, "%s", real ? real : dir);
	free(real);
}

int n2m_config_resolve_plugin_paths(struct n2m_config *cfg, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	if (!cfg->source_path || !cfg->n_plugins)
		return 0;
	config_dir(cfg->source_path, dir, sizeof dir);
	for (size_t i = 0; i < cfg->n_plugins; i++) {
		struct n2m_plugin_config *p = &cfg->plugins[i];
		if (!p->path[0] || p->path[0] == '/')
			continue;
		size_t size = strlen(dir) + 1 + strlen(p->path) + 1;
		char *full = malloc(size);
		if (!full) {
			n2m_config_error(err, errlen, NULL, "plugins", "out of memory");
			return -1;
		}
		snprintf(full, size, "%s/%s", dir, p->path);
		free(p->path);
		p->path = full;
	}
	return 0;
}
