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
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
