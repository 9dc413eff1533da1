/* SPDX-License-Identifier: MIT */
/*
 * check_config.c - the plugin part of --check-config (see check_config.h).
 */
#include "check_config.h"

#include "log.h"
#include "plugin_host.h"
#include "tracker_table.h"

static int io_publish(void *ctx, const char *topic, const void *payload, size_t len, int qos,
		      int retain)
{
	(void)ctx, (void)topic, (void)payload, (void)len, (void)qos, (void)retain;
	return -1; /* not connected */
}

static int io_subscribe(void *ctx, const char *filter, int qos)
{
	(void)ctx, (void)filter, (void)qos;
	return 0;
}

static int io_online(void *ctx)
{
	(void)ctx;
	return 0;
}

int n2m_check_config_plugins(const struct n2m_config *cfg, FILE *report)
{
	const struct n2m_plugin_host_io io = { io_publish, io_subscribe, io_online, NULL };
	struct n2m_tracker_table trackers;
	struct n2m_plugin_host host;
	struct n2m_log log;
	char err[1500];
	int failed = 0;

	if (cfg->n_plugins == 0)
		return 0;
	/* Errors only: plugin.bad_option names every rejected setting. */
	n2m_log_open(&log, N2M_LOG_ERROR, 0, "navixy2mqtt");
	if (n2m_tracker_table_init(&trackers, cfg->topics.id_mode) != 0 ||
	    n2m_plugin_host_init(&host, cfg->mqtt.base_topic, &log, &trackers, &io) != 0) {
		fprintf(report, "navixy2mqtt: out of memory\n");
		n2m_tracker_table_free(&trackers);
		return 1;
	}
	host.config_file = cfg->source_path;
	for (size_t i = 0; i < cfg->n_plugins; i++) {
		if (n2m_plugin_host_load_one(&host, &cfg->plugins[i], NULL, err, sizeof err) == 0)
			continue;
		failed++;
		fprintf(report, "navixy2mqtt: invalid configuration: %s%s\n", err,
			cfg->plugins[i].required ? ""
			: " (required = false: the bridge would start without this plugin)");
	}
	n2m_plugin_host_free(&host);
	n2m_tracker_table_free(&trackers);
	n2m_log_close(&log);
	return failed;
}
