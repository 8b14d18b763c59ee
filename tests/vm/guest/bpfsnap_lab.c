/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpfsnap_lab: the BPF snapshot against dmabuf_lab's ground truth. For
 * every exporter mode the kernel offers x static/dynamic importer, one lab
 * buffer with one attachment, mapped once; plus a kernel-held buffer (no fd
 * anywhere) and a buffer whose fd was closed after a lab importer attached
 * (held only by that driver). The snapshot must agree with the module
 * (DMABUF_LAB_IOC_ATT_INFO, the state it keeps of the same attachments) on
 * exporter_dynamic, importer_dynamic, the cached mapping and its direction
 * (kernels with the cache: mismatches cached; without: nothing, derived),
 * with sysfs on the device's bus/driver, and reach the driver-held buffers
 * or name them unreachable. Run with each iterator the kernel can use: on a
 * kernel with iter/dmabuf also with DMABUF_BPF_ITER=task_file, the older
 * kernels' path (task_file + global list walk).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "snapshot.h"
#include "lab_util.h"
#include "tap.h"
#include "vgem.h"

/* DRM_IOCTL_PRIME_FD_TO_HANDLE, as the DRM UAPI defines it */
#define VGEM_IOCTL_PRIME_FD_TO_HANDLE _IOWR('d', 0x2e, struct vgem_prime_handle)

#define SRC_BPF_I 4	/* bit number of DMABUF_SRC_BPF */
#define MAXCASE 12

struct lab_case {
	char label[48];
	__u32 exp_mode, imp_mode, importer;
	int fd;			/* -1: kernel-held or closed */
	bool driver_only;	/* no fd anywhere */
	bool kernel_held;
	__u32 buf_id, att_id;
	__u64 ino;
	unsigned long long size;
	struct dmabuf_lab_att_info truth;
};

static struct lab_case cases[MAXCASE];
static int ncase, dev, card = -1;
static struct dmabuf_lab_info info;

/* "bus/driver" of a device from sysfs, "" if it has no driver. */
static void sysfs_driver(const char *devname, char *out, size_t len)
{
	char pattern[PATH_MAX], link[PATH_MAX];
	glob_t g;
	ssize_t n;

	out[0] = '\0';
	snprintf(pattern, sizeof(pattern), "/sys/bus/*/devices/%s/driver", devname);
	if (glob(pattern, 0, NULL, &g))
		return;
	n = readlink(g.gl_pathv[0], link, sizeof(link) - 1);
	if (n > 0) {
		char *bus = g.gl_pathv[0] + strlen("/sys/bus/");

		link[n] = '\0';
		*strchr(bus, '/') = '\0';
		snprintf(out, len, "%.20s/%.40s", bus, strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	globfree(&g);
}

static void add_case(__u32 exp_mode, __u32 imp_mode, __u32 flags, bool close_fd)
{
	struct lab_case *c = &cases[ncase];
	struct dmabuf_lab_export ex;
	struct dmabuf_lab_attach at;
	struct dmabuf_lab_map map;
	int ret;

	if (ncase == MAXCASE) {
		tap_ok(0, "room for another case (MAXCASE %d)", MAXCASE);
		return;
	}

	memset(c, 0, sizeof(*c));
	snprintf(c->label, sizeof(c->label), "%s%s/%s", flags ? "kheld:" : close_fd ? "orphan:" : "",
		 lab_exp_mode_name(exp_mode), lab_imp_mode_name(imp_mode));
	c->exp_mode = exp_mode;
	c->imp_mode = imp_mode;
	c->importer = (__u32)ncase % info.importers;
	ret = lab_export(dev, exp_mode, 2, c->label, flags, &ex);
	if (!tap_ok(ret >= 0, "%s: exported (%s)", c->label, ret < 0 ? strerror(-ret) : "ok"))
		return;
	c->fd = flags ? -1 : ret;
	c->kernel_held = flags != 0;
	c->buf_id = ex.buf_id;
	c->ino = ex.ino;
	c->size = 2ull * info.page_size;
	ret = lab_attach(dev, flags ? DMABUF_LAB_BY_ID : 0, c->fd, c->buf_id, c->importer,
			 imp_mode, &at);
	if (!tap_ok(ret >= 0, "%s: attached dmabuf_lab_imp.%u", c->label, c->importer))
		return;
	c->att_id = (__u32)ret;
	ret = lab_map(dev, c->att_id, DMABUF_LAB_DIR_TO_DEVICE, 0, &map);
	tap_ok(ret == 0, "%s: mapped to_device (%s)", c->label, ret ? strerror(-ret) : "ok");
	if (close_fd && c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	c->driver_only = c->fd < 0;
	ret = lab_att_info(dev, c->att_id, &c->truth);
	if (tap_ok(ret == 0 && c->truth.ino == c->ino, "%s: ATT_INFO (ino %llu)", c->label,
		   (unsigned long long)c->ino))
		ncase++;
}

/*
 * A real driver as the importer: vgem imports a dynamic lab buffer (a static
 * importer: a mismatch) and the fd is closed, so only vgem holds it. The
 * truth comes from the lab exporter's "exp" line in its debugfs state.
 */
static void add_vgem_case(void)
{
	struct lab_case *c = &cases[ncase];
	struct vgem_prime_handle ph = { .fd = -1 };
	char *state, prefix[48], line[512], val[64];
	struct dmabuf_lab_export ex;
	int fd;

	if (ncase == MAXCASE) {
		tap_ok(0, "room for another case (MAXCASE %d)", MAXCASE);
		return;
	}
	memset(c, 0, sizeof(*c));
	snprintf(c->label, sizeof(c->label), "vgem-import:dynamic");
	card = vgem_open();
	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 2, c->label, 0, &ex);
	if (!tap_ok(card >= 0 && fd > 0, "%s: vgem card and a lab buffer", c->label))
		return;
	ph.fd = fd;
	if (!tap_ok(ioctl(card, VGEM_IOCTL_PRIME_FD_TO_HANDLE, &ph) == 0,
		    "%s: vgem imported it (%s)", c->label, strerror(errno)))
		return;
	close(fd);
	c->fd = -1;
	c->driver_only = true;
	c->exp_mode = DMABUF_LAB_EXP_DYNAMIC;
	c->buf_id = ex.buf_id;
	c->ino = ex.ino;
	c->size = 2ull * info.page_size;
	c->truth.ino = ex.ino;
	c->truth.exporter_dynamic = 1;
	snprintf(c->truth.exp_name, sizeof(c->truth.exp_name), "dmabuf_lab");
	state = lab_read_file(LAB_STATE_PATH);
	snprintf(prefix, sizeof(prefix), "exp buf=%u ", ex.buf_id);
	if (!tap_ok(state && !lab_find_line(state, prefix, line, sizeof(line)) &&
		    !lab_token(line, "dev", c->truth.dev_name, sizeof(c->truth.dev_name)) &&
		    !lab_token(line, "importer", val, sizeof(val)),
		    "%s: the lab exporter lists the importer: %s", c->label, state ? line : "-")) {
		free(state);
		return;
	}
	free(state);
	c->truth.importer_dynamic = !strcmp(val, "dynamic");
	/* the lab's model of the core: a mismatch is mapped and cached at attach */
	c->truth.cached_dir = (info.features & DMABUF_LAB_FEAT_SGT_CACHE) &&
			      !c->truth.importer_dynamic ? DMABUF_LAB_DIR_BIDIRECTIONAL
							 : DMABUF_LAB_DIR_NONE;
	ncase++;
}

static const struct dmabuf_attachment *find_att(const struct dmabuf_buffer *b, const char *dev_name)
{
	size_t i;

	for (i = 0; i < b->n_att; i++)
		if ((b->att[i].src & DMABUF_SRC_BPF) && b->att[i].device &&
		    !strcmp(b->att[i].device, dev_name))
			return &b->att[i];
	return NULL;
}

static void check_case(struct dmabuf_snapshot *s, const struct lab_case *c, const char *mode,
		       bool walked, bool nolist)
{
	const struct dmabuf_lab_att_info *t = &c->truth;
	struct dmabuf_buffer *b = dmabuf_buffer_get(s, c->ino, false);
	const struct dmabuf_attachment *a;
	bool truth_cached = t->cached_dir != DMABUF_LAB_DIR_NONE;
	char drv[96], ino[32];
	const char *L = c->label;

	if (c->driver_only && nolist)
		tap_ok(!(b && (b->seen & DMABUF_SRC_BPF)), "%s [%s]: not reached without the list walk",
		       L, mode);
	if (c->driver_only && !(b && (b->seen & DMABUF_SRC_BPF))) {
		/* not reached: allowed only without iter/dmabuf or a list walk, and said */
		snprintf(ino, sizeof(ino), " %llu", (unsigned long long)c->ino);
		tap_ok(strcmp(mode, "iter/dmabuf") && !walked &&
		       s->status[SRC_BPF_I].state == DMABUF_SOURCE_PARTIAL &&
		       strstr(s->status[SRC_BPF_I].detail, ino),
		       "%s [%s]: held only by a driver, not reached, and the snapshot says so", L, mode);
		return;
	}
	if (!tap_ok(b && (b->seen & DMABUF_SRC_BPF), "%s [%s]: reached%s", L, mode,
		    c->driver_only ? " (held only by a driver)" : ""))
		return;
	tap_ok(b->size == c->size && b->exporter && !strcmp(b->exporter, t->exp_name) &&
	       b->name && !strcmp(b->name, L), "%s [%s]: size %llu exporter %s name %s", L, mode,
	       (unsigned long long)b->size, b->exporter ? b->exporter : "-", b->name ? b->name : "-");
	tap_ok(b->exporter_dynamic == (int)t->exporter_dynamic &&
	       (b->src[DMABUF_F_EXP_DYNAMIC] & DMABUF_SRC_BPF),
	       "%s [%s]: exporter_dynamic %d (lab %u)", L, mode, b->exporter_dynamic,
	       t->exporter_dynamic);
	a = find_att(b, t->dev_name);
	if (!tap_ok(a != NULL, "%s [%s]: attachment %s", L, mode, t->dev_name))
		return;
	tap_ok(a->importer_dynamic == (int)t->importer_dynamic, "%s [%s]: importer_dynamic %d (lab %u)",
	       L, mode, a->importer_dynamic, t->importer_dynamic);
	tap_ok(a->peer2peer == 0, "%s [%s]: peer2peer %d (the importer does not allow it)", L, mode,
	       a->peer2peer);
	sysfs_driver(t->dev_name, drv, sizeof(drv));
	tap_ok(drv[0] ? a->driver && !strcmp(a->driver, drv) : !a->driver,
	       "%s [%s]: driver %s (sysfs %s)", L, mode, a->driver ? a->driver : "(none)",
	       drv[0] ? drv : "(none)");
	if (s->kernel.has_map_cache == 1)
		tap_ok(a->cached == truth_cached && (!truth_cached || a->cached_dir == (int)t->cached_dir),
		       "%s [%s]: cached %d dir %s (lab: %s)", L, mode, a->cached,
		       dmabuf_dir_name(a->cached_dir), lab_dir_name(t->cached_dir));
	else
		tap_ok(a->cached == DMABUF_UNKNOWN && !truth_cached,
		       "%s [%s]: no mapping cache on this kernel, none read (lab: %s)", L, mode,
		       lab_dir_name(t->cached_dir));
	/* owners on every path: from iter/task_file, after iter/dmabuf where it ran */
	if (!c->driver_only) {
		const struct dmabuf_owner *o = NULL;
		size_t i;

		for (i = 0; i < b->n_own; i++)
			if (b->own[i].pid == getpid())
				o = &b->own[i];
		tap_ok(o && o->nfds == 1 && o->fds[0] == c->fd && (o->src & DMABUF_SRC_BPF),
		       "%s [%s]: owner pid %d fd %d", L, mode, (int)getpid(), c->fd);
	}
}

/* After the rules ran: mismatch derived, cached decided on cacheless kernels. */
static void check_derived(struct dmabuf_snapshot *s, const struct lab_case *c, const char *mode)
{
	struct dmabuf_buffer *b = dmabuf_buffer_get(s, c->ino, false);
	const struct dmabuf_attachment *a = b ? find_att(b, c->truth.dev_name) : NULL;
	int mismatch = c->truth.importer_dynamic != c->truth.exporter_dynamic;

	if (!a)
		return;
	tap_ok(a->mismatch == mismatch, "%s [%s]: mismatch %d (derived from BPF's fields)",
	       c->label, mode, a->mismatch);
	if (s->kernel.has_map_cache == 0)
		tap_ok(a->cached == 0 && (a->src & DMABUF_SRC_DERIVED),
		       "%s [%s]: nothing cached without the cache (derived)", c->label, mode);
}

/* One snapshot with the iterator FORCE selects (NULL: the probe's choice). */
static bool run_mode(const char *force)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	bool nolist = force && strstr(force, "nolist");
	bool walked, iter = false;
	const char *mode;
	int i;

	if (force)
		setenv("DMABUF_BPF_ITER", force, 1);
	else
		unsetenv("DMABUF_BPF_ITER");
	/* debugfs first, as dmabuf_collect() does: unreached buffers are named */
	if (!tap_ok(s && !dmabuf_collect_debugfs(s) && !dmabuf_collect_bpf(s),
		    "collected debugfs + BPF (%s)", force ? force : "probed"))
		goto out;
	tap_diag("BPF status %d: %s", s->status[SRC_BPF_I].state, s->status[SRC_BPF_I].detail);
	iter = strstr(s->status[SRC_BPF_I].detail, "iter/dmabuf") != NULL;
	mode = iter ? "iter/dmabuf" : nolist ? "task_file, no list" : "task_file";
	walked = !strstr(s->status[SRC_BPF_I].detail, "not reached");
	tap_ok(s->status[SRC_BPF_I].state == DMABUF_SOURCE_OK ||
	       s->status[SRC_BPF_I].state == DMABUF_SOURCE_PARTIAL, "[%s] BPF source read", mode);
	tap_ok(s->kernel.has_map_cache == !!(info.features & DMABUF_LAB_FEAT_SGT_CACHE),
	       "[%s] has_map_cache %d (lab: sgt_cache %d)", mode, s->kernel.has_map_cache,
	       !!(info.features & DMABUF_LAB_FEAT_SGT_CACHE));
	if (!iter)
		tap_diag("the global list was %s", walked ? "walked" : "not walked");
	for (i = 0; i < ncase; i++)
		check_case(s, &cases[i], mode, walked, nolist);
	dmabuf_snapshot_finish(s);
	for (i = 0; i < ncase; i++)
		check_derived(s, &cases[i], mode);
out:
	dmabuf_snapshot_free(s);
	unsetenv("DMABUF_BPF_ITER");
	return iter;
}

/* More attachments than records: SNAP_MAX_ATT of them, and the cut is said. */
static void check_truncation(void)
{
	enum { N = SNAP_MAX_ATT + 2 };
	struct dmabuf_snapshot *s = NULL;
	struct dmabuf_buffer *b;
	__u32 att[N];
	int fd, i, n = 0;

	fd = lab_export(dev, DMABUF_LAB_EXP_STATIC, 1, "many", 0, NULL);
	for (i = 0; fd > 0 && i < N; i++) {
		int id = lab_attach(dev, 0, fd, 0, (__u32)i % info.importers,
				    DMABUF_LAB_IMP_STATIC, NULL);

		if (id < 0)
			break;
		att[n++] = (__u32)id;
	}
	if (tap_ok(n == N, "%d attachments on one buffer", n)) {
		s = dmabuf_snapshot_new("/");
		if (s && !dmabuf_collect_bpf(s)) {
			struct stat st;

			fstat(fd, &st);
			b = dmabuf_buffer_get(s, st.st_ino, false);
			tap_ok(b && b->n_att == SNAP_MAX_ATT, "BPF reported %u of them (at most %d)",
			       b ? b->n_att : 0u, SNAP_MAX_ATT);
			tap_ok(s->status[SRC_BPF_I].state == DMABUF_SOURCE_PARTIAL &&
			       strstr(s->status[SRC_BPF_I].detail, "1 attachment lists cut"),
			       "the snapshot says the list was cut: %s", s->status[SRC_BPF_I].detail);
		}
		dmabuf_snapshot_free(s);
	}
	for (i = 0; i < n; i++)
		lab_detach(dev, att[i]);
	if (fd > 0)
		close(fd);
}

int main(void)
{
	static const __u32 exp_modes[] = { DMABUF_LAB_EXP_STATIC, DMABUF_LAB_EXP_STATIC_CACHED,
					   DMABUF_LAB_EXP_DYNAMIC };
	unsigned int e, m;
	int i;

	dev = lab_open();
	if (!tap_ok(dev >= 0 && lab_info(dev, &info) == 0, "dmabuf_lab opened"))
		return tap_exit_status();
	for (e = 0; e < 3; e++) {
		if (exp_modes[e] == DMABUF_LAB_EXP_STATIC_CACHED &&
		    !(info.features & DMABUF_LAB_FEAT_SGT_CACHE)) {
			tap_skip("no cache_sgt_mapping on this kernel", "static_cached exporter");
			continue;
		}
		for (m = 0; m < 2; m++)
			add_case(exp_modes[e], m, 0, false);
	}
	add_case(DMABUF_LAB_EXP_DYNAMIC, DMABUF_LAB_IMP_STATIC, DMABUF_LAB_EXPORT_KERNEL_HELD, false);
	add_case(DMABUF_LAB_EXP_STATIC, DMABUF_LAB_IMP_DYNAMIC, 0, true);
	add_vgem_case();

	if (run_mode(NULL))
		run_mode("task_file");
	else
		tap_skip("the kernel has no iter/dmabuf: task_file already ran", "task_file path");
	run_mode("task_file-nolist");
	check_truncation();

	for (i = 0; i < ncase; i++)
		if (cases[i].kernel_held)
			tap_ok(lab_release(dev, cases[i].buf_id) == 0, "released %s", cases[i].label);
	for (i = 0; i < ncase; i++)
		if (cases[i].fd >= 0)
			close(cases[i].fd);
	if (card >= 0)
		close(card);
	close(dev);
	return tap_exit_status();
}
