/* SPDX-License-Identifier: MIT */
/*
 * state_file.c - atomic save and tolerant load of the desired subscription
 * set (see state_file.h).
 */
#include "error_text.h"
#include "state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

/* mkstemp's template: a fresh, unpredictable name at each save. */
#define TMP_SUFFIX ".XXXXXX"

/* ---------- load ---------- */

/* Reads the whole file (NUL-terminated). NULL on failure, with
 * *missing set when it does not exist, else the reason in why. */
static char *read_all(const char *path, size_t *len, int *missing, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t used = 0;

	*missing = fd < 0 && errno == ENOENT;
	if (fd < 0) {
		n2m_fail(why, whylen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	const char *bad = NULL;
	if (fstat(fd, &st) != 0)
		bad = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		bad = "not a regular file";
	else if ((uintmax_t)st.st_size > N2M_STATE_FILE_MAX_BYTES)
		bad = "larger than 64 MiB";
	if (bad) {
		n2m_fail(why, whylen, "%s", bad);
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	while (buf && used < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + used, (size_t)st.st_size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shrank under us: the parser says what is wrong */
		used += (size_t)n;
	}
	close(fd);
	if (!buf) {
		n2m_fail(why, whylen, "out of memory");
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

static struct json_object *parse(const char *text, size_t len, char *why, size_t whylen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	enum json_tokener_error jerr;

	if (!tok) {
		n2m_fail(why, whylen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		n2m_fail(why, whylen, "not JSON: %s", jerr == json_tokener_continue
			? "unexpected end of input (truncated?)" : json_tokener_error_desc(jerr));
		json_object_put(root);
		return NULL;
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", text[end])) {
			n2m_fail(why, whylen, "not JSON: data after the JSON value");
			json_object_put(root);
			return NULL;
		}
	}
	return root;
}

/* The document around the set: a version we know and a subscriptions object. */
static int read_document(struct json_object *root, struct n2m_sub_set *set, char *why,
			 size_t whylen)
{
	struct json_object *version, *subs;

	if (!json_object_is_type(root, json_type_object))
		return n2m_fail(why, whylen, "not a JSON object");
	if (!json_object_object_get_ex(root, "version", &version) ||
	    !json_object_is_type(version, json_type_int))
		return n2m_fail(why, whylen, "version: missing or not an integer");
	if (json_object_get_int64(version) != N2M_STATE_FILE_VERSION)
		return n2m_fail(why, whylen, "version: %lld is not supported (expected %d)",
			    (long long)json_object_get_int64(version), N2M_STATE_FILE_VERSION);
	if (!json_object_object_get_ex(root, "subscriptions", &subs))
		return n2m_fail(why, whylen, "subscriptions: missing");
	char inner[256];
	if (n2m_sub_set_from_json(set, subs, inner, sizeof inner) != 0)
		return n2m_fail(why, whylen, "subscriptions.%s", inner);
	return 0;
}

enum n2m_state_load n2m_state_file_load(const char *path, struct n2m_sub_set *set, char *err,
					size_t errlen)
{
	char why[320];
	size_t len = 0;

	n2m_sub_set_init(set);
	int missing = 0;
	char *text = read_all(path, &len, &missing, why, sizeof why);
	if (!text) {
		if (missing)
			return N2M_STATE_MISSING;
		n2m_fail(err, errlen, "%s: %s", path, why);
		return N2M_STATE_INVALID;
	}
	struct json_object *root = len ? parse(text, len, why, sizeof why) : NULL;
	if (!len)
		n2m_fail(why, sizeof why, "empty file");
	free(text);
	int rc = root ? read_document(root, set, why, sizeof why) : -1;
	json_object_put(root);
	if (rc != 0) {
		n2m_sub_set_free(set);
		n2m_fail(err, errlen, "%s: %s", path, why);
		return N2M_STATE_INVALID;
	}
	return N2M_STATE_LOADED;
}

/* ---------- save ---------- */

static int write_all(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The rename is only durable once the directory entry is on disk. */
static int sync_directory(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return -1;
	char *slash = strrchr(dir, '/');
	const char *name = slash ? (slash == dir ? "/" : dir) : ".";
	if (slash && slash != dir)
		*slash = '\0';
	int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 ? fsync(fd) : -1;
	int e = errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	errno = e;
	return rc;
}

static char *render(const struct n2m_sub_set *set)
{
	struct json_object *root = json_object_new_object();
	struct json_object *subs = n2m_sub_set_to_json(set);
	char *text = NULL;

	if (root && subs) {
		json_object_object_add(root, "version", json_object_new_int(N2M_STATE_FILE_VERSION));
		json_object_object_add(root, "subscriptions", subs);
		subs = NULL;
		const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED);
		text = s ? malloc(strlen(s) + 2) : NULL;
		if (text) /* a trailing newline for people who cat it */
			snprintf(text, strlen(s) + 2, "%s\n", s);
	}
	json_object_put(subs);
	json_object_put(root);
	return text;
}

/* Creates a new temporary file next to path: <path>.XXXXXX, made by
 * mkstemp (O_CREAT | O_EXCL: never an existing file, never through a
 * symlink), mode 0600 whatever the umask. tmp receives the name. */
static int create_temp(const char *path, char *tmp, size_t tmp_len, char *err, size_t errlen)
{
	snprintf(tmp, tmp_len, "%s" TMP_SUFFIX, path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		snprintf(tmp, tmp_len, "%s" TMP_SUFFIX, path); /* the template, not a try */
		return n2m_fail(err, errlen, "%s: cannot create: %s", tmp, strerror(e));
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, 0600) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return n2m_fail(err, errlen, "%s: cannot create: %s", tmp, strerror(e));
	}
	return fd;
}

/* Writes the temporary file completely and durably; closes fd. */
static int write_temp(int fd, const char *tmp, const char *text, char *err, size_t errlen)
{
	if (write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return n2m_fail(err, errlen, "%s: cannot write: %s", tmp, strerror(e));
	}
	if (close(fd) != 0) {
		int e = errno;
		unlink(tmp);
		return n2m_fail(err, errlen, "%s: cannot write: %s", tmp, strerror(e));
	}
	return 0;
}

int n2m_state_file_save(const char *path, const struct n2m_sub_set *set, char *err,
			size_t errlen)
{
	size_t tmp_len = strlen(path) + sizeof TMP_SUFFIX;
	char *tmp = malloc(tmp_len);
	char *text = render(set);
	int rc = -1;

	if (!tmp || !text) {
		n2m_fail(err, errlen, "%s: out of memory", path);
		goto out;
	}
	int fd = create_temp(path, tmp, tmp_len, err, errlen);
	if (fd < 0 || write_temp(fd, tmp, text, err, errlen) != 0)
		goto out;
	if (rename(tmp, path) != 0) {
		n2m_fail(err, errlen, "%s: cannot replace it: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (sync_directory(path) != 0) {
		/* The new file is in place; only its durability is in doubt. */
		n2m_fail(err, errlen, "%s: saved, but cannot sync its directory: %s", path,
		     strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(text);
	return rc;
}
