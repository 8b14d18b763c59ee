/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tracer_gone.h - whether the tracing engine's BPF programs and maps are
 * still loaded: tools that trace must leave nothing behind when they exit.
 */
#ifndef DMABUF_TEST_TRACER_GONE_H
#define DMABUF_TEST_TRACER_GONE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "tap.h"

/* The tracing engine's objects are named dt_* (programs, maps) or trace_bp.* (libbpf's). */
static inline bool tracer_owns(const char *name)
{
	return !strncmp(name, "dt_", 3) || !strncmp(name, "trace_bp.", 9);
}

struct tracer_census {
	int progs, maps;	/* of the tracing engine */
	int sessions;		/* its programs that run at entry and exit (fsession) */
	int links, our_links;	/* every link of the kernel, and those of its programs */
};

/* The name of program or map ID (MAP: a map), "" if it is gone. */
static inline void tracer_obj_name(__u32 id, bool map, char *name, size_t len)
{
	union { struct bpf_prog_info p; struct bpf_map_info m; } info;
	__u32 ilen = map ? sizeof(info.m) : sizeof(info.p);
	int fd = map ? bpf_map_get_fd_by_id(id) : bpf_prog_get_fd_by_id(id);

	name[0] = '\0';
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(name, len, "%s", map ? info.m.name : info.p.name);
	close(fd);
}

/* What is loaded now: programs, maps and links (bpftool's lists, without bpftool). */
static inline void tracer_census(struct tracer_census *c)
{
	char name[BPF_OBJ_NAME_LEN + 1];
	__u32 id = 0;

	memset(c, 0, sizeof(*c));
	while (!bpf_prog_get_next_id(id, &id)) {
		tracer_obj_name(id, false, name, sizeof(name));
		c->progs += tracer_owns(name);
		c->sessions += !strncmp(name, "dt_fs_", 6);
	}
	id = 0;
	while (!bpf_map_get_next_id(id, &id)) {
		tracer_obj_name(id, true, name, sizeof(name));
		c->maps += tracer_owns(name);
	}
	id = 0;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		c->links++;
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			tracer_obj_name(info.prog_id, false, name, sizeof(name));
			c->our_links += tracer_owns(name);
		}
		close(fd);
	}
}

/* Programs and maps of the tracing engine loaded now. */
static inline int tracer_objects(void)
{
	struct tracer_census c;

	tracer_census(&c);
	return c.progs + c.maps;
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
