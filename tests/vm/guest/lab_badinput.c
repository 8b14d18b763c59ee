/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lab_badinput: every ioctl of /dev/dmabuf_lab refuses bad input with the
 * errno its kernel-doc promises, and none of it leaves a WARNING, BUG or
 * Oops in the kernel log.
 */
#include "lab_util.h"
#include "tap.h"
#include "vgem.h"

static struct dmabuf_lab_info info;
static int dev;

/* Each ioctl with its size field off by one in both directions and zero. */
static void bad_sizes(void)
{
	static const struct {
		const char *name;
		unsigned long cmd;
		size_t size;
	} ioctls[] = {
		{ "INFO", DMABUF_LAB_IOC_INFO, sizeof(struct dmabuf_lab_info) },
		{ "EXPORT", DMABUF_LAB_IOC_EXPORT, sizeof(struct dmabuf_lab_export) },
		{ "RELEASE", DMABUF_LAB_IOC_RELEASE, sizeof(struct dmabuf_lab_ref) },
		{ "ATTACH", DMABUF_LAB_IOC_ATTACH, sizeof(struct dmabuf_lab_attach) },
		{ "MAP", DMABUF_LAB_IOC_MAP, sizeof(struct dmabuf_lab_map) },
		{ "UNMAP", DMABUF_LAB_IOC_UNMAP, sizeof(struct dmabuf_lab_ref) },
		{ "DETACH", DMABUF_LAB_IOC_DETACH, sizeof(struct dmabuf_lab_ref) },
		{ "ATT_INFO", DMABUF_LAB_IOC_ATT_INFO, sizeof(struct dmabuf_lab_att_info) },
		{ "BUF_INFO", DMABUF_LAB_IOC_BUF_INFO, sizeof(struct dmabuf_lab_buf_info) },
		{ "MOVE", DMABUF_LAB_IOC_MOVE, sizeof(struct dmabuf_lab_move) },
		{ "CPU_READ", DMABUF_LAB_IOC_CPU_READ, sizeof(struct dmabuf_lab_cpu) },
		{ "BENCH", DMABUF_LAB_IOC_BENCH, sizeof(struct dmabuf_lab_bench) },
	};
	unsigned int i;

	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		__u32 arg[64] = { 0 };
		int a, b, c;

		arg[0] = ioctls[i].size - 4;
		a = lab_ioc(dev, ioctls[i].cmd, arg);
		arg[0] = ioctls[i].size + 4;
		b = lab_ioc(dev, ioctls[i].cmd, arg);
		arg[0] = 0;
		c = lab_ioc(dev, ioctls[i].cmd, arg);
		tap_ok(a == -EINVAL && b == -EINVAL && c == -EINVAL,
		       "%s: short, long and zero size field give EINVAL (%d %d %d)", ioctls[i].name,
		       a, b, c);
		tap_ok(lab_ioc(dev, ioctls[i].cmd, NULL) == -EFAULT, "%s: NULL argument gives EFAULT",
		       ioctls[i].name);
	}
	tap_ok(lab_ioc(dev, _IOWR(DMABUF_LAB_IOC_MAGIC, 0x7f, struct dmabuf_lab_info), NULL) ==
	       -ENOTTY, "unknown ioctl number gives ENOTTY");
	tap_ok(lab_ioc(dev, _IOWR(DMABUF_LAB_IOC_MAGIC, 0x00, __u32), NULL) == -ENOTTY,
	       "INFO with a wrongly sized ioctl number gives ENOTTY");
}

static void bad_export(void)
{
	struct dmabuf_lab_export a;

	tap_ok(lab_export(dev, DMABUF_LAB_EXP_STATIC, 0, NULL, 0, NULL) == -EINVAL,
	       "export of 0 pages gives EINVAL");
	tap_ok(lab_export(dev, DMABUF_LAB_EXP_STATIC, info.max_pages + 1, NULL, 0, NULL) ==
	       -EINVAL, "export of max_pages + 1 (%u) pages gives EINVAL", info.max_pages + 1);
	tap_ok(lab_export(dev, DMABUF_LAB_EXP_STATIC, 0xffffffffU, NULL, 0, NULL) == -EINVAL,
	       "export of 2^32-1 pages gives EINVAL");
	tap_ok(lab_export(dev, 3, 1, NULL, 0, NULL) == -EINVAL, "unknown exporter mode gives EINVAL");
	tap_ok(lab_export(dev, DMABUF_LAB_EXP_STATIC, 1, NULL, 1U << 5, NULL) == -EINVAL,
	       "unknown export flag gives EINVAL");
	LAB_ARG(a);
	a.pages = 1;
	memset(a.name, 'x', sizeof(a.name));
	tap_ok(lab_ioc(dev, DMABUF_LAB_IOC_EXPORT, &a) == -EINVAL,
	       "a name without its NUL gives EINVAL");
}

static void bad_targets(void)
{
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_move mv;
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int card = vgem_open(), vg = card >= 0 ? vgem_dmabuf(card, 16) : -1;

	tap_ok(lab_attach(dev, 0, -1, 0, 0, 0, NULL) == -EBADF, "attach to fd -1 gives EBADF");
	tap_ok(lab_attach(dev, 0, 4000, 0, 0, 0, NULL) == -EBADF, "attach to a closed fd gives EBADF");
	tap_ok(lab_attach(dev, 0, nul, 0, 0, 0, NULL) == -EINVAL,
	       "attach to a non-dma-buf fd gives EINVAL");
	tap_ok(lab_attach(dev, 0, dev, 0, 0, 0, NULL) == -EINVAL,
	       "attach to the lab device's own fd gives EINVAL");
	tap_ok(lab_attach(dev, DMABUF_LAB_BY_ID, -1, 0x7ffffff0, 0, 0, NULL) == -ENOENT,
	       "attach to an unknown buffer id gives ENOENT");
	tap_ok(lab_attach(dev, 1U << 3, -1, 0, 0, 0, NULL) == -EINVAL,
	       "unknown attach flag gives EINVAL");
	tap_ok(lab_buf_info(dev, nul, 0, &bi) == -EINVAL, "BUF_INFO of a non-dma-buf gives EINVAL");
	tap_ok(lab_buf_info(dev, -1, 0x7ffffff0, &bi) == -ENOENT,
	       "BUF_INFO of an unknown id gives ENOENT");
	if (vg >= 0) {
		tap_ok(lab_buf_info(dev, vg, 0, &bi) == -EINVAL,
		       "BUF_INFO of a foreign (vgem) dma-buf gives EINVAL");
		tap_ok(lab_move(dev, vg, &mv) == -EINVAL, "MOVE of a foreign dma-buf gives EINVAL");
		close(vg);
	} else {
		tap_ok(0, "vgem dma-buf for the foreign-buffer checks");
	}
	tap_ok(lab_move(dev, -1, &mv) == -EBADF, "MOVE of fd -1 gives EBADF");
	tap_ok(lab_release(dev, 0x7ffffff0) == -ENOENT, "RELEASE of an unknown id gives ENOENT");
	if (card >= 0)
		close(card);
	close(nul);
}

static void bad_attachment_use(void)
{
	struct dmabuf_lab_export ex;
	struct dmabuf_lab_attach at;
	struct dmabuf_lab_cpu cpu;
	struct dmabuf_lab_bench b;
	int fd, att, other, i, ret;

	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 1, "bad", 0, &ex);
	if (!tap_ok(fd > 0, "export a buffer to misuse"))
		return;
	tap_ok(lab_attach(dev, 0, fd, 0, info.importers, 0, NULL) == -EINVAL,
	       "importer index %u (one past the last) gives EINVAL", info.importers);
	tap_ok(lab_attach(dev, 0, fd, 0, 0, 2, NULL) == -EINVAL, "unknown importer mode gives EINVAL");
	att = lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC, &at);
	tap_ok(att > 0 && at.lab_buf_id == ex.buf_id && at.ino == ex.ino,
	       "attach reports the lab buffer id and inode");
	tap_ok(lab_map(dev, att, 3, 0, NULL) == -EINVAL, "map with DMA_NONE gives EINVAL");
	tap_ok(lab_map(dev, att, 0, 1U << 7, NULL) == -EINVAL, "unknown map flag gives EINVAL");
	tap_ok(lab_map(dev, att, 0, DMABUF_LAB_MAP_UNLOCKED_API | DMABUF_LAB_MAP_VIOLATE_NOLOCK,
		       NULL) == -EINVAL, "UNLOCKED_API with VIOLATE_NOLOCK gives EINVAL");
	tap_ok(lab_map(dev, 0x7ffffff0, 0, 0, NULL) == -ENOENT, "map of an unknown attachment gives ENOENT");
	tap_ok(lab_unmap(dev, att, 0) == -ENODATA, "unmap without a mapping gives ENODATA");
	for (i = 0, ret = 0; i < (int)info.max_maps && !ret; i++)
		ret = lab_map(dev, att, 0, 0, NULL);
	tap_ok(!ret && lab_map(dev, att, 0, 0, NULL) == -ENOSPC,
	       "map %u times works, once more gives ENOSPC", info.max_maps);

	other = lab_open();
	tap_ok(lab_map(other, att, 0, 0, NULL) == -EPERM, "map from another open file gives EPERM");
	tap_ok(lab_unmap(other, att, 0) == -EPERM, "unmap from another open file gives EPERM");
	tap_ok(lab_detach(other, att) == -EPERM, "detach from another open file gives EPERM");
	close(other);

	LAB_ARG(cpu);
	cpu.fd = fd;
	cpu.offset = 4096 - 7;
	tap_ok(lab_ioc(dev, DMABUF_LAB_IOC_CPU_READ, &cpu) == -EINVAL,
	       "CPU_READ past the end gives EINVAL");
	LAB_ARG(b);
	b.fd = fd;
	tap_ok(lab_ioc(dev, DMABUF_LAB_IOC_BENCH, &b) == -EINVAL, "bench of 0 iterations gives EINVAL");
	b.iterations = info.max_bench_iters + 1;
	tap_ok(lab_ioc(dev, DMABUF_LAB_IOC_BENCH, &b) == -EINVAL,
	       "bench of max_bench_iters + 1 gives EINVAL");
	tap_ok(lab_release(dev, ex.buf_id) == -EINVAL, "RELEASE of a buffer with an fd gives EINVAL");

	tap_ok(lab_detach(dev, att) == 0, "detach with %u mappings", info.max_maps);
	tap_ok(lab_detach(dev, att) == -ENOENT, "double detach gives ENOENT");
	tap_ok(lab_map(dev, att, 0, 0, NULL) == -ENOENT, "map after detach gives ENOENT");
	close(fd);
}

/* A hostile name cannot break the state file's line or token format. */
static void hostile_name(void)
{
	char prefix[32], line[1024], val[128] = "", kh[8] = "";
	struct dmabuf_lab_export ex;
	char *state;
	int fd;

	fd = lab_export(dev, DMABUF_LAB_EXP_STATIC, 1, "a b=c%\t\n\xff", 0, &ex);
	if (!tap_ok(fd > 0, "export with a hostile name"))
		return;
	state = lab_read_file(LAB_STATE_PATH);
	snprintf(prefix, sizeof(prefix), "buf id=%u ", ex.buf_id);
	tap_ok(state && !lab_find_line(state, prefix, line, sizeof(line)) &&
	       !lab_token(line, "name", val, sizeof(val)) && !strcmp(val, "a%20b%3Dc%25%09%0A%FF") &&
	       !lab_token(line, "kernel_held", kh, sizeof(kh)) && !strcmp(kh, "0"),
	       "the state file escapes the name (%s)", val);
	free(state);
	close(fd);
}

int main(void)
{
	int splats;

	dev = lab_open();
	if (!tap_ok(dev >= 0 && lab_info(dev, &info) == 0, "open " DMABUF_LAB_DEVICE " and INFO"))
		return tap_exit_status();
	splats = lab_klog_splats();
	bad_sizes();
	bad_export();
	bad_targets();
	bad_attachment_use();
	hostile_name();
	tap_ok(lab_klog_splats() == splats, "no WARNING/BUG/Oops in the kernel log");
	close(dev);
	return tap_exit_status();
}
