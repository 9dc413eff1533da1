/* SPDX-License-Identifier: MIT */
/*
 * main.c - navixy2mqtt's command line and signals; the bridge does the rest.
 *
 *   navixy2mqtt [--config FILE] [--log-level LEVEL]
 *   navixy2mqtt --check-config [--config FILE]
 *   navixy2mqtt --version | --help
 *
 * SIGTERM/SIGINT stop the bridge cleanly (exit 0); SIGHUP reloads the
 * config file.
 */
#include <curl/curl.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "check_config.h"
#include "config.h"
#include "core_dumps.h"

extern char **environ;

/* The one piece of file-scope state: signal handlers can only reach
 * static storage. The bridge gets a pointer to it. */
static struct n2m_signal_flags signal_flags;

static void on_stop_signal(int sig)
{
	(void)sig;
	signal_flags.stop = 1;
}

static void on_reload_signal(int sig)
{
	(void)sig;
	signal_flags.reload = 1;
}

struct options {
	const char *config_path;
	const char *log_level;
	int check_config;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: navixy2mqtt [options]\n"
		"Bridges a Navixy server's WebSocket event API to MQTT.\n\n"
		"  -c, --config FILE     configuration file (libconfig syntax); default: $%s,\n"
		"                        else built-in defaults plus NAVIXY2MQTT_* variables\n"
		"      --check-config    validate (settings, plugins and their options), print\n"
		"                        the effective configuration with secrets redacted;\n"
		"                        exit 0 if valid, 1 if not\n"
		"      --log-level LEVEL error|warn|info|debug (overrides log.level)\n"
		"  -V, --version         print the version and exit\n"
		"  -h, --help            print this help and exit\n\n"
		"Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads the configuration.\n",
		N2M_CONFIG_PATH_ENV);
}

/* Returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, struct options *opt)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("navixy2mqtt %s\n", N2M_VERSION);
			return 0;
		} else if (!strcmp(a, "--check-config")) {
			opt->check_config = 1;
		} else if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && i + 1 < argc) {
			opt->config_path = argv[++i];
		} else if (!strncmp(a, "--config=", 9)) {
			opt->config_path = a + 9;
		} else if (!strcmp(a, "--log-level") && i + 1 < argc) {
			opt->log_level = argv[++i];
		} else if (!strncmp(a, "--log-level=", 12)) {
			opt->log_level = a + 12;
		} else {
			fprintf(stderr, "navixy2mqtt: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!opt->config_path) {
		const char *env = getenv(N2M_CONFIG_PATH_ENV);
		if (env && *env)
			opt->config_path = env;
	}
	return -1;
}

/* Returns -1 to continue, or an exit status (2: a bad option). */
static int check_log_level(const struct options *opt, enum n2m_log_level *level)
{
	if (!opt->log_level || n2m_log_level_parse(opt->log_level, level) == 0)
		return -1;
	fprintf(stderr, "navixy2mqtt: --log-level: must be error, warn, info or debug (got \"%s\")\n",
		opt->log_level);
	return 2;
}

static int load_config(const struct options *opt, struct n2m_config *cfg)
{
	char err[512];

	if (n2m_config_load(cfg, opt->config_path, environ, err, sizeof err) != 0) {
		fprintf(stderr, "navixy2mqtt: invalid configuration: %s\n", err);
		return -1;
	}
	return 0;
}

/* --check-config: what the start would refuse, short of connecting. */
static int check_config(const struct n2m_config *cfg)
{
	if (n2m_check_config_plugins(cfg, stderr) != 0)
		return 1;
	n2m_config_print(cfg, stdout);
	/* A comment, so the output still loads as a config file. */
	printf("# in-broker mode (navixy2mqtt_mosquitto.so, docs/in-broker.md) ignores the mqtt "
	       "connection settings url, username, password, protocol, keepalive_s, ca_file, "
	       "cert_file, key_file, key_password, tls_verify, connect_timeout_s and max_inflight: "
	       "the broker it runs in is the connection\n");
	return 0;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_reload_signal;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Non-dumpable: no core file and no same-user ptrace while secrets are in
 * memory (core_dumps.h). Set before the configuration is read; only
 * process.allow_core_dumps makes the daemon dumpable again. */
static void set_core_dumps(int allow)
{
	if (n2m_core_dumps_allow(allow) != 0)
		fprintf(stderr, "navixy2mqtt: warning: cannot %s core dumps: %s\n",
			allow ? "allow" : "disable", strerror(errno));
}

static int run_daemon(struct n2m_config *cfg)
{
	struct bridge *b = calloc(1, sizeof *b);
	char err[512];
	int status = 0;

	if (!b) {
		fprintf(stderr, "navixy2mqtt: out of memory\n");
		return 1;
	}
	if (cfg->process.allow_core_dumps)
		set_core_dumps(1);
	install_signal_handlers();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (bridge_init(b, cfg, &signal_flags, err, sizeof err) != 0) {
		fprintf(stderr, "navixy2mqtt: %s\n", err);
		status = 1;
	} else if (bridge_run(b) != 0) {
		status = 1;
	}
	bridge_free(b);
	free(b);
	curl_global_cleanup();
	return status;
}

/* Big buffers (a snapshot's receive buffer, a tracker list's answer and
 * its json-c tree) must go back to the system once freed. glibc raises its
 * mmap and trim thresholds as big blocks come and go, after which freed
 * memory stays with the process: a fixed 1 MiB threshold keeps big blocks
 * in mmap. And one arena for every thread: the REST worker parses a tracker
 * list (at 100,000 trackers a json-c tree of ~300 MB at its peak) in its own
 * thread, and a thread's arena keeps what it once held (malloc_trim does
 * not shrink it either): measured at 100,000 trackers, 45 MiB stayed
 * resident that the loop, in the main arena, could never reuse (RSS 336 ->
 * 291 MiB with one arena). Small blocks come from each thread's tcache
 * without the arena lock, so sharing it costs the loop little. test_process
 * bounds the RSS after a 20,000-tracker snapshot; bench/README.md has the
 * 100,000 figure. */
static void set_malloc_policy(void)
{
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	mallopt(M_ARENA_MAX, 1);
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct n2m_config cfg;
	int status = parse_args(argc, argv, &opt);

	enum n2m_log_level level = N2M_LOG_INFO;

	if (status >= 0 || (status = check_log_level(&opt, &level)) >= 0)
		return status;
	set_core_dumps(0);
	set_malloc_policy();
	memset(&cfg, 0, sizeof cfg);
	if (load_config(&opt, &cfg) != 0) {
		n2m_config_free(&cfg);
		return 1;
	}
	if (opt.log_level)
		cfg.log.level = level;
	if (opt.check_config)
		status = check_config(&cfg);
	else
		status = run_daemon(&cfg);
	n2m_config_free(&cfg);
	return status;
}
