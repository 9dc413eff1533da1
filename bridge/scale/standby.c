/* SPDX-License-Identifier: MIT */
/*
 * standby.c - hot standby's decision (standby.h).
 */
#include "standby.h"

#include <string.h>

enum n2m_peer_state n2m_peer_state_parse(const void *payload, size_t len)
{
	if (len == 0)
		return N2M_PEER_UNKNOWN;
	if (len == 6 && memcmp(payload, "online", 6) == 0)
		return N2M_PEER_ONLINE;
	if (len == 7 && memcmp(payload, "standby", 7) == 0)
		return N2M_PEER_STANDBY;
	/* "offline", or anything we do not know: not active, so not a
	 * reason to wait forever. */
	return N2M_PEER_OFFLINE;
}

void n2m_standby_init(struct n2m_standby *s, const char *self, const char *peer, int takeover_s,
		      time_t now)
{
	memset(s, 0, sizeof *s);
	s->takeover_s = takeover_s;
	s->yields = strcmp(self, peer) > 0;
	s->peer = N2M_PEER_UNKNOWN;
	s->since = now;
}

void n2m_standby_peer(struct n2m_standby *s, enum n2m_peer_state st, time_t now)
{
	if (st == s->peer)
		return;
	s->peer = st;
	s->since = now;
}

void n2m_standby_restart(struct n2m_standby *s, time_t now)
{
	s->peer = N2M_PEER_UNKNOWN;
	s->since = now;
}

int n2m_standby_should_take_over(const struct n2m_standby *s, time_t now)
{
	time_t waited = now - s->since;

	switch (s->peer) {
	case N2M_PEER_ONLINE:
		return 0;
	case N2M_PEER_STANDBY:
		return !s->yields && waited >= s->takeover_s;
	case N2M_PEER_UNKNOWN:
	case N2M_PEER_OFFLINE:
		break;
	}
	return waited >= (time_t)s->takeover_s * (s->yields ? 2 : 1);
}
