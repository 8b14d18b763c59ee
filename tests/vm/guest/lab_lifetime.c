/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lab_lifetime: teardown in any order. Buffer fds closed before the
 * attachments, attachments left to the closing of their file, kernel-held
 * buffers (no fd) attached by id and released while attached; afterwards
 * no buffer, attachment or pin is left behind.
 */
#include "lab_util.h"
#include "tap.h"
#include "vgem.h"

static int dev;

static bool buf_gone(__u32 id)
{
	struct dmabuf_lab_buf_info bi;

	return lab_buf_info(dev, -1, id, &bi) == -ENOENT;
}

/* The exporter fd goes first; the attachment keeps the buffer alive. */
static void exporter_closed_first(void)
{
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_export ex;
	int fd, att;

	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 2, "orphan", 0, &ex);
	att = lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_STATIC, NULL);
	close(fd);
	tap_ok(att > 0 && lab_buf_info(dev, -1, ex.buf_id, &bi) == 0 && bi.attachments == 1,
	       "buffer lives on through its attachment after its fd is closed");
	tap_ok(lab_map(dev, att, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, NULL) == 0,
	       "the attachment still maps");
	tap_ok(lab_detach(dev, att) == 0 && buf_gone(ex.buf_id),
	       "detach (with a mapping) releases the buffer");
}

/* Closing an open file detaches its attachments, mapped or not. */
static void file_closed_with_attachments(void)
{
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_export ex;
	int other = lab_open(), fd, i, ok = 1;

	fd = lab_export(other, DMABUF_LAB_EXP_DYNAMIC, 2, "owned", 0, &ex);
	for (i = 0; i < 4; i++) {
		int att = lab_attach(other, 0, fd, 0, 0, i % 2, NULL);

		ok &= att > 0;
		if (i < 3)
			ok &= lab_map(other, att, DMABUF_LAB_DIR_TO_DEVICE, 0, NULL) == 0;
	}
	tap_ok(ok, "another file attaches 4 times and maps 3 of them");
	close(other);
	ok = lab_buf_info(dev, fd, 0, &bi) == 0;
	tap_ok(ok && bi.attachments == 0 && bi.pins == 0 &&
	       bi.map_calls == bi.unmap_calls && bi.pin_calls == bi.unpin_calls,
	       "closing that file detached all: %u attachments, %u pins, maps %u/%u", bi.attachments,
	       bi.pins, bi.map_calls, bi.unmap_calls);
	close(fd);
	tap_ok(buf_gone(ex.buf_id), "closing the buffer fd then releases it");
}

/* A buffer held only by the kernel: attach by id, release while attached. */
static void kernel_held(void)
{
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_export ex;
	int ret, att;

	ret = lab_export(dev, DMABUF_LAB_EXP_STATIC, 3, "kernel-only", DMABUF_LAB_EXPORT_KERNEL_HELD,
			 &ex);
	if (!tap_ok(ret == 0 && ex.fd == -1 && ex.buf_id > 0, "kernel-held export returns no fd"))
		return;
	tap_ok(lab_buf_info(dev, -1, ex.buf_id, &bi) == 0 && bi.kernel_held == DMABUF_LAB_YES &&
	       !strcmp(bi.name, "kernel-only") &&
	       lab_state_num("buf", ex.buf_id, "kernel_held") == 1,
	       "BUF_INFO and the state file say kernel-held");
	att = lab_attach(dev, DMABUF_LAB_BY_ID, -1, ex.buf_id, 0, DMABUF_LAB_IMP_DYNAMIC, NULL);
	tap_ok(att > 0 && lab_map(dev, att, DMABUF_LAB_DIR_FROM_DEVICE, 0, NULL) == 0,
	       "attach by id and map");
	tap_ok(lab_release(dev, ex.buf_id) == 0, "RELEASE while attached");
	tap_ok(lab_buf_info(dev, -1, ex.buf_id, &bi) == 0 && bi.kernel_held == DMABUF_LAB_NO,
	       "the buffer lives on through the attachment, no longer kernel-held");
	tap_ok(lab_release(dev, ex.buf_id) == -EINVAL, "a second RELEASE gives EINVAL");
	tap_ok(lab_detach(dev, att) == 0 && buf_gone(ex.buf_id), "detach releases it");

	ret = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 1, NULL, DMABUF_LAB_EXPORT_KERNEL_HELD, &ex);
	tap_ok(ret == 0 && lab_release(dev, ex.buf_id) == 0 && buf_gone(ex.buf_id),
	       "an unattached kernel-held buffer is freed by RELEASE");
	tap_ok(lab_release(dev, ex.buf_id) == -ENOENT, "RELEASE of a freed buffer gives ENOENT");
}

/* A foreign buffer closed under a lab attachment. */
static void foreign_closed_first(void)
{
	int card = vgem_open(), fd, att;

	fd = card >= 0 ? vgem_dmabuf(card, 16) : -1;
	if (card >= 0)
		close(card);
	if (!tap_ok(fd >= 0, "vgem dma-buf"))
		return;
	att = lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC, NULL);
	tap_ok(att > 0 && lab_map(dev, att, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, NULL) == 0,
	       "attach and map vgem");
	close(fd);
	tap_ok(lab_map(dev, att, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, NULL) == 0,
	       "the vgem attachment maps after the vgem fd and card are closed");
	tap_ok(lab_detach(dev, att) == 0, "and detaches");
}

int main(void)
{
	char *state;
	int splats;

	dev = lab_open();
	if (!tap_ok(dev >= 0, "open " DMABUF_LAB_DEVICE))
		return tap_exit_status();
	splats = lab_klog_splats();
	exporter_closed_first();
	file_closed_with_attachments();
	kernel_held();
	foreign_closed_first();

	state = lab_read_file(LAB_STATE_PATH);
	tap_ok(state && !strstr(state, "\natt ") && !strstr(state, "\nbuf "),
	       "the state file lists no buffer or attachment at the end");
	free(state);
	tap_ok(lab_klog_splats() == splats, "no WARNING/BUG/Oops in the kernel log");
	close(dev);
	return tap_exit_status();
}
