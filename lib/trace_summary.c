// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * trace_summary.c - counts and latency histograms of traced events per
 * exporter, per importing device and per process, for dmabuf-trace
 * --summary (and later dmabuf-top's rates). Histograms are log2 buckets of
 * the latency in nanoseconds; each group keeps at most SUMMARY_MAX_KEYS
 * keys, the rest are counted under "(other)".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "trace.h"

#define SUMMARY_MAX_KEYS 1024
#define KEY_LEN 48
#define OTHER_KEY "(other)"

struct summary_entry {
	char key[KEY_LEN];		/* exporter, device, or the decimal pid */
	char comm[TRACE_COMM_LEN + 1];	/* processes: the latest comm seen */
	uint32_t pid;
	uint64_t total;
	uint64_t count[TRACE_EV__COUNT];
	uint64_t lat_n[TRACE_EV__COUNT], lat_sum[TRACE_EV__COUNT];
	uint64_t lat_min[TRACE_EV__COUNT], lat_max[TRACE_EV__COUNT];
	uint64_t *hist[TRACE_EV__COUNT];	/* DMABUF_TRACE_HIST_SLOTS, when a latency came */
};

struct summary_group {
	struct summary_entry *e;
	size_t n, cap;
};

struct dmabuf_trace_summary {
	struct summary_group g[DMABUF_TRACE_GROUPS];
	uint64_t events;
	bool no_latency;	/* map/unmap untimed: say so rather than show no histogram */
};

static const char *const group_names[DMABUF_TRACE_GROUPS] = { "exporter", "device", "process" };

struct dmabuf_trace_summary *dmabuf_trace_summary_new(void)
{
	return calloc(1, sizeof(struct dmabuf_trace_summary));
}

void dmabuf_trace_summary_reset(struct dmabuf_trace_summary *s)
{
	size_t gi, i;
	unsigned int k;

	for (gi = 0; gi < DMABUF_TRACE_GROUPS; gi++) {
		for (i = 0; i < s->g[gi].n; i++)
			for (k = 0; k < TRACE_EV__COUNT; k++)
				free(s->g[gi].e[i].hist[k]);
		free(s->g[gi].e);
		memset(&s->g[gi], 0, sizeof(s->g[gi]));
	}
	s->events = 0;
}

void dmabuf_trace_summary_free(struct dmabuf_trace_summary *s)
{
	if (!s)
		return;
	dmabuf_trace_summary_reset(s);
	free(s);
}

void dmabuf_trace_summary_no_latency(struct dmabuf_trace_summary *s)
{
	s->no_latency = true;
}

static struct summary_entry *find(const struct summary_group *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->e[i].key, key))
			return &g->e[i];
	return NULL;
}

static struct summary_entry *get(struct summary_group *g, const char *key)
{
	struct summary_entry *e = find(g, key);

	if (e)
		return e;
	if (g->n >= SUMMARY_MAX_KEYS) {
		e = find(g, OTHER_KEY);
		if (e)
			return e;
		key = OTHER_KEY;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct summary_entry *n = realloc(g->e, cap * sizeof(*n));

		if (!n)
			return NULL;
		g->e = n;
		g->cap = cap;
	}
	e = &g->e[g->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	return e;
}

static unsigned int slot_of(uint64_t ns)
{
	unsigned int slot = 0;

	while (ns > 1 && slot < DMABUF_TRACE_HIST_SLOTS - 1) {
		ns >>= 1;
		slot++;
	}
	return slot;
}

static int account(struct summary_entry *e, const struct dmabuf_trace_agg *a)
{
	unsigned int k = a->kind, i;

	e->total += a->count;
	e->count[k] += a->count;
	if (!a->lat_n)
		return 0;
	if (!e->hist[k]) {
		e->hist[k] = calloc(DMABUF_TRACE_HIST_SLOTS, sizeof(uint64_t));
		if (!e->hist[k])
			return -ENOMEM;
	}
	for (i = 0; a->hist && i < DMABUF_TRACE_HIST_SLOTS; i++)
		e->hist[k][i] += a->hist[i];
	if (!e->lat_n[k] || a->lat_min < e->lat_min[k])
		e->lat_min[k] = a->lat_min;
	if (a->lat_max > e->lat_max[k])
		e->lat_max[k] = a->lat_max;
	e->lat_n[k] += a->lat_n;
	e->lat_sum[k] += a->lat_sum;
	return 0;
}

int dmabuf_trace_summary_merge(struct dmabuf_trace_summary *s, const struct dmabuf_trace_agg *a)
{
	struct summary_entry *e;
	char pid[16];

	if (a->kind >= TRACE_EV__COUNT)
		return -EINVAL;
	s->events += a->count;
	if (a->exporter) {
		e = get(&s->g[DMABUF_TRACE_BY_EXPORTER], a->exporter);
		if (!e || account(e, a))
			return -ENOMEM;
	}
	if (a->device) {
		e = get(&s->g[DMABUF_TRACE_BY_DEVICE], a->device);
		if (!e || account(e, a))
			return -ENOMEM;
	}
	snprintf(pid, sizeof(pid), "%" PRIu32, a->pid);
	e = get(&s->g[DMABUF_TRACE_BY_PROCESS], pid);
	if (!e)
		return -ENOMEM;
	if (strcmp(e->key, OTHER_KEY)) {
		e->pid = a->pid;
		snprintf(e->comm, sizeof(e->comm), "%s", a->comm ? a->comm : "");
	}
	return account(e, a);
}

int dmabuf_trace_summary_add(struct dmabuf_trace_summary *s, const struct dmabuf_trace_event *ev)
{
	uint64_t hist[DMABUF_TRACE_HIST_SLOTS] = { 0 };
	struct dmabuf_trace_agg a = {
		.kind = ev->kind,
		.exporter = ev->has_buf ? ev->exporter : NULL,
		.device = ev->has_device ? ev->device : NULL,
		.pid = ev->pid,
		.comm = ev->comm,
		.count = 1,
	};

	if (ev->kind >= TRACE_EV__COUNT)
		return -EINVAL;
	if (ev->has_latency) {
		hist[slot_of(ev->latency_ns)] = 1;
		a.lat_n = 1;
		a.lat_sum = a.lat_min = a.lat_max = ev->latency_ns;
		a.hist = hist;
	}
	return dmabuf_trace_summary_merge(s, &a);
}

uint64_t dmabuf_trace_summary_count(const struct dmabuf_trace_summary *s,
				    enum dmabuf_trace_group g, const char *key, unsigned int kind)
{
	const struct summary_entry *e;

	if (g >= DMABUF_TRACE_GROUPS || kind >= TRACE_EV__COUNT)
		return 0;
	e = find(&s->g[g], key);
	return e ? e->count[kind] : 0;
}

const uint64_t *dmabuf_trace_summary_hist(const struct dmabuf_trace_summary *s,
					  enum dmabuf_trace_group g, const char *key,
					  unsigned int kind)
{
	const struct summary_entry *e;

	if (g >= DMABUF_TRACE_GROUPS || kind >= TRACE_EV__COUNT)
		return NULL;
	e = find(&s->g[g], key);
	return e ? e->hist[kind] : NULL;
}

/* --- text ---------------------------------------------------------------- */

static void print_hist(FILE *f, const uint64_t *h)
{
	uint64_t max = 0;
	int lo = -1, hi = -1, i;

	for (i = 0; i < DMABUF_TRACE_HIST_SLOTS; i++) {
		if (!h[i])
			continue;
		if (lo < 0)
			lo = i;
		hi = i;
		if (h[i] > max)
			max = h[i];
	}
	if (lo < 0)
		return;
	fprintf(f, "      %-24s : %-8s %s\n", "nsecs", "count", "distribution");
	for (i = lo; i <= hi; i++) {
		uint64_t from = i ? 1ull << i : 0, to = (1ull << (i + 1)) - 1;
		int stars = (int)(h[i] * 40 / max), j;
		char bar[41];

		for (j = 0; j < 40; j++)
			bar[j] = j < stars ? '*' : ' ';
		bar[40] = '\0';
		fprintf(f, "      %10" PRIu64 " -> %-10" PRIu64 " : %-8" PRIu64 " |%s|\n", from, to,
			h[i], bar);
	}
}

static void print_entry(FILE *f, enum dmabuf_trace_group g, const struct summary_entry *e)
{
	char key[4 * KEY_LEN], comm[4 * TRACE_COMM_LEN + 1];
	unsigned int k;
	int col;

	dmabuf_escape(e->key, strlen(e->key), key, sizeof(key));
	if (g == DMABUF_TRACE_BY_PROCESS && e->comm[0]) {
		dmabuf_escape(e->comm, strlen(e->comm), comm, sizeof(comm));
		col = fprintf(f, "  %s (%s): %" PRIu64 " events:", key, comm, e->total);
	} else {
		col = fprintf(f, "  %s: %" PRIu64 " events:", key, e->total);
	}
	for (k = 0; k < TRACE_EV__COUNT; k++) {
		char word[48];
		int n;

		if (!e->count[k])
			continue;
		n = snprintf(word, sizeof(word), " %s=%" PRIu64, dmabuf_trace_event_name(k),
			     e->count[k]);
		if (col + n > 96) {
			fprintf(f, "\n   ");
			col = 3;
		}
		fputs(word, f);
		col += n;
	}
	fputc('\n', f);
	for (k = 0; k < TRACE_EV__COUNT; k++) {
		if (!e->lat_n[k])
			continue;
		fprintf(f, "    %s latency: n=%" PRIu64 " min=%" PRIu64 "ns avg=%" PRIu64
			"ns max=%" PRIu64 "ns\n", dmabuf_trace_event_name(k), e->lat_n[k],
			e->lat_min[k], e->lat_sum[k] / e->lat_n[k], e->lat_max[k]);
		print_hist(f, e->hist[k]);
	}
}

void dmabuf_trace_summary_print(const struct dmabuf_trace_summary *s, FILE *f)
{
	size_t gi, i;

	fprintf(f, "Summary: %" PRIu64 " events\n", s->events);
	if (s->no_latency)
		fprintf(f, "Latencies: not measured (--no-latency)\n");
	for (gi = 0; gi < DMABUF_TRACE_GROUPS; gi++) {
		if (!s->g[gi].n)
			continue;
		fprintf(f, "By %s:\n", group_names[gi]);
		for (i = 0; i < s->g[gi].n; i++)
			print_entry(f, (enum dmabuf_trace_group)gi, &s->g[gi].e[i]);
	}
}

/* --- JSON ---------------------------------------------------------------- */

static void json_entry(struct json_writer *jw, enum dmabuf_trace_group g,
		       const struct summary_entry *e)
{
	unsigned int k;
	int i;

	jw_start_object(jw);
	if (g == DMABUF_TRACE_BY_PROCESS) {
		if (e->pid)
			jw_uint_field(jw, "pid", e->pid);
		else
			jw_null_field(jw, "pid");
		jw_string_field(jw, "comm", e->comm[0] ? e->comm : NULL);
	}
	jw_string_field(jw, "key", e->key);
	jw_uint_field(jw, "total", e->total);
	jw_name(jw, "events");
	jw_start_object(jw);
	for (k = 0; k < TRACE_EV__COUNT; k++) {
		if (!e->count[k])
			continue;
		jw_name(jw, dmabuf_trace_event_name(k));
		jw_start_object(jw);
		jw_uint_field(jw, "count", e->count[k]);
		jw_name(jw, "latency_ns");
		if (!e->lat_n[k]) {
			jw_null(jw);
		} else {
			jw_start_object(jw);
			jw_uint_field(jw, "n", e->lat_n[k]);
			jw_uint_field(jw, "min", e->lat_min[k]);
			jw_uint_field(jw, "max", e->lat_max[k]);
			jw_uint_field(jw, "sum", e->lat_sum[k]);
			jw_name(jw, "log2_hist");
			jw_start_array(jw);
			for (i = 0; i < DMABUF_TRACE_HIST_SLOTS; i++) {
				if (!e->hist[k][i])
					continue;
				jw_start_object(jw);
				jw_uint_field(jw, "from", i ? 1ull << i : 0);
				jw_uint_field(jw, "to", (1ull << (i + 1)) - 1);
				jw_uint_field(jw, "count", e->hist[k][i]);
				jw_end_object(jw);
			}
			jw_end_array(jw);
			jw_end_object(jw);
		}
		jw_end_object(jw);
	}
	jw_end_object(jw);
	jw_end_object(jw);
}

void dmabuf_trace_summary_json(const struct dmabuf_trace_summary *s, struct json_writer *jw)
{
	size_t gi, i;

	jw_start_object(jw);
	jw_name(jw, "summary");
	jw_start_object(jw);
	jw_uint_field(jw, "events", s->events);
	if (s->no_latency)
		jw_bool_field(jw, "latencies", false);
	for (gi = 0; gi < DMABUF_TRACE_GROUPS; gi++) {
		jw_name(jw, group_names[gi]);
		jw_start_array(jw);
		for (i = 0; i < s->g[gi].n; i++)
			json_entry(jw, (enum dmabuf_trace_group)gi, &s->g[gi].e[i]);
		jw_end_array(jw);
	}
	jw_end_object(jw);
	jw_end_object(jw);
}
