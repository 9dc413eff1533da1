/* SPDX-License-Identifier: MIT */
/*
 * test_plugin_host.c - the plugin host with real shared objects
 * (tests/plugins): loading, API version mismatch, a file that is not a
 * shared object, missing symbols, init failures (required or not), option
 * accessors and their errors, validation of bad publish/subscribe calls,
 * event dispatch (tracker updated/removed from publications, MQTT
 * connected, messages by topic filter), and the plugin file lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash64.h"
#include "mapping.h"
#include "plugin_host_internal.h"
#include "topic.h"

/* ---------- a fake MQTT side ---------- */

#define MAX_SEEN 64

struct fake_io {
	char topics[MAX_SEEN][256];
	char payloads[MAX_SEEN][512];
	int retain[MAX_SEEN];
	size_t n;
	char filters[8][128];
	size_t n_filters;
	int offline;
};

static int fake_publish(void *ctx, const char *topic, const void *payload, size_t len, int qos,
			int retain)
{
	struct fake_io *io = ctx;

	(void)qos;
	if (io->offline)
		return -1;
	if (io->n < MAX_SEEN) {
		snprintf(io->topics[io->n], sizeof io->topics[0], "%s", topic);
		snprintf(io->payloads[io->n], sizeof io->payloads[0], "%.*s", (int)len,
			 (const char *)payload);
		io->retain[io->n] = retain;
		io->n++;
	}
	return 0;
}

static int fake_subscribe(void *ctx, const char *filter, int qos)
{
	struct fake_io *io = ctx;

	(void)qos;
	snprintf(io->filters[io->n_filters++], sizeof io->filters[0], "%s", filter);
	return 0;
}

static int fake_online(void *ctx)
{
	return !((struct fake_io *)ctx)->offline;
}

/* The last payload published on topic, or NULL. */
static const char *published(const struct fake_io *io, const char *topic)
{
	for (size_t i = io->n; i > 0; i--)
		if (strcmp(io->topics[i - 1], topic) == 0)
			return io->payloads[i - 1];
	return NULL;
}

/* ---------- fixture ---------- */

struct fixture {
	struct fake_io io;
	struct n2m_log log;
	struct n2m_tracker_table trackers;
	struct n2m_plugin_host host;
	config_t cfg;
	struct n2m_plugin_config pc;
	char err[2048];
};

static struct fixture *fixture_new(const char *settings_text)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct n2m_plugin_host_io io = { fake_publish, fake_subscribe, fake_online, NULL };

	assert_non_null(f);
	io.ctx = &f->io;
	n2m_log_open(&f->log, N2M_LOG_ERROR, 0, "test");
	assert_int_equal(n2m_tracker_table_init(&f->trackers, N2M_TOPIC_ID_TRACKER_ID), 0);
	assert_int_equal(n2m_plugin_host_init(&f->host, "navixy", &f->log, &f->trackers, &io), 0);
	config_init(&f->cfg);
	if (settings_text) {
		assert_int_equal(config_read_string(&f->cfg, settings_text), CONFIG_TRUE);
		f->pc.settings = config_lookup(&f->cfg, "settings");
		assert_non_null(f->pc.settings);
	}
	f->pc.name = "tp";
	f->pc.path = TP_GOOD;
	return f;
}

static void fixture_free(struct fixture *f)
{
	n2m_plugin_host_free(&f->host);
	n2m_tracker_table_free(&f->trackers);
	config_destroy(&f->cfg);
	n2m_log_close(&f->log);
	free(f);
}

/* A function the loaded test plugin exports (same handle: dlopen of a
 * loaded path just counts a reference). */
static void *plugin_symbol(const char *path, const char *name)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	void *sym;

	assert_non_null(dl);
	sym = dlsym(dl, name);
	dlclose(dl);
	assert_non_null(sym);
	return sym;
}

typedef int (*tp_publish_fn)(const char *, const void *, size_t, int, int);
typedef int (*tp_subscribe_fn)(const char *);
typedef const char *(*tp_options_fn)(void);
typedef int (*tp_count_fn)(void);

/* ---------- loading ---------- */

static void loads_and_reads_options(void **state)
{
	(void)state;
	struct fixture *f = fixture_new("settings = { greeting = \"hi\"; count = 7; flag = true; ratio = 2; };");

	assert_int_equal(n2m_plugin_host_load(&f->host, &f->pc, 1, NULL, f->err, sizeof f->err), 0);
	assert_int_equal(f->host.n, 1);
	tp_options_fn options;
	*(void **)&options = plugin_symbol(TP_GOOD, "tp_options");
	assert_string_equal(options(), "hi|7|1|2.00|4");
	/* Its subscription went to MQTT, and every event is wanted. */
	assert_int_equal(f->io.n_filters, 1);
	assert_string_equal(f->io.filters[0], "test/in/#");
	assert_true(n2m_plugin_host_wants(&f->host, N2M_EVT_MESSAGE));
	fixture_free(f);
}

static void defaults_without_settings(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);

	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), 0);
	tp_options_fn options;
	*(void **)&options = plugin_symbol(TP_GOOD, "tp_options");
	assert_string_equal(options(), "hello|3|0|0.50|0");
	fixture_free(f);
}

static void version_mismatch_is_refused(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);

	f->pc.name = "oldone";
	f->pc.path = TP_VERSION;
	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "plugin oldone"));
	assert_non_null(strstr(f->err, "version 999"));
	assert_non_null(strstr(f->err, "this bridge has version 1"));
	assert_int_equal(f->host.n, 0);
	assert_int_equal(f->host.counters.failed, 1);
	fixture_free(f);
}

static void missing_symbols_are_named(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);

	f->pc.name = "half";
	f->pc.path = TP_NOSYM;
	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "plugin half"));
	assert_non_null(strstr(f->err, "missing symbol(s): n2m_plugin_init n2m_plugin_cleanup"));
	assert_null(strstr(f->err, "n2m_plugin_version"));
	fixture_free(f);
}

static void not_a_shared_object(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	char path[] = "/tmp/n2m-notaplugin-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is text, not ELF\n", 22), 22);
	close(fd);
	f->pc.name = "text";
	f->pc.path = path;
	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "plugin text: cannot load"));
	assert_non_null(strstr(f->err, path));
	unlink(path);

	f->pc.path = "/nonexistent/dir/plugin.so";
	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "cannot load /nonexistent/dir/plugin.so"));
	fixture_free(f);
}

static void init_failure_required_or_not(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);

	f->pc.name = "flaky";
	f->pc.path = TP_INITFAIL;
	f->pc.required = 0;
	/* Not required: reported, skipped, the bridge goes on. */
	assert_int_equal(n2m_plugin_host_load(&f->host, &f->pc, 1, NULL, f->err, sizeof f->err), 0);
	assert_int_equal(f->host.n, 0);
	/* Required: fatal, with the plugin's name and reason. */
	f->pc.required = 1;
	assert_int_equal(n2m_plugin_host_load(&f->host, &f->pc, 1, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "plugin flaky: init failed"));
	assert_non_null(strstr(f->err, "no backend configured"));
	assert_non_null(strstr(f->err, "required"));
	fixture_free(f);
}

static void bad_option_types_fail_init(void **state)
{
	(void)state;
	struct fixture *f = fixture_new("settings = { count = \"seven\"; };");

	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "plugins.tp.settings.count: expected an integer"));
	assert_non_null(strstr(f->err, "line 1"));
	fixture_free(f);

	f = fixture_new("settings = { greeting = \"x\"; colour = \"red\"; };");
	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "plugins.tp.settings.colour: unknown setting"));
	fixture_free(f);

	f = fixture_new("settings = { flag = 1; };");
	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "settings.flag: expected true or false"));
	fixture_free(f);
}

/* ---------- what plugins pass ---------- */

static void bad_publish_calls_are_rejected(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	static char big[N2M_PLUGIN_PAYLOAD_MAX + 1];
	tp_publish_fn pub;

	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), 0);
	*(void **)&pub = plugin_symbol(TP_GOOD, "tp_publish");
	assert_int_equal(pub(NULL, "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("", "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/+/b", "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/#", "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("bad\xff\xfeutf8", "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("navixy/bridge/state", "offline", 7, 1, 1), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/b", NULL, 5, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/b", big, sizeof big, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/b", "x", 1, 3, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/b", "x", 1, -1, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/b", "x", 1, 0, 2), N2M_PLUGIN_EINVAL);
	/* What Mosquitto disconnects for (topic.h): noncharacters, controls. */
	assert_int_equal(pub("a/Van\xef\xbf\xbf", "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/\xef\xb7\x90", "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/line\nbreak", "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(pub("a/\xc2\x85", "x", 1, 0, 0), N2M_PLUGIN_EINVAL);
	assert_int_equal(f->host.counters.rejected_calls, 15);
	assert_int_equal(f->io.n, 0); /* none of them reached MQTT */

	/* Good calls go through; an empty payload (a clear) is fine. */
	assert_int_equal(pub("a/b", "x", 1, 2, 1), N2M_PLUGIN_OK);
	assert_int_equal(pub("a/b", NULL, 0, 0, 1), N2M_PLUGIN_OK);
	assert_int_equal(pub("navixy/tracker/1/extra", big, N2M_PLUGIN_PAYLOAD_MAX, 0, 0), N2M_PLUGIN_OK);
	assert_int_equal(f->io.n, 3);
	assert_string_equal(f->io.payloads[1], "");
	assert_int_equal(f->io.retain[1], 1);
	f->io.offline = 1;
	assert_int_equal(pub("a/b", "x", 1, 0, 0), N2M_PLUGIN_EOFFLINE);
	assert_int_equal(f->host.counters.rejected_calls, 15);

	/* Subscribing is for init only; bad filters are refused anyway. */
	tp_subscribe_fn sub;
	*(void **)&sub = plugin_symbol(TP_GOOD, "tp_subscribe");
	assert_int_equal(sub("more/#"), N2M_PLUGIN_ESTATE);
	assert_int_equal(f->io.n_filters, 1);
	fixture_free(f);
}

/* The trees a plugin uses, for the control plane's response topics:
 * learned from its subscriptions and publications, or declared. */
static void topic_trees_are_learned_and_declared(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	tp_publish_fn pub;

	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), 0);
	/* tp subscribes to test/in/# during init. */
	assert_int_equal(f->host.trees.n, 1);
	assert_string_equal(f->host.trees.prefix[0], "test");
	assert_string_equal(f->host.trees.owner[0], "tp");
	*(void **)&pub = plugin_symbol(TP_GOOD, "tp_publish");
	assert_int_equal(pub("out/x", "1", 1, 0, 0), N2M_PLUGIN_OK);
	assert_int_equal(pub("a/+", "1", 1, 0, 0), N2M_PLUGIN_EINVAL); /* refused: not learned */
	f->io.offline = 1;
	assert_int_equal(pub("late/x", "1", 1, 0, 0), N2M_PLUGIN_EOFFLINE); /* still its tree */
	struct n2m_plugin *p = f->host.plugins[0];
	assert_int_equal(f->host.api.topic_tree(p, "declared/tree"), N2M_PLUGIN_OK);
	assert_int_equal(f->host.api.topic_tree(p, "a/#"), N2M_PLUGIN_EINVAL);
	assert_int_equal(f->host.api.topic_tree(p, ""), N2M_PLUGIN_EINVAL);
	assert_int_equal(f->host.trees.n, 4);
	assert_string_equal(f->host.trees.prefix[1], "out");
	assert_string_equal(f->host.trees.prefix[2], "late");
	assert_string_equal(f->host.trees.prefix[3], "declared/tree");
	fixture_free(f);
}

/* ---------- events ---------- */

static struct n2m_tracker *add_tracker(struct fixture *f)
{
	static const char state[] =
		"{\"source_id\":5,\"connection_status\":\"active\",\"movement_status\":\"moving\","
		"\"ignition\":true,\"battery_level\":77,\"gsm\":{\"signal_level\":20},"
		"\"tracker_id\":100001,\"label\":\"Truck 1\"}";
	struct n2m_tracker *tr = n2m_tracker_get_or_add(&f->trackers, 100001, NULL);
	struct nvx_tracker_info info = { .id = 100001, .source_id = 5 };
	struct nvx_tracker_list list = { .items = &info, .n = 1 };

	assert_non_null(tr);
	assert_int_equal(n2m_tracker_set_label(&f->trackers, tr, "Truck 1", NULL), 0);
	assert_int_equal(n2m_tracker_store_state(tr, state, strlen(state)), 0);
	tr->connection_online = 1;
	tr->location.valid = 1;
	tr->location.latitude = 59.5;
	tr->location.present = N2M_LOC_LATITUDE;
	info.label = "Truck 1";
	info.model = "FMB920";
	info.device_id = "3500";
	n2m_plugin_host_tracker_list(&f->host, &list);
	return tr;
}

static void publication(struct n2m_pub_list *l, const char *topic, enum n2m_topic_class cls,
			int clearing)
{
	struct n2m_publication *p;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->items = realloc(l->items, l->cap * sizeof *l->items);
		assert_non_null(l->items);
	}
	p = &l->items[l->n++];
	memset(p, 0, sizeof *p);
	p->topic = strdup(topic);
	p->payload = strdup(clearing ? "" : "{}");
	p->cls = cls;
	p->tracker_id = 100001;
	p->clearing = clearing;
	p->retain = 1;
}

/* What bridge_publish_pending does around sending a batch. */
static void send_batch(struct n2m_plugin_host *h, const struct n2m_pub_list *pubs)
{
	for (size_t i = 0; i < pubs->n; i++)
		n2m_plugin_host_before_publication(h, &pubs->items[i]);
	n2m_plugin_host_after_publish(h, pubs);
}

static void tracker_events_from_publications(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct n2m_pub_list pubs;

	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), 0);
	add_tracker(f);
	n2m_pub_list_init(&pubs);
	publication(&pubs, "navixy/tracker/100001/state", N2M_CLASS_STATE, 0);
	publication(&pubs, "navixy/tracker/100001/location", N2M_CLASS_LOCATION, 0);
	send_batch(&f->host, &pubs);
	/* One event for both publications, with what changed and the view. */
	assert_int_equal(f->io.n, 1);
	assert_string_equal(published(&f->io, "test/out/updated"),
			    "100001|Truck 1|100001|FMB920|3|59.500000|1|moving|1|77|20");

	/* A clear of an old topic id (a rename) is not a removal. */
	n2m_pub_list_clear(&pubs);
	publication(&pubs, "navixy/tracker/Old_name/state", N2M_CLASS_STATE, 1);
	send_batch(&f->host, &pubs);
	assert_int_equal(f->io.n, 1);

	/* Clearing its current topics is: announced before the first clear is
	 * sent (not for the lifecycle event ahead of it), once, and no update
	 * follows after the batch. */
	n2m_pub_list_clear(&pubs);
	publication(&pubs, "navixy/tracker/100001/lifecycle", N2M_CLASS_LIFECYCLE, 0);
	publication(&pubs, "navixy/tracker/100001/state", N2M_CLASS_STATE, 1);
	publication(&pubs, "navixy/tracker/100001/location", N2M_CLASS_LOCATION, 1);
	n2m_plugin_host_before_publication(&f->host, &pubs.items[0]);
	assert_int_equal(f->io.n, 1);
	n2m_plugin_host_before_publication(&f->host, &pubs.items[1]);
	assert_int_equal(f->io.n, 2);
	assert_non_null(published(&f->io, "test/out/removed"));
	assert_int_equal(strncmp(published(&f->io, "test/out/removed"), "100001|Truck 1|", 15), 0);
	n2m_plugin_host_before_publication(&f->host, &pubs.items[2]);
	n2m_plugin_host_after_publish(&f->host, &pubs);
	assert_int_equal(f->io.n, 2);
	/* The next batch's clears announce it again (a new run). */
	n2m_pub_list_clear(&pubs);
	publication(&pubs, "navixy/tracker/100001/readings", N2M_CLASS_READINGS, 1);
	send_batch(&f->host, &pubs);
	assert_int_equal(f->io.n, 3);

	tp_count_fn count;
	*(void **)&count = plugin_symbol(TP_GOOD, "tp_count_trackers");
	assert_int_equal(count(), 1);
	n2m_pub_list_free(&pubs);
	fixture_free(f);
}

static void connected_and_messages(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);

	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), 0);
	n2m_plugin_host_mqtt_connected(&f->host);
	assert_string_equal(published(&f->io, "test/out/connected"), "0");
	n2m_plugin_host_mqtt_connected(&f->host);
	assert_string_equal(published(&f->io, "test/out/connected"), "1");

	n2m_plugin_host_message(&f->host, "test/in/a/b", "abc", 3);
	assert_string_equal(published(&f->io, "test/out/message"), "test/in/a/b=abc");
	size_t before = f->io.n;
	n2m_plugin_host_message(&f->host, "other/in/a", "x", 1);
	n2m_plugin_host_message(&f->host, "test/inx", "x", 1);
	n2m_plugin_host_message(&f->host, NULL, "x", 1);
	assert_int_equal(f->io.n, before);
	fixture_free(f);
}

static void finds_plugins_in_directories(void **state)
{
	(void)state;
	char dir[] = "/tmp/n2m-plugdir-XXXXXX", sub[256], file[300], out[512], err[1024];
	const char *dirs[] = { "/nonexistent", dir, NULL };

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof sub, "%s/foo", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(file, sizeof file, "%s/foo.so", sub);
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(n2m_plugin_find("foo", dirs, out, sizeof out, err, sizeof err), 0);
	assert_string_equal(out, file);
	assert_int_equal(n2m_plugin_find("bar", dirs, out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/bar/bar.so"));
	assert_non_null(strstr(err, "set its path"));
	unlink(file);
	rmdir(sub);
	rmdir(dir);
}

/* The search follows the executable: an installed one (<prefix>/bin)
 * looks in <prefix>/lib/navixy2mqtt/plugins first, whatever the prefix;
 * a build-tree one in build/plugins; the configured prefix comes last. */
static void default_dirs_follow_the_executable(void **state)
{
	(void)state;
	struct n2m_plugin_dirs d;

	n2m_plugin_default_dirs("/tmp/p/bin/navixy2mqtt", &d);
	assert_string_equal(d.dirs[0], "/tmp/p/lib/navixy2mqtt/plugins");
	assert_string_equal(d.dirs[1], "/tmp/p/plugins");
	assert_non_null(strstr(d.dirs[2], "/lib/navixy2mqtt/plugins"));
	assert_null(d.dirs[3]);

	n2m_plugin_default_dirs("/usr/bin/navixy2mqtt", &d);
	assert_string_equal(d.dirs[0], "/usr/lib/navixy2mqtt/plugins");

	n2m_plugin_default_dirs("/src/build/bridge/navixy2mqtt", &d);
	assert_string_equal(d.dirs[0], "/src/build/plugins");
	assert_non_null(strstr(d.dirs[1], "/lib/navixy2mqtt/plugins"));
	assert_null(d.dirs[2]);

	n2m_plugin_default_dirs("/opt/xbin/navixy2mqtt", &d); /* not a bin directory */
	assert_string_equal(d.dirs[0], "/opt/plugins");

	n2m_plugin_default_dirs(NULL, &d);
	assert_non_null(strstr(d.dirs[0], "/lib/navixy2mqtt/plugins"));
	assert_null(d.dirs[1]);
}

/* Inside the Mosquitto plugin the search follows the plugin's own file:
 * installed in <prefix>/lib/navixy2mqtt/ it looks in plugins/ next to it,
 * in the build tree (build/bridge/) in build/plugins. */
static void module_dirs_follow_the_plugin_file(void **state)
{
	(void)state;
	struct n2m_plugin_dirs d;

	n2m_plugin_module_dirs("/usr/lib/navixy2mqtt/navixy2mqtt_mosquitto.so", &d);
	assert_string_equal(d.dirs[0], "/usr/lib/navixy2mqtt/plugins");
	assert_string_equal(d.dirs[1], "/usr/lib/plugins");
	assert_non_null(strstr(d.dirs[2], "/lib/navixy2mqtt/plugins"));
	assert_null(d.dirs[3]);

	n2m_plugin_module_dirs("/src/build/bridge/navixy2mqtt_mosquitto.so", &d);
	assert_string_equal(d.dirs[1], "/src/build/plugins");

	n2m_plugin_module_dirs("/x.so", &d); /* no parent directory to use */
	assert_non_null(strstr(d.dirs[0], "/lib/navixy2mqtt/plugins"));
	assert_null(d.dirs[1]);

	n2m_plugin_module_dirs(NULL, &d);
	assert_null(d.dirs[1]);
}

/* A path without '/' is a file in the working directory, never a library
 * the dynamic linker finds on its search path. */
static void bare_name_is_not_searched_for(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	char cwd[512], dir[512];

	f->pc.name = "libc";
	f->pc.path = "libc.so.6"; /* dlopen alone would find the C library */
	assert_int_equal(n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "cannot load ./libc.so.6"));

	snprintf(dir, sizeof dir, "%s", TP_GOOD);
	*strrchr(dir, '/') = '\0';
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	f->pc.name = "tp";
	f->pc.path = strrchr(TP_GOOD, '/') + 1;
	int rc = n2m_plugin_host_load_one(&f->host, &f->pc, NULL, f->err, sizeof f->err);
	assert_int_equal(chdir(cwd), 0);
	if (rc != 0)
		fail_msg("%s", f->err);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_and_reads_options),
		cmocka_unit_test(default_dirs_follow_the_executable),
		cmocka_unit_test(module_dirs_follow_the_plugin_file),
		cmocka_unit_test(bare_name_is_not_searched_for),
		cmocka_unit_test(defaults_without_settings),
		cmocka_unit_test(version_mismatch_is_refused),
		cmocka_unit_test(missing_symbols_are_named),
		cmocka_unit_test(not_a_shared_object),
		cmocka_unit_test(init_failure_required_or_not),
		cmocka_unit_test(bad_option_types_fail_init),
		cmocka_unit_test(bad_publish_calls_are_rejected),
		cmocka_unit_test(topic_trees_are_learned_and_declared),
		cmocka_unit_test(tracker_events_from_publications),
		cmocka_unit_test(connected_and_messages),
		cmocka_unit_test(finds_plugins_in_directories),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
