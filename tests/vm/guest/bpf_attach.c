/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf_attach: loads the bpf_attach skeleton (fentry, else kprobe), exports a
 * vgem dma-buf and checks that the program saw it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpf_attach.skel.h"
#include "tap.h"
#include "vgem.h"

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN) {
		printf("# libbpf: ");
		return vprintf(fmt, ap);
	}
	return 0;
}

/* Opens, loads and attaches with only the program of KIND; NULL on failure. */
static struct bpf_attach_bpf *load(const char *kind)
{
	struct bpf_attach_bpf *skel = bpf_attach_bpf__open();
	int fentry = !strcmp(kind, "fentry");

	if (!skel)
		return NULL;
	bpf_program__set_autoload(skel->progs.export_fentry, fentry);
	bpf_program__set_autoload(skel->progs.export_kprobe, !fentry);
	if (bpf_attach_bpf__load(skel) || bpf_attach_bpf__attach(skel)) {
		bpf_attach_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int main(void)
{
	static const char *const kinds[] = { "fentry", "kprobe" };
	struct bpf_attach_bpf *skel = NULL;
	const char *kind = NULL;
	int card, fd, i;

	libbpf_set_print(quiet_print);
	for (i = 0; i < 2 && !skel; i++) {
		kind = kinds[i];
		skel = load(kind);
		if (!skel)
			tap_diag("%s on dma_buf_export did not attach, trying the next", kind);
	}
	if (!tap_ok(skel != NULL, "a BPF program attached to dma_buf_export (%s)", kind))
		return tap_exit_status();

	card = vgem_open();
	if (tap_ok(card >= 0, "vgem card opened")) {
		fd = vgem_dmabuf(card, 64);
		tap_ok(fd >= 0, "vgem exported a dma-buf (%s)", fd < 0 ? strerror(errno) : "fd");
		tap_ok(skel->bss->exports >= 1, "the %s program saw the export (count %llu)",
		       kind, (unsigned long long)skel->bss->exports);
		if (fd >= 0)
			close(fd);
		close(card);
	}
	bpf_attach_bpf__destroy(skel);
	return tap_exit_status();
}
