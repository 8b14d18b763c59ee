// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

static const char *const source_names[DMABUF_SRC_COUNT] = {
	"debugfs", "fdinfo", "procfs", "sysfs", "bpf", "lab", "derived",
};

const char *dmabuf_source_name(unsigned int bit)
{
	return bit < DMABUF_SRC_COUNT ? source_names[bit] : "?";
}

char *dmabuf_sources_str(unsigned int mask, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < DMABUF_SRC_COUNT; i++) {
		int n;

		if (!(mask & (1u << i)))
			continue;
		n = snprintf(buf + used, len > used ? len - used : 0, "%s%s",
			     used ? "+" : "", source_names[i]);
		if (n > 0)
			used += (size_t)n;
	}
	if (!used && len)
		snprintf(buf, len, "-");
	return buf;
}

static const char *const field_names[DMABUF_F__COUNT] = {
	"size", "exporter", "name", "file_count", "flags", "exporter_dynamic",
	"exporter_ops", "attachments", "owners", "violations",
};

const char *dmabuf_field_name(enum dmabuf_buf_field f)
{
	return (unsigned int)f < DMABUF_F__COUNT ? field_names[f] : "?";
}

const char *dmabuf_dir_name(int dir)
{
	switch (dir) {
	case DMABUF_DIR_BIDIRECTIONAL: return "bidirectional";
	case DMABUF_DIR_TO_DEVICE: return "to_device";
	case DMABUF_DIR_FROM_DEVICE: return "from_device";
	case DMABUF_DIR_NONE: return "none";
	}
	return "-";
}

struct dmabuf_snapshot *dmabuf_snapshot_new(const char *root)
{
	struct dmabuf_snapshot *s = calloc(1, sizeof(*s));
	struct timespec ts;

	if (!s)
		return NULL;
	s->root = strdup(root && *root ? root : "/");
	if (!s->root) {
		free(s);
		return NULL;
	}
	s->kernel.has_map_cache = DMABUF_UNKNOWN;
	s->kernel.move_notify = DMABUF_UNKNOWN;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->taken_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return s;
}

/*
 * Arena chunks: the first 16 KiB (a snapshot of a few buffers, every second
 * in dmabuf-top), each next one twice the last up to 1 MiB.
 */
#define ARENA_FIRST (16 * 1024)
#define ARENA_MAX (1024 * 1024)
#define ARENA_ALIGN 8	/* the model's largest member type */

struct dmabuf_arena {
	struct dmabuf_arena *next;
	size_t used, cap;
	_Alignas(ARENA_ALIGN) char data[];
};

void *dmabuf_alloc(struct dmabuf_snapshot *s, size_t size)
{
	struct dmabuf_arena *c = s->arena, *n;
	size_t cap;

	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (c && c->cap - c->used >= size) {
		c->used += size;
		return c->data + c->used - size;
	}
	cap = c ? (c->cap * 2 > ARENA_MAX ? ARENA_MAX : c->cap * 2) : ARENA_FIRST;
	if (cap < size)
		cap = size;
	n = malloc(sizeof(*n) + cap);
	if (!n)
		return NULL;
	n->cap = cap;
	n->used = size;
	if (c && cap == size && c->cap - c->used > ARENA_ALIGN) {
		/* a block of its own: the current chunk keeps taking small ones */
		n->next = c->next;
		c->next = n;
	} else {
		n->next = c;
		s->arena = n;
	}
	return n->data;
}

/*
 * Arrays in the arena grow by doubling: an array of N elements is full when
 * N is 0 or a power of two (a buffer's one owner takes room for one).
 * Returns the array with room for element N (a new copy when it had to grow).
 */
static void *arena_grow(struct dmabuf_snapshot *s, void *arr, size_t n, size_t elem)
{
	void *na;

	if (n & (n - 1))
		return arr;
	na = dmabuf_alloc(s, (n ? 2 * n : 1) * elem);
	if (na && n)
		memcpy(na, arr, n * elem);
	return na;
}

void dmabuf_snapshot_free(struct dmabuf_snapshot *s)
{
	if (!s)
		return;
	while (s->arena) {
		struct dmabuf_arena *next = s->arena->next;

		free(s->arena);
		s->arena = next;
	}
	free(s->buf);
	free(s->index);
	free(s->root);
	free(s);
}

static size_t ino_hash(uint64_t ino, size_t cap)
{
	ino *= 0x9e3779b97f4a7c15ull;
	return (size_t)(ino >> 17) & (cap - 1);
}

/* Index slots hold position + 1; 0 is empty. */
static int index_rebuild(struct dmabuf_snapshot *s, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));
	size_t i;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < s->n_buf; i++) {
		size_t h = ino_hash(s->buf[i].ino, cap);

		while (idx[h])
			h = (h + 1) & (cap - 1);
		idx[h] = (uint32_t)(i + 1);
	}
	free(s->index);
	s->index = idx;
	s->index_cap = cap;
	return 0;
}

static void buffer_init(struct dmabuf_buffer *b, uint64_t ino)
{
	memset(b, 0, sizeof(*b));
	b->ino = ino;
	b->file_count = -1;
	b->f_flags = -1;
	b->f_mode = -1;
	b->exporter_dynamic = DMABUF_UNKNOWN;
	b->violations = -1;
	b->n_att_reported = -1;
}

int dmabuf_snapshot_reindex(struct dmabuf_snapshot *s)
{
	return s->index_cap ? index_rebuild(s, s->index_cap) : 0;
}

struct dmabuf_buffer *dmabuf_buffer_get(struct dmabuf_snapshot *s, uint64_t ino, bool create)
{
	size_t h;

	if (s->index_cap) {
		for (h = ino_hash(ino, s->index_cap); s->index[h]; h = (h + 1) & (s->index_cap - 1))
			if (s->buf[s->index[h] - 1].ino == ino)
				return &s->buf[s->index[h] - 1];
	}
	if (!create || s->n_buf >= UINT32_MAX - 1)	/* the index holds positions + 1 */
		return NULL;
	if (s->n_buf == s->cap_buf) {
		size_t cap = s->cap_buf ? s->cap_buf * 2 : 64;
		struct dmabuf_buffer *nb = realloc(s->buf, cap * sizeof(*nb));

		if (!nb)
			return NULL;
		s->buf = nb;
		s->cap_buf = cap;
	}
	/* keep the index at most half full */
	if ((s->n_buf + 1) * 2 > s->index_cap &&
	    index_rebuild(s, s->index_cap ? s->index_cap * 2 : 128))
		return NULL;
	buffer_init(&s->buf[s->n_buf], ino);
	for (h = ino_hash(ino, s->index_cap); s->index[h]; h = (h + 1) & (s->index_cap - 1))
		;
	s->index[h] = (uint32_t)(s->n_buf + 1);
	return &s->buf[s->n_buf++];
}

struct dmabuf_attachment *dmabuf_attachment_add(struct dmabuf_snapshot *s,
						struct dmabuf_buffer *b, const char *device)
{
	struct dmabuf_attachment *na = arena_grow(s, b->att, b->n_att, sizeof(*na));
	struct dmabuf_attachment *a;

	if (!na)
		return NULL;
	b->att = na;
	a = &b->att[b->n_att];
	memset(a, 0, sizeof(*a));
	a->importer_dynamic = DMABUF_UNKNOWN;
	a->peer2peer = DMABUF_UNKNOWN;
	a->cached = DMABUF_UNKNOWN;
	a->cached_dir = DMABUF_UNKNOWN;
	a->pinned = DMABUF_UNKNOWN;
	a->mismatch = DMABUF_UNKNOWN;
	if (device && dmabuf_set_str(s, &a->device, device, strlen(device)))
		return NULL;
	b->n_att++;
	return a;
}

struct dmabuf_owner *dmabuf_owner_get(struct dmabuf_snapshot *s, struct dmabuf_buffer *b,
				      pid_t pid, const char *comm)
{
	struct dmabuf_owner *no, *o;
	size_t i;

	for (i = 0; i < b->n_own; i++)
		if (b->own[i].pid == pid)
			return &b->own[i];
	no = arena_grow(s, b->own, b->n_own, sizeof(*no));
	if (!no)
		return NULL;
	b->own = no;
	o = &b->own[b->n_own++];
	memset(o, 0, sizeof(*o));
	o->pid = pid;
	if (comm)	/* o->comm is zeroed: the copy stays terminated */
		memcpy(o->comm, comm, strnlen(comm, sizeof(o->comm) - 1));
	return o;
}

int dmabuf_owner_add_fd(struct dmabuf_snapshot *s, struct dmabuf_owner *o, int fd)
{
	int *nf = arena_grow(s, o->fds, o->nfds, sizeof(*nf));

	if (!nf)
		return -ENOMEM;
	o->fds = nf;
	o->fds[o->nfds++] = fd;
	return 0;
}

int dmabuf_set_str(struct dmabuf_snapshot *s, char **field, const char *value, size_t len)
{
	char *copy = dmabuf_alloc(s, len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, value, len);
	copy[len] = '\0';
	*field = copy;
	return 0;
}

int dmabuf_set_str_shared(struct dmabuf_snapshot *s, char **field, const char *value, size_t len)
{
	if (!s->shared || s->shared_len != len || memcmp(s->shared, value, len)) {
		if (dmabuf_set_str(s, &s->shared, value, len))
			return -ENOMEM;
		s->shared_len = len;
	}
	*field = s->shared;
	return 0;
}

void dmabuf_source_set(struct dmabuf_snapshot *s, unsigned int bit,
		       enum dmabuf_source_state state, int err, const char *fmt, ...)
{
	struct dmabuf_source_status *st;
	va_list ap;

	if (bit >= DMABUF_SRC_COUNT)
		return;
	st = &s->status[bit];
	st->state = state;
	st->err = err;
	st->absent = false;
	st->detail[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(st->detail, sizeof(st->detail), fmt, ap);
		va_end(ap);
	}
	if (state == DMABUF_SOURCE_OK || state == DMABUF_SOURCE_PARTIAL)
		s->used |= 1u << bit;
}

bool dmabuf_source_noteworthy(const struct dmabuf_snapshot *s, unsigned int bit,
			      unsigned int asked)
{
	const struct dmabuf_source_status *st = &s->status[bit];

	if (bit >= DMABUF_SRC_COUNT || st->state == DMABUF_SOURCE_UNUSED ||
	    st->state == DMABUF_SOURCE_OK)
		return false;
	return !st->absent || (asked & (1u << bit));
}
