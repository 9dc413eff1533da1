/*
 * plugin_host_dirs.c - where a plugin configured without a path is looked
 * for (see n2m_plugin_find in plugin_host.h).
 */
#include "plugin_host.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N2M_PLUGIN_DIR
#define N2M_PLUGIN_DIR "/usr/local/lib/navixy2mqtt/plugins"
#endif

#define DIR_MAX 4096

/* <dir of /proc/self/exe>/../plugins, or "" if it cannot be read. */
static void exe_plugin_dir(char *out, size_t cap)
{
	char exe[DIR_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	out[0] = '\0';
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (strlen(exe) + sizeof "/../plugins" > cap)
		return;
	memcpy(out, exe, strlen(exe));
	memcpy(out + strlen(exe), "/../plugins", sizeof "/../plugins");
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
	char exe_dir[DIR_MAX];
	const char *defaults[3];
	char tried[1024] = "";

	if (!dirs) {
		exe_plugin_dir(exe_dir, sizeof exe_dir);
		size_t k = 0;
		if (exe_dir[0])
			defaults[k++] = exe_dir;
		defaults[k++] = N2M_PLUGIN_DIR;
		defaults[k] = NULL;
		dirs = defaults;
	}
	for (size_t i = 0; dirs[i]; i++)
		if (try_dir(dirs[i], name, out, cap, tried, sizeof tried) == 0)
			return 0;
	snprintf(err, errlen, "no plugin file found (tried %s); set its path", tried[0] ? tried : "nothing");
	out[0] = '\0';
	return -1;
}
