/* SPDX-License-Identifier: MIT */
/*
 * navixy_rest.h - pure parsing of Navixy REST responses (user/auth,
 * tracker/list) and building of their JSON request bodies. No I/O: the
 * caller does the HTTP with libcurl and hands the body in.
 */
#ifndef N2M_NAVIXY_REST_H
#define N2M_NAVIXY_REST_H

#include <stddef.h>
#include <stdint.h>

#define NVX_HASH_LEN 32

/* An API-level failure: {"success":false,"status":{"code":102,
 * "description":"Wrong login or password"}}. */
struct nvx_rest_error {
	int code;
	char description[256];
};

struct nvx_tracker_info {
	int64_t id;          /* tracker id (used in topics, requests, readings) */
	int64_t source_id;   /* source.id (used in state and lifecycle events); 0 if absent */
	char *label;         /* never NULL ("" if absent) */
	int blocked;         /* source.blocked */
	char *model;         /* source.model, never NULL */
	char *device_id;     /* source.device_id, never NULL */
};

struct nvx_tracker_list {
	struct nvx_tracker_info *items;
	size_t n;
	size_t n_bad;        /* list entries skipped (no numeric id, not an object) */
	char first_bad[160]; /* why the first skipped entry was skipped */
	int invalid_utf8;    /* the body was not UTF-8: bad bytes became U+FFFD */
};

/* Return values of the parsers. */
enum nvx_rest_result {
	NVX_REST_OK = 0,
	NVX_REST_API_ERROR = 1,   /* success:false; *api_error filled */
	NVX_REST_MALFORMED = -1,  /* not the expected JSON; err says why */
};

/* True if s is exactly 32 hexadecimal characters. */
int nvx_hash_valid(const char *s);

/* user/auth. On OK, hash_out gets the 32-hex hash (NUL-terminated). A
 * "second_factor_required" answer is MALFORMED with a clear message (the
 * bridge cannot do 2FA; use an API key). */
enum nvx_rest_result nvx_rest_parse_auth(const char *body, size_t len,
					 char hash_out[NVX_HASH_LEN + 1],
					 struct nvx_rest_error *api_error,
					 char *err, size_t errlen);

/* tracker/list. On OK, *out holds the trackers (free with
 * nvx_tracker_list_free); bad entries are skipped and counted. Every string
 * in it is valid UTF-8: invalid bytes in the body are replaced by U+FFFD
 * (out->invalid_utf8 says so). Descriptions and reasons (api_error, err)
 * are cut on a character boundary. */
enum nvx_rest_result nvx_rest_parse_tracker_list(const char *body, size_t len,
						 struct nvx_tracker_list *out,
						 struct nvx_rest_error *api_error,
						 char *err, size_t errlen);

void nvx_tracker_list_free(struct nvx_tracker_list *list);

/* Request bodies (malloc'd, NUL-terminated, JSON-escaped); NULL on no memory.
 * {"login":"...","password":"..."} and {"hash":"..."}. */
char *nvx_rest_auth_body(const char *login, const char *password);
char *nvx_rest_hash_body(const char *hash);

#endif
