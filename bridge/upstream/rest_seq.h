/* SPDX-License-Identifier: MIT */
/*
 * rest_seq.h - which REST call comes next, without I/O: the little state
 * machine behind "get a hash and the tracker list" that the bridge runs one
 * call at a time on its REST worker (rest_worker.h).
 *
 * Before a WebSocket connect (N2M_SEQ_PREPARE): user/auth when a login is
 * configured and no session hash is kept, then tracker/list. A kept hash
 * that tracker/list calls dead (codes 3/4) gets one fresh user/auth and a
 * second tracker/list. A refresh while connected (N2M_SEQ_REFRESH) is
 * tracker/list alone: a dead hash there is a failure that the refresh's
 * retry (and the WebSocket's own logout handling) deals with.
 *
 * The caller feeds each call's outcome to n2m_rest_seq_next and makes the
 * call it returns, until it returns N2M_SEQ_STEP_DONE; then result says
 * how the whole sequence went.
 */
#ifndef N2M_REST_SEQ_H
#define N2M_REST_SEQ_H

enum n2m_seq_purpose {
	N2M_SEQ_PREPARE = 0,   /* before a WebSocket connect */
	N2M_SEQ_REFRESH,       /* tracker/list again while connected */
};

enum n2m_seq_step {
	N2M_SEQ_STEP_AUTH = 0, /* make user/auth */
	N2M_SEQ_STEP_LIST,     /* make tracker/list */
	N2M_SEQ_STEP_DONE,     /* finished: see result */
};

/* How one call went, as the caller judged the answer. */
enum n2m_seq_outcome {
	N2M_SEQ_CALL_OK = 0,
	N2M_SEQ_CALL_RETRY,        /* transport failure, timeout, malformed or refused list */
	N2M_SEQ_CALL_AUTH_FAILED,  /* user/auth refused the credentials */
	N2M_SEQ_CALL_SESSION_DEAD, /* tracker/list: the hash is unknown or ended */
};

/* How the whole sequence went. */
enum n2m_seq_result {
	N2M_SEQ_OK = 0,
	N2M_SEQ_RETRY,         /* try again after the normal back-off */
	N2M_SEQ_AUTH_FAILED,   /* credentials refused: the long back-off */
};

struct n2m_rest_seq {
	enum n2m_seq_purpose purpose;
	enum n2m_seq_step step;
	enum n2m_seq_result result;  /* valid once step is DONE */
	int uses_login;
	int reauthed;                /* the one fresh user/auth was made */
};

/* Starts a sequence; returns the first call to make. have_hash: a session
 * hash (or the API key) is there already. */
enum n2m_seq_step n2m_rest_seq_start(struct n2m_rest_seq *s, enum n2m_seq_purpose purpose,
				     int uses_login, int have_hash);

/* The outcome of the call s->step asked for; returns the next step. The
 * caller forgets its hash when the next step is AUTH after a list. */
enum n2m_seq_step n2m_rest_seq_next(struct n2m_rest_seq *s, enum n2m_seq_outcome outcome);

#endif
