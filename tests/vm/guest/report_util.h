/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report_util.h - helpers of the `dmabuf report` guest tests (report_*.c):
 * run the installed dmabuf, as root or as nobody, in the foreground or in
 * the background reading its stderr; unpack an archive with busybox tar (an
 * implementation of its own, so the archive is checked, not our reader);
 * files whole; the snapshot JSON without its "root" member; search a whole
 * tree for strings.
 */
#ifndef DMABUF_TEST_REPORT_UTIL_H
#define DMABUF_TEST_REPORT_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cliutil.h"
#include "tap.h"

#define DMABUF_BIN "/usr/local/bin/dmabuf"
#define NOBODY 65534

struct bg {
	pid_t pid;
	int err_fd;
	char err[16384];
	size_t errlen;
	int status;		/* exit status, -1 when killed */
};

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Starts dmabuf ARGS (NULL-terminated) as UID (0: root) with stdout to OUT
 * (or /dev/null) and stderr on a pipe; 0 or -1.
 */
static inline int bg_start(struct bg *b, uid_t uid, const char *out, const char *const *args)
{
	const char *argv[32];
	int pfd[2], n = 0, i;

	memset(b, 0, sizeof(*b));
	b->err_fd = -1;
	argv[n++] = DMABUF_BIN;
	for (i = 0; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(pfd))
		return -1;
	fflush(stdout);
	b->pid = fork();
	if (b->pid < 0)
		return -1;
	if (b->pid == 0) {
		int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
			_exit(125);
		execv(DMABUF_BIN, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	b->err_fd = pfd[0];
	return 0;
}

/* Reads stderr for up to MS; false at its end. */
static inline bool bg_read(struct bg *b, int ms)
{
	struct pollfd p = { .fd = b->err_fd, .events = POLLIN };
	ssize_t n;

	if (b->err_fd < 0)
		return false;
	if (poll(&p, 1, ms) <= 0)
		return true;
	n = read(b->err_fd, b->err + b->errlen, sizeof(b->err) - 1 - b->errlen);
	if (n <= 0) {
		close(b->err_fd);
		b->err_fd = -1;
		return false;
	}
	b->errlen += (size_t)n;
	b->err[b->errlen] = '\0';
	return true;
}

/* Waits until stderr says WHAT (true), or it ended or SECONDS passed (false). */
static inline bool bg_wait_for(struct bg *b, const char *what, double seconds)
{
	double end = now_s() + seconds;

	while (!strstr(b->err, what))
		if (!bg_read(b, 200) || now_s() > end)
			return strstr(b->err, what) != NULL;
	return true;
}

/* Waits for the exit (SECONDS at most, then SIGKILL): the exit status. */
static inline int bg_finish(struct bg *b, double seconds)
{
	double end = now_s() + seconds;
	int st = 0;

	for (;;) {
		pid_t r = waitpid(b->pid, &st, WNOHANG);

		if (r == b->pid)
			break;
		bg_read(b, 100);
		if (now_s() > end) {
			kill(b->pid, SIGKILL);
			waitpid(b->pid, &st, 0);
			break;
		}
	}
	while (bg_read(b, 0))
		;
	b->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return b->status;
}

static inline void bg_diag(const struct bg *b)
{
	const char *p = b->err;

	while (*p) {
		size_t n = strcspn(p, "\n");

		tap_diag("  stderr: %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* dmabuf ARGS as UID, to the end: its exit status; stdout into *OUT if given. */
static inline int dmabuf_run(uid_t uid, char **out, const char *const *args)
{
	struct bg b;
	int st;

	if (bg_start(&b, uid, out ? "/tmp/report-out.txt" : NULL, args))
		return -1;
	st = bg_finish(&b, 280);
	if (st < 0 || st > 1)	/* 1: check found something */
		bg_diag(&b);
	if (out) {
		FILE *f = fopen("/tmp/report-out.txt", "r");
		size_t n = 0, cap = 0;
		int c;

		*out = NULL;
		while (f && (c = fgetc(f)) != EOF) {
			if (n + 2 > cap && !(*out = realloc(*out, cap = cap ? cap * 2 : 4096)))
				abort();
			(*out)[n++] = (char)c;
		}
		if (f)
			fclose(f);
		if (!*out)
			*out = calloc(1, 1);
		else
			(*out)[n] = '\0';
	}
	return st;
}

static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096 && !(buf = realloc(buf, cap = cap ? cap * 2 : 65536)))
			abort();
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/*
 * Unpacks ARCHIVE with busybox tar into DIR (emptied first); TOP gets the
 * report's one top directory. 0 or -1.
 */
static inline int unpack(const char *archive, const char *dir, char *top, size_t toplen)
{
	struct run r = run_cmd("rm -rf %s && mkdir -p %s && tar -xzf %s -C %s", dir, dir, archive, dir);
	struct dirent *de;
	int n = 0;
	DIR *d;

	free(r.out);
	if (r.status)
		return -1;
	d = opendir(dir);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && ++n == 1)
			snprintf(top, toplen, "%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
	return n == 1 ? 0 : -1;
}

/* The one line of snapshot JSON TEXT with "root":"..." made "root":"R" (malloc'd). */
static inline char *strip_root(const char *text)
{
	const char *at = strstr(text, "\"root\":\""), *end;
	char *out;

	if (!at)
		return strdup(text);
	for (end = at + 8; *end && *end != '"'; end += *end == '\\' ? 2 : 1)
		;
	if (asprintf(&out, "%.*s\"root\":\"R\"%.*s", (int)(at - text), text,
		     (int)strcspn(*end ? end + 1 : end, "\n"), *end ? end + 1 : end) < 0)
		abort();
	return out;
}

/* Where A and B part, as a TAP diagnostic. */
static inline void diff_diag(const char *what, const char *a, const char *b)
{
	size_t i = 0, from;

	while (a[i] && a[i] == b[i])
		i++;
	from = i > 120 ? i - 120 : 0;
	tap_diag("%s differ at byte %zu:", what, i);
	tap_diag("  got:  ...%.240s", a + from);
	tap_diag("  want: ...%.240s", b + from);
}

/* --- strings in a whole tree ---------------------------------------------- */

static const char *const *scan_needles;
static unsigned int scan_n, scan_files, scan_hits;
static char scan_first[PATH_MAX + 64];

static inline int scan_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char link[PATH_MAX];
	size_t len = 0;
	char *text = NULL;
	const char *data;
	unsigned int i;
	ssize_t n;

	(void)st;
	(void)ftw;
	if (flag == FTW_SL) {
		n = readlink(path, link, sizeof(link));
		data = link;
		len = n > 0 ? (size_t)n : 0;
	} else if (flag == FTW_F) {
		data = text = slurp(path, &len);
		if (!text)
			return 0;
	} else {
		return 0;
	}
	scan_files++;
	for (i = 0; i < scan_n; i++) {
		if (!memmem(data, len, scan_needles[i], strlen(scan_needles[i])) &&
		    !strstr(path, scan_needles[i]))
			continue;
		if (!scan_hits++)
			snprintf(scan_first, sizeof(scan_first), "%s holds \"%s\"", path,
				 scan_needles[i]);
	}
	free(text);
	return 0;
}

/* (file, needle) pairs under DIR that match; *FILES gets the files seen. */
static inline unsigned int tree_holds(const char *dir, const char *const *needles, unsigned int n,
				      unsigned int *files)
{
	scan_needles = needles;
	scan_n = n;
	scan_files = scan_hits = 0;
	scan_first[0] = '\0';
	nftw(dir, scan_file, 16, FTW_PHYS);
	if (files)
		*files = scan_files;
	return scan_hits;
}

/* No dmabuf-bundle.* temporary directory is left in /tmp. */
static inline bool no_leftovers(void)
{
	struct dirent *de;
	bool clean = true;
	DIR *d = opendir("/tmp");

	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "dmabuf-bundle.", 14))
			clean = false;
	if (d)
		closedir(d);
	return clean;
}

#endif
