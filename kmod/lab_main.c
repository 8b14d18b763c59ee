// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_lab - a dma-buf exporter and importer for testing the dma-buf
 * locking convention and the tools that observe it.
 *
 * /dev/dmabuf_lab (include/dmabuf_lab.h) exports buffers in static,
 * static + cache_sgt_mapping or dynamic mode and attaches importer devices
 * (platform devices "dmabuf_lab_imp.N" with a 64-bit DMA mask) to any
 * dma-buf as static or dynamic importers. Exporter callbacks check the
 * locking contract without lockdep; /sys/kernel/debug/dmabuf_lab/state
 * shows every buffer and attachment (format in kmod/README.md).
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lab_compat.h"
#include "lab_internal.h"

#define LAB_MAX_IMPORTERS	8
#define LAB_PAGES_LIMIT		65536
#define LAB_BENCH_LIMIT		10000000

static unsigned int importers = 2;
module_param(importers, uint, 0444);
MODULE_PARM_DESC(importers, "Importer devices dmabuf_lab_imp.N to create (1-8, default 2)");

static unsigned int max_pages = 1024;
module_param(max_pages, uint, 0444);
MODULE_PARM_DESC(max_pages, "Largest exported buffer in pages (1-65536, default 1024)");

static unsigned int max_bench_iters = 100000;
module_param(max_bench_iters, uint, 0444);
MODULE_PARM_DESC(max_bench_iters,
		 "Largest DMABUF_LAB_IOC_BENCH iteration count (1-10000000, default 100000)");

/* Protects lab_bufs, lab_atts and lab_buf.kernel_held; see lab_internal.h. */
DEFINE_MUTEX(lab_mutex);
DEFINE_XARRAY_ALLOC1(lab_bufs);
DEFINE_XARRAY_ALLOC1(lab_atts);
unsigned int lab_nr_importers;
unsigned int lab_max_pages;
unsigned int lab_max_bench_iters;

static struct platform_device *lab_pdevs[LAB_MAX_IMPORTERS];

struct device *lab_importer_dev(unsigned int idx)
{
	return &lab_pdevs[idx]->dev;
}

u32 lab_move_notify_state(void)
{
	if (LAB_HAVE_INVALIDATE_MAPPINGS)
		return DMABUF_LAB_MOVE_NOTIFY_ABSENT;
	/* Before 7.1 the option exists, =n in Debian's kernels. */
	return IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? DMABUF_LAB_MOVE_NOTIFY_ON :
						       DMABUF_LAB_MOVE_NOTIFY_OFF;
}

/**
 * lab_ioc_info() - DMABUF_LAB_IOC_INFO: facts about the module and kernel
 * @uarg: struct dmabuf_lab_info
 *
 * Return: 0 on success;
 * -EFAULT if @uarg cannot be read or written;
 * -EINVAL for a wrong size field or flags.
 */
static long lab_ioc_info(void __user *uarg)
{
	struct dmabuf_lab_info a;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.size != sizeof(a) || a.flags)
		return -EINVAL;
	a.abi_version = DMABUF_LAB_ABI_VERSION;
	a.features = 0;
	if (LAB_HAVE_SGT_CACHE)
		a.features |= DMABUF_LAB_FEAT_SGT_CACHE;
	if (LAB_STATIC_NEEDS_RESV)
		a.features |= DMABUF_LAB_FEAT_STATIC_NEEDS_RESV;
	if (IS_ENABLED(CONFIG_LOCKDEP))
		a.features |= DMABUF_LAB_FEAT_LOCKDEP;
	if (LAB_HAVE_INVALIDATE_MAPPINGS)
		a.features |= DMABUF_LAB_FEAT_INVALIDATE_MAPPINGS;
	a.move_notify = lab_move_notify_state();
	a.importers = lab_nr_importers;
	a.max_pages = lab_max_pages;
	a.max_bench_iters = lab_max_bench_iters;
	a.max_maps = DMABUF_LAB_MAX_MAPS;
	a.page_size = PAGE_SIZE;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

static int lab_open(struct inode *inode, struct file *file)
{
	struct lab_file *lf;

	lf = kzalloc(sizeof(*lf), GFP_KERNEL);
	if (!lf)
		return -ENOMEM;
	mutex_init(&lf->lock);
	INIT_LIST_HEAD(&lf->atts);
	file->private_data = lf;
	return 0;
}

static int lab_release(struct inode *inode, struct file *file)
{
	struct lab_file *lf = file->private_data;

	lab_file_detach_all(lf);
	mutex_destroy(&lf->lock);
	kfree(lf);
	return 0;
}

/**
 * lab_ioctl() - the ioctls of /dev/dmabuf_lab
 * @file: an open file of the device
 * @cmd: DMABUF_LAB_IOC_*
 * @arg: user pointer to the ioctl's structure
 *
 * Each handler's kernel-doc lists its errors.
 *
 * Return: the handler's result, or -ENOTTY for an unknown @cmd.
 */
static long lab_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct lab_file *lf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DMABUF_LAB_IOC_INFO:
		return lab_ioc_info(uarg);
	case DMABUF_LAB_IOC_EXPORT:
		return lab_ioc_export(uarg);
	case DMABUF_LAB_IOC_RELEASE:
		return lab_ioc_release(uarg);
	case DMABUF_LAB_IOC_ATTACH:
		return lab_ioc_attach(lf, uarg);
	case DMABUF_LAB_IOC_MAP:
		return lab_ioc_map(lf, uarg);
	case DMABUF_LAB_IOC_UNMAP:
		return lab_ioc_unmap(lf, uarg);
	case DMABUF_LAB_IOC_DETACH:
		return lab_ioc_detach(lf, uarg);
	case DMABUF_LAB_IOC_ATT_INFO:
		return lab_ioc_att_info(uarg);
	case DMABUF_LAB_IOC_BUF_INFO:
		return lab_ioc_buf_info(uarg);
	case DMABUF_LAB_IOC_MOVE:
		return lab_ioc_move(uarg);
	case DMABUF_LAB_IOC_CPU_READ:
		return lab_ioc_cpu_read(uarg);
	case DMABUF_LAB_IOC_BENCH:
		return lab_ioc_bench(uarg);
	}
	return -ENOTTY;
}

static const struct file_operations lab_fops = {
	.owner = THIS_MODULE,
	.open = lab_open,
	.release = lab_release,
	.unlocked_ioctl = lab_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice lab_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = LAB_NAME,
	.fops = &lab_fops,
	.mode = 0600,
};

/*
 * The importers' driver: it only binds, so that an attachment's device has
 * a driver as a real importer's does (the tools report bus/driver).
 */
static int lab_importer_probe(struct platform_device *pdev)
{
	return 0;
}

static struct platform_driver lab_importer_driver = {
	.probe = lab_importer_probe,
	.driver = {
		.name = LAB_IMPORTER_NAME,
	},
};

static void lab_importers_destroy(void)
{
	unsigned int i;

	for (i = 0; i < lab_nr_importers; i++)
		platform_device_unregister(lab_pdevs[i]);
	lab_nr_importers = 0;
	platform_driver_unregister(&lab_importer_driver);
}

/* Importer devices need a DMA mask, or dma_map_sgtable() fails on them. */
static int lab_importers_create(unsigned int count)
{
	struct platform_device *pdev;
	int ret;

	ret = platform_driver_register(&lab_importer_driver);
	if (ret)
		return ret;
	for (lab_nr_importers = 0; lab_nr_importers < count; lab_nr_importers++) {
		pdev = platform_device_register_simple(LAB_IMPORTER_NAME, lab_nr_importers,
						       NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_destroy;
		}
		lab_pdevs[lab_nr_importers] = pdev;
		ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
		if (ret) {
			platform_device_unregister(pdev);
			goto err_destroy;
		}
	}
	return 0;

err_destroy:
	lab_importers_destroy();
	return ret;
}

static int __init lab_init(void)
{
	int ret;

	if (!importers || importers > LAB_MAX_IMPORTERS || !max_pages ||
	    max_pages > LAB_PAGES_LIMIT || !max_bench_iters || max_bench_iters > LAB_BENCH_LIMIT) {
		pr_err(LAB_NAME ": parameter out of range (importers 1-%d, max_pages 1-%d, max_bench_iters 1-%d)\n",
		       LAB_MAX_IMPORTERS, LAB_PAGES_LIMIT, LAB_BENCH_LIMIT);
		return -EINVAL;
	}
	lab_max_pages = max_pages;
	lab_max_bench_iters = max_bench_iters;

	ret = lab_importers_create(importers);
	if (ret)
		return ret;
	ret = lab_debugfs_init();
	if (ret)
		goto err_importers;
	ret = misc_register(&lab_misc);
	if (ret)
		goto err_debugfs;
	return 0;

err_debugfs:
	lab_debugfs_exit();
err_importers:
	lab_importers_destroy();
	return ret;
}

/*
 * Unload is possible only when no file of the device is open (each holds a
 * module reference through lab_fops) and no fd-backed lab buffer lives
 * (each holds one through dma_buf_export()); rmmod fails with EWOULDBLOCK
 * otherwise. So no attachment is left here, and the only buffers left are
 * kernel-held ones, released synchronously below.
 */
static void __exit lab_exit(void)
{
	misc_deregister(&lab_misc);
	lab_debugfs_exit();
	lab_release_kernel_held_all();
	WARN_ON(!xa_empty(&lab_atts));
	WARN_ON(!xa_empty(&lab_bufs));
	lab_importers_destroy();
}

module_init(lab_init);
module_exit(lab_exit);
LAB_IMPORT_DMA_BUF_NS();
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dma-buf exporter and importer to test the dma-buf locking convention");
