// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * findings.c - what `dmabuf check` reports, each with its consequence on the
 * kernel the snapshot came from (see rules.c for the rules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "views.h"

const char *dmabuf_finding_kind_name(enum dmabuf_finding_kind k)
{
	switch (k) {
	case DMABUF_FIND_MISMATCH: return "mismatch";
	case DMABUF_FIND_UNOWNED: return "unowned";
	case DMABUF_FIND_VIOLATION: return "violation";
	}
	return "?";
}

static void mismatch_consequence(const struct dmabuf_snapshot *s, const struct dmabuf_attachment *a,
				 int exp_dyn, char *buf, size_t len)
{
	bool static_importer = a->importer_dynamic == 0;

	if (s->kernel.has_map_cache == 1) {
		if (static_importer && exp_dyn == 1)
			snprintf(buf, len, "mapped once at attach (bidirectional) and cached until "
				 "detach; the exporter is pinned for the attachment's whole life: "
				 "the buffer cannot move or be evicted");
		else
			snprintf(buf, len, "mapped once at attach (bidirectional) and cached until "
				 "detach: every map, in any direction, returns that table, and the "
				 "dynamic importer never gets move notifications");
	} else if (s->kernel.has_map_cache == 0) {
		if (static_importer && exp_dyn == 1)
			snprintf(buf, len, "pinned from each map to its unmap (no mapping cache on "
				 "this kernel): the exporter cannot move the buffer while it is mapped");
		else
			snprintf(buf, len, "no mapping cache on this kernel: mapped on demand; the "
				 "static exporter never sends move notifications");
	} else {
		snprintf(buf, len, "on 5.5-6.15 kernels mapped once at attach and cached, with a "
			 "dynamic exporter pinned until detach; from 6.16 pinned while mapped "
			 "(which applies here is unknown: no BPF snapshot)");
	}
}

static int push(struct dmabuf_finding **v, size_t *n, size_t *cap, struct dmabuf_finding **out)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct dmabuf_finding *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	*out = &(*v)[(*n)++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

int dmabuf_findings(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
		    struct dmabuf_finding **out, size_t *n)
{
	struct dmabuf_finding *v = NULL, *fd;
	size_t nv = 0, cap = 0, i, j;

	for (i = 0; i < s->n_buf; i++) {
		const struct dmabuf_buffer *b = &s->buf[i];
		char dev[256];

		if (!dmabuf_filter_match(f, b))
			continue;
		for (j = 0; j < b->n_att; j++) {
			const struct dmabuf_attachment *a = &b->att[j];

			if (a->mismatch != 1)
				continue;
			if (push(&v, &nv, &cap, &fd))
				goto oom;
			fd->kind = DMABUF_FIND_MISMATCH;
			fd->ino = b->ino;
			fd->att = (int)j;
			dmabuf_escape(a->device ? a->device : "?", a->device ? strlen(a->device) : 1,
				      dev, sizeof(dev));
			snprintf(fd->what, sizeof(fd->what), "%s importer %s on a %s exporter",
				 a->importer_dynamic == 1 ? "dynamic" : "static", dev,
				 b->exporter_dynamic == 1 ? "dynamic" : "static");
			mismatch_consequence(s, a, b->exporter_dynamic, fd->consequence,
					     sizeof(fd->consequence));
		}
		if (dmabuf_buffer_unowned(s, b) == 1) {
			if (push(&v, &nv, &cap, &fd))
				goto oom;
			fd->kind = DMABUF_FIND_UNOWNED;
			fd->ino = b->ino;
			fd->att = -1;
			if (b->file_count >= 0)
				snprintf(fd->what, sizeof(fd->what), "no process holds an fd or a "
					 "mapping (%ld file reference%s)", b->file_count,
					 b->file_count == 1 ? "" : "s");
			else
				snprintf(fd->what, sizeof(fd->what),
					 "no process holds an fd or a mapping");
			snprintf(fd->consequence, sizeof(fd->consequence), "held only by the kernel "
				 "(a driver's reference): no process is charged for it; if it stays, "
				 "a driver leaks it");
		}
		if (b->violations > 0) {
			if (push(&v, &nv, &cap, &fd))
				goto oom;
			fd->kind = DMABUF_FIND_VIOLATION;
			fd->ino = b->ino;
			fd->att = -1;
			snprintf(fd->what, sizeof(fd->what), "%ld locking-contract violation%s "
				 "counted by dmabuf_lab", b->violations, b->violations == 1 ? "" : "s");
			snprintf(fd->consequence, sizeof(fd->consequence), "map/unmap/pin/unpin ran "
				 "without the dma_resv lock the convention requires (or with it held "
				 "where it must not be): a race with move/evict on a real driver");
		}
	}
	*out = v;
	*n = nv;
	return 0;
oom:
	free(v);
	return -ENOMEM;
}
