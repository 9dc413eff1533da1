/* SPDX-License-Identifier: MIT */
/*
 * upstream.c - the Navixy WebSocket client's shared part: attempts and
 * reconnect scheduling, Atmosphere handshake, heartbeats, watchdog and
 * decoding (see upstream.h); the WebSocket transport under it is
 * upstream_lws.c or upstream_own.c (upstream_internal.h).
 */
#include "upstream_internal.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log_throttle.h"
#include "url_userinfo.h"
#include "utf8.h"

static void schedule_next(struct n2m_upstream *up, enum n2m_upstream_failure why);
static void attempt_now(lws_sorted_usec_list_t *sul);
static void n2m_up_set_error(struct n2m_upstream *up, const char *error);
static void n2m_up_start_failed(struct n2m_upstream *up, const char *why);
static void n2m_up_connect_failed(struct n2m_upstream *up, const char *why);
static void n2m_up_connection_ended(struct n2m_upstream *up, const char *reason);
static void n2m_up_alive(struct n2m_upstream *up);
static void n2m_up_text_message(struct n2m_upstream *up, const char *msg, size_t len);
static void n2m_up_binary_message(struct n2m_upstream *up);
static void n2m_up_oversized_message(struct n2m_upstream *up);
static struct n2m_upstream_msg *n2m_up_next_out(struct n2m_upstream *up);

/* The transports' way back here (upstream_internal.h). */
static const struct n2m_up_reports transport_reports = {
	.start_failed = n2m_up_start_failed,
	.connect_failed = n2m_up_connect_failed,
	.connection_ended = n2m_up_connection_ended,
	.alive = n2m_up_alive,
	.text_message = n2m_up_text_message,
	.binary_message = n2m_up_binary_message,
	.oversized_message = n2m_up_oversized_message,
	.next_out = n2m_up_next_out,
};

const char *n2m_upstream_state_name(enum n2m_upstream_state state)
{
	switch (state) {
	case N2M_UP_CONNECTING: return "connecting";
	case N2M_UP_CONNECTED: return "connected";
	case N2M_UP_BACKOFF: return "backoff";
	case N2M_UP_AUTH_FAILED: return "auth_failed";
	case N2M_UP_LOGGED_OUT: return "logged_out";
	case N2M_UP_STOPPED: return "stopped";
	}
	return "unknown";
}

static void set_state(struct n2m_upstream *up, enum n2m_upstream_state state)
{
	if (up->state != state) {
		up->state = state;
		up->since = time(NULL);
	}
	if (up->cb.on_state)
		up->cb.on_state(up->cb_ctx);
}

static void n2m_up_set_error(struct n2m_upstream *up, const char *error)
{
	snprintf(up->last_error, sizeof up->last_error, "%s", error ? error : "");
	/* It goes into the bridge/upstream payload: a cut never leaves half a
	 * character there. */
	n2m_utf8_trim_tail(up->last_error);
}

/* ---------- URL ---------- */

char *n2m_upstream_build_path(const char *url_path, const char *framework_version,
			      int track_size)
{
	const char *path = url_path && *url_path ? url_path : "";
	const char *version = framework_version && *framework_version ? framework_version : "4.0.1";
	size_t cap = strlen(path) + strlen(version) + 256;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	snprintf(out, cap,
		 "%s%s%cX-Atmosphere-tracking-id=0&X-Atmosphere-Framework=%s"
		 "&X-Atmosphere-Transport=websocket&Content-Type=application/json"
		 "&X-atmo-protocol=true%s",
		 path[0] == '/' ? "" : "/", path, strchr(path, '?') ? '&' : '?', version,
		 track_size ? "&X-Atmosphere-TrackMessageSize=true" : "");
	return out;
}

/* ws_url if set, else api_url with http->ws and /event/subscription. */
static char *effective_ws_url(const struct n2m_navixy_config *cfg)
{
	const char *api = cfg->api_url ? cfg->api_url : "";
	char *out;

	if (cfg->ws_url && *cfg->ws_url)
		return strdup(cfg->ws_url);
	out = malloc(strlen(api) + 32);
	if (!out)
		return NULL;
	if (strncmp(api, "https://", 8) == 0)
		sprintf(out, "wss://%s", api + 8);
	else if (strncmp(api, "http://", 7) == 0)
		sprintf(out, "ws://%s", api + 7);
	else
		strcpy(out, api);
	size_t n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	strcat(out, "/event/subscription");
	return out;
}

static int parse_ws_url(struct n2m_upstream *up, const struct n2m_navixy_config *cfg,
			char *err, size_t errlen)
{
	char *url = effective_ws_url(cfg);
	const char *prot, *ads, *path;
	int port;
	char host[300];

	if (!url) {
		snprintf(err, errlen, "navixy.ws_url: out of memory");
		return -1;
	}
	char *scratch = strdup(url);
	if (!scratch || lws_parse_uri(scratch, &prot, &ads, &port, &path) != 0 || !*ads) {
		char shown[300];
		n2m_redact_url(url, shown, sizeof shown);
		snprintf(err, errlen, "navixy.ws_url: cannot parse \"%s\"", shown);
		free(scratch);
		free(url);
		return -1;
	}
	if (strcmp(prot, "wss") == 0 || strcmp(prot, "https") == 0) {
		up->use_tls = 1;
	} else if (strcmp(prot, "ws") != 0 && strcmp(prot, "http") != 0) {
		snprintf(err, errlen, "navixy.ws_url: scheme must be ws or wss (got \"%s\")", prot);
		free(scratch);
		free(url);
		return -1;
	}
	/* lws_parse_uri defaults the port from "https"/"wss" only for some
	 * spellings; make it explicit. */
	if (!strchr(url + strlen(prot) + 3, ':') || port == 0)
		port = up->use_tls ? 443 : 80;
	up->address = strdup(ads);
	up->port = port;
	up->path = n2m_upstream_build_path(path, cfg->framework_version, cfg->track_message_size);
	if ((up->use_tls && port == 443) || (!up->use_tls && port == 80))
		snprintf(host, sizeof host, "%s", ads);
	else
		snprintf(host, sizeof host, "%s:%d", ads, port);
	up->host_header = strdup(host);
	free(scratch);
	free(url);
	if (!up->address || !up->path || !up->host_header) {
		snprintf(err, errlen, "navixy.ws_url: out of memory");
		return -1;
	}
	return 0;
}

/* ---------- lifecycle ---------- */

int n2m_upstream_init(struct n2m_upstream *up, const struct n2m_navixy_config *cfg,
		      struct lws_context *lws, struct n2m_log *log,
		      const struct n2m_upstream_callbacks *cb, void *cb_ctx,
		      char *err, size_t errlen)
{
	uint64_t seed = ((uint64_t)time(NULL) << 16) ^ (uint64_t)getpid() ^ 0x2545f4914f6cdd1dULL;

	memset(up, 0, sizeof *up);
	up->lws = lws;
	up->log = log;
	up->cb = *cb;
	up->cb_ctx = cb_ctx;
	up->reports = &transport_reports;
	up->tls_verify = cfg->tls_verify;
	up->track_size = cfg->track_message_size;
	up->liveness_s = cfg->liveness_s > 0 ? cfg->liveness_s : 75;
	up->connect_timeout_s = cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 10;
	up->max_message = cfg->max_frame_bytes > 0 ? (size_t)cfg->max_frame_bytes : (256u << 20);
	up->state = N2M_UP_CONNECTING;
	up->since = time(NULL);
	n2m_backoff_init(&up->backoff, (uint32_t)cfg->backoff_min_ms,
			 (uint32_t)cfg->backoff_max_ms, seed);
	/* Auth failures repeat until someone fixes the credentials: no point
	 * in a short first retry, but keep the jitter. */
	n2m_backoff_init(&up->auth_backoff, (uint32_t)cfg->auth_backoff_ms,
			 (uint32_t)cfg->auth_backoff_ms * 4u, seed * 31u + 7u);
	atmo_decoder_init(&up->decoder, up->track_size, up->max_message);
	if (parse_ws_url(up, cfg, err, errlen) != 0)
		return -1;
	up->own_client = cfg->ws_client && strcmp(cfg->ws_client, "own") == 0;
	return up->own_client ? n2m_up_own_init(up, cfg, err, errlen) : 0;
}

static void free_out_queue(struct n2m_upstream *up)
{
	struct n2m_upstream_msg *m = up->out_head;
	while (m) {
		struct n2m_upstream_msg *next = m->next;
		free(m);
		m = next;
	}
	up->out_head = up->out_tail = NULL;
}

static void cancel_connection_timers(struct n2m_upstream *up)
{
	lws_sul_cancel(&up->sul_handshake);
	lws_sul_cancel(&up->sul_heartbeat);
	lws_sul_cancel(&up->sul_liveness);
}

void n2m_upstream_free(struct n2m_upstream *up)
{
	if (up->lws) {
		lws_sul_cancel(&up->sul_attempt);
		lws_sul_cancel(&up->sul_prepared);
		cancel_connection_timers(up);
	}
	free_out_queue(up);
	n2m_up_own_free(up);
	atmo_decoder_free(&up->decoder);
	free(up->rx);
	free(up->address);
	free(up->path);
	free(up->host_header);
	memset(up, 0, sizeof *up);
}

void n2m_upstream_start(struct n2m_upstream *up)
{
	lws_sul_schedule(up->lws, 0, &up->sul_attempt, attempt_now, 1);
}

int n2m_upstream_is_connected(const struct n2m_upstream *up)
{
	return up->wsi && up->handshake_done && up->state == N2M_UP_CONNECTED;
}

int n2m_upstream_closed(const struct n2m_upstream *up)
{
	return up->wsi == NULL;
}

/* ---------- timers ---------- */

static void kill_connection(struct n2m_upstream *up)
{
	if (up->wsi)
		lws_set_timeout(up->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void on_handshake_timeout(lws_sorted_usec_list_t *sul)
{
	struct n2m_upstream *up = lws_container_of(sul, struct n2m_upstream, sul_handshake);
	char msg[96];

	snprintf(msg, sizeof msg, "no Atmosphere handshake within %d s", up->connect_timeout_s);
	n2m_log(up->log, N2M_LOG_WARN, "upstream.handshake_timeout", "timeout_s=%d",
		up->connect_timeout_s);
	n2m_upstream_fail(up, N2M_UP_FAIL_TRANSIENT, msg);
}

static void on_liveness_timeout(lws_sorted_usec_list_t *sul)
{
	struct n2m_upstream *up = lws_container_of(sul, struct n2m_upstream, sul_liveness);
	char msg[96];

	snprintf(msg, sizeof msg, "no frame for %d s (liveness watchdog)", up->liveness_s);
	n2m_log(up->log, N2M_LOG_WARN, "upstream.silent", "liveness_s=%d", up->liveness_s);
	n2m_upstream_fail(up, N2M_UP_FAIL_TRANSIENT, msg);
}

static void on_heartbeat_due(lws_sorted_usec_list_t *sul)
{
	struct n2m_upstream *up = lws_container_of(sul, struct n2m_upstream, sul_heartbeat);

	if (!n2m_upstream_is_connected(up) || up->handshake.client_heartbeat_ms <= 0)
		return;
	if (n2m_upstream_send(up, up->handshake.padding, strlen(up->handshake.padding)) == 0)
		up->counters.heartbeats_out++;
	lws_sul_schedule(up->lws, 0, &up->sul_heartbeat, on_heartbeat_due,
			 (lws_usec_t)up->handshake.client_heartbeat_ms * US_PER_MS);
}

static void feed_watchdog(struct n2m_upstream *up)
{
	lws_sul_schedule(up->lws, 0, &up->sul_liveness, on_liveness_timeout,
			 (lws_usec_t)up->liveness_s * US_PER_S);
}

/* ---------- attempts ---------- */

static void schedule_next(struct n2m_upstream *up, enum n2m_upstream_failure why)
{
	uint32_t delay_ms;
	enum n2m_upstream_state state;

	up->counters.failures++;
	switch (why) {
	case N2M_UP_FAIL_AUTH:
		state = N2M_UP_AUTH_FAILED;
		delay_ms = n2m_backoff_next(&up->auth_backoff);
		break;
	case N2M_UP_FAIL_LOGGED_OUT:
		state = N2M_UP_LOGGED_OUT;
		delay_ms = n2m_backoff_next(&up->backoff);
		break;
	default:
		state = N2M_UP_BACKOFF;
		delay_ms = n2m_backoff_next(&up->backoff);
		break;
	}
	/* A logout with a login is routine (a fresh user/auth follows); only a
	 * refused key or password needs someone to act. */
	n2m_log(up->log, why == N2M_UP_FAIL_AUTH ? N2M_LOG_ERROR : N2M_LOG_WARN,
		"upstream.retry", "state=%s attempt=%u retry_ms=%u host=%s error=\"%s\"",
		n2m_upstream_state_name(state), up->attempt, delay_ms, up->address, up->last_error);
	lws_sul_schedule(up->lws, 0, &up->sul_attempt, attempt_now,
			 (lws_usec_t)delay_ms * US_PER_MS);
	set_state(up, state);
}

static void n2m_up_start_failed(struct n2m_upstream *up, const char *why)
{
	/* lws may already have reported CONNECTION_ERROR, which scheduled the
	 * retry; otherwise do it here. */
	if (up->state != N2M_UP_CONNECTING)
		return;
	up->wsi = NULL;
	lws_sul_cancel(&up->sul_handshake);
	n2m_up_set_error(up, why);
	schedule_next(up, N2M_UP_FAIL_TRANSIENT);
}

/* What a prepare (at once or later) decided: connect, or wait and retry. */
static void after_prepare(struct n2m_upstream *up, enum n2m_upstream_prepare result,
			  const char *err)
{
	switch (result) {
	case N2M_PREPARE_OK:
		break;
	case N2M_PREPARE_AUTH_FAILED:
		n2m_up_set_error(up, err);
		schedule_next(up, N2M_UP_FAIL_AUTH);
		return;
	default:
		n2m_up_set_error(up, err);
		schedule_next(up, N2M_UP_FAIL_TRANSIENT);
		return;
	}
	n2m_log(up->log, N2M_LOG_INFO, "upstream.connecting", "address=%s port=%d tls=%s attempt=%u",
		up->address, up->port, up->use_tls ? "yes" : "no", up->attempt);
	lws_sul_schedule(up->lws, 0, &up->sul_handshake, on_handshake_timeout,
			 (lws_usec_t)up->connect_timeout_s * US_PER_S);
	if (up->own_client)
		n2m_up_own_open(up);
	else
		n2m_up_lws_open(up);
}

static void attempt_now(lws_sorted_usec_list_t *sul)
{
	struct n2m_upstream *up = lws_container_of(sul, struct n2m_upstream, sul_attempt);
	char err[256] = "";
	enum n2m_upstream_prepare result;

	if (up->shutting_down)
		return;
	if (up->counters.connects > 0 || up->attempt > 0)
		up->counters.reconnects++;
	up->attempt++;
	set_state(up, N2M_UP_CONNECTING);
	result = up->cb.prepare ? up->cb.prepare(up->cb_ctx, err, sizeof err) : N2M_PREPARE_OK;
	if (result == N2M_PREPARE_PENDING) {
		up->preparing = 1;
		return;
	}
	after_prepare(up, result, err);
}

static void on_prepared(lws_sorted_usec_list_t *sul)
{
	struct n2m_upstream *up = lws_container_of(sul, struct n2m_upstream, sul_prepared);

	if (!up->preparing || up->shutting_down)
		return;
	up->preparing = 0;
	after_prepare(up, up->prepared, up->prepare_error);
}

void n2m_upstream_prepared(struct n2m_upstream *up, enum n2m_upstream_prepare result,
			   const char *error)
{
	if (!up->preparing || up->shutting_down || result == N2M_PREPARE_PENDING)
		return;
	up->prepared = result;
	snprintf(up->prepare_error, sizeof up->prepare_error, "%s", error ? error : "");
	lws_sul_schedule(up->lws, 0, &up->sul_prepared, on_prepared, 0);
}

/* The socket is gone (error, close, kill): clean up, then retry. */
static void n2m_up_connection_ended(struct n2m_upstream *up, const char *reason)
{
	enum n2m_upstream_failure why = N2M_UP_FAIL_TRANSIENT;

	up->wsi = NULL;
	cancel_connection_timers(up);
	free_out_queue(up);
	atmo_decoder_reset(&up->decoder);
	up->rx_len = 0;
	up->rx_skipping = 0;
	up->rx_binary = 0;
	up->handshake_done = 0;
	up->close_requested = 0;
	if (up->shutting_down) {
		n2m_log(up->log, N2M_LOG_INFO, "upstream.closed", "reason=shutdown");
		up->state = N2M_UP_STOPPED;
		up->since = time(NULL);
		return;
	}
	if (up->failure_pending)
		why = up->pending_failure;
	else
		n2m_up_set_error(up, reason);
	up->failure_pending = 0;
	schedule_next(up, why);
}

void n2m_upstream_fail(struct n2m_upstream *up, enum n2m_upstream_failure why,
		       const char *error)
{
	n2m_up_set_error(up, error);
	if (up->shutting_down)
		return;
	if (!up->wsi) {
		/* A prepare under way is given up: its result is ignored. */
		up->preparing = 0;
		lws_sul_cancel(&up->sul_prepared);
		lws_sul_cancel(&up->sul_attempt);
		schedule_next(up, why);
		return;
	}
	up->failure_pending = 1;
	up->pending_failure = why;
	free_out_queue(up);
	if (why == N2M_UP_FAIL_TRANSIENT || !up->handshake_done) {
		kill_connection(up); /* the link is suspect: no close handshake */
	} else {
		up->close_requested = 1;
		lws_callback_on_writable(up->wsi);
	}
}

void n2m_upstream_shutdown(struct n2m_upstream *up)
{
	up->shutting_down = 1;
	up->preparing = 0;
	lws_sul_cancel(&up->sul_attempt);
	lws_sul_cancel(&up->sul_prepared);
	if (!up->wsi) {
		up->state = N2M_UP_STOPPED;
		return;
	}
	if (!up->handshake_done) {
		kill_connection(up);
		return;
	}
	up->close_requested = 1;
	lws_callback_on_writable(up->wsi);
}

/* ---------- sending ---------- */

int n2m_upstream_send(struct n2m_upstream *up, const char *text, size_t len)
{
	struct n2m_upstream_msg *m;

	if (!up->wsi || !up->handshake_done || up->close_requested)
		return -1;
	m = malloc(sizeof *m + LWS_PRE + len);
	if (!m)
		return -1;
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	if (up->out_tail)
		up->out_tail->next = m;
	else
		up->out_head = m;
	up->out_tail = m;
	lws_callback_on_writable(up->wsi);
	return 0;
}

/* ---------- receiving ---------- */

static void deliver_message(void *ctx, const char *msg, size_t len)
{
	struct n2m_upstream *up = ctx;

	if (atmo_is_heartbeat(msg, len, up->handshake.padding)) {
		up->counters.heartbeats_in++;
		return;
	}
	up->counters.messages_in++;
	if (up->cb.on_message)
		up->cb.on_message(up->cb_ctx, msg, len);
}

static void on_handshake_frame(struct n2m_upstream *up, const char *frame, size_t len)
{
	if (atmo_parse_handshake(frame, len, up->track_size, &up->handshake) != 0) {
		n2m_log(up->log, N2M_LOG_WARN, "upstream.no_handshake", "first_frame_bytes=%zu", len);
		n2m_upstream_fail(up, N2M_UP_FAIL_TRANSIENT,
				  "first frame is not an Atmosphere handshake");
		return;
	}
	if (!up->handshake.padding[0])
		strcpy(up->handshake.padding, "X");
	long advertised = up->handshake.client_heartbeat_ms;
	up->handshake.client_heartbeat_ms = atmo_heartbeat_clamp_ms(advertised);
	if (up->handshake.client_heartbeat_ms != advertised)
		n2m_log(up->log, N2M_LOG_WARN, "upstream.heartbeat_clamped",
			"advertised_ms=%ld used_ms=%ld reason=\"client heartbeat interval outside "
			"%ld..%ld ms\"", advertised, up->handshake.client_heartbeat_ms,
			ATMO_HEARTBEAT_MIN_MS, ATMO_HEARTBEAT_MAX_MS);
	up->handshake_done = 1;
	up->attempt = 0;
	up->counters.connects++;
	n2m_backoff_reset(&up->backoff);
	n2m_backoff_reset(&up->auth_backoff);
	lws_sul_cancel(&up->sul_handshake);
	feed_watchdog(up);
	if (up->handshake.client_heartbeat_ms > 0)
		lws_sul_schedule(up->lws, 0, &up->sul_heartbeat, on_heartbeat_due,
				 (lws_usec_t)up->handshake.client_heartbeat_ms * US_PER_MS);
	n2m_log(up->log, N2M_LOG_INFO, "upstream.connected", "heartbeat_ms=%ld track_size=%s",
		up->handshake.client_heartbeat_ms, up->track_size ? "yes" : "no");
	up->last_error[0] = '\0';
	set_state(up, N2M_UP_CONNECTED);
	if (up->cb.on_open)
		up->cb.on_open(up->cb_ctx);
}

/*
 * Buffers sized by the largest message so far are kept for the next one,
 * unless a big one passed: the first state_batch or readings_batch after a
 * subscribe carries every tracker (~1.5 KB each), and keeping room for it
 * cost as much RSS per tracker as a third of what the trackers themselves
 * hold (bench/README.md). Such messages come once per (re)subscription, so
 * growing again then is cheap. Freeing them and whatever the message's
 * handling freed (json-c trees of a whole batch on the slow path) leaves
 * glibc holding the pages unless asked to give them back: one heap walk
 * per big message.
 */
#define RX_KEEP_BYTES ((size_t)1 << 20)

static void release_spare_memory(struct n2m_upstream *up)
{
	int released = 0;

	if (up->rx_cap > RX_KEEP_BYTES) {
		free(up->rx);
		up->rx = NULL;
		up->rx_cap = 0;
		released = 1;
	}
	released |= atmo_decoder_release_spare(&up->decoder, RX_KEEP_BYTES);
	if (up->own_client)
		released |= n2m_up_own_release_spare(up, RX_KEEP_BYTES);
	if (released)
		malloc_trim(0);
}

static void on_complete_frame(struct n2m_upstream *up, const char *frame, size_t len)
{
	enum atmo_decode_result rc;

	up->counters.frames_in++;
	if (!up->handshake_done) {
		on_handshake_frame(up, frame, len);
		return;
	}
	rc = atmo_decoder_feed(&up->decoder, frame, len, deliver_message, up);
	if (rc == ATMO_DECODE_TOO_LARGE) {
		up->counters.oversized++;
		if (n2m_log_sampled(up->counters.oversized))
			n2m_log(up->log, N2M_LOG_WARN, "upstream.oversized",
				"reason=\"message above navixy.max_frame_bytes: skipped\" max_bytes=%zu count=%" PRIu64,
				up->max_message, up->counters.oversized);
	} else if (rc != ATMO_DECODE_OK) {
		up->counters.decode_errors++;
		n2m_log(up->log, N2M_LOG_WARN, "upstream.bad_frame", "reason=%s bytes=%zu",
			rc == ATMO_DECODE_BAD_LENGTH ? "bad_length_prefix" : "no_memory", len);
	}
}

/* ---------- for the transports ---------- */

static void n2m_up_alive(struct n2m_upstream *up)
{
	if (up->handshake_done)
		feed_watchdog(up);
}

static void n2m_up_text_message(struct n2m_upstream *up, const char *msg, size_t len)
{
	on_complete_frame(up, msg, len);
	release_spare_memory(up);
}

static void n2m_up_binary_message(struct n2m_upstream *up)
{
	up->counters.frames_in++;
	up->counters.binary++;
	if (n2m_log_sampled(up->counters.binary))
		n2m_log(up->log, N2M_LOG_WARN, "upstream.binary_frame",
			"reason=\"binary WebSocket message, expected text: skipped\" count=%" PRIu64,
			up->counters.binary);
}

static void n2m_up_oversized_message(struct n2m_upstream *up)
{
	up->counters.frames_in++;
	up->counters.oversized++;
	/* A length-prefixed stream lost its place: start clean. */
	atmo_decoder_reset(&up->decoder);
	if (n2m_log_sampled(up->counters.oversized))
		n2m_log(up->log, N2M_LOG_WARN, "upstream.oversized",
			"reason=\"message above navixy.max_frame_bytes: skipped\" max_bytes=%zu count=%" PRIu64,
			up->max_message, up->counters.oversized);
	release_spare_memory(up); /* it may have grown up to the limit first */
}

static struct n2m_upstream_msg *n2m_up_next_out(struct n2m_upstream *up)
{
	struct n2m_upstream_msg *m = up->out_head;

	if (m) {
		up->out_head = m->next;
		if (!up->out_head)
			up->out_tail = NULL;
	}
	return m;
}

static void n2m_up_connect_failed(struct n2m_upstream *up, const char *why)
{
	char msg[200];

	snprintf(msg, sizeof msg, "WebSocket to %s port %d: %s", up->address, up->port,
		 why ? why : "unknown error");
	n2m_log(up->log, N2M_LOG_WARN, "upstream.connect_failed", "host=%s port=%d error=\"%s\"",
		up->address, up->port, why ? why : "unknown");
	n2m_up_connection_ended(up, msg);
}

int n2m_upstream_lws_event(struct n2m_upstream *up, struct lws *wsi,
			   enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	if (up && up->own_client)
		return n2m_up_own_event(up, wsi, reason, user, in, len);
	return n2m_up_lws_event(up, wsi, reason, user, in, len);
}
