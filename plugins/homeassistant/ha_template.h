/* SPDX-License-Identifier: MIT */
/*
 * ha_template.h - the Jinja templates the Home Assistant discovery configs
 * carry, built as text (pure functions).
 *
 * Home Assistant renders a value_template on every message of the state
 * topic, with `value_json` set only when the payload is JSON. A member a
 * payload can lack (compact state frames have no `gsm` or `battery_level`,
 * a filtered readings frame has no `counters`) or an empty payload (a
 * removed tracker's cleared topic) must not reach HA's template engine as
 * an undefined value: HA logs a warning for every undefined value that is
 * printed or tested for truth, and an error for every attribute read from
 * one. So every template walks the path one guarded level at a time and
 * tests types (`is mapping`, `is number`, ...), which never log, and
 * renders `None` (HA: unknown) for whatever is missing or of the wrong
 * type. Numeric sensors render numbers only: a boolean is not one.
 */
#ifndef N2M_HA_TEMPLATE_H
#define N2M_HA_TEMPLATE_H

#include <stddef.h>

/* Room for the longest template these functions build. */
#define HA_TEMPLATE_CAP 640

enum ha_value_kind {
	HA_VALUE_NUMBER, /* a number, not a boolean */
	HA_VALUE_TEXT,   /* a string or a number, as it is */
	HA_VALUE_ENUM,   /* one of the options */
	HA_VALUE_ON_OFF, /* a boolean as HA's default payload_on / payload_off */
};

/* The value at path (members separated by '.', e.g. "gsm.signal_level") of
 * the payload. options: the allowed values of HA_VALUE_ENUM, NULL-
 * terminated. 0, or -1 when out is too small (out is then ""). */
int ha_template_member(char *out, size_t cap, const char *path, enum ha_value_kind kind,
		       const char *const *options);

/* The `value` of the entry of the array `section` whose `key` equals
 * literal (a Jinja literal: 4000000 or 'odometer'). 0 or -1 as above. */
int ha_template_entry(char *out, size_t cap, const char *section, const char *key,
		      const char *literal, enum ha_value_kind kind);

/* The device_tracker's json_attributes_template: the location payload as
 * a JSON object without its null members, and without latitude and
 * longitude unless both are numbers (HA warns about a null gps_accuracy
 * or an incomplete position); `{}` for a payload that is not an object. */
const char *ha_template_location_attributes(void);

#endif
