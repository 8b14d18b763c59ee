/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * loadcache_priv.h - the file of a kept load as lib/loadcache.c and
 * lib/loadcache_file.c share it (layout: loadcache_file.c).
 */
#ifndef DMABUF_LOADCACHE_PRIV_H
#define DMABUF_LOADCACHE_PRIV_H

#include <stdint.h>
#include <linux/bpf.h>

#include "loadcache.h"

#define LC_MAGIC "DMBFLC1"
#define LC_VERSION 1
#define LC_MAX_FILE (4u << 20)
#define LC_MAX_INSNS (1u << 20)
#define LC_MAX_FUNCS 256
/* the license of every BPF object of this project (bpf/ *.bpf.c) */
#define LC_LICENSE "GPL"

struct lc_hdr {
	char magic[8];
	uint32_t version;
	uint32_t state_len;
	uint32_t btf_len;
	uint32_t pad;		/* 0 */
	char key[16];
	char boot_id[40];
	char name[32];
	uint32_t n_maps;
	uint32_t n_progs;
	uint32_t body_len;
	uint32_t crc;		/* of the header (this field 0) and the body */
};

struct lc_map {
	char name[16];
	uint32_t type, key_size, value_size, max_entries, flags, init_len;
	uint64_t extra;
};

struct lc_prog {
	char name[LOADCACHE_NAME_LEN];
	uint32_t type, expected_attach_type, attach_btf_id, flags, n_insns, n_func;
};

#define PAD8(n) (((n) + 7u) & ~(size_t)7u)

/* The parsed file: pointers into its text. */
struct parsed {
	const struct lc_hdr *h;
	const void *state;
	const void *btf;
	const struct lc_map *map[LOADCACHE_MAX_MAPS];
	const void *init[LOADCACHE_MAX_MAPS];
	const struct lc_prog *prog[LOADCACHE_MAX_PROGS];
	const struct bpf_insn *insns[LOADCACHE_MAX_PROGS];
	const struct bpf_func_info *func[LOADCACHE_MAX_PROGS];
};

/* Whether NAME can name a kept load ([a-z0-9_], 1 to 31 bytes). */
int lc_name_ok(const char *name);

/* Whether IN loads a map's fd or value address (ldimm64, two instructions). */
int lc_is_map_ref(const struct bpf_insn *in);

/*
 * Checks file TEXT (LEN bytes) against WANT (key, boot_id, name, state_len)
 * and points OUT into it; 0 or -EBADMSG.
 */
int lc_parse(const void *text, size_t len, const struct loadcache_image *want,
	     struct parsed *out);

#endif
