// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The load cache's file (lib/loadcache.c): what loadcache_encode() writes,
 * loadcache_check() takes back, and every file that is not exactly one for
 * this key, boot, name and state - another boot's, a damaged byte, a short
 * file, a map reference past the maps - is refused before anything is
 * loaded from it. And the libbpf section handler that sees a load can be
 * registered again and again in one process.
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
#include <linux/bpf.h>

#include "loadcache.h"

static const char boot[] = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
static const unsigned char btf[] = { 0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 1, 2, 3 };
static const char state[] = "mode=dmabuf owner_walk=1";
static const unsigned char rodata[16] = { 1, 2, 3, 4 };

/* r1 = map 0 (fd); r2 = &map 1 value + 8; r0 = 0; exit */
static struct bpf_insn insns[] = {
	{ .code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = 0 },
	{ 0 },
	{ .code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 2, .src_reg = BPF_PSEUDO_MAP_VALUE,
	  .imm = 1 },
	{ .imm = 8 },
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static const struct bpf_func_info func[] = { { .insn_off = 0, .type_id = 7 } };

static const struct loadcache_map maps[] = {
	{ .name = "seen", .type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 8,
	  .max_entries = 64, .flags = BPF_F_NO_PREALLOC },
	{ .name = "snapshot.rodata", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
	  .value_size = sizeof(rodata), .max_entries = 1,
	  .flags = BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, .init = rodata },
};

static struct loadcache_prog progs[] = {
	{ .name = "snap_dmabuf", .type = BPF_PROG_TYPE_TRACING,
	  .expected_attach_type = BPF_TRACE_ITER, .attach_btf_id = 4242, .insns = insns,
	  .n_insns = sizeof(insns) / sizeof(insns[0]), .func_info = func, .n_func = 1 },
};

static struct loadcache_image image(void)
{
	struct loadcache_image im = {
		.key = "2ee9d9b1", .boot_id = boot, .name = "snap_walks",
		.state = state, .state_len = sizeof(state), .btf = btf, .btf_len = sizeof(btf),
		.maps = maps, .n_maps = 2, .progs = progs, .n_progs = 1,
	};

	return im;
}

static void test_round_trip(void **st)
{
	struct loadcache_image im = image();
	void *text;
	size_t len;

	(void)st;
	assert_int_equal(loadcache_encode(&im, &text, &len), 0);
	assert_true(len % 8 == 0);
	assert_int_equal(loadcache_check(text, len, &im), 0);
	/* the state, the BTF and the instructions travel as they are */
	assert_non_null(memmem(text, len, state, sizeof(state)));
	assert_non_null(memmem(text, len, btf, sizeof(btf)));
	assert_non_null(memmem(text, len, rodata, sizeof(rodata)));
	assert_non_null(memmem(text, len, &insns[4], 2 * sizeof(insns[0])));
	free(text);
}

/* The file is another's: key, boot, name or state size differ. */
static void test_not_ours(void **st)
{
	struct loadcache_image im = image(), want;
	void *text;
	size_t len;

	(void)st;
	assert_int_equal(loadcache_encode(&im, &text, &len), 0);
	want = im;
	want.key = "2ee9d9b2";
	assert_int_equal(loadcache_check(text, len, &want), -EBADMSG);
	want = im;
	want.boot_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1";
	assert_int_equal(loadcache_check(text, len, &want), -EBADMSG);
	want = im;
	want.name = "snap";
	assert_int_equal(loadcache_check(text, len, &want), -EBADMSG);
	want = im;
	want.state_len = sizeof(state) + 8;
	assert_int_equal(loadcache_check(text, len, &want), -EBADMSG);
	free(text);
}

/* Every single damaged byte, and every shorter or longer file, is refused. */
static void test_damage(void **st)
{
	struct loadcache_image im = image();
	unsigned char *text, *copy;
	size_t len, i;

	(void)st;
	assert_int_equal(loadcache_encode(&im, (void **)&text, &len), 0);
	copy = malloc(len + 8);
	assert_non_null(copy);
	for (i = 0; i < len; i++) {
		memcpy(copy, text, len);
		copy[i] ^= 0x40;
		if (loadcache_check(copy, len, &im) != -EBADMSG)
			fail_msg("a damaged byte at %zu of %zu was taken", i, len);
	}
	for (i = 0; i < len; i++)
		if (loadcache_check(text, i, &im) != -EBADMSG)
			fail_msg("a file cut at %zu of %zu was taken", i, len);
	memcpy(copy, text, len);
	memset(copy + len, 0, 8);
	assert_int_equal(loadcache_check(copy, len + 8, &im), -EBADMSG);
	free(copy);
	free(text);
}

/* A map reference past the maps is refused even with a right checksum. */
static void test_map_index(void **st)
{
	struct loadcache_image im = image();
	void *text;
	size_t len;

	(void)st;
	insns[2].imm = 2;	/* there are 2 maps: 0 and 1 */
	assert_int_equal(loadcache_encode(&im, &text, &len), 0);
	assert_int_equal(loadcache_check(text, len, &im), -EBADMSG);
	free(text);
	insns[2].imm = -1;
	assert_int_equal(loadcache_encode(&im, &text, &len), 0);
	assert_int_equal(loadcache_check(text, len, &im), -EBADMSG);
	free(text);
	insns[2].imm = 1;
	im.n_maps = 1;		/* the same reference, one map fewer */
	assert_int_equal(loadcache_encode(&im, &text, &len), 0);
	assert_int_equal(loadcache_check(text, len, &im), -EBADMSG);
	free(text);
}

/* What cannot be written: no program, no BTF, a bad name, no func_info. */
static void test_encode_refuses(void **st)
{
	struct loadcache_image im;
	struct loadcache_prog p = progs[0];
	void *text = (void *)1;
	size_t len = 1;

	(void)st;
	im = image();
	im.n_progs = 0;
	assert_int_equal(loadcache_encode(&im, &text, &len), -EINVAL);
	assert_null(text);
	assert_int_equal(len, 0);
	im = image();
	im.btf_len = 0;
	assert_int_equal(loadcache_encode(&im, &text, &len), -EINVAL);
	im = image();
	im.name = "../snap";
	assert_int_equal(loadcache_encode(&im, &text, &len), -EINVAL);
	im = image();
	im.name = "";
	assert_int_equal(loadcache_encode(&im, &text, &len), -EINVAL);
	im = image();
	p.n_func = 0;
	im.progs = &p;
	assert_int_equal(loadcache_encode(&im, &text, &len), -EINVAL);
	im = image();
	im.key = "a key far too long for it";
	assert_int_equal(loadcache_encode(&im, &text, &len), -EINVAL);
}

/*
 * The section handler comes and goes with every load a process keeps
 * (dmabuf report, the library's users): libbpf 1.1 would free its handler
 * array twice on the second round (under ASan: a double free).
 */
static void test_capture_rounds(void **st)
{
	int i, id;

	(void)st;
	for (i = 0; i < 4; i++) {
		id = loadcache_capture("iter/", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER);
		assert_true(id >= 0);
		loadcache_capture_end(id);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_map_index),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_capture_rounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
