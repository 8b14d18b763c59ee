# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# dmabuf-tools: one Makefile for the tools, the BPF programs, the test module
# and the test matrix. `make help` lists the targets.

OUTPUT ?= build
override OUTPUT := $(patsubst %/,%,$(OUTPUT))
PREFIX ?= /usr/local
DESTDIR ?=
KERNELS ?= 6.1 7.3 6.1-debug
KERNEL ?= 7.3
export DMABUF_CACHE ?= $(CURDIR)/.cache

CC ?= gcc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror
ALL_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -MMD -MP \
	-I$(OUTPUT) -Iinclude -Ilib
# vmlinux.h comes from -isystem: bpftool's dump of a newer kernel's BTF is
# not warning-free, and BPF_PROG()/BPF_KPROBE() hide an unused ctx argument.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARNINGS) \
	-Wno-unused-parameter -isystem $(OUTPUT) -Iinclude
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

# STATIC=1 links everything statically (the test guests have no libc).
ifeq ($(STATIC),1)
LDFLAGS += -static
PC_STATIC := --static
endif
LIBBPF_LIBS = $(shell $(PKG_CONFIG) $(PC_STATIC) --libs libbpf zlib)
# libarchive writes and reads report bundles (tar.gz). Its static library
# pulls every archive format in through archive_write_set_format.o, and with
# them bzip2, lzma, xml2, acl and lz4 (the last two have no static library on
# Debian); --gc-sections drops what the tar.gz path never reaches, so that
# zlib (in LIBBPF_LIBS, linked after it) is all a static link needs.
ifeq ($(STATIC),1)
ARCHIVE_LIBS = -Wl,--gc-sections -larchive
else
ARCHIVE_LIBS = $(shell $(PKG_CONFIG) --libs libarchive)
endif
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(OUTPUT)/%,%,$(2))";
MAKEFLAGS += --no-print-directory
endif

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(OUTPUT)/%.o)
LIB := $(OUTPUT)/libdmabuf.a

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUTPUT)/unit/%)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(OUTPUT)/san/%.o)

# Guest tests: every tests/vm/guest/*.c is one static test program; one
# with a NAME.bpf.c beside it links that program's skeleton.
GUEST_SRCS := $(filter-out %.bpf.c,$(sort $(wildcard tests/vm/guest/*.c)))
GUEST_BINS := $(GUEST_SRCS:tests/vm/guest/%.c=$(OUTPUT)/t/%)
GUEST_SCRIPTS := $(sort $(wildcard tests/vm/guest/*.sh))
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c tests/vm/guest/*.bpf.c))

DMABUF_SRCS := cli/main.c cli/commands.c cli/table.c cli/report.c
TOOLS := $(OUTPUT)/dmabuf
DMABUF_TRACE_SRCS := cli/trace.c
TOOLS += $(OUTPUT)/dmabuf-trace
DMABUF_TOP_SRCS := $(sort $(wildcard tui/*.c))
TOOLS += $(OUTPUT)/dmabuf-top
NCURSES_LIBS = $(shell $(PKG_CONFIG) $(PC_STATIC) --libs ncursesw)

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all help install uninstall clean distclean deps kmod unit check check-unit \
	check-vm demo run-vm guest-bins bench-snapshot bench-top bench-trace

all: $(LIB) $(TOOLS)

help:
	@echo 'make                 build the tools into $(OUTPUT)/'
	@echo 'make install         install them (PREFIX=$(PREFIX) DESTDIR=)'
	@echo 'make kmod            build the dmabuf_lab test module for the running kernel (KDIR=)'
	@echo 'make check           install what is needed, run the unit tests, then the'
	@echo '                     kernel tests on every kernel of KERNELS="$(KERNELS)"'
	@echo 'make check-unit      unit tests only (ASan + UBSan)'
	@echo 'make check-vm KERNEL=6.1|7.3|6.1-debug   the kernel tests on one kernel'
	@echo 'make demo            boot the 7.3 test kernel with a scenario of buffers and show it'
	@echo 'make bench-snapshot  what a snapshot costs (bench/snapshot.md): two 7.3 boots'
	@echo 'make bench-top       what a dmabuf-top refresh costs, its memory (bench/top.md)'
	@echo 'make bench-trace     what tracing costs, against bpftrace (bench/README.md)'
	@echo 'V=1 shows full commands; DMABUF_CACHE=DIR keeps downloads (default .cache)'

deps:
	$(Q)scripts/deps check

# --- library and tools ---------------------------------------------------

$(OUTPUT)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/dmabuf: $(DMABUF_SRCS:%.c=$(OUTPUT)/%.o) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(ARCHIVE_LIBS) $(LIBBPF_LIBS)

$(OUTPUT)/dmabuf-trace: $(DMABUF_TRACE_SRCS:%.c=$(OUTPUT)/%.o) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LIBBPF_LIBS)

$(OUTPUT)/dmabuf-top: $(DMABUF_TOP_SRCS:%.c=$(OUTPUT)/%.o) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(ARCHIVE_LIBS) $(LIBBPF_LIBS) $(NCURSES_LIBS)

# --- BPF: .bpf.c -> .bpf.o -> .skel.h ------------------------------------

$(OUTPUT)/vmlinux.h: $(VMLINUX_BTF)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $< format c > $@

$(OUTPUT)/%.bpf.o: %.bpf.c $(OUTPUT)/vmlinux.h $(wildcard include/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@	# DWARF: BTF keeps the types and lines; 1/8 the size

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The snapshot iterators' pin key (dmabuf pin): the object's checksum, so a
# build never uses another build's pins; taken here, not on every snapshot.
$(OUTPUT)/bpf/snapshot.key.h: $(OUTPUT)/bpf/snapshot.bpf.o
	$(call msg,GEN,$@)
	$(Q)printf '#define SNAPSHOT_PIN_KEY "%s"\n' "$$(sha256sum $< | cut -c1-8)" > $@

# lib/ objects that include a skeleton need it generated first.
$(foreach f,bpfsnap bpfsnap_pin bpfsnap_run,$(OUTPUT)/lib/$(f).o $(OUTPUT)/san/lib/$(f).o): \
	$(OUTPUT)/bpf/snapshot.skel.h $(OUTPUT)/bpf/snapshot.key.h
$(OUTPUT)/lib/trace.o $(OUTPUT)/san/lib/trace.o: $(OUTPUT)/bpf/trace.skel.h
$(OUTPUT)/bpf/trace.bpf.o: $(wildcard bpf/trace*.bpf.h)

# --- guest test programs (static) ----------------------------------------

$(OUTPUT)/t/%: tests/vm/guest/%.c $(LIB)
	$(call msg,GUEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/vm/guest -I$(OUTPUT)/tests/vm/guest $(LDFLAGS) \
		$< $(LIB) -o $@ $(ARCHIVE_LIBS) $(LIBBPF_LIBS) -lpthread

$(OUTPUT)/t/%.sh: tests/vm/guest/%.sh
	$(Q)mkdir -p $(@D)
	$(Q)install -m 755 $< $@

# A guest test with a BPF program needs its skeleton before it compiles.
define guest_skel_dep
$(OUTPUT)/t/$(1): $(OUTPUT)/tests/vm/guest/$(1).skel.h
endef
$(foreach b,$(patsubst tests/vm/guest/%.bpf.c,%,$(filter tests/vm/guest/%,$(BPF_SRCS))),\
	$(eval $(call guest_skel_dep,$(b))))

guest-bins: $(GUEST_BINS) $(GUEST_SCRIPTS:tests/vm/guest/%=$(OUTPUT)/t/%) $(TOOLS)
	$(Q)mkdir -p $(OUTPUT)/bin
	$(Q)$(if $(TOOLS),cp $(TOOLS) $(OUTPUT)/bin/,true)

# --- unit tests (cmocka, ASan + UBSan) -----------------------------------

$(OUTPUT)/san/%.o: %.c
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(OUTPUT)/unit/%: tests/unit/%.c $(SAN_LIB_OBJS)
	$(call msg,UNIT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $< $(SAN_LIB_OBJS) -o $@ $(CMOCKA_LIBS) $(ARCHIVE_LIBS) \
		$(LIBBPF_LIBS)

unit: $(UNIT_BINS)

DOC_TOOLS := $(notdir $(TOOLS))

check-unit: unit $(TOOLS)
	$(Q)mkdir -p $(OUTPUT)/unit
	$(Q)rc=0; tests/docs-check $(OUTPUT) $(DOC_TOOLS) > $(OUTPUT)/unit/docs.tap 2>&1 || rc=1; \
	grep -v '^ok' $(OUTPUT)/unit/docs.tap | sed 's/^/  /'; \
	for t in $(UNIT_BINS); do \
		CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		FIXTURES=tests/fixtures $$t > $$t.tap 2>&1 || rc=1; \
		sed 's/^/  /' $$t.tap | grep -vE '^  (ok|1\.\.|# ok)' || true; \
	done; cat $(UNIT_BINS:%=%.tap) $(OUTPUT)/unit/docs.tap > $(OUTPUT)/unit/results.tap; \
	tests/judge-check > $(OUTPUT)/unit/judge.tap 2>&1 || rc=1; grep -v '^ok' $(OUTPUT)/unit/judge.tap | grep -v '^1\.\.' | sed 's/^/  /'; cat $(OUTPUT)/unit/judge.tap >> $(OUTPUT)/unit/results.tap; \
	tests/tui/run.sh $(OUTPUT) > $(OUTPUT)/unit/tui.tap 2>&1 || rc=1; grep -v '^ok' $(OUTPUT)/unit/tui.tap | sed 's/^/  /'; cat $(OUTPUT)/unit/tui.tap >> $(OUTPUT)/unit/results.tap; \
	tests/tally $(OUTPUT)/unit/results.tap | tail -n1 | sed 's/^/unit: /'; \
	test $$rc = 0 && tests/tally $(OUTPUT)/unit/results.tap >/dev/null

# --- kernel module and the kernel test matrix ----------------------------

KDIR ?= /lib/modules/$(shell uname -r)/build
kmod:
	$(call msg,KMOD,$(OUTPUT)/kmod/dmabuf_lab.ko)
	$(Q)scripts/build-kmod $(KDIR) $(OUTPUT)/kmod

check-vm:
	$(Q)OUTPUT=$(OUTPUT) tests/vm/run.sh check $(KERNEL)

# On a terminal dmabuf-top runs there, interactively (VM_TTY=0: never).
demo: deps
	$(Q)OUTPUT=$(OUTPUT) VM_TTY=$${VM_TTY:-auto} tests/vm/run.sh run 7.3 run_demo.sh

# Runs one guest program: make run-vm KERNEL=6.1 RUN="run_capture ARGS"
run-vm:
	$(Q)OUTPUT=$(OUTPUT) tests/vm/run.sh run $(KERNEL) $(RUN)

# The snapshot benchmark (bench/snapshot.md): two boots of the 7.3 guest.
bench-snapshot: deps
	$(Q)OUTPUT=$(OUTPUT) bench/snapshot.sh

# dmabuf-top's refresh cost and memory (bench/top.md): one 7.3 boot.
bench-top: deps
	$(Q)OUTPUT=$(OUTPUT) bench/top.sh

# The tracer's overhead (bench/README.md): two 7.3 boots, icount and wall.
bench-trace: deps
	$(Q)OUTPUT=$(OUTPUT) bench/run.sh

# Runs every stage even when one fails, then one closing line for all.
# The kernels are made ready first (downloads, the trixie chroot); a debug
# kernel that is not cached yet builds in the background meanwhile: it keeps
# both cores busy where a TCG guest mostly uses one.
DEBUG_KERNELS := $(filter %-debug,$(KERNELS))
check: deps
	$(Q)rc=0; mkdir -p $(OUTPUT)/vm; \
	$(if $(DEBUG_KERNELS),scripts/deps debug || exit 1;) \
	for k in $(filter-out $(DEBUG_KERNELS),$(KERNELS)); do \
		tests/vm/kernel.sh prepare $$k "$(DMABUF_CACHE)" || exit 1; done; \
	for k in $(DEBUG_KERNELS); do \
		echo "  VM      kernel $$k: prepared in the background ($(OUTPUT)/vm/prepare-$$k.log)"; \
		( tests/vm/kernel.sh prepare $$k "$(DMABUF_CACHE)" > $(OUTPUT)/vm/prepare-$$k.log 2>&1; \
		  echo $$? > $(OUTPUT)/vm/prepare-$$k.rc ) & \
	done; \
	$(MAKE) check-unit || rc=1; \
	for k in $(filter-out $(DEBUG_KERNELS),$(KERNELS)); do $(MAKE) check-vm KERNEL=$$k || rc=1; done; \
	wait; \
	for k in $(DEBUG_KERNELS); do \
		if [ "$$(cat $(OUTPUT)/vm/prepare-$$k.rc)" != 0 ]; then \
			tail -n 20 $(OUTPUT)/vm/prepare-$$k.log; echo "$$k: the kernel could not be prepared"; rc=1; \
		else $(MAKE) check-vm KERNEL=$$k || rc=1; fi; \
	done; \
	tests/tally $(OUTPUT)/unit/results.tap $(KERNELS:%=$(OUTPUT)/vm/%/results.tap) \
		2>/dev/null | tail -n1; \
	exit $$rc

# --- install -------------------------------------------------------------

install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(Q)install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/sbin/
	$(Q)install -m 644 $(wildcard man/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/
	$(Q)install -m 644 $(wildcard completions/bash/*) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	$(Q)install -m 644 $(wildcard completions/zsh/_*) $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/
	$(Q)install -m 644 $(wildcard completions/fish/*.fish) \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

distclean: clean
	$(Q)rm -rf .cache

-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
