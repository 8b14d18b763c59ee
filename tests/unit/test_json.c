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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_hostile_string),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_nesting_errors),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
