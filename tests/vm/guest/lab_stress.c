/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lab_stress: four threads on one lab buffer for a few seconds - two attach,
 * map, unmap and detach in a loop (static and dynamic importer, own files),
 * one moves the buffer and reads its state, one maps and unmaps a long-lived
 * dynamic attachment on a file it shares with the mover. Afterwards: every
 * operation succeeded, the exporter saw no contract violation, nothing is
 * left mapped, pinned or attached, and the kernel log has no splat.
 */
#include <pthread.h>
#include <time.h>

#include "lab_util.h"
#include "tap.h"

#define STRESS_SECONDS	2

struct worker {
	const char *what;
	int (*step)(struct worker *w, unsigned long i);
	int dev;
	__u32 att;
	unsigned long iters;
	unsigned long errors;
	int first_err;
	pthread_t thread;
};

static struct dmabuf_lab_info info;
static volatile int stop;
static int buf_fd;
static __u32 buf_id;
static unsigned long moves_ok;

static int cycle(struct worker *w, __u32 importer, __u32 mode)
{
	int att = lab_attach(w->dev, 0, buf_fd, 0, importer % info.importers, mode, NULL);
	int ret;

	if (att < 0)
		return att;
	/* Same direction twice: a cache_sgt_mapping table refuses another one. */
	ret = lab_map(w->dev, att, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, NULL);
	if (!ret)
		ret = lab_map(w->dev, att, DMABUF_LAB_DIR_BIDIRECTIONAL, DMABUF_LAB_MAP_UNLOCKED_API,
			      NULL);
	while (!lab_unmap(w->dev, att, 0))
		;
	if (lab_detach(w->dev, att) && !ret)
		ret = -EIO;
	return ret;
}

static int step_static(struct worker *w, unsigned long i)
{
	return cycle(w, i, DMABUF_LAB_IMP_STATIC);
}

static int step_dynamic(struct worker *w, unsigned long i)
{
	return cycle(w, i + 1, DMABUF_LAB_IMP_DYNAMIC);
}

static int step_mover(struct worker *w, unsigned long i)
{
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_att_info ai;
	struct dmabuf_lab_move mv;
	int ret = lab_move(w->dev, buf_fd, &mv);

	if (ret)
		return ret;
	moves_ok++;
	ret = lab_buf_info(w->dev, -1, buf_id, &bi);
	if (!ret)
		ret = lab_att_info(w->dev, w->att, &ai);
	if (!ret && i % 16 == 0) {
		char *state = lab_read_file(LAB_STATE_PATH);

		ret = state && strstr(state, "buf id=") ? 0 : -EIO;
		free(state);
	}
	return ret;
}

static int step_mapper(struct worker *w, unsigned long i)
{
	struct dmabuf_lab_att_info ai;
	int ret = lab_map(w->dev, w->att, DMABUF_LAB_DIR_BIDIRECTIONAL,
			  i % 2 ? DMABUF_LAB_MAP_UNLOCKED_API : 0, NULL);

	if (!ret)
		ret = lab_att_info(w->dev, w->att, &ai);
	if (!ret)
		ret = lab_unmap(w->dev, w->att, i % 3 ? 0 : DMABUF_LAB_MAP_UNLOCKED_API);
	return ret;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	while (!stop) {
		int ret = w->step(w, w->iters);

		if (ret && !w->errors++)
			w->first_err = ret;
		w->iters++;
	}
	return NULL;
}

static void stress(__u32 exp_mode)
{
	const char *mode = lab_exp_mode_name(exp_mode);
	struct worker w[4] = {
		{ .what = "static importer attach/map/unmap/detach", .step = step_static },
		{ .what = "dynamic importer attach/map/unmap/detach", .step = step_dynamic },
		{ .what = "move, BUF_INFO, ATT_INFO, state file", .step = step_mover },
		{ .what = "map/unmap of a long-lived dynamic attachment", .step = step_mapper },
	};
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_export ex;
	int shared, i, att;

	buf_fd = lab_export(w[0].dev = lab_open(), exp_mode, 8, "stress", 0, &ex);
	buf_id = ex.buf_id;
	w[1].dev = lab_open();
	shared = lab_open();
	w[2].dev = w[3].dev = shared;
	att = lab_attach(shared, 0, buf_fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC, NULL);
	if (!tap_ok(buf_fd > 0 && att > 0 && w[0].dev >= 0 && w[1].dev >= 0,
		    "%s buffer: set up", mode))
		return;
	w[2].att = w[3].att = att;
	moves_ok = 0;
	stop = 0;
	for (i = 0; i < 4; i++)
		pthread_create(&w[i].thread, NULL, worker_run, &w[i]);
	sleep(STRESS_SECONDS);
	stop = 1;
	for (i = 0; i < 4; i++) {
		pthread_join(w[i].thread, NULL);
		tap_ok(w[i].iters > 0 && w[i].errors == 0, "%s buffer: %s: %lu rounds, %lu errors (%d)",
		       mode, w[i].what, w[i].iters, w[i].errors, w[i].first_err);
	}
	tap_ok(lab_detach(shared, att) == 0, "%s buffer: detach the long-lived attachment", mode);
	if (tap_ok(lab_buf_info(shared, buf_fd, 0, &bi) == 0, "%s buffer: BUF_INFO", mode)) {
		tap_ok(bi.violations == 0, "%s buffer: 0 contract violations", mode);
		tap_ok(bi.attachments == 0 && bi.pins == 0 && bi.map_calls == bi.unmap_calls &&
		       bi.pin_calls == bi.unpin_calls,
		       "%s buffer: nothing left: %u attachments, %u pins, maps %u/%u, pins %u/%u",
		       mode, bi.attachments, bi.pins, bi.map_calls, bi.unmap_calls, bi.pin_calls,
		       bi.unpin_calls);
		tap_ok(bi.moves == moves_ok, "%s buffer: %u moves counted, %lu made", mode, bi.moves,
		       moves_ok);
	}
	close(buf_fd);
	close(shared);
	close(w[0].dev);
	close(w[1].dev);
}

int main(void)
{
	int dev = lab_open(), splats;

	if (!tap_ok(dev >= 0 && lab_info(dev, &info) == 0, "open " DMABUF_LAB_DEVICE " and INFO"))
		return tap_exit_status();
	close(dev);
	splats = lab_klog_splats();
	stress(DMABUF_LAB_EXP_DYNAMIC);
	stress(DMABUF_LAB_EXP_STATIC);
	if (info.features & DMABUF_LAB_FEAT_SGT_CACHE)
		stress(DMABUF_LAB_EXP_STATIC_CACHED);
	tap_ok(lab_klog_splats() == splats, "no WARNING/BUG/Oops in the kernel log");
	return tap_exit_status();
}
