// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_redact: buffers with names of our own (one of two lines, one with
 * escape sequences), attached and mmapped, held by this process and a child,
 * both with comms of our own; then `dmabuf report --redact`. Checked: no
 * file, link or path of the archive holds any of those names or comms, in
 * any form (the strings checked are plain parts of every form a name takes:
 * raw, escaped, maps' "\012"); the same report unredacted does hold them (so
 * this test can fail); the redacted report replays to its own snapshot.json;
 * our buffers carry the documented stable tokens, the same in a second report.
 */
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/dma-buf.h>

#include "lab_util.h"
#include "report_priv.h"
#include "report_util.h"
#include "vgem.h"

#define RED "/tmp/redact.tar.gz"
#define RED2 "/tmp/redact2.tar.gz"
#define PLAIN "/tmp/plain.tar.gz"

#define COMM "zqcommsecret1"
#define KID_COMM "zqkidsecret5"
static const char *const names[] = {
	"zqnamelab1", "zqname2\nzqline3", "zqname4\x1b[31m\t\xff",
};
#define NNAMES 3
/* plain parts of every form a name or comm can take in a file */
static const char *const secrets[] = {
	"zqcommsecret1", "zqkidsecret5", "zqnamelab1", "zqname2", "zqline3", "zqname4",
};
#define NSECRETS 6

static int fds[NNAMES + 1];

static int make_buffers(int lab)
{
	struct dmabuf_lab_export ex;
	int i, att, card = vgem_open();

	for (i = 0; i < 2; i++) {
		fds[i] = lab_export(lab, i ? DMABUF_LAB_EXP_DYNAMIC : DMABUF_LAB_EXP_STATIC, 1, NULL,
				    0, &ex);
		/* the core refuses a name once attached: names first */
		if (fds[i] < 0 || ioctl(fds[i], DMA_BUF_SET_NAME_B, names[i]))
			return -1;
		att = lab_attach(lab, 0, fds[i], 0, 0, i ? DMABUF_LAB_IMP_STATIC : DMABUF_LAB_IMP_DYNAMIC,
				 NULL);
		if (att < 0 || lab_map(lab, (__u32)att, DMABUF_LAB_DIR_BIDIRECTIONAL, 0, NULL))
			return -1;
	}
	fds[2] = card < 0 ? -1 : vgem_dmabuf(card, 256);
	if (fds[2] < 0 || ioctl(fds[2], DMA_BUF_SET_NAME_B, names[2]))
		return -1;
	return mmap(NULL, 256 * 16 * 4, PROT_READ, MAP_SHARED, fds[2], 0) == MAP_FAILED ? -1 : 0;
}

static pid_t holder_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NAME, KID_COMM);
		for (;;)
			pause();
	}
	return pid;
}

/* The token the report gives NAME, and whether snapshot.json under TOP has it. */
static bool has_token(const char *top, enum redact_kind k, const char *s)
{
	char tok[REDACT_TOKEN_MAX], path[PATH_MAX], want[64], *json;
	bool yes;

	dmabuf_redact_token(k, s, strlen(s), tok);
	snprintf(path, sizeof(path), "%s/snapshot.json", top);
	snprintf(want, sizeof(want), "\"%s\":\"%s\"", k == REDACT_COMM ? "comm" : "name", tok);
	json = slurp(path, NULL);
	yes = json && strstr(json, want);
	free(json);
	return yes;
}

int main(void)
{
	const char *red[] = { "report", "--redact", "-o", RED, NULL };
	const char *red2[] = { "report", "--redact", "-o", RED2, NULL };
	const char *plain[] = { "report", "-o", PLAIN, NULL };
	const char *ls[] = { "--root", RED, "ls", "-j", NULL };
	char top[512], top2[512], path[PATH_MAX], *out = NULL, *json, *a, *b;
	unsigned int files = 0, hits, i;
	int lab = lab_open(), st;
	pid_t kid;

	prctl(PR_SET_NAME, COMM);
	if (!tap_ok(lab >= 0 && make_buffers(lab) == 0, "buffers named and attached")) {
		tap_diag("%s", strerror(errno));
		return 1;
	}
	kid = holder_child();
	st = dmabuf_run(0, &out, red);
	free(out);
	tap_ok(st == 0, "dmabuf report --redact exits 0");
	if (!tap_ok(unpack(RED, "/tmp/redact.d", top, sizeof(top)) == 0, "the archive unpacks"))
		goto out;
	hits = tree_holds("/tmp/redact.d", secrets, NSECRETS, &files);
	tap_ok(!hits && files > 20, "no original name or comm in any of its %u files", files);
	if (hits)
		tap_diag("%s", scan_first);

	st = dmabuf_run(0, &out, plain);
	free(out);
	hits = 0;
	if (st == 0 && unpack(PLAIN, "/tmp/plain.d", path, sizeof(path)) == 0)
		for (i = 0; i < NSECRETS; i++)
			hits += tree_holds("/tmp/plain.d", &secrets[i], 1, NULL) > 0;
	tap_ok(hits == NSECRETS, "the same report unredacted holds every one (%u of %d)", hits,
	       NSECRETS);

	/* still a report: it replays to its own snapshot */
	snprintf(path, sizeof(path), "%s/snapshot.json", top);
	json = slurp(path, NULL);
	st = dmabuf_run(0, &out, ls);
	a = strip_root(out);
	b = strip_root(json ? json : "");
	tap_ok(st == 0 && !strcmp(a, b), "the redacted report replays to its snapshot.json");
	free(a);
	free(b);
	free(out);
	free(json);

	for (i = 0; i < NNAMES; i++)
		tap_ok(has_token(top, REDACT_NAME, names[i]), "buffer %u is named by its token", i);
	tap_ok(has_token(top, REDACT_COMM, COMM) && has_token(top, REDACT_COMM, KID_COMM),
	       "both holders are named by the tokens of their comms");
	st = dmabuf_run(0, &out, red2);
	free(out);
	tap_ok(st == 0 && unpack(RED2, "/tmp/redact2.d", top2, sizeof(top2)) == 0 &&
	       has_token(top2, REDACT_NAME, names[1]) && has_token(top2, REDACT_COMM, KID_COMM),
	       "a second redacted report uses the same tokens");
out:
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	for (i = 0; i < NNAMES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(lab);
	return tap_exit_status();
}
