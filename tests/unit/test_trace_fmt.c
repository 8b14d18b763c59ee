// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pure half of the tracer (lib/trace_fmt.c): decoding records,
 * event names and lists, contract words, filters, the text line and the
 * JSON object of an event.
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

static struct trace_rec map_rec(void)
{
	struct trace_rec r;

	memset(&r, 0, sizeof(r));
	r.ts_ns = 2500000000ull;
	r.kind = TRACE_EV_MAP;
	r.method = TRACE_M_FENTRY;
	r.size_rec = sizeof(r);
	r.pid = 42;
	r.tid = 43;
	r.ino = 1234;
	r.size = 8192;
	r.latency_ns = 12345;
	r.dir = 1;
	r.resv = TRACE_RESV_CALLER;
	r.flags = TRACE_F_HAS_BUF | TRACE_F_HAS_NAME | TRACE_F_HAS_DEV | TRACE_F_HAS_DIR |
		  TRACE_F_HAS_LATENCY | TRACE_F_HAS_RET | TRACE_F_HAS_RESV |
		  TRACE_F_IMP_DYN_KNOWN | TRACE_F_IMP_DYN | TRACE_F_EXP_DYN_KNOWN |
		  TRACE_F_CACHED_KNOWN | TRACE_F_PINNED_KNOWN | TRACE_F_PINNED;
	strcpy(r.comm, "worker");
	strcpy(r.exporter, "dmabuf_lab");
	strcpy(r.name, "vram");
	strcpy(r.device, "dmabuf_lab_imp.0");
	return r;
}

static void test_decode(void **state)
{
	struct trace_rec r = map_rec();
	struct dmabuf_trace_event ev;

	(void)state;
	assert_int_equal(dmabuf_trace_decode(&r, sizeof(r), &ev), 0);
	assert_int_equal(ev.kind, TRACE_EV_MAP);
	assert_int_equal(ev.pid, 42);
	assert_true(ev.has_buf);
	assert_int_equal(ev.ino, 1234);
	assert_string_equal(ev.exporter, "dmabuf_lab");
	assert_string_equal(ev.name, "vram");
	assert_string_equal(ev.device, "dmabuf_lab_imp.0");
	assert_int_equal(ev.dir, 1);
	assert_int_equal(ev.importer_dynamic, 1);
	assert_int_equal(ev.exporter_dynamic, 0);
	assert_int_equal(ev.p2p, -1);
	assert_int_equal(ev.cached, 0);
	assert_int_equal(ev.pinned, 1);
	assert_int_equal(ev.resv, TRACE_RESV_CALLER);
	assert_false(ev.has_fd);

	/* names filling their arrays have no NUL: still terminated */
	memset(r.name, 'n', sizeof(r.name));
	assert_int_equal(dmabuf_trace_decode(&r, sizeof(r), &ev), 0);
	assert_int_equal(strlen(ev.name), TRACE_NAME_LEN);

	/* short, unknown kind, size lying about the record */
	assert_int_equal(dmabuf_trace_decode(&r, sizeof(r) - 1, &ev), -EINVAL);
	r.kind = TRACE_EV__COUNT;
	assert_int_equal(dmabuf_trace_decode(&r, sizeof(r), &ev), -EINVAL);
	r.kind = TRACE_EV_MOVE;		/* a move record must be a trace_move_rec */
	assert_int_equal(dmabuf_trace_decode(&r, sizeof(r), &ev), -EINVAL);
}

static void test_decode_move(void **state)
{
	struct trace_move_rec m;
	struct dmabuf_trace_event ev;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.e = map_rec();
	m.e.kind = TRACE_EV_MOVE;
	m.e.size_rec = sizeof(m);
	m.notified = 2;
	m.attachments = 3;
	strcpy(m.notified_dev[0], "a");
	strcpy(m.notified_dev[1], "b");
	assert_int_equal(dmabuf_trace_decode(&m, sizeof(m), &ev), 0);
	assert_true(ev.is_move);
	assert_int_equal(ev.notified, 2);
	assert_string_equal(ev.notified_dev[1], "b");
}

static void test_names(void **state)
{
	uint32_t mask;
	char bad[32];
	unsigned int k;

	(void)state;
	for (k = 0; k < TRACE_EV__COUNT; k++)
		assert_non_null(dmabuf_trace_event_name(k));
	assert_null(dmabuf_trace_event_name(TRACE_EV__COUNT));
	assert_string_equal(dmabuf_trace_event_name(TRACE_EV_BEGIN_CPU), "begin_cpu_access");
	assert_string_equal(dmabuf_trace_dir_name(2), "from_device");
	assert_null(dmabuf_trace_dir_name(-1));

	assert_int_equal(dmabuf_trace_parse_events("map,unmap,release", &mask, bad, sizeof(bad)), 0);
	assert_int_equal(mask, 1u << TRACE_EV_MAP | 1u << TRACE_EV_UNMAP | 1u << TRACE_EV_RELEASE);
	assert_int_equal(dmabuf_trace_parse_events("map,maps", &mask, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "maps");
	assert_int_equal(dmabuf_trace_parse_events("", &mask, bad, sizeof(bad)), -EINVAL);
	assert_int_equal(dmabuf_trace_parse_events(",", &mask, bad, sizeof(bad)), -EINVAL);
}

static void test_contract_text(void **state)
{
	char buf[160];

	(void)state;
	assert_false(dmabuf_trace_contract_text(0, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_true(dmabuf_trace_contract_text(TRACE_CONTRACT(TRACE_CONTRACT_NOT_HELD,
							      TRACE_RULE_IMP_DYNAMIC), buf, sizeof(buf)));
	assert_string_equal(buf, "reservation lock not held: a dynamic importer must hold it");
	assert_true(dmabuf_trace_contract_text(TRACE_CONTRACT(TRACE_CONTRACT_HELD,
							      TRACE_RULE_MIGHT_LOCK), buf, sizeof(buf)));
	assert_non_null(strstr(buf, "held by the caller"));
}

static void test_filter(void **state)
{
	struct trace_rec r = map_rec();
	struct dmabuf_trace_event ev;
	struct dmabuf_trace_filter f;

	(void)state;
	dmabuf_trace_decode(&r, sizeof(r), &ev);
	memset(&f, 0, sizeof(f));
	assert_true(dmabuf_trace_filter_match(&f, &ev));
	f.events = 1u << TRACE_EV_UNMAP;
	assert_false(dmabuf_trace_filter_match(&f, &ev));
	f.events = 1u << TRACE_EV_MAP;
	f.pid = 42;
	f.comm = "worker";
	f.exporter = "dmabuf_lab";
	f.device = "dmabuf_lab_imp.0";
	f.ino = 1234;
	assert_true(dmabuf_trace_filter_match(&f, &ev));
	f.device = "dmabuf_lab_imp";	/* exact, not a prefix */
	assert_false(dmabuf_trace_filter_match(&f, &ev));
	f.device = NULL;
	f.pid = 43;			/* the process, not the thread */
	assert_false(dmabuf_trace_filter_match(&f, &ev));
	f.pid = 0;
	f.ino = 1235;
	assert_false(dmabuf_trace_filter_match(&f, &ev));
	/* an event without a device never passes --device */
	f.ino = 0;
	f.device = "x";
	ev.has_device = false;
	assert_false(dmabuf_trace_filter_match(&f, &ev));
}

static void test_line(void **state)
{
	struct trace_rec r = map_rec();
	struct dmabuf_trace_event ev;
	char line[256];

	(void)state;
	dmabuf_trace_decode(&r, sizeof(r), &ev);
	dmabuf_trace_line(line, sizeof(line), &ev, 1000000000ull);
	assert_string_equal(line, "1.500000        42 worker          map         1234 dmabuf_lab "
			    "dmabuf_lab_imp.0 to 12us pin");
	assert_true(strlen(dmabuf_trace_header()) < 100);
	/* the header's columns start where the line's do */
	assert_int_equal(strstr(dmabuf_trace_header(), "EVENT") - dmabuf_trace_header(),
			 strstr(line, "map") - line);
	assert_int_equal(strstr(dmabuf_trace_header(), "DETAIL") - dmabuf_trace_header(),
			 strstr(line, "to 12us") - line);

	/* hostile and long strings: escaped, cut with '+', never past 99 columns */
	strcpy(r.comm, "\x1b[31mred\x07\n");
	strcpy(r.device, "a-very-long-device-name-here!!");
	r.contract = TRACE_CONTRACT(TRACE_CONTRACT_OTHER_TASK, TRACE_RULE_ALL_CALLERS);
	r.dir = 2;
	r.latency_ns = 4000000000ull;
	r.pid = 4194304;	/* PID_MAX_LIMIT */
	r.ino = 99999999;	/* wider than its column */
	dmabuf_trace_decode(&r, sizeof(r), &ev);
	dmabuf_trace_line(line, sizeof(line), &ev, 0);
	assert_true(strlen(line) < 100);
	assert_null(strchr(line, '\x1b'));
	assert_null(strchr(line, '\n'));
	assert_non_null(strstr(line, "\\x1b[31mred+ "));
	assert_non_null(strstr(line, "a-very-long-dev+"));
	assert_non_null(strstr(line, "!resv-other-task"));
	assert_int_equal(line[strlen(line) - 1], '+');
}

static void test_line_kinds(void **state)
{
	struct trace_rec r = map_rec();
	struct dmabuf_trace_event ev;
	char line[256];

	(void)state;
	r.kind = TRACE_EV_EXPORT;
	r.flags = TRACE_F_HAS_BUF | TRACE_F_EXP_DYN_KNOWN | TRACE_F_EXP_DYN | TRACE_F_HAS_RET;
	dmabuf_trace_decode(&r, sizeof(r), &ev);
	dmabuf_trace_line(line, sizeof(line), &ev, 0);
	assert_non_null(strstr(line, " export "));
	assert_non_null(strstr(line, " -                8.0K dyn"));

	r.kind = TRACE_EV_BEGIN_CPU;
	r.flags = TRACE_F_HAS_BUF | TRACE_F_HAS_RET;
	r.ret = (uint64_t)-22;
	dmabuf_trace_decode(&r, sizeof(r), &ev);
	dmabuf_trace_line(line, sizeof(line), &ev, 0);
	assert_non_null(strstr(line, " begin_cpu "));
	assert_non_null(strstr(line, "err=-22"));
}

/* --- JSON ---------------------------------------------------------------- */

static char *json_of(const struct dmabuf_trace_event *ev, const char *const *stack, int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *jw = jw_new(f, false);

	dmabuf_trace_json(jw, ev, stack, n);
	assert_int_equal(jw_error(jw), 0);
	jw_destroy(jw);
	fclose(f);
	return buf;
}

static void test_json(void **state)
{
	struct trace_rec r = map_rec();
	struct dmabuf_trace_event ev;
	const char *frames[] = { "lab_ioc_map+0x1c [dmabuf_lab]" };
	char *s;

	(void)state;
	dmabuf_trace_decode(&r, sizeof(r), &ev);
	s = json_of(&ev, NULL, 0);
	assert_string_equal(s,
		"{\"ts_ns\":2500000000,\"event\":\"map\",\"pid\":42,\"tid\":43,\"comm\":\"worker\","
		"\"ino\":1234,\"exporter\":\"dmabuf_lab\",\"size\":8192,\"name\":\"vram\","
		"\"device\":\"dmabuf_lab_imp.0\",\"direction\":\"to_device\","
		"\"importer_dynamic\":true,\"exporter_dynamic\":false,\"p2p\":null,\"cached\":false,"
		"\"pinned\":true,\"latency_ns\":12345,\"ret\":0,\"fd\":null,\"resv\":\"caller\","
		"\"contract\":null,\"notified\":null,\"notified_count\":null,\"attachments\":null,"
		"\"probe\":\"fentry\"}\n");
	free(s);

	/* not applicable: null; a hostile name escaped; the stack as strings */
	r.kind = TRACE_EV_RELEASE;
	r.flags = TRACE_F_HAS_BUF | TRACE_F_HAS_NAME;
	strcpy(r.name, "a\"b\\c\x1b");
	r.contract = TRACE_CONTRACT(TRACE_CONTRACT_NOT_HELD, TRACE_RULE_PIN_MOVE);
	dmabuf_trace_decode(&r, sizeof(r), &ev);
	s = json_of(&ev, frames, 1);
	assert_non_null(strstr(s, "\"name\":\"a\\\"b\\\\\\\\c\\\\x1b\""));
	assert_non_null(strstr(s, "\"device\":null,\"direction\":null,\"importer_dynamic\":null"));
	assert_non_null(strstr(s, "\"latency_ns\":null,\"ret\":null"));
	assert_non_null(strstr(s, "\"contract\":\"reservation lock not held: pin, unpin and move "
			       "need it held\""));
	assert_non_null(strstr(s, "\"stack\":[\"lab_ioc_map+0x1c [dmabuf_lab]\"]"));
	free(s);
}

static void test_json_move(void **state)
{
	struct trace_move_rec m;
	struct dmabuf_trace_event ev;
	char *s;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.e = map_rec();
	m.e.kind = TRACE_EV_MOVE;
	m.e.size_rec = sizeof(m);
	m.e.ret = (uint64_t)-5;
	m.notified = 5;		/* more than the record names */
	m.attachments = 6;
	for (int i = 0; i < TRACE_MOVE_DEVS; i++)
		snprintf(m.notified_dev[i], TRACE_DEV_LEN, "d%d", i);
	dmabuf_trace_decode(&m, sizeof(m), &ev);
	s = json_of(&ev, NULL, 0);
	assert_non_null(strstr(s, "\"ret\":-5"));
	assert_non_null(strstr(s, "\"notified\":[\"d0\",\"d1\",\"d2\",\"d3\"],"
			       "\"notified_count\":5,\"attachments\":6"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_move),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_contract_text),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_line_kinds),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_move),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
