/* SPDX-License-Identifier: MIT */
/*
 * mqtt_socket.c - Paho's broker socket found by listing the process's
 * sockets around a connect, and TCP_CORK on it (see mqtt_socket.h).
 */
#include "mqtt_socket.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_socket(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int push_fd(struct n2m_fd_list *l, size_t *cap, int fd)
{
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		int *grown = realloc(l->fds, ncap * sizeof *grown);
		if (!grown)
			return -1;
		l->fds = grown;
		*cap = ncap;
	}
	l->fds[l->n++] = fd;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int n2m_fd_list_sockets(struct n2m_fd_list *out)
{
	size_t cap = 0;
	int rc = 0;

	out->fds = NULL;
	out->n = 0;
#ifdef __linux__
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd < 0 || fd == dirfd(d) || !is_socket((int)fd))
			continue;
		if (push_fd(out, &cap, (int)fd) != 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	if (rc != 0) {
		n2m_fd_list_free(out);
		return -1;
	}
	qsort(out->fds, out->n, sizeof *out->fds, cmp_int);
#else
	(void)cap;
	rc = -1;
#endif
	return rc;
}

void n2m_fd_list_free(struct n2m_fd_list *l)
{
	free(l->fds);
	l->fds = NULL;
	l->n = 0;
}

static int was_open(const struct n2m_fd_list *before, int fd)
{
	return bsearch(&fd, before->fds, before->n, sizeof fd, cmp_int) != NULL;
}

static int port_of(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return -1;
}

static int addresses(int fd, struct n2m_mqtt_socket *s)
{
	s->fd = fd;
	s->local_len = sizeof s->local;
	s->peer_len = sizeof s->peer;
	if (getsockname(fd, (struct sockaddr *)&s->local, &s->local_len) != 0 ||
	    getpeername(fd, (struct sockaddr *)&s->peer, &s->peer_len) != 0)
		return -1;
	return 0;
}

/* The addresses of a connected TCP socket over IPv4 or IPv6. */
static int tcp_addresses(int fd, struct n2m_mqtt_socket *s)
{
	int type = 0;
	socklen_t len = sizeof type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM ||
	    addresses(fd, s) != 0)
		return -1;
	return s->peer.ss_family == AF_INET || s->peer.ss_family == AF_INET6 ? 0 : -1;
}

int n2m_mqtt_socket_find(const struct n2m_fd_list *before, int peer_port,
			 struct n2m_mqtt_socket *out)
{
	struct n2m_fd_list now;
	struct n2m_mqtt_socket found = N2M_MQTT_SOCKET_NONE, s;
	int matches = 0;

	out->fd = -1;
	if (peer_port <= 0 || n2m_fd_list_sockets(&now) != 0)
		return -1;
	for (size_t i = 0; i < now.n; i++) {
		if (was_open(before, now.fds[i]) || tcp_addresses(now.fds[i], &s) != 0 ||
		    port_of(&s.peer) != peer_port)
			continue;
		found = s;
		matches++;
	}
	n2m_fd_list_free(&now);
	if (matches != 1)
		return -1;
	*out = found;
	return 0;
}

int n2m_mqtt_socket_is_same(const struct n2m_mqtt_socket *s)
{
	struct n2m_mqtt_socket now;

	/* Two calls, not three: a descriptor reused by anything but this
	 * TCP connection differs in at least one address. */
	if (s->fd < 0 || addresses(s->fd, &now) != 0)
		return 0;
	return now.local_len == s->local_len && now.peer_len == s->peer_len &&
	       memcmp(&now.local, &s->local, s->local_len) == 0 &&
	       memcmp(&now.peer, &s->peer, s->peer_len) == 0;
}

int n2m_mqtt_socket_cork(const struct n2m_mqtt_socket *s, int on)
{
#ifdef TCP_CORK
	return setsockopt(s->fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
#else
	(void)s;
	(void)on;
	return -1;
#endif
}
