// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bufinfo parsing (lib/debugfs.c): the files captured from Debian's 6.1 and
 * 7.3 kernels (tests/fixtures/), then every format variant those kernels
 * cannot show, made by editing their real lines (each test says which
 * edit), then broken files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "collect.h"
#include "fixtures.h"

#define BUFINFO "sys/kernel/debug/dma_buf/bufinfo"
#define DEBUGFS DMABUF_SRC_DEBUGFS

/* The hostile name run_mkbufs sets: OSC, SGR, a tab, invalid UTF-8. */
static const char hostile[] = "\x1b]0;t\x07\x1b[31mred\x1b[0m\tx\xff\xc3(";

static struct dmabuf_snapshot *parse(const char *text, size_t len)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/nonexistent");

	assert_non_null(s);
	assert_int_equal(dmabuf_parse_bufinfo(s, text, len), 0);
	return s;
}

static struct dmabuf_snapshot *parse_str(const char *text)
{
	return parse(text, strlen(text));
}

static enum dmabuf_source_state state(const struct dmabuf_snapshot *s)
{
	return status_of(s, DEBUGFS)->state;
}

static uint64_t total_bytes(const struct dmabuf_snapshot *s)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < s->n_buf; i++)
		t += s->buf[i].size;
	return t;
}

static void assert_devices(const struct dmabuf_buffer *b, const char *const *devs, size_t n)
{
	size_t i;

	assert_int_equal(b->n_att, n);
	assert_int_equal(b->n_att_reported, (int)n);
	for (i = 0; i < n; i++) {
		assert_string_equal(b->att[i].device, devs[i]);
		assert_int_equal(b->att[i].src, DEBUGFS);
		/* debugfs knows names only */
		assert_int_equal(b->att[i].importer_dynamic, DMABUF_UNKNOWN);
	}
}

static void assert_name(const struct dmabuf_buffer *b, const char *name, size_t len)
{
	assert_non_null(b->name);
	assert_int_equal(strlen(b->name), len);
	assert_memory_equal(b->name, name, len);
	assert_int_equal(b->src[DMABUF_F_NAME], DEBUGFS);
}

/* --- the captured files -------------------------------------------------- */

static void test_6_1(void **state_)
{
	static const char *const lab_dyn[] = {
		"vgem", "dmabuf_lab_imp.1", "dmabuf_lab_imp.1", "dmabuf_lab_imp.0",
	};
	static const char *const one_imp0[] = { "dmabuf_lab_imp.0" };
	size_t len;
	char *text = read_fixture("6.1", BUFINFO, &len);
	struct dmabuf_snapshot *s = parse(text, len);
	struct dmabuf_buffer *b;

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_OK);
	assert_detail(s, DEBUGFS, "10 buffers");
	assert_int_equal(s->n_buf, 10);
	assert_int_equal(total_bytes(s), 49152);

	b = must_buf(s, 1);
	assert_int_equal(b->size, 4096);
	assert_string_equal(b->exporter, "drm");
	assert_name(b, "scanout-0", 9);
	assert_int_equal(b->file_count, 10);
	assert_int_equal(b->f_flags, 02);	/* O_RDWR; fdinfo adds O_CLOEXEC per fd */
	assert_int_equal(b->f_mode, 0x80007);
	assert_int_equal(b->seen, DEBUGFS);
	assert_int_equal(b->src[DMABUF_F_SIZE], DEBUGFS);
	assert_devices(b, one_imp0, 1);	/* after its write fence line */

	/* byte-exact, though its tab is the column separator */
	b = must_buf(s, 2);
	assert_name(b, hostile, sizeof(hostile) - 1);
	assert_int_equal(b->n_att, 0);
	assert_int_equal(b->n_att_reported, 0);

	assert_name(must_buf(s, 3), "long-name-0123456789abcdefghijk", 31);
	assert_int_equal(must_buf(s, 3)->size, 8192);
	/* the newline broke the line; the next line's shape rejoins it */
	assert_name(must_buf(s, 4), "two\nlines", 9);
	/* 6.1 prints <none> for no name: "" is a buffer named "" */
	assert_name(must_buf(s, 5), "", 0);
	b = must_buf(s, 6);
	assert_null(b->name);
	assert_int_equal(b->src[DMABUF_F_NAME], DEBUGFS);

	b = must_buf(s, 8);
	assert_int_equal(b->size, 8192);
	assert_string_equal(b->exporter, "dmabuf_lab");
	assert_name(b, "lab-dynamic", 11);
	assert_devices(b, lab_dyn, 4);
	b = must_buf(s, 10);
	assert_name(b, "lab-kernel-held", 15);
	assert_int_equal(b->file_count, 2);
	assert_devices(b, one_imp0, 1);
	assert_null(dmabuf_buffer_get(s, 11, false));

	dmabuf_snapshot_free(s);
	free(text);
}

static void test_7_3(void **state_)
{
	static const char *const vgem[] = { "vgem" };
	size_t len;
	char *text = read_fixture("7.3", BUFINFO, &len);
	struct dmabuf_snapshot *s = parse(text, len);
	struct dmabuf_buffer *b;

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_OK);
	assert_int_equal(s->n_buf, 12);
	assert_int_equal(total_bytes(s), 69632);
	/* the ctx:seq fence lines: "\twrite fence:1:1 unbound vgem unsignalled" */
	assert_non_null(strstr(text, "\twrite fence:1:1 unbound vgem unsignalled\n"));
	b = must_buf(s, 1);
	assert_name(b, "scanout-0", 9);
	assert_int_equal(b->f_mode, 0x2080007);
	assert_int_equal(b->n_att, 1);
	/* a signalled fence prints empty driver and timeline: "2:1   signalled" */
	assert_non_null(strstr(text, "\tread fence:2:1   signalled\n"));
	assert_name(must_buf(s, 2), hostile, sizeof(hostile) - 1);
	assert_name(must_buf(s, 4), "two\nlines", 9);

	b = must_buf(s, 7);	/* udmabuf imported into vgem */
	assert_string_equal(b->exporter, "udmabuf");
	assert_name(b, "udmabuf-mapped", 14);
	assert_int_equal(b->size, 8192);
	assert_devices(b, vgem, 1);
	b = must_buf(s, 9);
	assert_string_equal(b->exporter, "system");
	assert_name(b, "heap-buf", 8);
	assert_int_equal(b->file_count, 5);
	b = must_buf(s, 11);
	assert_string_equal(b->exporter, "dmabuf_lab");
	assert_int_equal(b->n_att, 4);
	dmabuf_snapshot_free(s);
	free(text);
}

/* --- variants the captured kernels cannot show --------------------------- */

/*
 * Before 5.3: no ino and no name column. Made from 6.1's header and its
 * lab-kernel-held and lab-static records with the last two columns cut.
 */
static void test_before_5_3_no_ino(void **state_)
{
	const char *text =
		"\nDma-buf Objects:\n"
		"size    \tflags   \tmode    \tcount   \texp_name\n"
		"00004096\t00000002\t00080007\t00000002\tdmabuf_lab\n"
		"\tAttached Devices:\n"
		"\tdmabuf_lab_imp.0\n"
		"Total 1 devices attached\n\n"
		"00004096\t00000002\t00080007\t00000006\tdmabuf_lab\n"
		"\tExclusive fence: vgem unbound unsignalled\n"
		"\tAttached Devices:\n"
		"Total 0 devices attached\n\n"
		"\nTotal 2 objects, 8192 bytes\n";
	struct dmabuf_snapshot *s = parse_str(text);
	struct dmabuf_buffer *b;

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_OK);
	assert_detail(s, DEBUGFS, "2 buffers keyed by synthetic ids");
	assert_int_equal(s->n_buf, 2);
	b = must_buf(s, DMABUF_INO_SYNTHETIC | 1);
	assert_string_equal(b->exporter, "dmabuf_lab");
	assert_null(b->name);
	assert_int_equal(b->src[DMABUF_F_NAME], 0);	/* not shown at all: unknown */
	assert_int_equal(b->file_count, 2);
	assert_int_equal(b->n_att, 1);
	b = must_buf(s, DMABUF_INO_SYNTHETIC | 2);
	assert_int_equal(b->file_count, 6);
	assert_int_equal(b->n_att, 0);
	dmabuf_snapshot_free(s);
}

/*
 * 5.3 .. ~5.19: an unnamed buffer prints "" (no "<none>" anywhere). Made
 * from 6.1's file: "<none>" replaced by "".
 */
static void test_before_6_0_empty_is_none(void **state_)
{
	char *text = edit_all(read_fixture("6.1", BUFINFO, NULL), "\t<none>\n", "\t\n");
	struct dmabuf_snapshot *s = parse_str(text);

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_OK);
	assert_null(must_buf(s, 6)->name);
	/* the buffer named "" cannot be told from an unnamed one here */
	assert_null(must_buf(s, 5)->name);
	assert_name(must_buf(s, 1), "scanout-0", 9);
	dmabuf_snapshot_free(s);
	free(text);
}

/* Every fence line variant, put in place of 6.1's write fence of scanout-0. */
static void test_fence_variants(void **state_)
{
	static const char *const fences[] = {
		"\tExclusive fence: vgem unbound unsignalled\n",		/* to ~5.16 */
		"\tShared fence: vgem unbound signalled\n"
		"\tShared fence: i915 ring0 unsignalled\n",
		"\tkernel fence:vgem unbound seq 3 signalled\n",		/* 5.17+ */
		"\tbookkeep fence:amdgpu sdma0 seq 12 unsignalled\n",
		"\twrite fence:1:1 unbound vgem unsignalled\n",		/* 7.x ctx:seq */
		"\tread fence:2:1   signalled\n",
		/* sw_sync names its timeline after a comm, which may hold a newline */
		"\twrite fence:sw_sync evil\ncomm seq 1 unsignalled\n",
		"",							/* none */
	};
	static const char *const one_imp0[] = { "dmabuf_lab_imp.0" };
	char *text = read_fixture("6.1", BUFINFO, NULL);
	size_t i;

	(void)state_;
	for (i = 0; i < sizeof(fences) / sizeof(fences[0]); i++) {
		char *v = edit(text, "\twrite fence:vgem unbound seq 1 unsignalled\n", fences[i]);
		struct dmabuf_snapshot *s = parse_str(v);

		if (state(s) != DMABUF_SOURCE_OK)
			fail_msg("variant %zu: %s", i, status_of(s, DEBUGFS)->detail);
		assert_int_equal(s->n_buf, 10);
		assert_name(must_buf(s, 1), "scanout-0", 9);
		assert_devices(must_buf(s, 1), one_imp0, 1);
		dmabuf_snapshot_free(s);
		free(v);
	}
	free(text);
}

/* Vendor kernels with spaces between the columns: 6.1's file, tabs -> spaces. */
static void test_spaces(void **state_)
{
	static const char *const lab_dyn[] = {
		"vgem", "dmabuf_lab_imp.1", "dmabuf_lab_imp.1", "dmabuf_lab_imp.0",
	};
	char *text = edit_all(read_fixture("6.1", BUFINFO, NULL), "\t", " ");
	struct dmabuf_snapshot *s = parse_str(text);
	struct dmabuf_buffer *b;

	(void)state_;
	assert_null(strchr(text, '\t'));
	if (state(s) != DMABUF_SOURCE_OK)
		fail_msg("%s", status_of(s, DEBUGFS)->detail);
	assert_int_equal(s->n_buf, 10);
	assert_int_equal(total_bytes(s), 49152);
	b = must_buf(s, 8);
	assert_string_equal(b->exporter, "dmabuf_lab");
	assert_name(b, "lab-dynamic", 11);
	assert_devices(b, lab_dyn, 4);
	assert_name(must_buf(s, 10), "lab-kernel-held", 15);
	assert_string_equal(must_buf(s, 1)->exporter, "drm");
	assert_name(must_buf(s, 4), "two\nlines", 9);
	dmabuf_snapshot_free(s);
	free(text);
}

/* An exporter name with a space, and a name holding what looks like columns. */
static void test_odd_exporter_and_name(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	char *v1 = edit(text, "\tdrm\t00000003\tlong-name-0123456789abcdefghijk\n",
			"\tmy drv\t00000003\tx\t00000099\ty\n");
	struct dmabuf_snapshot *s = parse_str(v1);
	struct dmabuf_buffer *b;

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_OK);
	b = must_buf(s, 3);
	assert_string_equal(b->exporter, "my drv");
	assert_name(b, "x\t00000099\ty", 12);
	assert_null(dmabuf_buffer_get(s, 99, false));
	dmabuf_snapshot_free(s);
	free(v1);
	free(text);
}

/* A newline name whose rest is too long to be a name (over 31 bytes). */
static void test_newline_name_limit(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	char *v = edit(text, "\ttwo\nlines\n", "\ttwo\nlines-and-much-more-than-31-bytes\n");
	struct dmabuf_snapshot *s = parse_str(v);

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, DEBUGFS, "line 36: unexpected \"lines-and-much-more");
	assert_detail(s, DEBUGFS, "buffer of line 35");
	assert_name(must_buf(s, 4), "two", 3);
	assert_int_equal(s->n_buf, 10);
	dmabuf_snapshot_free(s);
	free(v);
	free(text);
}

/*
 * name_exact: set where no line of the record could have been part of the
 * name, so procfs may skip the buffer's fdinfo (procfs.c known_buffer()).
 */
static void test_name_exact(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	char *v = edit(text, "\tlab-static\n\tAttached Devices:\n\tdmabuf_lab_imp.0\nTotal 1",
		       "\tlab-static\n\tAttached Devices:\n\tdmabuf_lab_imp.0\nTotal 2");
	char *w = edit(text, "\tlab-cached\n", "\tlab\n\tShared fence: x\n");
	struct dmabuf_snapshot *s = parse_str(text);

	(void)state_;
	assert_true(must_buf(s, 10)->name_exact);	/* a name, its record as usual */
	assert_true(must_buf(s, 5)->name_exact);	/* "" in a "<none>" file: named "" */
	assert_true(must_buf(s, 2)->name_exact);	/* a fence line too long to be in it */
	assert_true(must_buf(s, 1)->name_exact);
	assert_false(must_buf(s, 6)->name_exact);	/* "<none>": none, or named so */
	assert_false(must_buf(s, 4)->name_exact);	/* "two\nlines" */
	dmabuf_snapshot_free(s);
	s = parse_str(v);	/* a device line more or less than its total */
	assert_false(must_buf(s, 7)->name_exact);
	assert_true(must_buf(s, 10)->name_exact);
	dmabuf_snapshot_free(s);
	s = parse_str(w);	/* "lab\n\tShared fence: x" fits a name */
	assert_false(must_buf(s, 9)->name_exact);
	dmabuf_snapshot_free(s);
	free(w);
	free(v);
	free(text);
}

/* --- broken files -------------------------------------------------------- */

/* Cut in the middle of lab-static's buffer line (line 22). */
static void test_cut_mid_line(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	const char *at = strstr(text, "00004096\t00000002\t00080007\t00000006\tdmabuf_lab\t000");
	struct dmabuf_snapshot *s;

	(void)state_;
	assert_non_null(at);
	s = parse(text, (size_t)(at - text) + 40);
	assert_int_equal(state(s), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, DEBUGFS, "line 22 cut short");
	assert_detail(s, DEBUGFS, "truncated: no");
	/* the three records before it are complete, the cut one is not trusted */
	assert_int_equal(s->n_buf, 3);
	assert_non_null(dmabuf_buffer_get(s, 8, false));
	assert_null(dmabuf_buffer_get(s, 7, false));
	assert_null(dmabuf_buffer_get(s, 0, false));
	assert_int_equal(must_buf(s, 8)->n_att, 4);
	dmabuf_snapshot_free(s);
	free(text);
}

/* Cut at a line end inside lab-dynamic's device list: no footer. */
static void test_cut_no_footer(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	const char *at = strstr(text, "\tdmabuf_lab_imp.1\n");
	struct dmabuf_snapshot *s;

	(void)state_;
	assert_non_null(at);
	s = parse(text, (size_t)(at - text));
	assert_int_equal(state(s), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, DEBUGFS, "truncated: no footer, the buffer of line 14 is incomplete");
	assert_int_equal(s->n_buf, 3);
	assert_int_equal(must_buf(s, 8)->n_att, 1);
	assert_int_equal(must_buf(s, 8)->n_att_reported, -1);
	dmabuf_snapshot_free(s);
	free(text);
}

/* A record missing (lab-static's, removed) while the footer counts it. */
static void test_footer_mismatch(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	char *v = edit(text,
		       "00004096\t00000002\t00080007\t00000006\tdmabuf_lab\t00000007\tlab-static\n"
		       "\tAttached Devices:\n\tdmabuf_lab_imp.0\nTotal 1 devices attached\n\n", "");
	struct dmabuf_snapshot *s = parse_str(v);

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, DEBUGFS,
		      "footer says 10 objects, 49152 bytes; 9 objects, 45056 bytes parsed");
	assert_int_equal(s->n_buf, 9);
	dmabuf_snapshot_free(s);
	free(v);
	free(text);
}

/* One of lab-dynamic's four device lines removed. */
static void test_devices_mismatch(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	char *v = edit(text, "\tvgem\n", "");
	struct dmabuf_snapshot *s = parse_str(v);

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, DEBUGFS, "line 19: buffer of line 14 says 4 devices attached, lists 3");
	assert_int_equal(must_buf(s, 8)->n_att, 3);
	assert_int_equal(must_buf(s, 8)->n_att_reported, 4);
	dmabuf_snapshot_free(s);
	free(v);
	free(text);
}

/* A size column that is not a number (lab-cached's, line 9). */
static void test_malformed_line(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	char *v = edit(text, "00004096\t00000002\t00080007\t00000003\t",
		       "0000x096\t00000002\t00080007\t00000003\t");
	struct dmabuf_snapshot *s = parse_str(v);

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, DEBUGFS, "line 9: malformed buffer line \"0000x096");
	assert_null(dmabuf_buffer_get(s, 9, false));
	assert_int_equal(s->n_buf, 9);
	dmabuf_snapshot_free(s);
	free(v);
	free(text);
}

/*
 * Numbers at their limits: lab-kernel-held's size the largest 64-bit value,
 * lab-cached's one more (line 9), lab-dynamic's flags one more than 32 bits
 * (line 14); the device total and footer with blanks doubled are read, a
 * footer missing its comma is not.
 */
static void test_number_limits(void **state_)
{
	char *text = read_fixture("6.1", BUFINFO, NULL);
	char *v1 = edit(text, "00004096\t00000002\t00080007\t00000002\t",
			"18446744073709551615\t00000002\t00080007\t00000002\t");
	char *v2 = edit(v1, "00004096\t00000002\t00080007\t00000003\t",
			"18446744073709551616\t00000002\t00080007\t00000003\t");
	char *v3 = edit(v2, "00008192\t00000002\t00080007\t00000008\t",
			"00008192\t100000000\t00080007\t00000008\t");
	char *v4 = edit(v3, "\tdmabuf_lab_imp.0\nTotal 1 devices attached\n",
			"\tdmabuf_lab_imp.0\nTotal  1\tdevices  attached \n");
	struct dmabuf_snapshot *s = parse_str(v4);
	char *v5;

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, DEBUGFS, "line 9: malformed buffer line \"18446744073709551616");
	assert_int_equal(must_buf(s, 10)->size, UINT64_MAX);
	assert_int_equal(must_buf(s, 10)->n_att_reported, 1);
	assert_null(dmabuf_buffer_get(s, 9, false));
	assert_null(dmabuf_buffer_get(s, 8, false));
	assert_int_equal(s->n_buf, 8);
	dmabuf_snapshot_free(s);

	v5 = edit(text, "\nTotal 10 objects, 49152 bytes", "\nTotal  10 objects,\t49152  bytes");
	s = parse_str(v5);
	assert_int_equal(state(s), DMABUF_SOURCE_OK);
	assert_int_equal(s->n_buf, 10);
	dmabuf_snapshot_free(s);
	free(v5);
	v5 = edit(text, "\nTotal 10 objects, 49152 bytes", "\nTotal 10 objects 49152 bytes");
	s = parse_str(v5);
	assert_int_equal(state(s), DMABUF_SOURCE_PARTIAL);
	dmabuf_snapshot_free(s);
	free(v5);
	free(v4);
	free(v3);
	free(v2);
	free(v1);
	free(text);
}

static void test_garbage(void **state_)
{
	static const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\n\xff\xfe\n";
	struct dmabuf_snapshot *s = parse_str("hello\nworld\n");

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_FAILED);
	assert_detail(s, DEBUGFS, "not a bufinfo file: line 1: expected \"Dma-buf Objects:\", "
		      "got \"hello\"");
	assert_int_equal(s->n_buf, 0);
	dmabuf_snapshot_free(s);

	s = parse(bin, sizeof(bin) - 1);
	assert_int_equal(state(s), DMABUF_SOURCE_FAILED);
	assert_detail(s, DEBUGFS, "\\x7fELF");
	dmabuf_snapshot_free(s);

	s = parse("", 0);
	assert_int_equal(state(s), DMABUF_SOURCE_FAILED);
	assert_detail(s, DEBUGFS, "bufinfo is empty");
	dmabuf_snapshot_free(s);

	/* a header and nothing else: truncated, nothing parsed */
	s = parse_str("\nDma-buf Objects:\n");
	assert_int_equal(state(s), DMABUF_SOURCE_FAILED);
	assert_detail(s, DEBUGFS, "truncated");
	dmabuf_snapshot_free(s);
}

/* No buffers at all: a valid, complete file. */
static void test_empty_table(void **state_)
{
	struct dmabuf_snapshot *s = parse_str(
		"\nDma-buf Objects:\n"
		"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
		"\nTotal 0 objects, 0 bytes\n");

	(void)state_;
	assert_int_equal(state(s), DMABUF_SOURCE_OK);
	assert_int_equal(s->n_buf, 0);
	dmabuf_snapshot_free(s);
}

/* The collector on a root without bufinfo says what is missing. */
static void test_collect_missing(void **state_)
{
	char *root = tmp_root();
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(root);

	(void)state_;
	assert_int_equal(dmabuf_collect_debugfs(s), 0);
	assert_int_equal(state(s), DMABUF_SOURCE_UNAVAILABLE);
	assert_int_equal(status_of(s, DEBUGFS)->err, ENOENT);
	assert_detail(s, DEBUGFS, "no sys/kernel/debug/dma_buf/bufinfo in");
	dmabuf_snapshot_free(s);

	s = dmabuf_snapshot_new("/nonexistent-root");
	assert_int_equal(dmabuf_collect_debugfs(s), 0);
	assert_int_equal(state(s), DMABUF_SOURCE_FAILED);
	assert_detail(s, DEBUGFS, "root /nonexistent-root");
	dmabuf_snapshot_free(s);
	rm_root(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_6_1),
		cmocka_unit_test(test_7_3),
		cmocka_unit_test(test_before_5_3_no_ino),
		cmocka_unit_test(test_before_6_0_empty_is_none),
		cmocka_unit_test(test_fence_variants),
		cmocka_unit_test(test_spaces),
		cmocka_unit_test(test_odd_exporter_and_name),
		cmocka_unit_test(test_newline_name_limit),
		cmocka_unit_test(test_name_exact),
		cmocka_unit_test(test_cut_mid_line),
		cmocka_unit_test(test_cut_no_footer),
		cmocka_unit_test(test_footer_mismatch),
		cmocka_unit_test(test_devices_mismatch),
		cmocka_unit_test(test_malformed_line),
		cmocka_unit_test(test_number_limits),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_collect_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
