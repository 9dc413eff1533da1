/* SPDX-License-Identifier: MIT */
/*
 * fuzz_control_request.c - libFuzzer target: any bytes as a control
 * request must give a request or an error message naming a field, never a
 * crash or a leak. The first byte picks the command (the topic's last
 * level, including an unknown one); the rest is the payload. A parsed
 * subscribe/unsubscribe is also applied to a desired set, and both
 * response shapes are rendered, the paths bridge_control takes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "control_apply.h"
#include "control_request.h"
#include "fuzz_exact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const commands[] = { "subscribe", "unsubscribe", "list", "resync", "health",
					"reboot" };

static int known_even(void *ctx, int64_t id)
{
	(void)ctx;
	return id % 2 == 0;
}

static void apply(const struct n2m_ctl_request *req)
{
	struct n2m_sub_set set;
	struct n2m_sub up;
	char err[512];
	int changed = 0;

	memset(&up, 0, sizeof up);
	n2m_sub_set_default(&set);
	n2m_ctl_check_ids(req, &set, known_even, NULL, err, sizeof err);
	if (req->command == N2M_CTL_SUBSCRIBE)
		n2m_ctl_apply_subscribe(&set, req, &changed, &up, err, sizeof err);
	else
		n2m_ctl_apply_unsubscribe(&set, req, &changed, err, sizeof err);
	free(up.ids);
	json_object_put(n2m_ctl_trackers_json(&req->sub));
	n2m_sub_set_free(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct n2m_ctl_limits limits = { .max_request_bytes = 4096, .max_ids = 64 };
	struct n2m_ctl_request req;
	char err[512];

	if (size == 0)
		return 0;
	const char *command = commands[data[0] % (sizeof commands / sizeof commands[0])];
	char *payload = fuzz_exact_copy(data + 1, size - 1);
	if (!payload)
		return 0;
	int rc = n2m_ctl_request_parse(command, payload, size - 1, &limits, &req, err, sizeof err);
	free(payload);
	char *text;
	if (rc == 0) {
		if (req.command == N2M_CTL_SUBSCRIBE || req.command == N2M_CTL_UNSUBSCRIBE)
			apply(&req);
		text = n2m_ctl_response_ok(json_object_new_object(), req.transaction, NULL);
	} else {
		/* Every error names a field: "<field>: <reason>". */
		if (!memchr(err, '\0', sizeof err) || !strstr(err, ": "))
			abort();
		text = n2m_ctl_response_error(err, req.transaction, NULL);
	}
	free(text);
	n2m_ctl_request_free(&req);
	return 0;
}
