// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot.bpf.c - the BPF snapshot of every dma-buf, written as fixed-size
 * records (include/snapshot.h) into the iterators' seq_file; lib/bpfsnap.c
 * owns the skeleton and reads the records back.
 *
 * Five programs; user space loads the ones the running kernel can take:
 *   snap_dmabuf     iter/dmabuf (6.16+): every buffer of the global list; the
 *                   iterator holds the list mutex while it steps and a file
 *                   reference on the buffer it shows.
 *   snap_task_file  iter/task_file (older kernels): every open dma-buf fd
 *                   (owner record), and each buffer once (deduplicated in
 *                   the "seen" map); the iterator holds the file reference.
 *   snap_task_owners  the same, owner records only (kernels with
 *                   iter/dmabuf, when procfs does not provide the owners):
 *                   snap_dmabuf already showed every buffer. A program of
 *                   its own, not a constant of snap_task_file's: the
 *                   verifier's removal of dead code costs about as much as
 *                   verifying it, instruction by instruction.
 *   snap_task_vma   iter/task_vma: every mapping of a dma-buf (map record),
 *                   when procfs does not provide the mappings; the iterator
 *                   holds the mm's mmap lock while it shows a vma.
 *   snap_list       iter/bpf_map_elem over walk_chunks: walks the global
 *                   dma-buf list from its kallsyms address (list_head_addr)
 *                   to reach the buffers no fd holds. Nothing holds a
 *                   reference or the list lock here: every read is a
 *                   bpf_probe_read_kernel that tolerates a fault, every node
 *                   is validated (its file must point back at it) and every
 *                   loop is bounded; a failed validation ends the walk and is
 *                   reported (SNAP_WALK_BROKEN), never followed further.
 *
 * Locks this code does not take, by design (a snapshot must not block the
 * kernel): the attachment list is protected by the buffer's resv, the name by
 * name_lock (older kernels: the resv). A list changing under the walk is
 * detected (attach->dmabuf must point back) and flagged; a name renamed under
 * the read may come out mixed - racy, and accepted for a snapshot.
 *
 * Every kernel difference is a CO-RE existence check, never a version.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "snapshot.h"

#define DMA_BUF_MAGIC		0x444d4142	/* include/uapi/linux/magic.h */
/* include/linux/file_ref.h: counts at or above this are dead files */
#define FILE_REF_RELEASED	0xc000000000000000ULL

/* Bytes a chunk of the list walk writes before it leaves the rest of the
 * seq_file buffer (32 KiB; one buffer's records take at most 9 KiB). */
#define WALK_BUDGET		(16 * 1024)
#define WALK_STEPS		4096	/* list nodes one chunk visits at most */

/*
 * The kernel structs with fields some kernels lack, each read through ONE
 * local flavour that has every field used (the vmlinux.h we build against
 * is the newest test kernel's, so the older fields are declared here): at
 * load, libbpf searches the whole vmlinux BTF once per local type it
 * relocates - some 10 million instructions each on a 7.3 kernel, more than
 * reading 3000 buffers - so no struct is reached through two types.
 *  - "fs: port files to file_ref" (6.13) replaced f_count by f_ref;
 *  - the attach-time mapping cache (5.5 .. 6.15): attach->sgt and
 *    attach->dir, ops->cache_sgt_mapping; removed in 6.16 by "dma-buf: drop
 *    caching of sg_tables" with the attach-time mapping of mismatched pairs.
 */
struct file___snap {
	struct inode *f_inode;
	unsigned int f_flags;
	fmode_t f_mode;
	void *private_data;
	file_ref_t f_ref;
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

struct dma_buf_attachment___snap {
	struct dma_buf *dmabuf;
	struct device *dev;
	struct list_head node;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	bool peer2peer;
	const void *importer_ops;
} __attribute__((preserve_access_index));

struct dma_buf_ops___snap {
	void *pin;
	bool cache_sgt_mapping;
} __attribute__((preserve_access_index));

/*
 * The iterators' contexts at their fixed offsets, without CO-RE (they are
 * the attach targets' ABI; see above for what a relocated type costs).
 * iter/dmabuf's is declared here in any case, so that the object also
 * builds against the BTF of kernels that lack it. A list_head's next is
 * its first word, read the same way.
 */
struct snap_iter_meta {
	struct seq_file *seq;
	__u64 session_id;	/* one per read of an iterator (open of its fd) */
};

struct snap_ctx_dmabuf {
	struct snap_iter_meta *meta;
	struct dma_buf *dmabuf;
};

struct snap_ctx_task_file {
	struct snap_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file___snap *file;
};

struct snap_ctx_task_vma {
	struct snap_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
};

struct snap_ctx_map_elem {
	struct snap_iter_meta *meta;
	void *map;
	void *key;
	void *value;
};

/* The global list's address from /proc/kallsyms (db_list, debugfs_list or
 * dmabuf_list: its list_head comes first in each), 0 = no list walk. */
const volatile __u64 list_head_addr = 0;

__u32 features;		/* SNAP_FEAT_* */
__u32 walk_state;	/* enum snap_walk_state */

struct scratch {
	struct snap_buf b;
	struct snap_att a;
	struct snap_owner o;
	struct snap_ops ops;
	struct snap_map m;
	/* the ops this CPU named last, in which session, for which buffer (emit_ops) */
	__u64 named_ops, named_session, named_ino;
	/* the exporter name iter/dmabuf read last on this CPU: where, in which session */
	__u64 exp_ptr, exp_session;
	__u32 exp_cut;
	char exp_name[SNAP_EXP_NAME_LEN];
	/* the comm the walks read last on this CPU: whose (task, pid), in which session */
	__u64 comm_task, comm_session;
	__u32 comm_pid;
	char comm[SNAP_COMM_LEN];
	__u32 att_bytes;	/* emit_atts(): what its steps wrote */
};

/* Records are built here: they are too large for the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* ino -> (tgid << 32 | fd) of the file record that emitted the buffer */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u64);
} seen SEC(".maps");

struct ops_key {
	__u64 ops;		/* exporter ops address */
	__u64 session;		/* the iterator session that named them */
};

/*
 * (ops, session) -> inode of the buffer whose records named the ops. Keyed
 * by the iterator's session, as pinned iterators (dmabuf pin) serve many
 * reads, some at once: each names its ops; old sessions' entries age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct ops_key);
	__type(value, __u64);
} ops_named SEC(".maps");

/* walk chunk i -> the list node it starts at (0: the walk ended before) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SNAP_WALK_CHUNKS);
	__type(key, __u32);
	__type(value, __u64);
} walk_chunks SEC(".maps");

static __always_inline void note_features(void)
{
	__u32 f = SNAP_FEAT_VALID;

	if (bpf_core_field_exists(struct dma_buf_attachment___snap, sgt))
		f |= SNAP_FEAT_ATTACH_SGT;
	if (bpf_core_field_exists(struct dma_buf_attachment___snap, importer_ops))
		f |= SNAP_FEAT_IMPORTER_OPS;
	if (bpf_core_field_exists(struct dma_buf_attachment___snap, peer2peer))
		f |= SNAP_FEAT_PEER2PEER;
	if (bpf_core_field_exists(struct dma_buf_ops___snap, pin))
		f |= SNAP_FEAT_OPS_PIN;
	if (bpf_core_field_exists(struct file___snap, f_ref))
		f |= SNAP_FEAT_FILE_REF;
	features = f;
}

static __always_inline void set_hdr(struct snap_hdr *h, __u16 kind, __u16 size, __u32 via)
{
	h->kind = kind;
	h->size = size;
	h->via = via;
}

/* Copies a kernel string; returns 1 if it did not fit (cut), else 0. */
static __always_inline __u32 read_str(char *dst, __u32 size, const char *src)
{
	char last = 0;
	long n;

	dst[0] = '\0';
	if (!src)
		return 0;
	n = bpf_probe_read_kernel_str(dst, size, src);
	if (n < 0) {
		dst[0] = '\0';
		return 0;
	}
	if (n == size && !bpf_probe_read_kernel(&last, 1, src + size - 1) && last)
		return 1;
	return 0;
}

/*
 * A field of P: with TYPED (a constant wherever it is used) P is a pointer
 * whose type the verifier knows (iter/dmabuf's buffer, and what its fields
 * lead to), read with a plain load, CO-RE relocated, that the verifier makes
 * fault-safe - a few instructions; else a bpf_probe_read_kernel() of about a
 * hundred (P came from a scalar, as file->private_data does).
 */
#define RD(typed, p, field) ((typed) ? (p)->field : BPF_CORE_READ(p, field))

static __always_inline __u64 read_file_count(struct file___snap *f, bool typed)
{
	__u64 c;

	if (bpf_core_field_exists(f->f_ref)) {
		c = (__u64)RD(typed, f, f_ref.refcnt.counter);
		return c >= FILE_REF_RELEASED ? 0 : c + 1;
	}
	return (__u64)RD(typed, f, f_count.counter);
}

/*
 * TASK's comm into DST: the walks visit a task's files and vmas in a row,
 * so it is read once per task (its pointer and pid) and session and copied
 * from scratch for the rest: the same name for all of them, as one reading.
 */
static __always_inline void task_comm(struct scratch *sc, char *dst, struct task_struct *task,
				      __u64 session)
{
	if ((__u64)task != sc->comm_task || (__u32)task->pid != sc->comm_pid ||
	    session != sc->comm_session) {
		bpf_probe_read_kernel_str(sc->comm, sizeof(sc->comm), task->comm);
		sc->comm_task = (__u64)task;
		sc->comm_pid = (__u32)task->pid;
		sc->comm_session = session;
	}
	__builtin_memcpy(dst, sc->comm, SNAP_COMM_LEN);
}

/*
 * The records are filled by global functions: the verifier checks each of
 * them once, on its own (scalar arguments, the record in the scratch map,
 * a scalar result), not again at every call site and loop step - the
 * attachment loop and the list walk's callback stay cheap to verify.
 */

/* SNAP_REC_BUF of dma_buf D into scratch; REFS: file references the caller
 * holds itself (the iterators hold one), not counted; TYPED: as RD(). 0 or -1. */
static __always_inline int fill_buf_of(struct dma_buf *d, __u32 via, __u64 refs, bool typed,
				       __u64 session)
{
	const struct dma_buf_ops___snap *ops;
	struct file___snap *f;
	struct snap_buf *b;
	const char *name, *exp;
	struct scratch *sc;
	__u32 zero = 0;
	__u64 count;

	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return -1;
	b = &sc->b;
	set_hdr(&b->hdr, SNAP_REC_BUF, sizeof(*b), via);
	b->flags = 0;
	b->pad = 0;
	f = (void *)RD(typed, d, file);
	b->ino = typed ? f->f_inode->i_ino : BPF_CORE_READ(f, f_inode, i_ino);
	b->size = RD(typed, d, size);
	b->f_flags = RD(typed, f, f_flags);
	b->f_mode = RD(typed, f, f_mode);
	count = read_file_count(f, typed);
	b->file_count = count >= refs ? count - refs : 0;
	if (count)
		b->flags |= SNAP_BUF_COUNT_VALID;

	ops = (const void *)RD(typed, d, ops);
	b->ops = (__u64)ops;
	if (bpf_core_field_exists(ops->pin)) {
		b->flags |= SNAP_BUF_HAS_PIN;
		if (RD(typed, ops, pin))
			b->flags |= SNAP_BUF_EXP_DYNAMIC;
	}
	if (bpf_core_field_exists(ops->cache_sgt_mapping)) {
		b->flags |= SNAP_BUF_HAS_CACHE_SGT;
		if (RD(typed, ops, cache_sgt_mapping))
			b->flags |= SNAP_BUF_CACHE_SGT;
	}

	/*
	 * exp_name is the exporter's constant string: iter/dmabuf (TYPED) reads
	 * it once per address and session. Every buffer it shows existed when
	 * the session began (new ones go to the list's head, behind it), so two
	 * of them with one address have one string.
	 */
	exp = (const char *)RD(typed, d, exp_name);
	if (typed && exp && (__u64)exp == sc->exp_ptr && session == sc->exp_session) {
		__builtin_memcpy(b->exp_name, sc->exp_name, sizeof(b->exp_name));
		b->flags |= sc->exp_cut;
	} else {
		if (read_str(b->exp_name, sizeof(b->exp_name), exp))
			b->flags |= SNAP_BUF_EXP_NAME_CUT;
		if (typed) {
			__builtin_memcpy(sc->exp_name, b->exp_name, sizeof(sc->exp_name));
			sc->exp_cut = b->flags & SNAP_BUF_EXP_NAME_CUT;
			sc->exp_ptr = (__u64)exp;
			sc->exp_session = session;
		}
	}
	/*
	 * dma_buf->name belongs to name_lock (older kernels: the resv): read
	 * without it, a concurrent DMA_BUF_SET_NAME can free the old string
	 * under us. The copy faults safely or comes out mixed; accepted.
	 */
	b->name[0] = '\0';
	name = RD(typed, d, name);
	if (name) {
		b->flags |= SNAP_BUF_HAS_NAME;
		if (read_str(b->name, sizeof(b->name), name))
			b->flags |= SNAP_BUF_NAME_CUT;
	}
	return 0;
}

/* fill_buf_of() for the dma_buf at DP, read through probes. */
__noinline int fill_buf(__u64 dp, __u32 via, __u64 refs)
{
	return fill_buf_of((void *)dp, via, refs, false, 0);
}

/*
 * SNAP_REC_ATT of the attachment whose list node is at POS, on the buffer
 * DP (inode INO), into scratch. Returns the next node, 0 to stop: the
 * attachment does not point back at the buffer (detached and freed under
 * the walk), which the record says.
 */
__noinline long fill_att(__u64 pos, __u64 dp, __u64 ino, __u32 via)
{
	struct dma_buf_attachment___snap *at;
	struct device *dev;
	struct snap_att *a;
	struct scratch *sc;
	const char *dname, *str;
	const void *drv;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	a = &sc->a;
	at = (void *)(pos - bpf_core_field_offset(struct dma_buf_attachment___snap, node));
	set_hdr(&a->hdr, SNAP_REC_ATT, sizeof(*a), via);
	a->ino = ino;
	a->flags = 0;
	a->dir = 0;
	a->dev_name[0] = a->driver[0] = a->bus[0] = '\0';
	if ((__u64)BPF_CORE_READ(at, dmabuf) != dp) {
		a->flags |= SNAP_ATT_LIST_BROKEN;
		return 0;
	}
	if (bpf_core_field_exists(at->importer_ops)) {
		a->flags |= SNAP_ATT_HAS_IMPORTER_OPS;
		if (BPF_CORE_READ(at, importer_ops))
			a->flags |= SNAP_ATT_IMP_DYNAMIC;
	}
	if (bpf_core_field_exists(at->peer2peer)) {
		a->flags |= SNAP_ATT_HAS_P2P;
		if (BPF_CORE_READ(at, peer2peer))
			a->flags |= SNAP_ATT_P2P;
	}
	if (bpf_core_field_exists(at->sgt)) {
		a->flags |= SNAP_ATT_HAS_SGT;
		if (BPF_CORE_READ(at, sgt)) {
			a->flags |= SNAP_ATT_CACHED;
			a->dir = BPF_CORE_READ(at, dir);
		}
	}
	/* dev_name(): init_name until device_add(), then kobj.name */
	dev = BPF_CORE_READ(at, dev);
	dname = BPF_CORE_READ(dev, init_name);
	if (!dname)
		dname = BPF_CORE_READ(dev, kobj.name);
	if (read_str(a->dev_name, sizeof(a->dev_name), dname))
		a->flags |= SNAP_ATT_DEV_CUT;
	/*
	 * dev->driver->name and dev->bus->name: name is the first member of
	 * struct device_driver and of struct bus_type in every kernel, read as
	 * such rather than relocated (two fewer searches of the vmlinux BTF).
	 */
	drv = (void *)BPF_CORE_READ(dev, driver);
	if (drv && !bpf_probe_read_kernel(&str, sizeof(str), drv))
		read_str(a->driver, sizeof(a->driver), str);
	drv = (void *)BPF_CORE_READ(dev, bus);
	if (drv && !bpf_probe_read_kernel(&str, sizeof(str), drv))
		read_str(a->bus, sizeof(a->bus), str);
	if (bpf_probe_read_kernel(&pos, sizeof(pos), (void *)pos))	/* list_head.next */
		return 0;
	return (long)pos;
}

/*
 * The name of exporter ops OPS, the first time a buffer (inode INO) shows
 * them: the kernel's own symbol lookup (%ps), so user space needs no pass
 * over /proc/kallsyms. The same buffer shown again (the seq_file rolled it
 * back) names them again. The bytes written.
 */
static __always_inline int emit_ops(struct seq_file *seq, __u64 session, __u64 ops, __u64 ino)
{
	struct ops_key key = { .ops = ops, .session = session };
	struct scratch *sc;
	__u64 *by;
	__u32 zero = 0;

	if (!ops)
		return 0;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	/*
	 * Buffers of one exporter mostly come in a row: the ops this CPU named
	 * last in this session, for another buffer, are named (no map lookup).
	 */
	if (sc->named_ops == ops && sc->named_session == session && sc->named_ino != ino)
		return 0;
	by = bpf_map_lookup_elem(&ops_named, &key);
	sc->named_ops = ops;
	sc->named_session = session;
	sc->named_ino = by ? *by : ino;
	if (by && *by != ino)
		return 0;
	if (!by)
		bpf_map_update_elem(&ops_named, &key, &ino, BPF_NOEXIST);
	set_hdr(&sc->ops.hdr, SNAP_REC_OPS, sizeof(sc->ops), 0);
	sc->ops.addr = ops;
	BPF_SNPRINTF(sc->ops.name, sizeof(sc->ops.name), "%ps", ops);
	if (bpf_seq_write(seq, &sc->ops, sizeof(sc->ops)))
		return 0;
	return sizeof(sc->ops);
}

/* The buffer's record (and its ops' name); the bytes written, 0 if the
 * seq_file is full. TYPED: D is iter/dmabuf's (see RD()). */
static __always_inline int emit_buf(struct seq_file *seq, __u64 session, struct dma_buf *d,
				    __u32 via, __u64 refs, bool typed)
{
	struct scratch *sc;
	__u32 zero = 0;

	if (typed ? fill_buf_of(d, via, refs, true, session) : fill_buf((__u64)d, via, refs))
		return 0;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc || bpf_seq_write(seq, &sc->b, sizeof(sc->b)))
		return 0;
	return sizeof(sc->b) + emit_ops(seq, session, sc->b.ops, sc->b.ino);
}

struct att_ctx {
	struct seq_file *seq;
	__u64 pos;	/* the next attachment's list node */
	__u64 head;	/* the buffer's list head */
	__u64 dp, ino;
	__u32 via;
};

/*
 * bpf_loop callback, one attachment per call: verified once, where a loop
 * of SNAP_MAX_ATT steps is verified step by step (most of a load's cost).
 * The bytes are summed in scratch (per CPU), which the verifier sees as
 * unknown at each step, not as every possible sum.
 */
static long att_step(__u32 i, struct att_ctx *c)
{
	struct scratch *sc;
	__u32 zero = 0;
	__u64 next;

	if (!c->pos || c->pos == c->head)
		return 1;
	next = fill_att(c->pos, c->dp, c->ino, c->via);
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 1;
	if (i == SNAP_MAX_ATT - 1 && next && next != c->head)
		sc->a.flags |= SNAP_ATT_LIST_TRUNCATED;
	if (bpf_seq_write(c->seq, &sc->a, sizeof(sc->a)))
		return 1;
	sc->att_bytes += sizeof(sc->a);
	c->pos = next;
	return 0;
}

/* Its attachments' records (at most SNAP_MAX_ATT); the bytes written. */
static __always_inline int emit_atts(struct seq_file *seq, __u64 dp, __u32 via, __u64 ino)
{
	struct att_ctx c = { .seq = seq, .dp = dp, .ino = ino, .via = via };
	struct scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	c.head = dp + bpf_core_field_offset(struct dma_buf, attachments);
	c.pos = (__u64)BPF_CORE_READ((struct dma_buf *)dp, attachments.next);
	sc->att_bytes = 0;
	bpf_loop(SNAP_MAX_ATT, att_step, &c, 0);
	return sc->att_bytes;
}

SEC("iter/dmabuf")
int snap_dmabuf(struct snap_ctx_dmabuf *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct dma_buf *d = ctx->dmabuf;
	struct file___snap *f;
	__u64 dp, ino;

	note_features();
	if (!d)
		return 0;
	/* the same dma_buf as a plain value, for the global functions */
	f = (void *)BPF_CORE_READ(d, file);
	dp = (__u64)BPF_CORE_READ(f, private_data);
	ino = BPF_CORE_READ(f, f_inode, i_ino);
	if (dp && emit_buf(seq, ctx->meta->session_id, d, SNAP_VIA_DMABUF, 1, true))
		emit_atts(seq, dp, SNAP_VIA_DMABUF, ino);
	return 0;
}

/* A dma-buf fd of a task: its owner record, and with BUFS its buffer once. */
static __always_inline int task_file(struct snap_ctx_task_file *ctx, bool bufs)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file___snap *file = ctx->file;
	struct snap_owner *o;
	struct scratch *sc;
	__u64 dp, ino, id, *prev;
	__u32 zero = 0;

	note_features();
	if (!task || !file)
		return 0;
	/*
	 * A file of the dma-buf pseudo filesystem: needs no dma_buf_fops
	 * symbol. The iterator's task and file are typed: plain loads (RD()).
	 */
	if (file->f_inode->i_sb->s_magic != DMA_BUF_MAGIC)
		return 0;
	/* probed: a scalar, as the global functions take it (a load is a pointer) */
	dp = (__u64)BPF_CORE_READ(file, private_data);
	if (!dp)
		return 0;
	ino = file->f_inode->i_ino;
	id = (__u64)task->tgid << 32 | ctx->fd;
	if (!bufs)
		goto owner;

	/*
	 * Each buffer once: the first file record claims it. The same record
	 * shown again (the seq_file rolled back an overflowing object) emits
	 * it again; any other fd of the buffer emits only its owner record.
	 */
	prev = bpf_map_lookup_elem(&seen, &ino);
	if (!prev) {
		bpf_map_update_elem(&seen, &ino, &id, BPF_NOEXIST);
		prev = bpf_map_lookup_elem(&seen, &ino);
	}
	if (!prev || *prev == id) {
		if (emit_buf(seq, ctx->meta->session_id, (void *)dp, SNAP_VIA_TASK_FILE, 1, false))
			emit_atts(seq, dp, SNAP_VIA_TASK_FILE, ino);
	}

owner:
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	o = &sc->o;
	set_hdr(&o->hdr, SNAP_REC_OWNER, sizeof(*o), SNAP_VIA_TASK_FILE);
	o->ino = ino;
	o->pid = id >> 32;
	o->fd = ctx->fd;
	task_comm(sc, o->comm, task, ctx->meta->session_id);
	bpf_seq_write(seq, o, sizeof(*o));
	return 0;
}

SEC("iter/task_file")
int snap_task_file(struct snap_ctx_task_file *ctx)
{
	return task_file(ctx, true);
}

SEC("iter/task_file")
int snap_task_owners(struct snap_ctx_task_file *ctx)
{
	return task_file(ctx, false);
}

SEC("iter/task_vma")
int snap_task_vma(struct snap_ctx_task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	struct task_struct *task = ctx->task;
	struct file___snap *file;
	struct scratch *sc;
	struct snap_map *m;
	__u32 zero = 0;

	note_features();
	if (!task || !vma)
		return 0;
	/*
	 * As /proc/PID/maps: vm_file is the buffer's file (vgem's mmaps swap
	 * it). The iterator's task and vma are typed: plain loads (RD()).
	 */
	file = (void *)vma->vm_file;
	if (!file || file->f_inode->i_sb->s_magic != DMA_BUF_MAGIC)
		return 0;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 0;
	m = &sc->m;
	set_hdr(&m->hdr, SNAP_REC_MAP, sizeof(*m), SNAP_VIA_TASK_VMA);
	m->ino = file->f_inode->i_ino;
	m->bytes = vma->vm_end - vma->vm_start;
	m->pid = task->tgid;
	m->pad = 0;
	task_comm(sc, m->comm, task, ctx->meta->session_id);
	bpf_seq_write(ctx->meta->seq, m, sizeof(*m));
	return 0;
}

struct walk_ctx {
	struct seq_file *seq;
	__u64 session;	/* the iterator's session_id */
	__u64 node;	/* next list node to look at */
	__u64 node_off;	/* offsetof(struct dma_buf, list_node) */
	__u32 state;	/* enum snap_walk_state once the walk ended */
	__u32 full;	/* the seq_file is full: the chunk is shown again */
};

/*
 * Bytes the current chunk wrote. A global, not a walk_ctx field: the
 * verifier then sees an unknown value at each step instead of tracking
 * every possible sum, and verifies the callback once, not once per sum.
 */
__u32 walk_bytes;

/*
 * bpf_loop callback, one list node per call: emits the buffers no fd
 * showed until the chunk's budget is spent. Verified once, whatever the
 * number of nodes.
 */
static long walk_step(__u32 i, struct walk_ctx *c)
{
	struct dma_buf *d;
	struct file___snap *f = NULL;
	void *priv = NULL;
	__u64 node = c->node, next = 0, ino;
	int n;

	if (node == list_head_addr) {
		c->state = SNAP_WALK_DONE;
		return 1;
	}
	d = (void *)(node - c->node_off);
	/* a dma_buf's file points back at it: anything else is not a node */
	if (!node || bpf_probe_read_kernel(&f, sizeof(f), &d->file) || !f ||
	    bpf_probe_read_kernel(&priv, sizeof(priv), &f->private_data) ||
	    priv != d || bpf_probe_read_kernel(&next, sizeof(next), (void *)node) || !next) {
		c->state = SNAP_WALK_BROKEN;
		return 1;
	}
	c->node = next;
	ino = BPF_CORE_READ(f, f_inode, i_ino);
	if (bpf_map_lookup_elem(&seen, &ino))
		return 0;
	n = emit_buf(c->seq, c->session, d, SNAP_VIA_LIST, 0, false);
	if (!n) {
		c->full = 1;
		return 1;
	}
	walk_bytes += n + emit_atts(c->seq, (__u64)d, SNAP_VIA_LIST, ino);
	return walk_bytes > WALK_BUDGET;
}

SEC("iter/bpf_map_elem")
int snap_list(struct snap_ctx_map_elem *ctx)
{
	struct walk_ctx c = { .seq = ctx->meta->seq, .session = ctx->meta->session_id };
	__u32 *key = ctx->key, next_key;
	__u64 *start = ctx->value, *next_start, first = 0;

	note_features();
	if (!key || !start || !list_head_addr)
		return 0;
	/* struct dma_buf.list_node only exists with the global list */
	if (!bpf_core_field_exists(struct dma_buf, list_node))
		return 0;
	c.node_off = bpf_core_field_offset(struct dma_buf, list_node);
	if (*key == 0) {
		walk_state = SNAP_WALK_NONE;
		if (bpf_probe_read_kernel(&first, sizeof(first), (void *)list_head_addr) || !first) {
			walk_state = SNAP_WALK_BROKEN;
			return 0;
		}
		*start = first;
	}
	if (!*start)
		return 0;
	c.node = *start;
	walk_bytes = 0;
	bpf_loop(WALK_STEPS, walk_step, &c, 0);
	if (c.full)
		return 0;
	if (c.state) {
		walk_state = c.state;
		return 0;
	}
	next_key = *key + 1;
	next_start = bpf_map_lookup_elem(&walk_chunks, &next_key);
	if (!next_start) {
		walk_state = SNAP_WALK_TOO_LONG;
		return 0;
	}
	*next_start = c.node;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
