/* SPDX-License-Identifier: MIT */
/*
 * hash64.h - a fast non-cryptographic 64-bit hash of a byte string, used to
 * recognise an unchanged retained payload (together with its length).
 */
#ifndef N2M_HASH64_H
#define N2M_HASH64_H

#include <stddef.h>
#include <stdint.h>

uint64_t n2m_hash64(const void *data, size_t len);

#endif
