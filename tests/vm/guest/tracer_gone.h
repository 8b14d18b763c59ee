/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tracer_gone.h - whether the tracing engine's BPF programs and maps are
 * still loaded: tools that trace must leave nothing behind when they exit.
 */
#ifndef DMABUF_TEST_TRACER_GONE_H
#define DMABUF_TEST_TRACER_GONE_H

#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "tap.h"

/* Programs and maps of the tracing engine (named dt_* or trace_bp.*) loaded now. */
static inline int tracer_objects(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    (!strncmp(info.name, "dt_", 3) || !strncmp(info.name, "trace_bp.", 9)))
			n++;
		close(fd);
	}
	id = 0;
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    (!strncmp(info.name, "dt_", 3) || !strncmp(info.name, "trace_bp.", 9)))
			n++;
		close(fd);
	}
	return n;
}

/*
 * Every dmabuf-top this test ran has exited: its tracer's programs and maps
 * go with it (the kernel frees them a moment after the last close).
 */
static inline void check_tracer_gone(void)
{
	int tries, n = 0;

	for (tries = 0; tries < 50 && (n = tracer_objects()); tries++)
		usleep(100 * 1000);
	tap_ok(n == 0, "dmabuf-top's tracer left no program or map behind (%d)", n);
}

#endif
