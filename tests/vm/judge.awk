# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# awk -v kernel=LABEL -f judge.awk RESULTS_LOG CONSOLE_LOG
# Turns a guest's result log (see init.sh for the markers) into TAP lines
# named "LABEL test: description", adding a failure for a guest test that
# exited non-zero without saying why, one that never ended, a guest that did
# not finish, and every kernel splat in the guest's dmesg or console.
function splat(line) {
	return line ~ /WARNING:|BUG:|Oops|Kernel panic|general protection fault|KASAN:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|Call Trace:/
}
function emit(status, text) { printf "%s - %s %s\n", status, kernel, text }
{ sub(/\r$/, "") }
FNR == 1 { file++ }
file == 1 && /^@@ TEST / { test = $3; failed_lines = 0; next }
file == 1 && /^@@ END / {
	rc = $4; sub(/^rc=/, "", rc)
	if (rc != 0 && failed_lines == 0)
		emit("not ok", test ": exited with status " rc " (no failing check printed)")
	test = ""
	next
}
file == 1 && /^@@ DMESG BEGIN/ { in_dmesg = 1; next }
file == 1 && /^@@ DMESG END/ { in_dmesg = 0; dmesg_seen = 1; next }
file == 1 && /^@@ DONE/ { done = 1; next }
file == 1 && /^@@ DEBUG_LOCKS / { debug_locks = $3; next }
# A negative test brackets the operation that must splat with kernel log
# markers; splats inside are expected (and required), outside they fail.
file == 1 && in_dmesg && /dmabuf-tests: expect-splat begin / {
	expecting = $NF; expected[expecting] = 0; nexpected++; next
}
file == 1 && in_dmesg && /dmabuf-tests: expect-splat end / { expecting = ""; next }
file == 1 && in_dmesg {
	dmesg_lines++
	if (splat($0)) {
		if (expecting != "") expected[expecting]++
		else { splats++; emit("not ok", "dmesg: " $0) }
	}
	next
}
file == 1 && test != "" && /^(not )?ok/ {
	if ($0 ~ /^not ok/) failed_lines++
	status = $0 ~ /^not ok/ ? "not ok" : "ok"
	text = $0; sub(/^(not )?ok[ 0-9]*(- )?/, "", text)
	emit(status, test ": " text)
	next
}
# The console catches what the guest could not report itself (a panic).
file == 2 && !dmesg_seen && splat($0) { emit("not ok", "console: " $0) }
END {
	if (test != "") emit("not ok", test ": did not finish")
	if (!done) emit("not ok", "guest did not finish (panic or timeout; see console.log)")
	if (done && !dmesg_seen) emit("not ok", "guest dmesg missing")
	if (done && dmesg_seen && dmesg_lines == 0) emit("not ok", "guest dmesg empty")
	if (done && dmesg_lines > 0 && splats == 0) emit("ok", "dmesg: no WARNING/BUG/Oops")
	if (debug_locks == "0" && nexpected == 0)
		emit("not ok", "lockdep switched itself off (debug_locks 0) with no splat expected")
	for (name in expected) {
		if (expected[name] > 0)
			emit("ok", "dmesg: " name ": the expected splat appeared (" expected[name] " lines)")
		else
			emit("not ok", "dmesg: " name ": the expected splat did not appear")
	}
}
