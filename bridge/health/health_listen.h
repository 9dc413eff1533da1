/* SPDX-License-Identifier: MIT */
/*
 * health_listen.h - the listening socket of the HTTP health endpoint,
 * opened by the bridge itself rather than by libwebsockets, so a failure
 * has its real cause ("address in use") and libwebsockets has nothing to
 * log about it; and connections are accepted by the endpoint, which
 * enforces its connection limit at accept time.
 */
#ifndef N2M_HEALTH_LISTEN_H
#define N2M_HEALTH_LISTEN_H

#include <stddef.h>

/* A non-blocking, close-on-exec listening TCP socket on host (numeric;
 * "" = every interface, IPv6 and IPv4 where the system has IPv6) and
 * port. The fd, or -1 with the cause (n2m_listen_errno_text) in reason. */
int n2m_listen_open(const char *host, int port, char *reason, size_t cap);

/* A short cause for a socket errno: "address in use", "permission
 * denied", ...; strerror's text for the rest. */
const char *n2m_listen_errno_text(int err);

#endif
