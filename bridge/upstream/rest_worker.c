/* SPDX-License-Identifier: MIT */
/*
 * rest_worker.c - the REST calls' own thread and its one-slot hand-back to
 * the event loop (see rest_worker.h).
 */
#include "rest_worker.h"

#include "secret.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *n2m_rest_call_name(enum n2m_rest_call call)
{
	return call == N2M_REST_CALL_AUTH ? "user/auth" : "tracker/list";
}

void n2m_rest_result_free(struct n2m_rest_result *r)
{
	nvx_tracker_list_free(&r->list);
	n2m_secret_wipe(r, sizeof *r); /* r->hash is a session hash */
}

/* Fills r from an answer's body (parsing a big tracker list takes a while:
 * better here than on the loop). */
static void parse_answer(struct n2m_rest_result *r, const struct n2m_rest_response *resp)
{
	if (r->call == N2M_REST_CALL_AUTH)
		r->parsed = nvx_rest_parse_auth(resp->body, resp->len, r->hash, &r->api, r->err,
						sizeof r->err);
	else
		r->parsed = nvx_rest_parse_tracker_list(resp->body, resp->len, &r->list, &r->api,
							r->err, sizeof r->err);
}

/* One call, on the worker thread. */
static void perform(struct n2m_rest_worker *w, enum n2m_rest_call call, const char *hash,
		    struct n2m_rest_result *r)
{
	struct n2m_rest_response resp = { 0 };
	int rc;

	memset(r, 0, sizeof *r);
	r->call = call;
	if (call == N2M_REST_CALL_AUTH)
		rc = n2m_rest_user_auth(&w->rest, w->login, w->password, &resp, r->err, sizeof r->err);
	else
		rc = n2m_rest_tracker_list(&w->rest, hash, &resp, r->err, sizeof r->err);
	r->seconds = resp.seconds;
	if (rc != 0) {
		r->transport_failed = 1;
		r->timed_out = resp.timed_out;
		r->aborted = resp.aborted;
		return;
	}
	parse_answer(r, &resp);
	if (call == N2M_REST_CALL_AUTH)
		n2m_secret_wipe(resp.body, resp.len); /* it carries the session hash */
	n2m_rest_response_free(&resp);
}

static void *worker_main(void *arg)
{
	struct n2m_rest_worker *w = arg;
	struct n2m_rest_result r;
	char hash[NVX_HASH_LEN + 1];

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (!w->stopping && !w->have_job)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stopping) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		enum n2m_rest_call call = w->job_call;
		memcpy(hash, w->job_hash, sizeof hash);
		w->have_job = 0;
		w->running = 1;
		pthread_mutex_unlock(&w->lock);

		perform(w, call, hash, &r);
		n2m_secret_wipe(hash, sizeof hash);

		pthread_mutex_lock(&w->lock);
		w->result = r;
		w->have_result = 1;
		w->running = 0;
		pthread_mutex_unlock(&w->lock);
		if (w->wake)
			w->wake(w->wake_ctx);
	}
	return NULL;
}

static int copy_credentials(struct n2m_rest_worker *w, const struct n2m_navixy_config *cfg)
{
	w->login = strdup(cfg->login ? cfg->login : "");
	w->password = strdup(cfg->password ? cfg->password : "");
	return w->login && w->password ? 0 : -1;
}

static int start_thread(struct n2m_rest_worker *w)
{
	/* The daemon's signals go to the loop thread, not this one. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	w->started = 1;
	return 0;
}

int n2m_rest_worker_start(struct n2m_rest_worker *w, const struct n2m_navixy_config *cfg,
			  struct n2m_log *log, void (*wake)(void *ctx), void *wake_ctx,
			  char *err, size_t errlen)
{
	memset(w, 0, sizeof *w);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->initialised = 1;
	w->wake = wake;
	w->wake_ctx = wake_ctx;
	atomic_init(&w->abort, 0);
	if (n2m_rest_init(&w->rest, cfg, log) != 0) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	w->rest.abort_flag = &w->abort;
	if (copy_credentials(w, cfg) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (start_thread(w) != 0) {
		snprintf(err, errlen, "cannot start the REST worker thread");
		return -1;
	}
	return 0;
}

int n2m_rest_worker_submit(struct n2m_rest_worker *w, enum n2m_rest_call call,
			   const char *hash)
{
	int rc = -1;

	if (!w->started)
		return -1;
	pthread_mutex_lock(&w->lock);
	if (!w->stopping && !w->have_job && !w->running && !w->have_result) {
		w->job_call = call;
		snprintf(w->job_hash, sizeof w->job_hash, "%s", hash ? hash : "");
		w->have_job = 1;
		pthread_cond_signal(&w->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int n2m_rest_worker_take(struct n2m_rest_worker *w, struct n2m_rest_result *out)
{
	int took = 0;

	if (!w->initialised)
		return 0;
	pthread_mutex_lock(&w->lock);
	if (w->have_result) {
		*out = w->result;
		memset(&w->result, 0, sizeof w->result);
		w->have_result = 0;
		took = 1;
	}
	pthread_mutex_unlock(&w->lock);
	return took;
}

int n2m_rest_worker_busy(struct n2m_rest_worker *w)
{
	int busy;

	if (!w->initialised)
		return 0;
	pthread_mutex_lock(&w->lock);
	busy = w->have_job || w->running || w->have_result;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

void n2m_rest_worker_stop(struct n2m_rest_worker *w)
{
	if (!w->started)
		return;
	atomic_store(&w->abort, 1);
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = 0;
}

void n2m_rest_worker_free(struct n2m_rest_worker *w)
{
	if (!w->initialised)
		return;
	n2m_rest_worker_stop(w);
	n2m_rest_result_free(&w->result);
	n2m_rest_free(&w->rest);
	n2m_secret_free(w->login);
	n2m_secret_free(w->password);
	n2m_secret_wipe(w->job_hash, sizeof w->job_hash);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	memset(w, 0, sizeof *w);
}
