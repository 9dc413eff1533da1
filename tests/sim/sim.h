/* SPDX-License-Identifier: MIT */
/*
 * sim.h - the simulator's shared state: options, the fleet, the account,
 * the connection list and counters, all hanging off one struct sim that is
 * passed explicitly. Also the interfaces between the I/O files (sim_ws.c,
 * sim_http.c, sim_rest.c, sim_admin.c, sim_main.c) and the engine.
 */
#ifndef SIM_H
#define SIM_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_auth.h"
#include "sim_buf.h"
#include "sim_fleet.h"
#include "sim_json.h"
#include "sim_subs.h"

/* Headroom in front of every outbound message: lws's LWS_PRE plus room for
 * an Atmosphere length prefix. */
#define SIM_HEADROOM (LWS_PRE + 24)
#define SIM_TICK_MS 10
#define SIM_WRITE_CHUNK 65536
#define SIM_MAX_HASHES 4

enum sim_log { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct sim_opts {
	char host[64];
	int port;
	char port_file[512];
	char prefix[128];
	size_t trackers;
	uint32_t seed;
	double rate;
	unsigned readings_every;
	long heartbeat_ms;
	long client_heartbeat_ms;
	char login[128], password[128];
	int tz_offset;
	int docs_strict;
	size_t max_frame;
	int min_framework;    /* major*100+minor*10+patch, Atmosphere style */
	double load;
	int stamp;
	int log_level;
	char api_keys[16][33];
	int n_api_keys;
};

struct sim_stats {
	uint64_t connections;  /* current */
	uint64_t frames_sent, state_items_sent, readings_items_sent, heartbeats_sent;
	uint64_t messages_received, errors_sent, load_updates_sent;
	uint64_t rest_delayed;  /* REST answers held back by /admin/rest_delay */
};

/* One outbound WebSocket message, possibly written in several fragments. */
struct sim_msg {
	struct sim_msg *next;
	char *mem;            /* allocation */
	size_t start, len;    /* message bytes: mem + start .. + len (LWS_PRE before start) */
	size_t off;           /* bytes already written */
	int binary;
	int heartbeat;
};

struct sim;

struct sim_conn {
	struct sim_conn *prev, *next;
	struct sim *sim;
	struct lws *wsi;
	int track_size;
	int protocol;         /* X-atmo-protocol=true */
	char uuid[40];
	struct sim_msg *qhead, *qtail;
	size_t qbytes;
	int64_t last_write_ms;
	struct sim_subs subs;
	char hashes[SIM_MAX_HASHES][33];
	int n_hashes;
	int iso;
	char *rx;
	size_t rx_len, rx_cap;
	int rx_too_large;
	int rx_binary;
	int dropping;
};

/* A REST answer held back by /admin/rest_delay (slow REST fault). */
enum sim_hold { HOLD_NONE, HOLD_WAITING, HOLD_DUE };

/* HTTP request state of one connection. */
struct sim_http {
	char uri[512];
	int post;
	int ws_reject;        /* status to answer for a refused upgrade */
	struct sbuf body;
	char *resp;           /* whole response body */
	size_t resp_len, resp_off;
	int started;
	/* slow REST: delay_ms is the fault's value when the request arrived;
	 * a REST handler sets hold_ms before answering, and http_respond then
	 * keeps the rendered answer (status, header, body in resp) and arms the
	 * wsi's timer; LWS_CALLBACK_TIMER makes it due, HTTP_WRITEABLE sends it */
	long delay_ms;
	long hold_ms;
	enum sim_hold hold;
	int status;
	char extra_name[64], extra_value[128];
};

struct sim_pss {
	int is_ws;
	struct sim_conn conn;
	struct sim_http http;
};

struct sim {
	struct sim_opts o;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	lws_sorted_usec_list_t sul;
	struct sim_fleet fleet;
	struct sim_auth auth;
	struct sim_stats st;
	struct sim_conn *conns;
	uint32_t rng;
	double rate_acc, load_acc;
	int64_t stall_until_ms;   /* 0 none, -1 until resume */
	long rest_delay_ms;       /* slow REST fault: 0 off */
	int64_t last_tick_ms;
	size_t load_cursor;
};

/* logging */
void sim_log(const struct sim *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* sim_engine.c */
int sim_stalled(struct sim *s);
void engine_tick(struct sim *s);
void engine_change(struct sim *s, size_t idx, int ch);
void engine_on_message(struct sim_conn *c, const char *msg, size_t len);
void engine_error(struct sim_conn *c, const char *action, int code, const char *data);
void engine_block(struct sim *s, size_t idx, int blocked);
void engine_remove(struct sim *s, size_t idx);
/* Ends a session hash (NULL: every session): logout events, then code 4. */
int engine_logout(struct sim *s, const char *hash);
void engine_fmt(const struct sim *s, const struct sim_conn *c, struct sim_fmt *fmt);

/* sim_ws.c */
void conn_init(struct sim *s, struct sim_conn *c, struct lws *wsi);
void conn_close(struct sim_conn *c);
/* Queues b's data as one message (adds the length prefix when negotiated
 * or forced); takes ownership of the buffer. */
void conn_send(struct sim_conn *c, struct sbuf *b, int binary, int force_prefix);
void conn_send_str(struct sim_conn *c, const char *s);
int conn_writeable(struct sim_conn *c);
int conn_receive(struct sim_conn *c, const void *in, size_t len);
void conn_drop(struct sim_conn *c);
int ws_filter(struct sim *s, struct lws *wsi, struct sim_pss *pss);
void ws_established(struct sim *s, struct lws *wsi, struct sim_pss *pss);

/* sim_http.c */
struct sim_query {
	char *keys[32];
	char *vals[32];
	int n;
};
void query_parse(struct sim_query *q, const char *s, size_t len);
void query_from_uri_args(struct sim_query *q, struct lws *wsi);
const char *query_get(const struct sim_query *q, const char *key);
void query_free(struct sim_query *q);
int http_begin(struct sim *s, struct lws *wsi, struct sim_pss *pss, const char *uri);
int http_body(struct sim_pss *pss, const void *in, size_t len);
int http_complete(struct sim *s, struct lws *wsi, struct sim_pss *pss);
int http_writeable(struct lws *wsi, struct sim_pss *pss);
/* LWS_CALLBACK_TIMER: a held REST answer is due. */
int http_timer(struct lws *wsi, struct sim_pss *pss);
/* Frees the request's buffers; with wsi, also cancels a held answer's timer. */
void http_free(struct lws *wsi, struct sim_pss *pss);
/* Queues a response: headers now, body in HTTP_WRITEABLE. extra_header may be NULL.
 * With pss->http.hold_ms > 0 the whole answer is held that long instead
 * (headers and body both go out from HTTP_WRITEABLE once the timer fires). */
int http_respond(struct lws *wsi, struct sim_pss *pss, int status, const char *body,
		 size_t len, const char *extra_name, const char *extra_value);

/* sim_rest.c: REST under the prefix. Returns 1 if handled. */
int rest_handle(struct sim *s, struct lws *wsi, struct sim_pss *pss, const char *path,
		const struct sim_query *q, const char *body, size_t body_len);
/* sim_admin.c: /admin/... Returns 1 if handled. */
#define SIM_REST_DELAY_MAX_MS 600000L
int admin_handle(struct sim *s, struct lws *wsi, struct sim_pss *pss, const char *path,
		 const struct sim_query *q, const char *body, size_t body_len);

/* sim_opts.c */
int sim_parse_opts(struct sim_opts *o, int argc, char **argv);
int sim_parse_version(const char *v);

#endif
