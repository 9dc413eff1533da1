/* SPDX-License-Identifier: MIT */
/*
 * test_secret.c - secrets are wiped through explicit_bzero: the wipe
 * helpers, and every secret the configuration holds (the fields, a value
 * replaced by the environment, a *_FILE buffer, libconfig's own copy of
 * the file) when it is replaced or freed.
 *
 * Linked with -Wl,--wrap=explicit_bzero (tests/unit/CMakeLists.txt): each
 * call the bridge's objects make is recorded with the bytes it wipes, then
 * passed on. A wipe done with memset (which the optimiser may drop before
 * a free) never shows up here, so these tests fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "secret.h"

#define SEEN_MAX 256
#define SEEN_LEN 128

static char seen[SEEN_MAX][SEEN_LEN];
static size_t n_seen;

static void record(const void *p, size_t len)
{
	if (n_seen == SEEN_MAX)
		return;
	size_t n = len < SEEN_LEN - 1 ? len : SEEN_LEN - 1;
	memcpy(seen[n_seen], p, n);
	seen[n_seen][n] = '\0';
	n_seen++;
}

void __real_explicit_bzero(void *p, size_t len);
void __wrap_explicit_bzero(void *p, size_t len);
void __real___explicit_bzero_chk(void *p, size_t len, size_t dest_len);
void __wrap___explicit_bzero_chk(void *p, size_t len, size_t dest_len);

void __wrap_explicit_bzero(void *p, size_t len)
{
	record(p, len);
	__real_explicit_bzero(p, len);
}

/* What explicit_bzero becomes with _FORTIFY_SOURCE. */
void __wrap___explicit_bzero_chk(void *p, size_t len, size_t dest_len)
{
	record(p, len);
	__real___explicit_bzero_chk(p, len, dest_len);
}

/* How many recorded wipes covered exactly text. */
static int times_wiped(const char *text)
{
	int count = 0;
	for (size_t i = 0; i < n_seen; i++)
		count += strcmp(seen[i], text) == 0;
	return count;
}

static int reset(void **state)
{
	(void)state;
	n_seen = 0;
	return 0;
}

static void wipe_zeroes_through_explicit_bzero(void **state)
{
	(void)state;
	char buf[] = "hunter2-session";
	n2m_secret_wipe(buf, sizeof buf - 1);
	for (size_t i = 0; i < sizeof buf; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(times_wiped("hunter2-session"), 1);
	n2m_secret_wipe(NULL, 0); /* harmless, and nothing to record */
	assert_int_equal(n_seen, 1);
}

static void free_wipes_the_string(void **state)
{
	(void)state;
	char *s = strdup("0123456789abcdef0123456789abcdef");
	assert_non_null(s);
	n2m_secret_free(s);
	n2m_secret_free(NULL);
	assert_int_equal(times_wiped("0123456789abcdef0123456789abcdef"), 1);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void config_secrets_are_wiped(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_secret.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char conf[96], keyfile[96], var[160];
	snprintf(conf, sizeof conf, "%s/n.conf", dir);
	snprintf(keyfile, sizeof keyfile, "%s/key_password", dir);
	write_text(conf,
		   "navixy = { api_url = \"https://nu:url-pass@api.eu.navixy.com/v2\";\n"
		   "  api_key = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";\n"
		   "  login = \"demo\"; password = \"file-navixy-pass\"; };\n"
		   "mqtt = { url = \"mqtt://127.0.0.1:1883\"; username = \"u\";\n"
		   "  password = \"file-mqtt-pass\"; };\n");
	write_text(keyfile, "file-key-pass\n");
	snprintf(var, sizeof var, "NAVIXY2MQTT_MQTT_KEY_PASSWORD_FILE=%s", keyfile);
	char *env[] = { "NAVIXY2MQTT_NAVIXY_API_KEY=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", var, NULL };
	struct n2m_config cfg;
	char err[512] = "";

	assert_int_equal(n2m_config_load(&cfg, conf, env, err, sizeof err), 0);
	/* The file's API key, replaced by the environment's, and the key
	 * file's buffer are wiped during the load. */
	assert_int_equal(times_wiped("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 1);
	assert_int_equal(times_wiped("file-key-pass"), 1);
	n_seen = 0;
	n2m_config_free(&cfg);
	/* Each secret field, and libconfig's copy of what the file said. */
	assert_int_equal(times_wiped("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), 1);
	assert_int_equal(times_wiped("file-key-pass"), 1);
	assert_int_equal(times_wiped("file-navixy-pass"), 2);
	assert_int_equal(times_wiped("file-mqtt-pass"), 2);
	/* A URL may carry a password (a user's in mqtt.url is given only
	 * once, so here in navixy.api_url). */
	assert_int_equal(times_wiped("https://nu:url-pass@api.eu.navixy.com/v2"), 2);
	assert_int_equal(times_wiped("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 1);
	unlink(conf);
	unlink(keyfile);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(wipe_zeroes_through_explicit_bzero, reset),
		cmocka_unit_test_setup(free_wipes_the_string, reset),
		cmocka_unit_test_setup(config_secrets_are_wiped, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
