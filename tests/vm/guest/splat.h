/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * splat.h - bracket a deliberate contract violation in the kernel log, so
 * that the harness (tests/vm/judge.awk) expects a splat inside the bracket,
 * fails the run when none appears, and still fails on any splat outside.
 * Only on a lockdep kernel: elsewhere the violation splats nothing.
 */
#ifndef DMABUF_TEST_SPLAT_H
#define DMABUF_TEST_SPLAT_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline void splat_mark(const char *what, const char *name)
{
	char line[128];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	int n = snprintf(line, sizeof(line), "dmabuf-tests: expect-splat %s %s\n", what, name);

	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			perror("write /dev/kmsg");
		close(fd);
	}
}

static inline void expect_splat_begin(const char *name)
{
	splat_mark("begin", name);
}

static inline void expect_splat_end(const char *name)
{
	/* let the report reach the log before the bracket closes */
	usleep(200000);
	splat_mark("end", name);
}

/* debug_locks from /proc/lockdep_stats: 1 while lockdep works, 0 once it gave up, -1 none. */
static inline int lockdep_debug_locks(void)
{
	char line[128];
	int v = -1;
	FILE *f = fopen("/proc/lockdep_stats", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " debug_locks: %d", &v) == 1)
			break;
	fclose(f);
	return v;
}

#endif
