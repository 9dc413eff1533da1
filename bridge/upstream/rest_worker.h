/* SPDX-License-Identifier: MIT */
/*
 * rest_worker.h - the thread that makes the bridge's REST calls (user/auth,
 * tracker/list) so the event loop never waits for Navixy's REST API.
 *
 * Why a thread and not libcurl's multi interface on the lws loop: the
 * calls are rare (a connect, an unknown tracker, the periodic refresh),
 * one at a time, and a blocking curl_easy_perform on a thread of its own
 * is the simplest thing that cannot stall the loop, whatever curl does
 * inside (DNS, TLS, a 40 MB tracker list). Parsing that list happens on the
 * thread too, so the loop does not spend seconds in json-c either. The
 * results come back the way the MQTT connector's do (mqtt_client.h): a
 * mutex-protected slot and a wake call (lws_cancel_service in the bridge);
 * the loop takes the result on LWS_CALLBACK_EVENT_WAIT_CANCELLED and
 * applies it there, so the tracker table is only ever touched on the loop.
 *
 * One call at a time: the loop submits a job, the thread runs it and puts
 * the result in the slot, the loop takes it and may submit the next. The
 * curl easy handle (in rest) is used on the worker thread only once the
 * thread has started. n2m_rest_worker_stop sets the abort flag, which ends
 * a call in flight within a fraction of a second (curl's progress
 * callback), and joins the thread.
 */
#ifndef N2M_REST_WORKER_H
#define N2M_REST_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

#include "config.h"
#include "log.h"
#include "navixy_rest.h"
#include "rest_client.h"

enum n2m_rest_call {
	N2M_REST_CALL_AUTH = 0,   /* user/auth with the configured login */
	N2M_REST_CALL_LIST,       /* tracker/list with the job's hash */
};

/* What one call produced; owned by whoever holds it (free with
 * n2m_rest_result_free). */
struct n2m_rest_result {
	enum n2m_rest_call call;
	int transport_failed;          /* no answer (unreachable, timeout, too large): err says why */
	int timed_out;                 /* with transport_failed: a timeout */
	int aborted;                   /* with transport_failed: stopped by n2m_rest_worker_stop */
	enum nvx_rest_result parsed;   /* the answer, when !transport_failed */
	struct nvx_rest_error api;     /* parsed == NVX_REST_API_ERROR */
	char hash[NVX_HASH_LEN + 1];   /* auth, parsed == NVX_REST_OK; never logged */
	struct nvx_tracker_list list;  /* list, parsed == NVX_REST_OK */
	char err[256];
	double seconds;                /* how long the call took */
};

struct n2m_rest_worker {
	struct n2m_rest rest;          /* worker thread only, once started */
	char *login, *password;        /* copies; wiped at free */
	void (*wake)(void *ctx);       /* called (on the worker) when a result is ready */
	void *wake_ctx;
	atomic_int abort;              /* set by stop: ends a call in flight */

	/* Shared between the threads, guarded by lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int have_job;
	enum n2m_rest_call job_call;
	char job_hash[NVX_HASH_LEN + 1];
	int running;                   /* the thread is making a call */
	int have_result;
	struct n2m_rest_result result;
	int stopping;

	pthread_t thread;
	int started;
	int initialised;
};

/* Copies the settings and credentials and starts the thread. wake may be
 * NULL. Returns 0, or -1 with err. */
int n2m_rest_worker_start(struct n2m_rest_worker *w, const struct n2m_navixy_config *cfg,
			  struct n2m_log *log, void (*wake)(void *ctx), void *wake_ctx,
			  char *err, size_t errlen);

/* Hands the thread one call (hash is used by tracker/list). Returns 0, or
 * -1 while another call is queued, running or its result not yet taken,
 * or after stop. */
int n2m_rest_worker_submit(struct n2m_rest_worker *w, enum n2m_rest_call call,
			   const char *hash);

/* Moves a finished call's result into *out (1), or returns 0 when there
 * is none. */
int n2m_rest_worker_take(struct n2m_rest_worker *w, struct n2m_rest_result *out);

/* True while a call is queued, running or waiting to be taken. */
int n2m_rest_worker_busy(struct n2m_rest_worker *w);

/* Ends a call in flight (its result says aborted), stops and joins the
 * thread. Safe to call twice and on a worker that never started. */
void n2m_rest_worker_stop(struct n2m_rest_worker *w);

/* Stops if needed and frees everything, wiping the credentials. */
void n2m_rest_worker_free(struct n2m_rest_worker *w);

void n2m_rest_result_free(struct n2m_rest_result *r);

/* "user/auth" or "tracker/list". */
const char *n2m_rest_call_name(enum n2m_rest_call call);

#endif
