/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * zz_lockdep: the negative test of the lockdep kernel (runs last: lockdep
 * switches itself off after its first report). lockdep must have stayed on
 * through every earlier test of its guest; then a dynamic importer maps a dynamic
 * exporter without the resv lock (dma-buf.c's own dma_resv_assert_held
 * must warn, dmabuf-trace must flag the same map), and a lock-order
 * inversion against the resv must give a circular-locking report. The
 * harness passes this test because those splats appear between the markers.
 * On kernels without lockdep it only says so.
 */
#include <signal.h>

#include "lab_util.h"
#include "splat.h"
#include "tap.h"
#include "trace_util.h"

int main(void)
{
	struct dmabuf_lab_info info;
	struct dmabuf_lab_export ex;
	const char *targs[] = { "-j", "-e", "map", NULL };
	struct tracer t;
	bool traced;
	int dev, fd, att;

	dev = lab_open();
	if (!tap_ok(dev >= 0 && lab_info(dev, &info) == 0, "dmabuf_lab INFO"))
		return tap_exit_status();
	if (!(info.features & DMABUF_LAB_FEAT_LOCKDEP)) {
		tap_skip("this kernel has no lockdep", "lockdep catches the deliberate violations");
		return tap_exit_status();
	}
	tap_ok(lockdep_debug_locks() == 1,
	       "lockdep still on after the other tests of this guest (debug_locks %d)",
	       lockdep_debug_locks());

	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 1, "negative", 0, &ex);
	att = lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC, NULL);
	if (!tap_ok(fd > 0 && att > 0, "a dynamic importer on a dynamic exporter"))
		return tap_exit_status();

	/* the tracer watches the same map; it says when its probes are attached */
	traced = !tracer_start(&t, "negative", targs, NULL);
	if (!traced)
		tracer_diag_err(&t);
	expect_splat_begin("map-without-resv");
	tap_ok(lab_map(dev, (__u32)att, DMABUF_LAB_DIR_BIDIRECTIONAL, DMABUF_LAB_MAP_VIOLATE_NOLOCK,
		       NULL) == 0, "map without the resv lock (deliberate)");
	expect_splat_end("map-without-resv");
	lab_unmap(dev, (__u32)att, 0);
	if (traced)
		tracer_stop(&t, SIGINT);
	tap_ok(traced && t.out && strstr(t.out, "\"event\":\"map\""), "dmabuf-trace saw the map");
	tap_ok(traced && t.out && strstr(t.out, "\"contract\":\""),
	       "dmabuf-trace flagged the map lockdep flagged (contract names the violation)");
	tracer_free(&t);

	expect_splat_begin("lock-order-inversion");
	tap_ok(lab_map(dev, (__u32)att, DMABUF_LAB_DIR_BIDIRECTIONAL, DMABUF_LAB_MAP_VIOLATE_ABBA,
		       NULL) == 0, "map after a deliberate lock-order inversion");
	expect_splat_end("lock-order-inversion");
	lab_unmap(dev, (__u32)att, 0);
	tap_ok(lockdep_debug_locks() == 0, "lockdep reported it and switched itself off");

	lab_detach(dev, (__u32)att);
	close(fd);
	close(dev);
	return tap_exit_status();
}
