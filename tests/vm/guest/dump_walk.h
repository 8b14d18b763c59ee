/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dump_walk.h - method (d) of run_bench_snapshot (bench/snapshot.md): the
 * procfs walk Android's dmabuf_dump makes, written plainly, as the bar the
 * suite's procfs collector is measured against: per process, readlink every
 * fd, read the fdinfo of the dma-buf ones, read maps; buffers counted once
 * by inode number. Prints one "walk procs= fds= bufs= maps=" line.
 */
#ifndef DMABUF_TEST_DUMP_WALK_H
#define DMABUF_TEST_DUMP_WALK_H

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HSIZE (1 << 17)
static unsigned long seen_ino[HSIZE];

static int seen_add(unsigned long ino)	/* 1 if new */
{
	unsigned long h = (ino * 0x9E3779B97F4A7C15ul) >> 47;

	for (;; h = (h + 1) & (HSIZE - 1)) {
		if (seen_ino[h] == ino)
			return 0;
		if (!seen_ino[h]) {
			seen_ino[h] = ino;
			return 1;
		}
	}
}

static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = 0, n;

	if (fd < 0)
		return -1;
	while (got < (ssize_t)size - 1 && (n = read(fd, buf + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* What Android's dmabuf_dump does per process, with plain paths. */
static int walk(void)
{
	static char maps[128 * 1024];
	unsigned long procs = 0, fds = 0, bufs = 0, nmaps = 0;
	char path[600], link[256], info[1024];
	struct dirent *de, *fe;
	DIR *pd = opendir("/proc"), *fdd;

	if (!pd)
		return 1;
	while ((de = readdir(pd))) {
		size_t carry = 0;
		ssize_t n;
		int mfd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		procs++;
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		fdd = opendir(path);
		while (fdd && (fe = readdir(fdd))) {
			unsigned long ino = 0;
			char *p;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", de->d_name, fe->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strncmp(link, "/dmabuf:", 8) && strcmp(link, "anon_inode:dmabuf"))
				continue;
			fds++;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", de->d_name, fe->d_name);
			if (slurp(path, info, sizeof(info)) <= 0)
				continue;
			p = strstr(info, "\nino:");
			if (p)
				ino = strtoul(p + 5, NULL, 10);
			/* size, exp_name and name are there too, as dmabuf_dump reads them */
			if (ino && strstr(info, "exp_name:") && seen_add(ino))
				bufs++;
		}
		if (fdd)
			closedir(fdd);
		snprintf(path, sizeof(path), "/proc/%s/maps", de->d_name);
		mfd = open(path, O_RDONLY | O_CLOEXEC);
		while (mfd >= 0 && (n = read(mfd, maps + carry, sizeof(maps) - 1 - carry)) > 0) {
			char *l = maps, *nl, *end = maps + carry + (size_t)n;

			*end = '\0';
			while ((nl = memchr(l, '\n', (size_t)(end - l)))) {
				unsigned long ino;

				*nl = '\0';
				if (strstr(l, " /dmabuf:") &&
				    sscanf(l, "%*s %*s %*s %*s %lu", &ino) == 1) {
					nmaps++;
					bufs += (unsigned long)seen_add(ino);
				}
				l = nl + 1;
			}
			carry = (size_t)(end - l);
			memmove(maps, l, carry);
		}
		if (mfd >= 0)
			close(mfd);
	}
	closedir(pd);
	printf("walk procs=%lu fds=%lu bufs=%lu maps=%lu\n", procs, fds, bufs, nmaps);
	return 0;
}

#endif
