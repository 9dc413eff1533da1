/* SPDX-License-Identifier: MIT */
/*
 * config.c - loading the configuration: defaults from the settings table,
 * the libconfig file (every key checked, unknown keys refused with their
 * line), then the environment, then the cross-field validation.
 */
#include "config_internal.h"
#include "shard.h"
#include "secret.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Out of memory while filling defaults leaves nothing sensible to run with,
 * and n2m_config_defaults has no way to report it. */
static char *dup_or_die(const char *s)
{
	char *copy = strdup(s);
	if (!copy) {
		fputs("navixy2mqtt: out of memory\n", stderr);
		abort();
	}
	return copy;
}

void n2m_config_defaults(struct n2m_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	size_t n;
	const struct n2m_setting *table = n2m_settings(&n);
	for (size_t i = 0; i < n; i++) {
		if (table[i].kind == N2M_KIND_STRING)
			*n2m_setting_string(cfg, &table[i]) = dup_or_die(table[i].def_string);
		else
			n2m_setting_set_number(cfg, &table[i], table[i].def_number);
	}
	n2m_sub_set_default(&cfg->subscriptions);
}

/* libconfig keeps its own copy of every string of the file, secrets
 * included, and frees it without clearing it. */
static void wipe_libconfig_strings(config_setting_t *s)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *text = config_setting_get_string(s);
		/* The string is libconfig's own malloc'd copy, not a literal. */
		if (text)
			n2m_secret_wipe((char *)text, strlen(text));
		return;
	}
	if (!config_setting_is_aggregate(s))
		return;
	for (int i = 0; i < config_setting_length(s); i++)
		wipe_libconfig_strings(config_setting_get_elem(s, (unsigned)i));
}

void n2m_config_free(struct n2m_config *cfg)
{
	size_t n;
	const struct n2m_setting *table = n2m_settings(&n);
	for (size_t i = 0; i < n; i++)
		if (table[i].kind == N2M_KIND_STRING)
			n2m_setting_free_string(*n2m_setting_string(cfg, &table[i]), &table[i]);
	for (size_t i = 0; i < cfg->n_plugins; i++) {
		free(cfg->plugins[i].name);
		free(cfg->plugins[i].path);
	}
	free(cfg->plugins);
	n2m_sub_set_free(&cfg->subscriptions);
	free(cfg->source_path);
	if (cfg->libconfig) {
		wipe_libconfig_strings(config_root_setting((config_t *)cfg->libconfig));
		config_destroy(cfg->libconfig);
		free(cfg->libconfig);
	}
	memset(cfg, 0, sizeof(*cfg));
}

static const char *type_word(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number with a fraction";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "nothing";
	}
}

/* Reads a number-like setting (int, bool, enum) from its libconfig value. */
static int file_number(const struct n2m_setting *s, const config_setting_t *v, long *out,
		       char *why, size_t whylen)
{
	int type = config_setting_type(v);
	if (s->kind == N2M_KIND_BOOL) {
		if (type != CONFIG_TYPE_BOOL) {
			snprintf(why, whylen, "expected a boolean (true or false), got %s",
				 type_word(type));
			return -1;
		}
		*out = config_setting_get_bool(v) ? 1 : 0;
		return 0;
	}
	if (s->kind == N2M_KIND_INT) {
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
			snprintf(why, whylen, "expected an integer, got %s", type_word(type));
			return -1;
		}
		long long value = config_setting_get_int64(v);
		if (value < INT_MIN || value > INT_MAX) {
			snprintf(why, whylen, "out of range (got %lld)", value);
			return -1;
		}
		*out = (long)value;
		return 0;
	}
	if (type != CONFIG_TYPE_STRING) {
		snprintf(why, whylen, "expected a string, got %s", type_word(type));
		return -1;
	}
	const char *text = config_setting_get_string(v);
	if (n2m_setting_parse_enum(s, text, out) < 0) {
		snprintf(why, whylen, "must be %s (got \"%s\")",
			 s->kind == N2M_KIND_LOG_LEVEL ? "error, warn, info or debug"
						       : "tracker_id or label", text);
		return -1;
	}
	return 0;
}

/* Stores one scalar from the file into cfg and checks it. */
static int apply_file_value(struct n2m_config *cfg, const struct n2m_setting *s,
			    const config_setting_t *v, const struct n2m_origin *where,
			    char *err, size_t errlen)
{
	char why[256] = "";
	if (s->kind == N2M_KIND_STRING) {
		if (config_setting_type(v) != CONFIG_TYPE_STRING) {
			n2m_config_error(err, errlen, where, s->path, "expected a string, got %s",
					 type_word(config_setting_type(v)));
			return -1;
		}
		if (n2m_setting_set_string(cfg, s, config_setting_get_string(v)) < 0) {
			n2m_config_error(err, errlen, where, s->path, "out of memory");
			return -1;
		}
	} else {
		long number;
		if (file_number(s, v, &number, why, sizeof(why)) < 0) {
			n2m_config_error(err, errlen, where, s->path, "%s", why);
			return -1;
		}
		n2m_setting_set_number(cfg, s, number);
	}
	if (n2m_setting_check(cfg, s, why, sizeof(why)) < 0) {
		n2m_config_error(err, errlen, where, s->path, "%s", why);
		return -1;
	}
	return 0;
}

struct file_walk {
	struct n2m_config *cfg;
	const char *file; /* name used in messages */
	char *err;
	size_t errlen;
};

static struct n2m_origin origin_of(const struct file_walk *w, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);
	struct n2m_origin o = { .file = file ? file : w->file,
				.line = (int)config_setting_source_line(s) };
	return o;
}

static int walk_group(struct file_walk *w, const config_setting_t *group, const char *prefix);

/* One member of a group: a known scalar, a known nested group, a list
 * section, or an error naming it. */
static int walk_member(struct file_walk *w, const config_setting_t *child, const char *prefix)
{
	const char *name = config_setting_name(child);
	char path[256];
	if (prefix)
		snprintf(path, sizeof(path), "%s.%s", prefix, name ? name : "?");
	else
		snprintf(path, sizeof(path), "%s", name ? name : "?");
	struct n2m_origin where = origin_of(w, child);

	if (!prefix && strcmp(path, "subscriptions") == 0)
		return n2m_config_load_subscriptions(w->cfg, child, where.file, w->err, w->errlen);
	if (!prefix && strcmp(path, "plugins") == 0)
		return n2m_config_load_plugins(w->cfg, child, where.file, w->err, w->errlen);
	const struct n2m_setting *s = n2m_setting_find(path);
	if (s)
		return apply_file_value(w->cfg, s, child, &where, w->err, w->errlen);
	if (n2m_setting_is_group(path)) {
		if (!config_setting_is_group(child)) {
			n2m_config_error(w->err, w->errlen, &where, path,
					 "expected a group { ... }, got %s",
					 type_word(config_setting_type(child)));
			return -1;
		}
		return walk_group(w, child, path);
	}
	n2m_config_error(w->err, w->errlen, &where, path, "unknown %s",
			 prefix ? "setting" : "section (expected navixy, mqtt, topics, "
					      "subscriptions, control, health, log, bridge, process or "
					      "plugins)");
	return -1;
}

static int walk_group(struct file_walk *w, const config_setting_t *group, const char *prefix)
{
	int n = config_setting_length(group);
	for (int i = 0; i < n; i++)
		if (walk_member(w, config_setting_get_elem(group, (unsigned)i), prefix) < 0)
			return -1;
	return 0;
}

/* The directory of path, so that @include "x.conf" is relative to it. */
static void set_include_dir(config_t *lc, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return;
	char *dir = strndup(path, (size_t)(slash - path) + 1);
	if (dir)
		config_set_include_dir(lc, dir);
	free(dir);
}

/* Opens a file libconfig is about to read. libconfig's scanner prints
 * "input in flex scanner failed" and exits the process when read() fails,
 * as it does on a directory: refuse those here, with the reason. */
static FILE *open_config_file(const char *path, const struct n2m_origin *where, char *err,
			      size_t errlen)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	if (!f) {
		n2m_config_error(err, errlen, where, path, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		n2m_config_error(err, errlen, where, path, "cannot read: a directory, not a file");
		fclose(f);
		return NULL;
	}
	return f;
}

/* The same check for every @include "file" of f (libconfig opens them
 * itself), relative to dir as libconfig resolves them, to its depth limit. */
static int check_includes(FILE *f, const char *name, const char *dir, int depth, char *err,
			  size_t errlen)
{
	char line[4096];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		const char *p = line + strspn(line, " \t");
		if (strncmp(p, "@include", 8) != 0)
			continue;
		p += 8;
		p += strspn(p, " \t");
		const char *end = *p == '"' ? strchr(p + 1, '"') : NULL;
		if (!end || depth >= 10)
			continue; /* libconfig reports these itself */
		char path[4096];
		snprintf(path, sizeof path, "%s%.*s", p[1] == '/' || !dir ? "" : dir,
			 (int)(end - p - 1), p + 1);
		struct n2m_origin where = { .file = name, .line = lineno };
		struct stat st;
		if (stat(path, &st) != 0)
			continue; /* libconfig says it cannot open it */
		FILE *inc = open_config_file(path, &where, err, errlen);
		if (!inc)
			return -1;
		int rc = check_includes(inc, path, dir, depth + 1, err, errlen);
		fclose(inc);
		if (rc < 0)
			return -1;
	}
	rewind(f);
	return 0;
}

/* The directory of path with its '/', or NULL when it has none. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? strndup(path, (size_t)(slash - path) + 1) : NULL;
}

static int read_file_into(config_t *lc, const char *path, char *err, size_t errlen)
{
	FILE *f = open_config_file(path, NULL, err, errlen);
	if (!f)
		return -1;
	char *dir = dir_of(path);
	int rc = check_includes(f, path, dir, 1, err, errlen);
	free(dir);
	if (rc == 0) {
		set_include_dir(lc, path);
		rc = config_read(lc, f) ? 1 : 0;
	} else {
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* Parses the file (path) or the text into a new config_t kept in cfg. */
static int parse_libconfig(struct n2m_config *cfg, const char *path, const char *text,
			   const char *name, char *err, size_t errlen)
{
	config_t *lc = malloc(sizeof(*lc));
	if (!lc) {
		n2m_config_error(err, errlen, NULL, name, "out of memory");
		return -1;
	}
	config_init(lc);
	cfg->libconfig = lc;
	int ok;
	if (path) {
		ok = read_file_into(lc, path, err, errlen);
		if (ok < 0)
			return -1;
	} else {
		ok = config_read_string(lc, text);
	}
	if (!ok) {
		const char *file = config_error_file(lc);
		struct n2m_origin where = { .file = file ? file : name,
					    .line = config_error_line(lc) };
		const char *what = config_error_text(lc);
		n2m_config_error(err, errlen, &where, NULL, "%s", what ? what : "cannot parse");
		return -1;
	}
	struct file_walk w = { cfg, name, err, errlen };
	return walk_group(&w, config_root_setting(lc), NULL);
}

/* ws_url defaults to the REST base with http->ws, https->wss and
 * "/event/subscription" appended, as Navixy serves it. A user:password@ of
 * api_url (HTTP basic auth, e.g. for a proxy) is not carried over: the
 * WebSocket authenticates with the session hash. */
static int derive_ws_url(struct n2m_config *cfg)
{
	if (cfg->navixy.ws_url[0] || strncmp(cfg->navixy.api_url, "http", 4) != 0)
		return 0;
	struct n2m_url_parts parts;
	if (n2m_url_split(cfg->navixy.api_url, &parts) == N2M_URL_NO_MEMORY) {
		n2m_url_parts_free(&parts);
		return -1;
	}
	/* A bad escape is reported for api_url itself by the validation. */
	const char *api = parts.stripped ? parts.stripped : cfg->navixy.api_url;
	size_t len = strlen(api);
	while (len > 0 && api[len - 1] == '/')
		len--;
	size_t size = len + sizeof("/event/subscription");
	char *ws = malloc(size);
	if (ws) {
		/* "http..." -> "ws...": the rest (including an "s") stays. */
		snprintf(ws, size, "ws%.*s/event/subscription", (int)(len - 4), api + 4);
		free(cfg->navixy.ws_url);
		cfg->navixy.ws_url = ws;
	}
	n2m_url_parts_free(&parts);
	return ws ? 0 : -1;
}

static int load(struct n2m_config *cfg, const char *path, const char *text, const char *name,
		char *const *envp, char *err, size_t errlen)
{
	n2m_config_defaults(cfg);
	if (path && !(cfg->source_path = strdup(path))) {
		n2m_config_error(err, errlen, NULL, path, "out of memory");
		return -1;
	}
	if ((path || text) && parse_libconfig(cfg, path, text, name, err, errlen) < 0)
		return -1;
	if (n2m_config_resolve_plugin_paths(cfg, err, errlen) < 0)
		return -1;
	if (envp && n2m_config_apply_env(cfg, envp, err, errlen) < 0)
		return -1;
	if (derive_ws_url(cfg) < 0) {
		n2m_config_error(err, errlen, NULL, "navixy.ws_url", "out of memory");
		return -1;
	}
	return n2m_config_validate(cfg, err, errlen);
}

int n2m_config_load(struct n2m_config *cfg, const char *path, char *const *envp,
		    char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (load(cfg, path, NULL, path, envp, err, errlen) < 0) {
		n2m_config_free(cfg);
		return -1;
	}
	return 0;
}

int n2m_config_load_string(struct n2m_config *cfg, const char *text, const char *name,
			   char *const *envp, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (load(cfg, NULL, text ? text : "", name ? name : "<string>", envp, err, errlen) < 0) {
		n2m_config_free(cfg);
		return -1;
	}
	return 0;
}

static int check_table(const struct n2m_config *cfg, char *err, size_t errlen)
{
	size_t n;
	const struct n2m_setting *table = n2m_settings(&n);
	char why[256];
	for (size_t i = 0; i < n; i++) {
		if (n2m_setting_check(cfg, &table[i], why, sizeof(why)) < 0) {
			n2m_config_error(err, errlen, NULL, table[i].path, "%s", why);
			return -1;
		}
	}
	return 0;
}

static int check_credentials(const struct n2m_navixy_config *nx, char *err, size_t errlen)
{
	if (!nx->api_url[0]) {
		n2m_config_error(err, errlen, NULL, "navixy.api_url",
				 "required (e.g. https://api.eu.navixy.com/v2)");
		return -1;
	}
	if (!nx->ws_url[0]) {
		n2m_config_error(err, errlen, NULL, "navixy.ws_url", "required");
		return -1;
	}
	if (nx->api_key[0])
		return 0;
	if (nx->login[0] && !nx->password[0]) {
		n2m_config_error(err, errlen, NULL, "navixy.password", "required with navixy.login");
		return -1;
	}
	if (!nx->login[0]) {
		n2m_config_error(err, errlen, NULL, "navixy",
				 "needs api_key, or login and password");
		return -1;
	}
	return 0;
}

static int check_readable(const char *path_name, const char *file, char *err, size_t errlen)
{
	if (file[0] && access(file, R_OK) != 0) {
		n2m_config_error(err, errlen, NULL, path_name, "cannot read %s: %s", file,
				 strerror(errno));
		return -1;
	}
	return 0;
}

static int check_tls(const struct n2m_config *cfg, char *err, size_t errlen)
{
	const struct n2m_mqtt_config *m = &cfg->mqtt;
	if (check_readable("navixy.ca_file", cfg->navixy.ca_file, err, errlen) < 0 ||
	    check_readable("mqtt.ca_file", m->ca_file, err, errlen) < 0 ||
	    check_readable("mqtt.cert_file", m->cert_file, err, errlen) < 0 ||
	    check_readable("mqtt.key_file", m->key_file, err, errlen) < 0)
		return -1;
	if (!m->cert_file[0] != !m->key_file[0]) {
		n2m_config_error(err, errlen, NULL, m->cert_file[0] ? "mqtt.key_file" : "mqtt.cert_file",
				 "required with %s", m->cert_file[0] ? "mqtt.cert_file" : "mqtt.key_file");
		return -1;
	}
	return 0;
}

static int check_subscriptions(const struct n2m_sub_set *set, char *err, size_t errlen)
{
	char why[256];
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++) {
		if (n2m_sub_validate((enum n2m_sub_type)t, &set->subs[t], why, sizeof(why)) < 0) {
			n2m_config_error(err, errlen, NULL, "subscriptions", "%s: %s",
					 n2m_sub_type_name((enum n2m_sub_type)t), why);
			return -1;
		}
	}
	return 0;
}

/* A user name or password in mqtt.url goes into the CONNECT; each may come
 * from the URL or from its setting, not from both. */
static int check_mqtt_userinfo(const struct n2m_mqtt_config *m, char *err, size_t errlen)
{
	struct n2m_url_parts parts;
	enum n2m_url_split_result rc = n2m_url_split(m->url, &parts);
	int user = parts.user != NULL, password = parts.password != NULL;
	n2m_url_parts_free(&parts);
	if (rc == N2M_URL_NO_MEMORY) {
		n2m_config_error(err, errlen, NULL, "mqtt.url", "out of memory");
		return -1;
	}
	if (rc == N2M_URL_BAD_ESCAPE) {
		n2m_config_error(err, errlen, NULL, "mqtt.url",
				 "bad %%-escape in user:password@ (write %%40 for @, %%3A for :, "
				 "%%25 for %%)");
		return -1;
	}
	if ((user && m->username[0]) || (password && m->password[0])) {
		n2m_config_error(err, errlen, NULL, "mqtt.url",
				 "has a %s in user:password@ and mqtt.%s is set too: give it once",
				 user && m->username[0] ? "user name" : "password",
				 user && m->username[0] ? "username" : "password");
		return -1;
	}
	return 0;
}

static int check_urls(const struct n2m_config *cfg, char *err, size_t errlen)
{
	struct n2m_url_parts parts;
	enum n2m_url_split_result rc = n2m_url_split(cfg->navixy.api_url, &parts);
	n2m_url_parts_free(&parts);
	if (rc == N2M_URL_BAD_ESCAPE) {
		n2m_config_error(err, errlen, NULL, "navixy.api_url",
				 "bad %%-escape in user:password@");
		return -1;
	}
	if (n2m_url_has_userinfo(cfg->navixy.ws_url)) {
		n2m_config_error(err, errlen, NULL, "navixy.ws_url",
				 "must not carry user:password@ (the WebSocket authenticates with "
				 "the session hash)");
		return -1;
	}
	return check_mqtt_userinfo(&cfg->mqtt, err, errlen);
}

/* A hot standby names itself (bridge.instance, or mqtt.client_id when
 * sharded) and its peer differently; bridge_standby.c relies on it. */
static int check_standby(const struct n2m_config *cfg, char *err, size_t errlen)
{
	const struct n2m_bridge_config *br = &cfg->bridge;
	struct n2m_shard shard;
	char why[160];

	if (!br->standby_for[0] || n2m_shard_parse(br->shard, &shard, why, sizeof why) != 0)
		return 0;
	const char *self = br->instance[0] ? br->instance
			   : n2m_shard_active(&shard) ? cfg->mqtt.client_id : "";
	if (!self[0] || strcmp(self, br->standby_for) == 0) {
		n2m_config_error(err, errlen, NULL, "bridge.standby_for",
				 "needs bridge.instance set and different from the peer's name");
		return -1;
	}
	return 0;
}

int n2m_config_validate(const struct n2m_config *cfg, char *err, size_t errlen)
{
	if (check_table(cfg, err, errlen) < 0 || check_credentials(&cfg->navixy, err, errlen) < 0 ||
	    check_urls(cfg, err, errlen) < 0)
		return -1;
	if (cfg->navixy.backoff_min_ms > cfg->navixy.backoff_max_ms) {
		n2m_config_error(err, errlen, NULL, "navixy.backoff_min_ms",
				 "must not exceed navixy.backoff_max_ms (%d > %d)",
				 cfg->navixy.backoff_min_ms, cfg->navixy.backoff_max_ms);
		return -1;
	}
	if (check_tls(cfg, err, errlen) < 0 || check_standby(cfg, err, errlen) < 0)
		return -1;
	return check_subscriptions(&cfg->subscriptions, err, errlen);
}
