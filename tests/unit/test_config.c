/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - the configuration: defaults, the shipped example file,
 * environment overrides and *_FILE secrets, error messages with key and
 * line, validation, redaction, and the subscriptions and plugins sections.
 */
#define _DEFAULT_SOURCE 1 /* realpath */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "config_internal.h"

#define KEY "0123456789abcdef0123456789ABCDEF"
/* A navixy section with credentials, plus extra settings of that section. */
#define NAVIXY(extra) \
	"navixy = { api_url = \"https://api.eu.navixy.com/v2\"; api_key = \"" KEY "\"; " extra " };\n"
#define API NAVIXY("")

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/name; returns the path (static buffer per call site). */
static const char *write_file(const char *name, const char *text, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loads text as a file named name.conf with env; returns load's result. */
static int load_text(struct n2m_config *cfg, const char *text, char *const *env,
		     char *err, size_t errlen)
{
	char path[256];
	write_file("navixy2mqtt.conf", text, path, sizeof(path));
	static char *const empty[] = { NULL };
	return n2m_config_load(cfg, path, env ? env : empty, err, errlen);
}

/* Asserts that loading fails with a message containing want. */
static void expect_error(const char *text, char *const *env, const char *want)
{
	struct n2m_config cfg;
	char err[512] = "";
	int rc = load_text(&cfg, text, env, err, sizeof(err));
	if (rc != -1 || !strstr(err, want))
		fail_msg("rc=%d err=\"%s\", want \"%s\"", rc, err, want);
	n2m_config_free(&cfg);
}

static void defaults(void **state)
{
	(void)state;
	struct n2m_config cfg;
	n2m_config_defaults(&cfg);
	assert_string_equal(cfg.mqtt.url, "mqtt://127.0.0.1:1883");
	assert_string_equal(cfg.mqtt.client_id, "navixy2mqtt");
	assert_string_equal(cfg.mqtt.base_topic, "navixy");
	assert_int_equal(cfg.mqtt.protocol, 5);
	assert_int_equal(cfg.mqtt.keepalive_s, 30);
	assert_string_equal(cfg.navixy.framework_version, "4.0.1");
	assert_int_equal(cfg.navixy.liveness_s, 75);
	assert_int_equal(cfg.navixy.backoff_min_ms, 1000);
	assert_int_equal(cfg.navixy.backoff_max_ms, 120000);
	assert_int_equal(cfg.navixy.iso_datetime, 1);
	assert_int_equal(cfg.navixy.max_frame_bytes, 256 * 1024 * 1024);
	assert_int_equal(cfg.navixy.max_fallback_bytes, 64 * 1024 * 1024);
	assert_int_equal(cfg.topics.id_mode, N2M_TOPIC_ID_TRACKER_ID);
	assert_int_equal(cfg.topics.classes[N2M_CLASS_STATE].retain, 1);
	assert_int_equal(cfg.topics.classes[N2M_CLASS_EVENT].retain, 0);
	assert_int_equal(cfg.log.level, N2M_LOG_INFO);
	assert_string_equal(cfg.navixy.api_key, "");
	assert_null(cfg.source_path);
	struct n2m_sub_set want;
	n2m_sub_set_default(&want);
	assert_true(n2m_sub_set_equal(&cfg.subscriptions, &want));
	n2m_sub_set_free(&want);

	char err[256];
	assert_int_equal(n2m_config_validate(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "navixy.api_url: required"));
	free(cfg.navixy.api_url);
	cfg.navixy.api_url = strdup("https://x.example/v2");
	free(cfg.navixy.ws_url);
	cfg.navixy.ws_url = strdup("wss://x.example/v2/event/subscription");
	assert_int_equal(n2m_config_validate(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "navixy: needs api_key, or login and password"));
	free(cfg.navixy.api_key);
	cfg.navixy.api_key = strdup(KEY);
	assert_int_equal(n2m_config_validate(&cfg, err, sizeof(err)), 0);
	cfg.mqtt.protocol = 4;
	assert_int_equal(n2m_config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "mqtt.protocol: must be 5 or 311 (got 4)");
	n2m_config_free(&cfg);
	n2m_config_free(&cfg); /* safe on a freed (zeroed) struct */
}

/* The line of docs/configuration.md's settings table for a section:
 * "| `navixy` | ... |". Returns a malloc'ed copy or NULL. */
static char *docs_table_row(const char *doc, const char *section, size_t section_len)
{
	char head[64];
	snprintf(head, sizeof(head), "\n| `%.*s` |", (int)section_len, section);
	const char *row = strstr(doc, head);
	if (!row)
		return NULL;
	row++;
	const char *end = strchr(row, '\n');
	return strndup(row, end ? (size_t)(end - row) : strlen(row));
}

/* Every setting of the table is named in docs/configuration.md's table row
 * of its section: `key` for section.key, `key` and the word sub for
 * section.key.sub (topics.state.retain: "`state`" and "retain"). */
static void docs_configuration_names_every_setting(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof(path), "%s/docs/configuration.md", N2M_SOURCE_DIR);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char doc[1 << 20];
	size_t len = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[len] = '\0';
	size_t n;
	const struct n2m_setting *table = n2m_settings(&n);
	assert_true(n > 50);
	for (size_t i = 0; i < n; i++) {
		const char *p = table[i].path, *dot = strchr(p, '.');
		assert_non_null(dot);
		char *row = docs_table_row(doc, p, (size_t)(dot - p));
		if (!row)
			fail_msg("docs/configuration.md: no table row for the section of %s", p);
		const char *key = dot + 1, *sub = strchr(key, '.');
		char want[96];
		snprintf(want, sizeof(want), "`%.*s`", (int)(sub ? (size_t)(sub - key) : strlen(key)),
			 key);
		int found = strstr(row, want) != NULL && (!sub || strstr(row, sub + 1) != NULL);
		free(row);
		if (!found)
			fail_msg("docs/configuration.md does not name the setting %s", p);
	}
}

static void example_file_is_complete_and_default(void **state)
{
	(void)state;
	char *env[] = { "NAVIXY2MQTT_NAVIXY_API_KEY=" KEY, NULL };
	struct n2m_config cfg, def;
	char err[512];
	if (n2m_config_load(&cfg, N2M_SOURCE_DIR "/config/navixy2mqtt.conf", env, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	n2m_config_defaults(&def);
	size_t n;
	const struct n2m_setting *table = n2m_settings(&n);
	for (size_t i = 0; i < n; i++) {
		const struct n2m_setting *s = &table[i];
		/* every setting is documented in the example */
		if (!config_lookup(cfg.libconfig, s->path))
			fail_msg("%s is missing from config/navixy2mqtt.conf", s->path);
		if (strcmp(s->path, "navixy.api_url") == 0 || strcmp(s->path, "navixy.ws_url") == 0 ||
		    strcmp(s->path, "navixy.api_key") == 0)
			continue;
		if (s->kind == N2M_KIND_STRING) {
			if (strcmp(n2m_setting_string_c(&cfg, s), n2m_setting_string_c(&def, s)) != 0)
				fail_msg("%s differs from its default", s->path);
		} else if (n2m_setting_number(&cfg, s) != n2m_setting_number(&def, s)) {
			fail_msg("%s differs from its default", s->path);
		}
	}
	assert_string_equal(cfg.navixy.api_url, "https://api.eu.navixy.com/v2");
	assert_string_equal(cfg.navixy.ws_url, "wss://api.eu.navixy.com/v2/event/subscription");
	assert_string_equal(cfg.navixy.api_key, KEY);
	assert_true(n2m_sub_set_equal(&cfg.subscriptions, &def.subscriptions));
	assert_int_equal(cfg.n_plugins, 0);
	assert_string_equal(cfg.source_path, N2M_SOURCE_DIR "/config/navixy2mqtt.conf");
	n2m_config_free(&def);
	n2m_config_free(&cfg);
}

static void env_overrides_every_type(void **state)
{
	(void)state;
	char *env[] = {
		"PATH=/usr/bin",
		"NAVIXY2MQTT_MQTT_URL=mqtts://broker.example:8883",
		"NAVIXY2MQTT_MQTT_PROTOCOL=311",
		"NAVIXY2MQTT_MQTT_KEEPALIVE_S=0",
		"NAVIXY2MQTT_NAVIXY_TLS_VERIFY=off",
		"NAVIXY2MQTT_NAVIXY_ISO_DATETIME=No",
		"NAVIXY2MQTT_TOPICS_STATE_RETAIN=0",
		"NAVIXY2MQTT_TOPICS_IOT_MONITOR_QOS=2",
		"NAVIXY2MQTT_TOPICS_EVENT_RETAIN=YES",
		"NAVIXY2MQTT_TOPICS_ID_MODE=label",
		"NAVIXY2MQTT_LOG_LEVEL=debug",
		"NAVIXY2MQTT_CONTROL_ENABLED=false",
		"NAVIXY2MQTT_NAVIXY_WS_URL=ws://sim.local:8080/event/subscription",
		"NAVIXY2MQTT_SUBSCRIPTIONS={\"iot_monitor\":{\"trackers\":[5,3],\"rate_limit\":\"5s\"}}",
		"NAVIXY2MQTT_CONFIG=/somewhere/else.conf",
		NULL,
	};
	struct n2m_config cfg;
	char err[512];
	const char *text = API "mqtt = { url = \"mqtt://file:1883\"; keepalive_s = 60; };\n";
	if (load_text(&cfg, text, env, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.mqtt.url, "mqtts://broker.example:8883"); /* env beats file */
	assert_int_equal(cfg.mqtt.protocol, 311);
	assert_int_equal(cfg.mqtt.keepalive_s, 0);
	assert_int_equal(cfg.navixy.tls_verify, 0);
	assert_int_equal(cfg.navixy.iso_datetime, 0);
	assert_int_equal(cfg.topics.classes[N2M_CLASS_STATE].retain, 0);
	assert_int_equal(cfg.topics.classes[N2M_CLASS_IOT_MONITOR].qos, 2);
	assert_int_equal(cfg.topics.classes[N2M_CLASS_EVENT].retain, 1);
	assert_int_equal(cfg.topics.id_mode, N2M_TOPIC_ID_LABEL);
	assert_int_equal(cfg.log.level, N2M_LOG_DEBUG);
	assert_int_equal(cfg.control.enabled, 0);
	assert_string_equal(cfg.navixy.ws_url, "ws://sim.local:8080/event/subscription");
	const struct n2m_sub *iot = &cfg.subscriptions.subs[N2M_SUB_IOT_MONITOR];
	assert_true(iot->active);
	assert_int_equal(iot->n_ids, 2);
	assert_int_equal(iot->ids[0], 3);
	assert_false(cfg.subscriptions.subs[N2M_SUB_STATE_BATCH].active);
	n2m_config_free(&cfg);
}

/* navixy.ws_client: "lws" by default, "own" from the file or the
 * environment, anything else refused with the setting named. */
static void ws_client_choice(void **state)
{
	(void)state;
	struct n2m_config cfg;
	char err[512];
	n2m_config_defaults(&cfg);
	assert_string_equal(cfg.navixy.ws_client, "lws");
	n2m_config_free(&cfg);
	if (load_text(&cfg, NAVIXY("ws_client = \"own\";"), NULL, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.navixy.ws_client, "own");
	n2m_config_free(&cfg);
	char *env[] = { "NAVIXY2MQTT_NAVIXY_WS_CLIENT=own", NULL };
	if (load_text(&cfg, API, env, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.navixy.ws_client, "own");
	n2m_config_free(&cfg);
	char *bad[] = { "NAVIXY2MQTT_NAVIXY_WS_CLIENT=curl", NULL };
	expect_error(API, bad, "navixy.ws_client: must be \"lws\" or \"own\" (got \"curl\")");
}

static void env_bool_words(void **state)
{
	(void)state;
	static const struct { const char *word; int value; } words[] = {
		{ "true", 1 }, { "TRUE", 1 }, { "yes", 1 }, { "on", 1 }, { "1", 1 },
		{ "false", 0 }, { "no", 0 }, { "Off", 0 }, { "0", 0 },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char var[64];
		snprintf(var, sizeof(var), "NAVIXY2MQTT_LOG_SYSLOG=%s", words[i].word);
		char *env[] = { var, NULL };
		struct n2m_config cfg;
		char err[256];
		assert_int_equal(load_text(&cfg, API "log = { syslog = true; };\n", env, err, sizeof(err)), 0);
		assert_int_equal(cfg.log.syslog, words[i].value);
		n2m_config_free(&cfg);
		/* the opposite file value must be overridden too */
		assert_int_equal(load_text(&cfg, API "log = { syslog = false; };\n", env, err, sizeof(err)), 0);
		assert_int_equal(cfg.log.syslog, words[i].value);
		n2m_config_free(&cfg);
	}
}

static void env_bad_values(void **state)
{
	(void)state;
	char *a[] = { "NAVIXY2MQTT_MQTT_PROTOCOL=4", NULL };
	expect_error(API, a, "NAVIXY2MQTT_MQTT_PROTOCOL: mqtt.protocol: must be 5 or 311 (got 4)");
	char *b[] = { "NAVIXY2MQTT_MQTT_KEEPALIVE_S=30s", NULL };
	expect_error(API, b, "NAVIXY2MQTT_MQTT_KEEPALIVE_S: mqtt.keepalive_s: expected an integer, got \"30s\"");
	char *c[] = { "NAVIXY2MQTT_MQTT_TLS_VERIFY=maybe", NULL };
	expect_error(API, c, "NAVIXY2MQTT_MQTT_TLS_VERIFY: mqtt.tls_verify: expected a boolean");
	char *d[] = { "NAVIXY2MQTT_LOG_LEVEL=verbose", NULL };
	expect_error(API, d, "NAVIXY2MQTT_LOG_LEVEL: log.level: must be error, warn, info or debug");
	char *e[] = { "NAVIXY2MQTT_TOPICS_STATE_QOS=3", NULL };
	expect_error(API, e, "NAVIXY2MQTT_TOPICS_STATE_QOS: topics.state.qos: must be between 0 and 2 (got 3)");
	char *f[] = { "NAVIXY2MQTT_MQTT_PORT=1883", NULL };
	expect_error(API, f, "NAVIXY2MQTT_MQTT_PORT: unknown environment variable");
	char *g[] = { "NAVIXY2MQTT_SUBSCRIPTIONS={\"state\":", NULL };
	expect_error(API, g, "NAVIXY2MQTT_SUBSCRIPTIONS: subscriptions: not valid JSON");
	char *h[] = { "NAVIXY2MQTT_SUBSCRIPTIONS={\"iot_monitor\":{\"trackers\":\"all\"}}", NULL };
	expect_error(API, h, "NAVIXY2MQTT_SUBSCRIPTIONS: subscriptions: iot_monitor.trackers:");
	/* a *_FILE form exists only for secrets */
	char *i[] = { "NAVIXY2MQTT_MQTT_URL_FILE=/etc/hostname", NULL };
	expect_error(API, i, "NAVIXY2MQTT_MQTT_URL_FILE: unknown environment variable");
	/* a malformed secret is not echoed */
	char *j[] = { "NAVIXY2MQTT_NAVIXY_API_KEY=not-a-key-but-secret", NULL };
	struct n2m_config cfg;
	char err[512];
	assert_int_equal(load_text(&cfg, API, j, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NAVIXY2MQTT_NAVIXY_API_KEY: navixy.api_key: must be 32 hexadecimal"));
	assert_null(strstr(err, "not-a-key-but-secret"));
}

static void secrets_from_files(void **state)
{
	(void)state;
	char key_path[256], pw_path[256], mpw_path[256];
	write_file("api_key", KEY "\n", key_path, sizeof(key_path));
	write_file("password", "p@ss word\r\n\n", pw_path, sizeof(pw_path));
	write_file("mqtt_password", "broker-secret", mpw_path, sizeof(mpw_path));
	char v1[300], v2[300], v3[300];
	snprintf(v1, sizeof(v1), "NAVIXY2MQTT_NAVIXY_API_KEY_FILE=%s", key_path);
	snprintf(v2, sizeof(v2), "NAVIXY2MQTT_NAVIXY_PASSWORD_FILE=%s", pw_path);
	snprintf(v3, sizeof(v3), "NAVIXY2MQTT_MQTT_PASSWORD_FILE=%s", mpw_path);
	char *env[] = { v1, v2, v3, NULL };
	struct n2m_config cfg;
	char err[512];
	const char *text = "navixy = { api_url = \"http://127.0.0.1:8080/\"; login = \"me\"; };\n";
	if (load_text(&cfg, text, env, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.navixy.api_key, KEY);
	assert_string_equal(cfg.navixy.password, "p@ss word");
	assert_string_equal(cfg.mqtt.password, "broker-secret");
	assert_string_equal(cfg.navixy.ws_url, "ws://127.0.0.1:8080/event/subscription");
	n2m_config_free(&cfg);

	char *missing[] = { "NAVIXY2MQTT_MQTT_KEY_PASSWORD_FILE=/nonexistent/secret", NULL };
	expect_error(API, missing,
		     "NAVIXY2MQTT_MQTT_KEY_PASSWORD_FILE: mqtt.key_password: cannot read /nonexistent/secret");
	char *both[] = { v1, "NAVIXY2MQTT_NAVIXY_API_KEY=" KEY, NULL };
	expect_error(API, both, "set either NAVIXY2MQTT_NAVIXY_API_KEY or NAVIXY2MQTT_NAVIXY_API_KEY_FILE");

	/* An empty secret file is named, not reported later as a missing password. */
	char empty_path[256], v4[300], want[400];
	write_file("empty_secret", "\n", empty_path, sizeof(empty_path));
	snprintf(v4, sizeof(v4), "NAVIXY2MQTT_NAVIXY_PASSWORD_FILE=%s", empty_path);
	char *empty_env[] = { v4, NULL };
	snprintf(want, sizeof(want), "NAVIXY2MQTT_NAVIXY_PASSWORD_FILE: navixy.password: %s is empty",
		 empty_path);
	expect_error(text, empty_env, want);
}

static void file_errors_name_key_and_line(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/navixy2mqtt.conf", tmpdir);
	char want[400];
	snprintf(want, sizeof(want), "%s:4: mqtt.protocol: must be 5 or 311 (got 4)", path);
	expect_error(API "mqtt = {\n  url = \"mqtt://b:1883\";\n  protocol = 4;\n};\n", NULL, want);
	snprintf(want, sizeof(want), "%s:3: mqtt.protocl: unknown setting", path);
	expect_error(API "mqtt = {\n  protocl = 5;\n};\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: mqtts: unknown section", path);
	expect_error(API "mqtts = { };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: mqtt.keepalive_s: expected an integer, got a string", path);
	expect_error(API "mqtt = { keepalive_s = \"30\"; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: mqtt.tls_verify: expected a boolean (true or false), got an integer", path);
	expect_error(API "mqtt = { tls_verify = 1; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: mqtt.url: expected a string", path);
	expect_error(API "mqtt = { url = 5; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: topics.state.qos: must be between 0 and 2 (got 3)", path);
	expect_error(API "topics = { state = { qos = 3; }; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: topics.state.color: unknown setting", path);
	expect_error(API "topics = { state = { color = 3; }; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: topics.state: expected a group", path);
	expect_error(API "topics = { state = true; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: topics.id_mode: must be tracker_id or label (got \"name\")", path);
	expect_error(API "topics = { id_mode = \"name\"; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: mqtt.url: must be an mqtt://", path);
	expect_error(API "mqtt = { url = \"http://broker\"; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:2: mqtt.base_topic: must be a topic without +, #", path);
	expect_error(API "mqtt = { base_topic = \"a/#\"; };\n", NULL, want);
	snprintf(want, sizeof(want), "%s:1: navixy.liveness_s: must be between 5 and 3600 (got 4000)", path);
	expect_error(NAVIXY("liveness_s = 4000;"), NULL, want);
	snprintf(want, sizeof(want), "%s:2: mqtt.keepalive_s: out of range", path);
	expect_error(API "mqtt = { keepalive_s = 99999999999L; };\n", NULL, want);
}

static void syntax_error_reports_line_and_text(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/navixy2mqtt.conf", tmpdir);
	char want[300];
	snprintf(want, sizeof(want), "%s:4: syntax error", path);
	expect_error(API "mqtt = {\n  url = \"mqtt://x\";\n  protocol = = 5;\n};\n", NULL, want);

	struct n2m_config cfg;
	char err[256];
	static char *const empty[] = { NULL };
	assert_int_equal(n2m_config_load(&cfg, "/nonexistent/dir/n.conf", empty, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/dir/n.conf: cannot read: No such file or directory");
	assert_int_equal(n2m_config_load_string(&cfg, "a = ;", "inline.conf", empty, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "inline.conf:1: syntax error"));

	/* libconfig's scanner would print its own error and exit the process
	 * on a directory: refused first, as the file or as an @include. */
	assert_int_equal(n2m_config_load(&cfg, tmpdir, empty, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read: a directory, not a file", tmpdir);
	assert_string_equal(err, want);
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/conf.d", tmpdir);
	mkdir(sub, 0700);
	snprintf(want, sizeof(want), "%s/navixy2mqtt.conf:2: %s/conf.d: cannot read: a directory", tmpdir,
		 tmpdir);
	expect_error(API "@include \"conf.d\"\n", NULL, want);
}

static void validation_rules(void **state)
{
	(void)state;
	expect_error("navixy = { api_key = \"" KEY "\"; };\n", NULL, "navixy.api_url: required");
	expect_error("navixy = { api_url = \"ftp://x\"; };\n", NULL, "navixy.api_url: must be an http:// or https:// URL");
	expect_error("navixy = { api_url = \"https://x\"; login = \"me\"; };\n", NULL,
		     "navixy.password: required with navixy.login");
	expect_error("navixy = { api_url = \"https://x\"; };\n", NULL, "navixy: needs api_key, or login and password");
	expect_error(API "navixy = { };\n", NULL, "duplicate setting name");
	expect_error("navixy = { api_url = \"https://x\"; api_key = \"abc\"; };\n", NULL,
		     "navixy.api_key: must be 32 hexadecimal characters (got 3 characters)");
	expect_error(API "mqtt = { ca_file = \"/nonexistent/ca.pem\"; };\n", NULL,
		     "mqtt.ca_file: cannot read /nonexistent/ca.pem");
	char cert[256];
	write_file("cert.pem", "x", cert, sizeof(cert));
	char text[1200];
	snprintf(text, sizeof(text), API "mqtt = { cert_file = \"%s\"; };\n", cert);
	expect_error(text, NULL, "mqtt.key_file: required with mqtt.cert_file");
	expect_error(NAVIXY("backoff_min_ms = 5000; backoff_max_ms = 2000;"), NULL,
		     "must not exceed navixy.backoff_max_ms");
	expect_error(API "health = { http_listen = \"9180\"; };\n", NULL, "health.http_listen: must be");
	/* A host name passes host:port but the listener needs a number: refused here already. */
	expect_error(API "health = { http_listen = \"metrics.example:9180\"; };\n", NULL,
		     "health.http_listen: must be \"\" (off) or <numeric address>:<port>");
	/* user:password@ in URLs: the MQTT one once, none on the WebSocket. */
	expect_error(API "mqtt = { url = \"mqtt://u:p@b\"; password = \"p\"; };\n", NULL,
		     "mqtt.url: has a password in user:password@ and mqtt.password is set too");
	expect_error(API "mqtt = { url = \"mqtt://u@b\"; username = \"v\"; };\n", NULL,
		     "mqtt.url: has a user name in user:password@ and mqtt.username is set too");
	expect_error(API "mqtt = { url = \"mqtt://u:p%4@b\"; };\n", NULL, "mqtt.url: bad %-escape");
	expect_error(NAVIXY("ws_url = \"wss://u:p@x/ws\";"), NULL,
		     "navixy.ws_url: must not carry user:password@");
	expect_error(API "bridge = { standby_for = \"b\"; };\n", NULL,
		     "bridge.standby_for: needs bridge.instance set");
	expect_error(API "bridge = { standby_for = \"b\"; instance = \"b\"; };\n", NULL,
		     "bridge.standby_for: needs bridge.instance set and different");

	struct n2m_config cfg;
	char err[256];
	snprintf(text, sizeof(text),
		 "navixy = { api_url = \"https://api.us.navixy.com/v2\"; api_key = \"" KEY "\"; };\n"
		 "mqtt = { url = \"ssl://b:8883\"; cert_file = \"%s\"; key_file = \"%s\"; ca_file = \"%s\"; };\n"
		 "health = { http_listen = \"127.0.0.1:9180\"; };\n", cert, cert, cert);
	if (load_text(&cfg, text, NULL, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.navixy.ws_url, "wss://api.us.navixy.com/v2/event/subscription");
	assert_string_equal(cfg.mqtt.key_file, cert);
	n2m_config_free(&cfg);
}

static char *print_to_string(const struct n2m_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	n2m_config_print(cfg, out);
	fclose(out);
	return buf;
}

static void secrets_are_redacted(void **state)
{
	(void)state;
	const char *secrets[] = { KEY, "navixy-pw-1", "mqtt-pw-2", "key-pw-3", "url-pw-4",
				  "plugin-token-5", "plugin-pw-6" };
	char *env[] = {
		"NAVIXY2MQTT_NAVIXY_API_KEY=" KEY,
		"NAVIXY2MQTT_NAVIXY_PASSWORD=navixy-pw-1",
		"NAVIXY2MQTT_MQTT_KEY_PASSWORD=key-pw-3",
		"NAVIXY2MQTT_MQTT_URL=mqtts://bridge:url-pw-4@broker:8883",
		NULL,
	};
	const char *text =
		"navixy = { api_url = \"https://proxy:mqtt-pw-2@api.eu.navixy.com/v2\"; login = \"ops@example.com\"; };\n"
		"plugins = ( { name = \"owntracks\"; settings = { access_token = \"plugin-token-5\";\n"
		"  nested = { Password = \"plugin-pw-6\"; user = \"visible-user\"; }; }; } );\n";
	struct n2m_config cfg;
	char err[512];
	if (load_text(&cfg, text, env, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	char *printed = print_to_string(&cfg);
	struct json_object *summary = n2m_config_summary_json(&cfg);
	assert_non_null(summary);
	const char *json = json_object_to_json_string_ext(summary, JSON_C_TO_STRING_PLAIN);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (strstr(printed, secrets[i]))
			fail_msg("print shows secret %s:\n%s", secrets[i], printed);
		if (strstr(json, secrets[i]))
			fail_msg("summary shows secret %s: %s", secrets[i], json);
	}
	assert_non_null(strstr(printed, "api_key = \"<redacted>\";"));
	assert_non_null(strstr(printed, "url = \"mqtts://bridge:<redacted>@broker:8883\";"));
	assert_non_null(strstr(printed, "api_url = \"https://proxy:<redacted>@api.eu.navixy.com/v2\";"));
	/* the derived WebSocket URL does not carry api_url's user:password@ */
	assert_non_null(strstr(printed, "ws_url = \"wss://api.eu.navixy.com/v2/event/subscription\";"));
	assert_non_null(strstr(printed, "login = \"ops@example.com\";"));
	assert_non_null(strstr(printed, "user = \"visible-user\";"));
	if (!strstr(json, "\"password\":\"<redacted>\""))
		fail_msg("no redacted password in %s", json);
	/* an unset secret is shown as unset, not as redacted */
	assert_non_null(strstr(json, "\"level\":\"info\""));
	free(printed);
	json_object_put(summary);
	n2m_config_free(&cfg);
}

static void print_loads_back(void **state)
{
	(void)state;
	static char *const empty[] = { NULL };
	const char *text =
		"navixy = { api_url = \"https://api.eu.navixy.com/v2\"; login = \"me\"; password = \"pw\";\n"
		"  framework_version = \"4.0.1 \\\"q\\\"\\\\\"; liveness_s = 90; };\n"
		"mqtt = { protocol = 311; base_topic = \"fleet/eu\"; };\n"
		"topics = { id_mode = \"label\"; readings = { qos = 1; retain = false; }; };\n"
		"subscriptions = ( { type = \"state\"; trackers = [ 9, 3 ]; format = \"compact\"; },\n"
		"  { type = \"readings_batch\"; sensor_type = \"fuel\"; include_components = false; } );\n"
		"plugins = ( { name = \"homeassistant\"; required = true;\n"
		"  settings = { prefix = \"ha\"; n = 3; big = 5000000000L; f = 2.0; l = ( 1, \"a\" ); a = [ true ]; }; } );\n";
	struct n2m_config a, b;
	char err[512];
	if (n2m_config_load_string(&a, text, "a.conf", empty, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	char *printed = print_to_string(&a);
	if (n2m_config_load_string(&b, printed, "printed.conf", empty, err, sizeof(err)) < 0)
		fail_msg("%s in:\n%s", err, printed);
	struct json_object *ja = n2m_config_summary_json(&a), *jb = n2m_config_summary_json(&b);
	assert_true(json_object_equal(ja, jb));
	assert_true(n2m_sub_set_equal(&a.subscriptions, &b.subscriptions));
	assert_string_equal(b.navixy.framework_version, "4.0.1 \"q\"\\");
	assert_string_equal(b.navixy.password, "<redacted>"); /* the one thing that cannot survive */
	char *reprinted = print_to_string(&b);
	assert_string_equal(printed, reprinted);
	free(printed);
	free(reprinted);
	json_object_put(ja);
	json_object_put(jb);
	n2m_config_free(&a);
	n2m_config_free(&b);
}

static void subscriptions_section(void **state)
{
	(void)state;
	struct n2m_config cfg;
	char err[512];
	const char *text = API
		"subscriptions = ( { type = \"state_batch\"; trackers = \"all\"; rate_limit = \"1s\"; format = \"full\"; },\n"
		"  { type = \"readings_batch\"; trackers = [ 123, 456 ]; sensor_type = \"fuel\"; include_components = false; },\n"
		"  { type = \"readings_batch\"; trackers = [ 456, 7 ]; sensor_type = \"fuel\"; include_components = false; },\n"
		"  { type = \"iot_monitor\"; trackers = [ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ]; rate_limit = \"5s\"; } );\n";
	if (load_text(&cfg, text, NULL, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	const struct n2m_sub *sb = &cfg.subscriptions.subs[N2M_SUB_STATE_BATCH];
	const struct n2m_sub *rb = &cfg.subscriptions.subs[N2M_SUB_READINGS_BATCH];
	assert_true(sb->active && sb->all);
	assert_string_equal(sb->rate_limit, "1s");
	assert_true(rb->active && !rb->all);
	assert_int_equal(rb->n_ids, 3); /* groups of one type merge */
	assert_int_equal(rb->ids[0], 7);
	assert_int_equal(rb->ids[2], 456);
	assert_string_equal(rb->sensor_type, "fuel");
	assert_int_equal(rb->include_components, 0);
	assert_int_equal(cfg.subscriptions.subs[N2M_SUB_IOT_MONITOR].n_ids, 10);
	assert_false(cfg.subscriptions.subs[N2M_SUB_STATE].active);
	n2m_config_free(&cfg);

	assert_int_equal(load_text(&cfg, API "subscriptions = ( );\n", NULL, err, sizeof(err)), 0);
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++)
		assert_false(cfg.subscriptions.subs[t].active);
	n2m_config_free(&cfg);

	char path[256];
	snprintf(path, sizeof(path), "%s/navixy2mqtt.conf", tmpdir);
	char want[400];
	snprintf(want, sizeof(want), "%s:5: subscriptions[1].rate_limit: must be a number above 0", path);
	expect_error(API "subscriptions = (\n { type = \"state_batch\"; },\n { type = \"readings_batch\";\n   rate_limit = \"1sec\"; } );\n",
		     NULL, want);
	snprintf(want, sizeof(want), "%s:2: subscriptions[0].trackers: iot_monitor takes at most 10 trackers (got 11)", path);
	expect_error(API "subscriptions = ( { type = \"iot_monitor\"; trackers = [ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ]; } );\n",
		     NULL, want);
	expect_error(API "subscriptions = ( { type = \"iot_monitor\"; trackers = [ 1, 2, 3, 4, 5, 6 ]; },\n"
			 "{ type = \"iot_monitor\"; trackers = [ 7, 8, 9, 10, 11 ]; } );\n",
		     NULL, "subscriptions[1]: together with the earlier groups of this type: trackers: iot_monitor takes at most 10");
	expect_error(API "subscriptions = ( { type = \"iot_monitor\"; } );\n", NULL,
		     "subscriptions[0].trackers: iot_monitor needs a list");
	expect_error(API "subscriptions = ( { type = \"states\"; } );\n", NULL,
		     "subscriptions[0].type: must be state, state_batch, readings_batch or iot_monitor (got \"states\")");
	expect_error(API "subscriptions = ( { trackers = \"all\"; } );\n", NULL, "subscriptions[0].type: required");
	expect_error(API "subscriptions = ( { type = \"state\"; every = 1; } );\n", NULL,
		     "subscriptions[0].every: unknown setting");
	expect_error(API "subscriptions = ( { type = \"readings_batch\"; format = \"compact\"; } );\n", NULL,
		     "subscriptions[0].format: only state and state_batch take a format");
	expect_error(API "subscriptions = ( { type = \"state\"; trackers = [ ]; } );\n", NULL,
		     "subscriptions[0].trackers: empty list");
	expect_error(API "subscriptions = ( { type = \"state\"; trackers = [ -1 ]; } );\n", NULL,
		     "subscriptions[0].trackers: expected positive integer tracker ids");
	expect_error(API "subscriptions = ( { type = \"state\"; trackers = \"some\"; } );\n", NULL,
		     "subscriptions[0].trackers: must be \"all\"");
	expect_error(API "subscriptions = { type = \"state\"; };\n", NULL,
		     "subscriptions: expected a list");
	expect_error(API "subscriptions = ( \"state\" );\n", NULL, "subscriptions[0]: expected a group");
}

static void plugins_section(void **state)
{
	(void)state;
	struct n2m_config cfg;
	char err[512];
	const char *text = API
		"plugins = ( { name = \"homeassistant\"; required = true;\n"
		"    settings = { discovery_prefix = \"ha\"; anything_goes = 5; }; },\n"
		"  { name = \"owntracks\"; path = \"/opt/ot.so\"; } );\n";
	if (load_text(&cfg, text, NULL, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.n_plugins, 2);
	assert_string_equal(cfg.plugins[0].name, "homeassistant");
	assert_string_equal(cfg.plugins[0].path, "");
	assert_int_equal(cfg.plugins[0].required, 1);
	assert_non_null(cfg.plugins[0].settings);
	const char *prefix = NULL;
	assert_true(config_setting_lookup_string(cfg.plugins[0].settings, "discovery_prefix", &prefix));
	assert_string_equal(prefix, "ha");
	assert_string_equal(cfg.plugins[1].path, "/opt/ot.so");
	assert_int_equal(cfg.plugins[1].required, 0);
	assert_null(cfg.plugins[1].settings);
	n2m_config_free(&cfg);

	expect_error(API "plugins = ( { name = \"ha\"; colour = 1; } );\n", NULL,
		     "plugins[0].colour: unknown setting");
	expect_error(API "plugins = ( { path = \"x.so\"; } );\n", NULL, "plugins[0].name: required");
	expect_error(API "plugins = ( { name = \"../evil\"; } );\n", NULL, "plugins[0].name: must be");
	expect_error(API "plugins = ( { name = \"a\"; }, { name = \"a\"; } );\n", NULL,
		     "plugins[1].name: plugin \"a\" is listed twice");
	expect_error(API "plugins = ( { name = \"a\"; settings = 5; } );\n", NULL,
		     "plugins[0].settings: expected a group");
}

/* A relative plugin path names a file next to the config file, wherever
 * the bridge is started from; absolute paths and names stay as given. */
static void plugin_paths_relative_to_the_config_file(void **state)
{
	(void)state;
	struct n2m_config cfg;
	char err[512], cwd[512], real[512], want[1100];
	const char *text = API
		"plugins = ( { name = \"a\"; path = \"plugins/a.so\"; },\n"
		"  { name = \"b\"; path = \"b.so\"; }, { name = \"c\"; path = \"/opt/c.so\"; },\n"
		"  { name = \"d\"; } );\n";

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir("/"), 0);
	int rc = load_text(&cfg, text, NULL, err, sizeof(err));
	assert_int_equal(chdir(cwd), 0);
	if (rc < 0)
		fail_msg("%s", err);
	assert_non_null(realpath(tmpdir, real));
	snprintf(want, sizeof want, "%s/plugins/a.so", real);
	assert_string_equal(cfg.plugins[0].path, want);
	snprintf(want, sizeof want, "%s/b.so", real);
	assert_string_equal(cfg.plugins[1].path, want);
	assert_string_equal(cfg.plugins[2].path, "/opt/c.so");
	assert_string_equal(cfg.plugins[3].path, "");
	n2m_config_free(&cfg);

	/* Without a file there is no directory to be relative to. */
	assert_int_equal(n2m_config_load_string(&cfg, text, NULL, NULL, err, sizeof err), 0);
	assert_string_equal(cfg.plugins[0].path, "plugins/a.so");
	n2m_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(example_file_is_complete_and_default),
		cmocka_unit_test(docs_configuration_names_every_setting),
		cmocka_unit_test(env_overrides_every_type),
		cmocka_unit_test(ws_client_choice),
		cmocka_unit_test(env_bool_words),
		cmocka_unit_test(env_bad_values),
		cmocka_unit_test(secrets_from_files),
		cmocka_unit_test(file_errors_name_key_and_line),
		cmocka_unit_test(syntax_error_reports_line_and_text),
		cmocka_unit_test(validation_rules),
		cmocka_unit_test(secrets_are_redacted),
		cmocka_unit_test(print_loads_back),
		cmocka_unit_test(subscriptions_section),
		cmocka_unit_test(plugins_section),
		cmocka_unit_test(plugin_paths_relative_to_the_config_file),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
