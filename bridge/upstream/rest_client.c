/* SPDX-License-Identifier: MIT */
/*
 * rest_client.c - libcurl POSTs of JSON bodies to the Navixy REST API
 * (see rest_client.h).
 */
#include "rest_client.h"
#include "secret.h"

#include "url_userinfo.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* 100,000 trackers in tracker/list is roughly 40 MB of JSON. */
#define REST_MAX_BODY ((size_t)256 << 20)

struct body_sink {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	int overflow;
};

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body_sink *sink = userdata;
	size_t n = size * nmemb;

	if (sink->len + n + 1 > sink->max) {
		sink->overflow = 1;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (sink->len + n + 1 > sink->cap) {
		size_t cap = sink->cap ? sink->cap : 4096;
		while (cap < sink->len + n + 1)
			cap *= 2;
		char *grown = realloc(sink->data, cap);
		if (!grown)
			return 0;
		sink->data = grown;
		sink->cap = cap;
	}
	memcpy(sink->data + sink->len, ptr, n);
	sink->len += n;
	sink->data[sink->len] = '\0';
	return n;
}

static char *strdup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

int n2m_rest_init(struct n2m_rest *rest, const struct n2m_navixy_config *cfg,
		  struct n2m_log *log)
{
	memset(rest, 0, sizeof *rest);
	rest->curl = curl_easy_init();
	if (!rest->curl)
		return -1;
	rest->api_url = strdup(cfg->api_url ? cfg->api_url : "");
	if (!rest->api_url) {
		n2m_rest_free(rest);
		return -1;
	}
	size_t n = strlen(rest->api_url);
	while (n > 0 && rest->api_url[n - 1] == '/')
		rest->api_url[--n] = '\0';
	rest->connect_timeout_s = cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 10;
	rest->timeout_s = cfg->rest_timeout_s > 0 ? cfg->rest_timeout_s : 60;
	if (rest->connect_timeout_s > rest->timeout_s)
		rest->connect_timeout_s = rest->timeout_s;
	rest->tls_verify = cfg->tls_verify;
	rest->ca_file = strdup_or_null(cfg->ca_file);
	rest->max_body = REST_MAX_BODY;
	rest->log = log;
	return 0;
}

void n2m_rest_free(struct n2m_rest *rest)
{
	if (rest->curl)
		curl_easy_cleanup(rest->curl);
	free(rest->api_url);
	free(rest->ca_file);
	memset(rest, 0, sizeof *rest);
}

void n2m_rest_response_free(struct n2m_rest_response *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof *resp);
}

/* curl calls this several times a second while a transfer runs (also
 * while it waits for a silent server): a set abort flag ends the call. */
static int xfer_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
			 curl_off_t ultotal, curl_off_t ulnow)
{
	const atomic_int *abort_flag = clientp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return abort_flag && atomic_load(abort_flag) ? 1 : 0;
}

static void set_request_options(struct n2m_rest *rest, CURL *curl, const char *url,
				const char *json_body, struct curl_slist *headers,
				struct body_sink *sink)
{
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, rest->connect_timeout_s);
	/* The whole call may take longer than the connect (a big tracker
	 * list), but not forever: a stalled server costs one rest_timeout_s. */
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, rest->timeout_s);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, xfer_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)rest->abort_flag);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "navixy2mqtt/" N2M_VERSION);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, rest->tls_verify ? 1L : 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, rest->tls_verify ? 2L : 0L);
	if (rest->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, rest->ca_file);
}

int n2m_rest_post(struct n2m_rest *rest, const char *path, const char *json_body,
		  struct n2m_rest_response *out, char *err, size_t errlen)
{
	struct body_sink sink = { .max = rest->max_body };
	struct curl_slist *headers = NULL;
	char url[2048];
	CURLcode rc;

	memset(out, 0, sizeof *out);
	if ((size_t)snprintf(url, sizeof url, "%s/%s", rest->api_url, path) >= sizeof url) {
		snprintf(err, errlen, "REST URL too long");
		return -1;
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/json");
	curl_easy_reset(rest->curl);
	set_request_options(rest, rest->curl, url, json_body, headers, &sink);
	char curl_detail[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(rest->curl, CURLOPT_ERRORBUFFER, curl_detail);
	rc = curl_easy_perform(rest->curl);
	curl_easy_setopt(rest->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_getinfo(rest->curl, CURLINFO_RESPONSE_CODE, &out->http_status);
	curl_easy_getinfo(rest->curl, CURLINFO_TOTAL_TIME, &out->seconds);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		out->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		out->aborted = rc == CURLE_ABORTED_BY_CALLBACK;
		/* Name the server: "POST https://api.example/v2/tracker/list: ...". */
		char shown[2100];
		n2m_redact_url(url, shown, sizeof shown);
		if (sink.overflow)
			snprintf(err, errlen, "POST %s: answer larger than %zu bytes", shown, sink.max);
		else
			snprintf(err, errlen, "POST %s: %s", shown,
				 curl_detail[0] ? curl_detail : curl_easy_strerror(rc));
		free(sink.data);
		return -1;
	}
	out->body = sink.data ? sink.data : strdup("");
	out->len = sink.len;
	if (!out->body) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n2m_log(rest->log, N2M_LOG_DEBUG, "rest.call", "path=%s http=%ld bytes=%zu ms=%.1f",
		path, out->http_status, out->len, out->seconds * 1000.0);
	return 0;
}

/* Builds a JSON object body from key/value string pairs; json-c does the
 * escaping. Returns a malloc'd string or NULL. */
static char *json_body(const char *const *pairs, size_t n_pairs)
{
	struct json_object *obj = json_object_new_object();
	char *text;

	if (!obj)
		return NULL;
	for (size_t i = 0; i + 1 < n_pairs * 2; i += 2)
		json_object_object_add(obj, pairs[i], json_object_new_string(pairs[i + 1]));
	text = strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	return text;
}

int n2m_rest_user_auth(struct n2m_rest *rest, const char *login, const char *password,
		       struct n2m_rest_response *out, char *err, size_t errlen)
{
	const char *pairs[] = { "login", login ? login : "", "password", password ? password : "" };
	char *body = json_body(pairs, 2);
	int rc;

	if (!body) {
		snprintf(err, errlen, "user/auth: out of memory");
		return -1;
	}
	rc = n2m_rest_post(rest, "user/auth", body, out, err, errlen);
	n2m_secret_free(body); /* it held a secret */
	return rc;
}

int n2m_rest_tracker_list(struct n2m_rest *rest, const char *hash,
			  struct n2m_rest_response *out, char *err, size_t errlen)
{
	const char *pairs[] = { "hash", hash ? hash : "" };
	char *body = json_body(pairs, 1);
	int rc;

	if (!body) {
		snprintf(err, errlen, "tracker/list: out of memory");
		return -1;
	}
	rc = n2m_rest_post(rest, "tracker/list", body, out, err, errlen);
	n2m_secret_free(body); /* it held a secret */
	return rc;
}
