/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c - libFuzzer target: any bytes loaded as a configuration
 * (libconfig text, empty environment) must give a config or an error
 * message, never a crash or a leak; a loaded config is also printed and
 * summarised, the paths --check-config and bridge/info take.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 itself leaks a string token when a syntax error follows it
 * (the input `""` is enough; reproduced with a bare config_read_string +
 * config_destroy). Only the scanner's two allocation sites for string tokens
 * are suppressed: leaks of our own, such as a missing config_destroy, show
 * other stacks (config_init, the parser's setting nodes) and are still
 * reported. */
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

/* Exercises the outputs of a config that loaded. */
static void print_and_summarise(const struct n2m_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (out) {
		n2m_config_print(cfg, out);
		fclose(out);
	}
	free(buf);
	json_object_put(n2m_config_summary_json(cfg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The one target whose API takes a C string (libconfig parses a
	 * NUL-terminated text), so the copy has a NUL after the input. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* @include would make libconfig open files named by the input, which
	 * tests the file system, not our code (and /dev/zero never ends). */
	if (strstr(text, "@include")) {
		free(text);
		return 0;
	}
	static char *const empty_env[] = { NULL };
	struct n2m_config cfg;
	char err[512];
	if (n2m_config_load_string(&cfg, text, "fuzz.conf", empty_env, err, sizeof(err)) == 0) {
		print_and_summarise(&cfg);
		n2m_config_free(&cfg);
	} else if (!memchr(err, '\0', sizeof(err))) {
		abort(); /* error messages are always terminated */
	}
	free(text);
	return 0;
}
