/* SPDX-License-Identifier: MIT */
/*
 * test_mqtt_socket.c - finding a new connection's socket among the
 * process's descriptors, telling a reused descriptor apart, and TCP_CORK
 * holding and releasing writes, on real loopback sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqtt_socket.h"

/* A listener on 127.0.0.1 at a free port. */
static int listen_loopback(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

static void lists_sockets_only(void **state)
{
	struct n2m_fd_list l;
	int port, lfd = listen_loopback(&port);
	int pipefd[2];

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(n2m_fd_list_sockets(&l), 0);
	int seen_listener = 0;
	for (size_t i = 0; i < l.n; i++) {
		assert_true(l.fds[i] != pipefd[0] && l.fds[i] != pipefd[1]);
		seen_listener |= l.fds[i] == lfd;
		if (i > 0)
			assert_true(l.fds[i - 1] < l.fds[i]);
	}
	assert_true(seen_listener);
	n2m_fd_list_free(&l);
	close(pipefd[0]);
	close(pipefd[1]);
	close(lfd);
}

static void finds_the_one_new_connection(void **state)
{
	struct n2m_fd_list before;
	struct n2m_mqtt_socket s;
	int port, other_port;
	int lfd = listen_loopback(&port), other = listen_loopback(&other_port);
	int old = connect_loopback(port); /* open before: not a candidate */

	(void)state;
	assert_int_equal(n2m_fd_list_sockets(&before), 0);
	int unrelated = connect_loopback(other_port); /* new, other port */
	int fd = connect_loopback(port);
	assert_int_equal(n2m_mqtt_socket_find(&before, port, &s), 0);
	assert_int_equal(s.fd, fd);
	assert_true(n2m_mqtt_socket_is_same(&s));

	/* Two new connections to the port: unclear, nothing found. */
	int second = connect_loopback(port);
	assert_int_equal(n2m_mqtt_socket_find(&before, port, &s), -1);
	assert_int_equal(s.fd, -1);
	/* None: nothing found either. */
	assert_int_equal(n2m_mqtt_socket_find(&before, port + 1 == other_port ? port + 2 : port + 1,
					      &s), -1);

	n2m_fd_list_free(&before);
	close(second);
	close(fd);
	close(unrelated);
	close(old);
	close(other);
	close(lfd);
}

static void a_reused_descriptor_is_not_the_same(void **state)
{
	struct n2m_fd_list before;
	struct n2m_mqtt_socket s;
	int port, lfd = listen_loopback(&port);

	(void)state;
	assert_int_equal(n2m_fd_list_sockets(&before), 0);
	int fd = connect_loopback(port);
	assert_int_equal(n2m_mqtt_socket_find(&before, port, &s), 0);
	close(fd);
	assert_false(n2m_mqtt_socket_is_same(&s));
	/* The lowest free number again: the same descriptor, another socket. */
	int again = connect_loopback(port);
	assert_int_equal(again, s.fd);
	assert_false(n2m_mqtt_socket_is_same(&s));
	int pipefd[2];
	close(again);
	assert_int_equal(pipe(pipefd), 0);
	assert_false(n2m_mqtt_socket_is_same(&s));
	close(pipefd[0]);
	close(pipefd[1]);
	n2m_fd_list_free(&before);
	close(lfd);
}

/* Bytes written to fd that TCP has not sent yet. */
static int unsent(int fd)
{
	int n = -1;

	assert_int_equal(ioctl(fd, SIOCOUTQNSD, &n), 0);
	return n;
}

static void cork_holds_and_release_sends(void **state)
{
	struct n2m_fd_list before;
	struct n2m_mqtt_socket s;
	int port, lfd = listen_loopback(&port);
	static const char msg[] = "a small publication";

	(void)state;
	assert_int_equal(n2m_fd_list_sockets(&before), 0);
	int fd = connect_loopback(port);
	assert_int_equal(n2m_mqtt_socket_find(&before, port, &s), 0);

	assert_int_equal(n2m_mqtt_socket_cork(&s, 1), 0);
	assert_int_equal(write(fd, msg, sizeof msg), (ssize_t)sizeof msg);
	assert_int_equal(write(fd, msg, sizeof msg), (ssize_t)sizeof msg);
	/* Held: a partial segment waits for the cork. */
	assert_int_equal(unsent(fd), 2 * (int)sizeof msg);
	assert_int_equal(n2m_mqtt_socket_cork(&s, 0), 0);
	assert_int_equal(unsent(fd), 0);

	n2m_fd_list_free(&before);
	close(fd);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lists_sockets_only),
		cmocka_unit_test(finds_the_one_new_connection),
		cmocka_unit_test(a_reused_descriptor_is_not_the_same),
		cmocka_unit_test(cork_holds_and_release_sends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
