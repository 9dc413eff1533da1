/* SPDX-License-Identifier: MIT */
/*
 * log.c - one-line key=value log records to stderr or syslog (see log.h).
 */
#include "log.h"

#include "log_format.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

void n2m_log_open(struct n2m_log *log, enum n2m_log_level level, int use_syslog,
		  const char *ident)
{
	atomic_init(&log->level, (int)level);
	log->use_syslog = use_syslog;
	if (use_syslog)
		openlog(ident ? ident : "navixy2mqtt", LOG_PID, LOG_DAEMON);
}

void n2m_log_close(struct n2m_log *log)
{
	if (log->use_syslog)
		closelog();
	log->use_syslog = 0;
}

void n2m_log_set_level(struct n2m_log *log, enum n2m_log_level level)
{
	atomic_store(&log->level, (int)level);
}

int n2m_log_enabled(const struct n2m_log *log, enum n2m_log_level level)
{
	return (int)level <= atomic_load(&((struct n2m_log *)log)->level);
}

static int syslog_priority(enum n2m_log_level level)
{
	switch (level) {
	case N2M_LOG_ERROR: return LOG_ERR;
	case N2M_LOG_WARN: return LOG_WARNING;
	case N2M_LOG_INFO: return LOG_INFO;
	default: return LOG_DEBUG;
	}
}

void n2m_logv(struct n2m_log *log, enum n2m_log_level level, const char *event,
	      const char *fields_fmt, va_list ap)
{
	char fields[1024];
	char stamp[40];

	if (!n2m_log_enabled(log, level))
		return;
	/* Untrusted values are escaped here, once for every caller: no value
	 * can start a new line or a field of its own (log_format.h). */
	n2m_log_format(fields, sizeof fields, fields_fmt, ap);
	if (log->use_syslog) {
		syslog(syslog_priority(level), "level=%s event=%s %s",
		       n2m_log_level_name(level), event, fields);
		return;
	}
	/* A UTC timestamp with milliseconds, so lines from tests line up with
	 * the simulator's and Mosquitto's logs. */
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", ts.tv_nsec / 1000000L);
	/* One fprintf per line: stdio locks the stream, so lines from the
	 * connector thread never interleave with the loop's. */
	fprintf(stderr, "%s level=%s event=%s%s%s\n", stamp, n2m_log_level_name(level),
		event, fields[0] ? " " : "", fields);
}

void n2m_log(struct n2m_log *log, enum n2m_log_level level, const char *event,
	     const char *fields_fmt, ...)
{
	va_list ap;

	va_start(ap, fields_fmt);
	n2m_logv(log, level, event, fields_fmt, ap);
	va_end(ap);
}

const char *n2m_log_quote(char *buf, size_t cap, const char *text)
{
	if (cap == 0)
		return buf;
	if (!text)
		text = "";
	size_t len = strlen(text);
	if (len && n2m_log_is_safe_word(text, len)) {
		size_t n = n2m_utf8_cut(text, len, cap - 1);
		memcpy(buf, text, n);
		buf[n] = '\0';
		return buf;
	}
	n2m_log_escape_quoted(buf, cap, text, len);
	return buf;
}

static const char *const log_level_names[] = { "error", "warn", "info", "debug" };

const char *n2m_log_level_name(enum n2m_log_level level)
{
	if ((unsigned)level >= sizeof(log_level_names) / sizeof(log_level_names[0]))
		return "unknown";
	return log_level_names[level];
}

int n2m_log_level_parse(const char *name, enum n2m_log_level *out)
{
	for (size_t i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
		if (name && strcmp(name, log_level_names[i]) == 0) {
			*out = (enum n2m_log_level)i;
			return 0;
		}
	}
	return -1;
}
