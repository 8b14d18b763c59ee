// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * collect.c - runs the collectors into one snapshot, and the helpers they
 * share (collect_priv.h).
 *
 * Order: debugfs (every buffer, attached device names), procfs (owners,
 * exact names), sysfs, BPF (live system only), lab. Each merges by inode.
 * An attachment may be reported by several sources: debugfs knows only the
 * device name, dmabuf_lab and BPF know its state. The lab collector fills
 * the debugfs entry of the same device; what is left is merged here, the
 * best source's entry kept (BPF > lab > debugfs), the others' bits and known
 * fields folded into it, so a buffer never lists an attachment twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "capture.h"
#include "collect.h"
#include "escape.h"
#include "collect_priv.h"
#include "escape.h"
#include "report.h"

int dmabuf_root_open(const struct dmabuf_snapshot *s)
{
	int fd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

bool dmabuf_root_is_live(const struct dmabuf_snapshot *s)
{
	struct stat a, b;

	if (!strcmp(s->root, "/"))
		return true;
	return !stat(s->root, &a) && !stat("/", &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

ssize_t dmabuf_read_small(int dirfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	return n;
}

int dmabuf_read_whole(int dirfd, const char *path, char **text, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t cap = 64 * 1024, used = 0;
	char *buf;
	ssize_t n;

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (cap - used < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			free(buf);
			close(fd);
			return -err;
		}
		if (!n)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;
}

void dmabuf_merge_size(struct dmabuf_buffer *b, uint64_t size, unsigned int src)
{
	b->seen |= src;
	if (!b->src[DMABUF_F_SIZE]) {
		b->size = size;
		b->src[DMABUF_F_SIZE] = src;
	} else if (b->size == size) {
		b->src[DMABUF_F_SIZE] |= src;
	}
}

int dmabuf_merge_exporter(struct dmabuf_snapshot *s, struct dmabuf_buffer *b, const char *exp,
			  size_t len, unsigned int src)
{
	b->seen |= src;
	if (!b->src[DMABUF_F_EXPORTER] || !b->exporter) {
		if (dmabuf_set_str_shared(s, &b->exporter, exp, len))
			return -ENOMEM;
		b->src[DMABUF_F_EXPORTER] = src;
	} else if (strlen(b->exporter) == len && !memcmp(b->exporter, exp, len)) {
		b->src[DMABUF_F_EXPORTER] |= src;
	}
	return 0;
}

int dmabuf_merge_name(struct dmabuf_snapshot *s, struct dmabuf_buffer *b, bool has_name,
		      const char *name, size_t len, unsigned int src, bool exact)
{
	bool same;

	b->seen |= src;
	if (b->src[DMABUF_F_NAME]) {
		same = has_name ? b->name && strlen(b->name) == len && !memcmp(b->name, name, len)
				: !b->name;
		if (same) {
			b->src[DMABUF_F_NAME] |= src;
			return 0;
		}
		if (!exact)
			return 0;
	}
	if (has_name) {
		if (dmabuf_set_str(s, &b->name, name, len))
			return -ENOMEM;
	} else {
		b->name = NULL;
	}
	b->src[DMABUF_F_NAME] = src;
	return 0;
}

void dmabuf_merge_count(struct dmabuf_buffer *b, long count, unsigned int src)
{
	b->seen |= src;
	if (count < 0)
		return;
	if (!b->src[DMABUF_F_FILE_COUNT]) {
		b->file_count = count;
		b->src[DMABUF_F_FILE_COUNT] = src;
	} else if (b->file_count == count) {
		b->src[DMABUF_F_FILE_COUNT] |= src;
	}
}

const char *dmabuf_excerpt(const char *text, size_t len, char *out, size_t outsz)
{
	if (dmabuf_escape(text, len, out, outsz) >= outsz && outsz > 4)
		memcpy(out + outsz - 4, "...", 4);
	return out;
}

/* --- attachments reported by several sources ---------------------------- */

static int att_rank(unsigned int src)
{
	if (src & DMABUF_SRC_BPF)
		return 3;
	if (src & DMABUF_SRC_LAB)
		return 2;
	if (src & DMABUF_SRC_DEBUGFS)
		return 1;
	return 0;
}

static void fold_tristate(int *into, int from)
{
	if (*into == DMABUF_UNKNOWN)
		*into = from;
}

/* Folds LOW (a worse source's entry for the same attachment) into HIGH. */
static void att_fold(struct dmabuf_attachment *high, struct dmabuf_attachment *low)
{
	if (!high->driver) {
		high->driver = low->driver;
		low->driver = NULL;
	}
	fold_tristate(&high->importer_dynamic, low->importer_dynamic);
	fold_tristate(&high->peer2peer, low->peer2peer);
	fold_tristate(&high->cached, low->cached);
	fold_tristate(&high->cached_dir, low->cached_dir);
	fold_tristate(&high->pinned, low->pinned);
	fold_tristate(&high->mismatch, low->mismatch);
	high->src |= low->src;
}

static bool same_device(const struct dmabuf_attachment *a, const struct dmabuf_attachment *b)
{
	return a->device && b->device && !strcmp(a->device, b->device);
}

/*
 * Each entry is matched to at most one entry of a better source that no
 * source of its own reported (the same device attached twice is two
 * attachments); matched entries are folded and removed. Small arrays.
 */
static void merge_attachments(struct dmabuf_buffer *b)
{
	size_t i, j, out = 0;

	for (i = 0; i < b->n_att; i++) {
		struct dmabuf_attachment *low = &b->att[i];
		struct dmabuf_attachment *best = NULL;

		for (j = 0; j < b->n_att; j++) {
			struct dmabuf_attachment *h = &b->att[j];

			if (j == i || !h->device || !same_device(h, low) || (h->src & low->src) ||
			    att_rank(h->src) <= att_rank(low->src))
				continue;
			if (!best || att_rank(h->src) > att_rank(best->src))
				best = h;
		}
		if (best) {
			att_fold(best, low);
			low->device = NULL;	/* removed below */
			low->src = 0;
		}
	}
	for (i = 0; i < b->n_att; i++) {
		if (!b->att[i].device && !b->att[i].src)
			continue;
		if (out != i)
			b->att[out] = b->att[i];
		out++;
	}
	b->n_att = out;
}

/* --- the snapshot -------------------------------------------------------- */

static void read_release(struct dmabuf_snapshot *s)
{
	char buf[sizeof(s->kernel.release) + 1];
	int rootfd = dmabuf_root_open(s);
	ssize_t n = -1;

	if (rootfd >= 0) {
		n = dmabuf_read_small(rootfd, "proc/sys/kernel/osrelease", buf, sizeof(buf));
		close(rootfd);
	}
	if (n > 0) {
		size_t len = strcspn(buf, "\n");

		dmabuf_capture_file(s->capture, buf, (size_t)n, "proc/sys/kernel/osrelease");

		if (len >= sizeof(s->kernel.release))
			len = sizeof(s->kernel.release) - 1;
		memcpy(s->kernel.release, buf, len);
		s->kernel.release[len] = '\0';
	} else if (dmabuf_root_is_live(s)) {
		struct utsname u;

		if (!uname(&u))
			snprintf(s->kernel.release, sizeof(s->kernel.release), "%s", u.release);
	}
}

int dmabuf_collect(struct dmabuf_snapshot *s, const struct dmabuf_collect_opts *o)
{
	unsigned int want = o && o->sources ? o->sources : ~0u;
	pid_t pid = o ? o->pid : 0;
	size_t i;
	int ret = 0;

	read_release(s);
	if (!ret && (want & DMABUF_SRC_DEBUGFS))
		ret = dmabuf_collect_debugfs(s);
	if (!ret && (want & (DMABUF_SRC_FDINFO | DMABUF_SRC_PROCFS)))
		ret = dmabuf_collect_procfs(s, pid);
	if (!ret && (want & DMABUF_SRC_SYSFS))
		ret = dmabuf_collect_sysfs(s);
	/* on a captured tree, only the records of a report bundle (bpf/records.txt) */
	if (!ret && (want & DMABUF_SRC_BPF))
		ret = bpfsnap_collect(s, o && o->keep);
	if (!ret && (want & DMABUF_SRC_LAB))
		ret = dmabuf_collect_lab(s);
	/* a report bundle: the sources its capture could not read stay so */
	if (!ret && !dmabuf_root_is_live(s))
		ret = dmabuf_replay_sources(s);
	for (i = 0; i < s->n_buf; i++)
		if (s->buf[i].n_att > 1)
			merge_attachments(&s->buf[i]);
	dmabuf_snapshot_finish(s);
	return ret;
}

int dmabuf_collect_prepare(const char *root, const struct dmabuf_collect_opts *o)
{
	unsigned int want = o && o->sources ? o->sources : ~0u;
	struct dmabuf_snapshot *s;
	int ret;

	if (!o || !o->keep || !(want & DMABUF_SRC_BPF))
		return 0;
	s = dmabuf_snapshot_new(root);
	if (!s)
		return -ENOMEM;
	/* the choice dmabuf_collect() makes when procfs has read the owners */
	if (want & (DMABUF_SRC_FDINFO | DMABUF_SRC_PROCFS))
		s->status[SRC_INDEX(DMABUF_SRC_PROCFS)].state = DMABUF_SOURCE_OK;
	ret = bpfsnap_prepare(s);
	dmabuf_snapshot_free(s);
	return ret;
}

void dmabuf_collect_release(void)
{
	bpfsnap_release();
}

int dmabuf_parse_sources(const char *list, unsigned int *mask, char *why, size_t len)
{
	static const struct { const char *name; unsigned int bits; } names[] = {
		{ "bpf", DMABUF_SRC_BPF },
		{ "debugfs", DMABUF_SRC_DEBUGFS },
		{ "procfs", DMABUF_SRC_PROCFS | DMABUF_SRC_FDINFO },
		{ "sysfs", DMABUF_SRC_SYSFS },
		{ "lab", DMABUF_SRC_LAB },
	};
	const size_t n_names = sizeof(names) / sizeof(names[0]);
	const char *p = list;

	*mask = 0;
	if (len)
		why[0] = '\0';
	if (!strcmp(list, "auto"))
		return 0;
	while (*p) {
		size_t n = strcspn(p, ",+"), i;

		for (i = 0; n && i < n_names; i++)
			if (strlen(names[i].name) == n && !memcmp(p, names[i].name, n))
				break;
		if (n && i == n_names) {
			char word[4 * 32 + 1];

			dmabuf_escape(p, n < 32 ? n : 32, word, sizeof(word));
			snprintf(why, len, "unknown source '%s%s' (auto, bpf, debugfs, procfs, sysfs, "
				 "lab)", word, n > 32 ? "..." : "");
			return -EINVAL;
		}
		if (n)
			*mask |= names[i].bits;
		p += n + (p[n] != '\0');
	}
	if (!*mask) {
		snprintf(why, len, "no source named: auto, or a list of bpf, debugfs, procfs, "
			 "sysfs, lab");
		return -EINVAL;
	}
	return 0;
}
