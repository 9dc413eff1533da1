/* SPDX-License-Identifier: MIT */
/*
 * latency_hist.h - a fixed-memory latency histogram for the benchmark
 * subscriber: 1 us buckets up to 50 ms, 1 ms buckets up to 120 s, so p99
 * is exact where the targets are (a few ms) and bounded beyond.
 */
#ifndef BENCH_LATENCY_HIST_H
#define BENCH_LATENCY_HIST_H

#include <stdint.h>

#define LAT_FINE_US 50000   /* 1 us resolution below this */
#define LAT_COARSE_MS 120000 /* 1 ms resolution below this, then clamped */

struct latency_hist {
	uint32_t *fine;     /* LAT_FINE_US buckets */
	uint32_t *coarse;   /* LAT_COARSE_MS buckets */
	uint64_t n;
	int64_t max;
};

int latency_hist_init(struct latency_hist *h);
void latency_hist_free(struct latency_hist *h);
void latency_hist_reset(struct latency_hist *h);
/* Negative samples (clock skew between processes cannot happen on one
 * machine, but rounding can) count as 0. */
void latency_hist_add(struct latency_hist *h, int64_t us);
/* The q-quantile in microseconds (0 when empty). */
int64_t latency_hist_quantile(const struct latency_hist *h, double q);

#endif
