/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_contract: dmabuf-trace's live check of the locking convention.
 *
 * Clean run: every exporter x importer mode, mapped the module's default
 * way (resv held around dma_buf_map_attachment()) and through the
 * *_unlocked() API, moved, read by the CPU: no event carries a contract
 * violation, the tool exits 0.
 *
 * Deliberate violation: DMABUF_LAB_MAP_VIOLATE_NOLOCK maps and unmaps
 * without the resv. The expected verdict per call is the kernel's own rule,
 * derived from what the module reports about this kernel: from the 6.2
 * convention (FEAT_STATIC_NEEDS_RESV) every caller must hold it; before it,
 * a dynamic importer always, and a dynamic exporter unless the attach-time
 * cached table answers. Every flagged event says "not held", resv "free";
 * whenever the module's exporter counted a violation in the call, the
 * tracer flagged it too; the tool exits 1 and counts them at the end; the
 * text line shows the flag. The same verdicts with --no-latency (map/unmap
 * by one program at entry).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lab_util.h"
#include "splat.h"
#include "trace_util.h"

#define NOT_HELD "reservation lock not held"

struct ctx {
	int lab;
	struct dmabuf_lab_info info;
	bool all_callers, sgt_cache;
	int failures;
	int maps, unlocked_maps;	/* maps of the clean run, those through *_unlocked() */
};

static int step(struct ctx *c, int ret, const char *what)
{
	if (ret < 0) {
		tap_diag("%s: %s", what, strerror(-ret));
		c->failures++;
	}
	return ret;
}

/* Correct use: map and unmap as the convention wants, in both APIs. */
static void clean_ops(struct ctx *c)
{
	static const __u32 exps[] = { DMABUF_LAB_EXP_STATIC, DMABUF_LAB_EXP_DYNAMIC,
				      DMABUF_LAB_EXP_STATIC_CACHED };
	unsigned int e, imp, api;

	for (e = 0; e < 3; e++) {
		struct dmabuf_lab_export ex;
		int fd;

		if (exps[e] == DMABUF_LAB_EXP_STATIC_CACHED && !c->sgt_cache)
			continue;
		fd = step(c, lab_export(c->lab, exps[e], 1, "clean", 0, &ex), "export");
		if (fd < 0)
			continue;
		for (imp = 0; imp < 2; imp++)
			for (api = 0; api < 2; api++) {
				__u32 flags = api ? DMABUF_LAB_MAP_UNLOCKED_API : 0;
				int att = step(c, lab_attach(c->lab, 0, fd, 0, imp, imp, NULL),
					       "attach");
				struct dmabuf_lab_move mv;

				if (att < 0)
					continue;
				if (step(c, lab_map(c->lab, (__u32)att, DMABUF_LAB_DIR_BIDIRECTIONAL,
						    flags, NULL), "map") == 0) {
					c->maps++;
					c->unlocked_maps += api;
				}
				if (exps[e] != DMABUF_LAB_EXP_STATIC_CACHED)
					step(c, lab_move(c->lab, fd, &mv), "move");
				step(c, lab_unmap(c->lab, (__u32)att, flags), "unmap");
				step(c, lab_detach(c->lab, (__u32)att), "detach");
			}
		if (exps[e] != DMABUF_LAB_EXP_STATIC_CACHED) {
			struct dmabuf_lab_cpu cpu;

			LAB_ARG(cpu);
			cpu.fd = fd;
			step(c, lab_ioc(c->lab, DMABUF_LAB_IOC_CPU_READ, &cpu), "cpu read");
		}
		close(fd);
	}
}

struct verdict {
	unsigned long long ino;
	const char *event;
	bool violation;		/* the kernel's rule says it is one */
	bool lab_counted;	/* the module's exporter counted one during the call */
};

static void bad_ops(struct ctx *c, struct verdict *v, int *nv)
{
	static const struct { __u32 exp, imp; } combos[] = {
		{ DMABUF_LAB_EXP_DYNAMIC, DMABUF_LAB_IMP_DYNAMIC },
		{ DMABUF_LAB_EXP_STATIC, DMABUF_LAB_IMP_STATIC },
		{ DMABUF_LAB_EXP_DYNAMIC, DMABUF_LAB_IMP_STATIC },
		{ DMABUF_LAB_EXP_STATIC, DMABUF_LAB_IMP_DYNAMIC },
	};
	struct dmabuf_lab_info info;
	unsigned int i, k;
	/* on a lockdep kernel the violations splat: tell the harness to expect it */
	bool lockdep = lab_info(c->lab, &info) == 0 && (info.features & DMABUF_LAB_FEAT_LOCKDEP);

	if (lockdep)
		expect_splat_begin("trace-contract-violations");
	for (i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		bool exp_dyn = combos[i].exp == DMABUF_LAB_EXP_DYNAMIC;
		bool imp_dyn = combos[i].imp == DMABUF_LAB_IMP_DYNAMIC;
		struct dmabuf_lab_buf_info bi;
		struct dmabuf_lab_att_info ai;
		struct dmabuf_lab_export ex;
		int fd, att;

		fd = step(c, lab_export(c->lab, combos[i].exp, 1, "bad", 0, &ex), "export");
		if (fd < 0)
			continue;
		att = step(c, lab_attach(c->lab, 0, fd, 0, 0, combos[i].imp, NULL), "attach");
		if (att < 0 || step(c, lab_att_info(c->lab, (__u32)att, &ai), "att info") < 0) {
			close(fd);
			continue;
		}
		for (k = 0; k < 2; k++) {
			bool cached_hit = ai.cached_dir != DMABUF_LAB_DIR_NONE;
			__u32 before;

			/* BUF_INFO by id: no dma_buf_get() of its own in the trace */
			lab_buf_info(c->lab, -1, ex.buf_id, &bi);
			before = bi.violations;
			if (k == 0)
				step(c, lab_map(c->lab, (__u32)att, DMABUF_LAB_DIR_BIDIRECTIONAL,
						DMABUF_LAB_MAP_VIOLATE_NOLOCK, NULL), "map nolock");
			else
				step(c, lab_unmap(c->lab, (__u32)att, DMABUF_LAB_MAP_VIOLATE_NOLOCK),
				     "unmap nolock");
			lab_buf_info(c->lab, -1, ex.buf_id, &bi);
			v[*nv].ino = ex.ino;
			v[*nv].event = k ? "unmap" : "map";
			v[*nv].violation = c->all_callers || imp_dyn || (exp_dyn && !cached_hit);
			v[*nv].lab_counted = bi.violations > before;
			(*nv)++;
		}
		step(c, lab_detach(c->lab, (__u32)att), "detach");
		close(fd);
	}
	if (lockdep)
		expect_splat_end("trace-contract-violations");
}

static void clean_run(struct ctx *c)
{
	static const struct jv *evs[1024];
	char pid[16];
	const char *args[] = { "-j", "-p", pid, NULL };
	struct tracer t;
	int n, i, flagged = 0, maps;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!tap_ok(!tracer_start(&t, "clean", args, NULL), "clean: dmabuf-trace starts")) {
		tracer_diag_err(&t);
		tracer_free(&t);
		return;
	}
	clean_ops(c);
	tap_ok(tracer_stop(&t, SIGINT) == 0, "clean: exits 0 (no violation)");
	n = tracer_events(&t, evs, 1024);
	for (i = 0; i < n; i++)
		if (jv_str(evs[i], "contract")) {
			if (!flagged++)
				event_diag("flagged", i, evs[i]);
		}
	tap_ok(n > 20 && !flagged, "clean: %d events of correct use, %d flagged", n, flagged);
	for (i = 0, maps = 0; i < n; i++)
		maps += !strcmp(jv_str(evs[i], "event"), "map");
	/* the *_unlocked() wrappers call the core function: their maps are seen too */
	tap_ok(c->unlocked_maps > 0 && maps == c->maps,
	       "clean: every map is an event, %d of them through the _unlocked API (%d of %d)",
	       c->unlocked_maps, maps, c->maps);
	tap_ok(tracer_object(&t, "end") &&
	       jv_uint(tracer_object(&t, "end"), "contract_violations", 99) == 0,
	       "clean: the end line counts 0 violations");
	tracer_free(&t);
}

/* The verdicts of tracer T's events against V: what its tests below say, TAG first */
static void check_verdicts(const char *tag, struct tracer *t, const struct verdict *v, int nv)
{
	static const struct jv *evs[256];
	int n, i, want = 0, caught = 0, wrong = 0, lab_missed = 0;

	tap_ok(t->status == 1, "%s: JSON run exits 1 (status %d)", tag, t->status);
	n = tracer_events(t, evs, 256);
	if (!tap_ok(n == nv, "%s: one event per map/unmap (%d, want %d)", tag, n, nv)) {
		tracer_diag_err(t);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *ct = jv_str(evs[i], "contract"), *resv = jv_str(evs[i], "resv");
		bool flagged = ct && !strncmp(ct, NOT_HELD, strlen(NOT_HELD));

		want += v[i].violation;
		caught += v[i].violation && flagged && resv && !strcmp(resv, "free");
		if (flagged != v[i].violation || jv_uint(evs[i], "ino", 0) != v[i].ino ||
		    strcmp(jv_str(evs[i], "event") ? jv_str(evs[i], "event") : "", v[i].event)) {
			wrong++;
			event_diag("verdict differs", i, evs[i]);
			tap_diag("  want %s of ino %llu %s", v[i].event, v[i].ino,
				 v[i].violation ? "flagged" : "clean");
		}
		if (v[i].lab_counted && !flagged)
			lab_missed++;
	}
	tap_ok(want > 0 && caught == want && !wrong,
	       "%s: %d of %d rule-breaking calls flagged \"%s\" with resv free, %d verdicts "
	       "differ", tag, caught, want, NOT_HELD, wrong);
	tap_ok(!lab_missed, "%s: every call the module's exporter counted is flagged (%d missed)",
	       tag, lab_missed);
	tap_ok(tracer_object(t, "end") &&
	       jv_uint(tracer_object(t, "end"), "contract_violations", 0) == (unsigned)want,
	       "%s: the end line counts %d", tag, want);
}

/* --no-latency checks at entry, where the pair checks too: the same verdicts */
static void violation_run(struct ctx *c)
{
	struct verdict v[16];
	char pid[16];
	const char *args[] = { "-j", "-p", pid, "-e", "map,unmap", NULL };
	const char *nargs[] = { "-j", "--no-latency", "-p", pid, "-e", "map,unmap", NULL };
	const char *targs[] = { "-p", pid, "-e", "map,unmap", NULL };
	struct tracer t, tn, tt;
	int nv = 0;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!tap_ok(!tracer_start(&t, "bad", args, NULL) && !tracer_start(&tt, "badtxt", targs, NULL) &&
		    !tracer_start(&tn, "badnl", nargs, NULL),
		    "violation: three dmabuf-trace (JSON, text, JSON --no-latency) start")) {
		tracer_diag_err(&t);
		tracer_free(&t);
		return;
	}
	bad_ops(c, v, &nv);
	tracer_stop(&t, SIGINT);
	tracer_stop(&tt, SIGINT);
	tracer_stop(&tn, SIGINT);
	tap_ok(tt.status == 1, "violation: text run exits 1 (status %d)", tt.status);
	check_verdicts("violation", &t, v, nv);
	check_verdicts("violation --no-latency", &tn, v, nv);
	tap_ok(tt.out && strstr(tt.out, "!resv-not-held"), "violation: the text line shows !resv-not-held");
	tracer_free(&t);
	tracer_free(&tn);
	tracer_free(&tt);
}

int main(void)
{
	struct ctx c = { 0 };

	c.lab = lab_open();
	if (!tap_ok(c.lab >= 0 && !lab_info(c.lab, &c.info), "dmabuf_lab answers INFO"))
		return tap_exit_status();
	c.all_callers = c.info.features & DMABUF_LAB_FEAT_STATIC_NEEDS_RESV;
	c.sgt_cache = c.info.features & DMABUF_LAB_FEAT_SGT_CACHE;
	tap_diag("rule: %s", c.all_callers ? "every caller holds the resv (6.2+)" :
		 "dynamic importers, and dynamic exporters without a cached table");
	clean_run(&c);
	violation_run(&c);
	tap_ok(!c.failures, "every lab operation succeeded (%d failed)", c.failures);
	close(c.lab);
	return tap_exit_status();
}
