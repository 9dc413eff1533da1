/* SPDX-License-Identifier: MIT */
/*
 * plugin_options.c - a plugin's options: typed lookups with defaults in
 * its `settings` group (libconfig), so plugins never see libconfig. A key
 * of the wrong type is an error naming the plugin, the key and its line.
 */
#include "plugin_host_internal.h"

#include <libconfig.h>
#include <string.h>

static config_setting_t *lookup(const struct n2m_plugin *p, const char *key)
{
	if (!p || !p->settings || !key)
		return NULL;
	return config_setting_get_member((config_setting_t *)p->settings, key);
}

/* libconfig names only @include'd files; the main file is the host's. */
static const char *setting_file(const struct n2m_plugin *p, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);
	return file ? file : p->host->config_file;
}

static int wrong_type(struct n2m_plugin *p, const config_setting_t *s, const char *key,
		      const char *expected)
{
	const char *file = setting_file(p, s);

	p->rejected++;
	snprintf(p->error, sizeof p->error, "%s%s%d: plugins.%s.settings.%s: expected %s",
		 file ? file : "", file ? ":" : "line ", (int)config_setting_source_line(s), p->name,
		 key, expected);
	n2m_log(p->host->log, N2M_LOG_ERROR, "plugin.bad_option", "plugin=%s key=%s error=\"%s\"",
		p->name, key, p->error);
	return N2M_PLUGIN_ETYPE;
}

int n2m_plugin_opt_string(struct n2m_plugin *p, const char *key, const char *def, const char **out)
{
	config_setting_t *s = lookup(p, key);

	if (!out)
		return N2M_PLUGIN_EINVAL;
	*out = def;
	if (!s)
		return N2M_PLUGIN_OK;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return wrong_type(p, s, key, "a string in double quotes");
	*out = config_setting_get_string(s);
	return N2M_PLUGIN_OK;
}

int n2m_plugin_opt_int(struct n2m_plugin *p, const char *key, long long def, long long *out)
{
	config_setting_t *s = lookup(p, key);

	if (!out)
		return N2M_PLUGIN_EINVAL;
	*out = def;
	if (!s)
		return N2M_PLUGIN_OK;
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		*out = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		*out = config_setting_get_int64(s);
	else
		return wrong_type(p, s, key, "an integer");
	return N2M_PLUGIN_OK;
}

int n2m_plugin_opt_bool(struct n2m_plugin *p, const char *key, int def, int *out)
{
	config_setting_t *s = lookup(p, key);

	if (!out)
		return N2M_PLUGIN_EINVAL;
	*out = def;
	if (!s)
		return N2M_PLUGIN_OK;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return wrong_type(p, s, key, "true or false");
	*out = config_setting_get_bool(s) ? 1 : 0;
	return N2M_PLUGIN_OK;
}

int n2m_plugin_opt_double(struct n2m_plugin *p, const char *key, double def, double *out)
{
	config_setting_t *s = lookup(p, key);

	if (!out)
		return N2M_PLUGIN_EINVAL;
	*out = def;
	if (!s)
		return N2M_PLUGIN_OK;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		*out = config_setting_get_float(s);
		return N2M_PLUGIN_OK;
	case CONFIG_TYPE_INT:
		*out = config_setting_get_int(s);
		return N2M_PLUGIN_OK;
	case CONFIG_TYPE_INT64:
		*out = (double)config_setting_get_int64(s);
		return N2M_PLUGIN_OK;
	default:
		return wrong_type(p, s, key, "a number");
	}
}

size_t n2m_plugin_opt_count(const struct n2m_plugin *p)
{
	if (!p || !p->settings)
		return 0;
	return (size_t)config_setting_length((const config_setting_t *)p->settings);
}

const char *n2m_plugin_opt_key(const struct n2m_plugin *p, size_t i)
{
	config_setting_t *s;

	if (i >= n2m_plugin_opt_count(p))
		return NULL;
	s = config_setting_get_elem((const config_setting_t *)p->settings, (unsigned)i);
	return s ? config_setting_name(s) : NULL;
}

static int is_known(const char *key, const char *const *known)
{
	for (size_t i = 0; known && known[i]; i++)
		if (strcmp(key, known[i]) == 0)
			return 1;
	return 0;
}

int n2m_plugin_opt_check_known(struct n2m_plugin *p, const char *const *known)
{
	size_t n = n2m_plugin_opt_count(p);
	int unknown = 0;

	for (size_t i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(p->settings, (unsigned)i);
		const char *key = s ? config_setting_name(s) : NULL;
		if (!key || is_known(key, known))
			continue;
		unknown++;
		p->rejected++;
		const char *file = setting_file(p, s);
		snprintf(p->error, sizeof p->error, "%s%s%d: plugins.%s.settings.%s: unknown setting",
			 file ? file : "", file ? ":" : "line ", (int)config_setting_source_line(s),
			 p->name, key);
		n2m_log(p->host->log, N2M_LOG_ERROR, "plugin.bad_option",
			"plugin=%s key=%s error=\"%s\"", p->name, key, p->error);
	}
	return unknown;
}
