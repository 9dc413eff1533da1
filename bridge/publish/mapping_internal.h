/* SPDX-License-Identifier: MIT */
/*
 * mapping_internal.h - what mapping.c shares with mapping_text.c (the raw-text
 * fast path): appending publications and the small shared rules. Not for
 * use outside the mapping.
 */
#ifndef N2M_MAPPING_INTERNAL_H
#define N2M_MAPPING_INTERNAL_H

#include "mapping.h"

enum emit_mode {
	EMIT_DEDUPE = 0, /* skip a retained payload the broker has or will have */
	EMIT_ALWAYS,     /* resync: send regardless */
	EMIT_CLEAR,      /* empty retained payload removing the topic */
};

/* Appends one publication of cls for tr on topic_id (payload copied);
 * 0 (also when deduplicated) or -1 on no memory. */
int n2m_map_emit(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr, enum n2m_topic_class cls,
		 const char *topic_id, const char *payload, size_t len, enum emit_mode mode,
		 struct n2m_pub_list *out, char *err, size_t errlen);
int n2m_map_emit_location(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			  enum emit_mode mode, struct n2m_pub_list *out, char *err, size_t errlen);
int n2m_map_emit_availability(const struct n2m_map_ctx *ctx, struct n2m_tracker *tr,
			      enum emit_mode mode, struct n2m_pub_list *out, char *err,
			      size_t errlen);

/* Adds n to ctx->readings_truncated, when the caller counts. */
void n2m_map_count_truncated(const struct n2m_map_ctx *ctx, size_t n);

/* connection_status text s[0..n) to online (1), offline (0), or -1. */
int n2m_map_connection_online(const char *s, size_t n);

#endif
