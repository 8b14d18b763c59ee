// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpfsnap_pin.c - `dmabuf pin` / `dmabuf unpin`: the snapshot iterators
 * (buffers, fd owners, mappings) loaded once and their links pinned in the
 * BPF filesystem, DMABUF_PIN_DIR/snap_{dmabuf,owners,maps}-KEY; and the
 * pins opened for a snapshot (bpfsnap.c reads them instead of loading).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "bpflog.h"
#include "bpfsnap_priv.h"
#include "collect.h"
#include "bpf/snapshot.skel.h"	/* types and small helpers only: bpfsnap.c opens it */
#include "bpf/snapshot.key.h"

/* The pinned iterators: buffers, fd owners, mappings (the first three programs). */
#define PIN__COUNT 3
static const char *const pin_what[PIN__COUNT] = { "dmabuf", "owners", "maps" };
_Static_assert(P_DMABUF == 0 && P_OWNERS == 1 && P_TASK_VMA == 2, "pins by program");

/* This build's pin key: the BPF object's checksum (the Makefile takes it). */
static void pin_key(char *key, size_t len)
{
	snprintf(key, len, "%s", SNAPSHOT_PIN_KEY);
}

static void pin_path(char *out, size_t len, const char *what, const char *key)
{
	snprintf(out, len, DMABUF_PIN_DIR "/snap_%s-%s", what, key);
}

void pins_close(struct progs *p)
{
	int i;

	for (i = 0; i < P__COUNT; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

/*
 * DMABUF_PIN_DIR is a directory of this user's that nobody else may write
 * to (bpffs's root is world-writable: anyone could make it first): 0, or
 * -errno with ERR (LEN) saying why.
 */
static int pin_dir_trusted(char *err, size_t len)
{
	struct stat st;
	int e;

	if (lstat(DMABUF_PIN_DIR, &st)) {
		e = errno;
		snprintf(err, len, "%s: %s", DMABUF_PIN_DIR, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, len, "%s is not a directory of uid %u closed to others "
			 "(owner %u, mode %o): remove it", DMABUF_PIN_DIR, geteuid(), st.st_uid,
			 st.st_mode & 07777);
		return -EPERM;
	}
	return 0;
}

/*
 * This build's pinned iterators: the buffers', and the owner and vma walks'
 * when OWNERS and MAPS; false if not all of those are there.
 */
bool pins_open(struct progs *p, bool owners, bool maps)
{
	char key[16], path[sizeof(DMABUF_PIN_DIR) + 48], why[160];
	const bool want[PIN__COUNT] = { true, owners, maps };
	int i;

	for (i = 0; i < P__COUNT; i++)
		p->fd[i] = -1;
	p->links = true;
	p->chunks_fd = p->bss_fd = -1;
	if (pin_dir_trusted(why, sizeof(why)))
		return false;
	pin_key(key, sizeof(key));
	for (i = 0; i < PIN__COUNT; i++) {
		if (!want[i])
			continue;
		pin_path(path, sizeof(path), pin_what[i], key);
		p->fd[i] = bpf_obj_get(path);
		if (p->fd[i] < 0) {
			pins_close(p);
			return false;
		}
	}
	return true;
}

/* SNAP_FEAT_* from the .bss of the program behind pinned link LINK_FD; 0 if unknown. */
__u32 pinned_features(int link_fd)
{
	struct bpf_link_info link = { 0 };
	struct bpf_prog_info prog = { 0 };
	__u32 len = sizeof(link), ids[8], i, features = 0;
	int prog_fd;

	if (bpf_obj_get_info_by_fd(link_fd, &link, &len))
		return 0;
	prog_fd = bpf_prog_get_fd_by_id(link.prog_id);
	if (prog_fd < 0)
		return 0;
	prog.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	prog.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(prog);
	if (bpf_obj_get_info_by_fd(prog_fd, &prog, &len))
		prog.nr_map_ids = 0;
	for (i = 0; i < prog.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]) && !features; i++) {
		struct bpf_map_info map = { 0 };
		struct snapshot_bpf__bss bss;
		int fd = bpf_map_get_fd_by_id(ids[i]), zero = 0;

		len = sizeof(map);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &map, &len) &&
		    !strcmp(map.name, "snapshot.bss") && map.value_size == sizeof(bss) &&
		    !bpf_map_lookup_elem(fd, &zero, &bss))
			features = bss.features;
		if (fd >= 0)
			close(fd);
	}
	close(prog_fd);
	return features;
}

static int pin_fail(struct dmabuf_pin_result *res, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pin_fail(struct dmabuf_pin_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	return err;
}

/*
 * Removes the entries of DMABUF_PIN_DIR that are ours ("snap_*") but not
 * of KEY (NULL: all); the number removed, or -errno.
 */
static int pins_remove(struct dmabuf_pin_result *res, const char *key)
{
	DIR *d = opendir(DMABUF_PIN_DIR);
	struct dirent *e;
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : pin_fail(res, -errno, "%s: %s", DMABUF_PIN_DIR,
						       strerror(errno));
	while ((e = readdir(d))) {
		const char *dash = strrchr(e->d_name, '-');

		if (strncmp(e->d_name, "snap_", 5) || (key && dash && !strcmp(dash + 1, key)))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0)) {
			n = pin_fail(res, -errno, "removing %s/%s: %s", DMABUF_PIN_DIR, e->d_name,
				     strerror(errno));
			break;
		}
		n++;
	}
	closedir(d);
	return n;
}

int dmabuf_pin(struct dmabuf_pin_result *res)
{
	struct bpf_link *links[PIN__COUNT] = { NULL };
	struct snapshot_bpf *skel = NULL;
	libbpf_print_fn_t old;
	char key[16];
	struct statfs sf;
	int err = 0, i, n;

	memset(res, 0, sizeof(*res));
	if (access("/sys/kernel/btf/vmlinux", F_OK))
		return pin_fail(res, -ENOENT, "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)");
	if (!btf_names_iter_dmabuf())
		return pin_fail(res, -EOPNOTSUPP, "this kernel has no iter/dmabuf (Linux 6.16+): "
				"its snapshots walk the task files and load their programs each time");
	if (statfs("/sys/fs/bpf", &sf) || sf.f_type != BPF_FS_MAGIC)
		return pin_fail(res, -ENODEV, "no BPF filesystem at /sys/fs/bpf "
				"(mount -t bpf bpf /sys/fs/bpf)");
	pin_key(key, sizeof(key));
	for (i = 0, n = 0; i < PIN__COUNT; i++) {
		pin_path(res->paths[i], sizeof(res->paths[i]), pin_what[i], key);
		n += !access(res->paths[i], F_OK);
	}
	res->n_paths = PIN__COUNT;
	if (!pin_dir_trusted(res->error, sizeof(res->error)) && n == PIN__COUNT) {
		n = pins_remove(res, key);	/* another build's */
		res->removed = n > 0 ? n : 0;
		res->already = true;
		return n < 0 ? n : 0;
	}
	res->error[0] = '\0';

	/* loaded before anything is made: a caller who may not load makes nothing */
	old = bpflog_begin();
	skel = bpfsnap_skel_open();
	if (!skel) {
		err = pin_fail(res, -errno, "opening the BPF object: %s", strerror(errno));
		goto out;
	}
	bpf_program__set_autoload(skel->progs.snap_task_file, false);
	bpf_program__set_autoload(skel->progs.snap_list, false);
	bpf_map__set_max_entries(skel->maps.seen, 1);
	bpf_map__set_max_entries(skel->maps.walk_chunks, 1);
	err = snapshot_bpf__load(skel);
	if (err) {
		err = err == -EPERM ? pin_fail(res, err, "needs CAP_BPF and CAP_PERFMON (run as root)")
				    : pin_fail(res, err, "loading the BPF programs: %s",
					       bpflog_first()[0] ? bpflog_first()
								  : strerror(-err));
		goto out;
	}
	if (mkdir(DMABUF_PIN_DIR, 0700) && errno != EEXIST) {
		err = pin_fail(res, -errno, "%s: %s", DMABUF_PIN_DIR, strerror(errno));
		goto out;
	}
	err = pin_dir_trusted(res->error, sizeof(res->error));
	if (err)
		goto out;
	n = pins_remove(res, key);	/* another build's */
	if (n < 0) {
		err = n;
		goto out;
	}
	res->removed = n;
	for (i = 0; i < PIN__COUNT && !err; i++) {
		links[i] = bpf_program__attach_iter(bpf_object__find_program_by_name(skel->obj,
										     prog_name[i]), NULL);
		if (!links[i]) {
			err = pin_fail(res, -errno, "attaching the %s iterator: %s", pin_what[i],
				       strerror(errno));
			break;
		}
		err = bpf_link__pin(links[i], res->paths[i]);
		if (err == -EEXIST)	/* a dmabuf pin beside us */
			err = 0;
		else if (err)
			err = pin_fail(res, err, "pinning %s: %s", res->paths[i], strerror(-err));
	}
	if (err)	/* what this call pinned */
		for (i = 0; i < PIN__COUNT; i++)
			unlink(res->paths[i]);
out:
	for (i = 0; i < PIN__COUNT; i++)
		bpf_link__destroy(links[i]);	/* the pins keep the links */
	snapshot_bpf__destroy(skel);
	bpflog_end(old);
	if (err)
		res->n_paths = 0;
	return err;
}

int dmabuf_unpin(struct dmabuf_pin_result *res)
{
	int n;

	memset(res, 0, sizeof(*res));
	n = pins_remove(res, NULL);
	if (n < 0)
		return n;
	res->removed = n;
	if (rmdir(DMABUF_PIN_DIR) && errno != ENOENT)
		return pin_fail(res, -errno, "%s: %s (entries that are not dmabuf's are left)",
				DMABUF_PIN_DIR, strerror(errno));
	return 0;
}
