/* SPDX-License-Identifier: MIT */
/*
 * test_rest_worker.c - the REST worker thread (rest_worker.h) against a
 * tiny HTTP server on loopback run by the test: a result is handed back
 * with a wake call and parsed on the worker, one call at a time, a silent
 * server costs navixy.rest_timeout_s and no more, a refused connection is
 * a transport failure, and stop ends a call in flight instead of waiting
 * for its timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rest_worker.h"

#define HASH "0123456789abcdef0123456789abcdef"

/* ---------- a one-connection HTTP server ---------- */

struct server {
	int listener;
	int port;
	const char *answer;      /* full HTTP response, or NULL: never answer */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int accepted;
	int release;             /* a silent server may close now */
};

static void *serve(void *arg)
{
	struct server *s = arg;
	char buf[4096];
	int fd = accept(s->listener, NULL, NULL);

	pthread_mutex_lock(&s->lock);
	s->accepted = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (fd < 0)
		return NULL;
	/* The request: headers and a small JSON body; one read is enough on
	 * loopback for what curl sends here. */
	if (read(fd, buf, sizeof buf) > 0 && s->answer) {
		size_t len = strlen(s->answer);
		if (write(fd, s->answer, len) != (ssize_t)len)
			fail_msg("short write");
	} else {
		pthread_mutex_lock(&s->lock);
		while (!s->release)
			pthread_cond_wait(&s->cond, &s->lock);
		pthread_mutex_unlock(&s->lock);
	}
	close(fd);
	return NULL;
}

static void server_start(struct server *s, const char *answer)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof addr;

	memset(s, 0, sizeof *s);
	s->answer = answer;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->listener >= 0);
	assert_int_equal(bind(s->listener, (struct sockaddr *)&addr, sizeof addr), 0);
	assert_int_equal(listen(s->listener, 4), 0);
	assert_int_equal(getsockname(s->listener, (struct sockaddr *)&addr, &alen), 0);
	s->port = ntohs(addr.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_wait_accepted(struct server *s)
{
	pthread_mutex_lock(&s->lock);
	while (!s->accepted)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

static void server_stop(struct server *s)
{
	pthread_mutex_lock(&s->lock);
	s->release = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	shutdown(s->listener, SHUT_RDWR); /* wakes an accept that got nobody */
	pthread_join(s->thread, NULL);
	close(s->listener);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
}

/* ---------- the worker's wake-ups ---------- */

struct waker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int wakes;
};

static struct waker waker = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

static void wake(void *ctx)
{
	struct waker *w = ctx;
	pthread_mutex_lock(&w->lock);
	w->wakes++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* Waits for the next wake-up (the test's own timeout is ctest's). */
static void wait_wake(int *seen)
{
	pthread_mutex_lock(&waker.lock);
	while (waker.wakes == *seen)
		pthread_cond_wait(&waker.cond, &waker.lock);
	*seen = waker.wakes;
	pthread_mutex_unlock(&waker.lock);
}

static int wakes_now(void)
{
	pthread_mutex_lock(&waker.lock);
	int n = waker.wakes;
	pthread_mutex_unlock(&waker.lock);
	return n;
}

static struct n2m_log test_log;

static void start_worker(struct n2m_rest_worker *w, int port, int rest_timeout_s)
{
	char url[64], err[200];
	struct n2m_navixy_config cfg;

	memset(&cfg, 0, sizeof cfg);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	cfg.api_url = url;
	cfg.login = "demo@example.com";
	cfg.password = "demo";
	cfg.ca_file = "";
	cfg.connect_timeout_s = 5;
	cfg.rest_timeout_s = rest_timeout_s;
	if (n2m_rest_worker_start(w, &cfg, &test_log, wake, &waker, err, sizeof err) != 0)
		fail_msg("%s", err);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define AUTH_BODY "{\"success\":true,\"type\":\"authenticated\",\"hash\":\"" HASH "\"}"

/* ---------- tests ---------- */

static void result_is_handed_back_parsed_with_a_wake(void **state)
{
	struct server s;
	struct n2m_rest_worker w;
	struct n2m_rest_result r;
	int seen = wakes_now();
	char answer[512];
	(void)state;

	snprintf(answer, sizeof answer, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(AUTH_BODY), AUTH_BODY);
	server_start(&s, answer);
	start_worker(&w, s.port, 10);
	assert_int_equal(n2m_rest_worker_take(&w, &r), 0);
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_AUTH, NULL), 0);
	assert_true(n2m_rest_worker_busy(&w));
	/* one call at a time: a second one waits until the result is taken */
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_LIST, HASH), -1);
	wait_wake(&seen);
	assert_true(n2m_rest_worker_busy(&w)); /* the result is still there */
	assert_int_equal(n2m_rest_worker_take(&w, &r), 1);
	assert_false(n2m_rest_worker_busy(&w));
	assert_int_equal(r.call, N2M_REST_CALL_AUTH);
	assert_false(r.transport_failed);
	assert_int_equal(r.parsed, NVX_REST_OK);
	assert_string_equal(r.hash, HASH);
	n2m_rest_result_free(&r);
	assert_int_equal(n2m_rest_worker_take(&w, &r), 0);
	n2m_rest_worker_free(&w);
	server_stop(&s);
}

static void malformed_answer_is_reported_not_fatal(void **state)
{
	struct server s;
	struct n2m_rest_worker w;
	struct n2m_rest_result r;
	int seen = wakes_now();
	(void)state;

	server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot json!");
	start_worker(&w, s.port, 10);
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_LIST, HASH), 0);
	wait_wake(&seen);
	assert_int_equal(n2m_rest_worker_take(&w, &r), 1);
	assert_false(r.transport_failed);
	assert_int_equal(r.parsed, NVX_REST_MALFORMED);
	assert_true(r.err[0] != '\0');
	assert_int_equal(r.list.n, 0);
	n2m_rest_result_free(&r);
	n2m_rest_worker_free(&w);
	server_stop(&s);
}

static void silent_server_times_out_after_rest_timeout(void **state)
{
	struct server s;
	struct n2m_rest_worker w;
	struct n2m_rest_result r;
	int seen = wakes_now();
	(void)state;

	server_start(&s, NULL);
	start_worker(&w, s.port, 1);
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_LIST, HASH), 0);
	wait_wake(&seen);
	assert_int_equal(n2m_rest_worker_take(&w, &r), 1);
	assert_true(r.transport_failed);
	assert_true(r.timed_out);
	assert_false(r.aborted);
	assert_non_null(strstr(r.err, "tracker/list"));
	assert_true(r.seconds >= 0.9);
	n2m_rest_result_free(&r);
	/* the worker takes the next call */
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_AUTH, NULL), 0);
	n2m_rest_worker_free(&w);
	server_stop(&s);
}

static void refused_connection_is_a_transport_failure(void **state)
{
	struct server s;
	struct n2m_rest_worker w;
	struct n2m_rest_result r;
	int seen = wakes_now();
	(void)state;

	server_start(&s, NULL);
	int port = s.port;
	server_stop(&s); /* nothing listens there now */
	start_worker(&w, port, 10);
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_AUTH, NULL), 0);
	wait_wake(&seen);
	assert_int_equal(n2m_rest_worker_take(&w, &r), 1);
	assert_true(r.transport_failed);
	assert_false(r.timed_out);
	assert_non_null(strstr(r.err, "user/auth"));
	n2m_rest_result_free(&r);
	n2m_rest_worker_free(&w);
}

static void stop_ends_a_call_in_flight(void **state)
{
	struct server s;
	struct n2m_rest_worker w;
	(void)state;

	server_start(&s, NULL);
	start_worker(&w, s.port, 300); /* the call alone would take five minutes */
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_LIST, HASH), 0);
	server_wait_accepted(&s);
	double t0 = now_s();
	n2m_rest_worker_stop(&w);
	double took = now_s() - t0;
	/* curl's progress callback runs several times a second: well under
	 * the 300 s the timeout would take, whatever the machine's load. */
	if (took > 30)
		fail_msg("stop took %.1f s", took);
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_AUTH, NULL), -1);
	n2m_rest_worker_stop(&w); /* twice is fine */
	n2m_rest_worker_free(&w);
	server_stop(&s);
}

static void never_started_worker_is_harmless(void **state)
{
	struct n2m_rest_worker w;
	struct n2m_rest_result r;
	(void)state;

	memset(&w, 0, sizeof w);
	assert_int_equal(n2m_rest_worker_submit(&w, N2M_REST_CALL_AUTH, NULL), -1);
	assert_int_equal(n2m_rest_worker_take(&w, &r), 0);
	assert_false(n2m_rest_worker_busy(&w));
	n2m_rest_worker_stop(&w);
	n2m_rest_worker_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(result_is_handed_back_parsed_with_a_wake),
		cmocka_unit_test(malformed_answer_is_reported_not_fatal),
		cmocka_unit_test(silent_server_times_out_after_rest_timeout),
		cmocka_unit_test(refused_connection_is_a_transport_failure),
		cmocka_unit_test(stop_ends_a_call_in_flight),
		cmocka_unit_test(never_started_worker_is_harmless),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	n2m_log_open(&test_log, N2M_LOG_ERROR, 0, "test_rest_worker");
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	n2m_log_close(&test_log);
	curl_global_cleanup();
	return rc;
}
