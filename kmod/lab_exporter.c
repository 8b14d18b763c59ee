// SPDX-License-Identifier: GPL-2.0
/*
 * lab_exporter.c - dmabuf_lab's exporter: buffers of whole pages in static,
 * static + cache_sgt_mapping or dynamic mode, with a locking-contract check
 * in every callback the core calls under the convention.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "lab_compat.h"
#include "lab_internal.h"

static struct lab_buf *lab_buf_of(struct dma_buf *dmabuf)
{
	return dmabuf->priv;
}

/**
 * lab_exp_check_contract() - check the locking contract of a callback
 * @dmabuf: the lab buffer the core called back for
 * @op: the callback, for the log
 *
 * The convention (the seed's patch, as the kernels implement it today):
 *
 * - A dynamic exporter (one with pin/unpin) has map_dma_buf, unmap_dma_buf,
 *   pin and unpin called with the buffer's resv held by the calling task,
 *   on every kernel since 5.7. dma_resv_assert_held() says so (and splats
 *   on a lockdep kernel).
 * - A static exporter (also with cache_sgt_mapping) has map_dma_buf and
 *   unmap_dma_buf called with the resv held by the calling task from 6.2
 *   on (LAB_STATIC_NEEDS_RESV), where dma_buf_map_attachment() asserts it
 *   for every importer. On 6.1 there is no rule to break: the core maps a
 *   static exporter without the resv at a dynamic importer's attach and
 *   static importers may map without it, while the backported *_unlocked()
 *   wrappers call it with the resv held. The seed's "assert it is not held
 *   in the static case" therefore holds on no kernel we run.
 *
 * "Held by the calling task" is decided without lockdep from the owner of
 * the resv's ww_mutex, see lab_resv_held_by_current(): a resv locked by
 * another task does not satisfy the contract. A call that breaks the rule
 * counts one violation on the buffer and is logged (rate limited, at
 * notice level: it is a finding of the test, not a kernel bug).
 */
static void lab_exp_check_contract(struct dma_buf *dmabuf, const char *op)
{
	struct lab_buf *lb = lab_buf_of(dmabuf);
	bool dynamic = lb->mode == DMABUF_LAB_EXP_DYNAMIC;

	if (!dynamic && !LAB_STATIC_NEEDS_RESV)
		return;
	dma_resv_assert_held(dmabuf->resv);
	if (lab_resv_held_by_current(dmabuf->resv))
		return;
	atomic_inc(&lb->violations);
	pr_notice_ratelimited(LAB_NAME ": contract: %s of buffer %u (%s exporter) called without the reservation lock held by the caller\n",
			      op, lb->id, dynamic ? "dynamic" : "static");
}

static int lab_exp_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct lab_buf *lb = lab_buf_of(dmabuf);
	struct lab_exp_att *ea;

	ea = kzalloc(sizeof(*ea), GFP_KERNEL);
	if (!ea)
		return -ENOMEM;
	ea->attach = attach;
	attach->priv = ea;
	/* The core calls attach without the resv (6.1 and 7.x alike). */
	dma_resv_lock(dmabuf->resv, NULL);
	list_add_tail(&ea->node, &lb->attachments);
	dma_resv_unlock(dmabuf->resv);
	return 0;
}

static void lab_exp_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct lab_exp_att *ea = attach->priv;

	dma_resv_lock(dmabuf->resv, NULL);
	list_del(&ea->node);
	dma_resv_unlock(dmabuf->resv);
	attach->priv = NULL;
	kfree(ea);
}

static int lab_exp_pin(struct dma_buf_attachment *attach)
{
	struct lab_exp_att *ea = attach->priv;

	lab_exp_check_contract(attach->dmabuf, "pin");
	atomic_inc(&lab_buf_of(attach->dmabuf)->pin_calls);
	atomic_inc(&ea->pins);
	return 0;
}

static void lab_exp_unpin(struct dma_buf_attachment *attach)
{
	struct lab_exp_att *ea = attach->priv;

	lab_exp_check_contract(attach->dmabuf, "unpin");
	atomic_inc(&lab_buf_of(attach->dmabuf)->unpin_calls);
	atomic_dec(&ea->pins);
}

static struct sg_table *lab_exp_map(struct dma_buf_attachment *attach,
				    enum dma_data_direction dir)
{
	struct lab_buf *lb = lab_buf_of(attach->dmabuf);
	struct lab_exp_att *ea = attach->priv;
	struct sg_table *sgt;
	int ret;

	lab_exp_check_contract(attach->dmabuf, "map_dma_buf");
	atomic_inc(&lb->map_calls);
	atomic_inc(&ea->map_calls);

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sgt, lb->pages, lb->npages, 0,
					lb->npages << PAGE_SHIFT, GFP_KERNEL);
	if (ret)
		goto err_free;
	/*
	 * The tests map one buffer several times to one device, which
	 * CONFIG_DMA_API_DEBUG reports as overlapping mappings unless the map
	 * skips the CPU sync; sync explicitly instead (as DRM's PRIME helpers do).
	 */
	ret = dma_map_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_table;
	dma_sync_sgtable_for_device(attach->dev, sgt, dir);
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void lab_exp_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
			  enum dma_data_direction dir)
{
	struct lab_exp_att *ea = attach->priv;

	lab_exp_check_contract(attach->dmabuf, "unmap_dma_buf");
	atomic_inc(&lab_buf_of(attach->dmabuf)->unmap_calls);
	atomic_inc(&ea->unmap_calls);
	dma_sync_sgtable_for_cpu(attach->dev, sgt, dir);
	dma_unmap_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
}

static void lab_buf_free(struct lab_buf *lb)
{
	pgoff_t i;

	for (i = 0; i < lb->npages; i++)
		if (lb->pages[i])
			__free_page(lb->pages[i]);
	kvfree(lb->pages);
	kfree(lb);
}

/* Called by the core when the last reference is gone, before it frees the resv. */
static void lab_exp_release(struct dma_buf *dmabuf)
{
	struct lab_buf *lb = lab_buf_of(dmabuf);

	mutex_lock(&lab_mutex);
	xa_erase(&lab_bufs, lb->id);
	mutex_unlock(&lab_mutex);
	lab_buf_free(lb);
}

static int lab_exp_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct lab_buf *lb = lab_buf_of(dmabuf);

	atomic_inc(&lb->mmaps);
	return vm_map_pages(vma, lb->pages, lb->npages);
}

static int lab_exp_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct lab_buf *lb = lab_buf_of(dmabuf);
	void *vaddr;

	vaddr = vmap(lb->pages, lb->npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	atomic_inc(&lb->vmaps);
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void lab_exp_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	vunmap(map->vaddr);
}

/* The pages are ordinary cached kernel memory: nothing to flush, count only. */
static int lab_exp_begin_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	atomic_inc(&lab_buf_of(dmabuf)->cpu_accesses);
	return 0;
}

static int lab_exp_end_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return 0;
}

#define LAB_EXP_COMMON_OPS				\
	.attach = lab_exp_attach,			\
	.detach = lab_exp_detach,			\
	.map_dma_buf = lab_exp_map,			\
	.unmap_dma_buf = lab_exp_unmap,			\
	.release = lab_exp_release,			\
	.mmap = lab_exp_mmap,				\
	.vmap = lab_exp_vmap,				\
	.vunmap = lab_exp_vunmap,			\
	.begin_cpu_access = lab_exp_begin_cpu,		\
	.end_cpu_access = lab_exp_end_cpu

static const struct dma_buf_ops lab_exp_static_ops = {
	LAB_EXP_COMMON_OPS,
};

static const struct dma_buf_ops lab_exp_cached_ops = {
	LAB_OPS_CACHE_SGT
	LAB_EXP_COMMON_OPS,
};

static const struct dma_buf_ops lab_exp_dynamic_ops = {
	LAB_EXP_COMMON_OPS,
	.pin = lab_exp_pin,
	.unpin = lab_exp_unpin,
};

bool lab_is_lab_dmabuf(struct dma_buf *dmabuf)
{
	return dmabuf->ops == &lab_exp_static_ops || dmabuf->ops == &lab_exp_cached_ops ||
	       dmabuf->ops == &lab_exp_dynamic_ops;
}

static const struct dma_buf_ops *lab_exp_ops_for(u32 mode)
{
	switch (mode) {
	case DMABUF_LAB_EXP_STATIC:
		return &lab_exp_static_ops;
	case DMABUF_LAB_EXP_STATIC_CACHED:
		return LAB_HAVE_SGT_CACHE ? &lab_exp_cached_ops : ERR_PTR(-EOPNOTSUPP);
	case DMABUF_LAB_EXP_DYNAMIC:
		return &lab_exp_dynamic_ops;
	}
	return ERR_PTR(-EINVAL);
}

static struct lab_buf *lab_buf_alloc(u32 mode, u32 pages)
{
	struct lab_buf *lb;
	pgoff_t i;

	lb = kzalloc(sizeof(*lb), GFP_KERNEL);
	if (!lb)
		return NULL;
	lb->mode = mode;
	INIT_LIST_HEAD(&lb->attachments);
	lb->pages = kvcalloc(pages, sizeof(*lb->pages), GFP_KERNEL);
	if (!lb->pages) {
		kfree(lb);
		return NULL;
	}
	lb->npages = pages;
	for (i = 0; i < pages; i++) {
		lb->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!lb->pages[i]) {
			lab_buf_free(lb);
			return NULL;
		}
	}
	return lb;
}

/* Sets the module's name and the core's, under the resv (the convention). */
static int lab_buf_set_name(struct lab_buf *lb, const char *name)
{
	struct dma_buf *dmabuf = lb->dmabuf;
	char *core_name;

	core_name = kstrdup(name, GFP_KERNEL);
	if (!core_name)
		return -ENOMEM;
	dma_resv_lock(dmabuf->resv, NULL);
	strscpy(lb->name, name, sizeof(lb->name));
	spin_lock(&dmabuf->name_lock);
	kfree(dmabuf->name);
	dmabuf->name = core_name;
	spin_unlock(&dmabuf->name_lock);
	dma_resv_unlock(dmabuf->resv);
	return 0;
}

/**
 * lab_ioc_export() - DMABUF_LAB_IOC_EXPORT: create a lab dma-buf
 * @uarg: struct dmabuf_lab_export
 *
 * The buffer has @pages zeroed pages, the exporter ops of @mode and the
 * optional @name (on the dma-buf too, as DMA_BUF_SET_NAME would). It is
 * returned as an O_CLOEXEC fd, or with DMABUF_LAB_EXPORT_KERNEL_HELD kept
 * by the module alone: such a buffer holds no module reference and is
 * released by DMABUF_LAB_IOC_RELEASE or at module unload.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written;
 * -EINVAL for a wrong size field, unknown flags, an unknown mode, 0 pages or
 * more than max_pages, or a name without its NUL;
 * -EOPNOTSUPP for DMABUF_LAB_EXP_STATIC_CACHED on a kernel without
 * cache_sgt_mapping (6.16 and later);
 * -ENOMEM when memory runs out;
 * -EBUSY when no buffer id is left;
 * -EMFILE (or another get_unused_fd_flags() error) when no fd is free;
 * an error of dma_buf_export().
 */
long lab_ioc_export(void __user *uarg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct dmabuf_lab_export a;
	const struct dma_buf_ops *ops;
	struct dma_buf *dmabuf;
	static u32 next_id;
	struct lab_buf *lb;
	bool kernel_held;
	int fd = -1;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags & ~DMABUF_LAB_EXPORT_KERNEL_HELD)
		return -EINVAL;
	if (!a.pages || a.pages > lab_max_pages)
		return -EINVAL;
	if (strnlen(a.name, sizeof(a.name)) == sizeof(a.name))
		return -EINVAL;
	ops = lab_exp_ops_for(a.mode);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	kernel_held = a.flags & DMABUF_LAB_EXPORT_KERNEL_HELD;

	lb = lab_buf_alloc(a.mode, a.pages);
	if (!lb)
		return -ENOMEM;
	exp.ops = ops;
	exp.size = (size_t)a.pages << PAGE_SHIFT;
	exp.flags = O_RDWR;
	exp.priv = lb;
	dmabuf = dma_buf_export(&exp);
	if (IS_ERR(dmabuf)) {
		lab_buf_free(lb);
		return PTR_ERR(dmabuf);
	}
	/* From here on the dma-buf owns lb: dma_buf_put() frees both. */
	lb->dmabuf = dmabuf;
	lb->ino = file_inode(dmabuf->file)->i_ino;
	if (a.name[0]) {
		ret = lab_buf_set_name(lb, a.name);
		if (ret)
			goto err_put;
	}

	mutex_lock(&lab_mutex);
	ret = xa_alloc_cyclic(&lab_bufs, &lb->id, lb, xa_limit_31b, &next_id, GFP_KERNEL);
	mutex_unlock(&lab_mutex);
	if (ret < 0)
		goto err_put;

	if (!kernel_held) {
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0) {
			ret = fd;
			goto err_put;
		}
	}
	a.fd = fd;
	a.buf_id = lb->id;
	a.ino = lb->ino;
	if (copy_to_user(uarg, &a, sizeof(a))) {
		ret = -EFAULT;
		goto err_fd;
	}
	if (kernel_held) {
		mutex_lock(&lab_mutex);
		lb->kernel_held = true;
		mutex_unlock(&lab_mutex);
		/*
		 * dma_buf_export() took a module reference for the buffer; one
		 * only the module holds must not keep the module from unloading:
		 * lab_release_kernel_held_all() releases it at unload. Whoever
		 * ends the kernel hold gives the reference back first.
		 */
		module_put(THIS_MODULE);
	} else {
		fd_install(fd, dmabuf->file);
	}
	return 0;

err_fd:
	if (fd >= 0)
		put_unused_fd(fd);
err_put:
	dma_buf_put(dmabuf);
	return ret;
}

/**
 * lab_target_get() - the dma-buf an ioctl names, with a reference
 * @flags: the ioctl's flags; DMABUF_LAB_BY_ID selects @buf_id over @fd
 * @fd: a dma-buf fd
 * @buf_id: a lab buffer id
 * @lab_only: refuse a dma-buf this module did not export
 *
 * By id, only a buffer the module holds a reference to is found: a
 * kernel-held one, or one with an attachment of the module's importers.
 *
 * Return: the dma-buf (release with dma_buf_put()), or
 * ERR_PTR(-EBADF) if @fd is not an open fd;
 * ERR_PTR(-EINVAL) if @fd is not a dma-buf, or with @lab_only not a lab one;
 * ERR_PTR(-ENOENT) if no such lab buffer has @buf_id.
 */
struct dma_buf *lab_target_get(u32 flags, s32 fd, u32 buf_id, bool lab_only)
{
	struct dma_buf *dmabuf;
	struct lab_buf *lb;

	if (!(flags & DMABUF_LAB_BY_ID)) {
		dmabuf = dma_buf_get(fd);
		if (IS_ERR(dmabuf))
			return dmabuf;
		if (lab_only && !lab_is_lab_dmabuf(dmabuf)) {
			dma_buf_put(dmabuf);
			return ERR_PTR(-EINVAL);
		}
		return dmabuf;
	}
	mutex_lock(&lab_mutex);
	lb = xa_load(&lab_bufs, buf_id);
	if (lb && (lb->kernel_held || lb->lab_atts)) {
		dmabuf = lb->dmabuf;
		get_dma_buf(dmabuf);
	} else {
		dmabuf = ERR_PTR(-ENOENT);
	}
	mutex_unlock(&lab_mutex);
	return dmabuf;
}

/**
 * lab_ioc_release() - DMABUF_LAB_IOC_RELEASE: end the module's hold
 * @uarg: struct dmabuf_lab_ref, @id a kernel-held buffer
 *
 * The buffer is freed unless attachments still reference it.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read;
 * -EINVAL for a wrong size field, flags, or a buffer that is not kernel-held;
 * -ENOENT if no live lab buffer has @id.
 */
long lab_ioc_release(void __user *uarg)
{
	struct dmabuf_lab_ref a;
	struct lab_buf *lb;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags)
		return -EINVAL;
	mutex_lock(&lab_mutex);
	lb = xa_load(&lab_bufs, a.id);
	if (!lb || !lb->kernel_held) {
		mutex_unlock(&lab_mutex);
		return lb ? -EINVAL : -ENOENT;
	}
	lb->kernel_held = false;
	mutex_unlock(&lab_mutex);
	/* Give the buffer its module reference back, then drop the hold. */
	__module_get(THIS_MODULE);
	dma_buf_put(lb->dmabuf);
	return 0;
}

struct lab_unload_work {
	struct work_struct work;
	struct list_head bufs;
};

struct lab_unload_buf {
	struct list_head node;
	struct dma_buf *dmabuf;
};

/*
 * Runs in a kworker: __fput_sync() releases a file synchronously only from
 * a kernel thread (fput() from rmmod's task would defer the release past the
 * module's unload).
 */
static void lab_unload_work_fn(struct work_struct *work)
{
	struct lab_unload_work *uw = container_of(work, struct lab_unload_work, work);
	struct lab_unload_buf *ub, *tmp;

	list_for_each_entry_safe(ub, tmp, &uw->bufs, node) {
		struct file *file = ub->dmabuf->file;
		unsigned int waited = 0;

		/* A transient reader (BPF dmabuf iterator) must let go first. */
		while (file_count(file) > 1) {
			if (!(++waited % 250))
				pr_info(LAB_NAME ": unload waits for a reference to buffer ino %llu\n",
					(unsigned long long)file_inode(file)->i_ino);
			msleep(20);
		}
		__module_get(THIS_MODULE);
		__fput_sync(file);
		list_del(&ub->node);
		kfree(ub);
	}
}

/**
 * lab_release_kernel_held_all() - release every kernel-held buffer at unload
 *
 * Called from module exit, when no file of /dev/dmabuf_lab is open: the
 * module's hold is the only reference a kernel-held buffer can have left.
 * Each is released synchronously, so its release callback has run before
 * the module's code goes away.
 */
void lab_release_kernel_held_all(void)
{
	struct lab_unload_work uw;
	struct lab_unload_buf *ub;
	struct lab_buf *lb;
	unsigned long id;

	INIT_WORK_ONSTACK(&uw.work, lab_unload_work_fn);
	INIT_LIST_HEAD(&uw.bufs);
	mutex_lock(&lab_mutex);
	xa_for_each(&lab_bufs, id, lb) {
		if (!lb->kernel_held)
			continue;
		ub = kmalloc(sizeof(*ub), GFP_KERNEL | __GFP_NOFAIL);
		ub->dmabuf = lb->dmabuf;
		lb->kernel_held = false;
		list_add_tail(&ub->node, &uw.bufs);
	}
	mutex_unlock(&lab_mutex);
	if (!list_empty(&uw.bufs)) {
		queue_work(lab_unbound_wq, &uw.work);
		flush_work(&uw.work);
	}
	destroy_work_on_stack(&uw.work);
}

/**
 * lab_ioc_buf_info() - DMABUF_LAB_IOC_BUF_INFO: counters of a lab buffer
 * @uarg: struct dmabuf_lab_buf_info
 *
 * The attachment list and the name are read under the buffer's resv.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written;
 * -EINVAL for a wrong size field, unknown flags, or an fd that is not a
 * lab dma-buf;
 * -EBADF if the fd is not open;
 * -ENOENT if no lab buffer the module holds has the id (lab_target_get());
 * -EINTR if a signal interrupted the wait for the resv.
 */
long lab_ioc_buf_info(void __user *uarg)
{
	struct dmabuf_lab_buf_info a;
	struct lab_exp_att *ea;
	struct dma_buf *dmabuf;
	struct lab_buf *lb;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags & ~DMABUF_LAB_BY_ID)
		return -EINVAL;
	dmabuf = lab_target_get(a.flags, a.fd, a.buf_id, true);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	lb = lab_buf_of(dmabuf);

	a.buf_id = lb->id;
	a.ino = lb->ino;
	a.mode = lb->mode;
	a.pages = lb->npages;
	a.attachments = 0;
	a.pins = 0;
	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		goto out;
	list_for_each_entry(ea, &lb->attachments, node) {
		a.attachments++;
		a.pins += atomic_read(&ea->pins);
	}
	memcpy(a.name, lb->name, sizeof(a.name));
	dma_resv_unlock(dmabuf->resv);
	mutex_lock(&lab_mutex);
	a.kernel_held = lb->kernel_held ? DMABUF_LAB_YES : DMABUF_LAB_NO;
	mutex_unlock(&lab_mutex);
	a.map_calls = atomic_read(&lb->map_calls);
	a.unmap_calls = atomic_read(&lb->unmap_calls);
	a.pin_calls = atomic_read(&lb->pin_calls);
	a.unpin_calls = atomic_read(&lb->unpin_calls);
	a.moves = atomic_read(&lb->moves);
	a.violations = atomic_read(&lb->violations);
	a.vmaps = atomic_read(&lb->vmaps);
	a.cpu_accesses = atomic_read(&lb->cpu_accesses);
	a.mmaps = atomic_read(&lb->mmaps);
	if (copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out:
	dma_buf_put(dmabuf);
	return ret;
}

/**
 * lab_ioc_move() - DMABUF_LAB_IOC_MOVE: tell the importers the buffer moves
 * @uarg: struct dmabuf_lab_move
 *
 * Calls dma_buf_move_notify() (dma_buf_invalidate_mappings() from 7.1)
 * under the buffer's resv. Only dynamic importers are notified; static
 * importers are not, and those holding a pin keep the buffer where it is;
 * the result counts both from the buffer's own attachment list.
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written;
 * -EINVAL for a wrong size field, unknown flags, or an fd that is not a
 * lab dma-buf;
 * -EBADF if the fd is not open;
 * -ENOENT if no lab buffer the module holds has the id (lab_target_get());
 * -EINTR if a signal interrupted the wait for the resv.
 */
long lab_ioc_move(void __user *uarg)
{
	struct dmabuf_lab_move a;
	struct lab_exp_att *ea;
	struct dma_buf *dmabuf;
	struct lab_buf *lb;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags & ~DMABUF_LAB_BY_ID)
		return -EINVAL;
	dmabuf = lab_target_get(a.flags, a.fd, a.buf_id, true);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	lb = lab_buf_of(dmabuf);

	a.notified = 0;
	a.static_atts = 0;
	a.static_pinned = 0;
	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		goto out;
	list_for_each_entry(ea, &lb->attachments, node) {
		if (lab_attach_notifiable(ea->attach)) {
			a.notified++;
		} else if (!ea->attach->importer_ops) {
			a.static_atts++;
			if (atomic_read(&ea->pins) > 0)
				a.static_pinned++;
		}
	}
	lab_move_notify(dmabuf);
	atomic_inc(&lb->moves);
	dma_resv_unlock(dmabuf->resv);
	if (copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out:
	dma_buf_put(dmabuf);
	return ret;
}
