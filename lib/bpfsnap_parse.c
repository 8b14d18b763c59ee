// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpfsnap_parse.c - the offline half of the BPF snapshot collector
 * (lib/bpfsnap.c), declared in include/snapshot.h for its unit tests:
 * merging the records the iterators wrote into the model with
 * DMABUF_SRC_BPF, finding the global dma-buf list in /proc/kallsyms, and
 * CONFIG_DMABUF_MOVE_NOTIFY in a kernel config.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "collect_priv.h"
#include "snapshot.h"

/* --- records -> model ---------------------------------------------------- */

static size_t cstrlen(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);

	return nul ? (size_t)(nul - s) : max;
}

static int add_ops(struct bpfsnap_stats *st, uint64_t ino, uint64_t addr)
{
	if (!addr)
		return 0;
	if (st->n_ops == st->cap_ops) {
		size_t cap = st->cap_ops ? st->cap_ops * 2 : 256;
		struct bpfsnap_ops *n = realloc(st->ops, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		st->ops = n;
		st->cap_ops = cap;
	}
	st->ops[st->n_ops++] = (struct bpfsnap_ops){ .ino = ino, .addr = addr };
	return 0;
}

static int take_buf(struct dmabuf_snapshot *s, const struct snap_buf *r,
		    struct bpfsnap_stats *st)
{
	struct dmabuf_buffer *b = dmabuf_buffer_get(s, r->ino, true);
	size_t nlen;

	if (!b)
		return -ENOMEM;
	st->bufs[r->hdr.via & 3]++;
	/* shown twice (a full dedupe map): the first showing's attachments stay */
	st->skipping = b->src[DMABUF_F_ATTACHMENTS] & DMABUF_SRC_BPF;
	st->skip_ino = r->ino;
	dmabuf_merge_size(b, r->size, DMABUF_SRC_BPF);
	if (dmabuf_merge_exporter(s, b, r->exp_name, cstrlen(r->exp_name, sizeof(r->exp_name)),
				  DMABUF_SRC_BPF))
		return -ENOMEM;
	nlen = cstrlen(r->name, sizeof(r->name));
	/* a binary copy, exact unless the kernel's name was longer than ours */
	if (dmabuf_merge_name(s, b, r->flags & SNAP_BUF_HAS_NAME, r->name, nlen, DMABUF_SRC_BPF,
			      !(r->flags & SNAP_BUF_NAME_CUT)))
		return -ENOMEM;
	if (r->flags & SNAP_BUF_COUNT_VALID)
		dmabuf_merge_count(b, (long)r->file_count, DMABUF_SRC_BPF);
	b->f_flags = (int)r->f_flags;
	b->f_mode = (int)r->f_mode;
	b->src[DMABUF_F_FLAGS] |= DMABUF_SRC_BPF;
	if (r->flags & SNAP_BUF_HAS_PIN) {
		b->exporter_dynamic = !!(r->flags & SNAP_BUF_EXP_DYNAMIC);
		b->src[DMABUF_F_EXP_DYNAMIC] |= DMABUF_SRC_BPF;
	}
	if (!st->skipping)
		b->src[DMABUF_F_ATTACHMENTS] |= DMABUF_SRC_BPF;
	b->seen |= DMABUF_SRC_BPF;
	return st->skipping ? 0 : add_ops(st, r->ino, r->ops);
}

static int take_att(struct dmabuf_snapshot *s, const struct snap_att *r,
		    struct bpfsnap_stats *st)
{
	struct dmabuf_attachment *a;
	struct dmabuf_buffer *b;
	char drv[SNAP_BUS_NAME_LEN + SNAP_DRV_NAME_LEN + 2];
	size_t dlen, blen;

	if (st->skipping && st->skip_ino == r->ino)
		return 0;
	if (r->flags & SNAP_ATT_LIST_BROKEN) {
		st->att_broken++;
		return 0;
	}
	b = dmabuf_buffer_get(s, r->ino, true);
	if (!b)
		return -ENOMEM;
	a = dmabuf_attachment_add(s, b, NULL);
	if (!a || dmabuf_set_str(s, &a->device, r->dev_name,
				   cstrlen(r->dev_name, sizeof(r->dev_name))))
		return -ENOMEM;
	dlen = cstrlen(r->driver, sizeof(r->driver));
	blen = cstrlen(r->bus, sizeof(r->bus));
	if (dlen) {
		int n = snprintf(drv, sizeof(drv), "%.*s%s%.*s", (int)blen, r->bus, blen ? "/" : "",
				 (int)dlen, r->driver);

		if (dmabuf_set_str(s, &a->driver, drv, (size_t)n))
			return -ENOMEM;
	}
	if (r->flags & SNAP_ATT_HAS_IMPORTER_OPS)
		a->importer_dynamic = !!(r->flags & SNAP_ATT_IMP_DYNAMIC);
	if (r->flags & SNAP_ATT_HAS_P2P)
		a->peer2peer = !!(r->flags & SNAP_ATT_P2P);
	if (r->flags & SNAP_ATT_HAS_SGT) {
		a->cached = !!(r->flags & SNAP_ATT_CACHED);
		a->cached_dir = a->cached && r->dir <= DMABUF_DIR_NONE ? (int)r->dir
								      : DMABUF_UNKNOWN;
	}
	a->src |= DMABUF_SRC_BPF;
	if (r->flags & SNAP_ATT_LIST_TRUNCATED)
		st->att_truncated++;
	st->atts++;
	return 0;
}

/*
 * The owner of buffer INO that process PID (COMM) is, for an owner or map
 * record; NULL with *ERR 0 when the buffer is newer than the buffer walk (not
 * in this snapshot: counted), or with *ERR -ENOMEM.
 */
static struct dmabuf_owner *owner_for(struct dmabuf_snapshot *s, uint64_t ino, __u32 pid,
				      const char *rcomm, struct bpfsnap_stats *st, int *err)
{
	struct dmabuf_buffer *b = dmabuf_buffer_get(s, ino, !st->owners_of_known);
	struct dmabuf_owner *o;
	char comm[SNAP_COMM_LEN + 1];

	*err = 0;
	if (st->owners_of_known && (!b || !(b->seen & DMABUF_SRC_BPF))) {
		st->owners_late++;
		return NULL;
	}
	memcpy(comm, rcomm, SNAP_COMM_LEN);
	comm[cstrlen(rcomm, SNAP_COMM_LEN)] = '\0';
	o = b ? dmabuf_owner_get(s, b, (pid_t)pid, comm) : NULL;
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	o->src |= DMABUF_SRC_BPF;
	b->src[DMABUF_F_OWNERS] |= DMABUF_SRC_BPF;
	b->seen |= DMABUF_SRC_BPF;
	return o;
}

static int take_owner(struct dmabuf_snapshot *s, const struct snap_owner *r,
		      struct bpfsnap_stats *st)
{
	struct dmabuf_owner *o;
	unsigned int i;
	int err;

	o = owner_for(s, r->ino, r->pid, r->comm, st, &err);
	if (!o)
		return err;
	for (i = 0; i < o->nfds && o->fds[i] != (int)r->fd; i++)
		;
	if (i == o->nfds && dmabuf_owner_add_fd(s, o, (int)r->fd))
		return -ENOMEM;
	st->owners++;
	return 0;
}

static int take_map(struct dmabuf_snapshot *s, const struct snap_map *r,
		    struct bpfsnap_stats *st)
{
	struct dmabuf_owner *o;
	int err;

	o = owner_for(s, r->ino, r->pid, r->comm, st, &err);
	if (!o)
		return err;
	o->nmaps++;
	o->mapped_bytes += r->bytes;
	st->maps++;
	return 0;
}

static int take_ops(const struct snap_ops *r, struct bpfsnap_stats *st)
{
	size_t len = cstrlen(r->name, sizeof(r->name)), i;

	/* "0x...": the kernel has no symbol there */
	if (!len || !r->addr || !strncmp(r->name, "0x", 2))
		return 0;
	for (i = 0; i < st->n_names; i++)
		if (st->names[i].addr == r->addr)
			return 0;
	if (st->n_names == st->cap_names) {
		size_t cap = st->cap_names ? st->cap_names * 2 : 8;
		struct bpfsnap_sym *n = realloc(st->names, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		st->names = n;
		st->cap_names = cap;
	}
	st->names[st->n_names].addr = r->addr;
	st->names[st->n_names].name = strndup(r->name, len);
	return st->names[st->n_names++].name ? 0 : -ENOMEM;
}

int bpfsnap_parse(struct dmabuf_snapshot *s, const void *data, size_t len,
		  struct bpfsnap_stats *st)
{
	const unsigned char *p = data;
	size_t used = 0;

	while (len - used >= sizeof(struct snap_hdr)) {
		union {
			struct snap_hdr h;
			struct snap_buf b;
			struct snap_att a;
			struct snap_owner o;
			struct snap_ops n;
			struct snap_map m;
		} copy;
		const void *r = p + used;
		struct snap_hdr h;
		size_t want;
		int err;

		memcpy(&h, r, sizeof(h));
		switch (h.kind) {
		case SNAP_REC_BUF: want = sizeof(copy.b); break;
		case SNAP_REC_ATT: want = sizeof(copy.a); break;
		case SNAP_REC_OWNER: want = sizeof(copy.o); break;
		case SNAP_REC_OPS: want = sizeof(copy.n); break;
		case SNAP_REC_MAP: want = sizeof(copy.m); break;
		default: return -EBADMSG;
		}
		if (h.size != want)
			return -EBADMSG;
		if (len - used < want)
			break;
		/* records are multiples of 8 bytes: read in place when aligned */
		if ((uintptr_t)r % _Alignof(typeof(copy))) {
			memcpy(&copy, r, want);
			r = &copy;
		}
		if (h.kind == SNAP_REC_BUF)
			err = take_buf(s, r, st);
		else if (h.kind == SNAP_REC_ATT)
			err = take_att(s, r, st);
		else if (h.kind == SNAP_REC_OWNER)
			err = take_owner(s, r, st);
		else if (h.kind == SNAP_REC_MAP)
			err = take_map(s, r, st);
		else
			err = take_ops(r, st);
		if (err)
			return err;
		used += want;
	}
	return (int)used;
}

void bpfsnap_stats_free(struct bpfsnap_stats *st)
{
	size_t i;

	for (i = 0; i < st->n_names; i++)
		free(st->names[i].name);
	free(st->names);
	free(st->ops);
	memset(st, 0, sizeof(*st));
}

/* --- /proc/kallsyms and the kernel config --------------------------------- */

static int cmp_sym(const void *a, const void *b)
{
	const struct bpfsnap_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The global list of every dma-buf, newest name first; each is unique. */
static const char *const list_names[] = { "dmabuf_list", "debugfs_list", "db_list" };
#define N_LIST_NAMES (sizeof(list_names) / sizeof(list_names[0]))

int bpfsnap_kallsyms(FILE *f, struct bpfsnap_sym *syms, size_t n, uint64_t *list_addr,
		     char *list_name, size_t list_len)
{
	uint64_t found[N_LIST_NAMES] = { 0 };
	unsigned int seen[N_LIST_NAMES] = { 0 };
	char line[512];
	size_t i;

	if (n > 1)
		qsort(syms, n, sizeof(*syms), cmp_sym);
	while (fgets(line, sizeof(line), f)) {
		char *end, *name, *mod;
		uint64_t addr = strtoull(line, &end, 16);
		size_t nlen;

		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		name = end + 3;
		nlen = strcspn(name, "\t\n");
		mod = name[nlen] == '\t' ? name + nlen + 1 : NULL;
		if (list_addr && !mod && addr) {
			for (i = 0; i < N_LIST_NAMES; i++)
				if (strlen(list_names[i]) == nlen && !memcmp(name, list_names[i], nlen)) {
					seen[i]++;
					found[i] = addr;
				}
		}
		if (n && addr) {
			struct bpfsnap_sym key = { .addr = addr };
			struct bpfsnap_sym *hit = bsearch(&key, syms, n, sizeof(*syms), cmp_sym);

			while (hit && hit > syms && hit[-1].addr == addr)
				hit--;
			for (; hit && hit < syms + n && hit->addr == addr; hit++) {
				char buf[300];
				int len;

				if (hit->name)
					continue;
				if (mod)
					len = snprintf(buf, sizeof(buf), "%.*s %.*s", (int)nlen, name,
						       (int)strcspn(mod, "\n"), mod);
				else
					len = snprintf(buf, sizeof(buf), "%.*s", (int)nlen, name);
				if (len < 0 || !(hit->name = strndup(buf, (size_t)len)))
					return -ENOMEM;
			}
		}
	}
	if (list_addr) {
		*list_addr = 0;
		for (i = 0; i < N_LIST_NAMES; i++)
			if (seen[i] == 1) {
				*list_addr = found[i];
				snprintf(list_name, list_len, "%s", list_names[i]);
				break;
			}
	}
	return 0;
}

int bpfsnap_config_move_notify(const char *text, size_t len)
{
	static const char opt[] = "CONFIG_DMABUF_MOVE_NOTIFY=y";
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n == sizeof(opt) - 1 && !memcmp(p, opt, n))
			return 1;
		p += n + 1;
	}
	return 0;
}
