/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lab_util.h - helpers of the dmabuf_lab guest tests: thin ioctl wrappers
 * returning 0 or -errno, the expectation model of the dma-buf core, readers
 * of the module's debugfs state, bufinfo and the kernel log.
 */
#ifndef DMABUF_LAB_UTIL_H
#define DMABUF_LAB_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dmabuf_lab.h"

#define LAB_STATE_PATH		"/sys/kernel/debug/dmabuf_lab/state"
#define LAB_BUFINFO_PATH	"/sys/kernel/debug/dma_buf/bufinfo"
#define LAB_MODULE_PATH		"/lib/modules/dmabuf_lab.ko"	/* where the initramfs has it */

#define LAB_ARG(var) do { memset(&(var), 0, sizeof(var)); (var).size = sizeof(var); } while (0)

/* Unloads the module: 0, or -EWOULDBLOCK while a device file or lab buffer fd is open. */
static inline int lab_module_unload(void)
{
	return syscall(SYS_delete_module, "dmabuf_lab", O_NONBLOCK) ? -errno : 0;
}

static inline int lab_module_load(void)
{
	int fd = open(LAB_MODULE_PATH, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int lab_open(void)
{
	return open(DMABUF_LAB_DEVICE, O_RDWR | O_CLOEXEC);
}

static inline int lab_ioc(int dev, unsigned long cmd, void *arg)
{
	return ioctl(dev, cmd, arg) ? -errno : 0;
}

static inline int lab_info(int dev, struct dmabuf_lab_info *info)
{
	LAB_ARG(*info);
	return lab_ioc(dev, DMABUF_LAB_IOC_INFO, info);
}

/* Exports a buffer; returns the fd (or 0 when kernel-held) or -errno. */
static inline int lab_export(int dev, __u32 mode, __u32 pages, const char *name, __u32 flags,
			     struct dmabuf_lab_export *out)
{
	struct dmabuf_lab_export a;
	int ret;

	LAB_ARG(a);
	a.mode = mode;
	a.pages = pages;
	a.flags = flags;
	if (name)
		snprintf(a.name, sizeof(a.name), "%s", name);
	ret = lab_ioc(dev, DMABUF_LAB_IOC_EXPORT, &a);
	if (out)
		*out = a;
	if (ret)
		return ret;
	return a.fd >= 0 ? a.fd : 0;
}

static inline int lab_attach(int dev, __u32 flags, int fd, __u32 buf_id, __u32 importer,
			     __u32 mode, struct dmabuf_lab_attach *out)
{
	struct dmabuf_lab_attach a;
	int ret;

	LAB_ARG(a);
	a.flags = flags;
	a.fd = fd;
	a.buf_id = buf_id;
	a.importer = importer;
	a.mode = mode;
	ret = lab_ioc(dev, DMABUF_LAB_IOC_ATTACH, &a);
	if (out)
		*out = a;
	return ret ? ret : (int)a.att_id;
}

static inline int lab_map(int dev, __u32 att, __u32 dir, __u32 flags, struct dmabuf_lab_map *out)
{
	struct dmabuf_lab_map a;
	int ret;

	LAB_ARG(a);
	a.att_id = att;
	a.dir = dir;
	a.flags = flags;
	ret = lab_ioc(dev, DMABUF_LAB_IOC_MAP, &a);
	if (out)
		*out = a;
	return ret;
}

static inline int lab_ref(int dev, unsigned long cmd, __u32 id, __u32 flags)
{
	struct dmabuf_lab_ref a;

	LAB_ARG(a);
	a.id = id;
	a.flags = flags;
	return lab_ioc(dev, cmd, &a);
}

#define lab_unmap(dev, att, flags)	lab_ref(dev, DMABUF_LAB_IOC_UNMAP, att, flags)
#define lab_detach(dev, att)		lab_ref(dev, DMABUF_LAB_IOC_DETACH, att, 0)
#define lab_release(dev, buf_id)	lab_ref(dev, DMABUF_LAB_IOC_RELEASE, buf_id, 0)

static inline int lab_att_info(int dev, __u32 att, struct dmabuf_lab_att_info *out)
{
	LAB_ARG(*out);
	out->att_id = att;
	return lab_ioc(dev, DMABUF_LAB_IOC_ATT_INFO, out);
}

/* Buffer info by fd, or by id when fd < 0. */
static inline int lab_buf_info(int dev, int fd, __u32 buf_id, struct dmabuf_lab_buf_info *out)
{
	LAB_ARG(*out);
	out->fd = fd;
	out->buf_id = buf_id;
	out->flags = fd < 0 ? DMABUF_LAB_BY_ID : 0;
	return lab_ioc(dev, DMABUF_LAB_IOC_BUF_INFO, out);
}

static inline int lab_move(int dev, int fd, struct dmabuf_lab_move *out)
{
	LAB_ARG(*out);
	out->fd = fd;
	return lab_ioc(dev, DMABUF_LAB_IOC_MOVE, out);
}

static inline const char *lab_exp_mode_name(__u32 mode)
{
	switch (mode) {
	case DMABUF_LAB_EXP_STATIC:
		return "static";
	case DMABUF_LAB_EXP_STATIC_CACHED:
		return "static_cached";
	case DMABUF_LAB_EXP_DYNAMIC:
		return "dynamic";
	}
	return "?";
}

static inline const char *lab_imp_mode_name(__u32 mode)
{
	return mode == DMABUF_LAB_IMP_DYNAMIC ? "dynamic" : "static";
}

static inline const char *lab_dir_name(__u32 dir)
{
	static const char *const names[] = { "bidirectional", "to_device", "from_device", "none" };

	return dir < 4 ? names[dir] : "?";
}

/*
 * What the running kernel's dma-buf core does for one attachment, computed
 * from the facts DMABUF_LAB_IOC_INFO reports (never from a version number):
 *  - with an attach-time cache (FEAT_SGT_CACHE), an importer and exporter
 *    that disagree about being dynamic get one DMA_BIDIRECTIONAL mapping at
 *    attach, returned by every map whatever the direction; a dynamic
 *    exporter stays pinned from attach to detach;
 *  - a cache_sgt_mapping exporter (same kernels) caches the first map; a
 *    later map in another direction fails with -EBUSY unless the cached one
 *    is bidirectional;
 *  - otherwise each map calls the exporter, and a dynamic exporter is pinned
 *    for the mapping's life if the importer is static or MOVE_NOTIFY is off.
 */
struct lab_model {
	bool attach_cached;	/* the table made at attach answers every map */
	bool cache_first;	/* cache_sgt_mapping: the first map is cached */
	bool pin_on_map;	/* a dynamic exporter is pinned per mapping */
	bool have_cached;	/* a table is cached now */
	__u32 cached_dir;	/* its direction */
};

static inline void lab_model_init(struct lab_model *m, const struct dmabuf_lab_info *info,
				  bool exp_dynamic, __u32 exp_mode, bool imp_dynamic)
{
	bool sgt_cache = info->features & DMABUF_LAB_FEAT_SGT_CACHE;

	memset(m, 0, sizeof(*m));
	m->attach_cached = sgt_cache && exp_dynamic != imp_dynamic;
	m->cache_first = sgt_cache && !m->attach_cached && exp_mode == DMABUF_LAB_EXP_STATIC_CACHED;
	m->pin_on_map = exp_dynamic && !m->attach_cached &&
			(!imp_dynamic || info->move_notify == DMABUF_LAB_MOVE_NOTIFY_OFF);
	m->have_cached = m->attach_cached;
	m->cached_dir = m->attach_cached ? DMABUF_LAB_DIR_BIDIRECTIONAL : DMABUF_LAB_DIR_NONE;
}

/* The expected result of one map in @dir: -EBUSY, or 0 with *cached set. */
static inline int lab_model_map(struct lab_model *m, __u32 dir, bool *cached)
{
	*cached = false;
	if (m->have_cached) {
		if (m->cached_dir != dir && m->cached_dir != DMABUF_LAB_DIR_BIDIRECTIONAL)
			return -EBUSY;
		*cached = true;
		return 0;
	}
	if (m->cache_first) {
		m->have_cached = true;
		m->cached_dir = dir;
	}
	return 0;
}

/* Reads a whole (proc/debugfs) file; NULL on error. Free the result. */
static inline char *lab_read_file(const char *path)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger = realloc(buf, 2 * cap + 1);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Copies the line of @text starting with @prefix into @line; 0 or -ENOENT. */
static inline int lab_find_line(const char *text, const char *prefix, char *line, size_t size)
{
	size_t plen = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len >= plen && !strncmp(p, prefix, plen)) {
			if (len >= size)
				len = size - 1;
			memcpy(line, p, len);
			line[len] = '\0';
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

/* The value of token @key=... in a state line; 0 or -ENOENT. */
static inline int lab_token(const char *line, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = line;

	while ((p = strchr(p, ' '))) {
		p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t len = strcspn(p + klen + 1, " ");

			if (len >= size)
				len = size - 1;
			memcpy(val, p + klen + 1, len);
			val[len] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

/* The numeric token @key of the state line for "att id=N" or "buf id=N". */
static inline long lab_state_num(const char *kind, unsigned int id, const char *key)
{
	char prefix[32], line[1024], val[64];
	char *state = lab_read_file(LAB_STATE_PATH);
	long ret = -1;

	if (!state)
		return -1;
	snprintf(prefix, sizeof(prefix), "%s id=%u ", kind, id);
	if (!lab_find_line(state, prefix, line, sizeof(line)) &&
	    !lab_token(line, key, val, sizeof(val)))
		ret = strtol(val, NULL, 10);
	free(state);
	return ret;
}

/*
 * Does bufinfo list @dev under "Attached Devices" of the buffer with inode
 * @ino? Object lines are tab-separated with the inode in the sixth column;
 * attached devices are the tab-indented lines after them.
 */
static inline bool lab_bufinfo_has_dev(unsigned long long ino, const char *dev)
{
	char *text = lab_read_file(LAB_BUFINFO_PATH), *line, *save = NULL;
	bool in_buf = false, found = false;

	if (!text)
		return false;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] >= '0' && line[0] <= '9') {
			char *col = line;
			int i;

			for (i = 0; i < 5 && col; i++) {
				col = strchr(col, '\t');
				if (col)
					col++;
			}
			in_buf = col && strtoull(col, NULL, 10) == ino;
		} else if (in_buf && line[0] == '\t' && !strcmp(line + 1, dev)) {
			found = true;
		}
	}
	free(text);
	return found;
}

/* Kernel log lines that mean a splat, as the host's judge.awk counts them. */
static inline int lab_klog_splats(void)
{
	static const char *const marks[] = { "WARNING:", "BUG:", "Oops", "Call Trace:",
					     "possible circular locking",
					     "possible recursive locking" };
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	int n, found = 0;
	unsigned int i;
	char *buf;

	if (len <= 0)
		return -1;
	buf = malloc(len + 1);
	if (!buf)
		return -1;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		const char *p = buf;

		while ((p = strstr(p, marks[i]))) {
			found++;
			p++;
		}
	}
	free(buf);
	return found;
}

#endif
