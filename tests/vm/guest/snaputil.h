/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * snaputil.h - for the guest tests of how the BPF snapshot loads (pins, the
 * load cache): the snapshot programs loaded now, and the parts of `dmabuf
 * ls -j` that do not depend on how they were loaded.
 */
#ifndef DMABUF_TEST_SNAPUTIL_H
#define DMABUF_TEST_SNAPUTIL_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

/* Programs loaded now whose name starts with snap_ (the snapshot's). */
static inline int snap_progs(void)
{
	struct bpf_prog_info info;
	__u32 id = 0, len;
	int n = 0, fd;

	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "snap_", 5))
			n++;
		close(fd);
	}
	return n;
}

/* snap_progs() once the kernel has freed what went (it frees after a grace period). */
static inline int snap_progs_settled(int want)
{
	int tries, n = snap_progs();

	for (tries = 0; tries < 50 && n != want; tries++) {
		usleep(100 * 1000);
		n = snap_progs();
	}
	return n;
}

/* OUT's text from "buffers" to its end, or "": what the sources do not change. */
static inline const char *buffers_of(const char *out)
{
	const char *p = strstr(out, "\"buffers\":");

	return p ? p : "";
}

/* The "kernel" object of OUT, copied into BUF. */
static inline const char *kernel_of(const char *out, char *buf, size_t len)
{
	const char *p = strstr(out, "\"kernel\":"), *e = p ? strchr(p, '}') : NULL;

	snprintf(buf, len, "%.*s", e ? (int)(e - p + 1) : 0, p ? p : "");
	return buf;
}

#endif
