/* SPDX-License-Identifier: MIT */
/*
 * sim_opts.c - the navixy-sim command line (see tests/sim/README.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_request.h"
#include "sim_time.h"

static const char usage[] =
	"usage: navixy-sim [options]\n"
	"  --host ADDR  --port N  --port-file PATH  --prefix PATH  --trackers N  --seed S\n"
	"  --rate R  --readings-every K  --heartbeat-ms MS  --client-heartbeat-ms MS\n"
	"  --login L  --password P  --api-key HASH  --tz-offset +HH:MM  --docs-strict\n"
	"  --max-frame BYTES  --min-framework X.Y.Z  --load N  --stamp  --log-level LEVEL\n"
	"See tests/sim/README.md.\n";

static int to_num(const char *v, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

static int set_str(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap)
		return -1;
	strcpy(dst, v);
	return 0;
}

/* Applies one option; returns 0, -1 on a bad value. */
static int apply(struct sim_opts *o, const char *name, const char *v)
{
	double d;
#define NUM(lo, hi) if (!v || to_num(v, lo, hi, &d)) return -1
	if (!strcmp(name, "host")) {
		if (!v || (strcmp(v, "127.0.0.1") && strcmp(v, "::1") && strcmp(v, "localhost")))
			return -1; /* loopback only */
		return set_str(o->host, sizeof(o->host), !strcmp(v, "localhost") ? "127.0.0.1" : v);
	}
	if (!strcmp(name, "port")) { NUM(0, 65535); o->port = (int)d; return 0; }
	if (!strcmp(name, "port-file")) return v ? set_str(o->port_file, sizeof(o->port_file), v) : -1;
	if (!strcmp(name, "prefix")) {
		if (!v || (v[0] && v[0] != '/'))
			return -1;
		if (set_str(o->prefix, sizeof(o->prefix), v))
			return -1;
		size_t n = strlen(o->prefix);
		while (n && o->prefix[n - 1] == '/')
			o->prefix[--n] = '\0';
		return 0;
	}
	if (!strcmp(name, "trackers")) { NUM(1, SIM_MAX_TRACKERS); o->trackers = (size_t)d; return 0; }
	if (!strcmp(name, "seed")) { NUM(0, 4294967295.0); o->seed = (uint32_t)d; return 0; }
	if (!strcmp(name, "rate")) { NUM(0, 1e7); o->rate = d; return 0; }
	if (!strcmp(name, "readings-every")) { NUM(0, 1e6); o->readings_every = (unsigned)d; return 0; }
	if (!strcmp(name, "heartbeat-ms")) { NUM(0, 86400000); o->heartbeat_ms = (long)d; return 0; }
	if (!strcmp(name, "client-heartbeat-ms")) { NUM(0, 86400000); o->client_heartbeat_ms = (long)d; return 0; }
	if (!strcmp(name, "login")) return v ? set_str(o->login, sizeof(o->login), v) : -1;
	if (!strcmp(name, "password")) return v ? set_str(o->password, sizeof(o->password), v) : -1;
	if (!strcmp(name, "api-key")) {
		if (!v || !sim_hash_wellformed(v) || o->n_api_keys >= 16)
			return -1;
		strcpy(o->api_keys[o->n_api_keys++], v);
		return 0;
	}
	if (!strcmp(name, "tz-offset")) return sim_parse_tz(v, &o->tz_offset);
	if (!strcmp(name, "max-frame")) { NUM(64, 1 << 30); o->max_frame = (size_t)d; return 0; }
	if (!strcmp(name, "min-framework")) {
		if (!v)
			return -1;
		o->min_framework = sim_parse_version(v);
		return o->min_framework < 0 ? -1 : 0;
	}
	if (!strcmp(name, "load")) { NUM(0, 1e7); o->load = d; return 0; }
	if (!strcmp(name, "log-level")) {
		static const char *const lv[] = { "error", "warn", "info", "debug" };
		for (int i = 0; i < 4; i++)
			if (v && !strcmp(v, lv[i])) {
				o->log_level = i;
				return 0;
			}
		return -1;
	}
#undef NUM
	return -1;
}

int sim_parse_opts(struct sim_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->host, "127.0.0.1");
	o->trackers = 10;
	o->seed = 1;
	o->rate = 2;
	o->readings_every = 1;
	o->heartbeat_ms = 25000;
	o->client_heartbeat_ms = 30000;
	strcpy(o->login, "demo@example.com");
	strcpy(o->password, "demo");
	o->max_frame = 65536;
	o->min_framework = 221;
	o->log_level = LOG_INFO;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 1;
		}
		if (strncmp(a, "--", 2)) {
			fprintf(stderr, "navixy-sim: unexpected argument '%s'\n%s", a, usage);
			return -1;
		}
		a += 2;
		if (!strcmp(a, "docs-strict")) {
			o->docs_strict = 1;
			continue;
		}
		if (!strcmp(a, "stamp")) {
			o->stamp = 1;
			continue;
		}
		char name[64];
		const char *eq = strchr(a, '='), *v;
		if (eq) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
			v = eq + 1;
		} else {
			snprintf(name, sizeof(name), "%s", a);
			v = i + 1 < argc ? argv[++i] : NULL;
		}
		if (apply(o, name, v)) {
			fprintf(stderr, "navixy-sim: bad or unknown option --%s%s%s\n%s", name,
				v ? " " : "", v ? v : "", usage);
			return -1;
		}
	}
	return 0;
}
