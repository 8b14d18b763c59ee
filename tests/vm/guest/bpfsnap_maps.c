/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpfsnap_maps: the mappings of buffers, from BPF (the iter/task_vma walk,
 * run when procfs is not read) against /proc/PID/maps (procfs), on every
 * kernel. dmabuf_lab buffers (their mmaps keep the buffer's file, as a
 * foreign exporter's like the system heap do):
 *   twice   mapped twice by this process: 2 mappings, 3 pages each;
 *   closed  mapped once, its fd closed: an owner with no fd, 1 mapping;
 *   forked  mapped, then a child forks and keeps it: both map it once.
 * Checked: both sources give each owner the same fds, mappings and bytes,
 * and these are what was made; the vma walk is named in the source's detail;
 * with procfs read as well the walk does not run and nothing counts twice;
 * `dmabuf --source bpf ls -j` prints them; from pinned iterators (iter/dmabuf
 * kernels) too.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cliutil.h"
#include "collect.h"
#include "lab_util.h"
#include "tap.h"

#define SRC_BPF_I 4	/* bit number of DMABUF_SRC_BPF */
#define PAGE 4096

struct held {
	const char *label;
	int fd;
	unsigned long long ino;
};

static struct held held[3] = { { "twice", -1, 0 }, { "closed", -1, 0 }, { "forked", -1, 0 } };

static unsigned long long ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (unsigned long long)st.st_ino;
}

static struct dmabuf_snapshot *snap(unsigned int sources)
{
	struct dmabuf_collect_opts o = { .sources = sources };
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");

	if (s && dmabuf_collect(s, &o)) {
		dmabuf_snapshot_free(s);
		s = NULL;
	}
	return s;
}

static const struct dmabuf_owner *owner_of(const struct dmabuf_snapshot *s,
					   unsigned long long ino, pid_t pid)
{
	const struct dmabuf_buffer *b = dmabuf_buffer_get((struct dmabuf_snapshot *)s, ino, false);
	size_t i;

	for (i = 0; b && i < b->n_own; i++)
		if (b->own[i].pid == pid)
			return &b->own[i];
	return NULL;
}

/* Owner PID of H in S has NFDS fds, NMAPS mappings of BYTES, and SRC among its sources. */
static void want_owner(const struct dmabuf_snapshot *s, const char *what, const struct held *h,
		       pid_t pid, unsigned int nfds, unsigned int nmaps, uint64_t bytes,
		       unsigned int src)
{
	const struct dmabuf_owner *o = owner_of(s, h->ino, pid);

	tap_ok(o && o->nfds == nfds && o->nmaps == nmaps && o->mapped_bytes == bytes &&
	       (o->src & src), "%s: %s, pid %d: %u fds, %u mappings, %llu bytes (got %d %d %llu)",
	       what, h->label, (int)pid, nfds, nmaps, (unsigned long long)bytes,
	       o ? (int)o->nfds : -1, o ? (int)o->nmaps : -1,
	       o ? (unsigned long long)o->mapped_bytes : 0ULL);
}

static void want_all(const struct dmabuf_snapshot *s, const char *what, pid_t kid,
		     unsigned int src)
{
	want_owner(s, what, &held[0], getpid(), 1, 2, 6 * PAGE, src);
	want_owner(s, what, &held[1], getpid(), 0, 1, PAGE, src);
	want_owner(s, what, &held[2], getpid(), 1, 1, PAGE, src);
	want_owner(s, what, &held[2], kid, 1, 1, PAGE, src);
}

int main(void)
{
	struct dmabuf_snapshot *bpf, *proc, *both;
	int dev = lab_open(), ready[2], i;
	char c, label[64];
	void *m[4];
	struct run r;
	pid_t kid;

	printf("TAP version 13\n");
	if (!tap_ok(dev >= 0, "dmabuf_lab opened"))
		return tap_exit_status();
	held[0].fd = lab_export(dev, DMABUF_LAB_EXP_STATIC, 3, "bm-twice", 0, NULL);
	held[1].fd = lab_export(dev, DMABUF_LAB_EXP_STATIC, 1, "bm-closed", 0, NULL);
	held[2].fd = lab_export(dev, DMABUF_LAB_EXP_STATIC, 1, "bm-forked", 0, NULL);
	for (i = 0; i < 3; i++)
		held[i].ino = held[i].fd > 0 ? ino_of(held[i].fd) : 0;
	m[0] = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, held[0].fd, 0);
	m[1] = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, held[0].fd, 0);
	m[2] = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, held[1].fd, 0);
	m[3] = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, held[2].fd, 0);
	if (!tap_ok(held[2].ino && m[0] != MAP_FAILED && m[1] != MAP_FAILED &&
		    m[2] != MAP_FAILED && m[3] != MAP_FAILED, "three lab buffers made and mapped"))
		return tap_exit_status();
	close(held[1].fd);
	if (pipe(ready))
		return 1;
	kid = fork();
	if (kid == 0) {
		prctl(PR_SET_NAME, "bm-child");
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (!tap_ok(kid > 0 && read(ready[0], &c, 1) == 1, "a child holds the forked one"))
		return tap_exit_status();

	bpf = snap(DMABUF_SRC_BPF);
	proc = snap(DMABUF_SRC_PROCFS | DMABUF_SRC_FDINFO);
	both = snap(DMABUF_SRC_BPF | DMABUF_SRC_PROCFS | DMABUF_SRC_FDINFO);
	if (!tap_ok(bpf && proc && both, "three snapshots"))
		goto out;
	tap_diag("bpf: %s", bpf->status[SRC_BPF_I].detail);
	tap_ok(strstr(bpf->status[SRC_BPF_I].detail, "vma walk: ") != NULL,
	       "BPF alone: the vma walk ran");
	want_all(bpf, "BPF", kid, DMABUF_SRC_BPF);
	want_all(proc, "procfs", kid, DMABUF_SRC_PROCFS);
	tap_ok(owner_of(bpf, held[2].ino, kid) && !strcmp(owner_of(bpf, held[2].ino, kid)->comm,
							   "bm-child"), "BPF: the child's comm");
	tap_diag("both: %s", both->status[SRC_BPF_I].detail);
	tap_ok(!strstr(both->status[SRC_BPF_I].detail, "vma walk"),
	       "with procfs: the vma walk did not run");
	want_all(both, "BPF and procfs", kid, DMABUF_SRC_PROCFS);

	r = run_cmd("dmabuf --source bpf ls -j");
	snprintf(label, sizeof(label), "\"comm\":\"bm-child\",\"fds\":[%d],\"maps\":1,"
		 "\"mapped_bytes\":4096}", held[2].fd);
	tap_ok(r.status == 0 && strstr(r.out, label) && strstr(r.out, "\"fds\":[],\"maps\":1,"
	       "\"mapped_bytes\":4096}") && strstr(r.out, "\"maps\":2,\"mapped_bytes\":24576}"),
	       "dmabuf --source bpf ls -j prints them");
	free(r.out);

	r = run_cmd("dmabuf pin 2>&1");
	if (r.status == 0) {
		struct dmabuf_snapshot *pinned = snap(DMABUF_SRC_BPF);

		tap_ok(pinned && strstr(pinned->status[SRC_BPF_I].detail, "(pinned)") &&
		       strstr(pinned->status[SRC_BPF_I].detail, "vma walk: "),
		       "pinned: the vma walk's iterator is pinned too: %s",
		       pinned ? pinned->status[SRC_BPF_I].detail : "");
		if (pinned)
			want_all(pinned, "pinned", kid, DMABUF_SRC_BPF);
		dmabuf_snapshot_free(pinned);
		free(r.out);
		r = run_cmd("dmabuf unpin");
	} else {
		tap_diag("%s", r.out);
		tap_skip("dmabuf pin refused: no iter/dmabuf on this kernel", "pinned vma walk");
	}
	free(r.out);
out:
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	dmabuf_snapshot_free(bpf);
	dmabuf_snapshot_free(proc);
	dmabuf_snapshot_free(both);
	return tap_exit_status();
}
