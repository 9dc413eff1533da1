/* SPDX-License-Identifier: MIT */
/*
 * health_listen.c - see health_listen.h.
 */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC */
#include "health_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BACKLOG 128

const char *n2m_listen_errno_text(int err)
{
	switch (err) {
	case EADDRINUSE: return "address in use";
	case EADDRNOTAVAIL: return "address not available on this host";
	case EACCES: return "permission denied";
	case EAFNOSUPPORT: return "address family not supported";
	case EMFILE:
	case ENFILE: return "too many open files";
	default: return strerror(err);
	}
}

/* host → address; "" is the wildcard, IPv6 (dual stack) unless v4. */
static int make_addr(const char *host, int port, int v4, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (v4 || (host[0] && inet_pton(AF_INET, host, &a4->sin_addr) == 1)) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		if (!host[0])
			a4->sin_addr.s_addr = htonl(INADDR_ANY);
		*len = sizeof *a4;
		return 0;
	}
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons((unsigned short)port);
	a6->sin6_addr = in6addr_any;
	*len = sizeof *a6;
	return host[0] && inet_pton(AF_INET6, host, &a6->sin6_addr) != 1 ? -1 : 0;
}

static int open_family(const char *host, int port, int v4)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd;

	if (make_addr(host, port, v4, &ss, &len) != 0) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* SO_REUSEADDR: a restart binds again while old connections sit in
	 * TIME_WAIT; it does not allow two listeners on one port. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss.ss_family == AF_INET6) {
		int v6only = host[0] ? 1 : 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, BACKLOG) != 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int n2m_listen_open(const char *host, int port, char *reason, size_t cap)
{
	int fd = open_family(host, port, 0);

	/* Every interface on a system without IPv6: IPv4 only. */
	if (fd < 0 && !host[0] && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
		fd = open_family(host, port, 1);
	if (fd < 0)
		snprintf(reason, cap, "%s", n2m_listen_errno_text(errno));
	return fd;
}
