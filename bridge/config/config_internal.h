/* SPDX-License-Identifier: MIT */
/*
 * config_internal.h - shared by the config module's files only (not for the
 * rest of the bridge): the table of scalar settings, value checks, and the
 * "where did this value come from" used in error messages.
 *
 * Every scalar setting is one table row; its dotted path ("mqtt.protocol",
 * "topics.state.retain") names it in the file, in error messages and, upper
 * cased with dots as underscores, in the environment
 * (NAVIXY2MQTT_MQTT_PROTOCOL, NAVIXY2MQTT_TOPICS_STATE_RETAIN). Defaults,
 * loading, validation and printing are all driven by this one table so they
 * cannot drift apart.
 */
#ifndef N2M_CONFIG_INTERNAL_H
#define N2M_CONFIG_INTERNAL_H

#include <stddef.h>

#include "config.h"
#include "url_userinfo.h"

#define N2M_ENV_PREFIX "NAVIXY2MQTT_"
#define N2M_REDACTED "<redacted>"

enum n2m_setting_kind {
	N2M_KIND_STRING, /* char * */
	N2M_KIND_INT,    /* int with min..max or a list of choices */
	N2M_KIND_BOOL,   /* int 0/1 */
	N2M_KIND_ID_MODE,/* enum n2m_topic_id_mode, text "tracker_id"/"label" */
	N2M_KIND_LOG_LEVEL,
};

#define N2M_SETTING_SECRET 0x1 /* never printed; also read from *_FILE */
#define N2M_SETTING_URL    0x2 /* may carry user:password@, redacted on print */

struct n2m_setting {
	const char *path;
	enum n2m_setting_kind kind;
	size_t offset;          /* of the field in struct n2m_config */
	unsigned flags;
	long min, max;          /* N2M_KIND_INT, unless choices */
	const int *choices;     /* N2M_KIND_INT: allowed values, 0-terminated */
	const char *def_string; /* default of a string setting */
	long def_number;        /* default of the other kinds */
	/* Extra rule for a string value; returns 0 or -1 with the reason. */
	int (*check_string)(const char *value, char *why, size_t whylen);
};

/* Where a value came from, for "file:line: path: reason" and
 * "NAVIXY2MQTT_X: path: reason". */
struct n2m_origin {
	const char *file; /* NULL when from the environment */
	int line;
	const char *env;  /* the variable name, when from the environment */
};

const struct n2m_setting *n2m_settings(size_t *count);
const struct n2m_setting *n2m_setting_find(const char *path);
/* True if some setting lives below `path` (a group such as "topics.state"). */
int n2m_setting_is_group(const char *path);

char **n2m_setting_string(struct n2m_config *cfg, const struct n2m_setting *s);
const char *n2m_setting_string_c(const struct n2m_config *cfg, const struct n2m_setting *s);
/* The value of a non-string setting as a number (enums as their index). */
long n2m_setting_number(const struct n2m_config *cfg, const struct n2m_setting *s);
/* Stores a number into a non-string setting (enums by index). */
void n2m_setting_set_number(struct n2m_config *cfg, const struct n2m_setting *s, long value);
/* Parses an enum kind's text; -1 if it is not one of the names. */
int n2m_setting_parse_enum(const struct n2m_setting *s, const char *text, long *out);
const char *n2m_setting_enum_name(const struct n2m_setting *s, long value);

/* Checks the setting's current value (range, choices, string rule);
 * returns 0 or -1 with the reason in why. */
int n2m_setting_check(const struct n2m_config *cfg, const struct n2m_setting *s,
		      char *why, size_t whylen);

/* Formats "origin: path: reason" into err. */
void n2m_config_error(char *err, size_t errlen, const struct n2m_origin *where,
		      const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Replaces a string setting's value with a copy of value; -1 on no memory. */
int n2m_setting_set_string(struct n2m_config *cfg, const struct n2m_setting *s, const char *value);

/* Frees a string setting's value, wiping it first when it is a secret or a
 * URL (which may carry a password). */
void n2m_setting_free_string(char *value, const struct n2m_setting *s);

/* The environment pass: NAVIXY2MQTT_* variables and *_FILE secrets. */
int n2m_config_apply_env(struct n2m_config *cfg, char *const *envp, char *err, size_t errlen);

/* The list sections of the file (config_setting_t * passed as void *). */
int n2m_config_load_subscriptions(struct n2m_config *cfg, const void *setting, const char *file,
				  char *err, size_t errlen);
int n2m_config_load_plugins(struct n2m_config *cfg, const void *setting, const char *file,
			    char *err, size_t errlen);

/* Makes every relative plugin path relative to the directory of the config
 * file (cfg->source_path; nothing to do without one), as an absolute path:
 * neither the working directory nor the dynamic linker's search path
 * decides which file is loaded. */
int n2m_config_resolve_plugin_paths(struct n2m_config *cfg, char *err, size_t errlen);


#endif
