// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpfsnap_run.c - the BPF snapshot's programs run: each iterator read to
 * its end (one read() per 128 KiB, no syscall per buffer) and its records
 * merged into the model as they come (bpfsnap_parse.c), the exporter ops
 * named, and the bpf source's report (what was read, what could not be).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfsnap_priv.h"
#include "capture.h"
#include "bpf/snapshot.skel.h"	/* the globals' type only: bpfsnap.c opens it */

#define READ_CHUNK (128 * 1024)

/*
 * The buffer the iterators are read into: one for every run of the process
 * (a fresh process faults in every page it touches; three runs of three
 * buffers cost the snapshot 64 page faults more), freed by bpfsnap_release().
 */
static char *chunk;

static char *read_chunk(void)
{
	if (!chunk)
		chunk = malloc(READ_CHUNK);
	return chunk;
}

/* Runs iterator NAME's link (fd LINK_FD) to its end, merging what it writes. */
static int run_iter(struct dmabuf_snapshot *s, const char *name, int link_fd,
		    struct bpfsnap_stats *st)
{
	char *buf = read_chunk();
	size_t have = 0;
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	dmabuf_capture_bpf_iter(s->capture, name, st->owners_of_known);
	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, READ_CHUNK - have);
		int used;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (!n)
			break;
		have += (size_t)n;
		used = bpfsnap_parse(s, buf, have, st);
		if (used < 0) {
			ret = used;
			break;
		}
		dmabuf_capture_bpf_records(s->capture, buf, (size_t)used);
		memmove(buf, buf + used, have - (size_t)used);
		have -= (size_t)used;
	}
	if (!ret && have)
		ret = -EBADMSG;
	close(fd);
	return ret;
}

/* Reads iterator WHICH of P to its end. */
static int run_one(struct dmabuf_snapshot *s, struct bpfsnap_stats *st, const struct progs *p,
		   int which)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	union bpf_iter_link_info info;
	int link, err;

	if (p->links)
		return run_iter(s, prog_name[which], p->fd[which], st);
	if (which == P_LIST) {
		memset(&info, 0, sizeof(info));
		info.map.map_fd = (__u32)p->chunks_fd;
		opts.iter_info = &info;
		opts.iter_info_len = sizeof(info);
	}
	link = bpf_link_create(p->fd[which], 0, BPF_TRACE_ITER, &opts);
	if (link < 0)
		return -errno;
	err = run_iter(s, prog_name[which], link, st);
	close(link);
	return err;
}

/* Runs the programs P; 0, 1 when the source state says they failed, or -ENOMEM. */
int run_progs(struct dmabuf_snapshot *s, struct run *r, const struct progs *p)
{
	struct snapshot_bpf__bss bss = { 0 };
	int err, zero = 0;

	if (r->mode == MODE_DMABUF) {
		err = run_one(s, &r->st, p, P_DMABUF);
		r->st.owners_of_known = true;
		if (!err && r->owner_walk)
			err = run_one(s, &r->st, p, P_OWNERS);
	} else {
		err = run_one(s, &r->st, p, P_TASK_FILE);
		if (!err && r->use_list)
			err = run_one(s, &r->st, p, P_LIST);
	}
	/* mappings of the buffers read above only, as the owner walk's owners */
	r->st.owners_of_known = true;
	if (!err && r->map_walk)
		err = run_one(s, &r->st, p, P_TASK_VMA);
	if (p->bss_fd >= 0 && bpf_map_lookup_elem(p->bss_fd, &zero, &bss))
		memset(&bss, 0, sizeof(bss));
	r->features = p->links ? pinned_features(p->fd[P_DMABUF]) : bss.features;
	r->walk_state = p->links ? SNAP_WALK_NONE : bss.walk_state;
	if (err == -ENOMEM)
		return err;
	if (err) {
		dmabuf_source_set(s, SRC_BPF_I, err == -EPERM ? DMABUF_SOURCE_UNAVAILABLE
							      : DMABUF_SOURCE_FAILED, -err,
				  err == -EPERM ? "needs CAP_BPF and CAP_PERFMON (run as root)"
						: "reading the BPF iterator: %s", strerror(-err));
		return 1;
	}
	return 0;
}

/* Names each buffer's exporter ops from the SNAP_REC_OPS records. */
int resolve_ops(struct dmabuf_snapshot *s, struct bpfsnap_stats *st)
{
	const struct bpfsnap_sym *hit = NULL, *shared_for = NULL;
	char *shared = NULL;
	size_t i, j;

	for (i = 0; i < st->n_ops; i++) {
		struct dmabuf_buffer *b;

		if (!hit || hit->addr != st->ops[i].addr) {	/* a handful of exporters */
			for (j = 0, hit = NULL; j < st->n_names && !hit; j++)
				if (st->names[j].addr == st->ops[i].addr)
					hit = &st->names[j];
		}
		b = hit ? dmabuf_buffer_get(s, st->ops[i].ino, false) : NULL;
		if (!b)
			continue;
		/* one copy per exporter, shared: arena strings are never freed alone */
		if (hit != shared_for &&
		    dmabuf_set_str(s, &shared, hit->name, strlen(hit->name)))
			return -ENOMEM;
		shared_for = hit;
		b->exp_ops = shared;
		b->src[DMABUF_F_EXP_OPS] |= DMABUF_SRC_BPF;
	}
	return 0;
}

/* "ino 12 34 ..." of the buffers debugfs listed and BPF did not reach. */
static size_t unreached(const struct dmabuf_snapshot *s, char *out, size_t len)
{
	size_t i, count = 0, used = 0;

	out[0] = '\0';
	for (i = 0; i < s->n_buf; i++) {
		const struct dmabuf_buffer *b = &s->buf[i];

		if (!(b->seen & DMABUF_SRC_DEBUGFS) || (b->seen & DMABUF_SRC_BPF))
			continue;
		if (used < len) {
			int n = snprintf(out + used, len - used, "%s%llu", count ? " " : "ino ",
					 (unsigned long long)b->ino);

			used += n > 0 ? (size_t)n : 0;
		}
		count++;
	}
	return count;
}

void report(struct dmabuf_snapshot *s, struct run *r)
{
	bool debugfs = s->status[SRC_INDEX(DMABUF_SRC_DEBUGFS)].state == DMABUF_SOURCE_OK ||
		       s->status[SRC_INDEX(DMABUF_SRC_DEBUGFS)].state == DMABUF_SOURCE_PARTIAL;
	struct bpfsnap_stats *st = &r->st;
	enum dmabuf_source_state state = DMABUF_SOURCE_OK;
	char how[200], missing[96], extra[200] = "";
	size_t nmiss = debugfs ? unreached(s, missing, sizeof(missing)) : 0;
	bool walked = r->walk_state == SNAP_WALK_DONE;

	if (r->mode == MODE_DMABUF) {
		char late[64] = "";

		if (st->owners_late)
			snprintf(late, sizeof(late), " (%zu of newer buffers left out)",
				 st->owners_late);
		const char *pinned = r->pinned ? " (pinned)" : r->cached ? " (cached load)" : "";

		if (r->owner_walk)
			snprintf(how, sizeof(how), "iter/dmabuf%s: %zu buffers, %zu attachments; "
				 "owner walk: %zu fds%s", pinned, st->bufs[SNAP_VIA_DMABUF],
				 st->atts, st->owners, late);
		else
			snprintf(how, sizeof(how), "iter/dmabuf%s: %zu buffers, %zu attachments; "
				 "owner walk: %s", pinned, st->bufs[SNAP_VIA_DMABUF], st->atts,
				 r->owner_fail[0] ? "not run" : "skipped, procfs has the owners");
		if (r->owner_fail[0])
			state = DMABUF_SOURCE_PARTIAL;
	} else {
		snprintf(how, sizeof(how), "iter/task_file%s: %zu buffers with an fd; list %s: %zu "
			 "held only by drivers", r->cached ? " (cached load)" : "",
			 st->bufs[SNAP_VIA_TASK_FILE],
			 r->use_list ? r->list_name : "-", st->bufs[SNAP_VIA_LIST]);
		if (!walked) {
			state = DMABUF_SOURCE_PARTIAL;
			snprintf(extra, sizeof(extra), "; buffers held only by drivers not reached (%s)",
				 !r->use_list ? r->why_no_list :
				 r->walk_state == SNAP_WALK_TOO_LONG ? "the list is too long" :
				 "the list changed under the walk or is not the dma-buf list");
		}
	}
	if (r->map_walk)
		snprintf(how + strlen(how), sizeof(how) - strlen(how), "; vma walk: %zu mappings",
			 st->maps);
	else if (r->map_fail[0])
		state = DMABUF_SOURCE_PARTIAL;
	if (st->att_truncated || st->att_broken) {
		state = DMABUF_SOURCE_PARTIAL;
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "; %zu attachment lists cut at %d, %zu changed under the walk",
			 st->att_truncated, SNAP_MAX_ATT, st->att_broken);
	}
	if (nmiss) {
		state = DMABUF_SOURCE_PARTIAL;
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "; %zu buffers in debugfs not reached: %s", nmiss, missing);
	} else if (!walked && r->mode == MODE_TASK_FILE && !debugfs) {
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "; collect debugfs too to list them");
	}
	dmabuf_source_set(s, SRC_BPF_I, state, 0, "%s%s%s%s", how, extra,
			  r->dropped[0] ? "; " : "", r->dropped);
}

void bpfsnap_run_release(void)
{
	free(chunk);
	chunk = NULL;
}
