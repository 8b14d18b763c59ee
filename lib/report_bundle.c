// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_bundle.c - the report archive (libarchive): a gzip'd GNU tar (names
 * are bytes and stored as they are: a hostile buffer name is not UTF-8)
 * whose entries sit under one top directory, written to FILE.partial and
 * renamed when complete; and the way back, dmabuf_bundle_open(), which
 * unpacks an archive into a private temporary directory without trusting
 * it: every path is relative and free of "." and "..", parents are walked
 * with O_NOFOLLOW, symlinks are only made as proc/PID/fd/N (the fd links the
 * collectors read with readlinkat), other entry types are skipped, and the
 * total size and entry count are bounded.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "report_priv.h"

#define UNPACK_MAX_BYTES (2ull << 30)
#define UNPACK_MAX_ENTRIES 2000000u
#define UNPACK_MAX_DEPTH 24

/* --- writing --------------------------------------------------------------- */

struct bundle_writer {
	struct archive *a;
	char *path, *partial;		/* NULL for stdout */
	char *top;
	int64_t mtime;
	char **dirs;			/* open addressing set of the directories written */
	size_t ndirs, capdirs;
};

static size_t str_hash(const char *s, size_t len)
{
	size_t h = 5381, i;

	for (i = 0; i < len; i++)
		h = h * 33 + (unsigned char)s[i];
	return h;
}

/* Whether LEN bytes of DIR were written already; records it if not. -ENOMEM. */
static int dir_seen(struct bundle_writer *w, const char *dir, size_t len)
{
	size_t h, i;

	if ((w->ndirs + 1) * 2 > w->capdirs) {
		size_t cap = w->capdirs ? w->capdirs * 2 : 256;
		char **n = calloc(cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (i = 0; i < w->capdirs; i++) {
			if (!w->dirs[i])
				continue;
			for (h = str_hash(w->dirs[i], strlen(w->dirs[i])) & (cap - 1); n[h];
			     h = (h + 1) & (cap - 1))
				;
			n[h] = w->dirs[i];
		}
		free(w->dirs);
		w->dirs = n;
		w->capdirs = cap;
	}
	for (h = str_hash(dir, len) & (w->capdirs - 1); w->dirs[h]; h = (h + 1) & (w->capdirs - 1))
		if (strlen(w->dirs[h]) == len && !memcmp(w->dirs[h], dir, len))
			return 1;
	w->dirs[h] = strndup(dir, len);
	if (!w->dirs[h])
		return -ENOMEM;
	w->ndirs++;
	return 0;
}

static int write_entry(struct bundle_writer *w, const char *path, size_t plen,
		       enum dmabuf_capture_type type, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	char *full = NULL, *target = NULL;
	int ret = 0;

	if (!e || asprintf(&full, "%s/%.*s", w->top, (int)plen, path) < 0) {
		archive_entry_free(e);
		return -ENOMEM;
	}
	archive_entry_set_pathname(e, full);
	archive_entry_set_mtime(e, w->mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (type == DMABUF_CAP_DIR) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else if (type == DMABUF_CAP_LINK) {
		target = strndup(data, len);
		if (!target) {
			ret = -ENOMEM;
			goto out;
		}
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, target);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
	}
	if (archive_write_header(w->a, e) != ARCHIVE_OK ||
	    (type == DMABUF_CAP_FILE && len &&
	     archive_write_data(w->a, data, len) != (la_ssize_t)len))
		ret = archive_errno(w->a) > 0 ? -archive_errno(w->a) : -EIO;
out:
	free(target);
	free(full);
	archive_entry_free(e);
	return ret;
}

int bundle_writer_add(struct bundle_writer *w, const char *path, enum dmabuf_capture_type type,
		      const void *data, size_t len)
{
	const char *slash;
	int ret;

	/* every parent directory has its entry before its first child */
	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		ret = dir_seen(w, path, (size_t)(slash - path));
		if (ret < 0)
			return ret;
		if (!ret && (ret = write_entry(w, path, (size_t)(slash - path), DMABUF_CAP_DIR,
					      NULL, 0)))
			return ret;
	}
	if (type == DMABUF_CAP_DIR) {
		ret = dir_seen(w, path, strlen(path));
		if (ret)
			return ret < 0 ? ret : 0;
	}
	return write_entry(w, path, strlen(path), type, data, len);
}

static void writer_free(struct bundle_writer *w)
{
	size_t i;

	for (i = 0; i < w->capdirs; i++)
		free(w->dirs[i]);
	free(w->dirs);
	free(w->path);
	free(w->partial);
	free(w->top);
	free(w);
}

int bundle_writer_open(struct bundle_writer **out, const char *path, const char *topdir,
		       int64_t mtime, char *err, size_t errlen)
{
	struct bundle_writer *w = calloc(1, sizeof(*w));
	int r;

	*out = NULL;
	if (!w || !(w->top = strdup(topdir)) || !(w->a = archive_write_new())) {
		if (w)
			writer_free(w);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->mtime = mtime;
	if (strcmp(path, "-") && (!(w->path = strdup(path)) ||
				  asprintf(&w->partial, "%s.partial", path) < 0)) {
		archive_write_free(w->a);
		writer_free(w);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (archive_write_add_filter_gzip(w->a) != ARCHIVE_OK ||
	    archive_write_set_format_gnutar(w->a) != ARCHIVE_OK) {
		snprintf(err, errlen, "libarchive: %s", archive_error_string(w->a));
		archive_write_free(w->a);
		writer_free(w);
		return -EINVAL;
	}
	r = w->partial ? archive_write_open_filename(w->a, w->partial)
		       : archive_write_open_fd(w->a, STDOUT_FILENO);
	if (r != ARCHIVE_OK) {
		int e = archive_errno(w->a) > 0 ? archive_errno(w->a) : EIO;

		snprintf(err, errlen, "%s: %s", w->partial ? w->partial : "stdout",
			 archive_error_string(w->a) ? archive_error_string(w->a) : strerror(e));
		archive_write_free(w->a);
		writer_free(w);
		return -e;
	}
	*out = w;
	return 0;
}

int bundle_writer_close(struct bundle_writer *w, char *err, size_t errlen)
{
	int ret = 0;

	if (archive_write_close(w->a) != ARCHIVE_OK) {
		ret = archive_errno(w->a) > 0 ? -archive_errno(w->a) : -EIO;
		snprintf(err, errlen, "writing %s: %s", w->partial ? w->partial : "stdout",
			 archive_error_string(w->a));
	}
	archive_write_free(w->a);
	if (w->partial) {
		if (!ret && rename(w->partial, w->path)) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", w->path, strerror(errno));
		}
		if (ret)
			unlink(w->partial);
	}
	writer_free(w);
	return ret;
}

void bundle_writer_abort(struct bundle_writer *w)
{
	if (!w)
		return;
	archive_write_free(w->a);
	if (w->partial)
		unlink(w->partial);
	writer_free(w);
}

/* --- unpacking -------------------------------------------------------------- */

struct dmabuf_bundle {
	char *root;
	char *tmpdir;			/* made by us, removed at close */
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void dmabuf_bundle_close(struct dmabuf_bundle *b)
{
	if (!b)
		return;
	if (b->tmpdir)
		nftw(b->tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(b->tmpdir);
	free(b->root);
	free(b);
}

const char *dmabuf_bundle_root(const struct dmabuf_bundle *b)
{
	return b->root;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* PATH ends in proc/DIGITS/fd/DIGITS: the only place a bundle has symlinks. */
static bool fd_link_path(const char *path)
{
	const char *c[4];
	size_t n[4];
	const char *end = path + strlen(path), *p = end;
	int i;

	for (i = 3; i >= 0; i--) {
		const char *s = p;

		while (s > path && s[-1] != '/')
			s--;
		c[i] = s;
		n[i] = (size_t)(p - s);
		if (s == path && i)
			return false;
		p = s - 1;
	}
	return n[0] == 4 && !memcmp(c[0], "proc", 4) && all_digits(c[1], n[1]) &&
	       n[2] == 2 && !memcmp(c[2], "fd", 2) && all_digits(c[3], n[3]);
}

/*
 * The directory holding the last component of PATH, under ROOTFD, made as
 * needed; *LEAF points at that component. -errno; -EINVAL for a path that
 * is absolute, empty, or has ".", ".." or empty components.
 */
static int open_parent(int rootfd, char *path, const char **leaf)
{
	char *comp = path, *slash;
	int dfd = dup(rootfd), depth = 0;

	if (dfd < 0)
		return -errno;
	if (!strncmp(path, "./", 2))
		comp += 2;
	if (!*comp || *comp == '/') {
		close(dfd);
		return -EINVAL;
	}
	for (;;) {
		int nfd;

		slash = strchr(comp, '/');
		if (slash)
			*slash = '\0';
		if (!*comp || !strcmp(comp, ".") || !strcmp(comp, "..") ||
		    ++depth > UNPACK_MAX_DEPTH) {
			close(dfd);
			return -EINVAL;
		}
		if (!slash || !slash[1]) {
			*leaf = comp;
			return dfd;
		}
		nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && !mkdirat(dfd, comp, 0755))
			nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if (nfd < 0)
			return -errno;
		dfd = nfd;
		comp = slash + 1;
	}
}

static int unpack_entry(struct archive *a, struct archive_entry *e, int rootfd,
			uint64_t *bytes)
{
	const char *leaf = NULL, *name = archive_entry_pathname(e);
	mode_t type = archive_entry_filetype(e);
	char *path = name ? strdup(name) : NULL;
	int dfd, fd, ret = 0;

	if (!path)
		return name ? -ENOMEM : -EINVAL;
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
		free(path);
		return 0;	/* devices, fifos, hard links: nothing a bundle has */
	}
	if (type == AE_IFLNK && (!fd_link_path(path) || !archive_entry_symlink(e) ||
				 !*archive_entry_symlink(e))) {
		free(path);
		return 0;
	}
	dfd = open_parent(rootfd, path, &leaf);
	if (dfd < 0) {
		free(path);
		return dfd;
	}
	if (type == AE_IFDIR) {
		if (mkdirat(dfd, leaf, 0755) && errno != EEXIST)
			ret = -errno;
	} else if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);

		unlinkat(dfd, leaf, 0);
		if (!target || symlinkat(target, dfd, leaf))
			ret = target ? -errno : -EINVAL;
	} else {
		unlinkat(dfd, leaf, 0);
		fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			ret = -errno;
		} else {
			char buf[65536];
			la_ssize_t n;

			while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
				*bytes += (uint64_t)n;
				if (*bytes > UNPACK_MAX_BYTES) {
					ret = -EFBIG;
					break;
				}
				if (write(fd, buf, (size_t)n) != n) {
					ret = -errno;
					break;
				}
			}
			if (n < 0 && !ret)
				ret = -EIO;
			close(fd);
		}
	}
	close(dfd);
	free(path);
	return ret;
}

static int unpack(const char *archive_path, const char *dir, char *err, size_t errlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned int entries = 0;
	uint64_t bytes = 0;
	int rootfd, r, ret = 0;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, archive_path, 65536) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", archive_path, archive_error_string(a));
		archive_read_free(a);
		return -EINVAL;
	}
	rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		archive_read_free(a);
		return ret;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (++entries > UNPACK_MAX_ENTRIES) {
			ret = -EFBIG;
			snprintf(err, errlen, "%s: more than %u entries", archive_path,
				 UNPACK_MAX_ENTRIES);
			break;
		}
		ret = unpack_entry(a, e, rootfd, &bytes);
		if (ret) {
			snprintf(err, errlen, "%s: entry \"%s\": %s", archive_path,
				 archive_entry_pathname(e) ? archive_entry_pathname(e) : "?",
				 ret == -EINVAL ? "not a safe relative path" :
				 ret == -EFBIG ? "the archive unpacks to more than 2 GiB" :
				 strerror(-ret));
			break;
		}
	}
	if (!ret && r != ARCHIVE_EOF) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: %s", archive_path, archive_error_string(a));
	}
	close(rootfd);
	archive_read_free(a);
	return ret;
}

static bool has_manifest(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, REPORT_MANIFEST);
	return !access(path, F_OK);
}

/* DIR itself, or its only subdirectory when that one is a report. */
static char *find_root(const char *dir)
{
	char sub[4096] = "";
	struct dirent *de;
	unsigned int n = 0;
	DIR *d;

	if (has_manifest(dir) || !(d = opendir(dir)))
		return strdup(dir);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
	}
	closedir(d);
	return strdup(n == 1 && has_manifest(sub) ? sub : dir);
}

int dmabuf_bundle_open(const char *path, struct dmabuf_bundle **out, char *err, size_t errlen)
{
	struct dmabuf_bundle *b = calloc(1, sizeof(*b));
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	int ret;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if (stat(path, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(b);
		return ret;
	}
	if (S_ISDIR(st.st_mode)) {
		b->root = find_root(path);
	} else if (S_ISREG(st.st_mode)) {
		if (asprintf(&b->tmpdir, "%s/dmabuf-bundle.XXXXXX",
			     tmp && *tmp ? tmp : "/tmp") < 0) {
			b->tmpdir = NULL;
			free(b);
			return -ENOMEM;
		}
		if (!mkdtemp(b->tmpdir)) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", b->tmpdir, strerror(errno));
			free(b->tmpdir);
			free(b);
			return ret;
		}
		ret = unpack(path, b->tmpdir, err, errlen);
		if (ret) {
			dmabuf_bundle_close(b);
			return ret;
		}
		b->root = find_root(b->tmpdir);
	} else {
		snprintf(err, errlen, "%s: neither a directory nor a report archive", path);
		free(b);
		return -EINVAL;
	}
	if (!b->root) {
		dmabuf_bundle_close(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}
