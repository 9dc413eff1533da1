/* SPDX-License-Identifier: MIT */
/*
 * sim_auth.h - the simulated account: login/password, session hashes
 * (created by user/auth, ended by logout) and never-expiring API key hashes.
 * Pure apart from the random seed given at init.
 */
#ifndef SIM_AUTH_H
#define SIM_AUTH_H

#include <stddef.h>
#include <stdint.h>

enum auth_kind { AUTH_NONE, AUTH_SESSION, AUTH_KEY };

struct sim_session {
	char hash[33];
	int active;
};

struct sim_auth {
	char *login, *password;
	struct sim_session *sessions;
	size_t n_sessions, cap_sessions;
	char (*keys)[33];
	size_t n_keys;
	uint32_t rng;
};

int auth_init(struct sim_auth *a, const char *login, const char *password, uint32_t seed);
void auth_free(struct sim_auth *a);
/* Adds an API key (32 hex, stored lower case). 0 or -1. */
int auth_add_key(struct sim_auth *a, const char *hash);
/* Checks credentials; on success creates a session and writes its hash. */
int auth_login(struct sim_auth *a, const char *login, const char *password, char out[33]);
/* Kind of a hash: a live session, an API key, or nothing (case-insensitive). */
enum auth_kind auth_check(const struct sim_auth *a, const char *hash);
/* Ends a session; 0 if it was live, -1 otherwise (API keys never end). */
int auth_logout(struct sim_auth *a, const char *hash);

#endif
