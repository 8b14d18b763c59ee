/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpfsnap_pin: `dmabuf pin` / `dmabuf unpin` and snapshots from the pinned
 * iterators. Where the kernel has iter/dmabuf: pin makes the three pins and
 * their programs stay; a second pin changes nothing; a snapshot then loads
 * no program (no new program id; dmabuf-top neither) and says "(pinned)",
 * and its buffers, owners, exporter ops and kernel facts are those of a
 * snapshot that loaded its own programs; every snapshot names the exporter
 * ops, also four at once;
 * another build's pin is never used and the next pin removes it; unpin
 * removes everything, the programs go, and a second unpin has nothing to do.
 * Errors: without a BPF filesystem, as nobody, with an argument, on --root;
 * where the kernel has no iter/dmabuf pin says so and leaves nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "cliutil.h"
#include "snaputil.h"
#include "tap.h"

#define PIN_DIR "/sys/fs/bpf/dmabuf-tools"
#define NBUF 3

static bool has_iter_dmabuf(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool yes = btf && btf__find_by_name_kind(btf, "bpf_iter_dmabuf", BTF_KIND_FUNC) > 0;

	btf__free(btf);
	return yes;
}

/* The highest program id the kernel has handed out and still holds. */
static __u32 last_prog_id(void)
{
	__u32 id = 0, last = 0;

	while (!bpf_prog_get_next_id(id, &id))
		last = id;
	return last;
}

static int heap_buf(int i)
{
	struct dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC };
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	char name[16];

	if (heap < 0)
		return -1;
	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d)) {
		close(heap);
		return -1;
	}
	close(heap);
	snprintf(name, sizeof(name), "pin-%d", i);
	ioctl((int)d.fd, DMA_BUF_SET_NAME, name);
	return (int)d.fd;
}

/* Every buffer of ours and the heap's ops name in OUT. */
static bool names_all(const char *out)
{
	char want[16];
	int i;

	for (i = 0; i < NBUF; i++) {
		snprintf(want, sizeof(want), "\"pin-%d\"", i);
		if (!strstr(out, want))
			return false;
	}
	return strstr(out, "\"exporter_ops\":\"system_heap_buf_ops\"") != NULL;
}

/*
 * Pins the link pinned at FROM at TO too; with ALONE, this build's pins go
 * (TO is then the only one). 0 or -1.
 */
static int repin(const char *from, const char *to, bool alone)
{
	int fd = bpf_obj_get(from), ret = -1;
	char owners[sizeof(PIN_DIR) + 64], maps[sizeof(PIN_DIR) + 64];
	const char *key = strrchr(from, '-');

	if (fd < 0)
		return -1;
	snprintf(owners, sizeof(owners), PIN_DIR "/snap_owners%s", key ? key : "");
	snprintf(maps, sizeof(maps), PIN_DIR "/snap_maps%s", key ? key : "");
	if (!bpf_obj_pin(fd, to) && (!alone || (!unlink(from) && !unlink(owners) &&
						!unlink(maps))))
		ret = 0;
	close(fd);
	return ret;
}

/* `dmabuf pin` in a mount namespace whose /sys/fs/bpf is gone. */
static void no_bpffs(void)
{
	struct run r;
	pid_t pid = fork();
	int st = -1;

	if (pid == 0) {
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    umount2("/sys/fs/bpf", MNT_DETACH))
			_exit(10);
		r = run_cmd("dmabuf pin 2>&1");
		printf("# %s", r.out);
		_exit(r.status == 3 && strstr(r.out, "no BPF filesystem at /sys/fs/bpf") ? 0 : 1);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "without a BPF filesystem pin exits 3 and says how to mount it (%d)", st);
}

/* `dmabuf pin` as nobody: exit 3, a specific reason, nothing made. */
static void as_nobody(void)
{
	struct stat sr;
	mode_t mode = 0;
	int st = -1, fds[2];
	char out[512] = "";
	ssize_t n;
	pid_t pid;

	/* the initramfs root comes from mktemp -d (0700): nobody could reach nothing */
	if (!stat("/", &sr) && (sr.st_mode & 0005) != 0005) {
		mode = sr.st_mode & 07777;
		chmod("/", 0755);
	}
	if (pipe(fds))
		return;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		execlp("dmabuf", "dmabuf", "pin", (char *)NULL);
		_exit(11);
	}
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (mode)
		chmod("/", mode);
	tap_diag("nobody: %s", out);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 3 &&
	       (strstr(out, "Permission denied") || strstr(out, "run as root")),
	       "as nobody pin exits 3 with the reason (%d)", st);
	tap_ok(access(PIN_DIR, F_OK) && snap_progs() == 0, "nobody's pin made nothing");
}

static void without_iter_dmabuf(void)
{
	struct run r = run_cmd("dmabuf pin 2>&1");

	tap_diag("%s", r.out);
	tap_ok(r.status == 3 && strstr(r.out, "no iter/dmabuf"),
	       "without iter/dmabuf pin exits 3 and says why (%d)", r.status);
	tap_ok(access(PIN_DIR, F_OK) && errno == ENOENT, "and made no directory");
	tap_ok(snap_progs() == 0, "and left no program");
	free(r.out);
}

int main(void)
{
	char ka[256], kb[256], stale[sizeof(PIN_DIR) + 64], path[sizeof(PIN_DIR) + 64];
	struct run a, b, r;
	int fds[NBUF], i, ok, base;
	__u32 last;

	printf("TAP version 13\n");
	r = run_cmd("dmabuf unpin");
	free(r.out);
	base = snap_progs_settled(0);
	tap_ok(base == 0, "no snapshot program loaded to begin with (%d)", base);
	r = run_cmd("dmabuf pin extra 2>&1");
	tap_ok(r.status == 2 && strstr(r.out, "pin takes no arguments"), "pin with an argument: "
	       "usage error");
	free(r.out);
	r = run_cmd("dmabuf --root /tmp pin 2>&1");
	tap_ok(r.status == 2 && strstr(r.out, "not on --root"), "pin on --root: usage error");
	free(r.out);
	if (!has_iter_dmabuf()) {
		without_iter_dmabuf();
		return tap_exit_status();
	}
	for (i = 0; i < NBUF; i++)
		fds[i] = heap_buf(i);
	if (!tap_ok(fds[0] >= 0 && fds[NBUF - 1] >= 0, "%d system-heap buffers", NBUF))
		return tap_exit_status();
	no_bpffs();
	as_nobody();
	r = run_cmd("mkdir -m 700 " PIN_DIR " && chown 65534:65534 " PIN_DIR " && dmabuf pin 2>&1");
	tap_ok(r.status == 3 && strstr(r.out, "is not a directory of uid 0 closed to others "
	       "(owner 65534, mode 700): remove it"), "a directory of someone else's is refused: %s",
	       r.out);
	free(r.out);
	tap_ok(!rmdir(PIN_DIR), "and left as it was (empty)");

	a = run_cmd("dmabuf --source bpf ls -j");
	tap_ok(a.status == 0 && names_all(a.out) && !strstr(a.out, "(pinned)"),
	       "unpinned snapshot: every buffer and ops name, not pinned");

	r = run_cmd("dmabuf pin");
	tap_diag("%s", r.out);
	tap_ok(r.status == 0 && strstr(r.out, "pinned " PIN_DIR "/snap_dmabuf-") &&
	       strstr(r.out, "pinned " PIN_DIR "/snap_owners-") &&
	       strstr(r.out, "pinned " PIN_DIR "/snap_maps-"), "pin pins the three iterators");
	free(r.out);
	tap_ok(snap_progs_settled(3) == 3, "their three programs stay after pin exited");
	r = run_cmd("dmabuf -j pin");
	tap_ok(r.status == 0 && strstr(r.out, "\"already\":true") && snap_progs() == 3,
	       "a second pin changes nothing: %s", r.out);
	free(r.out);

	last = last_prog_id();
	b = run_cmd("dmabuf --source bpf ls -j");
	tap_ok(b.status == 0 && strstr(b.out, "iter/dmabuf (pinned): "), "the snapshot read "
	       "the pinned iterators");
	tap_ok(last_prog_id() == last, "and loaded no program (last id %u)", last);
	tap_ok(!strcmp(buffers_of(a.out), buffers_of(b.out)), "its buffers, owners and ops "
	       "names are the unpinned snapshot's");
	tap_ok(!strcmp(kernel_of(a.out, ka, sizeof(ka)), kernel_of(b.out, kb, sizeof(kb))),
	       "and so are the kernel facts: %s", kb);
	free(b.out);
	b = run_cmd("dmabuf --source bpf ls -j");
	tap_ok(b.status == 0 && names_all(b.out), "the next snapshot names the ops again");
	free(b.out);
	last = last_prog_id();
	b = run_cmd("dmabuf-top -b -n 2 -d 1 --no-events --source bpf");
	tap_ok(b.status == 0 && strstr(b.out, "pin-0") && strstr(b.out, "pin-2") &&
	       last_prog_id() == last, "dmabuf-top reads the pins too: its buffers, no program "
	       "loaded (last id %u)", last);
	free(b.out);
	ok = !chown(PIN_DIR, 65534, 65534);
	b = run_cmd("dmabuf --source bpf ls -j");
	ok = ok && !chown(PIN_DIR, 0, 0);
	tap_ok(ok && b.status == 0 && names_all(b.out) && !strstr(b.out, "(pinned)"),
	       "pins in a directory of someone else's are not used");
	free(b.out);

	r = run_cmd("for i in 1 2 3 4; do dmabuf --source bpf ls -j > /tmp/pin.$i & done; wait; "
		    "cat /tmp/pin.1 /tmp/pin.2 /tmp/pin.3 /tmp/pin.4");
	for (ok = 0, b.out = r.out, i = 0; i < 4 && b.out; i++) {
		char *nl = strchr(b.out, '\n');

		if (nl)
			*nl = '\0';
		ok += names_all(b.out) && strstr(b.out, "(pinned)") != NULL;
		b.out = nl ? nl + 1 : NULL;
	}
	tap_ok(ok == 4, "four snapshots at once from the pins: each complete (%d)", ok);
	free(r.out);

	/* another build's pin: this one's dmabuf link under another key */
	snprintf(stale, sizeof(stale), PIN_DIR "/snap_dmabuf-00000000");
	r = run_cmd("ls " PIN_DIR);
	path[0] = '\0';
	if (strstr(r.out, "snap_dmabuf-"))
		snprintf(path, sizeof(path), PIN_DIR "/%.20s", strstr(r.out, "snap_dmabuf-"));
	free(r.out);
	tap_ok(repin(path, stale, false) == 0, "a pin of another build made beside (%s)", path);
	r = run_cmd("dmabuf unpin; dmabuf unpin");
	tap_ok(r.status == 0 && strstr(r.out, "removed 4 pinned iterators") &&
	       strstr(r.out, "nothing was pinned"), "unpin removes this build's and another's; "
	       "a second one has nothing to do: %s", r.out);
	free(r.out);
	r = run_cmd("dmabuf pin");
	free(r.out);
	ok = repin(path, stale, true) == 0;
	r = run_cmd("ls " PIN_DIR "; dmabuf --source bpf ls -j");
	tap_ok(ok && r.status == 0 && !strstr(r.out, "(pinned)") && names_all(r.out),
	       "with another build's pin only, the snapshot loads its own programs");
	free(r.out);
	r = run_cmd("dmabuf pin");
	tap_ok(r.status == 0 && strstr(r.out, "removed 1 pinned iterator of another dmabuf "
	       "build") && access(stale, F_OK), "pin removes another build's pin: %s", r.out);
	free(r.out);

	r = run_cmd("dmabuf -j unpin");
	tap_ok(r.status == 0 && strstr(r.out, "\"removed\":3"), "unpin: %s", r.out);
	free(r.out);
	tap_ok(access(PIN_DIR, F_OK) && errno == ENOENT, "the directory is gone");
	tap_ok(snap_progs_settled(0) == 0, "and so are the programs");
	for (i = 0; i < NBUF; i++)
		close(fds[i]);
	free(a.out);
	return tap_exit_status();
}
