/* SPDX-License-Identifier: MIT */
/*
 * health_http.c - the health endpoint's listening side (see health_http.h):
 * the listening socket adopted into lws as a raw file, accepting with the
 * connection limit, handing each connection to lws as a raw socket
 * (health_http_conn.c serves it), and start and stop.
 */
#define _GNU_SOURCE /* accept4 */
#include "health_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health_http_conn.h"
#include "health_listen.h"

#define PROTO_LISTEN "n2m-health-listen"
#define PROTO_CONN "n2m-health"
#define ACCEPT_BATCH 64         /* accepts per wake-up, so others get the loop too */
#define LOG_PERIOD_MS 10000u
#define ACCEPT_PAUSE_MS 1000u

static void note_over_limit(struct n2m_health_http *h)
{
	unsigned long n = n2m_log_throttle_hit(&h->over_limit_log, n2m_health_mono_ms(),
					       LOG_PERIOD_MS);

	h->counters.over_limit++;
	if (n)
		n2m_log(h->log, N2M_LOG_WARN, "http.over_limit",
			"max_connections=%d refused=%lu total=%llu", h->max_connections, n,
			(unsigned long long)h->counters.over_limit);
}

/* One accepted connection: closed at once over the limit, else adopted
 * (lws closes the fd itself when adoption fails). */
static void take_connection(struct n2m_health_http *h, int fd)
{
	lws_sock_file_fd_type desc;

	if (h->counters.connections >= (uint64_t)h->max_connections) {
		close(fd);
		note_over_limit(h);
		return;
	}
	desc.sockfd = fd;
	if (!lws_adopt_descriptor_vhost(h->vhost, LWS_ADOPT_SOCKET, desc, PROTO_CONN, NULL))
		n2m_log(h->log, N2M_LOG_WARN, "http.accept_failed", "reason=\"cannot adopt\"");
}

static void resume_accepting(lws_sorted_usec_list_t *sul)
{
	struct n2m_health_http *h = lws_container_of(sul, struct n2m_health_http, resume);

	if (h->listener && !h->stopping)
		lws_rx_flow_control(h->listener, 1);
}

/* accept() fails for want of descriptors or memory: the pending
 * connection stays readable, so stop polling the listening socket for a
 * while rather than spin the loop (the upstream and the broker share it). */
static void pause_accepting(struct n2m_health_http *h, int err)
{
	unsigned long n = n2m_log_throttle_hit(&h->accept_log, n2m_health_mono_ms(), LOG_PERIOD_MS);
	char why[96];

	if (n)
		n2m_log(h->log, N2M_LOG_WARN, "http.accept_paused", "reason=%s pause_ms=%u count=%lu",
			n2m_log_quote(why, sizeof why, n2m_listen_errno_text(err)), ACCEPT_PAUSE_MS, n);
	if (!h->listener)
		return;
	lws_rx_flow_control(h->listener, 0);
	lws_sul_schedule(h->lws, 0, &h->resume, resume_accepting,
			 (lws_usec_t)ACCEPT_PAUSE_MS * 1000);
}

static void accept_some(struct n2m_health_http *h, int listen_fd)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			take_connection(h, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			pause_accepting(h, errno);
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			n2m_log(h->log, N2M_LOG_WARN, "http.accept_failed", "reason=\"%s\"",
				n2m_listen_errno_text(errno));
		return;
	}
}

static int listen_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			   void *in, size_t len)
{
	struct lws_vhost *vh = lws_get_vhost(wsi);
	struct n2m_health_http *h = vh ? lws_vhost_user(vh) : NULL;

	(void)user;
	(void)in;
	(void)len;
	if (!h)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (h->stopping)
			return -1;
		accept_some(h, lws_get_socket_fd(wsi));
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (h->listener == wsi)
			h->listener = NULL;
		return 0;
	default:
		return 0; /* wake-ups and the rest belong to the bridge's own protocol */
	}
}

/* Constant table, not state: lws needs it for the vhost's lifetime. No
 * "http" protocol: nothing on this vhost speaks lws HTTP or WebSocket. */
static const struct lws_protocols health_protocols[] = {
	{ PROTO_LISTEN, listen_callback, 0, 0, 0, NULL, 0 },
	{ PROTO_CONN, n2m_health_conn_callback, sizeof(struct n2m_health_conn), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

int n2m_health_http_parse_listen(const char *addr, char *host, size_t cap, int *port)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	const char *h = addr;
	size_t hlen;
	char *end = NULL;
	long p;

	if (!colon || cap == 0)
		return -1;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end || p < 1 || p > 65535)
		return -1;
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= cap)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
		host[0] = '\0';
	else if (strcmp(host, "localhost") == 0 && cap > sizeof "127.0.0.1")
		memcpy(host, "127.0.0.1", sizeof "127.0.0.1");
	/* Numeric addresses only: a name would need a resolver at start and
	 * could mean several addresses. */
	unsigned char probe[sizeof(struct in6_addr)];
	if (host[0] && inet_pton(AF_INET, host, probe) != 1 && inet_pton(AF_INET6, host, probe) != 1)
		return -1;
	*port = (int)p;
	return 0;
}

int n2m_health_http_connection_cap(int wanted, long nofile)
{
	long room = nofile - N2M_HEALTH_HTTP_FD_RESERVE;

	if (wanted < 1)
		wanted = 1;
	if (nofile > 0 && room < wanted)
		return room < 1 ? 1 : (int)room;
	return wanted;
}

/* The vhost that owns the endpoint's sockets (it listens on nothing), and
 * the listening socket adopted into it (lws closes fd if that fails). */
static int create_and_adopt(struct n2m_health_http *h, struct lws_context *lws, int fd)
{
	struct lws_context_creation_info info;
	lws_sock_file_fd_type desc;

	memset(&info, 0, sizeof info);
	info.vhost_name = "navixy2mqtt-health";
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = health_protocols;
	info.user = h;
	h->vhost = lws_create_vhost(lws, &info);
	if (!h->vhost) {
		close(fd);
		return -1;
	}
	desc.filefd = fd;
	h->listener = lws_adopt_descriptor_vhost(h->vhost, LWS_ADOPT_RAW_FILE_DESC, desc,
						 PROTO_LISTEN, NULL);
	return h->listener ? 0 : -1;
}

/* The libwebsockets log levels now in force (lws has no getter). */
static int lws_log_mask(void)
{
	int mask = 0;

	for (int bit = 0; bit < LLL_COUNT; bit++)
		if (lwsl_visible(1 << bit))
			mask |= 1 << bit;
	return mask;
}

/* create_and_adopt with libwebsockets silenced: a failure there is the
 * bridge's to report, in its own words (fail_listen), not as a raw
 * libwebsockets line before it. */
static int adopt_listener(struct n2m_health_http *h, struct lws_context *lws, int fd)
{
	int saved = lws_log_mask();
	int rc;

	lws_set_log_level(0, NULL);
	rc = create_and_adopt(h, lws, fd);
	lws_set_log_level(saved, NULL);
	return rc;
}

static int fail_listen(struct n2m_health_http *h, const char *addr, const char *reason,
		       char *err, size_t errlen)
{
	char why[96];

	n2m_log(h->log, N2M_LOG_ERROR, "health.listen_failed", "listen=%s reason=%s", addr,
		n2m_log_quote(why, sizeof why, reason));
	snprintf(err, errlen, "health.http_listen: cannot listen on %s: %s", addr, reason);
	n2m_health_http_stop(h);
	return -1;
}

int n2m_health_http_start(struct n2m_health_http *h, struct lws_context *lws,
			  const struct n2m_health_http_options *opt, struct n2m_log *log, char *err,
			  size_t errlen)
{
	char host[256], reason[128];
	int port, fd;

	memset(h, 0, sizeof *h);
	h->lws = lws;
	h->log = log;
	h->render = opt->render;
	h->ctx = opt->ctx;
	h->max_connections = opt->max_connections;
	h->idle_timeout_s = opt->idle_timeout_s;
	if (n2m_health_http_parse_listen(opt->listen, host, sizeof host, &port) != 0) {
		snprintf(err, errlen, "health.http_listen: must be <numeric address>:<port>, "
			 "localhost or * for the address (got \"%s\")", opt->listen);
		return -1;
	}
	fd = n2m_listen_open(host, port, reason, sizeof reason);
	if (fd < 0)
		return fail_listen(h, opt->listen, reason, err, errlen);
	if (adopt_listener(h, lws, fd) != 0)
		return fail_listen(h, opt->listen, "libwebsockets refused the socket", err, errlen);
	n2m_log(log, N2M_LOG_INFO, "http.listening",
		"listen=%s paths=/healthz,/metrics max_connections=%d idle_timeout_s=%d",
		opt->listen, h->max_connections, h->idle_timeout_s);
	return 0;
}

void n2m_health_http_stop(struct n2m_health_http *h)
{
	h->stopping = 1;
	if (h->lws)
		lws_sul_cancel(&h->resume);
	/* The listening socket goes at the next service; open connections are
	 * closed by the vhost's destruction (and refuse to serve meanwhile). */
	if (h->listener)
		lws_set_timeout(h->listener, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	h->listener = NULL;
	if (h->vhost)
		lws_vhost_destroy(h->vhost);
	h->vhost = NULL;
}
