/* SPDX-License-Identifier: MIT */
/*
 * ha_template.c - Jinja templates for the Home Assistant discovery
 * configs (see ha_template.h for why every step is guarded).
 *
 * Members are read with v['name'], not v.name: Jinja's attribute syntax
 * looks for a Python attribute first, so v.values or v.items would be the
 * dict's methods.
 */
#include "ha_template.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct text {
	char *out;
	size_t cap, len;
	int failed;
};

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->out + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->failed = 1;
		return;
	}
	t->len += (size_t)n;
}

static int finish(struct text *t)
{
	if (t->failed) {
		if (t->cap)
			t->out[0] = '\0';
		return -1;
	}
	return 0;
}

/* v = the payload as JSON, or none when it is not JSON (empty, cleared). */
static void start(struct text *t)
{
	put(t, "{%% set v = value_json if value_json is defined else none %%}");
}

/* v = v[name] when v is an object that has it, else none. */
static void step(struct text *t, const char *name, size_t len)
{
	put(t, "{%% set v = v['%.*s'] if v is mapping and v['%.*s'] is defined else none %%}",
	    (int)len, name, (int)len, name);
}

static void render(struct text *t, enum ha_value_kind kind, const char *const *options)
{
	switch (kind) {
	case HA_VALUE_NUMBER:
		put(t, "{{ v if v is number and v is not boolean else none }}");
		break;
	case HA_VALUE_TEXT:
		put(t, "{{ v if v is string or v is number else none }}");
		break;
	case HA_VALUE_ENUM:
		put(t, "{{ v if v in [");
		for (size_t i = 0; options && options[i]; i++)
			put(t, "%s'%s'", i ? ", " : "", options[i]);
		put(t, "] else none }}");
		break;
	case HA_VALUE_ON_OFF:
		put(t, "{{ ('ON' if v else 'OFF') if v is boolean else none }}");
		break;
	}
}

int ha_template_member(char *out, size_t cap, const char *path, enum ha_value_kind kind,
		       const char *const *options)
{
	struct text t = { out, cap, 0, cap == 0 };

	start(&t);
	while (*path) {
		size_t len = strcspn(path, ".");
		step(&t, path, len);
		path += len;
		if (*path == '.')
			path++;
	}
	render(&t, kind, options);
	return finish(&t);
}

int ha_template_entry(char *out, size_t cap, const char *section, const char *key,
		      const char *literal, enum ha_value_kind kind)
{
	struct text t = { out, cap, 0, cap == 0 };

	start(&t);
	step(&t, section, strlen(section));
	put(&t, "{%% set r = v | selectattr('%s', 'eq', %s) | list if v is sequence else [] %%}",
	    key, literal);
	put(&t, "{%% set v = r[0]['value'] if r else none %%}");
	render(&t, kind, NULL);
	return finish(&t);
}

const char *ha_template_location_attributes(void)
{
	return "{% set d = value_json if value_json is defined and value_json is mapping else {} %}"
	       "{% set drop = [] if d['latitude'] is number and d['longitude'] is number"
	       " else ['latitude', 'longitude'] %}"
	       "{{ dict(d | dictsort | rejectattr('1', 'none') | rejectattr('0', 'in', drop))"
	       " | tojson }}";
}
