/* SPDX-License-Identifier: MIT */
/*
 * plugin_host_dirs.c - where a plugin configured without a path is looked
 * for (see n2m_plugin_find and n2m_plugin_default_dirs in plugin_host.h).
 *
 * The search starts from the running executable, not from paths fixed
 * when the build was configured: `cmake --install build --prefix P` puts
 * the daemon in P/bin and the plugins in P/lib/navixy2mqtt/plugins, and
 * that pair must work whatever P is. Inside the Mosquitto plugin the
 * running executable is the broker: the search starts from the plugin's
 * own file instead (n2m_plugin_module_dirs).
 */
#define _GNU_SOURCE /* dladdr */
#include "plugin_host_internal.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The install layout, relative to the prefix (CMakeLists.txt sets both). */
#ifndef N2M_INSTALL_BINDIR
#define N2M_INSTALL_BINDIR "bin"
#endif
#ifndef N2M_INSTALL_PLUGINDIR
#define N2M_INSTALL_PLUGINDIR "lib/navixy2mqtt/plugins"
#endif
/* The prefix the build was configured with: a last resort for a daemon
 * copied out of its install tree. */
#ifndef N2M_PLUGIN_DIR
#define N2M_PLUGIN_DIR "/usr/local/" N2M_INSTALL_PLUGINDIR
#endif

/* Length of dir without its last component ("/a/b" -> 2), or 0 if it has
 * none to drop. */
static size_t parent_len(const char *dir)
{
	const char *slash = strrchr(dir, '/');
	return slash && slash != dir ? (size_t)(slash - dir) : 0;
}

/* "<prefix>/<plugin dir>" when exe_dir is "<prefix>/<bin dir>", else "". */
static void install_dir(const char *exe_dir, char *out, size_t cap)
{
	size_t len = strlen(exe_dir), bin = strlen(N2M_INSTALL_BINDIR);

	out[0] = '\0';
	if (len <= bin + 1 || strcmp(exe_dir + len - bin, N2M_INSTALL_BINDIR) != 0 ||
	    exe_dir[len - bin - 1] != '/')
		return;
	int n = snprintf(out, cap, "%.*s/%s", (int)(len - bin - 1), exe_dir, N2M_INSTALL_PLUGINDIR);
	if (n < 0 || (size_t)n >= cap)
		out[0] = '\0';
}

void n2m_plugin_default_dirs(const char *exe, struct n2m_plugin_dirs *d)
{
	char exe_dir[N2M_PLUGIN_DIR_MAX];
	size_t k = 0, dir_len = exe ? parent_len(exe) : 0;

	memset(d, 0, sizeof *d);
	if (dir_len && dir_len < sizeof exe_dir) {
		memcpy(exe_dir, exe, dir_len);
		exe_dir[dir_len] = '\0';
		install_dir(exe_dir, d->installed, sizeof d->installed);
		if (d->installed[0])
			d->dirs[k++] = d->installed;
		size_t up = parent_len(exe_dir);
		if (up && up + sizeof "/plugins" <= sizeof d->build_tree) {
			memcpy(d->build_tree, exe_dir, up);
			memcpy(d->build_tree + up, "/plugins", sizeof "/plugins");
			d->dirs[k++] = d->build_tree;
		}
	}
	d->dirs[k] = N2M_PLUGIN_DIR;
}

void n2m_plugin_module_dirs(const char *module, struct n2m_plugin_dirs *d)
{
	size_t dir_len = module ? parent_len(module) : 0, k = 0;

	memset(d, 0, sizeof *d);
	if (dir_len && dir_len + sizeof "/plugins" <= sizeof d->installed) {
		/* <dir>/plugins: the install layout, <prefix>/lib/navixy2mqtt/. */
		memcpy(d->installed, module, dir_len);
		memcpy(d->installed + dir_len, "/plugins", sizeof "/plugins");
		d->dirs[k++] = d->installed;
		/* <dir>/../plugins: the build tree, build/bridge/ -> build/plugins. */
		memcpy(d->build_tree, module, dir_len);
		d->build_tree[dir_len] = '\0';
		size_t up = parent_len(d->build_tree);
		if (up) {
			memcpy(d->build_tree + up, "/plugins", sizeof "/plugins");
			d->dirs[k++] = d->build_tree;
		}
	}
	d->dirs[k] = N2M_PLUGIN_DIR;
}

/* The file this code was loaded from when it is a shared object (the
 * Mosquitto plugin), else NULL. */
static const char *own_module(void)
{
	Dl_info info;
	size_t len;

	if (!dladdr((void *)n2m_plugin_module_dirs, &info) || !info.dli_fname)
		return NULL;
	len = strlen(info.dli_fname);
	if (len < 3 || strcmp(info.dli_fname + len - 3, ".so") != 0)
		return NULL;
	return info.dli_fname;
}

static int try_dir(const char *dir, const char *name, char *out, size_t cap, char *err,
		   size_t errlen)
{
	size_t used = strlen(err);
	int n = snprintf(out, cap, "%s/%s/%s.so", dir, name, name);

	if (n < 0 || (size_t)n >= cap)
		return -1;
	if (access(out, R_OK) == 0)
		return 0;
	if (used < errlen)
		snprintf(err + used, errlen - used, "%s%s", used ? ", " : "", out);
	return -1;
}

int n2m_plugin_find(const char *name, const char *const *dirs, char *out, size_t cap,
		    char *err, size_t errlen)
{
	struct n2m_plugin_dirs defaults;
	char tried[1024] = "";

	if (!dirs && own_module()) {
		n2m_plugin_module_dirs(own_module(), &defaults);
		dirs = defaults.dirs;
	} else if (!dirs) {
		char exe[N2M_PLUGIN_DIR_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
		n2m_plugin_default_dirs(n > 0 ? exe : NULL, &defaults);
		dirs = defaults.dirs;
	}
	for (size_t i = 0; dirs[i]; i++)
		if (try_dir(dirs[i], name, out, cap, tried, sizeof tried) == 0)
			return 0;
	snprintf(err, errlen, "no plugin file found (tried %s); set its path", tried[0] ? tried : "nothing");
	out[0] = '\0';
	return -1;
}
