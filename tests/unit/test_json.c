// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "snapshot_json.h"
#include "rnd.h"

struct capture {
	char *buf;
	size_t len;
	FILE *f;
	struct json_writer *jw;
};

static struct capture *capture_new(bool pretty)
{
	struct capture *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	c->jw = jw_new(c->f, pretty);
	assert_non_null(c->jw);
	return c;
}

/* Finishes the writer and returns what it wrote (owned by the capture). */
static const char *capture_text(struct capture *c)
{
	jw_destroy(c->jw);
	c->jw = NULL;
	fclose(c->f);
	return c->buf;
}

static void capture_free(struct capture *c)
{
	free(c->buf);
	free(c);
}

static void test_object(void **state)
{
	struct capture *c = capture_new(false);

	(void)state;
	jw_start_object(c->jw);
	jw_uint_field(c->jw, "ino", 1234);
	jw_int_field(c->jw, "pid", -1);
	jw_string_field(c->jw, "exporter", "system");
	jw_string_field(c->jw, "name", NULL);
	jw_bool_field(c->jw, "dynamic", true);
	jw_name(c->jw, "attachments");
	jw_start_array(c->jw);
	jw_start_object(c->jw);
	jw_string_field(c->jw, "device", "0000:00:02.0");
	jw_end_object(c->jw);
	jw_uint(c->jw, 18446744073709551615ULL);
	jw_end_array(c->jw);
	jw_end_object(c->jw);
	assert_false(jw_error(c->jw));
	assert_string_equal(capture_text(c),
		"{\"ino\":1234,\"pid\":-1,\"exporter\":\"system\",\"name\":null,"
		"\"dynamic\":true,\"attachments\":[{\"device\":\"0000:00:02.0\"},"
		"18446744073709551615]}\n");
	capture_free(c);
}

static void test_hostile_string(void **state)
{
	struct capture *c = capture_new(false);

	(void)state;
	jw_string(c->jw, "\x1b[2J\"quoted\"\\\n\xff");
	assert_string_equal(capture_text(c),
		"\"\\\\x1b[2J\\\"quoted\\\"\\\\\\\\\\\\x0a\\\\xff\"\n");
	capture_free(c);
}

static void test_json_lines(void **state)
{
	struct capture *c = capture_new(false);

	(void)state;
	jw_start_object(c->jw);
	jw_uint_field(c->jw, "a", 1);
	jw_end_object(c->jw);
	jw_start_object(c->jw);
	jw_uint_field(c->jw, "a", 2);
	jw_end_object(c->jw);
	assert_string_equal(capture_text(c), "{\"a\":1}\n{\"a\":2}\n");
	capture_free(c);
}

static void test_pretty(void **state)
{
	struct capture *c = capture_new(true);

	(void)state;
	jw_start_object(c->jw);
	jw_name(c->jw, "list");
	jw_start_array(c->jw);
	jw_end_array(c->jw);
	jw_uint_field(c->jw, "n", 0);
	jw_end_object(c->jw);
	assert_string_equal(capture_text(c), "{\n  \"list\": [],\n  \"n\": 0\n}\n");
	capture_free(c);
}

static void test_nesting_errors(void **state)
{
	struct capture *c = capture_new(false);
	int i;

	(void)state;
	jw_start_array(c->jw);
	jw_end_object(c->jw);		/* wrong closer */
	assert_true(jw_error(c->jw));
	jw_end_array(c->jw);
	capture_free((capture_text(c), c));

	c = capture_new(false);
	for (i = 0; i < 40; i++)
		jw_start_array(c->jw);
	assert_true(jw_error(c->jw));
	capture_free((capture_text(c), c));

	c = capture_new(false);
	jw_name(c->jw, "outside");	/* a name needs an object */
	assert_true(jw_error(c->jw));
	capture_free((capture_text(c), c));
}

static void test_raw(void **state)
{
	struct capture *c = capture_new(false);

	(void)state;
	jw_start_array(c->jw);
	jw_uint(c->jw, 1);
	jw_raw(c->jw, "{\"a\":[2]}", 9);
	jw_raw(c->jw, "3", 1);
	jw_end_array(c->jw);
	assert_false(jw_error(c->jw));
	assert_string_equal(capture_text(c), "[1,{\"a\":[2]},3]\n");
	capture_free(c);

	c = capture_new(true);	/* compact text has no place in pretty output */
	jw_raw(c->jw, "1", 1);
	assert_true(jw_error(c->jw));
	capture_text(c);
	capture_free(c);
}

/*
 * A buffer's provenance object is copied from the last buffer's while the
 * sources are the same: a change in any field's sources, or in seen_by, must
 * show, and coming back must too.
 */
static void test_provenance_runs(void **state)
{
	static const unsigned int d = DMABUF_SRC_DEBUGFS, p = DMABUF_SRC_PROCFS;
	static const char *const want[] = {
		"\"provenance\":{\"size\":\"debugfs\",\"seen_by\":\"debugfs\"}}",
		"\"provenance\":{\"size\":\"debugfs\",\"seen_by\":\"debugfs\"}}",
		"\"provenance\":{\"size\":\"debugfs+procfs\",\"seen_by\":\"debugfs\"}}",
		"\"provenance\":{\"size\":\"debugfs\",\"seen_by\":\"debugfs+procfs\"}}",
		"\"provenance\":{\"size\":\"debugfs\",\"name\":\"procfs\",\"seen_by\":\"debugfs\"}}",
		"\"provenance\":{\"size\":\"debugfs\",\"seen_by\":\"debugfs\"}}",
	};
	const unsigned int size_src[] = { d, d, d | p, d, d, d }, seen[] = { d, d, d, d | p, d, d };
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct capture *c = capture_new(false);
	const char *text, *line;
	size_t i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 6; i++) {
		struct dmabuf_buffer *b = dmabuf_buffer_get(s, 100 + i, true);

		assert_non_null(b);
		b->src[DMABUF_F_SIZE] = size_src[i];
		b->src[DMABUF_F_NAME] = i == 4 ? p : 0;
		b->seen = seen[i];
	}
	for (i = 0; i < 6; i++)
		dmabuf_json_buffer(c->jw, s, &s->buf[i]);
	text = capture_text(c);
	for (i = 0, line = text; i < 6; i++) {
		const char *end = strchr(line, '\n');
		const char *prov = strstr(line, "\"provenance\":");

		assert_non_null(end);
		assert_non_null(prov);
		assert_true(prov < end);
		assert_int_equal((size_t)(end - prov), strlen(want[i]));
		assert_memory_equal(prov, want[i], strlen(want[i]));
		line = end + 1;
	}
	capture_free(c);
	dmabuf_snapshot_free(s);
}

static const char *rnd_str(void)
{
	static const char *const pool[] = {
		"system", "vgem", "dmabuf_lab", "pp0-1", "", "a\"quote", "back\\slash",
		"\x1b[31mred\x1b[0m", "tab\there", "nl\nline", "bad\xff\xfeutf8", "caf\xc3\xa9",
		"0000:00:02.0", "platform/vgem",
	};
	static char big[20000];

	if (rnd() % 40 == 0) {	/* 100 KiB quoted at worst: more than the writer's room */
		memset(big, 'x', sizeof(big) - 1);
		big[rnd() % (sizeof(big) - 1)] = '\x01';
		return big;
	}
	return pool[rnd() % (sizeof(pool) / sizeof(pool[0]))];
}

static int rnd_tri(void)
{
	return (int)(rnd() % 3) - 1;
}

static uint64_t rnd_num(void)
{
	static const uint64_t edge[] = { 0, 1, 9, 10, 99, 100, UINT64_MAX, 4096, 1ull << 32 };

	return rnd() % 2 ? edge[rnd() % 9] : rnd() >> (rnd() % 64);
}

static void set_str(struct dmabuf_snapshot *s, char **field, bool may_be_null)
{
	const char *v = rnd_str();

	if (may_be_null && rnd() % 4 == 0)
		return;
	assert_int_equal(dmabuf_set_str(s, field, v, strlen(v)), 0);
}

/*
 * `ls -j` writes a buffer as one piece of text: random buffers, hostile and
 * oversized strings among them, must come out byte for byte as the writer's
 * member-by-member calls write them.
 */
static void test_buffer_text(void **state)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct capture *fast = capture_new(false), *ref = capture_new(false);
	size_t i, j, k;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 2000; i++) {
		struct dmabuf_buffer *b = dmabuf_buffer_get(s, rnd_num() | 1, true);

		assert_non_null(b);
		b->size = rnd_num();
		set_str(s, &b->exporter, true);
		set_str(s, &b->name, true);
		if (rnd() % 3 == 0)
			set_str(s, &b->exp_ops, false);
		b->file_count = rnd() % 3 ? (long)(rnd() % 100000) : -1;
		b->exporter_dynamic = rnd_tri();
		b->violations = rnd() % 3 ? (long)(rnd() % 5) : -1;
		for (j = rnd() % 4; j > 0; j--) {
			struct dmabuf_attachment *a = dmabuf_attachment_add(s, b, rnd_str());

			assert_non_null(a);
			if (rnd() % 2)
				set_str(s, &a->driver, false);
			a->importer_dynamic = rnd_tri();
			a->peer2peer = rnd_tri();
			a->cached = rnd_tri();
			a->cached_dir = (int)(rnd() % 5) - 1;
			a->pinned = rnd_tri();
			a->mismatch = rnd_tri();
			a->src = (unsigned int)(rnd() % (1u << DMABUF_SRC_COUNT));
		}
		for (j = rnd() % 4; j > 0; j--) {
			struct dmabuf_owner *o = dmabuf_owner_get(s, b, (pid_t)(rnd() % 100000),
								  rnd_str());

			assert_non_null(o);
			for (k = rnd() % 5; k > 0; k--)
				assert_int_equal(dmabuf_owner_add_fd(s, o, (int)(rnd() % 70000)), 0);
			o->nmaps = (unsigned int)(rnd() % 4);
			o->mapped_bytes = rnd_num();
		}
		for (j = 0; j < DMABUF_F__COUNT; j++)
			b->src[j] = rnd() % 4 ? b->src[j] : (unsigned int)(rnd() % 128);
		b->seen = (unsigned int)(rnd() % 128);
	}
	jw_start_array(fast->jw);
	jw_start_array(ref->jw);
	for (i = 0; i < s->n_buf; i++) {
		dmabuf_json_buffer(fast->jw, s, &s->buf[i]);
		dmabuf_json_buffer_members(ref->jw, s, &s->buf[i]);
	}
	jw_end_array(fast->jw);
	jw_end_array(ref->jw);
	assert_false(jw_error(fast->jw));
	assert_string_equal(capture_text(fast), capture_text(ref));
	assert_true(fast->len > 2000 * 200);
	capture_free(fast);
	capture_free(ref);
	dmabuf_snapshot_free(s);
}

/* jw_reserve(): room after a flush, a comma before, NULL when pretty or too large */
static void test_reserve(void **state)
{
	struct capture *c = capture_new(false);
	char *p;
	int i;

	(void)state;
	jw_start_array(c->jw);
	for (i = 0; i < 3; i++) {
		p = jw_reserve(c->jw, 30000);
		assert_non_null(p);
		p = JP_LIT(p, "\"x\"");
		jw_commit(c->jw, p);
	}
	assert_null(jw_reserve(c->jw, 1u << 20));
	jw_end_array(c->jw);
	assert_string_equal(capture_text(c), "[\"x\",\"x\",\"x\"]\n");
	capture_free(c);
	c = capture_new(true);
	assert_null(jw_reserve(c->jw, 10));
	capture_text(c);
	capture_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_hostile_string),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_nesting_errors),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_provenance_runs),
		cmocka_unit_test(test_buffer_text),
		cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
