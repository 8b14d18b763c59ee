/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vgem.h - make a dma-buf with the vgem DRM driver (on every test kernel),
 * without libdrm: the two DRM ioctls the guests need, as the DRM UAPI
 * defines them.
 */
#ifndef DMABUF_TEST_VGEM_H
#define DMABUF_TEST_VGEM_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/types.h>

struct vgem_create_dumb {
	__u32 height, width, bpp, flags, handle, pitch;
	__u64 size;
};

struct vgem_prime_handle {
	__u32 handle, flags;
	__s32 fd;
};

#define VGEM_IOCTL_MODE_CREATE_DUMB _IOWR('d', 0xB2, struct vgem_create_dumb)
#define VGEM_IOCTL_PRIME_HANDLE_TO_FD _IOWR('d', 0x2d, struct vgem_prime_handle)

/* Opens the first DRM card that can create dumb buffers, or returns -1. */
static inline int vgem_open(void)
{
	char path[32];
	int i, fd;

	for (i = 0; i < 8; i++) {
		struct vgem_create_dumb probe = { .height = 1, .width = 1, .bpp = 32 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, VGEM_IOCTL_MODE_CREATE_DUMB, &probe) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * Exports a new WIDTHx16 32-bpp buffer of CARD as a dma-buf fd, or -1; its
 * GEM handle in *HANDLE when HANDLE is not NULL.
 */
static inline int vgem_dmabuf_handle(int card, __u32 width, __u32 *handle)
{
	struct vgem_create_dumb cd = { .height = 16, .width = width, .bpp = 32 };
	struct vgem_prime_handle ph = { .flags = O_RDWR | O_CLOEXEC, .fd = -1 };

	if (ioctl(card, VGEM_IOCTL_MODE_CREATE_DUMB, &cd))
		return -1;
	ph.handle = cd.handle;
	if (ioctl(card, VGEM_IOCTL_PRIME_HANDLE_TO_FD, &ph))
		return -1;
	if (handle)
		*handle = cd.handle;
	return ph.fd;
}

static inline int vgem_dmabuf(int card, __u32 width)
{
	return vgem_dmabuf_handle(card, width, NULL);
}

#endif
