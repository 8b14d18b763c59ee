/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpfsnap_basic: the BPF snapshot of foreign exporters' buffers - vgem on
 * every kernel, udmabuf and the system heap where the kernel has them -
 * checked against what the kernel says elsewhere: fstat (inode, size),
 * fdinfo (exp_name), bufinfo (flags, mode, file count). Also: the iterator
 * the collector chose matches the kernel's BTF, dup() moves file_count by
 * exactly one, and the collector refuses a captured root and an unprivileged
 * caller. Owners (pid, comm, fds) come from BPF on every kernel - from
 * iter/task_file, after iter/dmabuf where the kernel has it - and match
 * fstat and fork: a child holding one buffer is its owner, not the others'.
 * In dmabuf_collect(), the owner walk runs only when procfs is not providing
 * the owners: skipped after a complete procfs read, run when /proc is not
 * mounted (a private mount namespace without it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <bpf/btf.h>

#include "collect.h"
#include "tap.h"
#include "vgem.h"

#define SRC_BPF_I 4	/* bit number of DMABUF_SRC_BPF */
#define SRC_PROCFS_I 2	/* bit number of DMABUF_SRC_PROCFS */
#define MAXBUF 8

struct want {
	const char *label;
	int fd;
	unsigned long long ino, size;
	const char *name;	/* NULL: unnamed */
	char exp_name[64];	/* from fdinfo */
	long count;		/* bufinfo's file count */
	unsigned int flags, mode;	/* bufinfo's f_flags, f_mode */
};

static struct want want[MAXBUF];
static int nwant;

static char *read_file(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			char *nb = realloc(buf, 2 * cap + 1);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Fills count/flags/mode of W from its bufinfo line; 0 or -1. */
static int from_bufinfo(struct want *w)
{
	char *text = read_file("/sys/kernel/debug/dma_buf/bufinfo"), *line, *save = NULL;
	int ret = -1;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *col[7] = { line };
		int i;

		for (i = 1; i < 7 && col[i - 1]; i++) {
			col[i] = strchr(col[i - 1], '\t');
			if (col[i])
				*col[i]++ = '\0';
		}
		if (i < 7 || !col[5] || strtoull(col[5], NULL, 10) != w->ino)
			continue;
		w->flags = (unsigned int)strtoul(col[1], NULL, 16);
		w->mode = (unsigned int)strtoul(col[2], NULL, 16);
		w->count = strtol(col[3], NULL, 10);
		ret = 0;
		break;
	}
	free(text);
	return ret;
}

static void add_want(const char *label, int fd, const char *name)
{
	struct want *w = &want[nwant];
	char path[64], *info, *p;
	struct stat st;

	if (!tap_ok(fd >= 0, "%s: created a dma-buf (%s)", label, fd < 0 ? strerror(errno) : "ok"))
		return;
	if (name && !tap_ok(ioctl(fd, DMA_BUF_SET_NAME, name) == 0, "%s: DMA_BUF_SET_NAME", label))
		return;
	memset(w, 0, sizeof(*w));
	w->label = label;
	w->fd = fd;
	w->name = name;
	fstat(fd, &st);
	w->ino = st.st_ino;
	w->size = (unsigned long long)st.st_size;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info = read_file(path);
	p = info ? strstr(info, "exp_name:") : NULL;
	if (p)
		sscanf(p, "exp_name: %63s", w->exp_name);
	free(info);
	nwant++;
}

static int udmabuf_new(size_t size)
{
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC), memfd, fd = -1;
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };

	if (dev < 0)
		return -1;
	memfd = memfd_create("bpfsnap", MFD_ALLOW_SEALING);
	if (memfd >= 0 && !ftruncate(memfd, (off_t)size) &&
	    !fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		c.memfd = (__u32)memfd;
		fd = ioctl(dev, UDMABUF_CREATE, &c);
	}
	if (memfd >= 0)
		close(memfd);
	close(dev);
	return fd;
}

static int heap_new(size_t size)
{
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	struct dma_heap_allocation_data d = { .len = size, .fd_flags = O_RDWR | O_CLOEXEC };
	int ret;

	if (heap < 0)
		return -1;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d);
	close(heap);
	return ret ? -1 : (int)d.fd;
}

static bool has_iter_dmabuf(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool yes = btf && btf__find_by_name_kind(btf, "bpf_iter_dmabuf", BTF_KIND_FUNC) > 0;

	btf__free(btf);
	return yes;
}

static const struct dmabuf_owner *owner_of(const struct dmabuf_buffer *b, pid_t pid)
{
	size_t i;

	for (i = 0; b && i < b->n_own; i++)
		if (b->own[i].pid == pid)
			return &b->own[i];
	return NULL;
}

static bool has_fd(const struct dmabuf_owner *o, int fd)
{
	unsigned int i;

	for (i = 0; o && i < o->nfds; i++)
		if (o->fds[i] == fd)
			return true;
	return false;
}

static char my_comm[17];

/* PID owns the buffer with fd FD (and no other fd), as BPF saw it: comm too. */
static bool bpf_owner_is(const struct dmabuf_buffer *b, pid_t pid, int fd, const char *comm)
{
	const struct dmabuf_owner *o = owner_of(b, pid);

	return o && o->nfds == 1 && o->fds[0] == fd && !strcmp(o->comm, comm) &&
	       (o->src & DMABUF_SRC_BPF) && o->nmaps == 0 &&
	       (b->src[DMABUF_F_OWNERS] & DMABUF_SRC_BPF);
}

static void check_buffer(const struct dmabuf_snapshot *s, const struct want *w)
{
	struct dmabuf_buffer *b = dmabuf_buffer_get((struct dmabuf_snapshot *)s, w->ino, false);
	const char *L = w->label;

	if (!tap_ok(b && (b->seen & DMABUF_SRC_BPF), "%s: BPF saw ino %llu", L, w->ino))
		return;
	tap_ok(b->size == w->size && (b->src[DMABUF_F_SIZE] & DMABUF_SRC_BPF),
	       "%s: size %llu (fstat %llu)", L, (unsigned long long)b->size, w->size);
	tap_ok(b->exporter && !strcmp(b->exporter, w->exp_name), "%s: exporter '%s' (fdinfo '%s')",
	       L, b->exporter ? b->exporter : "(null)", w->exp_name);
	tap_ok(w->name ? b->name && !strcmp(b->name, w->name) : !b->name,
	       "%s: name '%s' (set '%s')", L, b->name ? b->name : "(none)",
	       w->name ? w->name : "(none)");
	tap_ok(b->file_count == w->count, "%s: file_count %ld (bufinfo %ld)", L, b->file_count,
	       w->count);
	tap_ok((unsigned int)b->f_flags == w->flags && (unsigned int)b->f_mode == w->mode,
	       "%s: f_flags %o f_mode %x (bufinfo %o %x)", L, b->f_flags, b->f_mode, w->flags,
	       w->mode);
	tap_ok(b->exporter_dynamic == 0 && (b->src[DMABUF_F_EXP_DYNAMIC] & DMABUF_SRC_BPF),
	       "%s: exporter static (no ops->pin): %d", L, b->exporter_dynamic);
	tap_ok(b->exp_ops && (b->src[DMABUF_F_EXP_OPS] & DMABUF_SRC_BPF),
	       "%s: exporter ops resolved: %s", L, b->exp_ops ? b->exp_ops : "(null)");
	tap_ok(b->n_att == 0 && (b->src[DMABUF_F_ATTACHMENTS] & DMABUF_SRC_BPF),
	       "%s: no attachments (%u)", L, b->n_att);
	tap_ok(bpf_owner_is(b, getpid(), w->fd, my_comm) && b->n_own == 1,
	       "%s: one owner, pid %d fd %d comm %s, from BPF (%u owners)", L, (int)getpid(),
	       w->fd, my_comm, b->n_own);
}

static struct dmabuf_snapshot *snap(void)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");

	if (s && dmabuf_collect_bpf(s)) {
		dmabuf_snapshot_free(s);
		return NULL;
	}
	return s;
}

/* The collector as an unprivileged user: its state, from a child. */
static int unprivileged_state(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct dmabuf_snapshot *s;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		s = dmabuf_snapshot_new("/");
		if (!s || dmabuf_collect_bpf(s))
			_exit(101);
		printf("# unprivileged: state %d: %s\n", s->status[SRC_BPF_I].state,
		       s->status[SRC_BPF_I].detail);
		fflush(stdout);
		_exit(s->status[SRC_BPF_I].state == DMABUF_SOURCE_UNAVAILABLE &&
		      strstr(s->status[SRC_BPF_I].detail, "CAP_BPF") ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * A child holding only the first buffer (fork shares every fd; it closes
 * the others) under comm "bs-holder": it owns that one, and no other.
 */
static void check_fork_owner(void)
{
	int ready[2], i;
	struct dmabuf_snapshot *s;
	const struct dmabuf_buffer *b;
	pid_t kid;
	char c;

	if (nwant < 2 || pipe(ready))
		return;
	kid = fork();
	if (kid == 0) {
		for (i = 1; i < nwant; i++)
			close(want[i].fd);
		prctl(PR_SET_NAME, "bs-holder");
		close(ready[0]);
		if (write(ready[1], "R", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (!tap_ok(kid > 0 && read(ready[0], &c, 1) == 1, "fork: a child holds %s only",
		    want[0].label))
		goto out;
	s = snap();
	b = s ? dmabuf_buffer_get(s, want[0].ino, false) : NULL;
	tap_ok(b && bpf_owner_is(b, kid, want[0].fd, "bs-holder") &&
	       bpf_owner_is(b, getpid(), want[0].fd, my_comm) && b->n_own == 2,
	       "fork: %s owned by the child (pid %d fd %d bs-holder) and this process",
	       want[0].label, (int)kid, want[0].fd);
	for (i = 1; i < nwant; i++) {
		b = s ? dmabuf_buffer_get(s, want[i].ino, false) : NULL;
		tap_ok(b && !owner_of(b, kid) && b->n_own == 1, "fork: %s not owned by the child",
		       want[i].label);
	}
	dmabuf_snapshot_free(s);
out:
	if (kid > 0) {
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
	}
	close(ready[0]);
}

/*
 * dmabuf_collect() with procfs and BPF: procfs read the owners, so the
 * owner walk is skipped (iter/dmabuf kernels; task_file always has owners).
 */
static void check_procfs_ok(bool iter)
{
	struct dmabuf_collect_opts o = {
		.sources = DMABUF_SRC_PROCFS | DMABUF_SRC_FDINFO | DMABUF_SRC_BPF };
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	const struct dmabuf_owner *own;
	const struct dmabuf_buffer *b;
	const char *detail;

	if (!tap_ok(s && !dmabuf_collect(s, &o), "dmabuf_collect(procfs, bpf)") || !nwant)
		goto out;
	detail = s->status[SRC_BPF_I].detail;
	tap_diag("procfs %d: %s; bpf: %s", s->status[SRC_PROCFS_I].state,
		 s->status[SRC_PROCFS_I].detail, detail);
	b = dmabuf_buffer_get(s, want[0].ino, false);
	own = owner_of(b, getpid());
	tap_ok(s->status[SRC_PROCFS_I].state == DMABUF_SOURCE_OK && own && has_fd(own, want[0].fd) &&
	       (own->src & DMABUF_SRC_PROCFS), "procfs read the owners");
	if (iter)
		tap_ok(strstr(detail, "owner walk: skipped") && !(own && (own->src & DMABUF_SRC_BPF)) &&
		       !(b->src[DMABUF_F_OWNERS] & DMABUF_SRC_BPF),
		       "procfs ok: the owner walk did not run: %s", detail);
	else
		tap_ok(strstr(detail, "iter/task_file") && own && (own->src & DMABUF_SRC_BPF),
		       "task_file kernel: owners from BPF as well: %s", detail);
out:
	dmabuf_snapshot_free(s);
}

/*
 * The same without /proc (a private mount namespace, /proc unmounted):
 * procfs is unavailable and BPF fills the owners. Run in a child; its
 * checks are TAP lines of their own.
 */
static void check_procfs_unavailable(void)
{
	pid_t kid = fork();
	int status, i;

	if (kid == 0) {
		struct dmabuf_collect_opts o = {
			.sources = DMABUF_SRC_PROCFS | DMABUF_SRC_FDINFO | DMABUF_SRC_BPF };
		struct dmabuf_snapshot *s = NULL;
		int ok = !unshare(CLONE_NEWNS) && !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
			 !umount2("/proc", MNT_DETACH);

		if (!tap_ok(ok, "no /proc: private mount namespace (%s)", ok ? "ok" : strerror(errno)))
			_exit(1);
		s = dmabuf_snapshot_new("/");
		if (!tap_ok(s && !dmabuf_collect(s, &o), "no /proc: dmabuf_collect(procfs, bpf)"))
			_exit(1);
		tap_diag("procfs %d: %s; bpf: %s", s->status[SRC_PROCFS_I].state,
			 s->status[SRC_PROCFS_I].detail, s->status[SRC_BPF_I].detail);
		tap_ok(s->status[SRC_PROCFS_I].state == DMABUF_SOURCE_UNAVAILABLE,
		       "no /proc: procfs unavailable");
		tap_ok(strstr(s->status[SRC_BPF_I].detail, "iter/task_file") ||
		       strstr(s->status[SRC_BPF_I].detail, "owner walk: "),
		       "no /proc: the owner walk ran: %s", s->status[SRC_BPF_I].detail);
		for (i = 0; i < nwant; i++) {
			const struct dmabuf_buffer *b = dmabuf_buffer_get(s, want[i].ino, false);

			tap_ok(b && bpf_owner_is(b, getpid(), want[i].fd, my_comm),
			       "no /proc: %s owned by pid %d fd %d, from BPF", want[i].label,
			       (int)getpid(), want[i].fd);
		}
		dmabuf_snapshot_free(s);
		_exit(tap_exit_status());
	}
	tap_ok(kid > 0 && waitpid(kid, &status, 0) == kid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0, "no /proc: the child's checks passed");
}

int main(void)
{
	bool iter = has_iter_dmabuf(), task_file;
	struct dmabuf_snapshot *s, *s2;
	const struct dmabuf_buffer *b;
	int card, i, dupfd;
	long before;

	prctl(PR_GET_NAME, my_comm);
	card = vgem_open();
	if (!tap_ok(card >= 0, "vgem card opened"))
		return tap_exit_status();
	add_want("vgem-named", vgem_dmabuf(card, 64), "bs-vgem");
	add_want("vgem", vgem_dmabuf(card, 1024), NULL);
	if (access("/dev/udmabuf", F_OK) == 0)
		add_want("udmabuf", udmabuf_new(3 * 4096), "bs-udmabuf");
	else
		tap_skip("no /dev/udmabuf on this kernel", "udmabuf buffer");
	if (access("/dev/dma_heap/system", F_OK) == 0)
		add_want("heap", heap_new(2 * 4096), "bs-heap");
	else
		tap_skip("no system heap on this kernel", "system heap buffer");
	for (i = 0; i < nwant; i++)
		tap_ok(from_bufinfo(&want[i]) == 0, "%s: bufinfo lists ino %llu", want[i].label,
		       want[i].ino);

	s = snap();
	if (!tap_ok(s != NULL, "dmabuf_collect_bpf returned 0"))
		return tap_exit_status();
	tap_diag("status %d: %s", s->status[SRC_BPF_I].state, s->status[SRC_BPF_I].detail);
	tap_ok(s->status[SRC_BPF_I].state == DMABUF_SOURCE_OK ||
	       s->status[SRC_BPF_I].state == DMABUF_SOURCE_PARTIAL, "the BPF source was read");
	task_file = strstr(s->status[SRC_BPF_I].detail, "iter/task_file") != NULL;
	tap_ok(iter ? strstr(s->status[SRC_BPF_I].detail, "iter/dmabuf") != NULL : task_file,
	       "the kernel's BTF %s bpf_iter_dmabuf and the collector used %s", iter ? "has" : "lacks",
	       task_file ? "iter/task_file" : "iter/dmabuf");
	tap_ok(iter ? strstr(s->status[SRC_BPF_I].detail, "owner walk: ") != NULL : task_file,
	       "the owners were walked (procfs not collected)");
	for (i = 0; i < nwant; i++)
		check_buffer(s, &want[i]);

	/* one more fd: file_count moves by exactly one, both fds are owners */
	b = nwant ? dmabuf_buffer_get(s, want[0].ino, false) : NULL;
	before = b ? b->file_count : -1;
	dupfd = nwant ? dup(want[0].fd) : -1;
	s2 = snap();
	b = s2 && nwant ? dmabuf_buffer_get(s2, want[0].ino, false) : NULL;
	tap_ok(b && before >= 1 && b->file_count == before + 1,
	       "dup(): file_count %ld -> %ld", before, b ? b->file_count : -1);
	tap_ok(b && has_fd(owner_of(b, getpid()), dupfd) && has_fd(owner_of(b, getpid()), want[0].fd) &&
	       owner_of(b, getpid())->nfds == 2, "dup(): both fds are owners");
	dmabuf_snapshot_free(s2);
	dmabuf_snapshot_free(s);
	if (dupfd >= 0)
		close(dupfd);
	dupfd = -1;

	check_fork_owner();
	check_procfs_ok(iter);
	check_procfs_unavailable();

	s = dmabuf_snapshot_new("/tmp");
	tap_ok(s && !dmabuf_collect_bpf(s) &&
	       s->status[SRC_BPF_I].state == DMABUF_SOURCE_UNAVAILABLE &&
	       strstr(s->status[SRC_BPF_I].detail, "not the live system") && s->n_buf == 0,
	       "a captured root is not read: %s", s ? s->status[SRC_BPF_I].detail : "");
	dmabuf_snapshot_free(s);

	tap_ok(unprivileged_state() == 0, "unprivileged: UNAVAILABLE, needs CAP_BPF and CAP_PERFMON");

	if (dupfd >= 0)
		close(dupfd);
	for (i = 0; i < nwant; i++)
		close(want[i].fd);
	close(card);
	return tap_exit_status();
}
