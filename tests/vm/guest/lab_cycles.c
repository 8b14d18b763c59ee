/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lab_cycles: 100 unload/load cycles of dmabuf_lab with objects created and
 * freed in between. Unload is refused (EWOULDBLOCK) while a file of the
 * device or a lab buffer fd is open, succeeds with kernel-held buffers left
 * (the module releases them), and leaves no lab buffer in bufinfo. The
 * module is loaded again at the end for the tests that follow.
 */
#include "lab_util.h"
#include "tap.h"
#include "vgem.h"

#define CYCLES		100

static long refcnt(void)
{
	char *text = lab_read_file("/sys/module/dmabuf_lab/refcnt");
	long n = text ? strtol(text, NULL, 10) : -1;

	free(text);
	return n;
}

/* Lab buffers in bufinfo (exporter name "dmabuf_lab" in the fifth column). */
static int bufinfo_lab_objects(void)
{
	char *text = lab_read_file(LAB_BUFINFO_PATH), *p;
	int n = 0;

	for (p = text; p && (p = strstr(p, "\tdmabuf_lab\t")); p++)
		n++;
	free(text);
	return text ? n : -1;
}

/*
 * One cycle's objects: an fd buffer with two attachments (one mapped), a
 * kernel-held buffer attached by id and mapped, a mapped vgem attachment.
 * Everything but the kernel-held buffer is closed again, in an order that
 * depends on @i. Returns 0 or the first error.
 */
static int objects(unsigned int i, int card, bool check_busy, int *busy_errs)
{
	struct dmabuf_lab_export ex;
	int dev = lab_open(), fd, kh, vg = -1, a1, a2, a3, a4 = 0, ret = 0;

	if (dev < 0)
		return -errno;
	fd = lab_export(dev, i % 2 ? DMABUF_LAB_EXP_DYNAMIC : DMABUF_LAB_EXP_STATIC, 2, "cycle", 0,
			NULL);
	kh = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 1, "cycle-kernel", DMABUF_LAB_EXPORT_KERNEL_HELD,
			&ex);
	a1 = lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC, NULL);
	a2 = lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_STATIC, NULL);
	a3 = lab_attach(dev, DMABUF_LAB_BY_ID, -1, ex.buf_id, 0, i % 2, NULL);
	if (fd < 0 || kh < 0 || a1 < 0 || a2 < 0 || a3 < 0)
		ret = fd < 0 ? fd : kh < 0 ? kh : a1 < 0 ? a1 : a2 < 0 ? a2 : a3;
	if (!ret)
		ret = lab_map(dev, a1, DMABUF_LAB_DIR_TO_DEVICE, 0, NULL) ?:
		      lab_map(dev, a3, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, NULL);
	if (!ret && card >= 0) {
		vg = vgem_dmabuf(card, 16);
		a4 = vg >= 0 ? lab_attach(dev, 0, vg, 0, 0, i % 2, NULL) : -ENODEV;
		ret = a4 < 0 ? a4 : lab_map(dev, a4, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, NULL);
	}
	if (check_busy && lab_module_unload() != -EWOULDBLOCK)
		++*busy_errs;
	if (vg >= 0)
		close(vg);
	if (i % 3 == 0 && a2 > 0)
		lab_detach(dev, a2);
	if (i % 2) {
		close(fd);
		close(dev);
	} else {
		close(dev);
		if (check_busy && lab_module_unload() != -EWOULDBLOCK)
			++*busy_errs;
		close(fd);
	}
	return ret;
}

int main(void)
{
	int card = vgem_open(), splats = lab_klog_splats(), busy_errs = 0;
	int unload_err = 0, load_err = 0, obj_err = 0, leftovers = 0;
	unsigned int i, failed_at = 0;

	tap_ok(card >= 0, "a vgem card for foreign buffers");
	for (i = 0; i < CYCLES; i++) {
		int u = lab_module_unload(), l = u ? 0 : lab_module_load();
		int o = u || l ? 0 : objects(i, card, i % 10 == 0, &busy_errs);

		if ((u || l || o) && !failed_at)
			failed_at = i + 1;
		unload_err += !!u;
		load_err += !!l;
		obj_err += !!o;
		if (u || l || o)
			tap_diag("cycle %u: unload %d, load %d, objects %d", i, u, l, o);
		if (u || l)
			break;
		if (refcnt() != 0)
			leftovers++;
	}
	tap_ok(!unload_err && !load_err, "%u unload/load cycles (unload errors %d, load errors %d)",
	       i, unload_err, load_err);
	tap_ok(!obj_err, "objects created and freed in every cycle (first failure in cycle %u)",
	       failed_at);
	tap_ok(!busy_errs, "unload refused with EWOULDBLOCK while a file or buffer fd is open");
	tap_ok(!leftovers, "module reference count back to 0 after each cycle (%d not)", leftovers);

	tap_ok(lab_module_unload() == 0, "unload with a kernel-held buffer left");
	tap_ok(bufinfo_lab_objects() == 0, "no dmabuf_lab buffer left in bufinfo after unload");
	tap_ok(lab_module_load() == 0, "load again for the following tests");
	if (card >= 0)
		close(card);
	tap_ok(lab_klog_splats() == splats, "no WARNING/BUG/Oops in the kernel log");
	return tap_exit_status();
}
