/* SPDX-License-Identifier: MIT */
/*
 * config_env.c - the environment pass: NAVIXY2MQTT_<PATH> overrides a
 * setting (PATH is the dotted path upper-cased, dots as underscores), a
 * secret may come from the file named by NAVIXY2MQTT_<PATH>_FILE, and
 * NAVIXY2MQTT_SUBSCRIPTIONS replaces the subscription set with its JSON form.
 * Values follow the file's type rules; any other NAVIXY2MQTT_* is an error,
 * so a typo never silently leaves a default in place.
 */
#include "config_internal.h"
#include "secret.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#define SUBSCRIPTIONS_ENV N2M_ENV_PREFIX "SUBSCRIPTIONS"
#define FILE_SUFFIX "_FILE"
/* A secret file larger than this is surely the wrong file. */
#define SECRET_FILE_MAX 65536

/* True if the upper-cased, underscored form of path equals name. */
static int env_matches(const char *path, const char *name, size_t name_len)
{
	size_t i = 0;
	for (; path[i]; i++) {
		char want = path[i] == '.' ? '_' : (char)(path[i] >= 'a' && path[i] <= 'z'
							  ? path[i] - 'a' + 'A' : path[i]);
		if (i >= name_len || name[i] != want)
			return 0;
	}
	return i == name_len;
}

/* The setting whose variable is NAVIXY2MQTT_<name[0..len)>, or NULL. */
static const struct n2m_setting *setting_for(const char *name, size_t len)
{
	size_t n;
	const struct n2m_setting *table = n2m_settings(&n);
	for (size_t i = 0; i < n; i++)
		if (env_matches(table[i].path, name, len))
			return &table[i];
	return NULL;
}

static int parse_bool(const char *text, long *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int parse_int(const char *text, long *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (!text[0] || *end || errno || v < INT_MIN || v > INT_MAX ||
	    text[0] == ' ' || text[0] == '\t' || text[0] == '+')
		return -1;
	*out = (long)v;
	return 0;
}

/* Stores a text value with the setting's type rules, then checks it. */
static int apply_text(struct n2m_config *cfg, const struct n2m_setting *s, const char *value,
		      const struct n2m_origin *where, char *err, size_t errlen)
{
	long number = 0;
	char why[256];
	int bad = 0;
	/* Secrets are never echoed back, even when malformed. */
	const char *shown = (s->flags & N2M_SETTING_SECRET) ? N2M_REDACTED : value;
	switch (s->kind) {
	case N2M_KIND_STRING:
		if (n2m_setting_set_string(cfg, s, value) < 0) {
			n2m_config_error(err, errlen, where, s->path, "out of memory");
			return -1;
		}
		break;
	case N2M_KIND_BOOL:
		bad = parse_bool(value, &number) < 0;
		snprintf(why, sizeof(why),
			 "expected a boolean (true/false, yes/no, on/off, 1/0), got \"%s\"", shown);
		break;
	case N2M_KIND_INT:
		bad = parse_int(value, &number) < 0;
		snprintf(why, sizeof(why), "expected an integer, got \"%s\"", shown);
		break;
	default:
		bad = n2m_setting_parse_enum(s, value, &number) < 0;
		snprintf(why, sizeof(why), "must be %s (got \"%s\")",
			 s->kind == N2M_KIND_LOG_LEVEL ? "error, warn, info or debug"
						       : "tracker_id or label", shown);
		break;
	}
	if (bad) {
		n2m_config_error(err, errlen, where, s->path, "%s", why);
		return -1;
	}
	if (s->kind != N2M_KIND_STRING)
		n2m_setting_set_number(cfg, s, number);
	if (n2m_setting_check(cfg, s, why, sizeof(why)) < 0) {
		n2m_config_error(err, errlen, where, s->path, "%s", why);
		return -1;
	}
	return 0;
}

/* Reads a secret file whole, minus trailing newlines; NULL with errno set
 * (EFBIG when too large, EINVAL when it holds a NUL byte). */
static char *read_secret_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(SECRET_FILE_MAX + 1);
	size_t len = buf ? fread(buf, 1, SECRET_FILE_MAX + 1, f) : 0;
	int failed = !buf || ferror(f);
	int saved = errno;
	fclose(f);
	if (failed || len > SECRET_FILE_MAX || memchr(buf, '\0', len)) {
		n2m_secret_wipe(buf, len);
		free(buf);
		errno = failed ? (saved ? saved : EIO) : (len > SECRET_FILE_MAX ? EFBIG : EINVAL);
		return NULL;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	return buf;
}

static int env_defined(char *const *envp, const char *name, size_t len)
{
	for (; *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return 1;
	return 0;
}

static int apply_secret_file(struct n2m_config *cfg, const struct n2m_setting *s,
			     char *const *envp, const char *var, size_t var_len,
			     const char *file, char *err, size_t errlen)
{
	struct n2m_origin where = { .env = var };
	size_t plain_len = var_len - strlen(FILE_SUFFIX);
	if (env_defined(envp, var, plain_len)) {
		n2m_config_error(err, errlen, &where, s->path, "set either %.*s or %s, not both",
				 (int)plain_len, var, var);
		return -1;
	}
	char *secret = read_secret_file(file);
	if (!secret) {
		n2m_config_error(err, errlen, &where, s->path, "cannot read %s: %s", file,
				 errno == EFBIG ? "larger than 64 KiB"
				 : errno == EINVAL ? "contains a NUL byte" : strerror(errno));
		return -1;
	}
	if (!secret[0]) {
		/* An empty secret would surface later as "password required"
		 * without naming the file that should have held it. */
		n2m_secret_free(secret);
		n2m_config_error(err, errlen, &where, s->path, "%s is empty", file);
		return -1;
	}
	int rc = apply_text(cfg, s, secret, &where, err, errlen);
	/* Do not leave the secret in freed memory. */
	n2m_secret_free(secret);
	return rc;
}

static int apply_subscriptions(struct n2m_config *cfg, const char *value,
			       const struct n2m_origin *where, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	if (!tok) {
		n2m_config_error(err, errlen, where, "subscriptions", "out of memory");
		return -1;
	}
	struct json_object *obj = json_tokener_parse_ex(tok, value, (int)strnlen(value, INT_MAX));
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!obj || jerr != json_tokener_success) {
		json_object_put(obj);
		n2m_config_error(err, errlen, where, "subscriptions", "not valid JSON: %s",
				 json_tokener_error_desc(jerr == json_tokener_success
							 ? json_tokener_error_parse_eof : jerr));
		return -1;
	}
	struct n2m_sub_set set;
	char why[256];
	int rc = n2m_sub_set_from_json(&set, obj, why, sizeof(why));
	json_object_put(obj);
	if (rc < 0) {
		n2m_config_error(err, errlen, where, "subscriptions", "%s", why);
		return -1;
	}
	n2m_sub_set_free(&cfg->subscriptions);
	cfg->subscriptions = set;
	return 0;
}

/* One NAVIXY2MQTT_* variable. */
static int apply_one(struct n2m_config *cfg, char *const *envp, const char *entry,
		     char *err, size_t errlen)
{
	const char *eq = strchr(entry, '=');
	if (!eq)
		return 0;
	size_t var_len = (size_t)(eq - entry);
	char var[128];
	snprintf(var, sizeof(var), "%.*s", (int)var_len, entry);
	struct n2m_origin where = { .env = var };
	const char *key = entry + strlen(N2M_ENV_PREFIX);
	size_t key_len = var_len - strlen(N2M_ENV_PREFIX);
	const char *value = eq + 1;

	if (var_len == strlen(N2M_CONFIG_PATH_ENV) && strncmp(entry, N2M_CONFIG_PATH_ENV, var_len) == 0)
		return 0;
	if (var_len == strlen(SUBSCRIPTIONS_ENV) && strncmp(entry, SUBSCRIPTIONS_ENV, var_len) == 0)
		return apply_subscriptions(cfg, value, &where, err, errlen);
	const struct n2m_setting *s = setting_for(key, key_len);
	if (s)
		return apply_text(cfg, s, value, &where, err, errlen);
	size_t suffix = strlen(FILE_SUFFIX);
	if (key_len > suffix && strncmp(key + key_len - suffix, FILE_SUFFIX, suffix) == 0) {
		s = setting_for(key, key_len - suffix);
		if (s && (s->flags & N2M_SETTING_SECRET))
			return apply_secret_file(cfg, s, envp, var, var_len, value, err, errlen);
	}
	n2m_config_error(err, errlen, &where, NULL,
			 "unknown environment variable (settings are NAVIXY2MQTT_<SECTION>_<KEY>, "
			 "see config/navixy2mqtt.conf)");
	return -1;
}

int n2m_config_apply_env(struct n2m_config *cfg, char *const *envp, char *err, size_t errlen)
{
	for (char *const *e = envp; *e; e++) {
		if (strncmp(*e, N2M_ENV_PREFIX, strlen(N2M_ENV_PREFIX)) != 0)
			continue;
		if (apply_one(cfg, envp, *e, err, errlen) < 0)
			return -1;
	}
	return 0;
}
