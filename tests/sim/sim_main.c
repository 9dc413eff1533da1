/* SPDX-License-Identifier: MIT */
/*
 * sim_main.c - navixy-sim entry point: options, the lws context listening
 * on loopback, the protocol callback that routes to the HTTP / WebSocket
 * files, the 10 ms tick timer, and SIGTERM / SIGINT handling.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"
#include "sim_time.h"

static volatile sig_atomic_t g_stop; /* the only global: set by the signal handler */

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static struct sim *sim_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct sim_pss *pss = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return http_begin(sim_of(wsi), wsi, pss, in ? (const char *)in : "/") ? -1 : 0;
	case LWS_CALLBACK_HTTP_BODY:
		return http_body(pss, in, len) ? -1 : 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return http_complete(sim_of(wsi), wsi, pss) ? -1 : 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_writeable(wsi, pss) ? -1 : 0;
	case LWS_CALLBACK_TIMER:
		return http_timer(wsi, pss) ? -1 : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		/* also cancels the timer of an answer held by the slow-REST fault */
		if (pss)
			http_free(wsi, pss);
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return ws_filter(sim_of(wsi), wsi, pss) ? -1 : 0;
	case LWS_CALLBACK_ESTABLISHED:
		if (pss)
			http_free(wsi, pss);
		ws_established(sim_of(wsi), wsi, pss);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return conn_receive(&pss->conn, in, len) ? -1 : 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return conn_writeable(&pss->conn) ? -1 : 0;
	case LWS_CALLBACK_CLOSED:
		if (pss && pss->is_ws) {
			sim_log(sim_of(wsi), LOG_INFO, "websocket %s closed", pss->conn.uuid);
			conn_close(&pss->conn);
			pss->is_ws = 0;
		}
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct sim *s = lws_container_of(sul, struct sim, sul);
	engine_tick(s);
	lws_sul_schedule(s->ctx, 0, &s->sul, tick, SIM_TICK_MS * LWS_US_PER_MS);
}

static int write_port_file(const char *path, int port)
{
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

static uint32_t random_seed(void)
{
	uint32_t v = 0;
	int fd = open("/dev/urandom", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			v = 0;
		close(fd);
	}
	return v ^ (uint32_t)sim_wall_us() ^ ((uint32_t)getpid() << 16);
}

int main(int argc, char **argv)
{
	struct sim *s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	int rc = sim_parse_opts(&s->o, argc, argv);
	if (rc) {
		free(s);
		return rc > 0 ? 0 : 2;
	}
	uint32_t rnd = random_seed();
	s->rng = rnd ? rnd : 1;
	if (fleet_init(&s->fleet, s->o.trackers, s->o.seed, sim_wall_s()) ||
	    auth_init(&s->auth, s->o.login, s->o.password, sim_seed_mix(rnd, 77))) {
		fprintf(stderr, "navixy-sim: out of memory building the fleet\n");
		return 1;
	}
	for (int i = 0; i < s->o.n_api_keys; i++)
		auth_add_key(&s->auth, s->o.api_keys[i]);

	lws_set_log_level(s->o.log_level >= LOG_DEBUG ? LLL_ERR | LLL_WARN | LLL_NOTICE : LLL_ERR,
			  NULL);

	static const struct lws_protocols protocols[] = {
		{ "navixy", callback, sizeof(struct sim_pss), 4096, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = s->o.port;
	info.iface = s->o.host;
	info.protocols = protocols;
	info.user = s;
	info.options = 0;
	if (strcmp(s->o.host, "::1"))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.timeout_secs = 30;
	info.ka_time = 0;
	info.max_http_header_data = 4096;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s->ctx = lws_create_context(&info);
	if (!s->ctx) {
		fprintf(stderr, "navixy-sim: cannot listen on %s:%d\n", s->o.host, s->o.port);
		return 1;
	}
	s->vhost = lws_get_vhost_by_name(s->ctx, "default");
	int port = s->vhost ? lws_get_vhost_listen_port(s->vhost) : s->o.port;
	if (s->o.port_file[0] && write_port_file(s->o.port_file, port)) {
		fprintf(stderr, "navixy-sim: cannot write %s\n", s->o.port_file);
		lws_context_destroy(s->ctx);
		return 1;
	}
	printf("navixy-sim listening on %s:%d\n", s->o.host, port);
	fflush(stdout);
	sim_log(s, LOG_INFO, "%zu trackers, seed %u, rate %g/s, load %g/s", s->fleet.n, s->o.seed,
		s->o.rate, s->o.load);

	s->last_tick_ms = sim_mono_ms();
	lws_sul_schedule(s->ctx, 0, &s->sul, tick, SIM_TICK_MS * LWS_US_PER_MS);
	while (!g_stop)
		if (lws_service(s->ctx, 0) < 0)
			break;

	/* a second SIGTERM during shutdown (e.g. while LeakSanitizer runs its
	 * exit-time ptrace pass in sanitizer builds) must not disturb it */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sim_log(s, LOG_INFO, "stopping");
	lws_context_destroy(s->ctx);
	fleet_free(&s->fleet);
	auth_free(&s->auth);
	free(s);
	return 0;
}
