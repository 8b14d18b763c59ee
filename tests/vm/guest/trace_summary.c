/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_summary: dmabuf-trace --summary counts what was driven. A static
 * lab buffer is attached, mapped, unmapped and detached 5 times through
 * dmabuf_lab_imp.0, a dynamic one 3 times through imp.1, a vgem buffer 2
 * times through imp.0; the JSON summary at exit must count exactly that per
 * exporter, per device and for this process, with latency histograms that
 * add up to the map and unmap counts. The text summary says the same; the
 * periodic summary (--summary=1) splits the counts over several reports
 * whose sum is exact; summary mode prints no event lines.
 *
 * --no-latency: the same counts, no latency anywhere (the summary says so,
 * JSON and text; events have latency_ns null, maps a null ret: not seen at
 * entry), map/unmap by one program at
 * entry in --list-probes; by kprobes alone the counts are the same.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lab_util.h"
#include "trace_util.h"
#include "vgem.h"

#define A_CYCLES 5
#define B_CYCLES 3
#define C_CYCLES 2

static int failures;

static void cycles(int lab, int fd, __u32 imp, __u32 mode, int n)
{
	while (n-- > 0) {
		int att = lab_attach(lab, 0, fd, 0, imp, mode, NULL);

		if (att < 0 || lab_map(lab, (__u32)att, DMABUF_LAB_DIR_TO_DEVICE, 0, NULL) ||
		    lab_unmap(lab, (__u32)att, 0) || lab_detach(lab, (__u32)att))
			failures++;
	}
}

/* The whole workload; SLEEP_MS between the parts (for the periodic summary). */
static bool drive(int lab, int sleep_ms)
{
	int a = lab_export(lab, DMABUF_LAB_EXP_STATIC, 1, "sum-a", 0, NULL);
	int b = lab_export(lab, DMABUF_LAB_EXP_DYNAMIC, 1, "sum-b", 0, NULL);
	int card = vgem_open(), c = card >= 0 ? vgem_dmabuf(card, 16) : -1;

	if (a < 0 || b < 0 || c < 0)
		return false;
	cycles(lab, a, 0, DMABUF_LAB_IMP_STATIC, A_CYCLES);
	usleep(sleep_ms * 1000);
	cycles(lab, b, 1, DMABUF_LAB_IMP_DYNAMIC, B_CYCLES);
	usleep(sleep_ms * 1000);
	cycles(lab, c, 0, DMABUF_LAB_IMP_STATIC, C_CYCLES);
	close(a);
	close(b);
	close(c);
	close(card);
	return !failures;
}

/* events.KIND.count of the entry KEY in group GROUP of a summary object */
static unsigned long long count_of(const struct jv *sum, const char *group, const char *key,
				   const char *kind)
{
	const struct jv *g = jv_get(sum, group);
	size_t i;

	for (i = 0; g && g->type == JV_ARR && i < g->n; i++) {
		const struct jv *e = &g->items[i];
		const char *k = jv_str(e, "key");

		if (k && !strcmp(k, key))
			return jv_uint(jv_get(jv_get(e, "events"), kind), "count", 0);
	}
	return 0;
}

/* "total" of exporter KEY */
static unsigned long long total_of(const struct jv *sum, const char *key)
{
	const struct jv *g = jv_get(sum, "exporter");
	size_t i;

	for (i = 0; g && g->type == JV_ARR && i < g->n; i++)
		if (jv_str(&g->items[i], "key") && !strcmp(jv_str(&g->items[i], "key"), key))
			return jv_uint(&g->items[i], "total", 0);
	return 0;
}

/* Does every latency histogram of the summary add up to its event count? */
static bool hists_add_up(const struct jv *sum, int *checked)
{
	static const char *const groups[] = { "exporter", "device", "process" };
	unsigned int gi;
	size_t i, k, h;

	for (gi = 0; gi < 3; gi++) {
		const struct jv *g = jv_get(sum, groups[gi]);

		for (i = 0; g && i < g->n; i++) {
			const struct jv *evs = jv_get(&g->items[i], "events");

			for (k = 0; evs && k < evs->n; k++) {
				const struct jv *lat = jv_get(&evs->items[k], "latency_ns");
				const struct jv *hist = jv_get(lat, "log2_hist");
				unsigned long long total = 0;

				if (!lat || lat->type == JV_NULL)
					continue;
				for (h = 0; hist && h < hist->n; h++)
					total += jv_uint(&hist->items[h], "count", 0);
				if (total != jv_uint(&evs->items[k], "count", 1) ||
				    total != jv_uint(lat, "n", 0) ||
				    jv_uint(lat, "min", 1) > jv_uint(lat, "max", 0))
					return false;
				(*checked)++;
			}
		}
	}
	return true;
}

static void no_latency(int lab, const char *pid)
{
	static const struct jv *evs[256];
	const char *jargs[] = { "--summary", "-j", "--no-latency", "-p", pid, NULL };
	const char *targs[] = { "--summary", "--no-latency", "-p", pid, NULL };
	const char *eargs[] = { "-j", "--no-latency", "-p", pid, "-e", "map,unmap", NULL };
	const char *largs[] = { "-j", "--no-latency", "--list-probes", NULL };
	/* the kprobe fallback: its probe reads take the same path */
	static const char *const kp_env[] = { "DMABUF_TRACE_DISABLE=tracepoint,fentry", NULL };
	const unsigned int all = A_CYCLES + B_CYCLES + C_CYCLES;
	struct tracer tj, tt, te, tl, tk;
	const struct jv *sum, *probes, *ksum;
	int n, i, timed = 0, maps = 0, one_run = 0, with_lat = 0, map_ret = 0;
	size_t k;

	failures = 0;
	if (!tap_ok(!tracer_start(&tj, "nlj", jargs, NULL) && !tracer_start(&tt, "nlt", targs, NULL) &&
		    !tracer_start(&te, "nle", eargs, NULL) && !tracer_start(&tk, "nlk", jargs, kp_env),
		    "--no-latency: four tracers start (one by kprobes only)"))
		return;
	tap_ok(drive(lab, 0), "--no-latency: the workload ran (%d failures)", failures);
	tracer_stop(&tj, SIGINT);
	tracer_stop(&tt, SIGINT);
	tracer_stop(&te, SIGINT);
	tracer_stop(&tk, SIGINT);
	sum = tracer_object(&tj, "summary");
	ksum = tracer_object(&tk, "summary");
	tap_ok(ksum && count_of(ksum, "process", pid, "map") == all &&
	       count_of(ksum, "device", "dmabuf_lab_imp.1", "unmap") == B_CYCLES &&
	       count_of(ksum, "exporter", "drm", "map") == C_CYCLES,
	       "--no-latency by kprobes: the same map and unmap counts (%llu maps, want %u)",
	       ksum ? count_of(ksum, "process", pid, "map") : 0, all);
	tap_ok(sum && count_of(sum, "exporter", "dmabuf_lab", "map") == A_CYCLES + B_CYCLES &&
	       count_of(sum, "exporter", "dmabuf_lab", "unmap") == A_CYCLES + B_CYCLES &&
	       count_of(sum, "exporter", "drm", "map") == C_CYCLES &&
	       count_of(sum, "device", "dmabuf_lab_imp.0", "unmap") == A_CYCLES + C_CYCLES &&
	       count_of(sum, "device", "dmabuf_lab_imp.1", "map") == B_CYCLES &&
	       count_of(sum, "process", pid, "map") == all &&
	       count_of(sum, "process", pid, "unmap") == all &&
	       count_of(sum, "process", pid, "attach") == all,
	       "--no-latency --summary: the same counts per exporter, device, process (%u maps)", all);
	/* the histograms it finds are those it checks: none */
	tap_ok(sum && hists_add_up(sum, &with_lat) && !with_lat && jv_tri(sum, "latencies") == 0,
	       "--no-latency --summary: no latency histogram, \"latencies\": false (%d with one)",
	       with_lat);
	tap_ok(tt.out && strstr(tt.out, "Latencies: not measured") && !strstr(tt.out, "latency: n=") &&
	       strstr(tt.out, "By exporter:"),
	       "--no-latency: the text summary says latencies were not measured, shows none");
	n = tracer_events(&te, evs, 256);
	for (i = 0; i < n; i++) {
		const struct jv *lat = jv_get(evs[i], "latency_ns"), *ret = jv_get(evs[i], "ret");
		bool map = !strcmp(jv_str(evs[i], "event"), "map");

		timed += !lat || lat->type != JV_NULL;
		maps += map;
		/* a map's result is not seen at entry: null, as dmabuf-trace(8) says */
		map_ret += map && (!ret || ret->type != JV_NULL);
	}
	tap_ok(n == (int)(2 * all) && maps == (int)all && !timed && !map_ret,
	       "--no-latency events: %d maps and unmaps (want %u), %d with a latency, %d maps "
	       "with a ret", n, 2 * all, timed, map_ret);
	tracer_start(&tl, "nll", largs, NULL);
	tracer_stop(&tl, 0);
	probes = tl.nvals == 1 ? jv_get(&tl.vals[0], "probes") : NULL;
	for (k = 0; probes && k < probes->n; k++) {
		const char *ev = jv_str(&probes->items[k], "event");
		const char *why = jv_str(&probes->items[k], "reason");

		if (ev && (!strcmp(ev, "map") || !strcmp(ev, "unmap")))
			one_run += why && strstr(why, "--no-latency: entry only") != NULL;
	}
	tap_ok(one_run == 2, "--no-latency --list-probes: map and unmap entry only (%d of 2)",
	       one_run);
	tracer_free(&tj);
	tracer_free(&tt);
	tracer_free(&te);
	tracer_free(&tk);
	tracer_free(&tl);
}

int main(void)
{
	char pid[16];
	const char *jargs[] = { "--summary", "-j", "-p", pid, NULL };
	const char *targs[] = { "--summary", "-p", pid, NULL };
	const char *pargs[] = { "--summary=1", "-j", "-p", pid, NULL };
	struct tracer tj, tt, tp;
	const struct jv *sum;
	unsigned long long maps = 0;
	int lab = lab_open(), checked = 0, reports = 0, i, other = 0;
	char line[64];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!tap_ok(lab >= 0 && !tracer_start(&tj, "sumj", jargs, NULL) &&
		    !tracer_start(&tt, "sumt", targs, NULL), "two --summary tracers start"))
		return tap_exit_status();
	tap_ok(drive(lab, 0), "the workload ran (%d failures)", failures);
	tracer_stop(&tj, SIGINT);
	tracer_stop(&tt, SIGINT);
	sum = tracer_object(&tj, "summary");
	if (!tap_ok(sum != NULL, "the JSON output has a summary object (%s)",
		    tj.json_err ? tj.json_err : "valid"))
		return tap_exit_status();
	for (i = 0; i < tj.nvals; i++)
		other += !jv_get(&tj.vals[i], "summary") && !jv_get(&tj.vals[i], "end");
	tap_ok(!other, "summary mode prints no event lines (%d)", other);
	tap_ok(count_of(sum, "exporter", "dmabuf_lab", "map") == A_CYCLES + B_CYCLES &&
	       count_of(sum, "exporter", "dmabuf_lab", "attach") == A_CYCLES + B_CYCLES &&
	       count_of(sum, "exporter", "dmabuf_lab", "export") == 2 &&
	       count_of(sum, "exporter", "dmabuf_lab", "release") == 2,
	       "exporter dmabuf_lab: 2 exports, %d attaches and maps, 2 releases", A_CYCLES + B_CYCLES);
	tap_ok(count_of(sum, "exporter", "drm", "map") == C_CYCLES &&
	       count_of(sum, "exporter", "drm", "unmap") == C_CYCLES &&
	       count_of(sum, "exporter", "drm", "export") == 1 &&
	       count_of(sum, "exporter", "drm", "fd") == 1,
	       "exporter drm (vgem): 1 export, 1 fd, %d maps and unmaps", C_CYCLES);
	tap_ok(count_of(sum, "device", "dmabuf_lab_imp.0", "map") == A_CYCLES + C_CYCLES &&
	       count_of(sum, "device", "dmabuf_lab_imp.0", "detach") == A_CYCLES + C_CYCLES &&
	       count_of(sum, "device", "dmabuf_lab_imp.1", "map") == B_CYCLES &&
	       count_of(sum, "device", "dmabuf_lab_imp.1", "attach") == B_CYCLES,
	       "device imp.0: %d maps and detaches, imp.1: %d maps and attaches",
	       A_CYCLES + C_CYCLES, B_CYCLES);
	tap_ok(count_of(sum, "process", pid, "map") == A_CYCLES + B_CYCLES + C_CYCLES &&
	       count_of(sum, "process", pid, "get") == A_CYCLES + B_CYCLES + C_CYCLES,
	       "process %s: %d maps and gets", pid, A_CYCLES + B_CYCLES + C_CYCLES);
	tap_ok(hists_add_up(sum, &checked) && checked >= 6,
	       "%d latency histograms each add up to their count", checked);
	snprintf(line, sizeof(line), "dmabuf_lab: %llu events:", total_of(sum, "dmabuf_lab"));
	tap_ok(tt.out && strstr(tt.out, "By exporter:") && strstr(tt.out, line) &&
	       strstr(tt.out, "map latency: n=8"),
	       "the text summary counts the same (\"%s\", \"map latency: n=8\")", line);

	if (!tap_ok(!tracer_start(&tp, "sump", pargs, NULL), "--summary=1 starts"))
		return tap_exit_status();
	drive(lab, 1300);
	usleep(1300 * 1000);
	tracer_stop(&tp, SIGINT);
	for (i = 0; i < tp.nvals; i++) {
		const struct jv *s = jv_get(&tp.vals[i], "summary");

		if (!s)
			continue;
		reports++;
		maps += count_of(s, "process", pid, "map");
	}
	tap_ok(reports >= 3 && maps == A_CYCLES + B_CYCLES + C_CYCLES,
	       "--summary=1: %d reports whose map counts add up to %llu (want >= 3, %d)", reports,
	       maps, A_CYCLES + B_CYCLES + C_CYCLES);
	tracer_free(&tj);
	tracer_free(&tt);
	tracer_free(&tp);
	no_latency(lab, pid);
	close(lab);
	return tap_exit_status();
}
