/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab_internal.h - objects shared by the parts of dmabuf_lab.
 *
 * Lock order: lab_mutex -> lab_att.lock -> dma_resv of a buffer.
 * The exporter callbacks and the importer's move callback run with or
 * without the resv held and take no module lock but the resv itself.
 */
#ifndef _LAB_INTERNAL_H
#define _LAB_INTERNAL_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include "dmabuf_lab.h"

#define LAB_NAME		"dmabuf_lab"
#define LAB_IMPORTER_NAME	"dmabuf_lab_imp"

/**
 * struct lab_buf - a buffer exported by the module
 * @id: id in lab_bufs
 * @mode: DMABUF_LAB_EXP_*
 * @dmabuf: the dma-buf; its priv points back here
 * @ino: inode number of @dmabuf's file
 * @npages: size in pages
 * @pages: the backing pages
 * @kernel_held: the module holds a reference of its own (no fd was
 *	returned); protected by lab_mutex
 * @lab_atts: attachments of the module's importers on this buffer, each
 *	holding a reference; protected by lab_mutex. With @kernel_held it
 *	tells whether the module holds a reference, which is what makes a
 *	lookup by id safe: a buffer only user space holds may have lost its
 *	file already (a path reference can outlive it) while its release,
 *	which unregisters it, has not run yet.
 * @name: the module's own copy of the buffer's name. Protected by the
 *	buffer's resv lock, as the seed's convention has it for the core's
 *	name: written under the resv, read under the resv.
 * @attachments: every attachment of the buffer, whoever the importer,
 *	as &struct lab_exp_att. Protected by the buffer's resv lock (the
 *	seed's convention for dma_buf.attachments).
 * @map_calls: exporter map_dma_buf callbacks
 * @unmap_calls: exporter unmap_dma_buf callbacks
 * @pin_calls: exporter pin callbacks
 * @unpin_calls: exporter unpin callbacks
 * @moves: DMABUF_LAB_IOC_MOVE calls
 * @violations: callbacks that broke the locking contract of @mode, see
 *	lab_exp_check_contract()
 * @vmaps: vmap callbacks
 * @cpu_accesses: begin_cpu_access callbacks
 * @mmaps: mmap callbacks
 *
 * A lab_buf lives exactly as long as its dma-buf: it is registered in
 * lab_bufs before the dma-buf is handed out and unregistered (under
 * lab_mutex) by the release callback, before the core tears the dma-buf
 * and its resv down. Whoever holds lab_mutex can therefore lock the resv
 * of every registered buffer (but not touch its file, see @lab_atts).
 */
struct lab_buf {
	u32 id;
	u32 mode;
	struct dma_buf *dmabuf;
	u64 ino;
	pgoff_t npages;
	struct page **pages;
	bool kernel_held;
	unsigned int lab_atts;
	char name[DMABUF_LAB_NAME_LEN];
	struct list_head attachments;
	atomic_t map_calls;
	atomic_t unmap_calls;
	atomic_t pin_calls;
	atomic_t unpin_calls;
	atomic_t moves;
	atomic_t violations;
	atomic_t vmaps;
	atomic_t cpu_accesses;
	atomic_t mmaps;
};

/**
 * struct lab_exp_att - the exporter's record of one attachment
 * @node: in &lab_buf.attachments, protected by the buffer's resv
 * @attach: the core's attachment; its priv points back here
 * @pins: pin callbacks minus unpin callbacks for this attachment
 * @map_calls: map_dma_buf callbacks for this attachment
 * @unmap_calls: unmap_dma_buf callbacks for this attachment
 */
struct lab_exp_att {
	struct list_head node;
	struct dma_buf_attachment *attach;
	atomic_t pins;
	atomic_t map_calls;
	atomic_t unmap_calls;
};

/**
 * struct lab_file - one open file of /dev/dmabuf_lab
 * @lock: protects @atts
 * @atts: the attachments this file made; closing the file detaches them
 */
struct lab_file {
	struct mutex lock;
	struct list_head atts;
};

/**
 * struct lab_map - one mapping held by an attachment
 * @sgt: the table dma_buf_map_attachment() returned
 * @dir: its direction
 */
struct lab_map {
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

/**
 * struct lab_att - an attachment made by one of the module's importers
 * @ref: lookups hold a reference; the owner's reference goes at detach
 * @id: id in lab_atts
 * @owner: the open file that made it (constant)
 * @node: in &lab_file.atts, protected by its lock
 * @lock: serialises map, unmap, detach and readers of the fields below
 * @dev_idx: importer device index
 * @dynamic: dynamic importer (has importer ops)
 * @dmabuf: the buffer, with a reference; NULL once detached
 * @attach: the core's attachment; NULL once detached
 * @lb: the lab buffer when the exporter is this module, else NULL
 * @ino: inode number of the buffer
 * @lab_buf_id: @lb's id, 0 if foreign
 * @exp_mode: DMABUF_LAB_EXP_* of the exporter (foreign: see UAPI)
 * @exp_name: the exporter's name
 * @maps: mappings currently held, oldest first
 * @nmaps: entries used in @maps
 * @map_ok: successful maps
 * @unmap_ok: unmaps
 * @last_err: errno of the last map
 * @last_cached: the last successful map returned the core's cached table
 * @moves: move notifications received (atomic: counted under the resv)
 */
struct lab_att {
	struct kref ref;
	u32 id;
	struct lab_file *owner;
	struct list_head node;
	struct mutex lock;
	unsigned int dev_idx;
	bool dynamic;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct lab_buf *lb;
	u64 ino;
	u32 lab_buf_id;
	u32 exp_mode;
	char exp_name[DMABUF_LAB_NAME_LEN];
	struct lab_map maps[DMABUF_LAB_MAX_MAPS];
	unsigned int nmaps;
	u32 map_ok;
	u32 unmap_ok;
	int last_err;
	bool last_cached;
	atomic_t moves;
};

/* lab_main.c */
extern struct mutex lab_mutex;
extern struct xarray lab_bufs;
extern struct xarray lab_atts;
extern unsigned int lab_nr_importers;
extern unsigned int lab_max_pages;
extern unsigned int lab_max_bench_iters;
struct device *lab_importer_dev(unsigned int idx);
u32 lab_move_notify_state(void);

/* lab_exporter.c */
bool lab_is_lab_dmabuf(struct dma_buf *dmabuf);
long lab_ioc_export(void __user *uarg);
long lab_ioc_release(void __user *uarg);
long lab_ioc_buf_info(void __user *uarg);
long lab_ioc_move(void __user *uarg);
void lab_release_kernel_held_all(void);
struct dma_buf *lab_target_get(u32 flags, s32 fd, u32 buf_id, bool lab_only);

/* lab_importer.c */
extern const struct dma_buf_attach_ops lab_importer_ops;
long lab_ioc_attach(struct lab_file *lf, void __user *uarg);
long lab_ioc_map(struct lab_file *lf, void __user *uarg);
long lab_ioc_unmap(struct lab_file *lf, void __user *uarg);
long lab_ioc_detach(struct lab_file *lf, void __user *uarg);
long lab_ioc_att_info(void __user *uarg);
long lab_ioc_cpu_read(void __user *uarg);
long lab_ioc_bench(void __user *uarg);
void lab_file_detach_all(struct lab_file *lf);

/* lab_debugfs.c */
int lab_debugfs_init(void);
void lab_debugfs_exit(void);

#endif /* _LAB_INTERNAL_H */
