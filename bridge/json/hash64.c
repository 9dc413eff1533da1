/* SPDX-License-Identifier: MIT */
/*
 * hash64.c - a fast 64-bit byte-string hash: 16 bytes per step folded by a
 * 128-bit multiply where the compiler has one, else 8 bytes per step with
 * multiply and rotate mixing; a final avalanche either way. Only needs to
 * make accidental equality of two different payloads of the same length
 * vanishingly unlikely; it is not meant to resist deliberate collisions.
 */
#include "hash64.h"

#include <string.h>

#define MIX_A 0x9E3779B97F4A7C15ull
#define MIX_B 0xC2B2AE3D27D4EB4Full

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

#if defined(__SIZEOF_INT128__)
/* The 128-bit product of a and b folded to 64 bits: one multiply mixes
 * 16 input bytes, where the word loop below needs two multiplies for 8. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Payloads are hashed once per publication (hundreds of bytes to a few
 * KiB), so the loop takes 16 bytes a step. A block forgets what came
 * before only if its first word is exactly MIX_A (the product is then 0),
 * which text does not hold by accident. */
uint64_t n2m_hash64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = MIX_A ^ (len * MIX_B);
	size_t i = 0;
	for (; i + 16 <= len; i += 16)
		h = fold_mul(load64(p + i) ^ MIX_A, load64(p + i + 8) ^ h);
	uint64_t a = 0, b = 0;
	size_t rest = len - i;
	if (rest > 8) {
		a = load64(p + i);
		memcpy(&b, p + i + 8, rest - 8);
	} else if (rest) {
		memcpy(&a, p + i, rest);
	}
	h = fold_mul(a ^ MIX_B, b ^ h ^ MIX_A);
	return avalanche(h ^ len);
}
#else
static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
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
#endif
