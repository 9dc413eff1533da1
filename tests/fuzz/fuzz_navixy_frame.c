/* SPDX-License-Identifier: MIT */
/*
 * fuzz_navixy_frame.c - libFuzzer target: any bytes parsed as a Navixy
 * frame must give a frame or an error message, never a crash or a leak, on
 * the json-c path, the fast path (raw items, text mapping) and the item
 * path of a small json-c budget (navixy_items.c). A
 * parsed frame is also pushed through the tracker table and the mapping,
 * the path every real frame takes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_exact.h"
#include "mapping.h"
#include "navixy_frame.h"
#include "navixy_frame_fast.h"
#include "tracker_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void map_items(struct nvx_frame *f, struct n2m_tracker_table *table,
		      const struct n2m_map_ctx *ctx, struct n2m_pub_list *out)
{
	char err[256];
	for (size_t i = 0; i < f->n_items; i++) {
		/* State items carry a source id; give it a tracker of its own. */
		struct n2m_tracker *tr = n2m_tracker_get_or_add(table, f->items[i].id, NULL);
		if (!tr)
			continue;
		const struct nvx_item *it = &f->items[i];
		switch (f->event) {
		case NVX_EVENT_STATE:
		case NVX_EVENT_STATE_BATCH:
			if (it->obj)
				n2m_map_state(ctx, tr, it->obj, out, err, sizeof(err));
			else
				n2m_map_state_text(ctx, tr, it->raw, it->raw_len, it->state, out, err,
						   sizeof(err));
			break;
		case NVX_EVENT_READINGS_BATCH:
			if (it->obj)
				n2m_map_readings(ctx, tr, it->obj, out, err, sizeof(err));
			else
				n2m_map_readings_text(ctx, tr, it->raw, it->raw_len, out, err,
						      sizeof(err));
			break;
		case NVX_EVENT_IOT_MONITOR:
			n2m_map_iot_monitor(ctx, tr, f->items[i].obj, out, err, sizeof(err));
			break;
		default:
			break;
		}
		n2m_map_resync(ctx, tr, out, err, sizeof(err));
		n2m_map_stale_refresh(ctx, tr, out, err, sizeof(err));
	}
	if (f->event == NVX_EVENT_LIFECYCLE) {
		struct n2m_tracker *tr = n2m_tracker_get_or_add(table, f->lifecycle.source_id, NULL);
		if (tr)
			n2m_map_lifecycle(ctx, tr, f->lifecycle.kind, f->lifecycle.name, out, err,
					  sizeof(err));
	}
}

/* One parse (0: json-c, 1: the fast path with its raw items, 2: bounded by
 * a small json-c budget, so bigger inputs take the item path) and the
 * mapping of what it gave. */
static void parse_and_map(const char *msg, size_t size, int how)
{
	struct nvx_frame f;
	char err[256];
	int rc = how == 2 ? nvx_frame_parse_bounded(msg, size, 4096, &f, err, sizeof(err))
		 : how == 1 ? nvx_frame_parse_fast(msg, size, &f, err, sizeof(err))
			    : nvx_frame_parse(msg, size, &f, err, sizeof(err));
	if (rc != 0) {
		/* The reason must be a terminated string. */
		if (strlen(err) >= sizeof(err))
			abort();
		return;
	}
	struct n2m_topics_config topics;
	memset(&topics, 0, sizeof(topics));
	topics.stale_after_s = 900;
	for (int c = 0; c < N2M_CLASS_COUNT; c++)
		topics.classes[c].retain = c != N2M_CLASS_IOT_MONITOR;
	struct n2m_map_ctx ctx = { .base_topic = "navixy", .topics = &topics, .now = 1760000000 };
	struct n2m_tracker_table table;
	struct n2m_pub_list out;
	n2m_pub_list_init(&out);
	if (n2m_tracker_table_init(&table, N2M_TOPIC_ID_LABEL) == 0) {
		map_items(&f, &table, &ctx, &out);
		n2m_tracker_table_free(&table);
	}
	n2m_pub_list_free(&out);
	nvx_frame_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly size bytes, no NUL after them: a read past the message is
	 * an ASan report. */
	char *msg = fuzz_exact_copy(data, size);
	if (!msg)
		return 0;
	parse_and_map(msg, size, 0);
	parse_and_map(msg, size, 1);
	parse_and_map(msg, size, 2);
	free(msg);
	return 0;
}
