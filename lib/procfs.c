// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * procfs.c - who holds and maps dma-bufs: one pass over ROOT/proc.
 *
 * For every process: /proc/PID/fd links (a dma-buf's reads "/dmabuf:NAME"
 * from 5.3, NAME possibly empty, "anon_inode:dmabuf" before), the fdinfo of
 * the dma-buf fds only (pos flags mnt_id ino size count exp_name [name];
 * ino from ~5.14; fdinfo of the live system without ino: fstatat of the fd
 * link gives it), and /proc/PID/maps (a dma-buf mmap shows "/dmabuf:NAME"
 * with the buffer's inode; an exporter that swaps vm_file would not: vgem's
 * mmaps through the dma-buf fd do show on 6.1 and 7.3).
 *
 * Cost: per process an openat of its directory, of fd/ (getdents), of maps
 * (read in 64 KiB chunks, parsed in place) and, only when it holds a
 * dma-buf, of comm; per fd one readlinkat; per dma-buf fd one
 * openat+read+close of its fdinfo into a stack buffer, or on the live system
 * only an fstatat when bufinfo already gave its buffer whole (known_buffer()).
 * No path strings are built: everything is relative to the process's
 * directory fd.
 *
 * Processes and fds that vanish during the scan (ENOENT, ESRCH) are skipped
 * silently: that is what a live system does. Processes of other users that
 * cannot be read (EACCES, EPERM) are counted in the source status.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "collect.h"
#include "collect_priv.h"

#define SRC_FDINFO_I SRC_INDEX(DMABUF_SRC_FDINFO)
#define SRC_PROCFS_I SRC_INDEX(DMABUF_SRC_PROCFS)
#define MAPS_CHUNK (64 * 1024)

struct scan {
	struct dmabuf_snapshot *s;
	int procfd;
	bool live;
	char *maps;		/* MAPS_CHUNK bytes, reused for every process */
	unsigned int nproc, denied, dmabuf_fds, nmaps, no_ino, fdinfo_bad;
	unsigned int known;	/* dma-buf fds whose fdinfo was not read: known_buffer() */
	int err;		/* -ENOMEM */
};

/* One process being scanned. */
struct proc {
	pid_t pid;
	int dirfd;
	bool comm_read, denied;
	bool held;		/* holds or maps a dma-buf */
	char comm[17];
};

static bool vanished(int err)
{
	return err == ENOENT || err == ESRCH;
}

static bool denied_err(int err)
{
	return err == EACCES || err == EPERM;
}

static const char *proc_comm(struct scan *sc, struct proc *p)
{
	char buf[64];
	ssize_t n;

	if (p->comm_read)
		return p->comm;
	p->comm_read = true;
	n = dmabuf_read_small(p->dirfd, "comm", buf, sizeof(buf));
	if (n <= 0)
		return p->comm;
	dmabuf_capture_file(sc->s->capture, buf, (size_t)n, "proc/%d/comm", (int)p->pid);
	/* the kernel ends comm with one newline; a comm may hold others */
	if (buf[n - 1] == '\n')
		n--;
	if ((size_t)n >= sizeof(p->comm))
		n = sizeof(p->comm) - 1;
	memcpy(p->comm, buf, (size_t)n);
	p->comm[n] = '\0';
	return p->comm;
}

static bool parse_uint(const char *s, const char *e, int base, unsigned long long *v,
		       const char **end)
{
	unsigned long long x = 0;
	const char *q = s;

	for (; q < e; q++) {
		int d;

		if (*q >= '0' && *q <= '9')
			d = *q - '0';
		else if (base == 16 && *q >= 'a' && *q <= 'f')
			d = *q - 'a' + 10;
		else if (base == 16 && *q >= 'A' && *q <= 'F')
			d = *q - 'A' + 10;
		else
			break;
		if (x > (~0ull - (unsigned long long)d) / (unsigned long long)base)
			return false;
		x = x * (unsigned long long)base + (unsigned long long)d;
	}
	if (q == s)
		return false;
	*v = x;
	*end = q;
	return true;
}

/*
 * fdinfo: "key:\tvalue" lines. The name is printed last and only when the
 * buffer has one; a name holding newlines runs on until the end of the text,
 * unless the following line has the shape of another key (then a newer
 * kernel printed more after the name and the name ends at its newline).
 */
int dmabuf_parse_fdinfo(const char *text, size_t len, struct dmabuf_fdinfo *out)
{
	const char *l = text, *e = text + len;
	bool any = false;

	memset(out, 0, sizeof(*out));
	out->count = -1;
	out->flags = -1;
	while (l < e) {
		const char *nl = memchr(l, '\n', (size_t)(e - l)), *v, *ve, *end;
		const char *colon = memchr(l, ':', (size_t)((nl ? nl : e) - l));
		unsigned long long x;
		size_t klen;

		if (!nl)
			nl = e;
		if (!colon) {
			l = nl + 1;
			continue;
		}
		klen = (size_t)(colon - l);
		v = colon + 1;
		while (v < nl && (*v == '\t' || *v == ' '))
			v++;
		ve = nl;
		any = true;
		if (klen == 4 && !memcmp(l, "name", 4)) {
			/* tabs after "name:" are the separator: the kernel prints exactly one */
			const char *n0 = colon + 1 + (colon + 1 < nl && colon[1] == '\t');
			const char *ne = nl;

			while (ne < e) {
				const char *k = ne + 1, *kn;

				if (k >= e)
					break;
				kn = k;
				while (kn < e && (islower((unsigned char)*kn) || *kn == '_'))
					kn++;
				if (kn > k && kn + 1 < e && kn[0] == ':' && kn[1] == '\t')
					break;
				ne = memchr(k, '\n', (size_t)(e - k));
				if (!ne)
					ne = e;
			}
			if ((size_t)(ne - n0) >= sizeof(out->name))
				ne = n0 + sizeof(out->name) - 1;
			memcpy(out->name, n0, (size_t)(ne - n0));
			out->name[ne - n0] = '\0';
			out->has_name = 1;
			nl = ne;
		} else if (klen == 8 && !memcmp(l, "exp_name", 8)) {
			size_t n = (size_t)(ve - v);

			if (n >= sizeof(out->exp_name))
				n = sizeof(out->exp_name) - 1;
			memcpy(out->exp_name, v, n);
			out->exp_name[n] = '\0';
			out->is_dmabuf = 1;
		} else if (klen == 3 && !memcmp(l, "ino", 3)) {
			if (parse_uint(v, ve, 10, &x, &end))
				out->ino = x;
		} else if (klen == 4 && !memcmp(l, "size", 4)) {
			if (parse_uint(v, ve, 10, &x, &end))
				out->size = x;
		} else if (klen == 5 && !memcmp(l, "count", 5)) {
			if (parse_uint(v, ve, 10, &x, &end) &&
			    x <= (unsigned long long)__LONG_MAX__)
				out->count = (long)x;
		} else if (klen == 5 && !memcmp(l, "flags", 5)) {
			if (parse_uint(v, ve, 8, &x, &end) && x <= 0x7fffffff)
				out->flags = (int)x;
		}
		l = nl + 1;
	}
	return any ? 0 : -EINVAL;
}

static bool is_dmabuf_link(const char *link, size_t n)
{
	return (n >= 8 && !memcmp(link, "/dmabuf:", 8)) ||
	       (n == 17 && !memcmp(link, "anon_inode:dmabuf", 17));
}

static struct dmabuf_owner *owner_of(struct scan *sc, struct proc *p, uint64_t ino)
{
	struct dmabuf_buffer *b = dmabuf_buffer_get(sc->s, ino, true);
	struct dmabuf_owner *o;

	if (!b)
		return NULL;
	p->held = true;
	o = dmabuf_owner_get(sc->s, b, p->pid, proc_comm(sc, p));
	if (!o)
		return NULL;
	b->seen |= DMABUF_SRC_PROCFS;
	b->src[DMABUF_F_OWNERS] |= DMABUF_SRC_PROCFS;
	o->src |= DMABUF_SRC_PROCFS;
	return o;
}

/*
 * A buffer bufinfo gave whole: its size, exporter, count and an exact name
 * (debugfs.c). Its fdinfo would tell nothing more, so on the live system
 * the fd's inode is taken from the link (one fstatat) and the fdinfo not
 * read: that read was half of the procfs pass. A report reads it all the
 * same: the captured tree must replay without the live system.
 */
static struct dmabuf_buffer *known_buffer(struct scan *sc, int fddir, const char *fdname,
					  uint64_t *ino)
{
	struct dmabuf_buffer *b;
	struct stat st;

	if (!sc->live || sc->s->capture || !(sc->s->used & DMABUF_SRC_DEBUGFS))
		return NULL;
	if (fstatat(fddir, fdname, &st, 0))
		return NULL;
	*ino = st.st_ino;
	b = dmabuf_buffer_get(sc->s, st.st_ino, false);
	if (!b || !(b->seen & DMABUF_SRC_DEBUGFS) || !b->name_exact || b->file_count < 0 ||
	    !b->exporter)
		return NULL;
	return b;
}

/* One dma-buf fd: its fdinfo (or the link's inode) names the buffer. */
static void scan_fd(struct scan *sc, struct proc *p, int fddir, int *fdinfodir, const char *fdname)
{
	struct dmabuf_fdinfo fi;
	struct dmabuf_owner *o;
	struct dmabuf_buffer *b;
	char text[4096];
	ssize_t n;
	bool have_fi = false;
	uint64_t ino = 0;

	sc->dmabuf_fds++;
	if (known_buffer(sc, fddir, fdname, &ino)) {
		sc->known++;
		o = owner_of(sc, p, ino);
		if (!o || dmabuf_owner_add_fd(sc->s, o, atoi(fdname)))
			sc->err = -ENOMEM;
		return;
	}
	ino = 0;
	if (*fdinfodir < 0)
		*fdinfodir = openat(p->dirfd, "fdinfo", O_PATH | O_DIRECTORY | O_CLOEXEC);
	n = *fdinfodir < 0 ? -errno : dmabuf_read_small(*fdinfodir, fdname, text, sizeof(text));
	if (n >= 0)
		dmabuf_capture_file(sc->s->capture, text, (size_t)n, "proc/%d/fdinfo/%s",
				    (int)p->pid, fdname);
	if (n >= 0 && !dmabuf_parse_fdinfo(text, (size_t)n, &fi) && fi.is_dmabuf) {
		have_fi = true;
		ino = fi.ino;
	} else if (n < 0 && vanished((int)-n)) {
		return;	/* closed meanwhile */
	} else {
		sc->fdinfo_bad++;
	}
	if (!ino && sc->live) {
		struct stat st;

		if (fstatat(fddir, fdname, &st, 0) == 0)
			ino = st.st_ino;
		else if (vanished(errno))
			return;
	}
	if (!ino) {
		sc->no_ino += have_fi;
		return;
	}
	o = owner_of(sc, p, ino);
	if (!o || dmabuf_owner_add_fd(sc->s, o, atoi(fdname))) {
		sc->err = -ENOMEM;
		return;
	}
	if (!have_fi)
		return;
	o->src |= DMABUF_SRC_FDINFO;
	b = dmabuf_buffer_get(sc->s, ino, false);
	b->src[DMABUF_F_OWNERS] |= DMABUF_SRC_FDINFO;
	dmabuf_merge_size(b, fi.size, DMABUF_SRC_FDINFO);
	dmabuf_merge_count(b, fi.count, DMABUF_SRC_FDINFO);
	if (dmabuf_merge_exporter(sc->s, b, fi.exp_name, strlen(fi.exp_name), DMABUF_SRC_FDINFO) ||
	    dmabuf_merge_name(sc->s, b, fi.has_name, fi.name, strlen(fi.name), DMABUF_SRC_FDINFO,
			      fi.has_name))
		sc->err = -ENOMEM;
}

static void scan_fds(struct scan *sc, struct proc *p)
{
	int fddir = openat(p->dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fdinfodir = -1;
	struct dirent *de;
	DIR *d;

	if (fddir < 0) {
		p->denied |= denied_err(errno);
		return;
	}
	d = fdopendir(fddir);
	if (!d) {
		close(fddir);
		return;
	}
	while (!sc->err && (de = readdir(d))) {
		char link[PATH_MAX];
		ssize_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		n = readlinkat(fddir, de->d_name, link, sizeof(link));
		if (n < 0) {
			p->denied |= denied_err(errno);
			continue;
		}
		if (!is_dmabuf_link(link, (size_t)n))
			continue;
		dmabuf_capture_link(sc->s->capture, link, (size_t)n, "proc/%d/fd/%s", (int)p->pid,
				    de->d_name);
		scan_fd(sc, p, fddir, &fdinfodir, de->d_name);
	}
	if (fdinfodir >= 0)
		close(fdinfodir);
	closedir(d);
}

/*
 * One maps line: "START-END PERMS OFFSET MAJ:MIN INODE   PATH". The kernel
 * escapes a newline of the path as "\012" (6.1 and 7.3 do), so names do not
 * break lines; a line without this shape is skipped all the same.
 */
static void maps_line(struct scan *sc, struct proc *p, const char *l, const char *e)
{
	unsigned long long start, end, ino;
	const char *q;
	struct dmabuf_owner *o;
	int i;

	if (!parse_uint(l, e, 16, &start, &q) || q >= e || *q != '-' ||
	    !parse_uint(q + 1, e, 16, &end, &q) || end < start)
		return;
	for (i = 0; i < 3; i++) {	/* perms, offset, dev */
		while (q < e && *q == ' ')
			q++;
		while (q < e && *q != ' ')
			q++;
	}
	while (q < e && *q == ' ')
		q++;
	if (!parse_uint(q, e, 10, &ino, &q) || q >= e || *q != ' ' || !ino)
		return;
	while (q < e && *q == ' ')
		q++;
	if ((size_t)(e - q) < 8 || memcmp(q, "/dmabuf:", 8))
		return;
	o = owner_of(sc, p, ino);
	if (!o) {
		sc->err = -ENOMEM;
		return;
	}
	o->nmaps++;
	o->mapped_bytes += end - start;
	sc->nmaps++;
}

static void scan_maps(struct scan *sc, struct proc *p)
{
	int fd = openat(p->dirfd, "maps", O_RDONLY | O_CLOEXEC);
	size_t have = 0;

	if (fd < 0) {
		p->denied |= denied_err(errno);
		return;
	}
	for (;;) {
		ssize_t n = read(fd, sc->maps + have, MAPS_CHUNK - have);
		const char *l, *e, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			p->denied |= denied_err(errno);
			break;
		}
		if (n == 0) {
			if (have)	/* a last line without newline */
				maps_line(sc, p, sc->maps, sc->maps + have);
			break;
		}
		dmabuf_capture_append(sc->s->capture, sc->maps + have, (size_t)n, "proc/%d/maps",
				      (int)p->pid);
		have += (size_t)n;
		l = sc->maps;
		e = sc->maps + have;
		while (!sc->err && (nl = memchr(l, '\n', (size_t)(e - l)))) {
			/* cheap filter before parsing: only dma-buf lines matter */
			if (memmem(l, (size_t)(nl - l), " /dmabuf:", 9))
				maps_line(sc, p, l, nl);
			l = nl + 1;
		}
		have = (size_t)(e - l);
		if (have == MAPS_CHUNK)	/* a line longer than the buffer: drop it */
			have = 0;
		memmove(sc->maps, l, have);
	}
	close(fd);
}

static void scan_pid(struct scan *sc, const char *name, pid_t pid)
{
	struct proc p = { .pid = pid };

	p.dirfd = openat(sc->procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p.dirfd < 0) {
		if (denied_err(errno))
			sc->denied++;
		return;
	}
	sc->nproc++;
	dmabuf_capture_dir(sc->s->capture, "proc/%s", name);
	scan_fds(sc, &p);
	if (!sc->err)
		scan_maps(sc, &p);
	if (!p.held)	/* the maps of a process without dma-bufs say nothing here */
		dmabuf_capture_drop(sc->s->capture, "proc/%s/maps", name);
	if (p.denied)
		sc->denied++;
	close(p.dirfd);
}

static pid_t pid_of(const char *name)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)name[0]))
		return 0;
	errno = 0;
	v = strtol(name, &end, 10);
	return errno || *end || v <= 0 || v > INT_MAX ? 0 : (pid_t)v;
}

static int cmp_owner(const void *a, const void *b)
{
	const struct dmabuf_owner *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_fd(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/*
 * /proc lists processes and fds in ascending order, a captured tree's
 * directories in any order: owners and their fds in that order either way,
 * so a report replays to the snapshot it was taken from.
 */
static void order_owners(struct dmabuf_snapshot *s)
{
	size_t i, j;

	for (i = 0; i < s->n_buf; i++) {
		struct dmabuf_buffer *b = &s->buf[i];

		if (b->n_own > 1)
			qsort(b->own, b->n_own, sizeof(*b->own), cmp_owner);
		for (j = 0; j < b->n_own; j++)
			if (b->own[j].nfds > 1)
				qsort(b->own[j].fds, b->own[j].nfds, sizeof(int), cmp_fd);
	}
}

static void set_status(struct scan *sc, pid_t only)
{
	char extra[160] = "";
	enum dmabuf_source_state st = DMABUF_SOURCE_OK;
	int err = 0;

	if (sc->denied) {
		st = DMABUF_SOURCE_PARTIAL;
		err = EACCES;
		snprintf(extra, sizeof(extra), "; %u processes not readable%s", sc->denied,
			 sc->live && geteuid() == 0 ?
			 " even as root (ptrace restrictions, an LSM or another user namespace)" :
			 ": run as root to see all processes");
	}
	if (only && !sc->nproc && !sc->denied)
		snprintf(extra, sizeof(extra), "; no process %d", (int)only);
	dmabuf_source_set(sc->s, SRC_PROCFS_I, st, err,
			  "%u processes, %u dma-buf fds, %u mappings%s",
			  sc->nproc, sc->dmabuf_fds, sc->nmaps, extra);
	if (sc->no_ino || sc->fdinfo_bad) {
		char bad[80] = "";

		if (sc->fdinfo_bad)
			snprintf(bad, sizeof(bad), "fdinfo of %u dma-buf fds unreadable or not "
				 "dma-buf%s", sc->fdinfo_bad, sc->no_ino ? "; " : "");
		if (sc->no_ino)
			dmabuf_source_set(sc->s, SRC_FDINFO_I, DMABUF_SOURCE_PARTIAL, 0,
					  "%s%u dma-buf fds without an inode (fdinfo before ~5.14 "
					  "in a captured tree): not counted", bad, sc->no_ino);
		else
			dmabuf_source_set(sc->s, SRC_FDINFO_I, DMABUF_SOURCE_PARTIAL, 0, "%s",
					  bad);
	} else if (sc->known)
		dmabuf_source_set(sc->s, SRC_FDINFO_I, st, err,
				  "%u dma-buf fds, %u of them read (bufinfo gave the others' buffers "
				  "whole)%s", sc->dmabuf_fds, sc->dmabuf_fds - sc->known, extra);
	else
		dmabuf_source_set(sc->s, SRC_FDINFO_I, st, err, "%u dma-buf fds%s",
				  sc->dmabuf_fds, extra);
}

int dmabuf_collect_procfs(struct dmabuf_snapshot *s, pid_t only)
{
	struct scan sc = { .s = s };
	int rootfd = dmabuf_root_open(s);
	struct dirent *de;
	DIR *d;

	if (rootfd < 0) {
		dmabuf_source_set(s, SRC_PROCFS_I, DMABUF_SOURCE_FAILED, -rootfd, "root %s: %s",
				  s->root, strerror(-rootfd));
		dmabuf_source_set(s, SRC_FDINFO_I, DMABUF_SOURCE_FAILED, -rootfd, "root %s: %s",
				  s->root, strerror(-rootfd));
		return 0;
	}
	sc.live = dmabuf_root_is_live(s);
	sc.procfd = openat(rootfd, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(rootfd);
	if (sc.procfd < 0 || (!only && faccessat(sc.procfd, "self", F_OK, AT_SYMLINK_NOFOLLOW) &&
			      sc.live)) {
		int err = sc.procfd < 0 ? errno : ENOENT;
		const char *why = sc.live ? "proc not mounted: mount -t proc proc /proc"
					  : "no proc/ in the captured tree";

		if (sc.procfd >= 0)
			close(sc.procfd);
		dmabuf_source_set(s, SRC_PROCFS_I, DMABUF_SOURCE_UNAVAILABLE, err, "%s", why);
		dmabuf_source_set(s, SRC_FDINFO_I, DMABUF_SOURCE_UNAVAILABLE, err, "%s", why);
		return 0;
	}
	dmabuf_capture_dir(s->capture, "proc");
	sc.maps = malloc(MAPS_CHUNK);
	if (!sc.maps) {
		close(sc.procfd);
		return -ENOMEM;
	}
	if (only) {
		char name[16];

		snprintf(name, sizeof(name), "%d", (int)only);
		scan_pid(&sc, name, only);
	} else {
		int dfd = dup(sc.procfd);

		d = dfd < 0 ? NULL : fdopendir(dfd);
		if (!d && dfd >= 0)
			close(dfd);
		while (d && !sc.err && (de = readdir(d))) {
			pid_t pid = pid_of(de->d_name);

			if (pid)
				scan_pid(&sc, de->d_name, pid);
		}
		if (d)
			closedir(d);
	}
	free(sc.maps);
	close(sc.procfd);
	if (sc.err)
		return sc.err;
	order_owners(s);
	set_status(&sc, only);
	return 0;
}
