/* SPDX-License-Identifier: MIT */
/*
 * mqtt_socket.h - finding the broker connection's socket under Paho, and
 * holding its writes back while one upstream frame is published.
 *
 * Why. Paho's synchronous client sends every PUBLISH with its own writev
 * on a TCP_NODELAY socket, so each message is a TCP segment of its own:
 * the kernel's send path, the loopback or NIC hand-over and the broker's
 * wake-up and read, once per message. One Navixy frame carries up to
 * hundreds of updates (three or more publications each) that are all
 * ready within a few milliseconds; with TCP_CORK set for that time the
 * writes only copy into the socket buffer, and the kernel sends full
 * segments, the rest when the cork is pulled at the end of the frame.
 * bench/README.md has the measurement.
 *
 * Paho has no API for its socket, so the bridge lists the process's
 * sockets before a connect and after it: the one new TCP socket whose peer
 * port is the broker's is Paho's. Anything unclear (none, two, another
 * address family) leaves the socket unknown and writes unheld. The
 * socket's two addresses are kept and compared before every hold, so a
 * descriptor Paho closed and the process reused for something else is
 * never corked.
 *
 * Linux only (TCP_CORK, /proc/self/fd); elsewhere nothing is found and
 * nothing is held.
 */
#ifndef N2M_MQTT_SOCKET_H
#define N2M_MQTT_SOCKET_H

#include <stddef.h>
#include <sys/socket.h>

/* The socket descriptors open at one moment, ascending. */
struct n2m_fd_list {
	int *fds;
	size_t n;
};

/* One TCP connection, told apart from any later user of its descriptor by
 * its two addresses. fd < 0: not known. */
struct n2m_mqtt_socket {
	int fd;
	struct sockaddr_storage local, peer;
	socklen_t local_len, peer_len;
};

#define N2M_MQTT_SOCKET_NONE { .fd = -1 }

/* Lists the socket descriptors open now. 0, or -1 (out of memory, no
 * /proc): then the list is empty and a later find finds nothing. */
int n2m_fd_list_sockets(struct n2m_fd_list *out);
void n2m_fd_list_free(struct n2m_fd_list *l);

/* The one TCP socket open now, absent from before, whose peer port is
 * peer_port. 0 and *out filled, or -1 (none or more than one). */
int n2m_mqtt_socket_find(const struct n2m_fd_list *before, int peer_port,
			 struct n2m_mqtt_socket *out);

/* Whether s->fd is still the connection found. */
int n2m_mqtt_socket_is_same(const struct n2m_mqtt_socket *s);

/* TCP_CORK on or off. 0 or -1 (errno). Turning it off sends what it held. */
int n2m_mqtt_socket_cork(const struct n2m_mqtt_socket *s, int on);

#endif
