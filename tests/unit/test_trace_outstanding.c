// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dmabuf-trace --outstanding (lib/trace_outstanding.c): exports followed
 * until their release, oldest first; what is not counted (failed exports,
 * releases of buffers from before), an inode seen again, the limit, a long
 * random run against a plain array, and the text and JSON forms with
 * hostile strings and stacks.
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

#include "model.h"
#include "rnd.h"
#include "trace.h"

static struct dmabuf_trace_event event(unsigned int kind, uint64_t ino, uint64_t ts)
{
	struct dmabuf_trace_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.ts_ns = ts;
	ev.pid = 100 + (uint32_t)(ino % 7);
	ev.tid = ev.pid + 1;
	snprintf(ev.comm, sizeof(ev.comm), "task%u", ev.pid);
	ev.has_buf = true;
	ev.ino = ino;
	ev.size = 4096 * (ino % 5 + 1);
	snprintf(ev.exporter, sizeof(ev.exporter), "exp%u", (unsigned int)(ino % 3));
	ev.has_name = ino % 2;
	if (ev.has_name)
		snprintf(ev.name, sizeof(ev.name), "buf%llu", (unsigned long long)ino);
	return ev;
}

static void feed(struct dmabuf_trace_outstanding *o, unsigned int kind, uint64_t ino, uint64_t ts)
{
	struct dmabuf_trace_event ev = event(kind, ino, ts);

	assert_int_equal(dmabuf_trace_outstanding_add(o, &ev, NULL, 0), 0);
}

static void test_follow(void **state)
{
	struct dmabuf_trace_outstanding *o = dmabuf_trace_outstanding_new(0);
	struct dmabuf_trace_outstanding_counts c;
	const struct dmabuf_trace_live_buf **l;
	struct dmabuf_trace_event ev;
	size_t n;

	(void)state;
	feed(o, TRACE_EV_RELEASE, 1, 5);	/* before anything was exported */
	feed(o, TRACE_EV_EXPORT, 5, 50);
	feed(o, TRACE_EV_EXPORT, 3, 10);	/* events come per CPU: not in time order */
	feed(o, TRACE_EV_EXPORT, 4, 40);
	feed(o, TRACE_EV_EXPORT, 2, 20);
	feed(o, TRACE_EV_MAP, 2, 25);		/* other events change nothing */
	feed(o, TRACE_EV_RELEASE, 4, 60);
	feed(o, TRACE_EV_RELEASE, 99, 61);	/* exported before the trace */
	ev = event(TRACE_EV_EXPORT, 7, 70);	/* a failed export */
	ev.has_ret = true;
	ev.ret = -ENOMEM;
	assert_int_equal(dmabuf_trace_outstanding_add(o, &ev, NULL, 0), 0);
	ev = event(TRACE_EV_EXPORT, 8, 80);	/* no buffer */
	ev.has_buf = false;
	assert_int_equal(dmabuf_trace_outstanding_add(o, &ev, NULL, 0), 0);

	l = dmabuf_trace_outstanding_list(o, &n, &c);
	assert_non_null(l);
	assert_int_equal(n, 3);
	assert_int_equal(l[0]->ino, 3);
	assert_int_equal(l[1]->ino, 2);
	assert_int_equal(l[2]->ino, 5);
	assert_int_equal(l[1]->ts_ns, 20);
	assert_int_equal(l[1]->pid, 102);
	assert_int_equal(l[1]->tid, 103);
	assert_string_equal(l[1]->comm, "task102");
	assert_string_equal(l[1]->exporter, "exp2");
	assert_int_equal(l[1]->size, 3 * 4096);
	assert_false(l[1]->has_name);
	assert_true(l[0]->has_name);
	assert_string_equal(l[0]->name, "buf3");
	assert_int_equal(c.exported, 4);
	assert_int_equal(c.released, 1);
	assert_int_equal(c.untracked, 0);

	/* an inode exported again (its buffer's release was missed) is listed once, anew */
	feed(o, TRACE_EV_EXPORT, 3, 90);
	l = dmabuf_trace_outstanding_list(o, &n, &c);
	assert_int_equal(n, 3);
	assert_int_equal(l[2]->ino, 3);
	assert_int_equal(l[2]->ts_ns, 90);
	dmabuf_trace_outstanding_free(o);
}

static void test_limit(void **state)
{
	struct dmabuf_trace_outstanding *o = dmabuf_trace_outstanding_new(3);
	struct dmabuf_trace_outstanding_counts c;
	const struct dmabuf_trace_live_buf **l;
	size_t n;
	uint64_t i;

	(void)state;
	for (i = 1; i <= 5; i++)
		feed(o, TRACE_EV_EXPORT, i, i);
	l = dmabuf_trace_outstanding_list(o, &n, &c);
	assert_int_equal(n, 3);
	assert_int_equal(c.untracked, 2);
	assert_int_equal(c.exported, 5);
	feed(o, TRACE_EV_RELEASE, 5, 6);	/* not followed: nothing to remove */
	feed(o, TRACE_EV_RELEASE, 2, 7);
	feed(o, TRACE_EV_EXPORT, 6, 8);		/* room again */
	l = dmabuf_trace_outstanding_list(o, &n, &c);
	assert_int_equal(n, 3);
	assert_int_equal(l[0]->ino, 1);
	assert_int_equal(l[1]->ino, 3);
	assert_int_equal(l[2]->ino, 6);
	assert_int_equal(c.released, 1);
	dmabuf_trace_outstanding_free(o);
}

/*
 * 300,000 random exports and releases over 5,000 inode numbers (clustered,
 * as the kernel hands them out, so probe runs collide and removals shift),
 * checked against a plain array at every 10,000th step.
 */
#define NINO 5000

static void test_random(void **state)
{
	struct dmabuf_trace_outstanding *o = dmabuf_trace_outstanding_new(0);
	static uint64_t alive_ts[NINO + 1];	/* 0: not alive */
	struct dmabuf_trace_outstanding_counts c;
	uint64_t ts = 0, exported = 0, released = 0;
	int step;

	(void)state;
	memset(alive_ts, 0, sizeof(alive_ts));
	for (step = 1; step <= 300000; step++) {
		uint64_t r = rnd(), ino = 1 + (r >> 8) % (r & 1 ? 64 : NINO);
		bool export = (r >> 40) % 100 < 52;

		ts++;
		if (export) {
			feed(o, TRACE_EV_EXPORT, ino, ts);
			alive_ts[ino] = ts;
			exported++;
		} else {
			feed(o, TRACE_EV_RELEASE, ino, ts);
			released += alive_ts[ino] != 0;
			alive_ts[ino] = 0;
		}
		if (step % 10000 == 0) {
			const struct dmabuf_trace_live_buf **l;
			size_t n, want = 0, i;
			uint64_t k;

			l = dmabuf_trace_outstanding_list(o, &n, &c);
			assert_non_null(l);
			for (k = 1; k <= NINO; k++)
				want += alive_ts[k] != 0;
			assert_int_equal(n, want);
			for (i = 0; i < n; i++) {
				assert_true(l[i]->ino >= 1 && l[i]->ino <= NINO);
				assert_int_equal(l[i]->ts_ns, alive_ts[l[i]->ino]);
				if (i)
					assert_true(l[i - 1]->ts_ns < l[i]->ts_ns);
			}
			assert_int_equal(c.exported, exported);
			assert_int_equal(c.released, released);
		}
	}
	dmabuf_trace_outstanding_free(o);
}

static char *output(struct dmabuf_trace_outstanding *o, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (json) {
		struct json_writer *jw = jw_new(f, false);

		jw_start_object(jw);
		assert_int_equal(dmabuf_trace_outstanding_json(o, jw), 0);
		jw_end_object(jw);
		assert_int_equal(jw_error(jw), 0);
		jw_destroy(jw);
	} else {
		assert_int_equal(dmabuf_trace_outstanding_print(o, f, 1000000000ull), 0);
	}
	fclose(f);
	return buf;
}

static void test_print(void **state)
{
	struct dmabuf_trace_outstanding *o = dmabuf_trace_outstanding_new(0);
	const char *frames[] = { "dma_buf_export+0x0", "lab_ioctl+0x42 [dmabuf_lab]" };
	struct dmabuf_trace_event ev = event(TRACE_EV_EXPORT, 9, 3500000000ull);
	char *t;

	(void)state;
	t = output(o, false);
	assert_string_equal(t, "\nOutstanding: 0 of the 0 buffers exported while tracing were "
			       "not released\n");
	free(t);

	snprintf(ev.name, sizeof(ev.name), "evil\x1b[31mred\x07\n");
	snprintf(ev.comm, sizeof(ev.comm), "c\tx");
	ev.has_name = true;
	ev.size = 16384;
	assert_int_equal(dmabuf_trace_outstanding_add(o, &ev, frames, 2), 0);
	feed(o, TRACE_EV_EXPORT, 10, 3600000000ull);
	feed(o, TRACE_EV_RELEASE, 10, 3700000000ull);

	t = output(o, false);
	assert_string_equal(t,
		"\nOutstanding: 1 of the 2 buffers exported while tracing was not released\n"
		"TIME(s)           PID COMM                INO EXPORTER           SIZE NAME\n"
		"2.500000          102 c\\x09x                9 exp0                16K "
		"evil\\x1b[31mred\\x07\\x0a\n"
		"    dma_buf_export+0x0\n"
		"    lab_ioctl+0x42 [dmabuf_lab]\n");
	assert_null(strchr(t, '\x1b'));
	free(t);

	t = output(o, true);
	assert_string_equal(t,
		"{\"outstanding\":{\"exported\":2,\"released\":1,\"untracked\":0,\"buffers\":[{"
		"\"ts_ns\":3500000000,\"pid\":102,\"tid\":103,\"comm\":\"c\\\\x09x\",\"ino\":9,"
		"\"exporter\":\"exp0\",\"size\":16384,"
		"\"name\":\"evil\\\\x1b[31mred\\\\x07\\\\x0a\","
		"\"present\":null,\"file_count\":null,\"holders\":null,"
		"\"stack\":[\"dma_buf_export+0x0\",\"lab_ioctl+0x42 [dmabuf_lab]\"]}]}}\n");
	free(t);
	dmabuf_trace_outstanding_free(o);
}

/*
 * A name given after the export comes with the buffer's next events; the
 * snapshot at the end says who holds each buffer left, and names it too.
 */
static void test_resolve(void **state)
{
	struct dmabuf_trace_outstanding *o = dmabuf_trace_outstanding_new(0);
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct dmabuf_trace_outstanding_counts c;
	const struct dmabuf_trace_live_buf **l;
	struct dmabuf_trace_event ev;
	struct dmabuf_buffer *b;
	struct dmabuf_owner *w;
	size_t n;
	char *t;

	(void)state;
	assert_non_null(s);
	feed(o, TRACE_EV_EXPORT, 20, 1000000000ull);	/* even: no name at export */
	feed(o, TRACE_EV_EXPORT, 22, 1100000000ull);
	feed(o, TRACE_EV_EXPORT, 24, 1200000000ull);
	ev = event(TRACE_EV_ATTACH, 20, 1300000000ull);
	ev.has_name = true;
	snprintf(ev.name, sizeof(ev.name), "named-later");
	assert_int_equal(dmabuf_trace_outstanding_add(o, &ev, NULL, 0), 0);
	l = dmabuf_trace_outstanding_list(o, &n, &c);
	assert_int_equal(n, 3);
	assert_true(l[0]->has_name);
	assert_string_equal(l[0]->name, "named-later");
	assert_int_equal(l[0]->present, -1);

	/* 20: an fd in 300 and a mapping in 301; 22: only the kernel; 24: gone */
	b = dmabuf_buffer_get(s, 20, true);
	assert_non_null(b);
	b->file_count = 3;
	w = dmabuf_owner_get(s, b, 300, "holder");
	assert_non_null(w);
	assert_int_equal(dmabuf_owner_add_fd(s, w, 7), 0);
	w = dmabuf_owner_get(s, b, 301, "mapper");
	assert_non_null(w);
	w->nmaps = 2;
	b = dmabuf_buffer_get(s, 22, true);
	assert_non_null(b);
	b->file_count = 1;
	assert_int_equal(dmabuf_set_str(s, &b->name, "kname", 5), 0);
	assert_int_equal(dmabuf_trace_outstanding_resolve(o, s), 0);

	t = output(o, false);
	assert_non_null(strstr(t, " 20 exp2               4.0K named-later\n"
				  "    held by 300 holder: 1 fd, 0 mappings\n"
				  "    held by 301 mapper: 0 fds, 2 mappings\n"));
	assert_non_null(strstr(t, " 22 exp1                12K kname\n"
				  "    held by no process: 1 file reference from the kernel (a driver)\n"));
	assert_non_null(strstr(t, " 24 exp0                20K -\n"
				  "    not in the snapshot taken at the end (released since, or not "
				  "visible)\n"));
	free(t);
	t = output(o, true);
	assert_non_null(strstr(t, "\"ino\":20,\"exporter\":\"exp2\",\"size\":4096,"
				  "\"name\":\"named-later\",\"present\":true,\"file_count\":3,"
				  "\"holders\":[{\"pid\":300,\"comm\":\"holder\",\"fds\":1,\"maps\":0},"
				  "{\"pid\":301,\"comm\":\"mapper\",\"fds\":0,\"maps\":2}]}"));
	assert_non_null(strstr(t, "\"name\":\"kname\",\"present\":true,\"file_count\":1,"
				  "\"holders\":[]}"));
	assert_non_null(strstr(t, "\"ino\":24,\"exporter\":\"exp0\",\"size\":20480,\"name\":null,"
				  "\"present\":false,\"file_count\":null,\"holders\":[]}"));
	free(t);
	dmabuf_snapshot_free(s);
	dmabuf_trace_outstanding_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
