// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * loadcache.c - a libbpf object's load kept for the rest of the boot; see
 * loadcache.h for what and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "loadcache.h"
#include "loadcache_priv.h"

int loadcache_enabled(void)
{
	const char *v = getenv("DMABUF_LOAD_CACHE");

	return !v || (strcmp(v, "off") && strcmp(v, "0"));
}

/* DMABUF_LOAD_CACHE=debug: why a load was not kept or not taken, on stderr. */
static int debugging(void)
{
	const char *v = getenv("DMABUF_LOAD_CACHE");

	return v && !strcmp(v, "debug");
}

static int said(const char *what, const char *name, int err)
{
	if (err && debugging())
		fprintf(stderr, "load cache: %s %s: %s\n", what, name, strerror(-err));
	return err;
}

/* This boot's id (36 characters and a NUL) into ID; 0 or -errno. */
static int boot_id(char id[40])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	memset(id, 0, 40);
	if (fd < 0)
		return -errno;
	n = read(fd, id, 39);
	close(fd);
	if (n < 36)
		return -EIO;
	id[36] = '\0';
	return 0;
}

/*
 * LOADCACHE_DIR exists (made when MAKE), is a directory of ours and
 * nobody else may write to it: 0 or -errno.
 */
static int dir_ours(int make)
{
	struct stat st;

	if (make && mkdir(LOADCACHE_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(LOADCACHE_DIR, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

static void file_path(char *out, size_t len, const char *key, const char *name)
{
	snprintf(out, len, LOADCACHE_DIR "/load-%s-%s", key, name);
}

/*
 * Whether instructions IN (N) can be kept: every fd in them a map's, no
 * module BTF; map fds rewritten to indexes into FDS (N_FDS) in OUT.
 */
static int insns_keep(const struct bpf_insn *in, size_t n, const int *fds, int n_fds,
		      struct bpf_insn *out)
{
	size_t i;
	int m;

	memcpy(out, in, n * sizeof(*in));
	for (i = 0; i < n; i++) {
		const struct bpf_insn *x = &in[i];

		if (x->code == (BPF_JMP | BPF_CALL) && x->src_reg == BPF_PSEUDO_KFUNC_CALL &&
		    x->off)
			return -EOPNOTSUPP;	/* a module's kfunc */
		if (x->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (i + 1 >= n)
			return -EINVAL;
		if (lc_is_map_ref(x)) {
			for (m = 0; m < n_fds && fds[m] != x->imm; m++)
				;
			if (m == n_fds)
				return -EOPNOTSUPP;
			out[i].imm = m;
		} else if (x->src_reg == BPF_PSEUDO_BTF_ID) {
			if (in[i + 1].imm)
				return -EOPNOTSUPP;	/* a module's BTF */
		} else if (x->src_reg && x->src_reg != BPF_PSEUDO_FUNC) {
			return -EOPNOTSUPP;
		}
		i++;	/* the second half of the ldimm64 */
	}
	return 0;
}

/* Whether the program behind FD attaches to a type of the vmlinux BTF. */
static int attach_in_vmlinux(int fd, uint32_t *btf_id)
{
	struct bpf_prog_info info;
	struct bpf_btf_info binfo;
	char bname[16] = "";
	__u32 len = sizeof(info);
	int bfd, ok;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	*btf_id = info.attach_btf_id;
	if (!info.attach_btf_obj_id)
		return 1;
	bfd = bpf_btf_get_fd_by_id(info.attach_btf_obj_id);
	if (bfd < 0)
		return 0;
	memset(&binfo, 0, sizeof(binfo));
	binfo.name = (__u64)(unsigned long)bname;
	binfo.name_len = sizeof(bname);
	len = sizeof(binfo);
	ok = !bpf_obj_get_info_by_fd(bfd, &binfo, &len) && binfo.kernel_btf &&
	     !strcmp(bname, "vmlinux");
	close(bfd);
	return ok;
}

/*
 * What libbpf hands the kernel with each program that the program's object
 * does not tell after the load: its func_info (offsets into the final
 * instructions: the kernel's own copy has them moved, and drops dead
 * subprograms) and its BTF. Seen by the prepare-load callback of a section
 * handler (loadcache_capture()), per program name.
 */
static struct captured {
	char name[LOADCACHE_NAME_LEN];
	int btf_fd;
	__u32 n_func;
	struct bpf_func_info *func;
} cap[LOADCACHE_MAX_PROGS];
static int n_cap;

static struct captured *captured(const char *name)
{
	int i;

	for (i = 0; i < n_cap; i++)
		if (!strcmp(cap[i].name, name))
			return &cap[i];
	return NULL;
}

static void capture_reset(void)
{
	int i;

	for (i = 0; i < n_cap; i++)
		free(cap[i].func);
	memset(cap, 0, sizeof(cap));
	n_cap = 0;
}

/* At open: the attach target, from the section name ("iter/task_file": task_file). */
static int capture_setup(struct bpf_program *prog, long cookie)
{
	const char *target = strchr(bpf_program__section_name(prog), '/');

	(void)cookie;
	/* a target this kernel lacks fails the program's load, not the object's open */
	if (target)
		bpf_program__set_attach_target(prog, 0, target + 1);
	return 0;
}

static int capture_prepare(struct bpf_program *prog, struct bpf_prog_load_opts *o, long cookie)
{
	struct captured *c = captured(bpf_program__name(prog));
	size_t rec = o->func_info_rec_size;
	__u32 i;

	(void)cookie;
	if (!o->attach_btf_id)
		return -ESRCH;	/* as libbpf's own handler: no such target here */
	if (!c && n_cap < LOADCACHE_MAX_PROGS) {
		c = &cap[n_cap++];
		snprintf(c->name, sizeof(c->name), "%s", bpf_program__name(prog));
	}
	if (!c)
		return 0;
	free(c->func);
	c->func = NULL;
	c->n_func = 0;
	c->btf_fd = (int)o->prog_btf_fd;
	if (!o->func_info || rec < sizeof(*c->func) || !o->func_info_cnt ||
	    !(c->func = calloc(o->func_info_cnt, sizeof(*c->func))))
		return 0;	/* not kept then */
	for (i = 0; i < o->func_info_cnt; i++)
		memcpy(&c->func[i], (const char *)o->func_info + i * rec, sizeof(*c->func));
	c->n_func = o->func_info_cnt;
	return 0;
}

int loadcache_capture(const char *sec, int prog_type, int attach_type)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, h, .prog_setup_fn = capture_setup,
		    .prog_prepare_load_fn = capture_prepare);
	static int keeper = -1;

	/*
	 * libbpf 1.1 frees its handler array when the last handler goes
	 * (realloc to 0) but keeps the pointer: the next registration frees it
	 * twice. A handler of a section no object has stays registered, so
	 * that the array never empties.
	 */
	if (keeper < 0)
		keeper = libbpf_register_prog_handler("dmabuf_tools_none/", prog_type,
						      attach_type, NULL);
	if (keeper < 0)
		return keeper;
	capture_reset();
	return libbpf_register_prog_handler(sec, prog_type, attach_type, &h);
}

void loadcache_capture_end(int id)
{
	if (id >= 0)
		libbpf_unregister_prog_handler(id);
}

/* The raw BTF behind fd FD as the kernel holds it, into *DATA (malloc'd); 0 or -errno. */
static int btf_raw(int fd, void **data, size_t *len)
{
	struct bpf_btf_info info;
	__u32 ilen = sizeof(info);
	int err = 0;

	*data = NULL;
	memset(&info, 0, sizeof(info));
	if (fd <= 0 || bpf_obj_get_info_by_fd(fd, &info, &ilen) || !info.btf_size ||
	    info.btf_size > LC_MAX_FILE)
		return -EOPNOTSUPP;
	*data = malloc(info.btf_size);
	if (!*data)
		return -ENOMEM;
	*len = info.btf_size;
	memset(&info, 0, sizeof(info));
	info.btf = (__u64)(unsigned long)*data;
	info.btf_size = (__u32)*len;
	ilen = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) || info.btf_size != *len)
		err = -EOPNOTSUPP;
	if (err) {
		free(*data);
		*data = NULL;
	}
	return err;
}

static int write_file(const char *path, const void *data, size_t len)
{
	char tmp[200];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd))
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* MAP, made by the load, as the file keeps it into M; 0 or -errno. */
static int image_map(struct bpf_map *map, struct loadcache_map *m)
{
	struct bpf_map_info info;
	__u32 ilen = sizeof(info);
	size_t init_len = 0;
	int fd = bpf_map__fd(map);

	memset(&info, 0, sizeof(info));
	memset(m, 0, sizeof(*m));
	if (fd < 0 || bpf_map__inner_map(map) || bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		return -EOPNOTSUPP;
	}
	memcpy(m->name, info.name, sizeof(m->name) - 1);
	m->type = info.type;
	m->key_size = info.key_size;
	m->value_size = info.value_size;
	m->max_entries = info.max_entries;
	m->flags = info.map_flags;
	m->extra = bpf_map__map_extra(map);
	/* globals (.rodata, .bss, ...): taken before any program ran */
	if (bpf_map__is_internal(map))
		m->init = bpf_map__initial_value(map, &init_len);
	return m->init && init_len != info.value_size ? -EOPNOTSUPP : 0;
}

int loadcache_save(const char *key, const char *name, struct bpf_object *obj,
		   const void *state, size_t len)
{
	struct loadcache_map maps[LOADCACHE_MAX_MAPS];
	struct loadcache_prog progs[LOADCACHE_MAX_PROGS];
	struct bpf_insn *insns[LOADCACHE_MAX_PROGS] = { NULL };
	struct loadcache_image im = { .key = key, .name = name, .state = state,
				      .state_len = len, .maps = maps, .progs = progs };
	struct bpf_program *prog;
	struct bpf_map *map;
	int fds[LOADCACHE_MAX_MAPS], err = 0, i, btf_fd = -1;
	void *btf = NULL;
	char boot[40], path[160];
	void *text = NULL;
	size_t text_len;

	if (!loadcache_enabled())
		return -ENOENT;
	err = boot_id(boot);
	im.boot_id = boot;
	bpf_object__for_each_map(map, obj) {
		if (err || im.n_maps == LOADCACHE_MAX_MAPS) {
			err = err ? err : -EOPNOTSUPP;
			break;
		}
		err = image_map(map, &maps[im.n_maps]);
		fds[im.n_maps++] = bpf_map__fd(map);
	}
	bpf_object__for_each_program(prog, obj) {
		struct loadcache_prog *p = &progs[im.n_progs];
		size_t n = bpf_program__insn_cnt(prog);
		int fd = bpf_program__fd(prog);
		struct captured *c = captured(bpf_program__name(prog));

		if (err || fd < 0)	/* not loaded (autoload off) */
			continue;
		/* one object, one BTF */
		if (!c || !c->n_func || (btf_fd >= 0 && c->btf_fd != btf_fd)) {
			err = -EOPNOTSUPP;
			break;
		}
		btf_fd = c->btf_fd;
		p->func_info = c->func;
		p->n_func = c->n_func;
		if (im.n_progs == LOADCACHE_MAX_PROGS || !attach_in_vmlinux(fd, &p->attach_btf_id)) {
			err = -EOPNOTSUPP;
			break;
		}
		insns[im.n_progs] = malloc(n * sizeof(struct bpf_insn));
		if (!insns[im.n_progs]) {
			err = -ENOMEM;
			break;
		}
		err = insns_keep(bpf_program__insns(prog), n, fds, im.n_maps, insns[im.n_progs]);
		snprintf(p->name, sizeof(p->name), "%s", bpf_program__name(prog));
		p->type = bpf_program__type(prog);
		p->expected_attach_type = bpf_program__expected_attach_type(prog);
		p->flags = bpf_program__flags(prog);
		p->insns = insns[im.n_progs];
		p->n_insns = n;
		im.n_progs++;
	}
	if (!err)
		err = btf_raw(btf_fd, &btf, &im.btf_len);
	im.btf = btf;
	if (!err)
		err = loadcache_encode(&im, &text, &text_len);
	if (!err)
		err = dir_ours(1);
	if (!err) {
		file_path(path, sizeof(path), key, name);
		err = write_file(path, text, text_len);
	}
	free(text);
	free(btf);
	capture_reset();
	for (i = 0; i < LOADCACHE_MAX_PROGS; i++)
		free(insns[i]);
	return said("not kept:", name, err);
}

/* Reads PATH whole into *TEXT, if it is a regular file of ours closed to others. */
static int read_ours(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;
	int err = 0;

	*text = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		err = -EPERM;
	else if (st.st_size <= 0 || (uint64_t)st.st_size > LC_MAX_FILE)
		err = -EBADMSG;
	else if (!(*text = malloc((size_t)st.st_size)))
		err = -ENOMEM;
	while (!err && got < (size_t)st.st_size) {
		ssize_t n = read(fd, *text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = n < 0 ? -errno : -EBADMSG;
		else
			got += (size_t)n;
	}
	close(fd);
	if (err) {
		free(*text);
		*text = NULL;
	}
	*len = got;
	return err;
}

static int make_map(const struct lc_map *m, const void *init)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = m->flags, .map_extra = m->extra);
	int fd = bpf_map_create(m->type, m->name, m->key_size, m->value_size, m->max_entries,
				&o), zero = 0, err = 0;

	if (fd < 0)
		return -errno;
	if (init && bpf_map_update_elem(fd, &zero, init, 0))
		err = -errno;
	/* read-only to the programs: frozen, so the verifier sees constants (as libbpf) */
	if (!err && (m->flags & BPF_F_RDONLY_PROG) && bpf_map_freeze(fd))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int make_prog(const struct lc_prog *p, const struct bpf_insn *in,
		     const struct bpf_func_info *func, int btf_fd, const int *map_fd)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = p->expected_attach_type,
		    .attach_btf_id = p->attach_btf_id, .prog_flags = p->flags,
		    .prog_btf_fd = (__u32)btf_fd, .func_info = func, .func_info_cnt = p->n_func,
		    .func_info_rec_size = sizeof(*func));
	struct bpf_insn *x = malloc(p->n_insns * sizeof(*x));
	uint32_t i;
	int fd;

	if (!x)
		return -ENOMEM;
	memcpy(x, in, p->n_insns * sizeof(*x));
	for (i = 0; i < p->n_insns; i++)
		if (lc_is_map_ref(&x[i]))
			x[i].imm = map_fd[x[i].imm];
	fd = bpf_prog_load(p->type, p->name, LC_LICENSE, x, p->n_insns, &o);
	fd = fd < 0 ? -errno : fd;
	if (fd < 0 && debugging()) {	/* again, for the verifier's word */
		static char log[1 << 16];

		o.log_buf = log;
		o.log_size = sizeof(log);
		o.log_level = 1;
		bpf_prog_load(p->type, p->name, LC_LICENSE, x, p->n_insns, &o);
		fprintf(stderr, "load cache: program %s: %s\n%s\n", p->name, strerror(-fd),
			log + (strlen(log) > 2000 ? strlen(log) - 2000 : 0));
	}
	free(x);
	return fd;
}

static int open_cache(const char *key, const char *name, struct loadcache *c, void *state,
		      size_t len)
{
	struct loadcache_image want = { .key = key, .name = name, .state_len = len };
	char path[160], boot[40];
	struct parsed p;
	char *text;
	size_t tlen = 0;
	uint32_t i;
	int err, btf_fd = -1;

	memset(c, 0, sizeof(*c));
	if (!loadcache_enabled() || !lc_name_ok(name))
		return -ENOENT;
	file_path(path, sizeof(path), key, name);
	err = dir_ours(0);
	if (err)
		return err == -EPERM ? err : -ENOENT;
	err = read_ours(path, &text, &tlen);
	if (err)
		return err;
	err = boot_id(boot);
	want.boot_id = boot;
	if (!err)
		err = lc_parse(text, tlen, &want, &p);
	if (err) {
		free(text);
		unlink(path);	/* another boot's, or damaged: the next load replaces it */
		return err;
	}
	for (i = 0; i < p.h->n_maps; i++)
		c->map_fd[i] = -1;
	for (i = 0; i < p.h->n_maps && !err; i++) {
		snprintf(c->map_name[i], sizeof(c->map_name[i]), "%s", p.map[i]->name);
		c->map_fd[i] = make_map(p.map[i], p.init[i]);
		err = c->map_fd[i] < 0 ? said("map", p.map[i]->name, c->map_fd[i]) : 0;
		c->n_maps = (int)i + 1;
	}
	if (!err) {
		btf_fd = bpf_btf_load(p.btf, p.h->btf_len, NULL);
		err = btf_fd < 0 ? said("BTF of", name, -errno) : 0;
	}
	for (i = 0; i < p.h->n_progs && !err; i++) {
		snprintf(c->prog_name[i], sizeof(c->prog_name[i]), "%s", p.prog[i]->name);
		c->prog_fd[i] = make_prog(p.prog[i], p.insns[i], p.func[i], btf_fd, c->map_fd);
		err = c->prog_fd[i] < 0 ? c->prog_fd[i] : 0;
		c->n_progs = (int)i + 1;
	}
	if (btf_fd >= 0)
		close(btf_fd);	/* the programs hold it */
	if (!err)
		memcpy(state, p.state, len);
	free(text);
	if (err) {
		loadcache_close(c);
		if (err != -EPERM)
			unlink(path);
	}
	return err;
}

int loadcache_open(const char *key, const char *name, struct loadcache *c, void *state,
		   size_t len)
{
	int err = open_cache(key, name, c, state, len);

	if (err != -ENOENT)
		said("not taken:", name, err);
	return err == -EBADMSG ? -ENOENT : err;
}

int loadcache_prog_fd(const struct loadcache *c, const char *name)
{
	int i;

	for (i = 0; i < c->n_progs; i++)
		if (!strcmp(c->prog_name[i], name))
			return c->prog_fd[i];
	return -1;
}

int loadcache_map_fd(const struct loadcache *c, const char *name)
{
	size_t len = strlen(name);
	int i;

	/* a global's map is named OBJECT.SECTION (".bss" finds "snapshot.bss") */
	for (i = 0; i < c->n_maps; i++) {
		size_t have = strlen(c->map_name[i]);

		if (!strcmp(c->map_name[i], name) ||
		    (name[0] == '.' && have > len && !strcmp(c->map_name[i] + have - len, name)))
			return c->map_fd[i];
	}
	return -1;
}

void loadcache_close(struct loadcache *c)
{
	int i;

	for (i = 0; i < c->n_progs; i++)
		if (c->prog_fd[i] >= 0)
			close(c->prog_fd[i]);
	for (i = 0; i < c->n_maps; i++)
		if (c->map_fd[i] >= 0)
			close(c->map_fd[i]);
	memset(c, 0, sizeof(*c));
}
