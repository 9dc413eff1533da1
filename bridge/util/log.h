/* SPDX-License-Identifier: MIT */
/*
 * log.h - the daemon's log: one line per event, "key=value" fields, to
 * stderr or syslog, filtered by level.
 *
 * There is no global logger: a struct n2m_log is owned by the bridge and
 * passed to whatever logs. The level is atomic because the MQTT connector
 * thread logs too while SIGHUP may change the level on the loop thread.
 *
 * Never pass a secret (hash, password, key) to these functions.
 */
#ifndef N2M_LOG_H
#define N2M_LOG_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

enum n2m_log_level { N2M_LOG_ERROR = 0, N2M_LOG_WARN, N2M_LOG_INFO, N2M_LOG_DEBUG };

/* "error", "warn", "info", "debug" (log.level, the log_level command);
 * "unknown" out of range. */
const char *n2m_log_level_name(enum n2m_log_level level);
/* 0 and *out for one of those names, else -1. */
int n2m_log_level_parse(const char *name, enum n2m_log_level *out);

struct n2m_log {
	atomic_int level;  /* enum n2m_log_level */
	int use_syslog;
};

/* ident is the syslog identity ("navixy2mqtt"); unused for stderr. */
void n2m_log_open(struct n2m_log *log, enum n2m_log_level level, int use_syslog,
		  const char *ident);
void n2m_log_close(struct n2m_log *log);
void n2m_log_set_level(struct n2m_log *log, enum n2m_log_level level);

/* True if a message at `level` would be written: lets callers skip
 * building expensive fields. */
int n2m_log_enabled(const struct n2m_log *log, enum n2m_log_level level);

/* Writes "level=<l> event=<event> <fields>" where fields is a printf
 * format producing "key=value key=value". Every %s value is escaped on the
 * way (log_format.h): put untrusted text (labels, descriptions from Navixy,
 * topics, anything a client sent) in quotes, key="%s", or bare, key=%s,
 * where it is quoted when it is not one safe word; either way no control
 * character, line break or invalid UTF-8 reaches the line raw. */
void n2m_log(struct n2m_log *log, enum n2m_log_level level, const char *event,
	     const char *fields_fmt, ...) __attribute__((format(printf, 4, 5)));
void n2m_logv(struct n2m_log *log, enum n2m_log_level level, const char *event,
	      const char *fields_fmt, va_list ap);

/* Copies text into buf (cap bytes) so it is safe as one key=value value
 * passed to a bare %s: one safe word as it is, anything else quoted with
 * '"', '\\', control characters and invalid UTF-8 escaped (\", \\, \n,
 * \xNN); cut at cap on a character boundary. Returns buf. */
const char *n2m_log_quote(char *buf, size_t cap, const char *text);

#endif
