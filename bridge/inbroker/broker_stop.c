/* SPDX-License-Identifier: MIT */
/*
 * broker_stop.c - the broker's `run` flag and internal queue function,
 * found by name (see broker_stop.h for why and what happens without them).
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include "broker_stop.h"

#include <dlfcn.h>
#include <string.h>

int n2m_broker_stop_init(struct n2m_broker_stop *s)
{
	void *fn;

	memset(s, 0, sizeof *s);
	s->run = dlsym(RTLD_DEFAULT, "run");
	fn = dlsym(RTLD_DEFAULT, "db__messages_easy_queue");
	/* POSIX guarantees a function pointer survives dlsym's void *. */
	memcpy(&s->queue, &fn, sizeof s->queue);
	return s->run && s->queue ? 0 : -1;
}

int n2m_broker_stopping(const struct n2m_broker_stop *s)
{
	return s->run && *s->run == 0;
}
