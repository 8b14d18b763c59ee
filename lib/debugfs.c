// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * debugfs.c - the dma-buf core's /sys/kernel/debug/dma_buf/bufinfo.
 *
 * The file, every variant (drivers/dma-buf/dma-buf.c, dma_buf_debug_show):
 *
 *   Dma-buf Objects:
 *   size    \tflags   \tmode    \tcount   \texp_name\tino     \tname
 *   %08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s          one line per buffer
 *   \t<fence lines>                                  zero or more
 *   \tAttached Devices:
 *   \t<dev_name>                                     one per attachment
 *   Total N devices attached
 *   <empty line>
 *   ...
 *   Total N objects, M bytes
 *
 * - before 5.3 there is neither the ino nor the name column: such buffers
 *   get synthetic ids (DMABUF_INO_SYNTHETIC | position), said so in the
 *   source status, and nothing else can merge into them;
 * - the name column is "" for an unnamed buffer until ~6.0, "<none>" after
 *   (then "" is a buffer named ""): a file showing "<none>" anywhere is read
 *   the new way, any other the old way. A buffer really named "<none>", or
 *   named "" in a new file without unnamed buffers, reads wrong here; fdinfo,
 *   read later, has the exact name of every buffer with an fd and wins;
 * - fence lines: "\tExclusive fence: D T [un]signalled", "\tShared fence: …"
 *   (to ~5.16), "\t<usage> fence:D T seq N [un]signalled" (5.17+),
 *   "\t<usage> fence:CTX:SEQ T D [un]signalled" (newest). Whatever their
 *   shape, every line between a buffer line and "Attached Devices:" is fence
 *   text once one fence line was seen: fence names come from drivers and
 *   sw_sync (a task's comm) and may be anything;
 * - some vendor kernels separate the columns with spaces: accepted, but then
 *   an exporter or buffer name holding blanks is only recovered as the text
 *   between the columns around it (the ino column anchors the split).
 *
 * The buffer name is user-controlled (DMA_BUF_SET_NAME, at most 31 bytes)
 * and may hold tabs, escapes and newlines. Tabs are fine: the name is the
 * last column. A newline breaks the record: the lines after the buffer line
 * that are not fence lines nor "Attached Devices:" are taken as the rest of
 * the name as long as the whole stays within 31 bytes. The limit: a name
 * whose continuation looks like a fence line or "\tAttached Devices:" is cut
 * there. Such names are marked inexact (not exact); fdinfo's copy replaces
 * them when the buffer has an fd.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "capture.h"
#include "collect.h"
#include "collect_priv.h"
#include "escape.h"
#include "bufinfo_line.h"

#define BUFINFO_PATH "sys/kernel/debug/dma_buf/bufinfo"
#define DEBUGFS_MAGIC_NR 0x64626720
#define SRC_DEBUGFS SRC_INDEX(DMABUF_SRC_DEBUGFS)

enum bi_state { ST_START, ST_TABLE, ST_BUF, ST_ATT, ST_DONE };

struct bi_parser {
	struct dmabuf_snapshot *s;
	enum bi_state st;
	unsigned int lineno;
	int has_ino;		/* ino (and name) columns: 1, 0, -1 unknown */
	bool header;		/* "Dma-buf Objects:" seen */
	bool none_era;		/* unnamed buffers print "<none>": "" is a name */

	/* the buffer being read */
	bool cur;
	uint64_t cur_ino;
	unsigned int cur_line;
	bool fence_seen;
	bool name_open;		/* continuation lines may still extend the name */
	bool name_sure;		/* no line could have been part of the name (name_exact) */
	bool has_name;
	char name[256];
	size_t name_len;
	unsigned int ndev;

	unsigned int nbuf, synthetic;
	uint64_t bytes;
	bool footer;
	unsigned long long footer_n, footer_bytes;

	unsigned int problems;
	char problem[160];	/* the first one */
	int err;		/* -ENOMEM */
};

static void problem(struct bi_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct bi_parser *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->problems++) {
		va_start(ap, fmt);
		vsnprintf(p->problem, sizeof(p->problem), fmt, ap);
		va_end(ap);
	}
}

/* Ends the name part of the current buffer: the name is final now. */
static void close_name(struct bi_parser *p)
{
	struct dmabuf_buffer *b;

	if (!p->cur || !p->name_open)
		return;
	p->name_open = false;
	b = dmabuf_buffer_get(p->s, p->cur_ino, false);
	if (b && dmabuf_merge_name(p->s, b, p->has_name, p->name, p->name_len,
				   DMABUF_SRC_DEBUGFS, false))
		p->err = -ENOMEM;
}

static void end_buffer(struct bi_parser *p)
{
	close_name(p);
	p->cur = false;
}

static void start_buffer(struct bi_parser *p, const struct bline *bl)
{
	struct dmabuf_buffer *b;
	uint64_t key = bl->ino;

	if (!bl->has_ino) {
		key = DMABUF_INO_SYNTHETIC | (p->nbuf + 1);
		p->synthetic++;
	}
	p->nbuf++;
	p->bytes += bl->size;
	b = dmabuf_buffer_get(p->s, key, true);
	if (!b || dmabuf_merge_exporter(p->s, b, bl->exp, bl->exp_len, DMABUF_SRC_DEBUGFS)) {
		p->err = -ENOMEM;
		return;
	}
	dmabuf_merge_size(b, bl->size, DMABUF_SRC_DEBUGFS);
	dmabuf_merge_count(b, bl->count, DMABUF_SRC_DEBUGFS);
	if (!(b->src[DMABUF_F_FLAGS] & ~DMABUF_SRC_DEBUGFS)) {
		b->f_flags = (int)bl->flags;
		b->f_mode = (int)bl->mode;
		b->src[DMABUF_F_FLAGS] |= DMABUF_SRC_DEBUGFS;
	}
	b->src[DMABUF_F_ATTACHMENTS] |= DMABUF_SRC_DEBUGFS;
	p->cur = true;
	p->cur_ino = key;
	p->cur_line = p->lineno;
	p->fence_seen = false;
	p->ndev = 0;
	p->name_open = bl->has_ino;
	p->name_len = 0;
	p->has_name = false;
	/* "<none>" may be a name, "" before the "<none>" era may be none */
	p->name_sure = bl->has_ino && bl->tabbed;
	if (bl->has_ino && (bl->name_len || p->none_era) &&
	    !bl_line_is(bl->name, bl->name_len, "<none>")) {
		p->name_len = bl->name_len < sizeof(p->name) ? bl->name_len : sizeof(p->name);
		memcpy(p->name, bl->name, p->name_len);
		p->has_name = true;
	} else {
		p->name_sure = false;
	}
	if (!bl->has_ino)
		close_name(p);
}

/* A line after the buffer line that is neither fence nor "Attached Devices:". */
static bool name_continues(struct bi_parser *p, const char *l, size_t n)
{
	if (!p->name_open || p->fence_seen || p->name_len + 1 + n > DMABUF_NAME_MAX)
		return false;
	p->name[p->name_len++] = '\n';
	p->name_sure = false;
	memcpy(p->name + p->name_len, l, n);
	p->name_len += n;
	p->has_name = true;
	return true;
}

static void add_device(struct bi_parser *p, const char *l, size_t n)
{
	struct dmabuf_buffer *b = dmabuf_buffer_get(p->s, p->cur_ino, false);
	struct dmabuf_attachment *a;
	char dev[256];

	p->ndev++;
	if (!b)
		return;
	/* one tab of indentation; dev_name() itself holds no blanks at the start */
	while (n && bl_is_blank(*l)) {
		l++;
		n--;
	}
	if (n >= sizeof(dev))
		n = sizeof(dev) - 1;
	memcpy(dev, l, n);
	dev[n] = '\0';
	a = dmabuf_attachment_add(p->s, b, dev);
	if (!a) {
		p->err = -ENOMEM;
		return;
	}
	a->src |= DMABUF_SRC_DEBUGFS;
}

static void devices_total(struct bi_parser *p, unsigned long long v)
{
	struct dmabuf_buffer *b = dmabuf_buffer_get(p->s, p->cur_ino, false);

	if (b) {
		b->n_att_reported = v > 0x7fffffff ? 0x7fffffff : (int)v;
		/*
		 * A name holding "\n\tAttached Devices:" and more would have added
		 * lines that this count does not list.
		 */
		b->name_exact = p->name_sure && v == p->ndev;
	}
	if (v != p->ndev)
		problem(p, "line %u: buffer of line %u says %llu devices attached, lists %u",
			p->lineno, p->cur_line, v, p->ndev);
}

static void one_line(struct bi_parser *p, const char *l, size_t n)
{
	char ex[48];
	unsigned long long v, bytes;
	struct bline bl;
	size_t m;
	const char *c = bl_skip_blanks(l, n, &m);

	switch (p->st) {
	case ST_START:
		if (!n)
			return;
		if (bl_line_is(l, n, "Dma-buf Objects:")) {
			p->header = true;
			p->st = ST_TABLE;
			return;
		}
		if (bl_is_column_header(l, n, &p->has_ino) || bl_parse(l, n, -1, &bl) ||
		    bl_is_footer(l, n, &v, &bytes)) {
			problem(p, "line %u: no \"Dma-buf Objects:\" header", p->lineno);
			p->st = ST_TABLE;
			one_line(p, l, n);
			return;
		}
		problem(p, "line %u: expected \"Dma-buf Objects:\", got \"%s\"", p->lineno,
			dmabuf_excerpt(l, n, ex, sizeof(ex)));
		return;
	case ST_BUF:
		if (bl_line_is(c, m, "Attached Devices:") && c > l) {
			close_name(p);
			p->st = ST_ATT;
			return;
		}
		if (bl_is_fence(l, n)) {
			/* unless the name and this line are too long to be one name */
			p->name_sure &= !p->name_open || p->name_len + 1 + n > DMABUF_NAME_MAX;
			close_name(p);
			p->fence_seen = true;
			return;
		}
		if (name_continues(p, l, n))
			return;
		if (bl_is_devices_total(l, n, &v)) {
			devices_total(p, v);
			end_buffer(p);
			p->st = ST_TABLE;
			return;
		}
		/* a kernel that lists no attachments: next record */
		if (bl_parse(l, n, p->has_ino, &bl) || bl_is_footer(l, n, &v, &bytes)) {
			end_buffer(p);
			p->st = ST_TABLE;
			one_line(p, l, n);
			return;
		}
		if (p->fence_seen)
			return;	/* the rest of a fence line broken by a newline */
		problem(p, "line %u: unexpected \"%s\" in the buffer of line %u", p->lineno,
			dmabuf_excerpt(l, n, ex, sizeof(ex)), p->cur_line);
		return;
	case ST_ATT:
		if (bl_is_devices_total(l, n, &v)) {
			devices_total(p, v);
			end_buffer(p);
			p->st = ST_TABLE;
			return;
		}
		if (c > l && m) {
			add_device(p, l, n);
			return;
		}
		if (bl_parse(l, n, p->has_ino, &bl) || bl_is_footer(l, n, &v, &bytes)) {
			problem(p, "line %u: no \"Total N devices attached\" after the buffer "
				"of line %u", p->lineno, p->cur_line);
			end_buffer(p);
			p->st = ST_TABLE;
			one_line(p, l, n);
			return;
		}
		problem(p, "line %u: unexpected \"%s\" among the attached devices of line %u",
			p->lineno, dmabuf_excerpt(l, n, ex, sizeof(ex)), p->cur_line);
		return;
	case ST_TABLE:
		if (!n)
			return;
		if (bl_is_column_header(l, n, &p->has_ino))
			return;
		if (bl_parse(l, n, p->has_ino, &bl)) {
			start_buffer(p, &bl);
			p->st = ST_BUF;
			return;
		}
		if (bl_is_footer(l, n, &v, &bytes)) {
			p->footer = true;
			p->footer_n = v;
			p->footer_bytes = bytes;
			p->st = ST_DONE;
			return;
		}
		problem(p, "line %u: malformed buffer line \"%s\"", p->lineno,
			dmabuf_excerpt(l, n, ex, sizeof(ex)));
		return;
	case ST_DONE:
		if (n)
			problem(p, "line %u: text after the footer: \"%s\"", p->lineno,
				dmabuf_excerpt(l, n, ex, sizeof(ex)));
		return;
	}
}

static void report(struct bi_parser *p, bool cut, const char *cut_text, size_t cut_len)
{
	char ex[48], trunc[128] = "", synth[128] = "";
	enum dmabuf_source_state state = DMABUF_SOURCE_OK;

	if (cut)
		snprintf(trunc, sizeof(trunc), "line %u cut short (\"%s\", no newline); ",
			 p->lineno, dmabuf_excerpt(cut_text, cut_len, ex, sizeof(ex)));
	if (!p->footer) {
		size_t used = strlen(trunc);

		if (p->st == ST_BUF || p->st == ST_ATT)
			snprintf(trunc + used, sizeof(trunc) - used,
				 "truncated: no footer, the buffer of line %u is incomplete",
				 p->cur_line);
		else
			snprintf(trunc + used, sizeof(trunc) - used,
				 "truncated: no \"Total N objects, M bytes\" footer");
	} else if (p->footer_n != p->nbuf || p->footer_bytes != p->bytes) {
		snprintf(trunc, sizeof(trunc),
			 "footer says %llu objects, %llu bytes; %u objects, %llu bytes parsed",
			 p->footer_n, p->footer_bytes, p->nbuf, (unsigned long long)p->bytes);
	}
	if (p->synthetic)
		snprintf(synth, sizeof(synth),
			 "kernel shows no inode (before 5.3): %u buffers keyed by synthetic ids, "
			 "not merged with other sources", p->synthetic);
	if (!p->header && !p->nbuf && !p->footer) {
		dmabuf_source_set(p->s, SRC_DEBUGFS, DMABUF_SOURCE_FAILED, EINVAL,
				  "not a bufinfo file: %s", p->problems ? p->problem : trunc);
		return;
	}
	if (trunc[0] || p->problems)
		state = p->nbuf ? DMABUF_SOURCE_PARTIAL : DMABUF_SOURCE_FAILED;
	if (state == DMABUF_SOURCE_OK)
		dmabuf_source_set(p->s, SRC_DEBUGFS, state, 0, "%u buffers%s%s", p->nbuf,
				  synth[0] ? "; " : "", synth);
	else
		dmabuf_source_set(p->s, SRC_DEBUGFS, state, EINVAL, "%s%s%s%s%s%s", trunc,
				  trunc[0] && p->problems ? "; " : "",
				  p->problems ? p->problem : "",
				  p->problems > 1 ? " (and more)" : "",
				  synth[0] ? "; " : "", synth);
}

int dmabuf_parse_bufinfo(struct dmabuf_snapshot *s, const char *text, size_t len)
{
	struct bi_parser p = { .s = s, .st = ST_START, .has_ino = -1 };
	const char *l = text, *e = text + len;

	p.none_era = memmem(text, len, "\t<none>\n", 8) != NULL;

	while (l < e && !p.err) {
		const char *nl = memchr(l, '\n', (size_t)(e - l));

		p.lineno++;
		if (!nl) {
			/* cut mid-line: a half line is not trusted */
			if (p.cur)
				end_buffer(&p);
			report(&p, true, l, (size_t)(e - l));
			return p.err;
		}
		one_line(&p, l, (size_t)(nl - l));
		l = nl + 1;
	}
	if (p.cur)
		end_buffer(&p);
	if (!len) {
		dmabuf_source_set(s, SRC_DEBUGFS, DMABUF_SOURCE_FAILED, EINVAL, "bufinfo is empty");
		return 0;
	}
	report(&p, false, NULL, 0);
	return p.err;
}

/* Why bufinfo is not there, as precisely as the root tells. */
static void explain_missing(struct dmabuf_snapshot *s, int rootfd, int err)
{
	bool live = dmabuf_root_is_live(s);
	struct statfs sf;
	int fd;

	if (err == EACCES || err == EPERM) {
		dmabuf_source_set(s, SRC_DEBUGFS, DMABUF_SOURCE_FAILED, err, "%s%s: needs root%s",
				  live ? "/" : "", BUFINFO_PATH,
				  err == EPERM ? " (or debugfs is restricted: kernel lockdown, "
				  "debugfs= boot option)" : "");
		return;
	}
	if (err != ENOENT && err != ENOTDIR) {
		dmabuf_source_set(s, SRC_DEBUGFS, DMABUF_SOURCE_FAILED, err, "%s: %s", BUFINFO_PATH,
				  strerror(err));
		return;
	}
	if (!live) {
		dmabuf_source_set(s, SRC_DEBUGFS, DMABUF_SOURCE_UNAVAILABLE, err,
				  "no %s in %s (not captured)", BUFINFO_PATH, s->root);
		return;
	}
	fd = openat(rootfd, "sys/kernel/debug", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		dmabuf_source_set(s, SRC_DEBUGFS, DMABUF_SOURCE_FAILED, errno,
				  "/sys/kernel/debug: needs root");
		return;
	}
	if (fd < 0 || fstatfs(fd, &sf) || sf.f_type != DEBUGFS_MAGIC_NR) {
		if (fd >= 0)
			close(fd);
		dmabuf_source_set(s, SRC_DEBUGFS, DMABUF_SOURCE_UNAVAILABLE, err,
				  "debugfs not mounted: mount -t debugfs none /sys/kernel/debug");
		return;
	}
	close(fd);
	dmabuf_source_set(s, SRC_DEBUGFS, DMABUF_SOURCE_UNAVAILABLE, err,
			  "debugfs has no dma_buf/bufinfo: kernel without CONFIG_DEBUG_FS "
			  "dma-buf support");
}

int dmabuf_collect_debugfs(struct dmabuf_snapshot *s)
{
	int rootfd = dmabuf_root_open(s), ret;
	char *text = NULL;
	size_t len = 0;

	if (rootfd < 0) {
		dmabuf_source_set(s, SRC_DEBUGFS, DMABUF_SOURCE_FAILED, -rootfd, "root %s: %s",
				  s->root, strerror(-rootfd));
		return 0;
	}
	ret = dmabuf_read_whole(rootfd, BUFINFO_PATH, &text, &len);
	if (ret == -ENOMEM) {
		close(rootfd);
		return ret;
	}
	if (ret) {
		explain_missing(s, rootfd, -ret);
		close(rootfd);
		return 0;
	}
	close(rootfd);
	dmabuf_capture_file(s->capture, text, len, "%s", BUFINFO_PATH);
	ret = dmabuf_parse_bufinfo(s, text, len);
	free(text);
	return ret;
}
