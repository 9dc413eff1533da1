/* SPDX-License-Identifier: MIT */
/*
 * service_notify.c - sd_notify for Type=notify services (see
 * service_notify.h).
 */
#include "service_notify.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef N2M_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

void n2m_notify_init(struct n2m_notify *n)
{
	n->enabled = 0;
	n->watchdog_us = 0;
	n->last_feed_us = 0;
	n->fed = 0;
#ifdef N2M_HAVE_SYSTEMD
	const char *sock = getenv("NOTIFY_SOCKET");
	uint64_t usec = 0;

	n->enabled = sock && *sock;
	/* > 0: a watchdog is wanted for this process (checks WATCHDOG_PID). */
	if (n->enabled && sd_watchdog_enabled(0, &usec) > 0)
		n->watchdog_us = usec;
#endif
}

int n2m_notify_send(struct n2m_notify *n, const char *assignment)
{
	if (!n->enabled)
		return 0;
#ifdef N2M_HAVE_SYSTEMD
	return sd_notify(0, assignment) < 0 ? -1 : 0;
#else
	(void)assignment;
	return 0;
#endif
}

int n2m_notify_status(struct n2m_notify *n, const char *text)
{
	char line[512];

	snprintf(line, sizeof line, "STATUS=%s", text);
	return n2m_notify_send(n, line);
}

int n2m_notify_watchdog_due(const struct n2m_notify *n, uint64_t now_us, int healthy)
{
	if (!n->enabled || n->watchdog_us == 0 || !healthy)
		return 0;
	return !n->fed || now_us < n->last_feed_us || now_us - n->last_feed_us >= n->watchdog_us / 2;
}

int n2m_notify_watchdog(struct n2m_notify *n, uint64_t now_us)
{
	n->last_feed_us = now_us;
	n->fed = 1;
	return n2m_notify_send(n, "WATCHDOG=1");
}

const char *n2m_notify_support(void)
{
#ifdef N2M_HAVE_SYSTEMD
	return "yes";
#else
	return "no";
#endif
}
