// SPDX-License-Identifier: GPL-2.0
/*
 * lab_debugfs.c - /sys/kernel/debug/dmabuf_lab/state: one line per lab
 * buffer, exporter-side attachment and lab attachment, as key=value tokens.
 * kmod/README.md documents the format; the tools' tests read it as the
 * expected answer, so it only ever grows new keys at the end of a line.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "lab_compat.h"
#include "lab_internal.h"

#define LAB_STATE_VERSION	1

static struct dentry *lab_debugfs_dir;

static const char *const lab_exp_mode_names[] = {
	[DMABUF_LAB_EXP_STATIC] = "static",
	[DMABUF_LAB_EXP_STATIC_CACHED] = "static_cached",
	[DMABUF_LAB_EXP_DYNAMIC] = "dynamic",
};

static const char *lab_dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return "bidirectional";
	case DMA_TO_DEVICE:
		return "to_device";
	case DMA_FROM_DEVICE:
		return "from_device";
	default:
		return "none";
	}
}

/**
 * lab_seq_escape() - print a user-controlled string as one token value
 * @s: the seq_file
 * @str: the string
 *
 * Bytes outside printable ASCII, space, '%' and '=' become %XX (two
 * upper-case hex digits), so a name can neither split a line nor a token.
 * The empty string prints as nothing.
 */
static void lab_seq_escape(struct seq_file *s, const char *str)
{
	for (; *str; str++) {
		unsigned char c = *str;

		if (c > ' ' && c < 0x7f && c != '%' && c != '=')
			seq_putc(s, c);
		else
			seq_printf(s, "%%%02X", c);
	}
}

static const char *lab_yes_no(bool v)
{
	return v ? "1" : "0";
}

/* A buffer and its own attachment list, under the buffer's resv. */
static int lab_state_show_buf(struct seq_file *s, struct lab_buf *lb)
{
	struct dma_buf *dmabuf = lb->dmabuf;
	struct lab_exp_att *ea;
	unsigned int atts = 0, pins = 0;
	int ret;

	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		return ret;
	list_for_each_entry(ea, &lb->attachments, node) {
		atts++;
		pins += atomic_read(&ea->pins);
	}
	seq_printf(s, "buf id=%u ino=%llu mode=%s pages=%lu name=", lb->id,
		   (unsigned long long)lb->ino,
		   lab_exp_mode_names[lb->mode], (unsigned long)lb->npages);
	lab_seq_escape(s, lb->name);
	seq_printf(s, " kernel_held=%s atts=%u pins=%u map_calls=%d unmap_calls=%d pin_calls=%d unpin_calls=%d moves=%d violations=%d\n",
		   lab_yes_no(lb->kernel_held), atts, pins, atomic_read(&lb->map_calls),
		   atomic_read(&lb->unmap_calls), atomic_read(&lb->pin_calls),
		   atomic_read(&lb->unpin_calls), atomic_read(&lb->moves),
		   atomic_read(&lb->violations));
	list_for_each_entry(ea, &lb->attachments, node) {
		seq_printf(s, "exp buf=%u ino=%llu dev=", lb->id, (unsigned long long)lb->ino);
		lab_seq_escape(s, dev_name(ea->attach->dev));
		seq_printf(s, " importer=%s pins=%d map_calls=%d unmap_calls=%d\n",
			   ea->attach->importer_ops ? "dynamic" : "static",
			   atomic_read(&ea->pins), atomic_read(&ea->map_calls),
			   atomic_read(&ea->unmap_calls));
	}
	dma_resv_unlock(dmabuf->resv);
	return 0;
}

/* One lab attachment, under its lock. */
static void lab_state_show_att(struct seq_file *s, struct lab_att *att)
{
	struct lab_exp_att *ea;

	mutex_lock(&att->lock);
	if (!att->attach) {
		/* Being detached: no longer part of the state. */
		mutex_unlock(&att->lock);
		return;
	}
	ea = att->lb ? att->attach->priv : NULL;
	seq_printf(s, "att id=%u buf=%u ino=%llu dev=", att->id, att->lab_buf_id,
		   (unsigned long long)att->ino);
	lab_seq_escape(s, dev_name(att->attach->dev));
	seq_printf(s, " importer=%s exporter=%s exp_mode=%s exp_name=",
		   att->dynamic ? "dynamic" : "static", att->lb ? "lab" : "foreign",
		   lab_exp_mode_names[att->exp_mode]);
	lab_seq_escape(s, att->exp_name);
	seq_printf(s, " cached=%s cached_dir=%s pinned=%s maps=%u unmaps=%u mapped=%u moves=%d last_err=%d\n",
		   lab_yes_no(att->last_cached), lab_dir_name(lab_attach_cached_dir(att->attach)),
		   !ea ? "unknown" : lab_yes_no(atomic_read(&ea->pins) > 0), att->map_ok,
		   att->unmap_ok, att->nmaps, atomic_read(&att->moves), att->last_err);
	mutex_unlock(&att->lock);
}

static int lab_state_show(struct seq_file *s, void *unused)
{
	struct lab_att *att;
	struct lab_buf *lb;
	unsigned long id;
	int ret = 0;

	/* lab_mutex keeps every registered buffer and its resv alive. */
	mutex_lock(&lab_mutex);
	seq_printf(s, "lab version=%d abi=%d importers=%u sgt_cache=%d static_needs_resv=%d move_notify=%s\n",
		   LAB_STATE_VERSION, DMABUF_LAB_ABI_VERSION, lab_nr_importers,
		   LAB_HAVE_SGT_CACHE, LAB_STATIC_NEEDS_RESV,
		   lab_move_notify_state() == DMABUF_LAB_MOVE_NOTIFY_ON ? "on" :
		   lab_move_notify_state() == DMABUF_LAB_MOVE_NOTIFY_OFF ? "off" : "absent");
	xa_for_each(&lab_bufs, id, lb) {
		ret = lab_state_show_buf(s, lb);
		if (ret)
			goto out;
	}
	xa_for_each(&lab_atts, id, att)
		lab_state_show_att(s, att);
out:
	mutex_unlock(&lab_mutex);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(lab_state);

int lab_debugfs_init(void)
{
	lab_debugfs_dir = debugfs_create_dir(LAB_NAME, NULL);
	debugfs_create_file("state", 0444, lab_debugfs_dir, NULL, &lab_state_fops);
	return 0;
}

void lab_debugfs_exit(void)
{
	debugfs_remove_recursive(lab_debugfs_dir);
}
