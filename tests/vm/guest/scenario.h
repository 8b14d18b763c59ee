/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * scenario.h - the known scenario of buffers the demo shows and the tool
 * tests check against: every kind of buffer the suite must tell apart.
 *
 *   scanout     lab static, 4 pages, static importer imp.0, mapped
 *   vram        lab dynamic, 8 pages, dynamic importer imp.0 (mapped) and
 *               static importer imp.1 (mismatch: cached + pinned on 6.1)
 *   frame       lab static, 2 pages, dynamic importer imp.1 (mismatch),
 *               mmapped by the holder process
 *   carveout    lab dynamic, kernel-held (no fd anywhere), static importer
 *               imp.0: a buffer no process owns
 *   evil        lab static, 1 page, a hostile name (escape sequences)
 *   vgem        vgem, shared with a child process that mmaps it
 *   udmabuf     udmabuf (7.3), named
 *   heap        system heap (7.3), named
 * The parent holds every fd and attachment; the child holds dups of vgem and
 * frame and mmaps vgem.
 */
#ifndef DMABUF_TEST_SCENARIO_H
#define DMABUF_TEST_SCENARIO_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "dmabuf_lab.h"
#include "vgem.h"

#define SCN_HOSTILE_NAME "evil\x1b[31mred\x07"

enum scn_buf { SCN_SCANOUT, SCN_VRAM, SCN_FRAME, SCN_CARVEOUT, SCN_EVIL, SCN_VGEM,
	       SCN_UDMABUF, SCN_HEAP, SCN__COUNT };

struct scn_att {
	int importer;		/* imp.N */
	int dynamic;
	int mapped;
	uint32_t att_id;
};

struct scn_buffer {
	const char *label;
	const char *name;	/* as set, NULL if none */
	int present;		/* created on this kernel */
	int fd;			/* -1 when kernel-held */
	uint64_t ino;
	uint64_t size;
	int lab_mode;		/* DMABUF_LAB_EXP_*, -1 foreign */
	uint32_t buf_id;
	int nprocs;		/* processes holding it */
	int mmapped;		/* by the child */
	struct scn_att att[2];
	int natt;
};

struct scenario {
	int lab;		/* /dev/dmabuf_lab */
	pid_t child;
	struct dmabuf_lab_info info;
	struct scn_buffer buf[SCN__COUNT];
};

static inline int scn_fail(const char *what)
{
	fprintf(stderr, "scenario: %s: %s\n", what, strerror(errno));
	return -1;
}

static inline int scn_lab_export(struct scenario *s, enum scn_buf i, uint32_t mode,
				 uint32_t pages, uint32_t flags)
{
	struct dmabuf_lab_export ex = { .size = sizeof(ex), .flags = flags, .mode = mode,
					.pages = pages };
	struct scn_buffer *b = &s->buf[i];

	if (b->name)
		snprintf(ex.name, sizeof(ex.name), "%s", b->name);
	if (ioctl(s->lab, DMABUF_LAB_IOC_EXPORT, &ex))
		return scn_fail("DMABUF_LAB_IOC_EXPORT");
	b->present = 1;
	b->fd = ex.fd;
	b->ino = ex.ino;
	b->buf_id = ex.buf_id;
	b->size = (uint64_t)pages * s->info.page_size;
	b->lab_mode = (int)mode;
	b->nprocs = (flags & DMABUF_LAB_EXPORT_KERNEL_HELD) ? 0 : 1;
	return 0;
}

static inline int scn_attach(struct scenario *s, enum scn_buf i, int importer, int dynamic,
			     int map)
{
	struct scn_buffer *b = &s->buf[i];
	struct dmabuf_lab_attach at = { .size = sizeof(at), .fd = b->fd, .buf_id = b->buf_id,
					.importer = (uint32_t)importer,
					.mode = dynamic ? DMABUF_LAB_IMP_DYNAMIC : DMABUF_LAB_IMP_STATIC };
	struct scn_att *a = &b->att[b->natt];

	if (b->fd < 0)
		at.flags = DMABUF_LAB_BY_ID;
	if (ioctl(s->lab, DMABUF_LAB_IOC_ATTACH, &at))
		return scn_fail("DMABUF_LAB_IOC_ATTACH");
	a->importer = importer;
	a->dynamic = dynamic;
	a->att_id = at.att_id;
	if (!b->ino)
		b->ino = at.ino;
	if (map) {
		struct dmabuf_lab_map m = { .size = sizeof(m), .att_id = at.att_id,
					    .dir = DMABUF_LAB_DIR_BIDIRECTIONAL };

		if (ioctl(s->lab, DMABUF_LAB_IOC_MAP, &m))
			return scn_fail("DMABUF_LAB_IOC_MAP");
		a->mapped = 1;
	}
	b->natt++;
	return 0;
}

static inline int scn_name(struct scenario *s, enum scn_buf i)
{
	if (ioctl(s->buf[i].fd, DMA_BUF_SET_NAME_B, s->buf[i].name))
		return scn_fail("DMA_BUF_SET_NAME");
	return 0;
}

/* ino of a dma-buf fd, from its fdinfo */
static inline uint64_t scn_fd_ino(int fd)
{
	char path[64], line[256];
	unsigned long long ino = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ino: %llu", &ino) == 1)
			break;
	fclose(f);
	return ino;
}

static inline int scn_foreign(struct scenario *s)
{
	struct scn_buffer *b;
	int card, fd;

	card = vgem_open();
	if (card < 0)
		return scn_fail("no vgem card");
	b = &s->buf[SCN_VGEM];
	b->fd = vgem_dmabuf(card, 256);	/* 256 x 16 x 4 bytes = 4 pages */
	if (b->fd < 0)
		return scn_fail("vgem export");
	b->present = 1;
	b->size = 256 * 16 * 4;
	b->nprocs = 2;
	b->mmapped = 1;
	if (scn_name(s, SCN_VGEM))
		return -1;

	fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		int memfd = memfd_create("scenario", MFD_ALLOW_SEALING);
		struct udmabuf_create c = { .memfd = (uint32_t)memfd, .flags = UDMABUF_FLAGS_CLOEXEC,
					    .size = 3 * 4096 };

		b = &s->buf[SCN_UDMABUF];
		if (memfd < 0 || ftruncate(memfd, 3 * 4096) ||
		    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
			return scn_fail("memfd for udmabuf");
		b->fd = ioctl(fd, UDMABUF_CREATE, &c);
		if (b->fd < 0)
			return scn_fail("UDMABUF_CREATE");
		b->present = 1;
		b->size = 3 * 4096;
		b->nprocs = 1;
		close(memfd);
		close(fd);
		if (scn_name(s, SCN_UDMABUF))
			return -1;
	}
	fd = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		struct dma_heap_allocation_data a = { .len = 5 * 4096,
						      .fd_flags = O_RDWR | O_CLOEXEC };

		b = &s->buf[SCN_HEAP];
		if (ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &a))
			return scn_fail("DMA_HEAP_IOCTL_ALLOC");
		b->fd = (int)a.fd;
		b->present = 1;
		b->size = 5 * 4096;
		b->nprocs = 1;
		close(fd);
		if (scn_name(s, SCN_HEAP))
			return -1;
	}
	for (fd = SCN_VGEM; fd < SCN__COUNT; fd++)
		if (s->buf[fd].present)
			s->buf[fd].ino = scn_fd_ino(s->buf[fd].fd);
	return 0;
}

/*
 * The child: keeps only vgem and frame of everything fork() gave it, mmaps
 * vgem, waits to be killed.
 */
static inline void scn_child(struct scenario *s, int ready)
{
	int i, vgem = dup(s->buf[SCN_VGEM].fd), frame = dup(s->buf[SCN_FRAME].fd);
	void *m = mmap(NULL, s->buf[SCN_VGEM].size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s->buf[SCN_VGEM].fd, 0);
	char ok = (vgem >= 0 && frame >= 0 && m != MAP_FAILED) ? 'R' : 'E';

	for (i = 0; i < SCN__COUNT; i++)
		if (s->buf[i].fd >= 0)
			close(s->buf[i].fd);
	close(s->lab);

	if (write(ready, &ok, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/*
 * Builds the scenario in this process and a child holder; 0 on success.
 * scenario_end() kills the child and closes everything.
 */
static inline int scenario_build(struct scenario *s)
{
	static const char *const names[SCN__COUNT] = {
		"scanout", "vram", "frame", "carveout", SCN_HOSTILE_NAME, "vgem-bo",
		"udmabuf-bo", "heap-bo",
	};
	static const char *const labels[SCN__COUNT] = {
		"scanout", "vram", "frame", "carveout", "evil", "vgem", "udmabuf", "heap",
	};
	int pipefd[2], i;
	char st = 0;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < SCN__COUNT; i++) {
		s->buf[i].fd = -1;
		s->buf[i].lab_mode = -1;
		s->buf[i].name = names[i];
		s->buf[i].label = labels[i];
	}
	s->lab = open(DMABUF_LAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (s->lab < 0)
		return scn_fail("open " DMABUF_LAB_DEVICE);
	s->info.size = sizeof(s->info);
	if (ioctl(s->lab, DMABUF_LAB_IOC_INFO, &s->info))
		return scn_fail("DMABUF_LAB_IOC_INFO");
	if (scn_lab_export(s, SCN_SCANOUT, DMABUF_LAB_EXP_STATIC, 4, 0) ||
	    scn_lab_export(s, SCN_VRAM, DMABUF_LAB_EXP_DYNAMIC, 8, 0) ||
	    scn_lab_export(s, SCN_FRAME, DMABUF_LAB_EXP_STATIC, 2, 0) ||
	    scn_lab_export(s, SCN_CARVEOUT, DMABUF_LAB_EXP_DYNAMIC, 1, DMABUF_LAB_EXPORT_KERNEL_HELD) ||
	    scn_lab_export(s, SCN_EVIL, DMABUF_LAB_EXP_STATIC, 1, 0))
		return -1;
	/* the core refuses DMA_BUF_SET_NAME once attached: names come first */
	if (scn_name(s, SCN_EVIL) || scn_foreign(s))
		return -1;
	if (scn_attach(s, SCN_SCANOUT, 0, 0, 1) ||
	    scn_attach(s, SCN_VRAM, 0, 1, 1) ||
	    scn_attach(s, SCN_VRAM, 1, 0, 0) ||
	    scn_attach(s, SCN_FRAME, 1, 1, 0) ||
	    scn_attach(s, SCN_CARVEOUT, 0, 0, 0))
		return -1;
	s->buf[SCN_FRAME].nprocs = 2;
	if (pipe(pipefd))
		return scn_fail("pipe");
	s->child = fork();
	if (s->child < 0)
		return scn_fail("fork");
	if (s->child == 0) {
		close(pipefd[0]);
		scn_child(s, pipefd[1]);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &st, 1) != 1 || st != 'R') {
		errno = EIO;
		return scn_fail("the holder child did not get ready");
	}
	close(pipefd[0]);
	return 0;
}

static inline void scenario_end(struct scenario *s)
{
	int i;

	if (s->child > 0) {
		kill(s->child, SIGKILL);
		waitpid(s->child, NULL, 0);
	}
	for (i = 0; i < SCN__COUNT; i++) {
		if (s->buf[i].lab_mode >= 0 && s->buf[i].fd < 0 && s->buf[i].present) {
			struct dmabuf_lab_ref r = { .size = sizeof(r), .id = s->buf[i].buf_id };

			ioctl(s->lab, DMABUF_LAB_IOC_RELEASE, &r);
		}
		if (s->buf[i].fd >= 0)
			close(s->buf[i].fd);
	}
	if (s->lab >= 0)
		close(s->lab);	/* detaches every attachment of this file */
}

#endif
