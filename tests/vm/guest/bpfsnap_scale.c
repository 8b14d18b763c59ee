/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpfsnap_scale: 10000 vgem buffers with an fd and 1500 kernel-held lab
 * buffers (no fd: only the global list reaches them), one snapshot; every
 * one of them must be in it, read through the iterators' read loops. On a
 * kernel with iter/dmabuf the task_file + list walk path runs as well: its
 * list walk spans many chunks here. Every fd is an owner on both paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "lab_util.h"
#include "tap.h"
#include "vgem.h"

#define SRC_BPF_I 4	/* bit number of DMABUF_SRC_BPF */
#define NVGEM 10000
#define NHELD 1500

static unsigned long long vgem_ino[NVGEM], held_ino[NHELD];
static __u32 held_id[NHELD];
static int vgem_fd[NVGEM];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void snapshot(const char *force, int nvgem, int nheld)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	int i, seen_vgem = 0, seen_held = 0, owned = 0;
	bool task_file;
	double t0, t1;

	if (force)
		setenv("DMABUF_BPF_ITER", force, 1);
	t0 = now();
	if (!tap_ok(s && !dmabuf_collect_bpf(s), "collected (%s)", force ? force : "probed")) {
		dmabuf_snapshot_free(s);
		return;
	}
	t1 = now();
	unsetenv("DMABUF_BPF_ITER");
	tap_diag("%.3f s for %zu buffers: %s", t1 - t0, s->n_buf, s->status[SRC_BPF_I].detail);
	task_file = strstr(s->status[SRC_BPF_I].detail, "iter/task_file") != NULL;
	tap_ok(s->status[SRC_BPF_I].state == DMABUF_SOURCE_OK, "[%s] complete, nothing unreached",
	       force ? force : "probed");
	for (i = 0; i < nvgem; i++) {
		struct dmabuf_buffer *b = dmabuf_buffer_get(s, vgem_ino[i], false);

		seen_vgem += b && (b->seen & DMABUF_SRC_BPF) && b->size == 4096;
		owned += b && b->n_own == 1 && b->own[0].nfds == 1 && b->own[0].fds[0] == vgem_fd[i];
	}
	for (i = 0; i < nheld; i++) {
		struct dmabuf_buffer *b = dmabuf_buffer_get(s, held_ino[i], false);

		seen_held += b && (b->seen & DMABUF_SRC_BPF) && b->n_own == 0;
	}
	tap_ok(seen_vgem == nvgem, "[%s] %d of %d buffers with an fd", force ? force : "probed",
	       seen_vgem, nvgem);
	tap_ok(seen_held == nheld, "[%s] %d of %d kernel-held buffers", force ? force : "probed",
	       seen_held, nheld);
	/* iter/dmabuf too: procfs is not collected, so the owner walk runs */
	tap_ok(owned == nvgem && (task_file || strstr(s->status[SRC_BPF_I].detail, "owner walk: ")),
	       "[%s] %d of %d owner fds", force ? force : "probed", owned, nvgem);
	/* generous: the same snapshot takes well under a second on hardware */
	tap_ok(t1 - t0 < 60, "[%s] took %.1f s", force ? force : "probed", t1 - t0);
	dmabuf_snapshot_free(s);
}

int main(void)
{
	struct rlimit rl = { NVGEM + 256, NVGEM + 256 };
	struct dmabuf_lab_export ex;
	int card, lab, i, nvgem = 0, nheld = 0;
	struct dmabuf_snapshot *s;
	bool iter;

	if (!tap_ok(setrlimit(RLIMIT_NOFILE, &rl) == 0, "RLIMIT_NOFILE %d", NVGEM + 256))
		return tap_exit_status();
	card = vgem_open();
	lab = lab_open();
	if (!tap_ok(card >= 0 && lab >= 0, "vgem and dmabuf_lab opened"))
		return tap_exit_status();
	for (i = 0; i < NVGEM; i++) {
		struct stat st;

		vgem_fd[i] = vgem_dmabuf(card, 64);
		if (vgem_fd[i] < 0 || fstat(vgem_fd[i], &st))
			break;
		vgem_ino[nvgem++] = st.st_ino;
	}
	tap_ok(nvgem == NVGEM, "%d vgem buffers (%s)", nvgem, nvgem < NVGEM ? strerror(errno) : "ok");
	for (i = 0; i < NHELD; i++) {
		if (lab_export(lab, DMABUF_LAB_EXP_STATIC, 1, NULL, DMABUF_LAB_EXPORT_KERNEL_HELD,
			       &ex) < 0)
			break;
		held_id[nheld] = ex.buf_id;
		held_ino[nheld++] = ex.ino;
	}
	tap_ok(nheld == NHELD, "%d kernel-held lab buffers", nheld);

	snapshot(NULL, nvgem, nheld);
	s = dmabuf_snapshot_new("/");
	iter = s && !dmabuf_collect_bpf(s) && strstr(s->status[SRC_BPF_I].detail, "iter/dmabuf");
	dmabuf_snapshot_free(s);
	if (iter)
		snapshot("task_file", nvgem, nheld);
	else
		tap_skip("the kernel has no iter/dmabuf: task_file already ran", "task_file path");

	for (i = 0; i < nheld; i++)
		if (lab_release(lab, held_id[i]))
			break;
	tap_ok(i == nheld, "released the kernel-held buffers");
	for (i = 0; i < nvgem; i++)
		close(vgem_fd[i]);
	close(card);
	close(lab);
	return tap_exit_status();
}
