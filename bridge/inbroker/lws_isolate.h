/* SPDX-License-Identifier: MIT */
/*
 * lws_isolate.h - loads the plugin's own libwebsockets apart from the copy
 * inside the broker (lws_isolate.c says why).
 */
#ifndef N2M_LWS_ISOLATE_H
#define N2M_LWS_ISOLATE_H

#include <stddef.h>

/* Before any lws call. 0, or -1 with err. Never unloaded. */
int n2m_lws_isolate_open(char *err, size_t errlen);

#endif
