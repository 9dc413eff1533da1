/* SPDX-License-Identifier: MIT */
/*
 * lws_isolate.c - the plugin's own libwebsockets, apart from the broker's.
 *
 * Debian's mosquitto binary carries a copy of libwebsockets built without
 * client support (no lws_client_connect_via_info) and exports its symbols.
 * A plugin linked against libwebsockets.so would have most of its lws calls
 * bound to that copy and a few to its own, and the shared library's
 * internal calls bound to the broker's copy too: two copies working on one
 * context (observed: an assertion in lws_close_reason at shutdown). So the
 * plugin is not linked with libwebsockets; n2m_lws_isolate_open loads
 * libwebsockets.so with RTLD_DEEPBIND (its own symbols first) and the
 * functions below, local to the plugin (exports.map), forward the core's
 * lws calls to that copy. The table of function pointers is file-scope
 * state because the core calls lws_* by name, as with any library.
 *
 * The sanitizer runtime refuses RTLD_DEEPBIND through its dlopen
 * interceptor; the ASan build calls libc's dlopen directly and loads the
 * same way (libwebsockets then allocates through libc's malloc, which is
 * consistent: it frees only what it allocated).
 */
#define _GNU_SOURCE /* RTLD_DEEPBIND, RTLD_NOLOAD */
#include "lws_isolate.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <libwebsockets.h>

#define LWS_SONAME "libwebsockets.so.17"

/* X(return type, name, parameters, arguments) for every lws function the
 * core calls; the compiler checks each against libwebsockets.h. */
#define LWS_FUNCTIONS(X) \
	X(unsigned char *, lws_SHA1, (const unsigned char *d, size_t n, unsigned char *md), (d, n, md)) \
	X(struct lws *, lws_adopt_descriptor_vhost, (struct lws_vhost *vh, lws_adoption_type type, \
	  lws_sock_file_fd_type fd, const char *vh_prot_name, struct lws *parent), \
	  (vh, type, fd, vh_prot_name, parent)) \
	X(int, lws_b64_encode_string, (const char *in, int in_len, char *out, int out_size), \
	  (in, in_len, out, out_size)) \
	X(int, lws_callback_http_dummy, (struct lws *wsi, enum lws_callback_reasons reason, \
	  void *user, void *in, size_t len), (wsi, reason, user, in, len)) \
	X(int, lws_callback_on_writable, (struct lws *wsi), (wsi)) \
	X(struct lws *, lws_client_connect_via_info, (const struct lws_client_connect_info *i), (i)) \
	X(struct lws_context *, lws_create_context, (const struct lws_context_creation_info *info), \
	  (info)) \
	X(struct lws_vhost *, lws_create_vhost, (struct lws_context *context, \
	  const struct lws_context_creation_info *info), (context, info)) \
	X(int, lws_frame_is_binary, (struct lws *wsi), (wsi)) \
	X(struct lws_context *, lws_get_context, (const struct lws *wsi), (wsi)) \
	X(lws_sockfd_type, lws_get_socket_fd, (struct lws *wsi), (wsi)) \
	X(struct lws_vhost *, lws_get_vhost, (struct lws *wsi), (wsi)) \
	X(int, lws_is_final_fragment, (struct lws *wsi), (wsi)) \
	X(int, lws_parse_uri, (char *p, const char **prot, const char **ads, int *port, \
	  const char **path), (p, prot, ads, port, path)) \
	X(int, lws_partial_buffered, (struct lws *wsi), (wsi)) \
	X(size_t, lws_remaining_packet_payload, (struct lws *wsi), (wsi)) \
	X(int, lws_rx_flow_control, (struct lws *wsi, int enable), (wsi, enable)) \
	X(int, lws_service, (struct lws_context *context, int timeout_ms), (context, timeout_ms)) \
	X(int, lws_service_adjust_timeout, (struct lws_context *context, int timeout_ms, int tsi), \
	  (context, timeout_ms, tsi)) \
	X(int, lws_write, (struct lws *wsi, unsigned char *buf, size_t len, \
	  enum lws_write_protocol protocol), (wsi, buf, len, protocol)) \
	X(int, lwsl_visible, (int level), (level)) \
	X(void *, lws_context_user, (struct lws_context *context), (context)) \
	X(void *, lws_vhost_user, (struct lws_vhost *vhost), (vhost))

#define LWS_VOID_FUNCTIONS(X) \
	X(lws_cancel_service, (struct lws_context *context), (context)) \
	X(lws_close_reason, (struct lws *wsi, enum lws_close_status status, unsigned char *buf, \
	  size_t len), (wsi, status, buf, len)) \
	X(lws_context_destroy, (struct lws_context *context), (context)) \
	X(lws_set_log_level, (int level, void (*log_emit_function)(int level, const char *line)), \
	  (level, log_emit_function)) \
	X(lws_set_timeout, (struct lws *wsi, enum pending_timeout reason, int secs), \
	  (wsi, reason, secs)) \
	X(lws_set_timer_usecs, (struct lws *wsi, lws_usec_t usecs), (wsi, usecs)) \
	X(lws_sul_cancel, (lws_sorted_usec_list_t *sul), (sul)) \
	X(lws_sul_schedule, (struct lws_context *ctx, int tsi, lws_sorted_usec_list_t *sul, \
	  sul_cb_t _cb, lws_usec_t _us), (ctx, tsi, sul, _cb, _us)) \
	X(lws_vhost_destroy, (struct lws_vhost *vh), (vh))

#define FIELD(ret, name, params, args) ret(*name) params;
#define VOID_FIELD(name, params, args) void(*name) params;
static struct {
	LWS_FUNCTIONS(FIELD)
	LWS_VOID_FUNCTIONS(VOID_FIELD)
} real;

#define FORWARD(ret, name, params, args) ret name params { return real.name args; }
#define VOID_FORWARD(name, params, args) void name params { real.name args; }
LWS_FUNCTIONS(FORWARD)
LWS_VOID_FUNCTIONS(VOID_FORWARD)

typedef void *(*dlopen_fn)(const char *file, int mode);

static void *open_own_copy(void)
{
	dlopen_fn open = dlopen;
#ifdef N2M_SANITIZE
	/* libc's own dlopen, not the sanitizer's interceptor of that name. */
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *own = libc ? dlsym(libc, "dlopen") : NULL;
	if (own)
		memcpy(&open, &own, sizeof open);
#endif
	return open(LWS_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
}

/* Looks name up in lib into *slot (a function pointer's storage). */
static int resolve(void *lib, const char *name, void *slot, size_t size, char *err, size_t errlen)
{
	void *sym = dlsym(lib, name);

	if (!sym) {
		snprintf(err, errlen, "%s has no %s", LWS_SONAME, name);
		return -1;
	}
	memcpy(slot, &sym, size);
	return 0;
}

int n2m_lws_isolate_open(char *err, size_t errlen)
{
	void *lib = open_own_copy();

	if (!lib) {
		snprintf(err, errlen, "cannot load %s: %s", LWS_SONAME, dlerror());
		return -1;
	}
#define RESOLVE(ret, name, params, args) \
	if (resolve(lib, #name, &real.name, sizeof real.name, err, errlen) != 0) \
		return -1;
#define VOID_RESOLVE(name, params, args) RESOLVE(void, name, params, args)
	LWS_FUNCTIONS(RESOLVE)
	LWS_VOID_FUNCTIONS(VOID_RESOLVE)
	return 0;
}
