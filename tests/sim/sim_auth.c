/* SPDX-License-Identifier: MIT */
/*
 * sim_auth.c - sessions and API keys (see sim_auth.h).
 */
#include "sim_auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_fleet.h"
#include "sim_request.h"

int auth_init(struct sim_auth *a, const char *login, const char *password, uint32_t seed)
{
	memset(a, 0, sizeof(*a));
	a->login = strdup(login);
	a->password = strdup(password);
	a->rng = seed ? seed : 1;
	return a->login && a->password ? 0 : -1;
}

void auth_free(struct sim_auth *a)
{
	free(a->login);
	free(a->password);
	free(a->sessions);
	free(a->keys);
	memset(a, 0, sizeof(*a));
}

int auth_add_key(struct sim_auth *a, const char *hash)
{
	if (!sim_hash_wellformed(hash))
		return -1;
	char (*n)[33] = realloc(a->keys, (a->n_keys + 1) * sizeof(*n));
	if (!n)
		return -1;
	a->keys = n;
	for (int i = 0; i < 33; i++)
		a->keys[a->n_keys][i] = (char)((hash[i] >= 'A' && hash[i] <= 'F') ? hash[i] + 32 : hash[i]);
	a->n_keys++;
	return 0;
}

int auth_login(struct sim_auth *a, const char *login, const char *password, char out[33])
{
	if (!login || !password || strcmp(login, a->login) || strcmp(password, a->password))
		return -1;
	if (a->n_sessions == a->cap_sessions) {
		size_t n = a->cap_sessions ? a->cap_sessions * 2 : 8;
		struct sim_session *ns = realloc(a->sessions, n * sizeof(*ns));
		if (!ns)
			return -1;
		a->sessions = ns;
		a->cap_sessions = n;
	}
	static const char hex[] = "0123456789abcdef";
	struct sim_session *s = &a->sessions[a->n_sessions];
	do {
		for (int i = 0; i < 32; i += 8) {
			uint32_t r = sim_rand(&a->rng);
			for (int k = 0; k < 8; k++)
				s->hash[i + k] = hex[(r >> (4 * k)) & 15];
		}
		s->hash[32] = '\0';
	} while (auth_check(a, s->hash) != AUTH_NONE);
	s->active = 1;
	a->n_sessions++;
	memcpy(out, s->hash, 33);
	return 0;
}

enum auth_kind auth_check(const struct sim_auth *a, const char *hash)
{
	if (!sim_hash_wellformed(hash))
		return AUTH_NONE;
	for (size_t i = 0; i < a->n_keys; i++)
		if (!strcasecmp(a->keys[i], hash))
			return AUTH_KEY;
	for (size_t i = 0; i < a->n_sessions; i++)
		if (a->sessions[i].active && !strcasecmp(a->sessions[i].hash, hash))
			return AUTH_SESSION;
	return AUTH_NONE;
}

int auth_logout(struct sim_auth *a, const char *hash)
{
	for (size_t i = 0; i < a->n_sessions; i++)
		if (a->sessions[i].active && !strcasecmp(a->sessions[i].hash, hash)) {
			a->sessions[i].active = 0;
			return 0;
		}
	return -1;
}
