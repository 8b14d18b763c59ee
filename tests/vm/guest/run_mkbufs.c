/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * run_mkbufs READYFILE - the buffer scenario behind the fixtures
 * (tests/fixtures/README.md), not a test: run by run_capture.sh.
 *
 * Makes dma-bufs with every exporter the kernel has (vgem; udmabuf and the
 * system heap when present; dmabuf_lab when loaded), names them through
 * DMA_BUF_SET_NAME (plain, hostile: escapes + tab + invalid UTF-8, a newline,
 * the longest allowed, empty), puts vgem fences on two, mmaps some, imports
 * foreign buffers into vgem and into the lab's importers so bufinfo has
 * "Attached Devices", then forks holders: child 1 keeps every fd, child 2
 * (hostile comm) keeps only the hostile buffer. Writes a manifest of what it
 * made (one "# buf ..." line each, names escaped) to stdout and the pids to
 * READYFILE once everything is in place, then waits for SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "dmabuf_lab.h"
#include "escape.h"
#include "vgem.h"

struct vgem_fence_attach {
	__u32 handle, flags, out_fence, pad;
};
struct vgem_fence_signal {
	__u32 fence, flags;
};
#define VGEM_FENCE_WRITE 0x1
#define VGEM_IOCTL_FENCE_ATTACH _IOWR('d', 0x41, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL _IOW('d', 0x42, struct vgem_fence_signal)
#define VGEM_IOCTL_PRIME_FD_TO_HANDLE _IOWR('d', 0x2e, struct vgem_prime_handle)

/* Hostile: OSC title change, SGR colour, a tab, invalid UTF-8 (23 bytes). */
static const char hostile[] = "\x1b]0;t\x07\x1b[31mred\x1b[0m\tx\xff\xc3(";
static const char longest[] = "long-name-0123456789abcdefghijk";	/* 31 bytes */
static const char too_long[] = "too-long-name-0123456789abcdefghijklmnop";

static int lab = -1;
static int fds[64];
static unsigned int nfds;
static pid_t kids[2];
static int g_card = -1, g_scanout = -1, g_hostile = -1;

static void manifest(const char *kind, int fd, const char *name, const char *extra)
{
	char esc[256];
	struct stat st;

	if (fd >= 0 && fstat(fd, &st))
		st.st_ino = 0;
	if (name)
		dmabuf_escape(name, strlen(name), esc, sizeof(esc));
	printf("# buf kind=%s ino=%llu size=%lld name=%s%s%s\n", kind,
	       fd >= 0 ? (unsigned long long)st.st_ino : 0ull,
	       fd >= 0 ? (long long)st.st_size : -1ll, name ? esc : "(none)",
	       extra ? " " : "", extra ? extra : "");
}

static void keep(int fd)
{
	if (fd >= 0 && nfds < sizeof(fds) / sizeof(fds[0]))
		fds[nfds++] = fd;
}

static int set_name(int fd, const char *name)
{
	if (ioctl(fd, DMA_BUF_SET_NAME, name)) {
		printf("# DMA_BUF_SET_NAME(%zu bytes): %s\n", strlen(name), strerror(errno));
		return -1;
	}
	return 0;
}

static void vgem_fence(int card, __u32 handle, bool write, bool signal)
{
	struct vgem_fence_attach fa = { .handle = handle, .flags = write ? VGEM_FENCE_WRITE : 0 };
	struct vgem_fence_signal fs = { 0 };

	if (ioctl(card, VGEM_IOCTL_FENCE_ATTACH, &fa)) {
		printf("# VGEM_FENCE_ATTACH: %s\n", strerror(errno));
		return;
	}
	fs.fence = fa.out_fence;
	if (signal && ioctl(card, VGEM_IOCTL_FENCE_SIGNAL, &fs))
		printf("# VGEM_FENCE_SIGNAL: %s\n", strerror(errno));
}

/* Imports dma-buf FD into vgem: vgem attaches to it (device "vgem"). */
static void vgem_import(int card, int fd)
{
	struct vgem_prime_handle ph = { .fd = fd };

	if (ioctl(card, VGEM_IOCTL_PRIME_FD_TO_HANDLE, &ph))
		printf("# vgem import: %s\n", strerror(errno));
}

static void vgem_part(void)
{
	int card = vgem_open(), fd;
	__u32 h;
	void *m;

	if (card < 0) {
		printf("# no vgem card\n");
		return;
	}
	keep(card);
	g_card = card;
	fd = vgem_dmabuf_handle(card, 64, &h);
	g_scanout = fd;
	if (fd >= 0 && !set_name(fd, "scanout-0")) {
		vgem_fence(card, h, true, false);
		manifest("vgem", fd, "scanout-0", "fence=write-unsignalled");
		/* a second fd of the same buffer in this process */
		keep(dup(fd));
		/* vgem swaps vm_file: this mmap is not a dma-buf in maps */
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		printf("# vgem mmap: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
	}
	keep(fd);
	fd = vgem_dmabuf_handle(card, 64, &h);
	g_hostile = fd;
	if (fd >= 0 && !set_name(fd, hostile)) {
		vgem_fence(card, h, false, true);
		manifest("vgem", fd, hostile, "fence=read-signalled hostile=1 mapped=1");
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		printf("# vgem mmap: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
	}
	keep(fd);
	fd = vgem_dmabuf_handle(card, 128, &h);
	if (fd >= 0) {
		set_name(fd, too_long);	/* EINVAL: longer than DMA_BUF_NAME_LEN - 1 */
		if (!set_name(fd, longest))
			manifest("vgem", fd, longest, NULL);
	}
	keep(fd);
	fd = vgem_dmabuf_handle(card, 64, &h);
	if (fd >= 0 && !set_name(fd, "two\nlines")) {
		/* its maps line is broken in two as well */
		manifest("vgem", fd, "two\nlines", "mapped=1");
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		printf("# vgem mmap: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
	}
	keep(fd);
	fd = vgem_dmabuf_handle(card, 64, &h);
	if (fd >= 0 && !set_name(fd, ""))
		manifest("vgem", fd, "", NULL);
	keep(fd);
	fd = vgem_dmabuf_handle(card, 32, &h);
	if (fd >= 0)
		manifest("vgem", fd, NULL, NULL);
	keep(fd);
}

static void foreign_part(int card)
{
	struct dma_heap_allocation_data hd = { .len = 8192, .fd_flags = O_RDWR | O_CLOEXEC };
	struct udmabuf_create uc = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = 8192 };
	int dev, memfd, fd, i;
	void *m;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	for (i = 0; dev >= 0 && i < 2; i++) {
		memfd = memfd_create("udmabuf-backing", MFD_ALLOW_SEALING);
		if (memfd < 0 || ftruncate(memfd, 8192) ||
		    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
			printf("# memfd: %s\n", strerror(errno));
			break;
		}
		uc.memfd = (__u32)memfd;
		fd = ioctl(dev, UDMABUF_CREATE, &uc);
		close(memfd);
		if (fd < 0) {
			printf("# UDMABUF_CREATE: %s\n", strerror(errno));
			break;
		}
		set_name(fd, i ? "udmabuf-maponly" : "udmabuf-mapped");
		m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		printf("# udmabuf mmap: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
		manifest("udmabuf", fd, i ? "udmabuf-maponly" : "udmabuf-mapped",
			 i ? "mapped=1 fd_closed=1" : "mapped=1 vgem_import=1");
		if (i) {
			close(fd);	/* only the mapping holds it now */
		} else {
			if (card >= 0)
				vgem_import(card, fd);
			keep(fd);
		}
	}
	if (dev < 0)
		printf("# no /dev/udmabuf\n");
	else
		close(dev);

	dev = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (dev < 0) {
		printf("# no /dev/dma_heap/system\n");
		return;
	}
	if (ioctl(dev, DMA_HEAP_IOCTL_ALLOC, &hd)) {
		printf("# DMA_HEAP_IOCTL_ALLOC: %s\n", strerror(errno));
	} else {
		fd = (int)hd.fd;
		set_name(fd, "heap-buf");
		m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		printf("# heap mmap: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
		manifest("system-heap", fd, "heap-buf", "mapped=1");
		keep(fd);
	}
	close(dev);
}

static int lab_export(__u32 mode, __u32 pages, const char *name, __u32 flags, __u32 *id)
{
	struct dmabuf_lab_export e = { .size = sizeof(e), .flags = flags, .mode = mode,
				       .pages = pages };

	snprintf(e.name, sizeof(e.name), "%s", name);
	if (ioctl(lab, DMABUF_LAB_IOC_EXPORT, &e)) {
		printf("# lab export %s: %s\n", name, strerror(errno));
		return -2;
	}
	*id = e.buf_id;
	if (e.fd < 0)
		printf("# buf kind=lab ino=%llu size=%u name=%s kernel_held=1\n",
		       (unsigned long long)e.ino, pages * 4096, name);
	return e.fd;
}

static __u32 lab_attach(int fd, __u32 id, __u32 importer, __u32 mode)
{
	struct dmabuf_lab_attach a = { .size = sizeof(a), .fd = fd, .buf_id = id,
				       .importer = importer, .mode = mode,
				       .flags = fd < 0 ? DMABUF_LAB_BY_ID : 0 };

	if (ioctl(lab, DMABUF_LAB_IOC_ATTACH, &a)) {
		printf("# lab attach: %s\n", strerror(errno));
		return 0;
	}
	printf("# att ino=%llu importer=%u mode=%s\n", (unsigned long long)a.ino, importer,
	       mode == DMABUF_LAB_IMP_DYNAMIC ? "dynamic" : "static");
	return a.att_id;
}

static void lab_map(__u32 att, __u32 dir)
{
	struct dmabuf_lab_map m = { .size = sizeof(m), .att_id = att, .dir = dir };

	if (att && ioctl(lab, DMABUF_LAB_IOC_MAP, &m))
		printf("# lab map: %s\n", strerror(errno));
}

static void lab_part(int vgem_fd, int card)
{
	__u32 id, att;
	int fd;
	void *m;

	lab = open(DMABUF_LAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (lab < 0) {
		printf("# no %s\n", DMABUF_LAB_DEVICE);
		return;
	}
	fd = lab_export(DMABUF_LAB_EXP_STATIC, 1, "lab-static", 0, &id);
	if (fd >= 0) {
		manifest("lab", fd, "lab-static", "atts=static:imp0-mapped");
		lab_map(lab_attach(fd, 0, 0, DMABUF_LAB_IMP_STATIC), DMABUF_LAB_DIR_TO_DEVICE);
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		printf("# lab mmap: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
		keep(fd);
	}
	fd = lab_export(DMABUF_LAB_EXP_DYNAMIC, 2, "lab-dynamic", 0, &id);
	if (fd >= 0) {
		manifest("lab", fd, "lab-dynamic",
			 "atts=static:imp0-mapped,dynamic:imp1-mapped,dynamic:imp1,vgem");
		lab_map(lab_attach(fd, 0, 0, DMABUF_LAB_IMP_STATIC), DMABUF_LAB_DIR_BIDIRECTIONAL);
		lab_map(lab_attach(fd, 0, 1, DMABUF_LAB_IMP_DYNAMIC), DMABUF_LAB_DIR_FROM_DEVICE);
		/* the same device twice on one buffer */
		lab_attach(fd, 0, 1, DMABUF_LAB_IMP_DYNAMIC);
		if (card >= 0)
			vgem_import(card, fd);
		keep(fd);
	}
	fd = lab_export(DMABUF_LAB_EXP_STATIC_CACHED, 1, "lab-cached", 0, &id);
	if (fd >= 0) {
		manifest("lab", fd, "lab-cached", "atts=dynamic:imp0-mapped");
		lab_map(lab_attach(fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC), DMABUF_LAB_DIR_TO_DEVICE);
		keep(fd);
	}
	fd = lab_export(DMABUF_LAB_EXP_DYNAMIC, 1, "lab-kernel-held",
			DMABUF_LAB_EXPORT_KERNEL_HELD, &id);
	if (fd == -1) {
		att = lab_attach(-1, id, 0, DMABUF_LAB_IMP_STATIC);
		lab_map(att, DMABUF_LAB_DIR_BIDIRECTIONAL);
	}
	/* a lab importer on a foreign exporter */
	if (vgem_fd >= 0)
		lab_map(lab_attach(vgem_fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC),
			DMABUF_LAB_DIR_BIDIRECTIONAL);
	keep(lab);
}

static void on_term(int sig)
{
	unsigned int i;

	(void)sig;
	for (i = 0; i < 2; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned int i;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: run_mkbufs READYFILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	vgem_part();
	foreign_part(g_card);
	lab_part(g_scanout, g_card);

	kids[0] = fork();
	if (kids[0] == 0) {
		prctl(PR_SET_NAME, "holder-all");
		pause();
		_exit(0);
	}
	kids[1] = fork();
	if (kids[1] == 0) {
		prctl(PR_SET_NAME, "kid\x1b[1m\tx");
		for (i = 0; i < nfds; i++)
			if (fds[i] != g_hostile)
				close(fds[i]);
		pause();
		_exit(0);
	}
	signal(SIGTERM, on_term);
	printf("# pids parent=%d holder=%d hostile-kid=%d\n", (int)getpid(), (int)kids[0],
	       (int)kids[1]);
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "%d %d %d\n", (int)getpid(), (int)kids[0], (int)kids[1]);
	fclose(f);
	for (;;)
		pause();
}
