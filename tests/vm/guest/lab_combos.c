/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lab_combos: every importer x exporter combination of dmabuf_lab, checked
 * against the behaviour the running kernel's dma-buf core defines (derived
 * from the facts DMABUF_LAB_IOC_INFO reports), plus foreign exporters (vgem;
 * udmabuf and the system heap where present), move notifications, the
 * deliberate contract violations, CPU access and the benchmark loop. The
 * module's debugfs state and bufinfo must agree with the ioctl reports.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "lab_util.h"
#include "tap.h"
#include "vgem.h"

static struct dmabuf_lab_info info;
static int dev;

static __u32 expect_pinned(const struct lab_model *m, bool exp_dynamic, unsigned int mapped)
{
	if (m->attach_cached)
		return exp_dynamic ? DMABUF_LAB_YES : DMABUF_LAB_NO;
	return m->pin_on_map && mapped ? DMABUF_LAB_YES : DMABUF_LAB_NO;
}

/* The state file's att line must say what DMABUF_LAB_IOC_ATT_INFO says. */
static void check_state_att(const char *what, const struct dmabuf_lab_att_info *ai)
{
	static const char *const pinned[] = { "0", "1", "unknown" };
	char prefix[32], line[1024], val[64];
	char *state = lab_read_file(LAB_STATE_PATH);
	bool ok;

	snprintf(prefix, sizeof(prefix), "att id=%u ", ai->att_id);
	ok = state && !lab_find_line(state, prefix, line, sizeof(line));
	free(state);
	if (!tap_ok(ok, "%s: debugfs state has the attachment", what))
		return;
	ok = !lab_token(line, "cached", val, sizeof(val)) && atoi(val) == (int)ai->cached &&
	     !lab_token(line, "cached_dir", val, sizeof(val)) &&
	     !strcmp(val, lab_dir_name(ai->cached_dir)) &&
	     !lab_token(line, "pinned", val, sizeof(val)) && !strcmp(val, pinned[ai->pinned]) &&
	     !lab_token(line, "maps", val, sizeof(val)) && atoi(val) == (int)ai->maps &&
	     !lab_token(line, "mapped", val, sizeof(val)) && atoi(val) == (int)ai->mapped &&
	     !lab_token(line, "moves", val, sizeof(val)) && atoi(val) == (int)ai->moves &&
	     !lab_token(line, "importer", val, sizeof(val)) &&
	     !strcmp(val, ai->importer_dynamic ? "dynamic" : "static") &&
	     !lab_token(line, "dev", val, sizeof(val)) && !strcmp(val, ai->dev_name);
	tap_ok(ok, "%s: debugfs state agrees with ATT_INFO (%s)", what, line);
}

/* Maps once and checks the result against the model. */
static void map_check(const char *what, __u32 att, __u32 dir, __u32 flags, struct lab_model *m,
		      unsigned int *mapped)
{
	struct dmabuf_lab_map mr;
	bool cached;
	int want = lab_model_map(m, dir, &cached);
	int ret = lab_map(dev, att, dir, flags, &mr);

	if (want) {
		tap_ok(ret == want, "%s: map %s fails with %d (got %d)", what, lab_dir_name(dir),
		       want, ret);
		return;
	}
	if (!tap_ok(ret == 0, "%s: map %s (ret %d)", what, lab_dir_name(dir), ret))
		return;
	(*mapped)++;
	tap_ok(mr.cached == cached && mr.mapped_len > 0,
	       "%s: map %s cached=%u (want %d), %llu bytes", what, lab_dir_name(dir), mr.cached,
	       cached, (unsigned long long)mr.mapped_len);
}

static void combo(__u32 exp_mode, __u32 imp_mode)
{
	bool exp_dynamic = exp_mode == DMABUF_LAB_EXP_DYNAMIC;
	bool imp_dynamic = imp_mode == DMABUF_LAB_IMP_DYNAMIC;
	struct dmabuf_lab_buf_info bi, bi0;
	struct dmabuf_lab_att_info ai;
	struct dmabuf_lab_export ex;
	struct dmabuf_lab_move mv;
	unsigned int mapped = 0;
	struct lab_model m;
	char what[96];
	int fd, att;

	snprintf(what, sizeof(what), "%s exporter x %s importer", lab_exp_mode_name(exp_mode),
		 lab_imp_mode_name(imp_mode));
	fd = lab_export(dev, exp_mode, 4, "combo", 0, &ex);
	if (exp_mode == DMABUF_LAB_EXP_STATIC_CACHED &&
	    !(info.features & DMABUF_LAB_FEAT_SGT_CACHE)) {
		tap_ok(fd == -EOPNOTSUPP, "%s: no cache_sgt_mapping here, export fails with EOPNOTSUPP",
		       what);
		return;
	}
	if (!tap_ok(fd > 0, "%s: export (%d)", what, fd))
		return;
	lab_model_init(&m, &info, exp_dynamic, exp_mode, imp_dynamic);
	att = lab_attach(dev, 0, fd, 0, 0, imp_mode, NULL);
	if (!tap_ok(att > 0, "%s: attach (%d)", what, att))
		goto out;

	lab_buf_info(dev, fd, 0, &bi0);
	lab_att_info(dev, att, &ai);
	tap_ok(bi0.map_calls == (m.attach_cached ? 1U : 0U) &&
	       ai.pinned == expect_pinned(&m, exp_dynamic, 0),
	       "%s: after attach: exporter maps %u, pinned %u (cached at attach: %d)", what,
	       bi0.map_calls, ai.pinned, m.attach_cached);

	map_check(what, att, DMABUF_LAB_DIR_TO_DEVICE, 0, &m, &mapped);
	map_check(what, att, DMABUF_LAB_DIR_FROM_DEVICE, 0, &m, &mapped);
	map_check(what, att, DMABUF_LAB_DIR_TO_DEVICE, DMABUF_LAB_MAP_UNLOCKED_API, &m, &mapped);

	lab_buf_info(dev, fd, 0, &bi);
	lab_att_info(dev, att, &ai);
	tap_ok(ai.mapped == mapped && ai.pinned == expect_pinned(&m, exp_dynamic, mapped) &&
	       ai.pins == (m.attach_cached ? exp_dynamic : m.pin_on_map ? mapped : 0),
	       "%s: %u mapped, pinned %u with %u pins", what, ai.mapped, ai.pinned, ai.pins);
	tap_ok(ai.cached_dir == m.cached_dir, "%s: cached table direction %s (want %s)", what,
	       lab_dir_name(ai.cached_dir), lab_dir_name(m.cached_dir));
	tap_ok(bi.map_calls - bi0.map_calls == mapped - (m.attach_cached ? mapped :
							  m.cache_first ? mapped - 1 : 0),
	       "%s: exporter map callbacks %u", what, bi.map_calls - bi0.map_calls);

	if (tap_ok(lab_move(dev, fd, &mv) == 0, "%s: move", what)) {
		tap_ok(mv.notified == imp_dynamic && mv.static_atts == !imp_dynamic &&
		       mv.static_pinned == (!imp_dynamic && ai.pins > 0),
		       "%s: move notified %u, static %u, static pinned %u", what, mv.notified,
		       mv.static_atts, mv.static_pinned);
		lab_att_info(dev, att, &ai);
		tap_ok(ai.moves == (imp_dynamic ? 1U : 0U), "%s: importer saw %u moves", what,
		       ai.moves);
	}
	check_state_att(what, &ai);
	tap_ok(lab_bufinfo_has_dev(ex.ino, ai.dev_name), "%s: bufinfo lists %s for ino %llu",
	       what, ai.dev_name, (unsigned long long)ex.ino);

	while (mapped && !lab_unmap(dev, att, 0))
		mapped--;
	lab_att_info(dev, att, &ai);
	tap_ok(mapped == 0 && ai.pinned == expect_pinned(&m, exp_dynamic, 0),
	       "%s: all unmapped, pinned %u", what, ai.pinned);
	tap_ok(lab_detach(dev, att) == 0, "%s: detach", what);
	lab_buf_info(dev, fd, 0, &bi);
	tap_ok(bi.attachments == 0 && bi.pins == 0 && bi.map_calls == bi.unmap_calls &&
	       bi.pin_calls == bi.unpin_calls,
	       "%s: after detach: %u attachments, %u pins, maps %u/%u unmaps, pins %u/%u unpins",
	       what, bi.attachments, bi.pins, bi.map_calls, bi.unmap_calls, bi.pin_calls,
	       bi.unpin_calls);
	tap_ok(bi.violations == 0 && lab_state_num("buf", ex.buf_id, "violations") == 0,
	       "%s: no contract violations", what);
out:
	close(fd);
}

/*
 * Import and map a foreign dma-buf as both importer kinds. Map, unmap, map:
 * an exporter may keep one table per attachment (the system heap does) and
 * cannot be mapped twice at once.
 */
static void foreign(const char *name, int fd)
{
	__u32 imp;

	for (imp = DMABUF_LAB_IMP_STATIC; imp <= DMABUF_LAB_IMP_DYNAMIC; imp++) {
		struct dmabuf_lab_att_info ai;
		unsigned int mapped = 0;
		struct lab_model m;
		char what[64];
		int att;

		snprintf(what, sizeof(what), "%s x %s importer", name, lab_imp_mode_name(imp));
		att = lab_attach(dev, 0, fd, 0, imp % info.importers, imp, NULL);
		if (!tap_ok(att > 0, "%s: attach (%d)", what, att))
			continue;
		lab_att_info(dev, att, &ai);
		tap_ok(!ai.exporter_lab && ai.buf_id == 0 && ai.pinned == DMABUF_LAB_UNKNOWN,
		       "%s: foreign exporter '%s' (%s), pin state unknown", what, ai.exp_name,
		       lab_exp_mode_name(ai.exporter_mode));
		lab_model_init(&m, &info, ai.exporter_dynamic, ai.exporter_mode, imp);
		map_check(what, att, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, &m, &mapped);
		tap_ok(lab_unmap(dev, att, 0) == 0, "%s: unmap", what);
		map_check(what, att, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, &m, &mapped);
		lab_att_info(dev, att, &ai);
		check_state_att(what, &ai);
		tap_ok(lab_bufinfo_has_dev(ai.ino, ai.dev_name), "%s: bufinfo lists %s", what,
		       ai.dev_name);
		tap_ok(lab_detach(dev, att) == 0, "%s: detach with a mapping", what);
	}
}

static void foreign_exporters(void)
{
	struct dma_heap_allocation_data heap = { .len = 4 * 4096, .fd_flags = O_RDWR | O_CLOEXEC };
	int card = vgem_open(), fd, u, h;

	fd = card >= 0 ? vgem_dmabuf(card, 64) : -1;
	if (tap_ok(fd >= 0, "vgem: dma-buf from %s", card >= 0 ? "a DRM card" : "no DRM card")) {
		foreign("vgem", fd);
		close(fd);
	}
	if (card >= 0)
		close(card);

	u = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (u < 0) {
		tap_skip("no /dev/udmabuf on this kernel", "udmabuf: import and map");
	} else {
		struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = 4 * 4096 };
		int mfd = memfd_create("lab-udmabuf", MFD_ALLOW_SEALING);

		fd = -1;
		if (mfd >= 0 && !ftruncate(mfd, c.size) && !fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
			c.memfd = mfd;
			fd = ioctl(u, UDMABUF_CREATE, &c);
		}
		if (tap_ok(fd >= 0, "udmabuf: dma-buf from a memfd")) {
			foreign("udmabuf", fd);
			close(fd);
		}
		if (mfd >= 0)
			close(mfd);
		close(u);
	}

	h = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (h < 0) {
		tap_skip("no /dev/dma_heap/system on this kernel", "system heap: import and map");
		return;
	}
	if (tap_ok(ioctl(h, DMA_HEAP_IOCTL_ALLOC, &heap) == 0, "system heap: allocate")) {
		foreign("system heap", heap.fd);
		close(heap.fd);
	}
	close(h);
}

/* Move notifications reach exactly the dynamic importers, on both devices. */
static void moves(__u32 exp_mode)
{
	bool exp_dynamic = exp_mode == DMABUF_LAB_EXP_DYNAMIC;
	struct dmabuf_lab_att_info ai;
	struct dmabuf_lab_move mv;
	int fd, att[4], i, ok = 1;
	__u32 imps = info.importers > 1 ? 2 : 1;

	fd = lab_export(dev, exp_mode, 2, "moves", 0, NULL);
	if (!tap_ok(fd > 0, "move on %s buffer: export", lab_exp_mode_name(exp_mode)))
		return;
	for (i = 0; i < 4; i++) {
		att[i] = lab_attach(dev, 0, fd, 0, i / 2 % imps, i % 2, NULL);
		ok &= att[i] > 0 && lab_map(dev, att[i], DMABUF_LAB_DIR_BIDIRECTIONAL, 0, NULL) == 0;
	}
	tap_ok(ok, "move on %s buffer: 2 static + 2 dynamic importers on %u devices mapped",
	       lab_exp_mode_name(exp_mode), imps);
	if (tap_ok(lab_move(dev, fd, &mv) == 0, "move on %s buffer", lab_exp_mode_name(exp_mode)))
		tap_ok(mv.notified == 2 && mv.static_atts == 2 &&
		       mv.static_pinned == (exp_dynamic ? 2U : 0U),
		       "move on %s buffer: notified %u, static %u (pinned %u)",
		       lab_exp_mode_name(exp_mode), mv.notified, mv.static_atts, mv.static_pinned);
	for (i = 0; i < 4; i++) {
		lab_att_info(dev, att[i], &ai);
		tap_ok(ai.moves == (ai.importer_dynamic ? 1U : 0U),
		       "move on %s buffer: %s importer on %s saw %u moves",
		       lab_exp_mode_name(exp_mode), lab_imp_mode_name(ai.importer_dynamic),
		       ai.dev_name, ai.moves);
		tap_ok(lab_bufinfo_has_dev(ai.ino, ai.dev_name), "bufinfo lists %s", ai.dev_name);
	}
	close(fd);
	for (i = 0; i < 4; i++)
		tap_ok(lab_detach(dev, att[i]) == 0, "detach after the exporter fd was closed");
}

/* The deliberate violations are counted (and nothing else happens without lockdep). */
static void violations(void)
{
	bool static_rule = info.features & DMABUF_LAB_FEAT_STATIC_NEEDS_RESV;
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_export ex;
	int fd, att;

	if (info.features & DMABUF_LAB_FEAT_LOCKDEP) {
		tap_skip("lockdep kernel: the splat test covers the violations", "violations");
		return;
	}
	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 1, "violate", 0, &ex);
	att = lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC, NULL);
	tap_ok(lab_map(dev, att, DMABUF_LAB_DIR_BIDIRECTIONAL, DMABUF_LAB_MAP_VIOLATE_NOLOCK,
		       NULL) == 0 && lab_unmap(dev, att, 0) == 0,
	       "dynamic importer maps a dynamic exporter without the resv");
	lab_buf_info(dev, fd, 0, &bi);
	tap_ok(bi.violations >= 1 && lab_state_num("buf", ex.buf_id, "violations") == bi.violations,
	       "the exporter counted %u violations, the state file agrees", bi.violations);
	tap_ok(lab_map(dev, att, DMABUF_LAB_DIR_BIDIRECTIONAL, DMABUF_LAB_MAP_VIOLATE_ABBA,
		       NULL) == 0 && lab_unmap(dev, att, 0) == 0,
	       "lock-order inversion mode maps (no lockdep to report it here)");
	lab_detach(dev, att);
	close(fd);

	fd = lab_export(dev, DMABUF_LAB_EXP_STATIC, 1, "violate-static", 0, NULL);
	att = lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_STATIC, NULL);
	lab_map(dev, att, DMABUF_LAB_DIR_BIDIRECTIONAL, DMABUF_LAB_MAP_VIOLATE_NOLOCK, NULL);
	lab_unmap(dev, att, 0);
	lab_buf_info(dev, fd, 0, &bi);
	tap_ok(static_rule ? bi.violations >= 1 : bi.violations == 0,
	       "static exporter mapped without the resv: %u violations (the rule %s)",
	       bi.violations, static_rule ? "requires the resv" : "requires nothing");
	lab_detach(dev, att);
	close(fd);
}

static void cpu_access(void)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE };
	const uint64_t pattern = 0x31424c2d4c4142ULL;
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_cpu cpu;
	int fd, ret;
	char *p;

	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 2, "cpu", 0, NULL);
	p = fd > 0 ? mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (!tap_ok(p != MAP_FAILED, "mmap a lab buffer"))
		goto out;
	ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	memcpy(p + 4096, &pattern, sizeof(pattern));
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
	ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	munmap(p, 2 * 4096);
	LAB_ARG(cpu);
	cpu.fd = fd;
	cpu.offset = 4096;
	ret = lab_ioc(dev, DMABUF_LAB_IOC_CPU_READ, &cpu);
	tap_ok(!ret && cpu.value == pattern, "vmap reads what mmap wrote (%d, %#llx)", ret,
	       (unsigned long long)cpu.value);
	lab_buf_info(dev, fd, 0, &bi);
	tap_ok(bi.mmaps == 1 && bi.vmaps == 1 && bi.cpu_accesses >= 2,
	       "mmap %u, vmap %u, begin_cpu_access %u", bi.mmaps, bi.vmaps, bi.cpu_accesses);
out:
	if (fd > 0)
		close(fd);
}

static void bench(void)
{
	struct dmabuf_lab_buf_info bi;
	struct dmabuf_lab_bench b;
	int fd, ret;
	__u32 imp;

	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 4, "bench", 0, NULL);
	for (imp = DMABUF_LAB_IMP_STATIC; imp <= DMABUF_LAB_IMP_DYNAMIC; imp++) {
		LAB_ARG(b);
		b.fd = fd;
		b.mode = imp;
		b.dir = DMABUF_LAB_DIR_TO_DEVICE;
		b.iterations = 200;
		ret = lab_ioc(dev, DMABUF_LAB_IOC_BENCH, &b);
		tap_ok(!ret && b.done == 200 && b.total_ns > 0,
		       "bench, %s importer (%d): %u iterations in %llu ns", lab_imp_mode_name(imp),
		       ret, b.done, (unsigned long long)b.total_ns);
	}
	lab_buf_info(dev, fd, 0, &bi);
	tap_ok(bi.attachments == 0 && bi.pins == 0 && bi.map_calls == bi.unmap_calls &&
	       bi.violations == 0, "bench leaves no attachment, pin, mapping or violation");
	close(fd);
}

int main(void)
{
	static const __u32 exp_modes[] = { DMABUF_LAB_EXP_STATIC, DMABUF_LAB_EXP_STATIC_CACHED,
					   DMABUF_LAB_EXP_DYNAMIC };
	unsigned int e, i;
	int splats, ret;

	dev = lab_open();
	if (!tap_ok(dev >= 0, "open " DMABUF_LAB_DEVICE))
		return tap_exit_status();
	ret = lab_info(dev, &info);
	if (!tap_ok(!ret && info.abi_version == DMABUF_LAB_ABI_VERSION, "INFO (%d), ABI version %u",
		    ret, info.abi_version))
		return tap_exit_status();
	tap_diag("features %#x (sgt_cache %d, static_needs_resv %d, lockdep %d), move_notify %u, importers %u",
		 info.features, !!(info.features & DMABUF_LAB_FEAT_SGT_CACHE),
		 !!(info.features & DMABUF_LAB_FEAT_STATIC_NEEDS_RESV),
		 !!(info.features & DMABUF_LAB_FEAT_LOCKDEP), info.move_notify, info.importers);
	splats = lab_klog_splats();

	for (e = 0; e < 3; e++)
		for (i = DMABUF_LAB_IMP_STATIC; i <= DMABUF_LAB_IMP_DYNAMIC; i++)
			combo(exp_modes[e], i);
	foreign_exporters();
	moves(DMABUF_LAB_EXP_DYNAMIC);
	moves(DMABUF_LAB_EXP_STATIC);
	violations();
	cpu_access();
	bench();

	tap_ok(lab_klog_splats() == splats, "no new WARNING/BUG/Oops in the kernel log");
	close(dev);
	return tap_exit_status();
}
