/* SPDX-License-Identifier: MIT */
/*
 * test_state_file.c - the persisted desired set: save/load round trip,
 * missing file, truncated and corrupt files (clear errors, never a crash),
 * a crash mid-write (temp file left behind), failing saves, and a file or
 * symlink planted at a predictable temporary name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "state_file.h"

struct fixture {
	char dir[64];
	char path[128];
	char tmp[160];     /* <path>.tmp: the fixed temporary name of old versions */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/n2m-state-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/state.json", f->dir);
	snprintf(f->tmp, sizeof f->tmp, "%s.tmp", f->path);
	*state = f;
	return 0;
}

/* How many entries of dir (besides . and ..) start with prefix. */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		     strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char path[400];

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
}

static char *read_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* A set that uses every option. */
static void sample_set(struct n2m_sub_set *set)
{
	int64_t ids[] = { 100003, 100001 };
	struct n2m_sub r;

	n2m_sub_set_default(set);
	memset(&r, 0, sizeof r);
	r.type = N2M_SUB_READINGS_BATCH;
	r.ids = ids;
	r.n_ids = 2;
	r.include_components = 0;
	strcpy(r.rate_limit, "5s");
	strcpy(r.sensor_type, "fuel");
	n2m_sub_set_remove(set, &(struct n2m_sub){ .type = N2M_SUB_READINGS_BATCH, .all = 1 });
	assert_int_equal(n2m_sub_set_add(set, &r), 0);
}

static void round_trip(void **state)
{
	struct fixture *f = *state;
	struct n2m_sub_set saved, loaded;
	char err[512] = "";

	sample_set(&saved);
	assert_int_equal(n2m_state_file_save(f->path, &saved, err, sizeof err), 0);
	assert_int_equal(count_entries(f->dir, ""), 1); /* the temp file was renamed */
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(strstr(read_file(f->path), "\"version\": 1"));
	assert_int_equal(n2m_state_file_load(f->path, &loaded, err, sizeof err), N2M_STATE_LOADED);
	assert_true(n2m_sub_set_equal(&saved, &loaded));
	assert_true(loaded.subs[N2M_SUB_READINGS_BATCH].n_ids == 2);
	assert_string_equal(loaded.subs[N2M_SUB_READINGS_BATCH].sensor_type, "fuel");
	n2m_sub_set_free(&loaded);

	/* Saving again replaces the content. */
	n2m_sub_set_free(&saved);
	n2m_sub_set_init(&saved);
	assert_int_equal(n2m_state_file_save(f->path, &saved, err, sizeof err), 0);
	assert_int_equal(n2m_state_file_load(f->path, &loaded, err, sizeof err), N2M_STATE_LOADED);
	assert_true(n2m_sub_set_equal(&saved, &loaded));
	assert_false(loaded.subs[N2M_SUB_STATE_BATCH].active);
	n2m_sub_set_free(&loaded);
	n2m_sub_set_free(&saved);
}

static void missing_file(void **state)
{
	struct fixture *f = *state;
	struct n2m_sub_set set;
	char err[512] = "";

	assert_int_equal(n2m_state_file_load(f->path, &set, err, sizeof err), N2M_STATE_MISSING);
	assert_false(set.subs[N2M_SUB_STATE_BATCH].active);
	n2m_sub_set_free(&set);
}

/* Loads text and expects INVALID with an error "<path>: <reason...>". */
static void expect_invalid(struct fixture *f, const char *text, size_t len, const char *reason)
{
	struct n2m_sub_set set;
	char err[512] = "", want[512];

	write_file(f->path, text, len);
	assert_int_equal(n2m_state_file_load(f->path, &set, err, sizeof err), N2M_STATE_INVALID);
	snprintf(want, sizeof want, "%s: %s", f->path, reason);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("got \"%s\", expected it to start with \"%s\"", err, want);
	/* Nothing half-loaded is left in the set. */
	for (int t = 0; t < N2M_SUB_TYPE_COUNT; t++)
		assert_false(set.subs[t].active);
	n2m_sub_set_free(&set);
}

static void truncated_file(void **state)
{
	struct fixture *f = *state;
	struct n2m_sub_set set;
	char err[512];

	sample_set(&set);
	assert_int_equal(n2m_state_file_save(f->path, &set, err, sizeof err), 0);
	n2m_sub_set_free(&set);
	char full[8192];
	snprintf(full, sizeof full, "%s", read_file(f->path));
	/* Every cut of a valid file is refused (or, at the very end, only
	 * loses the trailing newline). */
	for (size_t cut = 0; cut + 2 < strlen(full); cut += 7)
		expect_invalid(f, full, cut, cut ? "not JSON: " : "empty file");
}

static void corrupt_files(void **state)
{
	struct fixture *f = *state;
	expect_invalid(f, "", 0, "empty file");
	expect_invalid(f, "\x00\x01\x02garbage", 10, "not JSON: ");
	expect_invalid(f, "[1,2]", 5, "not a JSON object");
	expect_invalid(f, "{\"subscriptions\":{}}", 20, "version: missing or not an integer");
	expect_invalid(f, "{\"version\":2,\"subscriptions\":{}}", 32, "version: 2 is not supported");
	expect_invalid(f, "{\"version\":1}", 13, "subscriptions: missing");
	const char *bad_type = "{\"version\":1,\"subscriptions\":{\"states\":{}}}";
	expect_invalid(f, bad_type, strlen(bad_type), "subscriptions.states: unknown subscription type");
	const char *bad_ids = "{\"version\":1,\"subscriptions\":{\"state\":{\"trackers\":[\"x\"]}}}";
	expect_invalid(f, bad_ids, strlen(bad_ids), "subscriptions.state.trackers[0]");
	const char *extra = "{\"version\":1,\"subscriptions\":{}} {}";
	expect_invalid(f, extra, strlen(extra), "not JSON: ");
}

static void not_a_regular_file(void **state)
{
	struct fixture *f = *state;
	struct n2m_sub_set set;
	char err[512] = "";

	assert_int_equal(n2m_state_file_load(f->dir, &set, err, sizeof err), N2M_STATE_INVALID);
	assert_non_null(strstr(err, "not a regular file"));
	n2m_sub_set_free(&set);
}

/* A crash after the temp file was (partly) written but before the rename:
 * the real file still has the old set, and the next save works. */
static void crash_mid_write(void **state)
{
	struct fixture *f = *state;
	struct n2m_sub_set old, loaded, next;
	char err[512];

	sample_set(&old);
	assert_int_equal(n2m_state_file_save(f->path, &old, err, sizeof err), 0);
	write_file(f->tmp, "{\"version\":1,\"subscr", 20);
	char leftover[200];
	snprintf(leftover, sizeof leftover, "%s.Ab12Cd", f->path);
	write_file(leftover, "{\"version\":1,\"subscr", 20);
	assert_int_equal(n2m_state_file_load(f->path, &loaded, err, sizeof err), N2M_STATE_LOADED);
	assert_true(n2m_sub_set_equal(&old, &loaded));
	n2m_sub_set_free(&loaded);

	n2m_sub_set_init(&next);
	assert_int_equal(n2m_state_file_save(f->path, &next, err, sizeof err), 0);
	/* The leftovers are neither in the way nor touched. */
	assert_string_equal(read_file(f->tmp), "{\"version\":1,\"subscr");
	assert_string_equal(read_file(leftover), "{\"version\":1,\"subscr");
	assert_int_equal(count_entries(f->dir, ""), 3);
	assert_int_equal(n2m_state_file_load(f->path, &loaded, err, sizeof err), N2M_STATE_LOADED);
	assert_true(n2m_sub_set_equal(&next, &loaded));
	n2m_sub_set_free(&loaded);
	n2m_sub_set_free(&next);
	n2m_sub_set_free(&old);
}

static void save_failures_name_the_file(void **state)
{
	struct fixture *f = *state;
	struct n2m_sub_set set;
	char err[512] = "", path[200];

	n2m_sub_set_default(&set);
	snprintf(path, sizeof path, "%s/no/such/dir/state.json", f->dir);
	assert_int_equal(n2m_state_file_save(path, &set, err, sizeof err), -1);
	assert_non_null(strstr(err, "/no/such/dir/state.json.XXXXXX: cannot create: "));

	/* The target is a directory: the rename fails, the old "file" stays
	 * and no temp file is left. */
	snprintf(path, sizeof path, "%s/sub", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	char inner[220];
	snprintf(inner, sizeof inner, "%s/x", path);
	write_file(inner, "x", 1);
	assert_int_equal(n2m_state_file_save(path, &set, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot replace it"));
	assert_int_equal(count_entries(f->dir, "sub."), 0); /* no temp file left */
	unlink(inner);
	rmdir(path);
	n2m_sub_set_free(&set);
}

/* Someone who can write to the directory plants a symlink where older
 * versions wrote their temporary file (<path>.tmp), pointing at a file of
 * the bridge's user: saving neither writes through it nor fails. */
static void symlink_at_old_temp_name(void **state)
{
	struct fixture *f = *state;
	struct n2m_sub_set saved, loaded;
	char err[512] = "", victim[200];
	struct stat st;

	snprintf(victim, sizeof victim, "%s/victim", f->dir);
	write_file(victim, "precious\n", 9);
	assert_int_equal(symlink(victim, f->tmp), 0);
	sample_set(&saved);
	mode_t old_umask = umask(0); /* the state file stays private anyway */
	int rc = n2m_state_file_save(f->path, &saved, err, sizeof err);
	umask(old_umask);
	assert_int_equal(rc, 0);

	assert_string_equal(read_file(victim), "precious\n");
	assert_int_equal(lstat(f->tmp, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(n2m_state_file_load(f->path, &loaded, err, sizeof err), N2M_STATE_LOADED);
	assert_true(n2m_sub_set_equal(&saved, &loaded));
	n2m_sub_set_free(&loaded);
	n2m_sub_set_free(&saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_file, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_files, setup, teardown),
		cmocka_unit_test_setup_teardown(not_a_regular_file, setup, teardown),
		cmocka_unit_test_setup_teardown(crash_mid_write, setup, teardown),
		cmocka_unit_test_setup_teardown(save_failures_name_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(symlink_at_old_temp_name, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
