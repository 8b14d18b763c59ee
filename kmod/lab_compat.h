/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab_compat.h - every place where the dma-buf API of the supported kernels
 * (Debian 6.1.y and 7.3.y) differs, one shim each, with the change it follows.
 * Nothing else in dmabuf_lab tests LINUX_VERSION_CODE.
 */
#ifndef _LAB_COMPAT_H
#define _LAB_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/version.h>
#include <linux/workqueue.h>

/*
 * 6.13: "module: Convert symbol namespace to string literal" - the namespace
 * argument of MODULE_IMPORT_NS() became a string.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define LAB_IMPORT_DMA_BUF_NS()	MODULE_IMPORT_NS("DMA_BUF")
#else
#define LAB_IMPORT_DMA_BUF_NS()	MODULE_IMPORT_NS(DMA_BUF)
#endif

/*
 * 6.16: "dma-buf: dma-buf: stop mapping sg_tables on attach v2" and
 * "dma-buf: drop caching of sg_tables" removed dma_buf_ops.cache_sgt_mapping,
 * dma_buf_attachment.sgt/.dir and the mapping made at attach time when
 * importer and exporter disagree about being dynamic.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define LAB_HAVE_SGT_CACHE	1
static inline struct sg_table *lab_attach_cached_sgt(struct dma_buf_attachment *attach)
{
	return attach->sgt;
}

static inline enum dma_data_direction lab_attach_cached_dir(struct dma_buf_attachment *attach)
{
	return attach->sgt ? attach->dir : DMA_NONE;
}

static inline bool lab_ops_cache_sgt(const struct dma_buf_ops *ops)
{
	return ops->cache_sgt_mapping;
}
#define LAB_OPS_CACHE_SGT	.cache_sgt_mapping = true,
#else
#define LAB_HAVE_SGT_CACHE	0
static inline struct sg_table *lab_attach_cached_sgt(struct dma_buf_attachment *attach)
{
	return NULL;
}

static inline enum dma_data_direction lab_attach_cached_dir(struct dma_buf_attachment *attach)
{
	return DMA_NONE;
}

static inline bool lab_ops_cache_sgt(const struct dma_buf_ops *ops)
{
	return false;
}
#define LAB_OPS_CACHE_SGT
#endif

/*
 * 6.2: "dma-buf: Move dma_buf_map_attachment() to dynamic locking
 * specification" - every importer holds the resv around map/unmap (the
 * *_unlocked() wrappers take it), so a static exporter is called with the
 * resv held too. Debian's 6.1.y has the map wrappers backported, but its
 * attach-time mapping of a dynamic importer still calls a static exporter
 * without the resv, and static importers may still map without it: on 6.1
 * a static exporter has no locking rule to break.
 * The same series added dma_buf_vmap_unlocked(), not backported to 6.1.y
 * (there dma_buf_vmap() takes dmabuf->lock itself).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define LAB_STATIC_NEEDS_RESV	1
#define lab_vmap		dma_buf_vmap_unlocked
#define lab_vunmap		dma_buf_vunmap_unlocked
#else
#define LAB_STATIC_NEEDS_RESV	0
#define lab_vmap		dma_buf_vmap
#define lab_vunmap		dma_buf_vunmap
#endif

/*
 * 7.1 (the "dmabuf-revoke" series): dma_buf_attach_ops.move_notify renamed
 * .invalidate_mappings, "dma-buf: Rename dma_buf_move_notify() to
 * dma_buf_invalidate_mappings()", "dma-buf: Always build with
 * DMABUF_MOVE_NOTIFY" (the option is gone: a dynamic importer is never
 * pinned at map) and "dma-buf: Make .invalidate_mapping() truly optional"
 * (only importers with the callback are notified).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 1, 0)
#define LAB_HAVE_INVALIDATE_MAPPINGS	1
#define LAB_IMPORTER_MOVE_OP(fn)	.invalidate_mappings = (fn)
#define lab_move_notify			dma_buf_invalidate_mappings
static inline bool lab_attach_notifiable(struct dma_buf_attachment *attach)
{
	return attach->importer_ops && attach->importer_ops->invalidate_mappings;
}
#else
#define LAB_HAVE_INVALIDATE_MAPPINGS	0
#define LAB_IMPORTER_MOVE_OP(fn)	.move_notify = (fn)
#define lab_move_notify			dma_buf_move_notify
static inline bool lab_attach_notifiable(struct dma_buf_attachment *attach)
{
	return attach->importer_ops != NULL;
}
#endif

/*
 * 6.17: "workqueue: Add system_percpu_wq and system_dfl_wq" (128ea9f6ccfb);
 * 7.x logs a notice for work queued on the old system_unbound_wq.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define lab_unbound_wq		system_dfl_wq
#else
#define lab_unbound_wq		system_unbound_wq
#endif

/*
 * Is the reservation lock held by the calling task? lockdep answers this
 * (lockdep_is_held()), but the Debian kernels have no lockdep, and
 * dma_resv_is_locked() only says that *some* task holds it. A ww_mutex is a
 * struct mutex (rt_mutex on PREEMPT_RT) whose owner word is the owning
 * task_struct with flag bits in the low bits (MUTEX_FLAGS 0x07 in
 * kernel/locking/mutex.c since 4.10, RT_MUTEX_HAS_WAITERS 0x01 for
 * rt_mutex); the lock is taken by setting that word to current, on the fast
 * path too. Reading it is racy only for other tasks' locks, and a task's own
 * ownership cannot change under its feet, so the comparison is exact for
 * the question asked.
 */
static inline bool lab_resv_held_by_current(struct dma_resv *resv)
{
#ifdef CONFIG_PREEMPT_RT
	unsigned long owner = (unsigned long)READ_ONCE(resv->lock.base.rtmutex.owner);

	return (owner & ~1UL) == (unsigned long)current;
#else
	unsigned long owner = atomic_long_read(&resv->lock.base.owner);

	return (owner & ~0x07UL) == (unsigned long)current;
#endif
}

#endif /* _LAB_COMPAT_H */
