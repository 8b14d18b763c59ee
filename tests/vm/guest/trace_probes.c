/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_probes: what dmabuf-trace --list-probes chose, checked against the
 * kernel's own BTF (read here with libbpf): a tracepoint exactly where
 * btf_trace_<name> exists, fentry on the functions otherwise, the move
 * function under whichever name this kernel has; the kernel facts (mapping
 * cache, lock rule, MOVE_NOTIFY) as the lab module reports them.
 *
 * The fallbacks: with DMABUF_TRACE_DISABLE=tracepoint every event goes
 * fentry, with tracepoint,fentry every event goes kprobe, with
 * tracepoint,fsession map/unmap take an fentry/fexit pair where fsession
 * (7.x) would be chosen; the same workload traced each way gives the same
 * events with the same fields. --summary and
 * the perf buffer load the same probes as the default.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "lab_util.h"
#include "trace_util.h"
#include "vgem.h"

static const char *const tp_events[][2] = {
	{ "export", "dma_buf_export" }, { "fd", "dma_buf_fd" }, { "get", "dma_buf_get" },
	{ "attach", "dma_buf_dynamic_attach" }, { "detach", "dma_buf_detach" },
};

static bool has_tp(const struct btf *btf, const char *tp)
{
	char name[96];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) >= 0;
}

static const struct jv *probe_of(const struct jv *probes, const char *event, const char *site)
{
	size_t i;

	for (i = 0; probes && i < probes->n; i++) {
		const struct jv *p = &probes->items[i];
		const char *s = jv_str(p, "site");

		if (!strcmp(jv_str(p, "event"), event) && (!site || (s && !strcmp(s, site))))
			return p;
	}
	return NULL;
}

static const struct jv *list_probes(struct tracer *t, const char *tag, const char *const *env)
{
	const char *args[] = { "-j", "--list-probes", NULL };

	tracer_start(t, tag, args, env);
	tracer_stop(t, 0);
	return t->nvals == 1 ? &t->vals[0] : NULL;
}

static void check_choice(const struct btf *btf, const struct dmabuf_lab_info *info)
{
	struct tracer t;
	const struct jv *out = list_probes(&t, "lp", NULL), *probes = jv_get(out, "probes");
	const struct jv *k = jv_get(out, "kernel"), *p;
	const char *move = btf__find_by_name_kind(btf, "dma_buf_invalidate_mappings",
						  BTF_KIND_FUNC) >= 0 ?
			   "dma_buf_invalidate_mappings" : "dma_buf_move_notify";
	unsigned int i, untraced = 0;
	const char *mn;

	if (!tap_ok(probes && probes->type == JV_ARR, "--list-probes -j answers (status %d)", t.status))
		return;
	/* a site may be left to a tracepoint that fires there too ("covered by ...") */
	for (i = 0; i < probes->n; i++)
		untraced += jv_get(&probes->items[i], "method")->type == JV_NULL &&
			    strncmp(jv_str(&probes->items[i], "reason"), "covered", 7);
	tap_ok(!untraced, "every event has a probe on this kernel (%u without)", untraced);
	for (i = 0; i < sizeof(tp_events) / sizeof(tp_events[0]); i++) {
		const char *want = has_tp(btf, tp_events[i][1]) ? "tracepoint" : "fentry";

		p = probe_of(probes, tp_events[i][0], NULL);
		tap_ok(p && jv_str(p, "method") && !strcmp(jv_str(p, "method"), want),
		       "%s: %s (btf_trace_%s %s)", tp_events[i][0], want, tp_events[i][1],
		       has_tp(btf, tp_events[i][1]) ? "exists" : "absent");
	}
	p = probe_of(probes, "mmap", "fd");
	tap_ok(p && !strcmp(jv_str(p, "method"), has_tp(btf, "dma_buf_mmap_internal") ?
			    "tracepoint" : "fentry"), "mmap of an fd: tracepoint where it exists");
	p = probe_of(probes, "map", NULL);
	tap_ok(p && !strcmp(jv_str(p, "method"), "fentry") &&
	       !strcmp(jv_str(p, "target"), "dma_buf_map_attachment"),
	       "map: fentry on dma_buf_map_attachment (no tracepoint for it)");
	p = probe_of(probes, "move", NULL);
	tap_ok(p && jv_str(p, "target") && !strcmp(jv_str(p, "target"), move),
	       "move: fentry on %s, the name this kernel has (%s)", move,
	       p && jv_str(p, "target") ? jv_str(p, "target") : "-");
	tap_ok(jv_tri(k, "mapping_cache") == !!(info->features & DMABUF_LAB_FEAT_SGT_CACHE),
	       "the mapping cache is seen as the module reports it");
	tap_ok(jv_tri(k, "all_callers_hold_resv") ==
	       !!(info->features & DMABUF_LAB_FEAT_STATIC_NEEDS_RESV),
	       "the lock rule is the module's (every caller holds the resv: %d)",
	       jv_tri(k, "all_callers_hold_resv"));
	mn = jv_str(k, "move_notify");
	tap_ok(mn && (info->move_notify == DMABUF_LAB_MOVE_NOTIFY_ABSENT ? !strcmp(mn, "gone") :
		      strcmp(mn, "gone") != 0),
	       "CONFIG_DMABUF_MOVE_NOTIFY is \"%s\" (the module: %u)", mn ? mn : "-", info->move_notify);
	tracer_free(&t);
}

/*
 * The other program paths load the same probes: --summary (counting in the
 * kernel) and the perf buffer (with the hash of calls in flight). A program
 * the verifier refused would fall back to a kprobe without a word.
 */
static void same_probes(void)
{
	static const char *const perf_env[] = { "DMABUF_TRACE_PERF_BUFFER=1", NULL };
	const char *sargs[] = { "-j", "--summary", "--list-probes", NULL };
	struct tracer base, other;
	const struct jv *bp, *op;
	unsigned int k, i, differ;

	bp = jv_get(list_probes(&base, "lp-base", NULL), "probes");
	for (k = 0; k < 2; k++) {
		const char *what = k ? "the perf buffer" : "--summary";

		if (k) {
			op = jv_get(list_probes(&other, "lp-perf", perf_env), "probes");
		} else {
			tracer_start(&other, "lp-sum", sargs, NULL);
			tracer_stop(&other, 0);
			op = other.nvals == 1 ? jv_get(&other.vals[0], "probes") : NULL;
		}
		differ = !bp || !op || bp->n != op->n;
		for (i = 0; !differ && i < bp->n; i++) {
			const char *x = jv_str(&bp->items[i], "method"), *y = jv_str(&op->items[i], "method");

			if (!x != !y || (x && strcmp(x, y))) {
				differ = 1;
				tap_diag("%s: %s by %s, %s", what, jv_str(&bp->items[i], "event"), y ? y : "-",
					 jv_str(&op->items[i], "reason"));
			}
		}
		tap_ok(!differ, "%s loads the same probes as the default", what);
		tracer_free(&other);
	}
	tracer_free(&base);
}

/* A small workload: every kind of event the fallbacks must give alike. */
static void workload(int lab)
{
	struct dmabuf_lab_export ex;
	struct dmabuf_lab_move mv;
	struct dmabuf_lab_cpu cpu;
	int fd = lab_export(lab, DMABUF_LAB_EXP_DYNAMIC, 1, "fallback", 0, &ex), att, card, vfd;

	att = fd >= 0 ? lab_attach(lab, 0, fd, 0, 1, DMABUF_LAB_IMP_DYNAMIC, NULL) : -1;
	if (att >= 0) {
		lab_map(lab, (__u32)att, DMABUF_LAB_DIR_TO_DEVICE, 0, NULL);
		lab_move(lab, fd, &mv);
		lab_unmap(lab, (__u32)att, 0);
		lab_detach(lab, (__u32)att);
	}
	LAB_ARG(cpu);
	cpu.fd = fd;
	lab_ioc(lab, DMABUF_LAB_IOC_CPU_READ, &cpu);
	if (fd >= 0)
		close(fd);
	card = vgem_open();
	vfd = card >= 0 ? vgem_dmabuf(card, 16) : -1;
	if (vfd >= 0)
		close(vfd);
	if (card >= 0)
		close(card);
}

static const char *const compared[] = {
	"event", "device", "exporter", "name", "direction", "importer_dynamic", "exporter_dynamic",
	"cached", "pinned", "contract", "resv", "notified_count",
};

static bool same(const struct jv *a, const struct jv *b, const char **key)
{
	unsigned int i;

	for (i = 0; i < sizeof(compared) / sizeof(compared[0]); i++) {
		const struct jv *x = jv_get(a, compared[i]), *y = jv_get(b, compared[i]);

		*key = compared[i];
		if (!x || !y || x->type != y->type || (x->type == JV_STR && strcmp(x->str, y->str)) ||
		    (x->type == JV_BOOL && x->b != y->b) || (x->type == JV_NUM && x->num != y->num))
			return false;
	}
	return true;
}

static void fallbacks(int lab)
{
	static const char *const env_fe[] = { "DMABUF_TRACE_DISABLE=tracepoint", NULL };
	static const char *const env_kp[] = { "DMABUF_TRACE_DISABLE=tracepoint,fentry", NULL };
	/* map/unmap by an fentry/fexit pair where fsession would be chosen */
	static const char *const env_fx[] = { "DMABUF_TRACE_DISABLE=tracepoint,fsession", NULL };
	static const struct { const char *tag, *method; const char *const *env; } ways[] = {
		{ "default", NULL, NULL }, { "fentry", "fentry", env_fe }, { "kprobe", "kprobe", env_kp },
		{ "fentry-pair", "fentry", env_fx },
	};
	enum { NWAYS = sizeof(ways) / sizeof(ways[0]) };
	static const struct jv *evs[NWAYS][128];
	struct tracer t[NWAYS], lp;
	char pid[16];
	const char *args[] = { "-j", "-p", pid, NULL };
	int n[NWAYS], w, i;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (w = 0; w < NWAYS; w++) {
		const struct jv *out = ways[w].method ? list_probes(&lp, ways[w].tag, ways[w].env) : NULL;
		const struct jv *probes = jv_get(out, "probes");
		unsigned int other = 0;
		size_t k;

		for (k = 0; probes && k < probes->n; k++) {
			const char *m = jv_str(&probes->items[k], "method");

			other += !m || strcmp(m, ways[w].method);
		}
		if (ways[w].method)
			tap_ok(probes && !other, "%s only: --list-probes shows every event on %s (%u not)",
			       ways[w].tag, ways[w].method, other);
		if (ways[w].method)
			tracer_free(&lp);
		n[w] = 0;
		if (!tap_ok(!tracer_start(&t[w], ways[w].tag, args, ways[w].env), "%s: starts",
			    ways[w].tag)) {
			tracer_diag_err(&t[w]);
			continue;
		}
		workload(lab);
		tracer_stop(&t[w], SIGINT);
		n[w] = tracer_events(&t[w], evs[w], 128);
	}
	tap_ok(n[0] >= 14, "the workload gives %d events by default", n[0]);
	for (w = 1; w < NWAYS; w++) {
		const char *key = "count";
		int bad = n[w] == n[0] ? -1 : n[0] + n[w] + 1;

		for (i = 0; bad < 0 && i < n[0]; i++) {
			if (!same(evs[0][i], evs[w][i], &key))
				bad = i;
			else if (strcmp(jv_str(evs[w][i], "probe"), ways[w].method))
				bad = i, key = "probe";
		}
		if (!tap_ok(bad < 0, "%s: the same %d events with the same fields as by default (%d)",
			    ways[w].tag, n[0], n[w])) {
			if (bad >= 0 && bad < n[w] && bad < n[0]) {
				tap_diag("first difference at %d in %s", bad, key);
				event_diag("default", bad, evs[0][bad]);
				event_diag(ways[w].tag, bad, evs[w][bad]);
			} else {
				for (i = 0; i < n[0] || i < n[w]; i++)
					tap_diag("  %-17s %s", i < n[0] ? jv_str(evs[0][i], "event") : "",
						 i < n[w] ? jv_str(evs[w][i], "event") : "");
			}
		}
	}
	for (w = 0; w < NWAYS; w++)
		tracer_free(&t[w]);
}

int main(void)
{
	struct dmabuf_lab_info info;
	struct btf *btf = btf__load_vmlinux_btf();
	int lab = lab_open();

	if (!tap_ok(btf && lab >= 0 && !lab_info(lab, &info), "vmlinux BTF and dmabuf_lab are there"))
		return tap_exit_status();
	check_choice(btf, &info);
	same_probes();
	fallbacks(lab);
	btf__free(btf);
	close(lab);
	return tap_exit_status();
}
