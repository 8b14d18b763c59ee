// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * trace_kernel.c - what the running kernel offers the tracer, found by
 * probing it, never from its version number:
 *   - the dma_buf tracepoints: a btf_trace_<name> typedef in vmlinux BTF
 *     (they came with 7.x);
 *   - each function of the dma-buf core: a FUNC in BTF with the prototype
 *     the programs expect, and a trampoline that really attaches (a tiny
 *     fentry program is loaded and attached for the test); names move
 *     between versions, so every site lists its candidates;
 *   - kprobes: the function in /proc/kallsyms;
 *   - the locking rules: dma_buf_vmap_unlocked() exists from the 6.2
 *     convention on, where map/unmap/vmap/vunmap need the reservation lock
 *     from every caller (Debian's 6.1 backports only the map wrappers);
 *   - CONFIG_DMABUF_MOVE_NOTIFY: gone when dma_buf_attach_ops has
 *     invalidate_mappings (7.x, the same series), else from
 *     /boot/config-RELEASE or /proc/config.gz.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "trace_priv.h"

#define TP(name, prog) { TRACE_M_TRACEPOINT, { name }, -1, NULL, prog, NULL, false, false }
#define FE(n0, n1, nargs, arg0, entry, exit) \
	{ TRACE_M_FENTRY, { n0, n1 }, nargs, arg0, entry, exit, false, false }
#define KP(n0, n1, entry, exit) \
	{ TRACE_M_KPROBE, { n0, n1 }, -1, NULL, entry, exit, false, false }
/* fsession: one program at entry and exit; counts as fentry (records, -l, DISABLE) */
#define FS(n0, n1, nargs, arg0, prog) \
	{ TRACE_M_FENTRY, { n0, n1 }, nargs, arg0, prog, NULL, true, false }
/* --no-latency: one program per call, at entry (bench/README.md: the cheapest way) */
#define FE1(n0, n1, nargs, arg0, prog) \
	{ TRACE_M_FENTRY, { n0, n1 }, nargs, arg0, prog, NULL, false, true }
#define KP1(n0, n1, prog) { TRACE_M_KPROBE, { n0, n1 }, -1, NULL, prog, NULL, false, true }

/*
 * Function names are tried in order: the current one, then the name of a
 * pending rename (dma_buf_map_attachment -> dma_buf_sgt_map_attachment) or
 * the older one (dma_buf_invalidate_mappings was dma_buf_move_notify).
 */
const struct trace_site trace_sites[] = {
	{ TRACE_EV_EXPORT, NULL, false, {
		TP("dma_buf_export", "dt_tp_export"),
		FE("dma_buf_export", NULL, 1, "dma_buf_export_info", NULL, "dt_fx_export"),
		KP("dma_buf_export", NULL, NULL, "dt_kr_export") } },
	{ TRACE_EV_FD, NULL, false, {
		TP("dma_buf_fd", "dt_tp_fd"),
		FE("dma_buf_fd", NULL, 2, "dma_buf", NULL, "dt_fx_fd"),
		KP("dma_buf_fd", NULL, "dt_kp_fd", "dt_kr_fd") } },
	/* an fd reserved first, published later (dma-heap, DRM prime): the tracepoint fires here too */
	{ TRACE_EV_FD, "install", true, {
		FE("dma_buf_fd_install", NULL, 2, "dma_buf", "dt_fe_fd_inst", NULL),
		KP("dma_buf_fd_install", NULL, "dt_kp_fd_inst", NULL) } },
	{ TRACE_EV_GET, NULL, false, {
		TP("dma_buf_get", "dt_tp_get"),
		FE("dma_buf_get", NULL, 1, NULL, NULL, "dt_fx_get"),
		KP("dma_buf_get", NULL, "dt_kp_get", "dt_kr_get") } },
	{ TRACE_EV_ATTACH, NULL, false, {
		TP("dma_buf_dynamic_attach", "dt_tp_attach"),
		FE("dma_buf_dynamic_attach", NULL, 4, "dma_buf", NULL, "dt_fx_attach"),
		KP("dma_buf_dynamic_attach", NULL, "dt_kp_attach", "dt_kr_attach") } },
	{ TRACE_EV_DETACH, NULL, false, {
		TP("dma_buf_detach", "dt_tp_detach"),
		FE("dma_buf_detach", NULL, 2, "dma_buf", "dt_fe_detach", NULL),
		KP("dma_buf_detach", NULL, "dt_kp_detach", NULL) } },
	{ TRACE_EV_MAP, NULL, false, {
		FE1("dma_buf_map_attachment", "dma_buf_sgt_map_attachment", 2, "dma_buf_attachment",
		    "dt_fe_map1"),
		KP1("dma_buf_map_attachment", "dma_buf_sgt_map_attachment", "dt_kp_map1"),
		FS("dma_buf_map_attachment", "dma_buf_sgt_map_attachment", 2, "dma_buf_attachment",
		   "dt_fs_map"),
		FE("dma_buf_map_attachment", "dma_buf_sgt_map_attachment", 2, "dma_buf_attachment",
		   "dt_fe_map", "dt_fx_map"),
		KP("dma_buf_map_attachment", "dma_buf_sgt_map_attachment", "dt_kp_map", "dt_kr_map") } },
	{ TRACE_EV_UNMAP, NULL, false, {
		FE1("dma_buf_unmap_attachment", "dma_buf_sgt_unmap_attachment", 3,
		    "dma_buf_attachment", "dt_fe_unmap1"),
		KP1("dma_buf_unmap_attachment", "dma_buf_sgt_unmap_attachment", "dt_kp_unmap1"),
		FS("dma_buf_unmap_attachment", "dma_buf_sgt_unmap_attachment", 3, "dma_buf_attachment",
		   "dt_fs_unmap"),
		FE("dma_buf_unmap_attachment", "dma_buf_sgt_unmap_attachment", 3, "dma_buf_attachment",
		   "dt_fe_unmap", "dt_fx_unmap"),
		KP("dma_buf_unmap_attachment", "dma_buf_sgt_unmap_attachment", "dt_kp_unmap",
		   "dt_kr_unmap") } },
	{ TRACE_EV_MOVE, NULL, false, {
		FE("dma_buf_invalidate_mappings", "dma_buf_move_notify", 1, "dma_buf", "dt_fe_move",
		   NULL),
		KP("dma_buf_invalidate_mappings", "dma_buf_move_notify", "dt_kp_move", NULL) } },
	{ TRACE_EV_PIN, NULL, false, {
		FE("dma_buf_pin", NULL, 1, "dma_buf_attachment", "dt_fe_pin", "dt_fx_pin"),
		KP("dma_buf_pin", NULL, "dt_kp_pin", "dt_kr_pin") } },
	{ TRACE_EV_UNPIN, NULL, false, {
		FE("dma_buf_unpin", NULL, 1, "dma_buf_attachment", "dt_fe_unpin", "dt_fx_unpin"),
		KP("dma_buf_unpin", NULL, "dt_kp_unpin", "dt_kr_unpin") } },
	{ TRACE_EV_BEGIN_CPU, NULL, false, {
		FE("dma_buf_begin_cpu_access", NULL, 2, "dma_buf", "dt_fe_begin", "dt_fx_begin"),
		KP("dma_buf_begin_cpu_access", NULL, "dt_kp_begin", "dt_kr_begin") } },
	{ TRACE_EV_END_CPU, NULL, false, {
		FE("dma_buf_end_cpu_access", NULL, 2, "dma_buf", "dt_fe_end", "dt_fx_end"),
		KP("dma_buf_end_cpu_access", NULL, "dt_kp_end", "dt_kr_end") } },
	{ TRACE_EV_MMAP, "fd", false, {
		TP("dma_buf_mmap_internal", "dt_tp_mmap_fd"),
		FE("dma_buf_mmap_internal", NULL, 2, "file", NULL, "dt_fx_mmap_fd"),
		KP("dma_buf_mmap_internal", NULL, "dt_kp_mmap_fd", "dt_kr_mmap_fd") } },
	{ TRACE_EV_MMAP, "kernel", false, {
		TP("dma_buf_mmap", "dt_tp_mmap"),
		FE("dma_buf_mmap", NULL, 3, "dma_buf", NULL, "dt_fx_mmap"),
		KP("dma_buf_mmap", NULL, "dt_kp_mmap", "dt_kr_mmap") } },
	{ TRACE_EV_VMAP, NULL, false, {
		FE("dma_buf_vmap", NULL, 2, "dma_buf", NULL, "dt_fx_vmap"),
		KP("dma_buf_vmap", NULL, "dt_kp_vmap", "dt_kr_vmap") } },
	{ TRACE_EV_VUNMAP, NULL, false, {
		FE("dma_buf_vunmap", NULL, 2, "dma_buf", "dt_fe_vunmap", NULL),
		KP("dma_buf_vunmap", NULL, "dt_kp_vunmap", NULL) } },
	/* the file's last reference: f_op->release, else the dentry's d_release */
	{ TRACE_EV_RELEASE, NULL, false, {
		FE("dma_buf_file_release", NULL, 2, "inode", "dt_fe_rel_file", NULL),
		FE("dma_buf_release", NULL, 1, "dentry", "dt_fe_rel_dent", NULL),
		KP("dma_buf_file_release", NULL, "dt_kp_rel_file", NULL) } },
};
const size_t trace_nsites = sizeof(trace_sites) / sizeof(trace_sites[0]);

struct ksym {
	unsigned long long addr;
	char *name;
};

struct trace_kernel {
	struct btf *btf;		/* NULL between choices: trace_kernel_drop_btf() */
	bool btf_failed;		/* a reload failed: why, in btf_err */
	char btf_err[96];
	char **kallsyms_hits;		/* candidate function names found in kallsyms */
	size_t nhits;
	bool kallsyms_read;
	struct dmabuf_trace_facts facts;
	bool kprobes;			/* a kprobe PMU or kprobe_events to create them */
	struct ksym *syms;		/* every text symbol, by address; loaded for stacks */
	size_t nsyms;
	bool syms_tried;
	/* fentry attach tests, by BTF id: 1 attaches, -errno refused */
	struct { int id, result; } fentry[32];
	size_t nfentry;
	bool fentry_works;		/* one attached: the rest are not tested */
	int fsession;			/* BPF_TRACE_FSESSION, 0: none */
};

/* --- BTF ----------------------------------------------------------------- */

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

/* Does FUNC's prototype take NARGS arguments, the first pointing to struct ARG0? */
static bool proto_ok(const struct btf *btf, int func_id, int nargs, const char *arg0)
{
	const struct btf_type *fn = btf__type_by_id(btf, func_id), *proto, *t;
	const struct btf_param *p;

	if (!fn)
		return false;
	proto = btf__type_by_id(btf, fn->type);
	if (!proto || !btf_is_func_proto(proto))
		return false;
	if (nargs >= 0 && btf_vlen(proto) != nargs)
		return false;
	if (!arg0)
		return true;
	p = btf_params(proto);
	t = skip_mods(btf, p[0].type);
	if (!t || !btf_is_ptr(t))
		return false;
	t = skip_mods(btf, t->type);
	return t && btf_is_composite(t) && !strcmp(btf__name_by_offset(btf, t->name_off), arg0);
}

static bool has_member(const struct btf *btf, const char *sname, const char *member)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *m;
	int i;

	if (id < 0)
		return false;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, m[i].name_off), member))
			return true;
	return false;
}

/* The value of enumerator NAME of enum ENAME, or -1 if BTF has none. */
static long long enum_value(const struct btf *btf, const char *ename, const char *name)
{
	int id = btf__find_by_name_kind(btf, ename, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;
	int i;

	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
			return e[i].val;
	return -1;
}

/* Loads and attaches an empty fentry program: 1, or -errno of the refusal. */
static int fentry_attaches(struct trace_kernel *k, int btf_id)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (__u32)btf_id);
	int fd, link, ret;
	size_t i;

	for (i = 0; i < k->nfentry; i++)
		if (k->fentry[i].id == btf_id)
			return k->fentry[i].result;
	/*
	 * One function that attaches shows the kernel can (each test costs
	 * trampoline updates with RCU-tasks grace periods: seconds on a debug
	 * kernel): the others are taken on trust, and one the kernel still
	 * refuses at load or attach is refused there and its site chosen again.
	 */
	if (k->fentry_works)
		return 1;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "dt_probe", "GPL", insns, 2, &opts);
	if (fd < 0) {
		ret = fd;
	} else {
		link = bpf_raw_tracepoint_open(NULL, fd);
		ret = link < 0 ? link : 1;
		if (link >= 0)
			close(link);
		close(fd);
	}
	k->fentry_works = ret == 1;
	if (k->nfentry < sizeof(k->fentry) / sizeof(k->fentry[0])) {
		k->fentry[k->nfentry].id = btf_id;
		k->fentry[k->nfentry++].result = ret;
	}
	return ret;
}

/* --- kallsyms and the config --------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Is NAME (LEN bytes) one of the sites' candidate functions? The names are
 * gathered and sorted once: kallsyms has 100,000 lines and more.
 */
static bool wanted_name(const char *name, size_t len)
{
	static const char *names[sizeof(trace_sites) / sizeof(trace_sites[0]) * TRACE_MAX_CANDS *
				 TRACE_MAX_NAMES];
	static size_t n;
	char key[128];
	const char *kp = key;
	size_t s;
	int c, i;

	if (!n) {
		for (s = 0; s < trace_nsites; s++)
			for (c = 0; c < TRACE_MAX_CANDS; c++)
				for (i = 0; i < TRACE_MAX_NAMES; i++)
					if (trace_sites[s].cand[c].names[i])
						names[n++] = trace_sites[s].cand[c].names[i];
		qsort(names, n, sizeof(names[0]), cmp_name);
	}
	if (len >= sizeof(key))
		return false;
	memcpy(key, name, len);
	key[len] = '\0';
	return bsearch(&kp, names, n, sizeof(names[0]), cmp_name) != NULL;
}

/*
 * Notes which candidate functions /proc/kallsyms has (text symbols of
 * vmlinux). Only a kprobe needs it: read the first time one is considered.
 */
static void read_kallsyms(struct trace_kernel *k)
{
	FILE *f;
	char line[512];

	if (k->kallsyms_read)
		return;
	k->kallsyms_read = true;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ' '), *name, **n;
		size_t len;

		if (!p || (p[1] != 't' && p[1] != 'T') || p[2] != ' ')
			continue;
		name = p + 3;
		len = strcspn(name, " \t\n");
		if (name[len] == '\t' || !wanted_name(name, len))
			continue;
		n = realloc(k->kallsyms_hits, (k->nhits + 1) * sizeof(*n));
		if (!n)
			break;
		k->kallsyms_hits = n;
		n[k->nhits] = strndup(name, len);
		if (n[k->nhits])
			k->nhits++;
	}
	fclose(f);
}

static bool in_kallsyms(struct trace_kernel *k, const char *name)
{
	size_t i;

	read_kallsyms(k);
	for (i = 0; i < k->nhits; i++)
		if (!strcmp(k->kallsyms_hits[i], name))
			return true;
	return false;
}

/* CONFIG_DMABUF_MOVE_NOTIFY from the running kernel's config, if one is readable. */
static void read_move_notify(struct dmabuf_trace_facts *f)
{
	static const char opt[] = "CONFIG_DMABUF_MOVE_NOTIFY=";
	char path[128 + sizeof(((struct utsname *)0)->release)], line[256];
	const char *where = NULL;
	struct utsname u;
	gzFile gz = NULL;

	f->move_notify = TRACE_MN_UNKNOWN;
	snprintf(f->move_notify_why, sizeof(f->move_notify_why),
		 "no /boot/config-RELEASE or /proc/config.gz to read it from");
	if (!uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		gz = gzopen(path, "rb");	/* reads plain files too */
		where = "/boot/config";
	}
	if (!gz) {
		gz = gzopen("/proc/config.gz", "rb");
		where = "/proc/config.gz";
	}
	if (!gz)
		return;
	f->move_notify = TRACE_MN_OFF;
	while (gzgets(gz, line, sizeof(line)))
		if (!strncmp(line, opt, sizeof(opt) - 1) && line[sizeof(opt) - 1] == 'y')
			f->move_notify = TRACE_MN_ON;
	gzclose(gz);
	snprintf(f->move_notify_why, sizeof(f->move_notify_why), "%s in %s",
		 f->move_notify == TRACE_MN_ON ? "=y" : "not set", where);
}

/* --- open/close ---------------------------------------------------------- */

/*
 * The parsed vmlinux BTF, loaded again if trace_kernel_drop_btf() let it go
 * (a retry after the kernel refused a program chooses again); NULL, with
 * the reason in k->btf_err, if it cannot be read.
 */
static const struct btf *kernel_btf(struct trace_kernel *k)
{
	if (k->btf || k->btf_failed)
		return k->btf;
	k->btf = btf__load_vmlinux_btf();
	if (!k->btf) {
		k->btf_failed = true;
		snprintf(k->btf_err, sizeof(k->btf_err), "the kernel's BTF could not be read "
			 "again: %s", strerror(errno));
	}
	return k->btf;
}

void trace_kernel_drop_btf(struct trace_kernel *k)
{
	btf__free(k->btf);
	k->btf = NULL;
}

int trace_kernel_open(struct trace_kernel **out, char *err, size_t errlen)
{
	struct trace_kernel *k = calloc(1, sizeof(*k));
	struct dmabuf_trace_facts *f;
	int ret;

	if (!k)
		return -ENOMEM;
	k->btf = btf__load_vmlinux_btf();
	if (!k->btf) {
		ret = -errno;
		snprintf(err, errlen, "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(errno));
		free(k);
		return ret ? ret : -ENOENT;
	}
	k->kprobes = !access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
		     !access("/sys/kernel/tracing/kprobe_events", W_OK) ||
		     !access("/sys/kernel/debug/tracing/kprobe_events", W_OK);
	f = &k->facts;
	f->cache_era = has_member(k->btf, "dma_buf_attachment", "sgt");
	f->all_callers_lock = btf__find_by_name_kind(k->btf, "dma_buf_vmap_unlocked",
						     BTF_KIND_FUNC) >= 0;
	snprintf(f->lock_rule_why, sizeof(f->lock_rule_why), "%s",
		 f->all_callers_lock ?
		 "dma_buf_vmap_unlocked exists: every importer holds it (6.2+)" :
		 "no dma_buf_vmap_unlocked: dynamic importers/exporters hold it");
	/*
	 * fsession (7.x): its attach type and the kfuncs of its cookie. The
	 * programs keep no table at entry: not where the attach-time cache is.
	 */
	if (!f->cache_era && btf__find_by_name_kind(k->btf, "bpf_session_cookie",
						    BTF_KIND_FUNC) >= 0 &&
	    btf__find_by_name_kind(k->btf, "bpf_session_is_return", BTF_KIND_FUNC) >= 0) {
		long long v = enum_value(k->btf, "bpf_attach_type", "BPF_TRACE_FSESSION");

		k->fsession = v > 0 && v < INT_MAX ? (int)v : 0;
	}
	if (has_member(k->btf, "dma_buf_attach_ops", "invalidate_mappings")) {
		f->move_notify = TRACE_MN_ABSENT;
		snprintf(f->move_notify_why, sizeof(f->move_notify_why),
			 "gone: dma_buf_attach_ops has invalidate_mappings");
	} else {
		read_move_notify(f);
	}
	*out = k;
	return 0;
}

void trace_kernel_close(struct trace_kernel *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->nhits; i++)
		free(k->kallsyms_hits[i]);
	free(k->kallsyms_hits);
	for (i = 0; i < k->nsyms; i++)
		free(k->syms[i].name);
	free(k->syms);
	btf__free(k->btf);
	free(k);
}

void trace_kernel_facts(const struct trace_kernel *k, struct dmabuf_trace_facts *f)
{
	*f = k->facts;
}

int trace_kernel_fsession(const struct trace_kernel *k)
{
	return k->fsession;
}

/* --- choosing ------------------------------------------------------------ */

static void note(char *buf, size_t size, const char *fmt, const char *a, const char *b)
{
	size_t used = strlen(buf);

	if (used + 2 >= size)
		return;
	if (used)
		used += (size_t)snprintf(buf + used, size - used, "; ");
	if (used < size)
		snprintf(buf + used, size - used, fmt, a, b);
}

/*
 * Methods the environment rules out, for tests of the fallbacks and the
 * bench: "tracepoint,fentry"; "fsession" leaves fentry/fexit pairs.
 */
static bool disabled(const char *name)
{
	const char *off = getenv("DMABUF_TRACE_DISABLE");
	size_t len = strlen(name);

	for (; off && *off; off += strcspn(off, ","), off += *off == ',')
		if (strcspn(off, ",") == len && !strncmp(off, name, len))
			return true;
	return false;
}

/* Is candidate C usable? Sets *NAME to its target, or notes why not in WHY. */
static bool usable(struct trace_kernel *k, const struct trace_cand *c, const char **name,
		   char *why, size_t whylen)
{
	const struct btf *btf = NULL;
	char tdname[96];
	int n, id, r;

	if (disabled(dmabuf_trace_method_name(c->method)) || (c->session && disabled("fsession"))) {
		note(why, whylen, "%s disabled by DMABUF_TRACE_DISABLE%s",
		     c->session ? "fsession" : dmabuf_trace_method_name(c->method), "");
		return false;
	}
	if (c->session && !k->fsession) {
		note(why, whylen, "no fsession%s%s", k->facts.cache_era ?
		     " (not with the attach-time cache)" : "", "");
		return false;
	}
	if (c->method != TRACE_M_KPROBE && !(btf = kernel_btf(k))) {
		note(why, whylen, "%s%s", k->btf_err, "");
		return false;
	}
	if (c->method == TRACE_M_TRACEPOINT) {
		snprintf(tdname, sizeof(tdname), "btf_trace_%s", c->names[0]);
		if (btf__find_by_name_kind(btf, tdname, BTF_KIND_TYPEDEF) >= 0) {
			*name = c->names[0];
			return true;
		}
		note(why, whylen, "no tracepoint dma_buf:%s%s", c->names[0], "");
		return false;
	}
	if (c->method == TRACE_M_KPROBE && !k->kprobes) {
		note(why, whylen, "no kprobes here (no kprobe PMU, no kprobe_events)%s%s", "", "");
		return false;
	}
	for (n = 0; n < TRACE_MAX_NAMES && c->names[n]; n++) {
		const char *fn = c->names[n];

		if (c->method == TRACE_M_KPROBE) {
			if (in_kallsyms(k, fn)) {
				*name = fn;
				return true;
			}
			note(why, whylen, "%s%s not in kallsyms", fn, "");
			continue;
		}
		id = btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC);
		if (id < 0) {
			note(why, whylen, "%s%s not in BTF", fn, "");
			continue;
		}
		if (!proto_ok(btf, id, c->nargs, c->arg0)) {
			note(why, whylen, "%s%s: unexpected prototype", fn, "");
			continue;
		}
		r = fentry_attaches(k, id);
		if (r == 1) {
			*name = fn;
			return true;
		}
		note(why, whylen, "fentry on %s refused: %s", fn, strerror(-r));
	}
	return false;
}

/* Does SITE have a way in of one program per call (--no-latency)? */
static bool has_one_run(const struct trace_site *site)
{
	int i;

	for (i = 0; i < TRACE_MAX_CANDS && site->cand[i].method; i++)
		if (site->cand[i].one_run)
			return true;
	return false;
}

int trace_kernel_choose(struct trace_kernel *k, const struct trace_site *site, bool no_latency,
			struct trace_choice *c, struct dmabuf_trace_probe *p)
{
	char why[sizeof(p->reason)] = "";
	const char *name = NULL;
	bool one_run = no_latency && has_one_run(site);
	int i;

	memset(p, 0, sizeof(*p));
	p->kind = site->kind;
	p->site = site->label;
	c->cand = -1;
	c->func = NULL;
	for (i = 0; i < TRACE_MAX_CANDS && site->cand[i].method; i++) {
		const struct trace_cand *cand = &site->cand[i];

		if (cand->one_run != one_run)
			continue;
		if (c->refused[i]) {
			note(why, sizeof(why), "%s%s", c->refusal[i], "");
			continue;
		}
		if (!usable(k, cand, &name, why, sizeof(why)))
			continue;
		c->cand = i;
		c->func = name;
		p->method = cand->method;
		snprintf(p->target, sizeof(p->target), "%s%s",
			 cand->method == TRACE_M_TRACEPOINT ? "dma_buf:" : "", name);
		snprintf(p->reason, sizeof(p->reason), "%s%s%s",
			 cand->method == TRACE_M_TRACEPOINT ? "tracepoint in BTF" :
			 cand->method == TRACE_M_FENTRY ?
			 (cand->session ? "fsession attaches" :
			  cand->one_run ? "fentry attaches (--no-latency: entry only)" :
			  cand->entry && cand->exit ? "fentry+fexit attach" :
			  cand->entry ? "fentry attaches" : "fexit attaches") :
			 cand->one_run ? "in kallsyms (--no-latency: entry only)" : "in kallsyms",
			 why[0] ? "; " : "", why);
		return 0;
	}
	p->method = TRACE_M_NONE;
	snprintf(p->target, sizeof(p->target), "-");
	snprintf(p->reason, sizeof(p->reason), "not traced: %s", why[0] ? why : "no candidate");
	return -ENOENT;
}

/* --- symbols for --stack ------------------------------------------------- */

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load_syms(struct trace_kernel *k)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512];
	size_t cap = 0;

	k->syms_tried = true;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *end, *name;
		unsigned long long addr = strtoull(line, &end, 16);
		size_t len;

		if (end == line || end[0] != ' ' || (end[1] != 't' && end[1] != 'T') || !addr)
			continue;
		name = end + 3;
		len = strcspn(name, "\n");
		/* "name\t[module]" becomes "name [module]" */
		if (memchr(name, '\t', len))
			*(char *)memchr(name, '\t', len) = ' ';
		if (k->nsyms == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			struct ksym *n = realloc(k->syms, ncap * sizeof(*n));

			if (!n)
				break;
			k->syms = n;
			cap = ncap;
		}
		k->syms[k->nsyms].addr = addr;
		k->syms[k->nsyms].name = strndup(name, len);
		if (k->syms[k->nsyms].name)
			k->nsyms++;
	}
	fclose(f);
	qsort(k->syms, k->nsyms, sizeof(*k->syms), cmp_ksym);
}

const char *trace_kernel_ksym(struct trace_kernel *k, unsigned long long addr,
			      unsigned long long *off)
{
	size_t lo = 0, hi;

	if (!k->syms_tried)
		load_syms(k);
	hi = k->nsyms;
	if (!hi || addr < k->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*off = addr - k->syms[lo].addr;
	return k->syms[lo].name;
}
