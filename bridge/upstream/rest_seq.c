/* SPDX-License-Identifier: MIT */
/*
 * rest_seq.c - the order of the bridge's REST calls (see rest_seq.h).
 */
#include "rest_seq.h"

#include <string.h>

static enum n2m_seq_step finish(struct n2m_rest_seq *s, enum n2m_seq_result result)
{
	s->result = result;
	s->step = N2M_SEQ_STEP_DONE;
	return s->step;
}

enum n2m_seq_step n2m_rest_seq_start(struct n2m_rest_seq *s, enum n2m_seq_purpose purpose,
				     int uses_login, int have_hash)
{
	memset(s, 0, sizeof *s);
	s->purpose = purpose;
	s->uses_login = uses_login;
	s->result = N2M_SEQ_RETRY;
	/* A refresh only makes sense with a hash; without one it is the
	 * next connect's job. */
	if (purpose == N2M_SEQ_REFRESH && !have_hash)
		return finish(s, N2M_SEQ_RETRY);
	s->step = uses_login && !have_hash ? N2M_SEQ_STEP_AUTH : N2M_SEQ_STEP_LIST;
	return s->step;
}

static enum n2m_seq_step after_auth(struct n2m_rest_seq *s, enum n2m_seq_outcome outcome)
{
	switch (outcome) {
	case N2M_SEQ_CALL_OK:
		s->step = N2M_SEQ_STEP_LIST;
		return s->step;
	case N2M_SEQ_CALL_AUTH_FAILED:
		return finish(s, N2M_SEQ_AUTH_FAILED);
	default:
		return finish(s, N2M_SEQ_RETRY);
	}
}

static enum n2m_seq_step after_list(struct n2m_rest_seq *s, enum n2m_seq_outcome outcome)
{
	switch (outcome) {
	case N2M_SEQ_CALL_OK:
		return finish(s, N2M_SEQ_OK);
	case N2M_SEQ_CALL_SESSION_DEAD:
		/* A kept session hash expired: one fresh login, then the list
		 * again. An API key (or a hash just issued) that is refused
		 * means the credentials are wrong. */
		if (s->purpose == N2M_SEQ_PREPARE && s->uses_login && !s->reauthed) {
			s->reauthed = 1;
			s->step = N2M_SEQ_STEP_AUTH;
			return s->step;
		}
		return finish(s, s->purpose == N2M_SEQ_PREPARE ? N2M_SEQ_AUTH_FAILED : N2M_SEQ_RETRY);
	default:
		return finish(s, N2M_SEQ_RETRY);
	}
}

enum n2m_seq_step n2m_rest_seq_next(struct n2m_rest_seq *s, enum n2m_seq_outcome outcome)
{
	switch (s->step) {
	case N2M_SEQ_STEP_AUTH:
		return after_auth(s, outcome);
	case N2M_SEQ_STEP_LIST:
		return after_list(s, outcome);
	default:
		return s->step;
	}
}
