/* SPDX-License-Identifier: MIT */
/*
 * rest_client.h - the Navixy REST calls the bridge makes (user/auth and
 * tracker/list), over libcurl, without interpreting the answers.
 *
 * Requests are POSTed as JSON to <navixy.api_url>/<resource>/<action> with
 * navixy.connect_timeout_s for the connect, navixy.rest_timeout_s for the
 * whole call, and TLS verification on unless the config turns it off
 * (navixy.ca_file adds a CA bundle). The calls block: the bridge makes them
 * on its REST worker thread (rest_worker.h), never on the event loop, and
 * can cut one short from another thread through the abort flag. Parsing the answer
 * is navixy_rest.h's job. Nothing here logs a hash or a password: the log
 * lines name the call, the HTTP status and the time it took.
 *
 * curl_global_init() must have been called once before n2m_rest_init().
 */
#ifndef N2M_REST_CLIENT_H
#define N2M_REST_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>

#include "config.h"
#include "log.h"

struct n2m_rest {
	void *curl;           /* CURL *, reused so connections are kept alive */
	char *api_url;        /* without a trailing '/' */
	long connect_timeout_s;
	long timeout_s;       /* the whole call */
	const atomic_int *abort_flag; /* or NULL; non-zero ends a call early */
	int tls_verify;
	char *ca_file;        /* or NULL */
	size_t max_body;      /* a longer answer is an error */
	struct n2m_log *log;
};

struct n2m_rest_response {
	long http_status;
	char *body;           /* NUL-terminated */
	size_t len;
	double seconds;
	int timed_out;        /* set on failure: navixy.rest_timeout_s or the connect timeout */
	int aborted;          /* set on failure: the abort flag ended it */
};

int n2m_rest_init(struct n2m_rest *rest, const struct n2m_navixy_config *cfg,
		  struct n2m_log *log);
void n2m_rest_free(struct n2m_rest *rest);

/* POSTs json_body to <api_url>/<path>. Returns 0 when the server answered
 * (whatever the HTTP status; Navixy errors are HTTP 400 with a JSON body),
 * or -1 on a transport failure (DNS, connect, TLS, timeout, oversized
 * answer) with a message in err. */
int n2m_rest_post(struct n2m_rest *rest, const char *path, const char *json_body,
		  struct n2m_rest_response *out, char *err, size_t errlen);

/* user/auth with {"login","password"}. */
int n2m_rest_user_auth(struct n2m_rest *rest, const char *login, const char *password,
		       struct n2m_rest_response *out, char *err, size_t errlen);

/* tracker/list with {"hash"}. */
int n2m_rest_tracker_list(struct n2m_rest *rest, const char *hash,
			  struct n2m_rest_response *out, char *err, size_t errlen);

void n2m_rest_response_free(struct n2m_rest_response *resp);

#endif
