/* SPDX-License-Identifier: MIT */
/*
 * sim_rest.c - the REST side under the prefix: user/auth, user/logout,
 * tracker/list, with parameters from a JSON body, a form body or the query
 * string, and the hash also from "Authorization: NVX <hash>".
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct params {
	json_object *json;
	struct sim_query form;
	const struct sim_query *query;
	char auth_hash[64];
};

static const char *param(const struct params *p, const char *key)
{
	json_object *v;
	if (p->json && json_object_object_get_ex(p->json, key, &v) &&
	    !json_object_is_type(v, json_type_null) && !json_object_is_type(v, json_type_object) &&
	    !json_object_is_type(v, json_type_array))
		return json_object_get_string(v);
	const char *s = query_get(&p->form, key);
	if (s)
		return s;
	return query_get(p->query, key);
}

static int rest_error(struct lws *wsi, struct sim_pss *pss, int code)
{
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_printf(&b, "{\"success\":false,\"status\":{\"code\":%d,\"description\":", code);
	sbuf_json_str(&b, sim_error_text(code));
	sbuf_puts(&b, "}}");
	int rc = http_respond(wsi, pss, 400, sbuf_data(&b), b.len, NULL, NULL);
	sbuf_free(&b);
	return rc ? -1 : 1;
}

static int respond_buf(struct lws *wsi, struct sim_pss *pss, struct sbuf *b)
{
	if (b->oom) {
		sbuf_free(b);
		return rest_error(wsi, pss, 6);
	}
	int rc = http_respond(wsi, pss, 200, sbuf_data(b), b->len, NULL, NULL);
	sbuf_free(b);
	return rc ? -1 : 1;
}

/* Returns 0 with a valid hash, else the error code (3 / 4). */
static int check_hash(struct sim *s, const struct params *p, const char **hash)
{
	const char *h = param(p, "hash");
	if (!h && p->auth_hash[0])
		h = p->auth_hash;
	if (!h || !sim_hash_wellformed(h))
		return 3;
	if (auth_check(&s->auth, h) == AUTH_NONE)
		return 4;
	*hash = h;
	return 0;
}

static int do_auth(struct sim *s, struct lws *wsi, struct sim_pss *pss, const struct params *p)
{
	const char *login = param(p, "login"), *password = param(p, "password");
	if (!login || !password)
		return rest_error(wsi, pss, 7);
	char hash[33];
	if (auth_login(&s->auth, login, password, hash))
		return rest_error(wsi, pss, 102);
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_printf(&b, "{\"success\":true,\"type\":\"authenticated\",\"hash\":\"%s\"}", hash);
	sim_log(s, LOG_INFO, "user/auth: new session");
	return respond_buf(wsi, pss, &b);
}

static int do_logout(struct sim *s, struct lws *wsi, struct sim_pss *pss, const struct params *p)
{
	const char *hash;
	int code = check_hash(s, p, &hash);
	if (code)
		return rest_error(wsi, pss, code);
	if (auth_check(&s->auth, hash) == AUTH_SESSION)
		engine_logout(s, hash);
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_puts(&b, "{\"success\":true}");
	return respond_buf(wsi, pss, &b);
}

static int do_list(struct sim *s, struct lws *wsi, struct sim_pss *pss, const struct params *p)
{
	const char *hash;
	int code = check_hash(s, p, &hash);
	if (code)
		return rest_error(wsi, pss, code);
	struct sbuf b;
	sbuf_init(&b, 0);
	sbuf_puts(&b, "{\"success\":true,\"list\":[");
	for (size_t i = 0; i < s->fleet.n; i++) {
		if (!fleet_live(&s->fleet, i))
			continue;
		const struct sim_tracker *t = &s->fleet.t[i];
		sbuf_printf(&b, "{\"id\":%u,\"label\":", fleet_id(i));
		sbuf_json_str(&b, t->label);
		sbuf_printf(&b, ",\"clone\":false,\"group_id\":%u,\"source\":{\"id\":%u,"
			       "\"device_id\":\"%015u\",\"model\":\"telfmb920\",\"blocked\":%s,"
			       "\"tariff_id\":1001,\"status_listing_id\":null,"
			       "\"creation_date\":\"2021-03-01\",\"tariff_end_date\":\"2030-01-01\","
			       "\"phone\":\"%011u\"},\"tag_bindings\":[]},",
			    (unsigned)(i % 5), t->source_id, 350000000u + (unsigned)i,
			    (t->flags & TF_BLOCKED) ? "true" : "false", 70000000u + (unsigned)i);
	}
	sbuf_trim_comma(&b);
	sbuf_puts(&b, "]}");
	return respond_buf(wsi, pss, &b);
}

/* Parses the parameters and answers user/auth (0), user/logout (1) or
 * tracker/list (2). */
static int rest_answer(struct sim *s, struct lws *wsi, struct sim_pss *pss, int which,
		       const struct sim_query *q, const char *body, size_t body_len)
{
	struct params p;
	memset(&p, 0, sizeof(p));
	p.query = q;
	size_t i = 0;
	while (i < body_len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i < body_len && body[i] == '{') {
		json_tokener *tok = json_tokener_new();
		if (tok) {
			p.json = json_tokener_parse_ex(tok, body, (int)body_len);
			json_tokener_free(tok);
		}
		if (!p.json || !json_object_is_type(p.json, json_type_object)) {
			json_object_put(p.json);
			return rest_error(wsi, pss, 5);
		}
	} else if (body_len) {
		query_parse(&p.form, body, body_len);
	}
	char authz[128];
	if (lws_hdr_copy(wsi, authz, sizeof(authz), WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
	    !strncmp(authz, "NVX ", 4)) {
		/* A longer value is cut; it cannot be a 32-hex hash either way. */
		size_t n = strnlen(authz + 4, sizeof(p.auth_hash) - 1);
		memcpy(p.auth_hash, authz + 4, n);
		p.auth_hash[n] = '\0';
	}

	int rc;
	if (which == 0)
		rc = do_auth(s, wsi, pss, &p);
	else if (which == 1)
		rc = do_logout(s, wsi, pss, &p);
	else
		rc = do_list(s, wsi, pss, &p);
	json_object_put(p.json);
	query_free(&p.form);
	return rc;
}

int rest_handle(struct sim *s, struct lws *wsi, struct sim_pss *pss, const char *path,
		const struct sim_query *q, const char *body, size_t body_len)
{
	size_t pl = strlen(s->o.prefix);
	if (strncmp(path, s->o.prefix, pl))
		return 0;
	const char *rest = path + pl;

	/* legacy atmosphere.js close notice on the WebSocket path */
	if (!strncmp(rest, "/event/subscription", 19) &&
	    (!rest[19] || !strcmp(rest + 19, "/"))) {
		const char *t = query_get(q, "X-Atmosphere-Transport");
		if (t && !strcmp(t, "close"))
			return http_respond(wsi, pss, 200, "{}", 2, NULL, NULL) ? -1 : 1;
		return http_respond(wsi, pss, 400, "{}", 2, "X-Atmosphere-error:",
				    "Websocket protocol not supported") ? -1 : 1;
	}

	int which;
	if (!strcmp(rest, "/user/auth"))
		which = 0;
	else if (!strcmp(rest, "/user/logout"))
		which = 1;
	else if (!strcmp(rest, "/tracker/list"))
		which = 2;
	else
		return 0;

	/* slow REST fault: every answer from here on (errors too) is held */
	pss->http.hold_ms = pss->http.delay_ms;
	int rc = rest_answer(s, wsi, pss, which, q, body, body_len);
	if (pss->http.hold == HOLD_WAITING) {
		s->st.rest_delayed++;
		sim_log(s, LOG_DEBUG, "%s: answer held for %ld ms", rest, pss->http.hold_ms);
	}
	return rc;
}
