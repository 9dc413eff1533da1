/* SPDX-License-Identifier: MIT */
/*
 * state_file.h - persisting the desired subscription set across restarts
 * (control.state_file).
 *
 * The file is {"version":1,"subscriptions":{...}} with the set in the JSON
 * form of subscription.h. Saving creates a new <path>.XXXXXX in the same
 * directory with mkstemp (mode 0600, never an existing file or a symlink
 * someone planted), fsyncs it, renames it over <path> and fsyncs the
 * directory, so after a crash at any point <path> holds either the old or
 * the new set, never a mix. A temporary file left behind by a crash is
 * ignored on load and does not stand in the way of the next save.
 */
#ifndef N2M_STATE_FILE_H
#define N2M_STATE_FILE_H

#include <stddef.h>

#include "subscription.h"

/* Larger state files are refused as corrupt (a full set of every tracker
 * of a very large account is a few MiB). */
#define N2M_STATE_FILE_MAX_BYTES (64u * 1024 * 1024)
#define N2M_STATE_FILE_VERSION 1

enum n2m_state_load {
	N2M_STATE_LOADED = 0,  /* *set holds the saved set */
	N2M_STATE_MISSING,     /* no file: nothing saved yet */
	N2M_STATE_INVALID,     /* unreadable or corrupt: err says why */
};

/* Loads path into *set (initialised in every case; free it with
 * n2m_sub_set_free). On INVALID, err names the file and the reason, e.g.
 * "/var/lib/n2m/state.json: not JSON: unexpected end of input". */
enum n2m_state_load n2m_state_file_load(const char *path, struct n2m_sub_set *set,
					char *err, size_t errlen);

/* Saves set atomically (see above). Returns 0, or -1 with err naming the
 * file and the failing step; the previous file is then untouched. */
int n2m_state_file_save(const char *path, const struct n2m_sub_set *set, char *err,
			size_t errlen);

#endif
