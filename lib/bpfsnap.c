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
 * all: the pinned iterators are read, bpfsnap_pin.c), one read() loop per
 * iterator (128 KiB per read, bpfsnap_run.c), no syscall per buffer.
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
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpflog.h"
#include "bpfsnap_priv.h"
#include "capture.h"
#include "collect.h"
#include "collect_priv.h"
#include "loadcache.h"
#include "report.h"
#include "snapshot.h"
#include "bpf/snapshot.skel.h"	/* generated into the output dir */
#include "bpf/snapshot.key.h"

const char *const prog_name[P__COUNT] = { "snap_dmabuf", "snap_task_owners", "snap_task_vma",
					  "snap_task_file", "snap_list" };

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

struct snapshot_bpf *bpfsnap_skel_open(void)
{
	return snapshot_bpf__open();
}

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
bool btf_names_iter_dmabuf(void)
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
		 len ? "; " : "", what, bpflog_first()[0] ? bpflog_first() : strerror(-err));
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
		bpflog_clear();
		err = snapshot_bpf__load(skel);
		if (!err)
			break;
		snapshot_bpf__destroy(skel);
		if (err == -EPERM) {
			dmabuf_source_set(s, SRC_BPF_I, DMABUF_SOURCE_UNAVAILABLE, EPERM,
					  "needs CAP_BPF and CAP_PERFMON (run as root)");
			return 0;
		}
		if (r->map_walk && strstr(bpflog_first(), "snap_task_vma")) {
			snprintf(r->map_fail, sizeof(r->map_fail), "%s", bpflog_first());
			r->map_walk = false;
		} else if (r->mode == MODE_DMABUF && r->owner_walk) {
			/* which one failed: iter/dmabuf alone tells */
			snprintf(r->owner_fail, sizeof(r->owner_fail), "%s",
				 bpflog_first()[0] ? bpflog_first() : strerror(-err));
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
					  bpflog_first()[0] ? bpflog_first() : strerror(-err));
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
	return !keep && !kept.skel && loadcache_enabled() && !getenv("DMABUF_BPF_ITER") &&
	       !getenv("DMABUF_DEBUG");
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
	old = bpflog_begin();
	ret = collect(s, &r, keep);
	bpflog_end(old);
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
	old = bpflog_begin();
	if (choose(s, &r, &p)) {
		pins_close(&p);	/* each snapshot opens them: nothing to keep */
	} else {
		decide(&r);
		ret = programs(s, &r, true, &skel);
	}
	bpflog_end(old);
	return ret;
}

void bpfsnap_release(void)
{
	kept_release();
	bpfsnap_run_release();
}
