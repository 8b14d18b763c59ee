// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The tracer's summary (lib/trace_summary.c): counts per exporter, device
 * and process, log2 latency histograms, the key limit, text and JSON.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "trace.h"

static struct dmabuf_trace_event event(unsigned int kind, const char *exp, const char *dev,
				       uint32_t pid, int64_t latency)
{
	struct dmabuf_trace_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.pid = ev.tid = pid;
	snprintf(ev.comm, sizeof(ev.comm), "p%u", pid);
	ev.has_buf = exp != NULL;
	if (exp)
		snprintf(ev.exporter, sizeof(ev.exporter), "%s", exp);
	ev.has_device = dev != NULL;
	if (dev)
		snprintf(ev.device, sizeof(ev.device), "%s", dev);
	ev.has_latency = latency >= 0;
	ev.latency_ns = latency >= 0 ? (uint64_t)latency : 0;
	return ev;
}

static void add(struct dmabuf_trace_summary *s, struct dmabuf_trace_event ev)
{
	assert_int_equal(dmabuf_trace_summary_add(s, &ev), 0);
}

static void test_counts(void **state)
{
	struct dmabuf_trace_summary *s = dmabuf_trace_summary_new();
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		add(s, event(TRACE_EV_MAP, "lab", "imp.0", 10, 1000));
	for (i = 0; i < 3; i++)
		add(s, event(TRACE_EV_MAP, "lab", "imp.1", 11, 3000));
	add(s, event(TRACE_EV_EXPORT, "drm", NULL, 10, -1));
	add(s, event(TRACE_EV_EXPORT, NULL, NULL, 10, -1));	/* a failed export: no buffer */

	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_EXPORTER, "lab", TRACE_EV_MAP), 8);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_EXPORTER, "drm",
						    TRACE_EV_EXPORT), 1);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_DEVICE, "imp.0", TRACE_EV_MAP), 5);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_DEVICE, "imp.1", TRACE_EV_MAP), 3);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_PROCESS, "10", TRACE_EV_EXPORT), 2);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_PROCESS, "11", TRACE_EV_MAP), 3);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_DEVICE, "nope", TRACE_EV_MAP), 0);

	dmabuf_trace_summary_reset(s);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_EXPORTER, "lab", TRACE_EV_MAP), 0);
	dmabuf_trace_summary_free(s);
}

static void test_hist(void **state)
{
	struct dmabuf_trace_summary *s = dmabuf_trace_summary_new();
	const uint64_t *h;

	(void)state;
	add(s, event(TRACE_EV_MAP, "lab", "d", 1, 0));
	add(s, event(TRACE_EV_MAP, "lab", "d", 1, 1));
	add(s, event(TRACE_EV_MAP, "lab", "d", 1, 1023));
	add(s, event(TRACE_EV_MAP, "lab", "d", 1, 1024));
	add(s, event(TRACE_EV_MAP, "lab", "d", 1, 1ll << 40));	/* past the last slot */
	h = dmabuf_trace_summary_hist(s, DMABUF_TRACE_BY_EXPORTER, "lab", TRACE_EV_MAP);
	assert_non_null(h);
	assert_int_equal(h[0], 2);	/* 0 and 1 */
	assert_int_equal(h[9], 1);	/* 512..1023 */
	assert_int_equal(h[10], 1);	/* 1024..2047 */
	assert_int_equal(h[DMABUF_TRACE_HIST_SLOTS - 1], 1);
	assert_null(dmabuf_trace_summary_hist(s, DMABUF_TRACE_BY_EXPORTER, "lab", TRACE_EV_UNMAP));
	dmabuf_trace_summary_free(s);
}

static void test_key_limit(void **state)
{
	struct dmabuf_trace_summary *s = dmabuf_trace_summary_new();
	char dev[32];
	int i;

	(void)state;
	for (i = 0; i < 1030; i++) {
		snprintf(dev, sizeof(dev), "dev%d", i);
		add(s, event(TRACE_EV_ATTACH, "lab", dev, 1, -1));
	}
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_DEVICE, "dev0", TRACE_EV_ATTACH), 1);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_DEVICE, "(other)",
						    TRACE_EV_ATTACH), 6);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_EXPORTER, "lab",
						    TRACE_EV_ATTACH), 1030);
	dmabuf_trace_summary_free(s);
}

/* What the kernel aggregated (--summary) merges by name: counts, hists, min and max. */
static void test_merge(void **state)
{
	struct dmabuf_trace_summary *s = dmabuf_trace_summary_new();
	uint64_t h1[DMABUF_TRACE_HIST_SLOTS] = { 0 }, h2[DMABUF_TRACE_HIST_SLOTS] = { 0 };
	struct dmabuf_trace_agg a = {
		.kind = TRACE_EV_MAP, .exporter = "lab", .device = "imp.0", .pid = 5, .comm = "old",
		.count = 3, .lat_n = 3, .lat_sum = 3000, .lat_min = 500, .lat_max = 2000, .hist = h1,
	}, b = a;
	const uint64_t *h;

	(void)state;
	h1[8] = 1;
	h1[10] = 2;
	h2[10] = 1;
	h2[12] = 1;
	/* the same exporter and process from another device pointer, later */
	b.device = "imp.1";
	b.comm = "new";
	b.count = 2;
	b.lat_n = 2;
	b.lat_sum = 5100;
	b.lat_min = 1100;
	b.lat_max = 4000;
	b.hist = h2;
	assert_int_equal(dmabuf_trace_summary_merge(s, &a), 0);
	assert_int_equal(dmabuf_trace_summary_merge(s, &b), 0);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_EXPORTER, "lab", TRACE_EV_MAP), 5);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_DEVICE, "imp.1", TRACE_EV_MAP), 2);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_PROCESS, "5", TRACE_EV_MAP), 5);
	h = dmabuf_trace_summary_hist(s, DMABUF_TRACE_BY_EXPORTER, "lab", TRACE_EV_MAP);
	assert_non_null(h);
	assert_int_equal(h[8], 1);
	assert_int_equal(h[10], 3);
	assert_int_equal(h[12], 1);
	/* no buffer and no device: only the process counts it */
	b.exporter = NULL;
	b.device = NULL;
	b.kind = TRACE_EV_GET;
	b.lat_n = 0;
	b.hist = NULL;
	assert_int_equal(dmabuf_trace_summary_merge(s, &b), 0);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_PROCESS, "5", TRACE_EV_GET), 2);
	assert_int_equal(dmabuf_trace_summary_count(s, DMABUF_TRACE_BY_EXPORTER, "lab", TRACE_EV_GET), 0);
	b.kind = TRACE_EV__COUNT;
	assert_int_equal(dmabuf_trace_summary_merge(s, &b), -EINVAL);
	dmabuf_trace_summary_free(s);
}

static char *output(struct dmabuf_trace_summary *s, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (json) {
		struct json_writer *jw = jw_new(f, false);

		dmabuf_trace_summary_json(s, jw);
		assert_int_equal(jw_error(jw), 0);
		jw_destroy(jw);
	} else {
		dmabuf_trace_summary_print(s, f);
	}
	fclose(f);
	return buf;
}

static void test_print(void **state)
{
	struct dmabuf_trace_summary *s = dmabuf_trace_summary_new();
	char *t;

	(void)state;
	add(s, event(TRACE_EV_MAP, "lab\x1b", "imp.0", 7, 1500));
	add(s, event(TRACE_EV_MAP, "lab\x1b", "imp.0", 7, 1600));
	add(s, event(TRACE_EV_UNMAP, "lab\x1b", "imp.0", 7, 700));
	t = output(s, false);
	assert_non_null(strstr(t, "Summary: 3 events\nBy exporter:\n  lab\\x1b: 3 events: map=2 unmap=1\n"));
	assert_non_null(strstr(t, "    map latency: n=2 min=1500ns avg=1550ns max=1600ns\n"));
	assert_non_null(strstr(t, "1024 -> 2047       : 2        |****************************************|"));
	assert_non_null(strstr(t, "  7 (p7): 3 events:"));
	assert_null(strchr(t, '\x1b'));
	free(t);

	t = output(s, true);
	assert_non_null(strstr(t, "{\"summary\":{\"events\":3,\"exporter\":[{\"key\":\"lab\\\\x1b\","
			       "\"total\":3,\"events\":{\"map\":{\"count\":2,\"latency_ns\":{\"n\":2,"
			       "\"min\":1500,\"max\":1600,\"sum\":3100,\"log2_hist\":[{\"from\":1024,"
			       "\"to\":2047,\"count\":2}]}}"));
	assert_non_null(strstr(t, "\"process\":[{\"pid\":7,\"comm\":\"p7\",\"key\":\"7\""));
	free(t);
	dmabuf_trace_summary_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_key_limit),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
