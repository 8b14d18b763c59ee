// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sysfs.c - /sys/kernel/dmabuf/buffers/INO/{exporter_name,size}: the
 * per-buffer statistics of CONFIG_DMABUF_SYSFS_STATS (5.13, deprecated,
 * removed after 6.18). Neither Debian test kernel has it; a debug kernel
 * may. Every buffer, with or without an fd; nothing about attachments (the
 * "attachments" subdirectories of 5.13-5.15 are not read).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "collect.h"
#include "collect_priv.h"

#define SRC_SYSFS_I SRC_INDEX(DMABUF_SRC_SYSFS)
#define BUFFERS_PATH "sys/kernel/dmabuf/buffers"

/* One INO directory; false if it vanished or could not be read. */
static int one_buffer(struct dmabuf_snapshot *s, int dirfd, const char *name, uint64_t ino,
		      unsigned int *bad)
{
	char exp[256], size[32], *end;
	struct dmabuf_buffer *b;
	int bufd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ssize_t ne, ns;
	unsigned long long v;

	if (bufd < 0)
		return 0;	/* freed meanwhile */
	ne = dmabuf_read_small(bufd, "exporter_name", exp, sizeof(exp));
	ns = dmabuf_read_small(bufd, "size", size, sizeof(size));
	close(bufd);
	if (ne >= 0)
		dmabuf_capture_file(s->capture, exp, (size_t)ne, "%s/%s/exporter_name",
				    BUFFERS_PATH, name);
	if (ns >= 0)
		dmabuf_capture_file(s->capture, size, (size_t)ns, "%s/%s/size", BUFFERS_PATH, name);
	if (ne == -ENOENT || ns == -ENOENT)
		return 0;
	errno = 0;
	v = ns > 0 ? strtoull(size, &end, 10) : 0;
	if (ne <= 0 || ns <= 0 || errno || end == size || (*end && *end != '\n')) {
		(*bad)++;
		return 0;
	}
	if (exp[ne - 1] == '\n')
		ne--;
	b = dmabuf_buffer_get(s, ino, true);
	if (!b || dmabuf_merge_exporter(s, b, exp, (size_t)ne, DMABUF_SRC_SYSFS))
		return -ENOMEM;
	dmabuf_merge_size(b, v, DMABUF_SRC_SYSFS);
	return 0;
}

int dmabuf_collect_sysfs(struct dmabuf_snapshot *s)
{
	int rootfd = dmabuf_root_open(s), dirfd, ret = 0;
	unsigned int n = 0, bad = 0;
	struct dirent *de;
	DIR *d;

	if (rootfd < 0) {
		dmabuf_source_set(s, SRC_SYSFS_I, DMABUF_SOURCE_FAILED, -rootfd, "root %s: %s",
				  s->root, strerror(-rootfd));
		return 0;
	}
	dirfd = openat(rootfd, BUFFERS_PATH, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		int err = errno;
		bool sys = faccessat(rootfd, "sys/kernel", F_OK, 0) == 0;

		if (err == EACCES || err == EPERM)
			dmabuf_source_set(s, SRC_SYSFS_I, DMABUF_SOURCE_FAILED, err,
					  "%s: permission denied", BUFFERS_PATH);
		else if (!sys && dmabuf_root_is_live(s))
			dmabuf_source_set(s, SRC_SYSFS_I, DMABUF_SOURCE_UNAVAILABLE, err,
					  "sysfs not mounted: mount -t sysfs sysfs /sys");
		else if (!dmabuf_root_is_live(s))
			dmabuf_source_set(s, SRC_SYSFS_I, DMABUF_SOURCE_UNAVAILABLE, err,
					  "no %s in the captured tree", BUFFERS_PATH);
		else
			dmabuf_source_set(s, SRC_SYSFS_I, DMABUF_SOURCE_UNAVAILABLE, err,
					  "no /%s: kernel without CONFIG_DMABUF_SYSFS_STATS "
					  "(deprecated, removed after 6.18)", BUFFERS_PATH);
		s->status[SRC_SYSFS_I].absent = sys || !dmabuf_root_is_live(s);
		close(rootfd);
		return 0;
	}
	close(rootfd);
	dmabuf_capture_dir(s->capture, "%s", BUFFERS_PATH);
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		dmabuf_source_set(s, SRC_SYSFS_I, DMABUF_SOURCE_FAILED, errno, "%s: %s",
				  BUFFERS_PATH, strerror(errno));
		return 0;
	}
	while (!ret && (de = readdir(d))) {
		unsigned long long ino;
		char *end;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		errno = 0;
		ino = strtoull(de->d_name, &end, 10);
		if (errno || *end || !ino)
			continue;
		n++;
		ret = one_buffer(s, dirfd, de->d_name, ino, &bad);
	}
	closedir(d);
	if (ret)
		return ret;
	if (bad)
		dmabuf_source_set(s, SRC_SYSFS_I, DMABUF_SOURCE_PARTIAL, 0,
				  "%u of %u buffer directories unreadable or malformed", bad, n);
	else
		dmabuf_source_set(s, SRC_SYSFS_I, DMABUF_SOURCE_OK, 0, "%u buffers", n);
	return 0;
}
