/* SPDX-License-Identifier: MIT */
/*
 * plugin_view.h - what plugins see of a tracker: struct n2m_tracker_view
 * (navixy2mqtt/plugin.h) built from the tracker table's entry, plus the
 * device model and id that only tracker/list carries (kept here, by
 * tracker id, because the tracker table does not need them). Pure.
 */
#ifndef N2M_PLUGIN_VIEW_H
#define N2M_PLUGIN_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "navixy2mqtt/plugin.h"
#include "navixy_rest.h"
#include "tracker_table.h"

/* Model and device id by tracker id, from the last tracker/list. */
struct n2m_plugin_model {
	int64_t id;
	char *model;
	char *device_id;
};

struct n2m_plugin_models {
	struct n2m_plugin_model *items; /* sorted by id */
	size_t n;
};

/* Replaces the map with the list's entries. 0, or -1 on no memory (the
 * old map stays). */
int n2m_plugin_models_set(struct n2m_plugin_models *m, const struct nvx_tracker_list *list);
/* The entry for id, or NULL. */
const struct n2m_plugin_model *n2m_plugin_models_find(const struct n2m_plugin_models *m,
						       int64_t id);
void n2m_plugin_models_free(struct n2m_plugin_models *m);

/* A view and the storage its strings point into. */
struct n2m_plugin_view_buf {
	struct n2m_tracker_view view;
	char connection_status[32];
	char movement_status[32];
};

/* Fills out->view from tr (model/device id from models, may be NULL),
 * with changed as given. The view points into tr and out: valid while both
 * are unchanged. Fields the stored state lacks are left unknown. */
void n2m_plugin_view_build(const struct n2m_tracker *tr, const struct n2m_plugin_models *models,
			   uint32_t changed, struct n2m_plugin_view_buf *out);

#endif
