/* SPDX-License-Identifier: MIT */
/*
 * sim_ws.c - the Atmosphere WebSocket side: upgrade filtering (path, 501 for
 * an old X-Atmosphere-Framework), the handshake frame, per-connection output
 * queues written one lws_write per writeable callback in fragments,
 * inbound message reassembly with the size limit, heartbeats, abrupt drops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "atmosphere.h"
#include "sim.h"
#include "sim_time.h"

void conn_init(struct sim *s, struct sim_conn *c, struct lws *wsi)
{
	memset(c, 0, sizeof(*c));
	c->sim = s;
	c->wsi = wsi;
	subs_init(&c->subs);
	c->last_write_ms = sim_mono_ms();
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->st.connections++;
}

static void msg_free(struct sim_msg *m)
{
	free(m->mem);
	free(m);
}

void conn_close(struct sim_conn *c)
{
	struct sim *s = c->sim;
	if (!s)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	while (c->qhead) {
		struct sim_msg *m = c->qhead;
		c->qhead = m->next;
		msg_free(m);
	}
	subs_free(&c->subs);
	free(c->rx);
	s->st.connections--;
	c->sim = NULL;
}

void conn_send(struct sim_conn *c, struct sbuf *b, int binary, int force_prefix)
{
	if (b->oom || c->dropping || !c->sim) {
		sbuf_free(b);
		return;
	}
	struct sim_msg *m = calloc(1, sizeof(*m));
	if (!m) {
		sbuf_free(b);
		return;
	}
	size_t head, len;
	char *mem = sbuf_detach(b, &head, &len);
	if (!mem) {
		free(m);
		return;
	}
	m->mem = mem;
	m->start = head;
	m->len = len;
	m->binary = binary;
	if (!binary && (c->track_size || force_prefix)) {
		char pre[24];
		int n = atmo_format_length_prefix(pre, sizeof(pre), mem + head, len);
		if (n > 0 && (size_t)n <= head - LWS_PRE) {
			m->start = head - (size_t)n;
			memcpy(mem + m->start, pre, (size_t)n);
			m->len = len + (size_t)n;
		}
	}
	if (c->qtail)
		c->qtail->next = m;
	else
		c->qhead = m;
	c->qtail = m;
	c->qbytes += m->len;
	if (!sim_stalled(c->sim))
		lws_callback_on_writable(c->wsi);
}

void conn_send_str(struct sim_conn *c, const char *str)
{
	struct sbuf b;
	sbuf_init(&b, SIM_HEADROOM);
	sbuf_puts(&b, str);
	conn_send(c, &b, 0, 0);
}

int conn_writeable(struct sim_conn *c)
{
	struct sim *s = c->sim;
	if (!s || c->dropping)
		return 0;
	if (sim_stalled(s))
		return 0;
	struct sim_msg *m = c->qhead;
	if (!m)
		return 0;
	size_t left = m->len - m->off;
	size_t chunk = left > SIM_WRITE_CHUNK ? SIM_WRITE_CHUNK : left;
	int more = chunk < left;
	int flags;
	if (m->off == 0)
		flags = m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT;
	else
		flags = LWS_WRITE_CONTINUATION;
	if (more)
		flags |= LWS_WRITE_NO_FIN;
	unsigned char *p = (unsigned char *)m->mem + m->start + m->off;
	int n = lws_write(c->wsi, p, chunk, (enum lws_write_protocol)flags);
	if (n < 0) {
		sim_log(s, LOG_DEBUG, "lws_write failed; closing");
		return -1;
	}
	m->off += chunk;
	c->last_write_ms = sim_mono_ms();
	if (m->off >= m->len) {
		s->st.frames_sent++;
		if (m->heartbeat)
			s->st.heartbeats_sent++;
		c->qhead = m->next;
		if (!c->qhead)
			c->qtail = NULL;
		c->qbytes -= m->len;
		msg_free(m);
	}
	if (c->qhead)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static void on_message(void *ctx, const char *msg, size_t len)
{
	struct sim_conn *c = ctx;
	if (c->sim->o.client_heartbeat_ms > 0 && atmo_is_heartbeat(msg, len, "X"))
		return;
	engine_on_message(c, msg, len);
}

int conn_receive(struct sim_conn *c, const void *in, size_t len)
{
	struct sim *s = c->sim;
	if (!s || c->dropping)
		return 0;
	if (lws_is_first_fragment(c->wsi)) {
		c->rx_len = 0;
		c->rx_too_large = 0;
		c->rx_binary = lws_frame_is_binary(c->wsi);
	}
	if (!c->rx_too_large) {
		if (c->rx_len + len > s->o.max_frame) {
			c->rx_too_large = 1;
		} else {
			if (c->rx_len + len + 1 > c->rx_cap) {
				size_t ncap = c->rx_cap ? c->rx_cap : 1024;
				while (ncap < c->rx_len + len + 1)
					ncap *= 2;
				char *n = realloc(c->rx, ncap);
				if (!n) {
					c->rx_too_large = 1;
					goto check_final;
				}
				c->rx = n;
				c->rx_cap = ncap;
			}
			memcpy(c->rx + c->rx_len, in, len);
			c->rx_len += len;
		}
	}
check_final:
	if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi))
		return 0;
	if (c->rx_too_large) {
		s->st.messages_received++;
		engine_error(c, "null", 9, NULL);
	} else {
		c->rx[c->rx_len] = '\0';
		on_message(c, c->rx, c->rx_len);
	}
	c->rx_len = 0;
	c->rx_too_large = 0;
	/* do not keep a huge buffer around after a big message */
	if (c->rx_cap > 1 << 20) {
		free(c->rx);
		c->rx = NULL;
		c->rx_cap = 0;
	}
	return 0;
}

void conn_drop(struct sim_conn *c)
{
	if (c->dropping)
		return;
	c->dropping = 1;
	int fd = lws_get_socket_fd(c->wsi);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
}

/* Atmosphere-style version number: "2.2.1-javascript" -> 221; -1 if unparsable. */
int sim_parse_version(const char *v)
{
	int parts[3] = { 0, 0, 0 }, n = 0;
	const char *p = v;
	while (*p && *p != '-' && n < 3) {
		if (*p < '0' || *p > '9')
			return -1;
		int x = 0;
		while (*p >= '0' && *p <= '9')
			x = x * 10 + (*p++ - '0');
		parts[n++] = x;
		if (*p == '.')
			p++;
		else
			break;
	}
	if (n == 0)
		return -1;
	return parts[0] * 100 + parts[1] * 10 + parts[2];
}

/* Path of the WebSocket endpoint (with or without the trailing slash). */
static int ws_path_ok(const struct sim *s, const char *uri)
{
	size_t pl = strlen(s->o.prefix);
	if (strncmp(uri, s->o.prefix, pl))
		return 0;
	uri += pl;
	return !strcmp(uri, "/event/subscription") || !strcmp(uri, "/event/subscription/");
}

static void uri_arg(struct lws *wsi, const char *name, char *buf, int len)
{
	/* lws returns a pointer into buf just after "name=" */
	const char *v = lws_get_urlarg_by_name(wsi, name, buf, len);
	if (!v) {
		buf[0] = '\0';
		return;
	}
	memmove(buf, v, strlen(v) + 1);
}

/* Called on LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: 0 accepts the upgrade;
 * otherwise an HTTP error has been written and the caller refuses. */
int ws_filter(struct sim *s, struct lws *wsi, struct sim_pss *pss)
{
	char uri[512], ver[64];
	(void)pss;
	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
		uri[0] = '\0';
	int status = 0;
	const char *err = NULL;
	if (!ws_path_ok(s, uri)) {
		status = 404;
		err = "Not Found";
	} else {
		uri_arg(wsi, "X-Atmosphere-Framework=", ver, sizeof(ver));
		if (ver[0] && s->o.min_framework > 0) {
			int v = sim_parse_version(ver);
			if (v < s->o.min_framework) {
				status = 501;
				err = "Atmosphere Protocol version not supported.";
			}
		}
	}
	if (!status)
		return 0;
	sim_log(s, LOG_INFO, "refusing upgrade of %s with %d", uri, status);
	unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start,
					  *end = buf + sizeof(buf) - 1;
	if (lws_add_http_header_status(wsi, (unsigned int)status, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"X-Atmosphere-error:",
					(const unsigned char *)err, (int)strlen(err), &p, end) ||
	    lws_add_http_header_content_length(wsi, 0, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
					(const unsigned char *)"close", 5, &p, end) ||
	    lws_finalize_http_header(wsi, &p, end))
		return -1;
	lws_write(wsi, start, (size_t)lws_ptr_diff(p, start), LWS_WRITE_HTTP_HEADERS);
	return -1;
}

void ws_established(struct sim *s, struct lws *wsi, struct sim_pss *pss)
{
	struct sim_conn *c = &pss->conn;
	char v[64];
	pss->is_ws = 1;
	conn_init(s, c, wsi);
	uri_arg(wsi, "X-Atmosphere-TrackMessageSize=", v, sizeof(v));
	c->track_size = !strcmp(v, "true");
	uri_arg(wsi, "X-atmo-protocol=", v, sizeof(v));
	c->protocol = !strcmp(v, "true");
	uri_arg(wsi, "X-Atmosphere-tracking-id=", v, sizeof(v));
	int fresh = !strcmp(v, "0");

	uint32_t r[4];
	for (int i = 0; i < 4; i++)
		r[i] = sim_rand(&s->rng);
	snprintf(c->uuid, sizeof(c->uuid), "%08x-%04x-4%03x-%04x-%04x%08x", r[0], r[1] >> 16,
		 r[1] & 0xfff, 0x8000 | (r[2] & 0x3fff), r[2] >> 16, r[3]);
	sim_log(s, LOG_INFO, "websocket %s open (protocol %d, track size %d)", c->uuid,
		c->protocol, c->track_size);
	if (c->protocol && fresh) {
		char hs[256];
		if (atmo_format_handshake(hs, sizeof(hs), c->uuid, s->o.client_heartbeat_ms, "X") > 0)
			conn_send_str(c, hs);
	}
}
