/* SPDX-License-Identifier: MIT */
/*
 * hotpath.c - feeds simulator-rendered frames through the functions
 * bridge_navixy.c uses (frame parse, tracker lookup, mapping, confirm), with
 * no sockets and no MQTT, so callgrind can count the bridge's own cost per
 * update reproducibly.
 *
 *   n2m-hotpath [--trackers N] [--ticks T] [--per-tick K] [--mode old|new|check]
 *
 * Frames are rendered first (a full state_batch snapshot, then per tick a
 * state_batch of K changed trackers and their readings_batch deltas), then
 * processed by process_frames(), which is what to count:
 *   valgrind --tool=callgrind --toggle-collect=process_frames n2m-hotpath
 * "old" forces the json-c frame parser, "new" the bridge's own choice
 * (nvx_frame_parse_fast); "check" runs both on separate tables and compares
 * every publication byte for byte.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hash64.h"
#include "mapping.h"
#include "navixy_frame.h"
#include "navixy_frame_fast.h"
#include "tracker_table.h"

#include "sim_buf.h"
#include "sim_fleet.h"
#include "sim_json.h"

#define NOW 1760000000

struct frame {
	char *text;
	size_t len;
};

struct frames {
	struct frame *f;
	size_t n, cap;
};

/* What one run produced: counts and a digest of every publication. */
struct outcome {
	uint64_t pubs, updates, errors, digest;
};

static void push_frame(struct frames *fs, struct sbuf *b)
{
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 64;
		fs->f = realloc(fs->f, fs->cap * sizeof(*fs->f));
		if (!fs->f)
			abort();
	}
	struct frame *fr = &fs->f[fs->n++];
	fr->len = b->len;
	fr->text = malloc(b->len + 1);
	if (!fr->text)
		abort();
	memcpy(fr->text, sbuf_data(b), b->len);
	fr->text[b->len] = '\0';
}

static void render_frames(struct sim_fleet *fleet, size_t ticks, size_t per_tick,
			  struct frames *fs)
{
	struct sim_fmt fmt = { .iso = 1, .now = NOW, .stamp_us = 1 };
	struct sim_rd_filter flt = { 0 };
	struct sbuf b;
	sbuf_init(&b, 0);
	json_batch_begin(&b);
	for (size_t i = 0; i < fleet->n; i++) {
		json_state_batch_item(&b, fleet, i, 0, &fmt);
		sbuf_putc(&b, ',');
	}
	json_batch_end(&b, "state_batch", &fmt);
	push_frame(fs, &b);
	sbuf_reset(&b);
	json_batch_begin(&b);
	for (size_t i = 0; i < fleet->n; i++) {
		json_readings_item(&b, fleet, i, 1, 0, &flt, &fmt);
		sbuf_putc(&b, ',');
	}
	json_batch_end(&b, "readings_batch", &fmt);
	push_frame(fs, &b);

	size_t next = 0;
	for (size_t t = 0; t < ticks; t++) {
		fmt.now = NOW + 1 + (int64_t)t;
		uint32_t since = fleet->seq;
		size_t first = next;
		for (size_t k = 0; k < per_tick; k++)
			fleet_step(fleet, (first + k) % fleet->n, fmt.now, 1);
		sbuf_reset(&b);
		json_batch_begin(&b);
		for (size_t k = 0; k < per_tick; k++) {
			json_state_batch_item(&b, fleet, (first + k) % fleet->n, 0, &fmt);
			sbuf_putc(&b, ',');
		}
		json_batch_end(&b, "state_batch", &fmt);
		push_frame(fs, &b);
		sbuf_reset(&b);
		json_batch_begin(&b);
		for (size_t k = 0; k < per_tick; k++) {
			size_t mark = b.len;
			if (json_readings_item(&b, fleet, (first + k) % fleet->n, 0, since, &flt,
					       &fmt) == 0) {
				b.len = mark;
				continue;
			}
			sbuf_putc(&b, ',');
		}
		json_batch_end(&b, "readings_batch", &fmt);
		push_frame(fs, &b);
		next = (first + per_tick) % fleet->n;
	}
	sbuf_free(&b);
}

static void fill_table(struct n2m_tracker_table *t, const struct sim_fleet *fleet)
{
	n2m_tracker_table_init(t, N2M_TOPIC_ID_TRACKER_ID);
	for (size_t i = 0; i < fleet->n; i++) {
		struct n2m_tracker *tr = n2m_tracker_get_or_add(t, fleet_id(i), NULL);
		if (!tr || n2m_tracker_set_source(t, tr, fleet->t[i].source_id) < 0 ||
		    n2m_tracker_set_label(t, tr, fleet->t[i].label, NULL) < 0)
			abort();
	}
}

static uint64_t mix(uint64_t d, const char *s, size_t n)
{
	return (d * 0x100000001b3ull) ^ n2m_hash64(s, n);
}

/* What bridge_publish_pending does once the broker took everything. */
static void deliver(struct n2m_tracker_table *t, struct n2m_pub_list *pubs, struct outcome *o,
		    FILE *log)
{
	for (size_t i = 0; i < pubs->n; i++) {
		const struct n2m_publication *p = &pubs->items[i];
		o->pubs++;
		o->digest = mix(mix(o->digest, p->topic, strlen(p->topic)), p->payload,
				p->payload_len) + (uint64_t)(p->retain * 2 + p->qos);
		if (log)
			fprintf(log, "%s %d %d %.*s\n", p->topic, p->qos, p->retain,
				(int)p->payload_len, p->payload);
		struct n2m_tracker *tr = n2m_tracker_find(t, p->tracker_id);
		if (tr)
			n2m_publication_confirm(tr, p);
	}
	n2m_pub_list_clear(pubs);
}

/* The item loop of bridge_navixy.c's on_items, minus logging. */
static void process_frames(const struct frames *fs, struct n2m_tracker_table *t,
			   const struct n2m_map_ctx *ctx, int old, struct outcome *o, FILE *log)
{
	struct n2m_pub_list pubs;
	char err[200];
	n2m_pub_list_init(&pubs);
	for (size_t k = 0; k < fs->n; k++) {
		struct nvx_frame f;
		int rc = old ? nvx_frame_parse(fs->f[k].text, fs->f[k].len, &f, err, sizeof err)
			     : nvx_frame_parse_fast(fs->f[k].text, fs->f[k].len, &f, err, sizeof err);
		if (rc != 0) {
			o->errors++;
			continue;
		}
		for (size_t i = 0; i < f.n_items; i++) {
			const struct nvx_item *it = &f.items[i];
			struct n2m_tracker *tr;
			if (f.event == NVX_EVENT_READINGS_BATCH) {
				if (!(tr = n2m_tracker_find(t, it->id)))
					continue;
				rc = it->obj ? n2m_map_readings(ctx, tr, it->obj, &pubs, err, sizeof err)
					     : n2m_map_readings_text(ctx, tr, it->raw, it->raw_len,
								     &pubs, err, sizeof err);
			} else {
				if (!(tr = n2m_tracker_find_source(t, it->id)))
					continue;
				o->updates++;
				rc = it->obj ? n2m_map_state(ctx, tr, it->obj, &pubs, err, sizeof err)
					     : n2m_map_state_text(ctx, tr, it->raw, it->raw_len, it->state,
								  &pubs, err, sizeof err);
			}
			if (rc != 0)
				o->errors++;
			deliver(t, &pubs, o, log);
		}
		nvx_frame_free(&f);
	}
	n2m_pub_list_free(&pubs);
}

static void run(const struct frames *fs, const struct sim_fleet *fleet,
		const struct n2m_map_ctx *ctx, int old, struct outcome *o, FILE *log)
{
	struct n2m_tracker_table t;
	fill_table(&t, fleet);
	memset(o, 0, sizeof(*o));
	process_frames(fs, &t, ctx, old, o, log);
	n2m_tracker_table_free(&t);
}

int main(int argc, char **argv)
{
	size_t trackers = 1000, ticks = 200, per_tick = 50;
	const char *mode = "new", *dump = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--trackers"))
			trackers = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--ticks"))
			ticks = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--per-tick"))
			per_tick = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--mode"))
			mode = argv[i + 1];
		else if (!strcmp(argv[i], "--dump"))
			dump = argv[i + 1];
	}
	if (per_tick > trackers)
		per_tick = trackers;

	struct n2m_config cfg;
	n2m_config_defaults(&cfg);
	struct n2m_map_ctx ctx = { .base_topic = "navixy", .topics = &cfg.topics, .now = NOW };
	struct sim_fleet fleet, pristine;
	if (fleet_init(&fleet, trackers, 42, NOW) != 0 || fleet_init(&pristine, trackers, 42, NOW) != 0)
		return 1;
	struct frames fs = { 0 };
	render_frames(&fleet, ticks, per_tick, &fs);

	struct outcome a, b;
	int old = strcmp(mode, "old") == 0;
	FILE *log = dump ? fopen(dump, "w") : NULL;
	run(&fs, &pristine, &ctx, old, &a, log);
	if (log)
		fclose(log);
	printf("mode=%s frames=%zu updates=%" PRIu64 " publications=%" PRIu64 " errors=%" PRIu64
	       " digest=%016" PRIx64 "\n", mode, fs.n, a.updates, a.pubs, a.errors, a.digest);
	int rc = 0;
	if (strcmp(mode, "check") == 0) {
		run(&fs, &pristine, &ctx, 1, &b, NULL);
		rc = a.digest != b.digest || a.pubs != b.pubs;
		printf("old: publications=%" PRIu64 " digest=%016" PRIx64 " -> %s\n", b.pubs,
		       b.digest, rc ? "DIFFERENT" : "identical");
	}
	for (size_t k = 0; k < fs.n; k++)
		free(fs.f[k].text);
	free(fs.f);
	fleet_free(&fleet);
	fleet_free(&pristine);
	n2m_config_free(&cfg);
	return rc;
}
