/* SPDX-License-Identifier: MIT */
/*
 * hash64.c - a fast 64-bit byte-string hash (8 bytes per step, multiply and
 * rotate mixing, final avalanche). Only needs to make accidental equality of
 * two different payloads of the same length vanishingly unlikely; it is not
 * meant to resist deliberate collisions.
 */
#include "hash64.h"

#include <string.h>

#define MIX_A 0x9E3779B97F4A7C15ull
#define MIX_B 0xC2B2AE3D27D4EB4Full

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Reads 8 bytes without alignment assumptions (compiles to one load). */
static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* The murmur3 finaliser: spreads every input bit over the whole word. */
static inline uint64_t avalanche(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	return h;
}

uint64_t n2m_hash64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = MIX_A ^ (len * MIX_B);
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t k = load64(p + i) * MIX_B;
		h ^= rotl64(k, 31) * MIX_A;
		h = rotl64(h, 27) * 5 + 0x52DCE729u;
	}
	uint64_t tail = 0;
	size_t rest = len - i;
	if (rest) {
		memcpy(&tail, p + i, rest);
		h ^= rotl64(tail * MIX_B, 31) * MIX_A;
	}
	return avalanche(h);
}
