/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dmabuf_lab.h - user interface of the dmabuf_lab test module.
 *
 * /dev/dmabuf_lab exports dma-bufs in a chosen mode and imports any dma-buf
 * through its own importer devices ("dmabuf_lab_imp.N"), so every
 * importer x exporter combination of the dma-buf core can be driven and
 * observed from user space. kmod/README.md describes the module and the
 * format of /sys/kernel/debug/dmabuf_lab/state.
 *
 * Every ioctl argument starts with two 32-bit words:
 *   size   the caller's sizeof() of the structure; it must equal the size
 *          this ABI version defines, otherwise the ioctl fails with -EINVAL;
 *   flags  the ioctl's DMABUF_LAB_* flags; an unknown bit gives -EINVAL.
 * Fields marked "out" are written on success only. An ioctl number the
 * module does not know gives -ENOTTY. The errors of each ioctl are listed in
 * the kernel-doc of its handler in kmod/.
 */
#ifndef _UAPI_DMABUF_LAB_H
#define _UAPI_DMABUF_LAB_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DMABUF_LAB_ABI_VERSION		1
#define DMABUF_LAB_DEVICE		"/dev/dmabuf_lab"
/* Names (with their NUL), like the dma-buf core's DMA_BUF_NAME_LEN. */
#define DMABUF_LAB_NAME_LEN		32
/*
 * Mappings one attachment can hold at a time: below the 7 overlapping
 * mappings of a cacheline that CONFIG_DMA_API_DEBUG allows before it warns.
 */
#define DMABUF_LAB_MAX_MAPS		6

/* Exporter modes. */
#define DMABUF_LAB_EXP_STATIC		0	/* no pin/unpin */
#define DMABUF_LAB_EXP_STATIC_CACHED	1	/* static + cache_sgt_mapping */
#define DMABUF_LAB_EXP_DYNAMIC		2	/* pin/unpin; map under the resv */

/* Importer modes. */
#define DMABUF_LAB_IMP_STATIC		0	/* dma_buf_attach() */
#define DMABUF_LAB_IMP_DYNAMIC		1	/* dma_buf_dynamic_attach() */

/* DMA directions: the values of the kernel's enum dma_data_direction. */
#define DMABUF_LAB_DIR_BIDIRECTIONAL	0
#define DMABUF_LAB_DIR_TO_DEVICE	1
#define DMABUF_LAB_DIR_FROM_DEVICE	2
#define DMABUF_LAB_DIR_NONE		3	/* reports: no cached table */

/* Tri-state answers. */
#define DMABUF_LAB_NO			0
#define DMABUF_LAB_YES			1
#define DMABUF_LAB_UNKNOWN		2	/* e.g. the pin state of a foreign exporter */

/* dmabuf_lab_info.move_notify */
#define DMABUF_LAB_MOVE_NOTIFY_OFF	0	/* CONFIG_DMABUF_MOVE_NOTIFY=n */
#define DMABUF_LAB_MOVE_NOTIFY_ON	1	/* CONFIG_DMABUF_MOVE_NOTIFY=y */
#define DMABUF_LAB_MOVE_NOTIFY_ABSENT	2	/* no such option: dynamic importers never pin */

/* dmabuf_lab_info.features */
/*
 * attach->sgt exists: a static/dynamic mismatch is mapped once at attach and
 * cached; exporters may set cache_sgt_mapping.
 */
#define DMABUF_LAB_FEAT_SGT_CACHE	(1U << 0)
/*
 * A static exporter's map/unmap must be called with the resv held (the
 * contract check counts a call without it as a violation).
 */
#define DMABUF_LAB_FEAT_STATIC_NEEDS_RESV (1U << 1)
/*
 * The kernel has lockdep: dma_resv_assert_held() reports, the deliberate
 * violations below produce splats.
 */
#define DMABUF_LAB_FEAT_LOCKDEP		(1U << 2)
/* The importer callback is called invalidate_mappings (was move_notify). */
#define DMABUF_LAB_FEAT_INVALIDATE_MAPPINGS (1U << 3)

/**
 * struct dmabuf_lab_info - facts about the module and the running kernel
 * @size: in: sizeof(struct dmabuf_lab_info)
 * @flags: in: 0
 * @abi_version: out: DMABUF_LAB_ABI_VERSION of the module
 * @features: out: DMABUF_LAB_FEAT_*
 * @move_notify: out: DMABUF_LAB_MOVE_NOTIFY_*
 * @importers: out: number of importer devices (dmabuf_lab_imp.0 ...)
 * @max_pages: out: largest buffer DMABUF_LAB_IOC_EXPORT accepts, in pages
 * @max_bench_iters: out: largest DMABUF_LAB_IOC_BENCH iteration count
 * @max_maps: out: DMABUF_LAB_MAX_MAPS
 * @page_size: out: PAGE_SIZE
 */
struct dmabuf_lab_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 features;
	__u32 move_notify;
	__u32 importers;
	__u32 max_pages;
	__u32 max_bench_iters;
	__u32 max_maps;
	__u32 page_size;
};

/* dmabuf_lab_export.flags: the module keeps the only reference, no fd. */
#define DMABUF_LAB_EXPORT_KERNEL_HELD	(1U << 0)

/**
 * struct dmabuf_lab_export - create a lab dma-buf
 * @size: in: sizeof(struct dmabuf_lab_export)
 * @flags: in: DMABUF_LAB_EXPORT_*
 * @mode: in: DMABUF_LAB_EXP_*
 * @pages: in: 1..max_pages
 * @name: in: optional name, NUL-terminated; "" for none
 * @fd: out: the dma-buf fd (O_CLOEXEC, O_RDWR), -1 if kernel-held
 * @buf_id: out: the module's id of the buffer
 * @ino: out: inode number of the dma-buf (bufinfo, fdinfo)
 */
struct dmabuf_lab_export {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 pages;
	char name[DMABUF_LAB_NAME_LEN];
	__s32 fd;
	__u32 buf_id;
	__u64 ino;
};

/*
 * Target selection of ATTACH, BUF_INFO, MOVE, CPU_READ, BENCH: by default
 * the dma-buf fd, with this flag the lab buffer id. An id finds only a
 * buffer the module holds a reference to: a kernel-held one, or one with an
 * attachment of the module's importers (-ENOENT otherwise).
 */
#define DMABUF_LAB_BY_ID		(1U << 0)

/**
 * struct dmabuf_lab_attach - attach an importer device to a dma-buf
 * @size: in: sizeof(struct dmabuf_lab_attach)
 * @flags: in: DMABUF_LAB_BY_ID
 * @fd: in: any dma-buf fd (lab, vgem, udmabuf, heaps ...)
 * @buf_id: in: lab buffer id, with DMABUF_LAB_BY_ID (e.g. kernel-held)
 * @importer: in: importer device index, 0..importers-1
 * @mode: in: DMABUF_LAB_IMP_*
 * @att_id: out: attachment id; the attachment belongs to this open file
 * @lab_buf_id: out: lab buffer id, 0 for a foreign exporter
 * @ino: out: inode number of the dma-buf
 * @exp_name: out: the exporter's name
 */
struct dmabuf_lab_attach {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 buf_id;
	__u32 importer;
	__u32 mode;
	__u32 att_id;
	__u32 lab_buf_id;
	__u64 ino;
	char exp_name[DMABUF_LAB_NAME_LEN];
};

/* dmabuf_lab_map.flags and dmabuf_lab_ref.flags of UNMAP */
/*
 * Correct use through dma_buf_(un)map_attachment_unlocked(): the core takes
 * the resv. Default: the module takes the resv and calls the locked API.
 */
#define DMABUF_LAB_MAP_UNLOCKED_API	(1U << 0)
/*
 * Deliberate contract violation: call dma_buf_map_attachment() without the
 * resv held (unmap stays correct). Counted by the contract check of a lab
 * exporter; lockdep kernels splat. Never used by default.
 */
#define DMABUF_LAB_MAP_VIOLATE_NOLOCK	(1U << 1)
/*
 * Deliberate lock-order inversion before the map: a module mutex then the
 * resv, then the resv then that mutex (serialised, so it cannot deadlock,
 * but lockdep reports it). Never used by default.
 */
#define DMABUF_LAB_MAP_VIOLATE_ABBA	(1U << 2)

/**
 * struct dmabuf_lab_map - map an attachment
 * @size: in: sizeof(struct dmabuf_lab_map)
 * @flags: in: DMABUF_LAB_MAP_*
 * @att_id: in: attachment of this open file
 * @dir: in: DMABUF_LAB_DIR_BIDIRECTIONAL, _TO_DEVICE or _FROM_DEVICE
 * @cached: out: DMABUF_LAB_YES if the core returned its cached table
 * @exporter_calls: out: lab exporter map callbacks during this call
 * @nents: out: DMA segments of the table
 * @pad: 0
 * @mapped_len: out: sum of the DMA segment lengths
 */
struct dmabuf_lab_map {
	__u32 size;
	__u32 flags;
	__u32 att_id;
	__u32 dir;
	__u32 cached;
	__u32 exporter_calls;
	__u32 nents;
	__u32 pad;
	__u64 mapped_len;
};

/**
 * struct dmabuf_lab_ref - an object by id (UNMAP, DETACH, RELEASE)
 * @size: in: sizeof(struct dmabuf_lab_ref)
 * @flags: in: UNMAP: DMABUF_LAB_MAP_UNLOCKED_API or _VIOLATE_NOLOCK; else 0
 * @id: in: attachment id (UNMAP, DETACH) or buffer id (RELEASE)
 * @pad: 0
 */
struct dmabuf_lab_ref {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 pad;
};

/**
 * struct dmabuf_lab_att_info - state of one attachment
 * @size: in: sizeof(struct dmabuf_lab_att_info)
 * @flags: in: 0
 * @att_id: in: any live attachment id
 * @buf_id: out: lab buffer id, 0 for a foreign exporter
 * @ino: out: inode number of the dma-buf
 * @importer: out: importer device index
 * @importer_dynamic: out: DMABUF_LAB_YES for a dynamic importer
 * @exporter_lab: out: DMABUF_LAB_YES if the exporter is this module
 * @exporter_dynamic: out: DMABUF_LAB_YES if the exporter has pin/unpin
 * @exporter_mode: out: DMABUF_LAB_EXP_* (foreign exporters: STATIC_CACHED
 *	if they set cache_sgt_mapping, DYNAMIC if they have pin, else STATIC)
 * @cached: out: the last successful map returned the core's cached table
 * @cached_dir: out: direction of the core's cached table, or _DIR_NONE
 * @pinned: out: YES/NO from a lab exporter's pin count, UNKNOWN for others
 * @pins: out: lab exporter's pin count for this attachment
 * @maps: out: successful map calls
 * @unmaps: out: unmap calls
 * @mapped: out: mappings currently held
 * @moves: out: move_notify/invalidate_mappings calls received
 * @last_map_err: out: errno of the last map (0 or negative)
 * @exporter_map_calls: out: lab exporter map callbacks for this attachment
 * @exporter_unmap_calls: out: lab exporter unmap callbacks
 * @exp_name: out: the exporter's name
 * @dev_name: out: the importer device's name
 */
struct dmabuf_lab_att_info {
	__u32 size;
	__u32 flags;
	__u32 att_id;
	__u32 buf_id;
	__u64 ino;
	__u32 importer;
	__u32 importer_dynamic;
	__u32 exporter_lab;
	__u32 exporter_dynamic;
	__u32 exporter_mode;
	__u32 cached;
	__u32 cached_dir;
	__u32 pinned;
	__u32 pins;
	__u32 maps;
	__u32 unmaps;
	__u32 mapped;
	__u32 moves;
	__s32 last_map_err;
	__u32 exporter_map_calls;
	__u32 exporter_unmap_calls;
	char exp_name[DMABUF_LAB_NAME_LEN];
	char dev_name[DMABUF_LAB_NAME_LEN];
};

/**
 * struct dmabuf_lab_buf_info - state of one lab buffer
 * @size: in: sizeof(struct dmabuf_lab_buf_info)
 * @flags: in: DMABUF_LAB_BY_ID
 * @fd: in: the buffer's dma-buf fd
 * @buf_id: in: with DMABUF_LAB_BY_ID; out: the buffer's id
 * @ino: out: inode number
 * @mode: out: DMABUF_LAB_EXP_*
 * @pages: out: size in pages
 * @kernel_held: out: DMABUF_LAB_YES if the module holds a reference of its own
 * @attachments: out: attachments (any importer) on the buffer's own list
 * @pins: out: current pin count over all attachments
 * @map_calls: out: exporter map callbacks
 * @unmap_calls: out: exporter unmap callbacks
 * @pin_calls: out: exporter pin callbacks
 * @unpin_calls: out: exporter unpin callbacks
 * @moves: out: DMABUF_LAB_IOC_MOVE calls
 * @violations: out: contract violations seen by the exporter callbacks
 * @vmaps: out: vmap callbacks
 * @cpu_accesses: out: begin_cpu_access callbacks
 * @mmaps: out: mmap callbacks
 * @name: out: the buffer's name (the module's copy, set at export)
 */
struct dmabuf_lab_buf_info {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 buf_id;
	__u64 ino;
	__u32 mode;
	__u32 pages;
	__u32 kernel_held;
	__u32 attachments;
	__u32 pins;
	__u32 map_calls;
	__u32 unmap_calls;
	__u32 pin_calls;
	__u32 unpin_calls;
	__u32 moves;
	__u32 violations;
	__u32 vmaps;
	__u32 cpu_accesses;
	__u32 mmaps;
	char name[DMABUF_LAB_NAME_LEN];
};

/**
 * struct dmabuf_lab_move - move_notify / invalidate_mappings on a lab buffer
 * @size: in: sizeof(struct dmabuf_lab_move)
 * @flags: in: DMABUF_LAB_BY_ID
 * @fd: in: a lab dma-buf fd
 * @buf_id: in: with DMABUF_LAB_BY_ID
 * @notified: out: attachments the core notified (dynamic importers)
 * @static_atts: out: static attachments, not notified
 * @static_pinned: out: of those, the ones holding a pin (they cannot move)
 * @pad: 0
 */
struct dmabuf_lab_move {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 buf_id;
	__u32 notified;
	__u32 static_atts;
	__u32 static_pinned;
	__u32 pad;
};

/**
 * struct dmabuf_lab_cpu - read 8 bytes through dma_buf_vmap()
 * @size: in: sizeof(struct dmabuf_lab_cpu)
 * @flags: in: DMABUF_LAB_BY_ID
 * @fd: in: any dma-buf fd whose exporter has vmap
 * @buf_id: in: with DMABUF_LAB_BY_ID
 * @offset: in: byte offset, offset + 8 <= buffer size
 * @pad: 0
 * @value: out: the 8 bytes, read between begin/end_cpu_access
 */
struct dmabuf_lab_cpu {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 buf_id;
	__u32 offset;
	__u32 pad;
	__u64 value;
};

/**
 * struct dmabuf_lab_bench - attach, map, unmap, detach in a loop
 * @size: in: sizeof(struct dmabuf_lab_bench)
 * @flags: in: DMABUF_LAB_BY_ID
 * @fd: in: any dma-buf fd
 * @buf_id: in: with DMABUF_LAB_BY_ID
 * @importer: in: importer device index
 * @mode: in: DMABUF_LAB_IMP_*
 * @dir: in: DMABUF_LAB_DIR_*
 * @iterations: in: 1..max_bench_iters
 * @done: out: iterations completed (fewer on a fatal signal)
 * @pad: 0
 * @total_ns: out: ktime_get_ns() over the loop
 */
struct dmabuf_lab_bench {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 buf_id;
	__u32 importer;
	__u32 mode;
	__u32 dir;
	__u32 iterations;
	__u32 done;
	__u32 pad;
	__u64 total_ns;
};

#define DMABUF_LAB_IOC_MAGIC		0xDB
#define DMABUF_LAB_IOC_INFO	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x00, struct dmabuf_lab_info)
#define DMABUF_LAB_IOC_EXPORT	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x01, struct dmabuf_lab_export)
#define DMABUF_LAB_IOC_RELEASE	_IOW(DMABUF_LAB_IOC_MAGIC, 0x02, struct dmabuf_lab_ref)
#define DMABUF_LAB_IOC_ATTACH	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x03, struct dmabuf_lab_attach)
#define DMABUF_LAB_IOC_MAP	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x04, struct dmabuf_lab_map)
#define DMABUF_LAB_IOC_UNMAP	_IOW(DMABUF_LAB_IOC_MAGIC, 0x05, struct dmabuf_lab_ref)
#define DMABUF_LAB_IOC_DETACH	_IOW(DMABUF_LAB_IOC_MAGIC, 0x06, struct dmabuf_lab_ref)
#define DMABUF_LAB_IOC_ATT_INFO	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x07, struct dmabuf_lab_att_info)
#define DMABUF_LAB_IOC_BUF_INFO	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x08, struct dmabuf_lab_buf_info)
#define DMABUF_LAB_IOC_MOVE	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x09, struct dmabuf_lab_move)
#define DMABUF_LAB_IOC_CPU_READ	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x0a, struct dmabuf_lab_cpu)
#define DMABUF_LAB_IOC_BENCH	_IOWR(DMABUF_LAB_IOC_MAGIC, 0x0b, struct dmabuf_lab_bench)

#endif /* _UAPI_DMABUF_LAB_H */
