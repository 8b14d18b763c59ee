// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpfsnap.c - the BPF snapshot collector: owns the snapshot skeleton
 * (bpf/snapshot.bpf.c), runs its iterators and merges their records
 * (include/snapshot.h; bpfsnap_parse.c) into the model with DMABUF_SRC_BPF.
 *
 * Which programs run is decided by probing the running kernel:
 * - its BTF has the iter/dmabuf target (bpf_iter_dmabuf, 6.16+): that one
 *   iterator sees every buffer, fd or not; when procfs is not providing the
 *   owners in this snapshot (its status is unused, unavailable or failed:
 *   dmabuf_collect() runs procfs first), iter/task_file follows in owner-only
 *   mode for the fd owners (pid, comm, fds), else it is not run at all;
 * - otherwise iter/task_file finds every buffer some process has an fd of
 *   (and its owners), and the list walk (iter/bpf_map_elem) reaches the
 *   buffers only drivers hold, from the global list's address in
 *   /proc/kallsyms (db_list, debugfs_list or dmabuf_list: whichever this
 *   kernel has). Without that address, or when the walk is refused or breaks,
 *   the snapshot says which buffers it could not reach (those debugfs listed
 *   and BPF did not, when debugfs was collected first; dmabuf_collect() does).
 * A program that does not load is dropped for the next best (autoload off).
 * Per-field differences (the mapping cache, importer_ops, peer2peer, pin,
 * f_count/f_ref) are CO-RE existence checks in the programs.
 *
 * On every kernel, when procfs is not providing them either, iter/task_vma
 * walks every mapping for the owners' mappings of buffers (as
 * /proc/PID/maps shows them).
 *
 * Cost: the load (libbpf parses the vmlinux BTF once; the iter/dmabuf probe
 * only searches its strings; a live view keeps the loaded programs for its
 * next snapshots, dmabuf_collect_opts.keep; a boot's first load is kept on
 * disk and later snapshots load from it, with no BTF parse and no
 * relocation, see "the load cache" below; after `dmabuf pin` no load at
 * all: the pinned iterators are read, see "pinned iterators" below), one
 * read() loop per iterator (128 KiB per read), no syscall per buffer.
 * Exporter ops are named by the kernel (%ps in the program, once per ops and
 * iterator session): /proc/kallsyms, whose read costs more than all the rest,
 * is read only for the global list's address on kernels without iter/dmabuf.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "capture.h"
#include "collect.h"
#include "collect_priv.h"
#include "loadcache.h"
#include "report.h"
#include "snapshot.h"
#include "bpf/snapshot.skel.h"	/* generated into the output dir */
#include "bpf/snapshot.key.h"

#define SRC_BPF_I SRC_INDEX(DMABUF_SRC_BPF)
#define READ_CHUNK (128 * 1024)

/* The running kernel's config: /boot/config-RELEASE, else /proc/config.gz. */
static void read_move_notify(struct dmabuf_snapshot *s)
{
	char path[sizeof(s->kernel.release) + 16];
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap);
	gzFile gz;
	int n;

	if (!text)
		return;
	snprintf(path, sizeof(path), "/boot/config-%s", s->kernel.release);
	gz = s->kernel.release[0] ? gzopen(path, "rb") : NULL;	/* reads plain files too */
	if (!gz)
		gz = gzopen("/proc/config.gz", "rb");
	if (gz) {
		while ((n = gzread(gz, text + len, (unsigned int)(cap - len))) > 0) {
			len += (size_t)n;
			if (len == cap) {
				char *nt = realloc(text, cap * 2);

				if (!nt)
					break;
				text = nt;
				cap *= 2;
			}
		}
		gzclose(gz);
		if (len)
			s->kernel.move_notify = bpfsnap_config_move_notify(text, len);
	}
	free(text);
}

/* --- the skeleton -------------------------------------------------------- */

static char libbpf_first_warning[160];

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && !libbpf_first_warning[0]) {
		va_list copy;

		va_copy(copy, ap);
		vsnprintf(libbpf_first_warning, sizeof(libbpf_first_warning), fmt, copy);
		va_end(copy);
		libbpf_first_warning[strcspn(libbpf_first_warning, "\n")] = '\0';
	}
	if (getenv("DMABUF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/*
 * The buffer the iterators are read into: one for every run of the process
 * (a fresh process faults in every page it touches; three runs of three
 * buffers cost the snapshot 64 page faults more), freed by bpfsnap_release().
 */
static char *chunk;

static char *read_chunk(void)
{
	if (!chunk)
		chunk = malloc(READ_CHUNK);
	return chunk;
}

/* Runs iterator NAME's link (fd LINK_FD) to its end, merging what it writes. */
static int run_iter(struct dmabuf_snapshot *s, const char *name, int link_fd,
		    struct bpfsnap_stats *st)
{
	char *buf = read_chunk();
	size_t have = 0;
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	dmabuf_capture_bpf_iter(s->capture, name, st->owners_of_known);
	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, READ_CHUNK - have);
		int used;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (!n)
			break;
		have += (size_t)n;
		used = bpfsnap_parse(s, buf, have, st);
		if (used < 0) {
			ret = used;
			break;
		}
		dmabuf_capture_bpf_records(s->capture, buf, (size_t)used);
		memmove(buf, buf + used, have - (size_t)used);
		have -= (size_t)used;
	}
	if (!ret && have)
		ret = -EBADMSG;
	close(fd);
	return ret;
}

/* The programs of a snapshot, by what they walk. */
enum { P_DMABUF, P_OWNERS, P_TASK_VMA, P_TASK_FILE, P_LIST, P__COUNT };
static const char *const prog_name[P__COUNT] = { "snap_dmabuf", "snap_task_owners",
						 "snap_task_vma", "snap_task_file", "snap_list" };

/*
 * The programs a run reads, wherever they came from: a libbpf load, the
 * load cache (program fds, a link made for each read) or the pins (link fds).
 */
struct progs {
	int fd[P__COUNT];	/* -1 where none */
	bool links;		/* fd[] are iterator links (pinned), not programs */
	int chunks_fd;		/* walk_chunks: the list walk's map */
	int bss_fd;		/* the programs' globals: features, walk_state; -1 pinned */
};

/* Reads iterator WHICH of P to its end. */
static int run_one(struct dmabuf_snapshot *s, struct bpfsnap_stats *st, const struct progs *p,
		   int which)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	union bpf_iter_link_info info;
	int link, err;

	if (p->links)
		return run_iter(s, prog_name[which], p->fd[which], st);
	if (which == P_LIST) {
		memset(&info, 0, sizeof(info));
		info.map.map_fd = (__u32)p->chunks_fd;
		opts.iter_info = &info;
		opts.iter_info_len = sizeof(info);
	}
	link = bpf_link_create(p->fd[which], 0, BPF_TRACE_ITER, &opts);
	if (link < 0)
		return -errno;
	err = run_iter(s, prog_name[which], link, st);
	close(link);
	return err;
}

enum mode { MODE_DMABUF, MODE_TASK_FILE };

struct run {
	enum mode mode;
	bool owner_walk;	/* MODE_DMABUF: iter/task_file for the owners too */
	bool map_walk;		/* iter/task_vma for the mappings (procfs not read) */
	bool pinned;		/* the iterators were pinned ones (dmabuf pin) */
	bool cached;		/* loaded from the load cache (loadcache.h) */
	bool use_list;
	uint64_t list_addr;
	char list_name[32];
	char why_no_list[96];
	char dropped[200];	/* programs that did not load, and why */
	char owner_fail[160];	/* the first warning while the owner walk was on */
	char map_fail[160];	/* the vma walk's program did not load: why */
	__u32 features, walk_state;
	struct bpfsnap_stats st;
};

/* btf member NAME of struct STRUCT: 1, 0, or -1 when the struct is missing */
static int btf_has_member(const struct btf *btf, const char *sname, const char *name)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m;
	int i;

	if (!t)
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, m[i].name_off), name))
			return 1;
	return 0;
}

/*
 * Whether the kernel's BTF names the iter/dmabuf target (bpf_iter_dmabuf):
 * a search of its string section only, as a parse of the whole BTF costs
 * as much as a snapshot of thousands of buffers (libbpf parses it once more
 * for the load anyway). A hint: the load decides, and falls back.
 */
static bool btf_names_iter_dmabuf(void)
{
	static const char want[] = "\0bpf_iter_dmabuf";	/* and its NUL */
	int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	struct btf_header h;
	size_t got = 0;
	char *str = NULL;
	bool yes = false;

	if (fd >= 0 && pread(fd, &h, sizeof(h), 0) == sizeof(h) && h.magic == BTF_MAGIC &&
	    h.str_len < (64u << 20) && (str = malloc(h.str_len))) {
		ssize_t n = 1;

		while (got < h.str_len && n > 0) {	/* sysfs gives a page per read */
			n = pread(fd, str + got, h.str_len - got, h.hdr_len + h.str_off + got);
			got += n > 0 ? (size_t)n : 0;
		}
		yes = got == h.str_len && memmem(str, got, want, sizeof(want));
	}
	free(str);
	if (fd >= 0)
		close(fd);
	return yes;
}

static void find_list(struct run *r)
{
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f) {
		snprintf(r->why_no_list, sizeof(r->why_no_list), "/proc/kallsyms: %s",
			 strerror(errno));
		return;
	}
	if (!bpfsnap_kallsyms(f, NULL, 0, &r->list_addr, r->list_name, sizeof(r->list_name)) &&
	    r->list_addr)
		r->use_list = true;
	else
		snprintf(r->why_no_list, sizeof(r->why_no_list),
			 "no db_list/debugfs_list/dmabuf_list address in /proc/kallsyms");
	fclose(f);
}

static void note_dropped(struct run *r, const char *what, int err)
{
	size_t len = strlen(r->dropped);

	snprintf(r->dropped + len, sizeof(r->dropped) - len, "%s%s did not load (%s)",
		 len ? "; " : "", what, libbpf_first_warning[0] ? libbpf_first_warning
								: strerror(-err));
}

/*
 * Loads what the kernel takes into *OUT; 0 (*OUT NULL when nothing loaded:
 * the source state says why), or -ENOMEM.
 */
static int load(struct dmabuf_snapshot *s, struct run *r, struct snapshot_bpf **out)
{
	struct snapshot_bpf *skel;
	int err;

	*out = NULL;
	for (;;) {
		skel = snapshot_bpf__open();
		if (!skel) {
			err = -errno;
			dmabuf_source_set(s, SRC_BPF_I, DMABUF_SOURCE_FAILED, -err,
					  "opening the BPF object: %s", strerror(-err));
			return err == -ENOMEM ? err : 0;
		}
		skel->rodata->list_head_addr = r->use_list ? r->list_addr : 0;
		bpf_program__set_autoload(skel->progs.snap_dmabuf, r->mode == MODE_DMABUF);
		bpf_program__set_autoload(skel->progs.snap_task_file, r->mode == MODE_TASK_FILE);
		bpf_program__set_autoload(skel->progs.snap_task_owners,
					  r->mode == MODE_DMABUF && r->owner_walk);
		bpf_program__set_autoload(skel->progs.snap_list,
					  r->mode == MODE_TASK_FILE && r->use_list);
		bpf_program__set_autoload(skel->progs.snap_task_vma, r->map_walk);
		/* maps a path does not use: their smallest (a hash table's buckets
		 * are allocated and cleared at creation) */
		if (r->mode == MODE_DMABUF)
			bpf_map__set_max_entries(skel->maps.seen, 1);
		if (r->mode != MODE_TASK_FILE || !r->use_list)
			bpf_map__set_max_entries(skel->maps.walk_chunks, 1);
		if (getenv("DMABUF_DEBUG")) {	/* the verifier's statistics */
			bpf_program__set_log_level(skel->progs.snap_dmabuf, 4);
			bpf_program__set_log_level(skel->progs.snap_task_file, 4);
			bpf_program__set_log_level(skel->progs.snap_task_owners, 4);
			bpf_program__set_log_level(skel->progs.snap_list, 4);
		}
		libbpf_first_warning[0] = '\0';
		err = snapshot_bpf__load(skel);
		if (!err)
			break;
		snapshot_bpf__destroy(skel);
		if (err == -EPERM) {
			dmabuf_source_set(s, SRC_BPF_I, DMABUF_SOURCE_UNAVAILABLE, EPERM,
					  "needs CAP_BPF and CAP_PERFMON (run as root)");
			return 0;
		}
		if (r->map_walk && strstr(libbpf_first_warning, "snap_task_vma")) {
			snprintf(r->map_fail, sizeof(r->map_fail), "%s", libbpf_first_warning);
			r->map_walk = false;
		} else if (r->mode == MODE_DMABUF && r->owner_walk) {
			/* which one failed: iter/dmabuf alone tells */
			snprintf(r->owner_fail, sizeof(r->owner_fail), "%s",
				 libbpf_first_warning[0] ? libbpf_first_warning : strerror(-err));
			r->owner_walk = false;
		} else if (r->mode == MODE_DMABUF) {
			r->owner_fail[0] = '\0';	/* iter/dmabuf failed; task_file has owners */
			note_dropped(r, "iter/dmabuf", err);
			r->mode = MODE_TASK_FILE;
			find_list(r);
		} else if (r->use_list) {
			note_dropped(r, "the global list walk", err);
			r->use_list = false;
			snprintf(r->why_no_list, sizeof(r->why_no_list), "its program did not load");
		} else {
			dmabuf_source_set(s, SRC_BPF_I, DMABUF_SOURCE_FAILED, -err,
					  "loading the BPF programs: %s",
					  libbpf_first_warning[0] ? libbpf_first_warning
								  : strerror(-err));
			return 0;
		}
	}

	if (r->owner_fail[0] && r->mode == MODE_DMABUF)
		snprintf(r->dropped + strlen(r->dropped), sizeof(r->dropped) - strlen(r->dropped),
			 "%sthe owner walk did not load (%s)", r->dropped[0] ? "; " : "",
			 r->owner_fail);
	if (r->map_fail[0])
		snprintf(r->dropped + strlen(r->dropped), sizeof(r->dropped) - strlen(r->dropped),
			 "%sthe vma walk did not load (%s)", r->dropped[0] ? "; " : "",
			 r->map_fail);
	*out = skel;
	return 0;
}

/* --- pinned iterators (dmabuf pin) --------------------------------------- */

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

static void pins_close(struct progs *p)
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
static bool pins_open(struct progs *p, bool owners, bool maps)
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
static __u32 pinned_features(int link_fd)
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
	old = libbpf_set_print(print_libbpf);
	libbpf_first_warning[0] = '\0';
	skel = snapshot_bpf__open();
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
					       libbpf_first_warning[0] ? libbpf_first_warning
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
	libbpf_set_print(old);
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

/* --- running the iterators -------------------------------------------------- */

/* Runs the programs P; 0, 1 when the source state says they failed, or -ENOMEM. */
static int run_progs(struct dmabuf_snapshot *s, struct run *r, const struct progs *p)
{
	struct snapshot_bpf__bss bss = { 0 };
	int err, zero = 0;

	if (r->mode == MODE_DMABUF) {
		err = run_one(s, &r->st, p, P_DMABUF);
		r->st.owners_of_known = true;
		if (!err && r->owner_walk)
			err = run_one(s, &r->st, p, P_OWNERS);
	} else {
		err = run_one(s, &r->st, p, P_TASK_FILE);
		if (!err && r->use_list)
			err = run_one(s, &r->st, p, P_LIST);
	}
	/* mappings of the buffers read above only, as the owner walk's owners */
	r->st.owners_of_known = true;
	if (!err && r->map_walk)
		err = run_one(s, &r->st, p, P_TASK_VMA);
	if (p->bss_fd >= 0 && bpf_map_lookup_elem(p->bss_fd, &zero, &bss))
		memset(&bss, 0, sizeof(bss));
	r->features = p->links ? pinned_features(p->fd[P_DMABUF]) : bss.features;
	r->walk_state = p->links ? SNAP_WALK_NONE : bss.walk_state;
	if (err == -ENOMEM)
		return err;
	if (err) {
		dmabuf_source_set(s, SRC_BPF_I, err == -EPERM ? DMABUF_SOURCE_UNAVAILABLE
							      : DMABUF_SOURCE_FAILED, -err,
				  err == -EPERM ? "needs CAP_BPF and CAP_PERFMON (run as root)"
						: "reading the BPF iterator: %s", strerror(-err));
		return 1;
	}
	return 0;
}

/* Names each buffer's exporter ops from the SNAP_REC_OPS records. */
static int resolve_ops(struct dmabuf_snapshot *s, struct bpfsnap_stats *st)
{
	const struct bpfsnap_sym *hit = NULL, *shared_for = NULL;
	char *shared = NULL;
	size_t i, j;

	for (i = 0; i < st->n_ops; i++) {
		struct dmabuf_buffer *b;

		if (!hit || hit->addr != st->ops[i].addr) {	/* a handful of exporters */
			for (j = 0, hit = NULL; j < st->n_names && !hit; j++)
				if (st->names[j].addr == st->ops[i].addr)
					hit = &st->names[j];
		}
		b = hit ? dmabuf_buffer_get(s, st->ops[i].ino, false) : NULL;
		if (!b)
			continue;
		/* one copy per exporter, shared: arena strings are never freed alone */
		if (hit != shared_for &&
		    dmabuf_set_str(s, &shared, hit->name, strlen(hit->name)))
			return -ENOMEM;
		shared_for = hit;
		b->exp_ops = shared;
		b->src[DMABUF_F_EXP_OPS] |= DMABUF_SRC_BPF;
	}
	return 0;
}

/* "ino 12 34 ..." of the buffers debugfs listed and BPF did not reach. */
static size_t unreached(const struct dmabuf_snapshot *s, char *out, size_t len)
{
	size_t i, count = 0, used = 0;

	out[0] = '\0';
	for (i = 0; i < s->n_buf; i++) {
		const struct dmabuf_buffer *b = &s->buf[i];

		if (!(b->seen & DMABUF_SRC_DEBUGFS) || (b->seen & DMABUF_SRC_BPF))
			continue;
		if (used < len) {
			int n = snprintf(out + used, len - used, "%s%llu", count ? " " : "ino ",
					 (unsigned long long)b->ino);

			used += n > 0 ? (size_t)n : 0;
		}
		count++;
	}
	return count;
}

static void report(struct dmabuf_snapshot *s, struct run *r)
{
	bool debugfs = s->status[SRC_INDEX(DMABUF_SRC_DEBUGFS)].state == DMABUF_SOURCE_OK ||
		       s->status[SRC_INDEX(DMABUF_SRC_DEBUGFS)].state == DMABUF_SOURCE_PARTIAL;
	struct bpfsnap_stats *st = &r->st;
	enum dmabuf_source_state state = DMABUF_SOURCE_OK;
	char how[200], missing[96], extra[200] = "";
	size_t nmiss = debugfs ? unreached(s, missing, sizeof(missing)) : 0;
	bool walked = r->walk_state == SNAP_WALK_DONE;

	if (r->mode == MODE_DMABUF) {
		char late[64] = "";

		if (st->owners_late)
			snprintf(late, sizeof(late), " (%zu of newer buffers left out)",
				 st->owners_late);
		const char *pinned = r->pinned ? " (pinned)" : r->cached ? " (cached load)" : "";

		if (r->owner_walk)
			snprintf(how, sizeof(how), "iter/dmabuf%s: %zu buffers, %zu attachments; "
				 "owner walk: %zu fds%s", pinned, st->bufs[SNAP_VIA_DMABUF],
				 st->atts, st->owners, late);
		else
			snprintf(how, sizeof(how), "iter/dmabuf%s: %zu buffers, %zu attachments; "
				 "owner walk: %s", pinned, st->bufs[SNAP_VIA_DMABUF], st->atts,
				 r->owner_fail[0] ? "not run" : "skipped, procfs has the owners");
		if (r->owner_fail[0])
			state = DMABUF_SOURCE_PARTIAL;
	} else {
		snprintf(how, sizeof(how), "iter/task_file%s: %zu buffers with an fd; list %s: %zu "
			 "held only by drivers", r->cached ? " (cached load)" : "",
			 st->bufs[SNAP_VIA_TASK_FILE],
			 r->use_list ? r->list_name : "-", st->bufs[SNAP_VIA_LIST]);
		if (!walked) {
			state = DMABUF_SOURCE_PARTIAL;
			snprintf(extra, sizeof(extra), "; buffers held only by drivers not reached (%s)",
				 !r->use_list ? r->why_no_list :
				 r->walk_state == SNAP_WALK_TOO_LONG ? "the list is too long" :
				 "the list changed under the walk or is not the dma-buf list");
		}
	}
	if (r->map_walk)
		snprintf(how + strlen(how), sizeof(how) - strlen(how), "; vma walk: %zu mappings",
			 st->maps);
	else if (r->map_fail[0])
		state = DMABUF_SOURCE_PARTIAL;
	if (st->att_truncated || st->att_broken) {
		state = DMABUF_SOURCE_PARTIAL;
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "; %zu attachment lists cut at %d, %zu changed under the walk",
			 st->att_truncated, SNAP_MAX_ATT, st->att_broken);
	}
	if (nmiss) {
		state = DMABUF_SOURCE_PARTIAL;
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "; %zu buffers in debugfs not reached: %s", nmiss, missing);
	} else if (!walked && r->mode == MODE_TASK_FILE && !debugfs) {
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "; collect debugfs too to list them");
	}
	dmabuf_source_set(s, SRC_BPF_I, state, 0, "%s%s%s%s", how, extra,
			  r->dropped[0] ? "; " : "", r->dropped);
}

/* --- programs kept loaded between snapshots (dmabuf-top) ------------------ */

/*
 * With dmabuf_collect_opts.keep the loaded programs stay for the next
 * snapshot: a live view then skips the load at every refresh - libbpf's
 * parse of the vmlinux BTF, with two copies of it at once (some 11 MiB on a
 * 7.x kernel, the peak of dmabuf-top's memory), and the CO-RE relocation
 * (~130 million instructions). They are reused while the choice a load
 * would start from (iterator, owner walk) is the same, once what the last
 * run left in their maps and globals is cleared.
 */
static struct {
	struct snapshot_bpf *skel;
	enum mode mode;		/* the choice the load started from */
	bool owner_walk, map_walk;
	struct run r;		/* what the load settled on (its st unused) */
	int map_cache;		/* the BTF's answer when no program ran, -1: not asked */
} kept = { .map_cache = DMABUF_UNKNOWN };

static void kept_release(void)
{
	snapshot_bpf__destroy(kept.skel);
	memset(&kept, 0, sizeof(kept));
	kept.map_cache = DMABUF_UNKNOWN;
}

/*
 * Empties a hash map, up to a batch of entries per call (fewer when the next
 * bucket does not fit); 0 or -errno.
 */
static int clear_hash(const struct bpf_map *map)
{
	const size_t batch = 256;
	char *keys = malloc(batch * bpf_map__key_size(map));
	char *vals = malloc(batch * bpf_map__value_size(map));
	__u64 token = 0;	/* a hash map's batch is its bucket index */
	int fd = bpf_map__fd(map), err = -ENOMEM;
	bool first = true;

	while (keys && vals) {
		__u32 count = (__u32)batch;

		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token, keys, vals,
						      &count, NULL);
		first = false;
		if (err == -ENOENT)	/* the end: this call's entries are gone too */
			err = 0;
		else if (!err)
			continue;
		break;
	}
	free(keys);
	free(vals);
	return err;
}

/* The kept programs' state back to what a load leaves; 0 or -errno. */
static int kept_reset(void)
{
	struct snapshot_bpf *skel = kept.skel;
	int err;

	skel->bss->features = 0;
	skel->bss->walk_state = 0;
	/* ops_named is per iterator session: each snapshot names the ops again */
	err = kept.r.mode == MODE_TASK_FILE ? clear_hash(skel->maps.seen) : 0;
	/* every chunk of the walk starts unset (chunk 0 sets its start itself) */
	if (!err && kept.r.mode == MODE_TASK_FILE && kept.r.use_list) {
		__u32 n = bpf_map__max_entries(skel->maps.walk_chunks), i;
		__u32 *keys = malloc(n * sizeof(*keys));
		__u64 *vals = calloc(n, sizeof(*vals));

		err = keys && vals ? 0 : -ENOMEM;
		for (i = 0; !err && i < n; i++)
			keys[i] = i;
		if (!err)
			err = bpf_map_update_batch(bpf_map__fd(skel->maps.walk_chunks), keys, vals,
						   &n, NULL);
		free(keys);
		free(vals);
	}
	return err;
}

/*
 * What the snapshot needs (the owner and vma walks when procfs does not
 * provide them); true when this build's pinned iterators serve it (open in
 * *P: a pin is only made where iter/dmabuf exists).
 */
static bool choose(const struct dmabuf_snapshot *s, struct run *r, struct progs *p)
{
	enum dmabuf_source_state procfs = s->status[SRC_INDEX(DMABUF_SRC_PROCFS)].state;
	/* no work twice: a procfs read (even a partial one) has the owners and mappings */
	bool owners = procfs != DMABUF_SOURCE_OK && procfs != DMABUF_SOURCE_PARTIAL;

	r->map_walk = owners;
	if (!kept.skel && !getenv("DMABUF_BPF_ITER") && pins_open(p, owners, owners)) {
		r->mode = MODE_DMABUF;
		r->owner_walk = owners;
		r->pinned = true;
		return true;
	}
	return false;
}

/* Which iterator, and whether the owner walk runs: the choice a load starts from. */
static void decide(struct run *r)
{
	const char *force = getenv("DMABUF_BPF_ITER");

	r->mode = kept.skel ? kept.mode :
		  btf_names_iter_dmabuf() ? MODE_DMABUF : MODE_TASK_FILE;
	/*
	 * For the tests: DMABUF_BPF_ITER=task_file takes the older kernels'
	 * path where iter/dmabuf exists too, =task_file-nolist without the
	 * list walk (the path of kernels whose list cannot be found).
	 */
	if (force && !strncmp(force, "task_file", 9))
		r->mode = MODE_TASK_FILE;
	r->owner_walk = r->mode == MODE_DMABUF && r->map_walk;
}

/* --- the load cache (loadcache.h) ------------------------------------------ */

#define RUN_STR(f) char f[sizeof(((struct run *)0)->f)]
/* What a load settled on, kept with it. */
struct cached_run {
	uint32_t mode, owner_walk, map_walk, use_list;
	uint64_t list_addr;
	RUN_STR(list_name);
	RUN_STR(why_no_list);
	RUN_STR(dropped);
	RUN_STR(owner_fail);
	RUN_STR(map_fail);
};

/* The cache's name for the choice R starts from (before the kernel is probed). */
static const char *cache_name(const struct run *r)
{
	return r->map_walk ? "snap_walks" : "snap";
}

/* Whether a load for R may come from the cache and go to it. */
static bool cacheable(bool keep)
{
	return !keep && !kept.skel && !getenv("DMABUF_BPF_ITER") && !getenv("DMABUF_DEBUG");
}

static void cache_save(const char *name, const struct run *r, struct snapshot_bpf *skel)
{
	struct cached_run c;

	memset(&c, 0, sizeof(c));
	c.mode = r->mode;
	c.owner_walk = r->owner_walk;
	c.map_walk = r->map_walk;
	c.use_list = r->use_list;
	c.list_addr = r->list_addr;
	memcpy(c.list_name, r->list_name, sizeof(c.list_name));
	memcpy(c.why_no_list, r->why_no_list, sizeof(c.why_no_list));
	memcpy(c.dropped, r->dropped, sizeof(c.dropped));
	memcpy(c.owner_fail, r->owner_fail, sizeof(c.owner_fail));
	memcpy(c.map_fail, r->map_fail, sizeof(c.map_fail));
	/* no cache is no error: the next run loads again */
	loadcache_save(SNAPSHOT_PIN_KEY, name, skel->obj, &c, sizeof(c));
}

/* R's programs from the cache NAME into *LC and *P; false when it has none that serve. */
static bool cache_open(const char *name, struct run *r, struct loadcache *lc, struct progs *p)
{
	struct cached_run c;
	bool ok;
	int i;

	if (loadcache_open(SNAPSHOT_PIN_KEY, name, lc, &c, sizeof(c)))
		return false;
	for (i = 0; i < P__COUNT; i++)
		p->fd[i] = loadcache_prog_fd(lc, prog_name[i]);
	p->links = false;
	p->chunks_fd = loadcache_map_fd(lc, "walk_chunks");
	p->bss_fd = loadcache_map_fd(lc, ".bss");
	/* what the load settled on (it may have dropped a walk) is there */
	ok = (c.mode == MODE_DMABUF || c.mode == MODE_TASK_FILE) && (!c.map_walk || r->map_walk) &&
	     p->bss_fd >= 0 && (!c.map_walk || p->fd[P_TASK_VMA] >= 0) &&
	     (c.mode == MODE_DMABUF ? p->fd[P_DMABUF] >= 0 && (!c.owner_walk ||
							       p->fd[P_OWNERS] >= 0)
				    : p->fd[P_TASK_FILE] >= 0 && (!c.use_list ||
								  (p->fd[P_LIST] >= 0 &&
								   p->chunks_fd >= 0)));
	if (!ok) {
		loadcache_close(lc);
		return false;
	}
	r->mode = c.mode;
	r->owner_walk = c.owner_walk;
	r->map_walk = c.map_walk;
	r->use_list = c.use_list;
	r->list_addr = c.list_addr;
#define TAKE(f) (memcpy(r->f, c.f, sizeof(r->f)), r->f[sizeof(r->f) - 1] = '\0')
	TAKE(list_name);
	TAKE(why_no_list);
	TAKE(dropped);
	TAKE(owner_fail);
	TAKE(map_fail);
#undef TAKE
	r->cached = true;
	return true;
}

/*
 * The programs for R's choice in *OUT: the kept ones, or a new load (kept
 * when KEEP). 0 (*OUT NULL when nothing loaded: the source state says why),
 * or -ENOMEM.
 */
static int programs(struct dmabuf_snapshot *s, struct run *r, bool keep,
		    struct snapshot_bpf **out)
{
	const char *force = getenv("DMABUF_BPF_ITER");
	enum mode mode = r->mode;
	bool owner_walk = r->owner_walk, map_walk = r->map_walk;
	int ret;

	if (kept.skel && keep && kept.mode == mode && kept.owner_walk == owner_walk &&
	    kept.map_walk == map_walk && !kept_reset()) {
		*r = kept.r;
		*out = kept.skel;
		return 0;
	}
	if (kept.skel)
		kept_release();
	if (r->mode == MODE_TASK_FILE && force && strstr(force, "nolist"))
		snprintf(r->why_no_list, sizeof(r->why_no_list), "DMABUF_BPF_ITER=%s", force);
	else if (r->mode == MODE_TASK_FILE)
		find_list(r);
	ret = load(s, r, out);
	if (!ret && *out && keep) {
		kept.skel = *out;
		kept.mode = mode;
		kept.owner_walk = owner_walk;
		kept.map_walk = map_walk;
		kept.r = *r;
	}
	return ret;
}

/* The programs of SKEL as a run reads them. */
static void skel_progs(struct snapshot_bpf *skel, struct progs *p)
{
	int i;

	for (i = 0; i < P__COUNT; i++)
		p->fd[i] = bpf_program__fd(bpf_object__find_program_by_name(skel->obj,
									   prog_name[i]));
	p->links = false;
	p->chunks_fd = bpf_map__fd(skel->maps.walk_chunks);
	p->bss_fd = bpf_map__fd(skel->maps.bss);
}

static int collect(struct dmabuf_snapshot *s, struct run *r, bool keep)
{
	struct snapshot_bpf *skel;
	struct loadcache lc;
	struct utsname u;
	struct progs p;
	int ret;

	if (choose(s, r, &p)) {
		ret = run_progs(s, r, &p);
		pins_close(&p);
	} else if (cacheable(keep) && cache_open(cache_name(r), r, &lc, &p)) {
		ret = run_progs(s, r, &p);
		loadcache_close(&lc);
	} else {
		int capture = cacheable(keep) ? loadcache_capture("iter/", BPF_PROG_TYPE_TRACING,
								   BPF_TRACE_ITER) : -1;
		const char *name = cache_name(r);	/* the choice asked for */

		decide(r);
		ret = programs(s, r, keep, &skel);
		loadcache_capture_end(capture);
		if (!skel)
			return ret;
		if (cacheable(keep))
			cache_save(name, r, skel);	/* before a run changes its globals */
		skel_progs(skel, &p);
		ret = run_progs(s, r, &p);
		if (skel != kept.skel)
			snapshot_bpf__destroy(skel);
		else if (ret)
			kept_release();	/* loaded afresh next time */
	}
	if (ret || s->status[SRC_BPF_I].state != DMABUF_SOURCE_UNUSED)
		return ret < 0 ? ret : 0;

	if (r->features & SNAP_FEAT_VALID) {
		s->kernel.has_map_cache = !!(r->features & SNAP_FEAT_ATTACH_SGT);
	} else if (keep && kept.map_cache != DMABUF_UNKNOWN) {
		s->kernel.has_map_cache = kept.map_cache;
	} else if (!r->pinned) {	/* no program ran (no buffer): the BTF tells */
		struct btf *btf = btf__load_vmlinux_btf();
		int has = btf ? btf_has_member(btf, "dma_buf_attachment", "sgt") : -1;

		if (has >= 0)
			s->kernel.has_map_cache = has;
		if (has >= 0 && keep)
			kept.map_cache = has;
		btf__free(btf);
	}
	if (!s->kernel.release[0] && !uname(&u))
		snprintf(s->kernel.release, sizeof(s->kernel.release), "%s", u.release);
	if (s->kernel.move_notify == DMABUF_UNKNOWN)
		read_move_notify(s);
	ret = resolve_ops(s, &r->st);
	if (ret)
		return ret;
	report(s, r);
	return 0;
}

/*
 * A captured tree has no kernel to run programs in: a report bundle brings
 * the records its capture read (bpf/records.txt, lib/report_records.c),
 * merged again as they were then.
 */
static int replay(struct dmabuf_snapshot *s)
{
	struct bpfsnap_stats st;
	int ret;

	memset(&st, 0, sizeof(st));
	ret = dmabuf_replay_bpf(s, &st);
	if (ret > 0)
		ret = resolve_ops(s, &st);
	bpfsnap_stats_free(&st);
	if (!ret && s->status[SRC_BPF_I].state == DMABUF_SOURCE_UNUSED)
		dmabuf_source_set(s, SRC_BPF_I, DMABUF_SOURCE_UNAVAILABLE, 0,
				  "not the live system: root %s is a captured tree", s->root);
	s->status[SRC_BPF_I].absent = s->status[SRC_BPF_I].state == DMABUF_SOURCE_UNAVAILABLE;
	return ret < 0 ? ret : 0;
}

static int collect_bpf(struct dmabuf_snapshot *s, bool keep)
{
	libbpf_print_fn_t old;
	struct run r;
	int ret;

	s->status[SRC_BPF_I].state = DMABUF_SOURCE_UNUSED;
	if (!dmabuf_root_is_live(s))
		return replay(s);
	if (access("/sys/kernel/btf/vmlinux", F_OK) && errno == ENOENT) {
		dmabuf_source_set(s, SRC_BPF_I, DMABUF_SOURCE_UNAVAILABLE, errno,
				  "kernel has no BTF (CONFIG_DEBUG_INFO_BTF)");
		return 0;
	}
	memset(&r, 0, sizeof(r));
	old = libbpf_set_print(print_libbpf);
	ret = collect(s, &r, keep);
	libbpf_set_print(old);
	bpfsnap_stats_free(&r.st);
	return ret;
}

int bpfsnap_collect(struct dmabuf_snapshot *s, bool keep)
{
	int ret = collect_bpf(s, keep);

	dmabuf_capture_bpf_end(s->capture, s);
	return ret;
}

int dmabuf_collect_bpf(struct dmabuf_snapshot *s)
{
	return bpfsnap_collect(s, false);
}

int bpfsnap_prepare(struct dmabuf_snapshot *s)
{
	struct snapshot_bpf *skel;
	libbpf_print_fn_t old;
	struct progs p;
	struct run r;
	int ret = 0;

	if (!dmabuf_root_is_live(s) || access("/sys/kernel/btf/vmlinux", R_OK))
		return 0;
	memset(&r, 0, sizeof(r));
	old = libbpf_set_print(print_libbpf);
	if (choose(s, &r, &p)) {
		pins_close(&p);	/* each snapshot opens them: nothing to keep */
	} else {
		decide(&r);
		ret = programs(s, &r, true, &skel);
	}
	libbpf_set_print(old);
	return ret;
}

void bpfsnap_release(void)
{
	kept_release();
	free(chunk);
	chunk = NULL;
}
