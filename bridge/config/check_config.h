/* SPDX-License-Identifier: MIT */
/*
 * check_config.h - what --check-config checks beyond loading the file
 * (config.h already validates every setting): that each configured plugin
 * loads and accepts its settings, as the daemon's start would find out.
 */
#ifndef N2M_CHECK_CONFIG_H
#define N2M_CHECK_CONFIG_H

#include <stdio.h>

#include "config.h"

/* Loads and initialises every plugin of cfg against a stand-in MQTT side
 * (nothing is published or subscribed), then unloads them. Each failure
 * is written to report as "navixy2mqtt: invalid configuration: plugin
 * <name>: <reason>", the reason naming a bad setting's file:line; every
 * rejected option is also logged on stderr (event=plugin.bad_option).
 * A plugin that is not `required` fails the check too: the daemon would
 * start without it, which is never what its settings meant. Returns the
 * number of plugins that failed. */
int n2m_check_config_plugins(const struct n2m_config *cfg, FILE *report);

#endif
