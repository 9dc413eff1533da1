/* SPDX-License-Identifier: MIT */
/*
 * sim_fleet.h - the deterministic fleet model: for a seed, N trackers with
 * ids, source ids, labels, a route each and plausible state and readings.
 * Pure logic (the caller passes the wall-clock time in); no I/O, no JSON.
 *
 * Ids: tracker id = SIM_ID_BASE + index, source id = SIM_SOURCE_BASE +
 * 7 * index (never equal to a tracker id). Ids in [SIM_DISALLOWED_BASE,
 * SIM_DISALLOWED_END) are "another user's" trackers: status "disallowed".
 * Anything else not in the fleet (or removed) is "unknown".
 */
#ifndef SIM_FLEET_H
#define SIM_FLEET_H

#include <stddef.h>
#include <stdint.h>

#define SIM_ID_BASE 100001u
#define SIM_SOURCE_BASE 20000003u
#define SIM_DISALLOWED_BASE 900000000u
#define SIM_DISALLOWED_END 910000000u
#define SIM_MAX_TRACKERS 1000000u

/* Readings objects, each with its own change sequence for deltas. */
enum sim_rd {
	RD_VOLT,          /* inputs[]: board_voltage (power, volt) */
	RD_FUEL,          /* inputs[]: lls_level_1 (fuel, litre) */
	RD_TEMP,          /* inputs[]: temp_1 (temperature, celsius) */
	RD_OUTPUT_STATUS, /* states[]: output_status */
	RD_INPUT_STATUS,  /* states[]: input_status */
	RD_VIGN,          /* virtual_sensors[]: ignition (virtual_ignition) */
	RD_ODO,           /* counters[]: odometer */
	RD_ENGH,          /* counters[]: engine_hours */
	RD_COUNT
};

enum sim_move { MOVE_PARKED, MOVE_STOPPED, MOVE_MOVING };

enum sim_tracker_flag {
	TF_BLOCKED = 1,
	TF_REMOVED = 2,
};

struct sim_tracker {
	double lat, lng;
	double odometer;      /* km */
	double engine_hours;
	int64_t stamp_us;     /* send-time stamp for --stamp, 0 if none */
	char *label;
	uint32_t source_id;
	uint32_t rng;
	uint32_t changes;
	uint32_t state_seq;             /* fleet seq of the last state change */
	uint32_t rd_seq[RD_COUNT];      /* fleet seq of each readings object */
	uint32_t rd_time[RD_COUNT];     /* epoch s of each readings object */
	uint32_t t_gps, t_move, t_ign, t_inputs, t_outputs, t_last, t_gsm, t_batt, t_track,
		t_event;
	float speed, volt, fuel, temp;
	uint16_t heading;
	int16_t alt;
	uint8_t gps_signal, gsm_signal, battery, event_code;
	uint8_t inputs, outputs, n_inputs, n_outputs;
	uint8_t rd_inputs, rd_outputs, rd_ignition;
	uint8_t ignition, movement, connection, flags;
};

struct sim_fleet {
	struct sim_tracker *t;
	size_t n, cap;
	uint32_t seed;
	uint32_t seq;        /* global change counter (0 = nothing yet) */
	size_t n_blocked;
	size_t n_removed;
};

/* Builds n trackers for seed at wall-clock time now (epoch s). 0 or -1. */
int fleet_init(struct sim_fleet *f, size_t n, uint32_t seed, int64_t now);
void fleet_free(struct sim_fleet *f);

/* Index of a live (not removed) tracker id, or -1. */
long fleet_index(const struct sim_fleet *f, uint32_t id);
static inline uint32_t fleet_id(size_t idx) { return SIM_ID_BASE + (uint32_t)idx; }
static inline int fleet_live(const struct sim_fleet *f, size_t idx)
{
	return idx < f->n && !(f->t[idx].flags & TF_REMOVED);
}

/* Status of a tracker id as a WS subscription sees it. */
enum sim_status { ST_NORMAL, ST_BLOCKED, ST_UNKNOWN, ST_DISALLOWED };
enum sim_status fleet_status(const struct sim_fleet *f, uint32_t id);
const char *sim_status_name(enum sim_status s);

/* What a step changed. */
enum { CH_STATE = 1, CH_READINGS = 2 };

/* One deterministic change of tracker idx at time now; every readings_every
 * -th change (0: never) also changes readings. Returns CH_* bits. */
int fleet_step(struct sim_fleet *f, size_t idx, int64_t now, unsigned readings_every);

/* Adds a tracker (label may be NULL for a generated one). Returns its index or -1. */
long fleet_add(struct sim_fleet *f, const char *label, int64_t now);
int fleet_set_label(struct sim_fleet *f, size_t idx, const char *label);
/* The same from label[0..len) (any bytes: line breaks, invalid UTF-8, for
 * tests of hostile labels); -1 for a NUL inside, no tracker or no memory. */
int fleet_set_label_n(struct sim_fleet *f, size_t idx, const char *label, size_t len);
void fleet_block(struct sim_fleet *f, size_t idx, int blocked);
void fleet_remove(struct sim_fleet *f, size_t idx);

/* Names used in frames. */
const char *fleet_movement_name(const struct sim_tracker *t);
const char *fleet_connection_name(const struct sim_tracker *t);
const char *fleet_event_code(const struct sim_tracker *t);
uint32_t fleet_sensor_id(size_t idx, enum sim_rd rd);

/* Deterministic PRNG (xorshift32) used by the fleet and the change driver. */
uint32_t sim_rand(uint32_t *state);
uint32_t sim_seed_mix(uint32_t seed, uint32_t salt);

#endif
