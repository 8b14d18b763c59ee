/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * loadcache.h - a libbpf object's load, kept on disk for the rest of the
 * boot (lib/loadcache.c).
 *
 * Most of what a libbpf load costs is the same on every run of a boot: the
 * parse of the vmlinux BTF and the CO-RE relocation against it (~150
 * million instructions for the snapshot programs, more than a snapshot of
 * 10,000 buffers). Once a load succeeded, loadcache_save() keeps its
 * outcome: each loaded program's final instructions (maps referred to by
 * index), its type and attach target, and each map's definition and
 * initial contents, and the programs' own BTF with their functions' info
 * (callbacks and global functions need it). loadcache_open() makes the same
 * maps and loads the same programs from it, with no vmlinux BTF read and no
 * relocation; the kernel still verifies every program.
 *
 * The file is valid for one boot of one kernel (its boot_id) and one build
 * of the BPF object (KEY); kept in LOADCACHE_DIR, a directory of the
 * caller's closed to others (it holds programs the caller loads), written
 * whole by a rename. Anything else - another boot, another build, a file
 * that is short, damaged or not the caller's - is ignored and replaced.
 * DMABUF_LOAD_CACHE=off turns it off.
 */
#ifndef DMABUF_LOADCACHE_H
#define DMABUF_LOADCACHE_H

#include <stddef.h>

struct bpf_object;
struct bpf_func_info;

#define LOADCACHE_DIR "/run/dmabuf-tools"
#define LOADCACHE_MAX_PROGS 8
#define LOADCACHE_MAX_MAPS 16
#define LOADCACHE_NAME_LEN 64	/* a program's name (the kernel keeps 15 bytes of it) */

/* What loadcache_open() made: fds, -1 where not made. */
struct loadcache {
	int n_progs;
	char prog_name[LOADCACHE_MAX_PROGS][LOADCACHE_NAME_LEN];
	int prog_fd[LOADCACHE_MAX_PROGS];
	int n_maps;
	char map_name[LOADCACHE_MAX_MAPS][16];
	int map_fd[LOADCACHE_MAX_MAPS];
};

/* Whether the cache is in use (not DMABUF_LOAD_CACHE=off). */
int loadcache_enabled(void);

/*
 * Objects opened and loaded between these two calls can be kept: their
 * programs of section prefix SEC ("iter/") are handled by a libbpf section
 * handler of ours (PROG_TYPE, ATTACH_TYPE: as libbpf's own), which sees the
 * load attributes the object does not give afterwards. The handler id, or
 * -errno (then nothing can be kept).
 */
int loadcache_capture(const char *sec, int prog_type, int attach_type);
void loadcache_capture_end(int id);

/*
 * Keeps the load of OBJ (loaded: its programs with an fd) under NAME (a
 * variant of the load: [a-z0-9_]) for build KEY, with STATE (LEN bytes,
 * given back by loadcache_open). 0 or -errno (nothing kept: a program
 * refers to a module's BTF, the directory is not ours, ...).
 */
int loadcache_save(const char *key, const char *name, struct bpf_object *obj,
		   const void *state, size_t len);

/*
 * Loads what NAME of build KEY keeps into C, its state into STATE (LEN
 * bytes); 0, -ENOENT when there is none for this boot, or -errno when it
 * could not be loaded (the file is then removed).
 */
int loadcache_open(const char *key, const char *name, struct loadcache *c, void *state,
		   size_t len);

/* The fd of program or map NAME in C (".bss": the map of that section), -1 if none. */
int loadcache_prog_fd(const struct loadcache *c, const char *name);
int loadcache_map_fd(const struct loadcache *c, const char *name);

void loadcache_close(struct loadcache *c);

/* A load as the file keeps it (loadcache_save() takes it from the object). */
struct loadcache_map {
	char name[16];
	unsigned int type, key_size, value_size, max_entries, flags;
	unsigned long long extra;
	const void *init;	/* value_size bytes at key 0, or NULL */
};

struct loadcache_prog {
	char name[LOADCACHE_NAME_LEN];
	unsigned int type, expected_attach_type, attach_btf_id, flags;
	const struct bpf_insn *insns;	/* map references hold map indexes */
	size_t n_insns;
	const struct bpf_func_info *func_info;	/* of the image's BTF, by subprogram */
	size_t n_func;
};

struct loadcache_image {
	const char *key, *boot_id, *name;
	const void *state;
	size_t state_len;
	const void *btf;	/* the programs' BTF, as the kernel took it */
	size_t btf_len;
	const struct loadcache_map *maps;
	int n_maps;
	const struct loadcache_prog *progs;
	int n_progs;
};

/* The file of IMAGE into *TEXT (malloc'd), *LEN; 0 or -errno. */
int loadcache_encode(const struct loadcache_image *image, void **text, size_t *len);

/*
 * The checks loadcache_open() makes of file TEXT (LEN bytes) before it
 * loads anything, against what IMAGE expects (its key, boot_id, name and
 * state_len); 0 or -EBADMSG. For the unit tests.
 */
int loadcache_check(const void *text, size_t len, const struct loadcache_image *expect);

#endif
