/* SPDX-License-Identifier: MIT */
/*
 * service_notify.h - telling a service manager (systemd, Type=notify) how
 * the daemon is doing: READY=1 once started, STOPPING=1 at shutdown,
 * STATUS=<text> when the summary changes, and WATCHDOG=1 keep-alives.
 *
 * Uses libsystemd's sd_notify when the build found it (N2M_HAVE_SYSTEMD);
 * without it, or without $NOTIFY_SOCKET, every call is a no-op. The
 * watchdog interval is the one the manager passes in $WATCHDOG_USEC.
 *
 * The owner decides when to feed the watchdog: the bridge feeds it only
 * while both sides are connected, so systemd restarts a bridge that stays
 * cut off longer than WatchdogSec, or whose loop hangs.
 */
#ifndef N2M_SERVICE_NOTIFY_H
#define N2M_SERVICE_NOTIFY_H

#include <stdint.h>

struct n2m_notify {
	int enabled;           /* a notify socket is there and libsystemd is built in */
	uint64_t watchdog_us;  /* WatchdogSec from the manager; 0 = no watchdog */
	uint64_t last_feed_us; /* monotonic time of the last WATCHDOG=1 */
	int fed;               /* last_feed_us is valid */
};

/* Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (through libsystemd). */
void n2m_notify_init(struct n2m_notify *n);

/* Sends one assignment ("READY=1", "STOPPING=1"); 0 sent or nothing to
 * send to, -1 on a send error. */
int n2m_notify_send(struct n2m_notify *n, const char *assignment);

/* STATUS=<text>. */
int n2m_notify_status(struct n2m_notify *n, const char *text);

/* Pure: whether a WATCHDOG=1 is due at now_us: only while healthy, at
 * least every half watchdog period. */
int n2m_notify_watchdog_due(const struct n2m_notify *n, uint64_t now_us, int healthy);

/* Sends WATCHDOG=1 and remembers when. */
int n2m_notify_watchdog(struct n2m_notify *n, uint64_t now_us);

/* Whether libsystemd was built in ("yes"/"no"), for the start-up log. */
const char *n2m_notify_support(void);

#endif
