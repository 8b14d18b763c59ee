// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pure half of the tracer (lib/trace_fmt.c): decoding records,
 * event names and lists, contract words, filters, the text line and the
 * JSON object of an event; the reader's hand-built line and JSON line are
 * the same bytes as their snprintf and json_writer references, on 20 000
 * random events.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <cmocka.h>

#include "escape.h"
#include "trace.h"
#include "views.h"
#include "rnd.h"

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

/* --- the printed forms against their slow references ------------------- */

/*
 * The text line as it was first written, with snprintf (the reader now
 * builds it by hand): the reference the fast line must equal, byte for byte.
 */
static void ref_cell(char *out, const char *s, size_t width)
{
	size_t len = strlen(s);

	if (dmabuf_escape(s, len, out, width + 1) > width) {
		dmabuf_escape(s, len, out, width);
		strcat(out, "+");
	}
}

static void ref_latency(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 10000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000)
		snprintf(buf, len, "%" PRIu64 "us", ns / 1000);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
}

static void ref_add(char *buf, size_t len, const char *word)
{
	size_t used = strlen(buf);

	if (!word[0] || used >= len)
		return;
	snprintf(buf + used, len - used, "%s%s", used ? " " : "", word);
}

static void ref_detail(const struct dmabuf_trace_event *ev, char *buf, size_t len)
{
	static const char *const dirs[] = { "bidi", "to", "from", "none" };
	static const char *const code[] = { "", "!resv-not-held", "!resv-other-task", "!resv-held" };
	unsigned int c = TRACE_CONTRACT_CODE(ev->contract);
	char w[32];

	buf[0] = '\0';
	if (c)
		ref_add(buf, len, c <= 3 ? code[c] : "!contract");
	if (ev->has_ret && ev->ret) {
		snprintf(w, sizeof(w), "err=%" PRId64, ev->ret);
		ref_add(buf, len, w);
	}
	switch (ev->kind) {
	case TRACE_EV_EXPORT:
		if (ev->has_buf) {
			dmabuf_format_size(ev->size, 0, w, sizeof(w));
			ref_add(buf, len, w);
			ref_add(buf, len, ev->exporter_dynamic == 1 ? "dyn" :
				ev->exporter_dynamic == 0 ? "static" : "");
		}
		break;
	case TRACE_EV_FD:
	case TRACE_EV_GET:
		if (ev->has_fd) {
			snprintf(w, sizeof(w), "fd=%d", ev->fd);
			ref_add(buf, len, w);
		}
		break;
	case TRACE_EV_ATTACH:
	case TRACE_EV_DETACH:
		ref_add(buf, len, ev->importer_dynamic == 1 ? "dyn" :
			ev->importer_dynamic == 0 ? "static" : "");
		ref_add(buf, len, ev->p2p == 1 ? "p2p" : "");
		ref_add(buf, len, ev->cached == 1 ? "hit" : "");
		ref_add(buf, len, ev->pinned == 1 ? "pin" : "");
		break;
	case TRACE_EV_MOVE:
		snprintf(w, sizeof(w), "notified %u/%u", ev->notified, ev->attachments);
		ref_add(buf, len, w);
		break;
	case TRACE_EV_MMAP:
	case TRACE_EV_VMAP:
	case TRACE_EV_VUNMAP:
	case TRACE_EV_RELEASE:
		if (ev->has_buf && !(ev->has_ret && ev->ret)) {
			dmabuf_format_size(ev->size, 0, w, sizeof(w));
			ref_add(buf, len, w);
		}
		break;
	default:
		break;
	}
	ref_add(buf, len, ev->dir >= 0 && ev->dir < 4 ? dirs[ev->dir] : "");
	if (ev->has_latency) {
		ref_latency(ev->latency_ns, w, sizeof(w));
		ref_add(buf, len, w);
	}
	if (ev->kind == TRACE_EV_MAP || ev->kind == TRACE_EV_UNMAP) {
		ref_add(buf, len, ev->cached == 1 ? "hit" : "");
		ref_add(buf, len, ev->pinned == 1 ? "pin" : "");
	}
}

static void ref_line(char *buf, size_t size, const struct dmabuf_trace_event *ev, uint64_t t0_ns)
{
	char comm[16], exp[11], dev[17], ino[24], det[64];
	const char *name = ev->kind == TRACE_EV_BEGIN_CPU ? "begin_cpu" :
			   ev->kind == TRACE_EV_END_CPU ? "end_cpu" : dmabuf_trace_event_name(ev->kind);
	double t = ev->ts_ns >= t0_ns ? (ev->ts_ns - t0_ns) / 1e9 : 0;
	size_t room;
	int n;

	ref_cell(comm, ev->comm, 15);
	ref_cell(exp, ev->has_buf ? ev->exporter : "-", 10);
	ref_cell(dev, ev->has_device ? ev->device : "-", 16);
	if (ev->has_buf)
		snprintf(ino, sizeof(ino), "%" PRIu64, ev->ino);
	else
		snprintf(ino, sizeof(ino), "-");
	n = snprintf(buf, size, "%-10.6f %7" PRIu32 " %-15s %-9s %6s %-10s %-16s ", t, ev->pid,
		     comm, name, ino, exp, dev);
	if (n < 0 || (size_t)n >= size || n >= 98) {
		if (size > 99) {
			buf[98] = '+';
			buf[99] = '\0';
		}
		return;
	}
	room = (size_t)(99 - n);
	ref_detail(ev, det, sizeof(det));
	if (strlen(det) > room) {
		det[room - 1] = '+';
		det[room] = '\0';
	}
	snprintf(buf + n, size - (size_t)n, "%s", det);
	for (room = strlen(buf); room && buf[room - 1] == ' '; room--)
		buf[room - 1] = '\0';
}

/* A number of any size, often one on a rounding edge of the text form. */
static uint64_t rnd_num(void)
{
	static const uint64_t edges[] = { 0, 1, 999, 1000, 1250, 1350, 9949, 9950, 9999, 10000,
					  999999, 1000000, 1050000, 1250000, 999950000,
					  1000000000, 1500000000, 2500000500, 123456789500ull };

	switch (rnd() % 4) {
	case 0:
		return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return rnd() % 100000;
	case 2:
		return rnd() % 10000000000ull;
	}
	return rnd() >> (rnd() % 64);
}

/* NUL-terminated bytes for a LEN array: plain, quotes, backslashes, controls, UTF-8 */
static void rnd_str(char *s, size_t len)
{
	static const char *const pieces[] = { "a", "Z", "_", " ", "\"", "\\", "\x1b", "\t", "\n",
					      "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xff", "\x80",
					      "dmabuf_lab", "+", "%s" };
	size_t n = 0, want = rnd() % len;

	s[0] = '\0';
	while (n < want) {
		const char *p = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
		size_t k = strlen(p);

		if (n + k >= len || (rnd() % 3 && k > 1 && p[0] != 'd'))
			k = 1;
		memcpy(s + n, p, k);
		n += k;
	}
	s[n < len ? n : len - 1] = '\0';
}

static void rnd_event(struct trace_move_rec *m)
{
	struct trace_rec *r = &m->e;

	memset(m, 0, sizeof(*m));
	r->kind = (uint32_t)(rnd() % TRACE_EV__COUNT);
	r->method = (uint32_t)(rnd() % 4);
	r->size_rec = r->kind == TRACE_EV_MOVE ? sizeof(*m) : sizeof(*r);
	r->flags = (uint32_t)rnd() & ((1u << 22) - 1);
	r->ts_ns = rnd_num();
	r->ino = rnd_num();
	r->size = rnd_num();
	r->latency_ns = rnd_num();
	r->ret = rnd() % 2 ? (uint64_t)-(int64_t)(rnd() % 200) : rnd_num();
	r->pid = (uint32_t)(rnd() % 3 ? rnd() % 100000 : rnd());
	r->tid = (uint32_t)rnd();
	r->dir = (uint32_t)(rnd() % 6);
	r->contract = (uint32_t)(rnd() % 3 ? 0 : TRACE_CONTRACT(rnd() % 5, rnd() % 7));
	r->resv = (uint32_t)(rnd() % 4);
	r->fd = (uint32_t)(rnd() % 2 ? rnd() % 1000 : rnd());
	rnd_str(r->comm, sizeof(r->comm));
	rnd_str(r->exporter, sizeof(r->exporter));
	rnd_str(r->name, sizeof(r->name));
	rnd_str(r->device, sizeof(r->device));
	m->notified = (uint32_t)(rnd() % 7);
	m->attachments = (uint32_t)(rnd() % 9);
	for (int i = 0; i < TRACE_MOVE_DEVS; i++)
		rnd_str(m->notified_dev[i], TRACE_DEV_LEN);
}

static void test_fast_forms(void **state)
{
	const char *frames[] = { "lab_ioc_map+0x1c [dmabuf_lab]", "a\"b\\c\x01" };
	struct trace_move_rec m;
	struct dmabuf_trace_event ev;
	static char big[8192];
	char want[256], got[256], small[8];
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		uint64_t t0 = rnd() % 2 ? 0 : rnd_num();
		int nstack = (int)(rnd() % 3);
		size_t need;
		char *json, *line;

		rnd_event(&m);
		if (dmabuf_trace_decode(&m, m.e.size_rec, &ev))
			continue;
		ref_line(want, sizeof(want), &ev, t0);
		dmabuf_trace_line(got, sizeof(got), &ev, t0);
		if (strcmp(want, got))
			fail_msg("event %d: text\n want '%s'\n got  '%s'", i, want, got);
		json = json_of(&ev, nstack ? frames : NULL, nstack);
		need = dmabuf_trace_json_line(small, sizeof(small), &ev, nstack ? frames : NULL,
					      nstack);
		assert_int_equal(strlen(small), sizeof(small) - 1);
		line = malloc(need + 2);
		assert_non_null(line);
		assert_int_equal(dmabuf_trace_json_line(line, need + 1, &ev, nstack ? frames : NULL,
							nstack), need);
		strcat(line, "\n");
		if (strcmp(json, line))
			fail_msg("event %d: JSON\n want %s got  %s", i, json, line);
		/* room enough to be written in place */
		assert_int_equal(dmabuf_trace_json_line(big, sizeof(big), &ev, nstack ? frames : NULL,
							nstack), need);
		assert_int_equal(memcmp(big, line, need), 0);
		assert_int_equal(big[need], '\0');
		free(json);
		free(line);
	}
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
		cmocka_unit_test(test_fast_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
