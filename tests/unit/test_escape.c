// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"

static void check_escape(const char *in, size_t len, const char *want)
{
	char out[256];
	size_t need = dmabuf_escape(in, len, out, sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(need, strlen(want));
}

static void test_plain_passes(void **state)
{
	(void)state;
	check_escape("gpu-scanout 0", 13, "gpu-scanout 0");
	check_escape("", 0, "");
}

static void test_controls_escaped(void **state)
{
	(void)state;
	/* a terminal title change and a colour change must not survive */
	check_escape("\x1b]0;pwned\x07", 10, "\\x1b]0;pwned\\x07");
	check_escape("a\x1b[31mred", 9, "a\\x1b[31mred");
	check_escape("tab\tnl\n", 7, "tab\\x09nl\\x0a");
	check_escape("del\x7f", 4, "del\\x7f");
	check_escape("nul\0x", 5, "nul\\x00x");
}

static void test_backslash_doubled(void **state)
{
	(void)state;
	check_escape("a\\x41", 5, "a\\\\x41");
}

static void test_utf8(void **state)
{
	(void)state;
	/* well-formed printable UTF-8 passes: e-acute, euro, an emoji */
	check_escape("caf\xc3\xa9", 5, "caf\xc3\xa9");
	check_escape("\xe2\x82\xac", 3, "\xe2\x82\xac");
	check_escape("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
	/* C1 control CSI (U+009B), which some terminals obey */
	check_escape("\xc2\x9b" "31m", 5, "\\xc2\\x9b31m");
	/* overlong '/', a surrogate, a lone continuation, a truncated sequence */
	check_escape("\xc0\xaf", 2, "\\xc0\\xaf");
	check_escape("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
	check_escape("\x80", 1, "\\x80");
	check_escape("\xe2\x82", 2, "\\xe2\\x82");
	/* invalid continuation byte */
	check_escape("\xc3(", 2, "\\xc3(");
}

static void test_truncation_never_splits_escape(void **state)
{
	char out[6];
	size_t need;

	(void)state;
	need = dmabuf_escape("ab\x1b" "cd", 5, out, sizeof(out));
	assert_int_equal(need, 8);
	assert_string_equal(out, "ab");	/* "\x1b" does not fit in the 3 bytes left */
	need = dmabuf_escape("abcdefgh", 8, out, 0);
	assert_int_equal(need, 8);
}

static void test_roundtrip(void **state)
{
	unsigned char in[256];
	char out[1025];
	size_t i;
	long n;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	dmabuf_escape((const char *)in, sizeof(in), out, sizeof(out));
	for (i = 0; out[i]; i++)
		assert_true((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] != 0x7f);
	n = dmabuf_unescape(out);
	assert_int_equal(n, sizeof(in));
	assert_memory_equal(out, in, sizeof(in));
}

static void test_unescape_rejects_bad(void **state)
{
	char a[] = "bad\\q", b[] = "bad\\x4", c[] = "end\\";

	(void)state;
	assert_int_equal(dmabuf_unescape(a), -1);
	assert_int_equal(dmabuf_unescape(b), -1);
	assert_int_equal(dmabuf_unescape(c), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_passes),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_backslash_doubled),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_truncation_never_splits_escape),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_unescape_rejects_bad),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
