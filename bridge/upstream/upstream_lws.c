/* SPDX-License-Identifier: MIT */
/*
 * upstream_lws.c - the upstream WebSocket over libwebsockets' own client
 * (navixy.ws_client = "lws", the default): lws does the upgrade, TLS and
 * framing and hands message payload over in pieces, which are reassembled
 * here and passed to the shared part (upstream.c, upstream_internal.h).
 */
#include "upstream_internal.h"

#include <stdlib.h>
#include <string.h>

int n2m_up_lws_open(struct n2m_upstream *up)
{
	struct lws_client_connect_info info;

	memset(&info, 0, sizeof info);
	info.context = up->lws;
	info.address = up->address;
	info.port = up->port;
	info.path = up->path;
	info.host = up->host_header;
	info.origin = NULL; /* Atmosphere wants no Origin or one matching Host */
	info.protocol = NULL;
	info.local_protocol_name = "navixy-upstream";
	info.ietf_version_or_minus_one = -1;
	info.opaque_user_data = up;
	info.pwsi = &up->wsi;
	if (up->use_tls) {
		info.ssl_connection = LCCSCF_USE_SSL;
		if (!up->tls_verify)
			info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
					       LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
					       LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	if (!lws_client_connect_via_info(&info)) {
		up->reports->start_failed(up, "cannot start the WebSocket connection");
		return -1;
	}
	return 0;
}

/* One queued message per WRITEABLE, as lws wants. Returns -1 to close. */
static int on_writeable(struct n2m_upstream *up, struct lws *wsi)
{
	struct n2m_upstream_msg *m = up->reports->next_out(up);

	if (m) {
		int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
		free(m);
		if (n < 0)
			return -1;
		if (up->out_head || up->close_requested)
			lws_callback_on_writable(wsi);
		return 0;
	}
	if (up->close_requested) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
		return -1;
	}
	return 0;
}

/* Appends len bytes to the message being reassembled, or starts skipping
 * it when it outgrows the limit or memory. */
static void append(struct n2m_upstream *up, const char *in, size_t len)
{
	/* Room for a length prefix on top of the largest message. */
	if (up->rx_len + len > up->max_message + 32) {
		up->rx_skipping = 1;
		up->rx_len = 0;
		return;
	}
	if (up->rx_len + len + 1 > up->rx_cap) {
		size_t cap = up->rx_cap ? up->rx_cap : 8192;
		while (cap < up->rx_len + len + 1)
			cap *= 2;
		char *grown = realloc(up->rx, cap);
		if (!grown) {
			up->rx_skipping = 1;
			up->rx_len = 0;
			return;
		}
		up->rx = grown;
		up->rx_cap = cap;
	}
	memcpy(up->rx + up->rx_len, in, len);
	up->rx_len += len;
}

/* Appends one chunk of a WebSocket message; lws hands big messages over in
 * pieces. A message above the limit is skipped to its end and counted. */
static void on_receive(struct n2m_upstream *up, struct lws *wsi, const char *in, size_t len)
{
	int last = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;

	up->counters.bytes_in += len;
	up->reports->alive(up);
	/* Atmosphere and Navixy speak text; a binary message is nobody's
	 * data. lws keeps the first fragment's opcode for the continuations. */
	if (lws_frame_is_binary(wsi))
		up->rx_binary = 1;
	if (!up->rx_skipping && !up->rx_binary)
		append(up, in, len);
	if (!last)
		return;
	if (up->rx_binary) {
		up->reports->binary_message(up);
		up->rx_binary = 0;
		up->rx_skipping = 0;
		up->rx_len = 0;
		return;
	}
	if (up->rx_skipping) {
		up->rx_skipping = 0;
		up->reports->oversized_message(up);
		return;
	}
	up->rx[up->rx_len] = '\0';
	size_t n = up->rx_len;
	up->rx_len = 0;
	up->reports->text_message(up, up->rx, n);
}

int n2m_up_lws_event(struct n2m_upstream *up, struct lws *wsi, enum lws_callback_reasons reason,
		     void *user, void *in, size_t len)
{
	/* Only the current connection's events matter; a stale wsi that is
	 * still closing must not touch the new one's state. */
	int mine = up && wsi && wsi == up->wsi;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (mine)
			up->reports->connect_failed(up, in);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (mine)
			n2m_log(up->log, N2M_LOG_DEBUG, "upstream.ws_open", "address=%s", up->address);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (mine)
			on_receive(up, wsi, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return mine ? on_writeable(up, wsi) : 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (mine && len >= 2) {
			const unsigned char *p = in;
			n2m_log(up->log, N2M_LOG_INFO, "upstream.peer_close", "code=%d",
				(p[0] << 8) | p[1]);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (mine)
			up->reports->connection_ended(up, "connection closed");
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
