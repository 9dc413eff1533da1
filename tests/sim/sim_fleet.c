/* SPDX-License-Identifier: MIT */
/*
 * sim_fleet.c - deterministic fleet: initial placement, routes and the
 * per-change evolution of state and readings.
 */
#include "sim_fleet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEP_SECONDS 10.0  /* simulated time a change stands for */
#define DEG2RAD (3.14159265358979323846 / 180.0)

static const struct { double lat, lng; } cities[] = {
	{ 52.5200, 13.4050 }, { 48.8566, 2.3522 }, { 25.8417, -97.7957 },
	{ 19.4326, -99.1332 }, { 40.4168, -3.7038 }, { 45.4642, 9.1900 },
	{ 50.0755, 14.4378 }, { 59.3293, 18.0686 },
};
static const char *const kinds[] = { "Truck", "Van", "Car", "Trailer", "Bus", "Tractor" };
static const char *const event_codes[] = { "42", "33", "12", "46", "47", "16", "29" };
#define N_EVENT_CODES (sizeof(event_codes) / sizeof(event_codes[0]))

uint32_t sim_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

uint32_t sim_seed_mix(uint32_t seed, uint32_t salt)
{
	uint64_t z = ((uint64_t)seed << 32 | salt) + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	uint32_t r = (uint32_t)(z ^ (z >> 32));
	return r ? r : 1;
}

/* Uniform in [0,1). */
static double frand(uint32_t *s)
{
	return (sim_rand(s) >> 8) * (1.0 / 16777216.0);
}

static int chance(uint32_t *s, double p)
{
	return frand(s) < p;
}

static void init_tracker(struct sim_tracker *t, size_t idx, uint32_t seed, int64_t now,
			 const char *label)
{
	memset(t, 0, sizeof(*t));
	t->rng = sim_seed_mix(seed, (uint32_t)idx);
	uint32_t *r = &t->rng;
	t->source_id = SIM_SOURCE_BASE + 7u * (uint32_t)idx;
	size_t c = sim_rand(r) % (sizeof(cities) / sizeof(cities[0]));
	t->lat = cities[c].lat + (frand(r) - 0.5) * 0.4;
	t->lng = cities[c].lng + (frand(r) - 0.5) * 0.4;
	t->alt = (int16_t)(20 + sim_rand(r) % 400);
	t->heading = (uint16_t)(sim_rand(r) % 360);
	t->movement = (uint8_t)(sim_rand(r) % 3);
	t->ignition = t->movement != MOVE_PARKED;
	t->speed = t->movement == MOVE_MOVING ? (float)(20 + sim_rand(r) % 80) : 0;
	t->connection = 0; /* active */
	t->gps_signal = (uint8_t)(60 + sim_rand(r) % 41);
	t->gsm_signal = (uint8_t)(10 + sim_rand(r) % 22);
	t->battery = (uint8_t)(40 + sim_rand(r) % 61);
	t->event_code = (uint8_t)(sim_rand(r) % N_EVENT_CODES);
	t->n_inputs = (uint8_t)(sim_rand(r) % 2 ? 4 : 8);
	t->n_outputs = (uint8_t)(sim_rand(r) % 2 ? 3 : 4);
	t->inputs = (uint8_t)(sim_rand(r) & ((1u << t->n_inputs) - 1));
	t->outputs = (uint8_t)(sim_rand(r) & ((1u << t->n_outputs) - 1));
	t->volt = t->ignition ? 13.9f : 12.6f;
	t->fuel = (float)(40 + sim_rand(r) % 260);
	t->temp = (float)(-5 + (int)(sim_rand(r) % 35));
	t->odometer = 1000.0 + (sim_rand(r) % 200000) + frand(r);
	t->engine_hours = 10.0 + (sim_rand(r) % 5000) + frand(r);
	t->rd_inputs = t->inputs;
	t->rd_outputs = t->outputs;
	t->rd_ignition = t->ignition;

	uint32_t base = (uint32_t)now;
	t->t_gps = t->t_last = t->t_gsm = t->t_batt = base - sim_rand(r) % 60;
	t->t_inputs = t->t_outputs = t->t_gps;
	t->t_move = t->t_ign = t->t_track = base - 60 - sim_rand(r) % 7200;
	t->t_event = base - sim_rand(r) % 3600;
	for (int i = 0; i < RD_COUNT; i++)
		t->rd_time[i] = base - sim_rand(r) % 600;

	if (label) {
		t->label = strdup(label);
	} else {
		char buf[48];
		snprintf(buf, sizeof(buf), "%s %zu", kinds[sim_seed_mix(seed, (uint32_t)idx ^ 0x55u) %
						     (sizeof(kinds) / sizeof(kinds[0]))],
			 idx + 1);
		t->label = strdup(buf);
	}
}

static int grow(struct sim_fleet *f, size_t want)
{
	if (want <= f->cap)
		return 0;
	size_t ncap = f->cap ? f->cap : 16;
	while (ncap < want)
		ncap *= 2;
	struct sim_tracker *n = realloc(f->t, ncap * sizeof(*n));
	if (!n)
		return -1;
	f->t = n;
	f->cap = ncap;
	return 0;
}

int fleet_init(struct sim_fleet *f, size_t n, uint32_t seed, int64_t now)
{
	memset(f, 0, sizeof(*f));
	f->seed = seed;
	if (n > SIM_MAX_TRACKERS || grow(f, n ? n : 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		init_tracker(&f->t[i], i, seed, now, NULL);
		if (!f->t[i].label) {
			f->n = i;
			return -1;
		}
	}
	f->n = n;
	return 0;
}

void fleet_free(struct sim_fleet *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->t[i].label);
	free(f->t);
	memset(f, 0, sizeof(*f));
}

long fleet_index(const struct sim_fleet *f, uint32_t id)
{
	if (id < SIM_ID_BASE)
		return -1;
	size_t idx = id - SIM_ID_BASE;
	return fleet_live(f, idx) ? (long)idx : -1;
}

enum sim_status fleet_status(const struct sim_fleet *f, uint32_t id)
{
	if (id >= SIM_DISALLOWED_BASE && id < SIM_DISALLOWED_END)
		return ST_DISALLOWED;
	long idx = fleet_index(f, id);
	if (idx < 0)
		return ST_UNKNOWN;
	return (f->t[idx].flags & TF_BLOCKED) ? ST_BLOCKED : ST_NORMAL;
}

const char *sim_status_name(enum sim_status s)
{
	switch (s) {
	case ST_NORMAL: return "normal";
	case ST_BLOCKED: return "blocked";
	case ST_DISALLOWED: return "disallowed";
	default: return "unknown";
	}
}

const char *fleet_movement_name(const struct sim_tracker *t)
{
	static const char *const names[] = { "parked", "stopped", "moving" };
	return names[t->movement % 3];
}

const char *fleet_connection_name(const struct sim_tracker *t)
{
	static const char *const names[] = { "active", "idle", "signal_lost", "offline" };
	return names[t->connection % 4];
}

const char *fleet_event_code(const struct sim_tracker *t)
{
	return event_codes[t->event_code % N_EVENT_CODES];
}

uint32_t fleet_sensor_id(size_t idx, enum sim_rd rd)
{
	return 4000000u + (uint32_t)idx * 8u + (uint32_t)rd;
}

static void rd_touch(struct sim_fleet *f, struct sim_tracker *t, enum sim_rd rd, uint32_t now)
{
	t->rd_seq[rd] = f->seq;
	t->rd_time[rd] = now;
}

static void step_readings(struct sim_fleet *f, struct sim_tracker *t, uint32_t now,
			  double dist_km)
{
	uint32_t *r = &t->rng;
	float v = t->ignition ? 13.8f + (float)frand(r) * 0.6f : 12.2f + (float)frand(r) * 0.6f;
	t->volt = roundf(v * 100) / 100;
	rd_touch(f, t, RD_VOLT, now);
	if (t->movement == MOVE_MOVING || chance(r, 0.05)) {
		t->fuel -= (float)(dist_km * 0.3 + frand(r) * 0.2);
		if (t->fuel < 15)
			t->fuel = (float)(200 + sim_rand(r) % 150); /* refuelled */
		t->fuel = roundf(t->fuel * 10) / 10;
		rd_touch(f, t, RD_FUEL, now);
	}
	if (chance(r, 0.3)) {
		t->temp += (float)(frand(r) - 0.5) * 2;
		t->temp = roundf(t->temp * 10) / 10;
		rd_touch(f, t, RD_TEMP, now);
	}
	if (t->rd_outputs != t->outputs) {
		t->rd_outputs = t->outputs;
		rd_touch(f, t, RD_OUTPUT_STATUS, now);
	}
	if (t->rd_inputs != t->inputs) {
		t->rd_inputs = t->inputs;
		rd_touch(f, t, RD_INPUT_STATUS, now);
	}
	if (t->rd_ignition != t->ignition) {
		t->rd_ignition = t->ignition;
		rd_touch(f, t, RD_VIGN, now);
	}
	if (dist_km > 0) {
		t->odometer += dist_km;
		rd_touch(f, t, RD_ODO, now);
	}
	if (t->ignition) {
		t->engine_hours += STEP_SECONDS / 3600.0;
		rd_touch(f, t, RD_ENGH, now);
	}
}

int fleet_step(struct sim_fleet *f, size_t idx, int64_t now64, unsigned readings_every)
{
	if (!fleet_live(f, idx))
		return 0;
	struct sim_tracker *t = &f->t[idx];
	uint32_t *r = &t->rng;
	uint32_t now = (uint32_t)now64;
	double dist = 0;

	f->seq++;
	if (f->seq == 0)
		f->seq = 1;
	t->changes++;

	switch (t->movement) {
	case MOVE_MOVING:
		if (chance(r, 0.06)) {
			t->movement = MOVE_STOPPED;
			t->speed = 0;
			t->t_move = now;
		} else {
			t->speed += (float)((frand(r) - 0.5) * 20);
			if (t->speed < 10)
				t->speed = 10;
			if (t->speed > 120)
				t->speed = 120;
			int dh = (int)(sim_rand(r) % 31) - 15;
			t->heading = (uint16_t)((t->heading + 360 + dh) % 360);
			dist = t->speed * STEP_SECONDS / 3600.0;
			double h = t->heading * DEG2RAD;
			t->lat += dist * cos(h) / 111.32;
			t->lng += dist * sin(h) / (111.32 * cos(t->lat * DEG2RAD));
			t->alt = (int16_t)(t->alt + (int)(sim_rand(r) % 5) - 2);
			t->t_track = now;
		}
		break;
	case MOVE_STOPPED:
		if (chance(r, 0.35)) {
			t->movement = MOVE_MOVING;
			t->speed = (float)(10 + sim_rand(r) % 30);
			t->t_move = now;
		} else if (chance(r, 0.15)) {
			t->movement = MOVE_PARKED;
			t->ignition = 0;
			t->t_move = t->t_ign = now;
		}
		break;
	default:
		if (chance(r, 0.2)) {
			t->movement = MOVE_STOPPED;
			t->ignition = 1;
			t->t_move = t->t_ign = now;
		}
		break;
	}
	t->gps_signal = (uint8_t)(60 + sim_rand(r) % 41);
	t->t_gps = now;
	t->t_last = now;
	if (chance(r, 0.5)) {
		t->gsm_signal = (uint8_t)(5 + sim_rand(r) % 27);
		t->t_gsm = now;
	}
	if (chance(r, 0.2)) {
		int b = t->battery + (t->ignition ? 1 : -1);
		t->battery = (uint8_t)(b < 5 ? 5 : b > 100 ? 100 : b);
		t->t_batt = now;
	}
	if (chance(r, 0.1)) {
		t->inputs ^= (uint8_t)(1u << (sim_rand(r) % t->n_inputs));
		t->t_inputs = now;
	}
	if (chance(r, 0.05)) {
		t->outputs ^= (uint8_t)(1u << (sim_rand(r) % t->n_outputs));
		t->t_outputs = now;
	}
	if (chance(r, 0.3)) {
		t->event_code = (uint8_t)(sim_rand(r) % N_EVENT_CODES);
		t->t_event = now;
	}
	t->state_seq = f->seq;

	int ch = CH_STATE;
	if (readings_every && t->changes % readings_every == 0) {
		step_readings(f, t, now, dist);
		ch |= CH_READINGS;
	}
	return ch;
}

long fleet_add(struct sim_fleet *f, const char *label, int64_t now)
{
	if (f->n >= SIM_MAX_TRACKERS || grow(f, f->n + 1))
		return -1;
	init_tracker(&f->t[f->n], f->n, f->seed, now, label);
	if (!f->t[f->n].label)
		return -1;
	return (long)f->n++;
}

int fleet_set_label(struct sim_fleet *f, size_t idx, const char *label)
{
	return fleet_set_label_n(f, idx, label, strlen(label));
}

int fleet_set_label_n(struct sim_fleet *f, size_t idx, const char *label, size_t len)
{
	if (!fleet_live(f, idx) || memchr(label, '\0', len))
		return -1;
	char *l = malloc(len + 1);
	if (!l)
		return -1;
	memcpy(l, label, len);
	l[len] = '\0';
	free(f->t[idx].label);
	f->t[idx].label = l;
	return 0;
}

void fleet_block(struct sim_fleet *f, size_t idx, int blocked)
{
	if (!fleet_live(f, idx))
		return;
	struct sim_tracker *t = &f->t[idx];
	int was = !!(t->flags & TF_BLOCKED);
	if (was == !!blocked)
		return;
	if (blocked) {
		t->flags |= TF_BLOCKED;
		f->n_blocked++;
	} else {
		t->flags &= (uint8_t)~TF_BLOCKED;
		f->n_blocked--;
	}
}

void fleet_remove(struct sim_fleet *f, size_t idx)
{
	if (!fleet_live(f, idx))
		return;
	fleet_block(f, idx, 0);
	f->t[idx].flags |= TF_REMOVED;
	f->n_removed++;
}
