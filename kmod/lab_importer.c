// SPDX-License-Identifier: GPL-2.0
/*
 * lab_importer.c - dmabuf_lab's importer: attachments of the module's
 * importer devices to any dma-buf, as static or dynamic importer, with maps,
 * unmaps and move notifications counted per attachment.
 */
#include <linux/dma-mapping.h>
#include <linux/iosys-map.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lab_compat.h"
#include "lab_internal.h"

/* Only the deliberate lock-order inversion takes it; see lab_violate_abba(). */
static DEFINE_MUTEX(lab_abba_mutex);
static DEFINE_MUTEX(lab_abba_serial);

/*
 * The dynamic importer's notification, called with the buffer's resv held.
 * It only counts: the attachment's mappings stay until DMABUF_LAB_IOC_UNMAP,
 * which is what the tests observe. Benchmark attachments have no lab_att.
 */
static void lab_importer_move(struct dma_buf_attachment *attach)
{
	struct lab_att *att = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (att)
		atomic_inc(&att->moves);
}

const struct dma_buf_attach_ops lab_importer_ops = {
	.allow_peer2peer = false,
	LAB_IMPORTER_MOVE_OP(lab_importer_move),
};

static int lab_dir_from_user(u32 dir, enum dma_data_direction *out)
{
	switch (dir) {
	case DMABUF_LAB_DIR_BIDIRECTIONAL:
		*out = DMA_BIDIRECTIONAL;
		return 0;
	case DMABUF_LAB_DIR_TO_DEVICE:
		*out = DMA_TO_DEVICE;
		return 0;
	case DMABUF_LAB_DIR_FROM_DEVICE:
		*out = DMA_FROM_DEVICE;
		return 0;
	}
	return -EINVAL;
}

static void lab_att_free(struct kref *ref)
{
	struct lab_att *att = container_of(ref, struct lab_att, ref);

	mutex_destroy(&att->lock);
	kfree(att);
}

static void lab_att_put(struct lab_att *att)
{
	kref_put(&att->ref, lab_att_free);
}

/*
 * Looks an attachment up with a reference. @lf: only an attachment of this
 * file (-EPERM for another file's), NULL: any.
 */
static struct lab_att *lab_att_get(struct lab_file *lf, u32 id)
{
	struct lab_att *att;

	mutex_lock(&lab_mutex);
	att = xa_load(&lab_atts, id);
	if (!att)
		att = ERR_PTR(-ENOENT);
	else if (lf && att->owner != lf)
		att = ERR_PTR(-EPERM);
	else
		kref_get(&att->ref);
	mutex_unlock(&lab_mutex);
	return att;
}

/* The exporter's record of a lab exporter's attachment; att->lock held. */
static struct lab_exp_att *lab_att_exp(struct lab_att *att)
{
	return att->lb ? att->attach->priv : NULL;
}

static u32 lab_foreign_mode(const struct dma_buf *dmabuf)
{
	if (lab_ops_cache_sgt(dmabuf->ops))
		return DMABUF_LAB_EXP_STATIC_CACHED;
	return dmabuf->ops->pin ? DMABUF_LAB_EXP_DYNAMIC : DMABUF_LAB_EXP_STATIC;
}

/* Unmaps the newest mapping; att->lock held. */
static void lab_att_unmap_last(struct lab_att *att, u32 flags)
{
	struct lab_map *m = &att->maps[--att->nmaps];
	struct dma_resv *resv = att->dmabuf->resv;

	if (flags & DMABUF_LAB_MAP_UNLOCKED_API) {
		dma_buf_unmap_attachment_unlocked(att->attach, m->sgt, m->dir);
	} else if (flags & DMABUF_LAB_MAP_VIOLATE_NOLOCK) {
		/* Deliberately without the resv the convention requires. */
		dma_buf_unmap_attachment(att->attach, m->sgt, m->dir);
	} else {
		dma_resv_lock(resv, NULL);
		dma_buf_unmap_attachment(att->attach, m->sgt, m->dir);
		dma_resv_unlock(resv);
	}
	m->sgt = NULL;
	att->unmap_ok++;
}

/* Unmaps everything and detaches; returns the buffer reference to drop. */
static struct dma_buf *lab_att_teardown(struct lab_att *att)
{
	struct dma_buf *dmabuf;

	mutex_lock(&att->lock);
	while (att->nmaps)
		lab_att_unmap_last(att, 0);
	dmabuf = att->dmabuf;
	dma_buf_detach(dmabuf, att->attach);
	att->attach = NULL;
	att->dmabuf = NULL;
	att->lb = NULL;
	mutex_unlock(&att->lock);
	return dmabuf;
}

/* Takes an unregistered attachment off @lf, detaches it, drops @lf's reference. */
static void lab_att_finish(struct lab_file *lf, struct lab_att *att)
{
	mutex_lock(&lf->lock);
	list_del(&att->node);
	mutex_unlock(&lf->lock);
	dma_buf_put(lab_att_teardown(att));
	lab_att_put(att);
}

/* Unregisters an attachment; lab_mutex held. */
static void lab_att_unregister(struct lab_att *att)
{
	xa_erase(&lab_atts, att->id);
	if (att->lb)
		att->lb->lab_atts--;
}

static void lab_att_remove(struct lab_file *lf, struct lab_att *att)
{
	mutex_lock(&lab_mutex);
	lab_att_unregister(att);
	mutex_unlock(&lab_mutex);
	lab_att_finish(lf, att);
}

/**
 * lab_ioc_attach() - DMABUF_LAB_IOC_ATTACH: attach an importer device
 * @lf: the open file the attachment will belong to
 * @uarg: struct dmabuf_lab_attach
 *
 * Attaches importer device @importer to any dma-buf, as a static importer
 * (dma_buf_attach()) or a dynamic one (dma_buf_dynamic_attach() with a
 * move_notify/invalidate_mappings callback). The attachment holds a
 * reference to the buffer until it is detached; closing @lf detaches it.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written (the attachment is undone);
 * -EINVAL for a wrong size field, unknown flags, an importer index or mode
 * out of range, or an fd that is not a dma-buf;
 * -EBADF if the fd is not open;
 * -ENOENT if no lab buffer the module holds has the id (lab_target_get());
 * -ENOMEM when memory runs out;
 * -EBUSY when no attachment id is left;
 * an error of dma_buf_attach() or the exporter's attach callback.
 */
long lab_ioc_attach(struct lab_file *lf, void __user *uarg)
{
	struct dma_buf_attachment *attach;
	struct dmabuf_lab_attach a;
	struct dma_buf *dmabuf;
	static u32 next_id;
	struct lab_att *att;
	struct device *dev;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags & ~DMABUF_LAB_BY_ID)
		return -EINVAL;
	if (a.importer >= lab_nr_importers || a.mode > DMABUF_LAB_IMP_DYNAMIC)
		return -EINVAL;
	dmabuf = lab_target_get(a.flags, a.fd, a.buf_id, false);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	att = kzalloc(sizeof(*att), GFP_KERNEL);
	if (!att) {
		ret = -ENOMEM;
		goto err_put;
	}
	kref_init(&att->ref);
	mutex_init(&att->lock);
	atomic_set(&att->moves, 0);
	att->owner = lf;
	att->dev_idx = a.importer;
	att->dynamic = a.mode == DMABUF_LAB_IMP_DYNAMIC;
	att->dmabuf = dmabuf;
	att->ino = file_inode(dmabuf->file)->i_ino;
	strscpy(att->exp_name, dmabuf->exp_name ?: "", sizeof(att->exp_name));
	if (lab_is_lab_dmabuf(dmabuf)) {
		att->lb = dmabuf->priv;
		att->lab_buf_id = att->lb->id;
		att->exp_mode = att->lb->mode;
	} else {
		att->exp_mode = lab_foreign_mode(dmabuf);
	}

	dev = lab_importer_dev(a.importer);
	if (att->dynamic)
		attach = dma_buf_dynamic_attach(dmabuf, dev, &lab_importer_ops, att);
	else
		attach = dma_buf_attach(dmabuf, dev);
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		goto err_free;
	}
	att->attach = attach;

	/* On the file's list first: a concurrent DETACH finds it in lab_atts. */
	mutex_lock(&lf->lock);
	list_add_tail(&att->node, &lf->atts);
	mutex_unlock(&lf->lock);
	mutex_lock(&lab_mutex);
	ret = xa_alloc_cyclic(&lab_atts, &att->id, att, xa_limit_31b, &next_id, GFP_KERNEL);
	if (ret >= 0 && att->lb)
		att->lb->lab_atts++;
	mutex_unlock(&lab_mutex);
	if (ret < 0)
		goto err_unlist;

	a.att_id = att->id;
	a.lab_buf_id = att->lab_buf_id;
	a.ino = att->ino;
	memcpy(a.exp_name, att->exp_name, sizeof(a.exp_name));
	if (copy_to_user(uarg, &a, sizeof(a))) {
		lab_att_remove(lf, att);
		return -EFAULT;
	}
	return 0;

err_unlist:
	mutex_lock(&lf->lock);
	list_del(&att->node);
	mutex_unlock(&lf->lock);
	dma_buf_detach(dmabuf, attach);
err_free:
	lab_att_put(att);
err_put:
	dma_buf_put(dmabuf);
	return ret;
}

/*
 * Deliberate lock-order inversion: lab_abba_mutex -> resv, then
 * resv -> lab_abba_mutex. lab_abba_serial keeps two callers from
 * interleaving, so it never deadlocks; lockdep still sees both orders.
 */
static void lab_violate_abba(struct dma_resv *resv)
{
	mutex_lock(&lab_abba_serial);
	mutex_lock(&lab_abba_mutex);
	dma_resv_lock(resv, NULL);
	dma_resv_unlock(resv);
	mutex_unlock(&lab_abba_mutex);

	dma_resv_lock(resv, NULL);
	mutex_lock(&lab_abba_mutex);
	mutex_unlock(&lab_abba_mutex);
	dma_resv_unlock(resv);
	mutex_unlock(&lab_abba_serial);
}

/* Maps once, recording the result; att->lock held, a free slot exists. */
static int lab_att_map(struct lab_att *att, enum dma_data_direction dir, u32 flags,
		       struct dmabuf_lab_map *a)
{
	struct dma_buf_attachment *attach = att->attach;
	struct lab_exp_att *ea = lab_att_exp(att);
	struct dma_resv *resv = att->dmabuf->resv;
	struct sg_table *sgt, *cached_before;
	struct scatterlist *sg;
	u32 calls = 0;
	unsigned int i;

	if (flags & DMABUF_LAB_MAP_VIOLATE_ABBA)
		lab_violate_abba(resv);
	if (ea)
		calls = atomic_read(&ea->map_calls);
	/* The core writes attach->sgt only from our own (serialised) calls. */
	cached_before = lab_attach_cached_sgt(attach);
	if (flags & DMABUF_LAB_MAP_UNLOCKED_API) {
		sgt = dma_buf_map_attachment_unlocked(attach, dir);
	} else if (flags & DMABUF_LAB_MAP_VIOLATE_NOLOCK) {
		/* Deliberately without the resv the convention requires. */
		sgt = dma_buf_map_attachment(attach, dir);
	} else {
		dma_resv_lock(resv, NULL);
		sgt = dma_buf_map_attachment(attach, dir);
		dma_resv_unlock(resv);
	}
	if (IS_ERR(sgt)) {
		att->last_err = PTR_ERR(sgt);
		return att->last_err;
	}
	if (ea)
		calls = atomic_read(&ea->map_calls) - calls;
	/* A lab exporter not called back means the core answered from its cache. */
	att->last_cached = ea ? !calls : cached_before && sgt == cached_before;
	att->last_err = 0;
	att->map_ok++;
	att->maps[att->nmaps].sgt = sgt;
	att->maps[att->nmaps].dir = dir;
	att->nmaps++;

	a->cached = att->last_cached ? DMABUF_LAB_YES : DMABUF_LAB_NO;
	a->exporter_calls = calls;
	a->nents = sgt->nents;
	a->mapped_len = 0;
	for_each_sgtable_dma_sg(sgt, sg, i)
		a->mapped_len += sg_dma_len(sg);
	return 0;
}

/* The attachment @id of @lf, locked and referenced, or an ERR_PTR. */
static struct lab_att *lab_att_lock(struct lab_file *lf, u32 id)
{
	struct lab_att *att = lab_att_get(lf, id);

	if (IS_ERR(att))
		return att;
	mutex_lock(&att->lock);
	if (!att->attach) {
		mutex_unlock(&att->lock);
		lab_att_put(att);
		return ERR_PTR(-ENOENT);
	}
	return att;
}

static void lab_att_unlock(struct lab_att *att)
{
	mutex_unlock(&att->lock);
	lab_att_put(att);
}

#define LAB_MAP_FLAGS (DMABUF_LAB_MAP_UNLOCKED_API | DMABUF_LAB_MAP_VIOLATE_NOLOCK | \
		       DMABUF_LAB_MAP_VIOLATE_ABBA)

/**
 * lab_ioc_map() - DMABUF_LAB_IOC_MAP: map an attachment of this file
 * @lf: the open file
 * @uarg: struct dmabuf_lab_map
 *
 * By default the module takes the buffer's resv around
 * dma_buf_map_attachment(), the locking every importer follows since 6.2.
 * DMABUF_LAB_MAP_UNLOCKED_API uses dma_buf_map_attachment_unlocked();
 * DMABUF_LAB_MAP_VIOLATE_NOLOCK and DMABUF_LAB_MAP_VIOLATE_ABBA break the
 * convention on purpose (see the UAPI header). The mapping is kept until
 * DMABUF_LAB_IOC_UNMAP or detach. A failed map is recorded as the
 * attachment's last_map_err.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written;
 * -EINVAL for a wrong size field, unknown flags, UNLOCKED_API together with
 * VIOLATE_NOLOCK, or an unknown direction;
 * -ENOENT if the attachment does not exist (or was detached);
 * -EPERM if it belongs to another open file;
 * -ENOSPC if it already holds DMABUF_LAB_MAX_MAPS mappings;
 * -EBUSY from the core when a cache_sgt_mapping table of another direction
 * is cached (kernels before 6.16);
 * another error of dma_buf_map_attachment() or the exporter.
 */
long lab_ioc_map(struct lab_file *lf, void __user *uarg)
{
	enum dma_data_direction dir;
	struct dmabuf_lab_map a;
	struct lab_att *att;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags & ~LAB_MAP_FLAGS)
		return -EINVAL;
	if ((a.flags & DMABUF_LAB_MAP_UNLOCKED_API) && (a.flags & DMABUF_LAB_MAP_VIOLATE_NOLOCK))
		return -EINVAL;
	if (lab_dir_from_user(a.dir, &dir))
		return -EINVAL;
	att = lab_att_lock(lf, a.att_id);
	if (IS_ERR(att))
		return PTR_ERR(att);
	if (att->nmaps == DMABUF_LAB_MAX_MAPS)
		ret = -ENOSPC;
	else
		ret = lab_att_map(att, dir, a.flags, &a);
	lab_att_unlock(att);
	if (!ret && copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
	return ret;
}

/**
 * lab_ioc_unmap() - DMABUF_LAB_IOC_UNMAP: unmap the newest mapping
 * @lf: the open file
 * @uarg: struct dmabuf_lab_ref, @id an attachment of @lf
 *
 * Locks as lab_ioc_map() does, by @flags.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read;
 * -EINVAL for a wrong size field, unknown flags or UNLOCKED_API together
 * with VIOLATE_NOLOCK;
 * -ENOENT if the attachment does not exist (or was detached);
 * -EPERM if it belongs to another open file;
 * -ENODATA if it holds no mapping.
 */
long lab_ioc_unmap(struct lab_file *lf, void __user *uarg)
{
	struct dmabuf_lab_ref a;
	struct lab_att *att;
	int ret = 0;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) ||
	    a.flags & ~(DMABUF_LAB_MAP_UNLOCKED_API | DMABUF_LAB_MAP_VIOLATE_NOLOCK))
		return -EINVAL;
	if ((a.flags & DMABUF_LAB_MAP_UNLOCKED_API) && (a.flags & DMABUF_LAB_MAP_VIOLATE_NOLOCK))
		return -EINVAL;
	att = lab_att_lock(lf, a.id);
	if (IS_ERR(att))
		return PTR_ERR(att);
	if (att->nmaps)
		lab_att_unmap_last(att, a.flags);
	else
		ret = -ENODATA;
	lab_att_unlock(att);
	return ret;
}

/**
 * lab_ioc_detach() - DMABUF_LAB_IOC_DETACH: unmap all, detach, drop the buffer
 * @lf: the open file
 * @uarg: struct dmabuf_lab_ref, @id an attachment of @lf
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read;
 * -EINVAL for a wrong size field or flags;
 * -ENOENT if the attachment does not exist (never made, or already
 * detached: a double detach);
 * -EPERM if it belongs to another open file (it stays attached).
 */
long lab_ioc_detach(struct lab_file *lf, void __user *uarg)
{
	struct dmabuf_lab_ref a;
	struct lab_att *att;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags)
		return -EINVAL;
	mutex_lock(&lab_mutex);
	att = xa_load(&lab_atts, a.id);
	if (!att || att->owner != lf) {
		mutex_unlock(&lab_mutex);
		return att ? -EPERM : -ENOENT;
	}
	lab_att_unregister(att);
	mutex_unlock(&lab_mutex);
	lab_att_finish(lf, att);
	return 0;
}

/* Detaches every attachment of a file being closed (no ioctl can run on it). */
void lab_file_detach_all(struct lab_file *lf)
{
	struct lab_att *att, *tmp;

	list_for_each_entry_safe(att, tmp, &lf->atts, node)
		lab_att_remove(lf, att);
}

/**
 * lab_ioc_att_info() - DMABUF_LAB_IOC_ATT_INFO: state of any attachment
 * @uarg: struct dmabuf_lab_att_info
 *
 * Any live attachment can be read, whichever file owns it. For a lab
 * exporter, pinned comes from the exporter's pin count of this attachment;
 * for a foreign exporter it is DMABUF_LAB_UNKNOWN.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written;
 * -EINVAL for a wrong size field or flags;
 * -ENOENT if the attachment does not exist.
 */
long lab_ioc_att_info(void __user *uarg)
{
	struct dmabuf_lab_att_info a;
	struct lab_exp_att *ea;
	struct lab_att *att;
	enum dma_data_direction cdir;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags)
		return -EINVAL;
	att = lab_att_lock(NULL, a.att_id);
	if (IS_ERR(att))
		return PTR_ERR(att);
	ea = lab_att_exp(att);
	a.buf_id = att->lab_buf_id;
	a.ino = att->ino;
	a.importer = att->dev_idx;
	a.importer_dynamic = att->dynamic;
	a.exporter_lab = !!att->lb;
	a.exporter_dynamic = dma_buf_is_dynamic(att->dmabuf);
	a.exporter_mode = att->exp_mode;
	a.cached = att->last_cached;
	cdir = lab_attach_cached_dir(att->attach);
	a.cached_dir = cdir == DMA_NONE ? DMABUF_LAB_DIR_NONE : (u32)cdir;
	a.pins = ea ? atomic_read(&ea->pins) : 0;
	a.pinned = !ea ? DMABUF_LAB_UNKNOWN : a.pins > 0 ? DMABUF_LAB_YES : DMABUF_LAB_NO;
	a.maps = att->map_ok;
	a.unmaps = att->unmap_ok;
	a.mapped = att->nmaps;
	a.moves = atomic_read(&att->moves);
	a.last_map_err = att->last_err;
	a.exporter_map_calls = ea ? atomic_read(&ea->map_calls) : 0;
	a.exporter_unmap_calls = ea ? atomic_read(&ea->unmap_calls) : 0;
	memcpy(a.exp_name, att->exp_name, sizeof(a.exp_name));
	strscpy(a.dev_name, dev_name(att->attach->dev), sizeof(a.dev_name));
	lab_att_unlock(att);
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

/**
 * lab_ioc_cpu_read() - DMABUF_LAB_IOC_CPU_READ: read 8 bytes via vmap
 * @uarg: struct dmabuf_lab_cpu
 *
 * dma_buf_begin_cpu_access(), dma_buf_vmap() (the _unlocked variant from
 * 6.2), the read, dma_buf_vunmap(), dma_buf_end_cpu_access().
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written;
 * -EINVAL for a wrong size field, unknown flags, an fd that is not a dma-buf
 * or an offset past the end;
 * -EBADF if the fd is not open;
 * -ENOENT if no lab buffer the module holds has the id (lab_target_get());
 * -EOPNOTSUPP if the exporter has no vmap;
 * an error of begin_cpu_access or vmap.
 */
long lab_ioc_cpu_read(void __user *uarg)
{
	struct dmabuf_lab_cpu a;
	struct dma_buf *dmabuf;
	struct iosys_map map;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags & ~DMABUF_LAB_BY_ID)
		return -EINVAL;
	dmabuf = lab_target_get(a.flags, a.fd, a.buf_id, false);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	ret = -EINVAL;
	if (dmabuf->size < sizeof(a.value) || a.offset > dmabuf->size - sizeof(a.value))
		goto out;
	ret = -EOPNOTSUPP;
	if (!dmabuf->ops->vmap)
		goto out;
	ret = dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	ret = lab_vmap(dmabuf, &map);
	if (!ret) {
		iosys_map_memcpy_from(&a.value, &map, a.offset, sizeof(a.value));
		lab_vunmap(dmabuf, &map);
	}
	dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE);
	if (!ret && copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out:
	dma_buf_put(dmabuf);
	return ret;
}

/**
 * lab_ioc_bench() - DMABUF_LAB_IOC_BENCH: attach, map, unmap, detach x N
 * @uarg: struct dmabuf_lab_bench
 *
 * The loop locks as lab_ioc_map() does by default and stops early on a
 * fatal signal; @total_ns covers the whole loop.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written;
 * -EINVAL for a wrong size field, unknown flags, an importer index, mode or
 * direction out of range, 0 or more than max_bench_iters iterations, or an
 * fd that is not a dma-buf;
 * -EBADF if the fd is not open;
 * -ENOENT if no lab buffer the module holds has the id (lab_target_get());
 * the first error of an attach or a map (the loop stops there).
 */
long lab_ioc_bench(void __user *uarg)
{
	struct dma_buf_attachment *attach;
	enum dma_data_direction dir;
	struct dmabuf_lab_bench a;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	struct device *dev;
	u64 start;
	int ret = 0;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags & ~DMABUF_LAB_BY_ID)
		return -EINVAL;
	if (a.importer >= lab_nr_importers || a.mode > DMABUF_LAB_IMP_DYNAMIC ||
	    lab_dir_from_user(a.dir, &dir) || !a.iterations ||
	    a.iterations > lab_max_bench_iters)
		return -EINVAL;
	dmabuf = lab_target_get(a.flags, a.fd, a.buf_id, false);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	dev = lab_importer_dev(a.importer);

	start = ktime_get_ns();
	for (a.done = 0; a.done < a.iterations; a.done++) {
		if (a.mode == DMABUF_LAB_IMP_DYNAMIC)
			attach = dma_buf_dynamic_attach(dmabuf, dev, &lab_importer_ops, NULL);
		else
			attach = dma_buf_attach(dmabuf, dev);
		if (IS_ERR(attach)) {
			ret = PTR_ERR(attach);
			break;
		}
		dma_resv_lock(dmabuf->resv, NULL);
		sgt = dma_buf_map_attachment(attach, dir);
		if (!IS_ERR(sgt))
			dma_buf_unmap_attachment(attach, sgt, dir);
		dma_resv_unlock(dmabuf->resv);
		dma_buf_detach(dmabuf, attach);
		if (IS_ERR(sgt)) {
			ret = PTR_ERR(sgt);
			break;
		}
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	a.total_ns = ktime_get_ns() - start;
	dma_buf_put(dmabuf);
	if (!ret && copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
	return ret;
}
