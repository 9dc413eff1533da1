/* SPDX-License-Identifier: MIT */
/*
 * latency_hist.c - see latency_hist.h.
 */
#include "latency_hist.h"

#include <stdlib.h>
#include <string.h>

int latency_hist_init(struct latency_hist *h)
{
	memset(h, 0, sizeof *h);
	h->fine = calloc(LAT_FINE_US, sizeof *h->fine);
	h->coarse = calloc(LAT_COARSE_MS, sizeof *h->coarse);
	return h->fine && h->coarse ? 0 : -1;
}

void latency_hist_free(struct latency_hist *h)
{
	free(h->fine);
	free(h->coarse);
	memset(h, 0, sizeof *h);
}

void latency_hist_reset(struct latency_hist *h)
{
	memset(h->fine, 0, LAT_FINE_US * sizeof *h->fine);
	memset(h->coarse, 0, LAT_COARSE_MS * sizeof *h->coarse);
	h->n = 0;
	h->max = 0;
}

void latency_hist_add(struct latency_hist *h, int64_t us)
{
	if (us < 0)
		us = 0;
	if (us < LAT_FINE_US)
		h->fine[us]++;
	else if (us / 1000 < LAT_COARSE_MS)
		h->coarse[us / 1000]++;
	else
		h->coarse[LAT_COARSE_MS - 1]++;
	h->n++;
	if (us > h->max)
		h->max = us;
}

int64_t latency_hist_quantile(const struct latency_hist *h, double q)
{
	/* The rank of the sample at quantile q, 1-based, rounded up. */
	uint64_t rank = (uint64_t)(q * (double)h->n);
	uint64_t seen = 0;

	if (h->n == 0)
		return 0;
	if (rank < 1)
		rank = 1;
	for (int64_t i = 0; i < LAT_FINE_US; i++) {
		seen += h->fine[i];
		if (seen >= rank)
			return i;
	}
	for (int64_t i = 0; i < LAT_COARSE_MS; i++) {
		seen += h->coarse[i];
		if (seen >= rank)
			return i * 1000;
	}
	return h->max;
}
