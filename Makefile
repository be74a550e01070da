# airlock: one Makefile for the three daemons, the CLI, tests, fuzzers and benchmarks.
# make            normal hardened build into build/normal
# make SAN=1      AddressSanitizer + UBSan build into build/asan
# make deps       installs the Debian packages the build needs (as root)
# make test       installs what the tests need, runs every test on both builds
# make demo       installs what the demo needs, starts everything with a local
#                 development OpenID provider
# make fuzz       runs each libFuzzer target (FUZZ_SECONDS each)

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
UNITDIR		?= /lib/systemd/system
SYSUSERSDIR	?= /usr/lib/sysusers.d
TMPFILESDIR	?= /usr/lib/tmpfiles.d
DESTDIR		?=

SAN		?= 0
ifeq ($(SAN),1)
BUILD		?= build/asan
OPT		:= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
BUILD		?= build/normal
OPT		:= -O2 -g -D_FORTIFY_SOURCE=2
endif

CC		?= cc
PKG_CONFIG	?= pkg-config
PKGS		:= libevent lmdb libcurl json-c libsodium
# -isystem: library headers (evhtp.h) are not held to our warning flags.
# Read when the first compile needs them (then kept), not when make reads this file.
PKG_CFLAGS	= $(eval PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags $(PKGS) evhtp 2>/dev/null)))$(PKG_CFLAGS)
# pkg-config module:Debian package of every library linked (tests/deps.sh's build set)
PKG_DEBS	:= libevhtp-dev:evhtp libevent-dev:libevent liblmdb-dev:lmdb \
		   libcurl4-openssl-dev:libcurl libjson-c-dev:json-c libsodium-dev:libsodium \
		   libssl-dev:openssl
# Goals that compile nothing; any other goal first checks that every library is
# there and stops with one line naming the missing packages.  demo, test, bench
# and install install their packages, then build in a new make.
NOBUILD_GOALS	:= deps demo test bench install install-data uninstall clean check-units
ifneq ($(filter-out $(NOBUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
MISSING_DEBS	:= $(strip $(shell \
	command -v $(firstword $(CC)) >/dev/null || echo build-essential; \
	command -v $(PKG_CONFIG) >/dev/null || echo pkg-config; \
	for m in $(PKG_DEBS); do $(PKG_CONFIG) --exists $${m#*:} 2>/dev/null || echo $${m%%:*}; done))
ifneq ($(MISSING_DEBS),)
$(error airlock: missing $(MISSING_DEBS): run 'make deps' (as root) or apt-get install $(MISSING_DEBS))
endif
endif
WARN		:= -std=c17 -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
		   -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter
HARDEN		:= -fstack-protector-strong -fPIE -fstack-clash-protection -fcf-protection
CFLAGS		+= $(WARN) $(OPT) $(HARDEN) -D_GNU_SOURCE -Iproto $(PKG_CFLAGS)
LDFLAGS		+= -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack $(filter -fsanitize=%,$(OPT))

LIBS_STORE	:= -levent -llmdb -lsodium
LIBS_AUTHD	:= -levent -lcurl -ljson-c -lsodium
LIBS_FRONTEND	:= -levhtp -levent -levent_openssl -lssl -lcrypto -lpthread -lsodium
LIBS_CLI	:= -lcurl -ljson-c -lsodium
LIBS_PROTO	:= -levent -lsodium

obj		= $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
PROTO_OBJ	:= $(call obj,$(wildcard proto/*.c))
STORE_LIB	:= $(call obj,$(filter-out store/main.c,$(wildcard store/*.c)))
AUTHD_LIB	:= $(call obj,$(filter-out authd/main.c,$(wildcard authd/*.c)))
FRONTEND_LIB	:= $(call obj,$(filter-out frontend/main.c,$(wildcard frontend/*.c)))
CLI_LIB		:= $(call obj,$(filter-out cli/main.c,$(wildcard cli/*.c)))

PROGS		:= $(BUILD)/airlock-store $(BUILD)/airlock-authd $(BUILD)/airlock-frontend $(BUILD)/airlock
UNIT_SRC	:= $(wildcard tests/unit/test_*.c)
UNITS		:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_PROGS	:= $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
TOOLS		:= $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))

.PHONY: all progs test demo fuzz fuzz-smoke bench install uninstall clean deps check-units
all: $(PROGS) $(UNITS) $(BENCH_PROGS) $(TOOLS)
progs: $(PROGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -I$(dir $<) -c -o $@ $<

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

$(BUILD)/airlock-store: $(BUILD)/obj/store/main.o $(STORE_LIB) $(PROTO_OBJ)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_STORE)
$(BUILD)/airlock-authd: $(BUILD)/obj/authd/main.o $(AUTHD_LIB) $(PROTO_OBJ)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_AUTHD)
$(BUILD)/airlock-frontend: $(BUILD)/obj/frontend/main.o $(FRONTEND_LIB) $(PROTO_OBJ)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_FRONTEND)
$(BUILD)/airlock: $(BUILD)/obj/cli/main.o $(CLI_LIB) $(PROTO_OBJ)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_CLI) $(LIBS_PROTO)

# Unit tests link proto plus the library of the program their name starts with.
$(BUILD)/tests/test_proto_%: $(BUILD)/obj/tests/unit/test_proto_%.o $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_PROTO)
$(BUILD)/tests/test_store_%: $(BUILD)/obj/tests/unit/test_store_%.o $(STORE_LIB) $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_STORE)
$(BUILD)/tests/test_authd_%: $(BUILD)/obj/tests/unit/test_authd_%.o $(AUTHD_LIB) $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_AUTHD)
$(BUILD)/tests/test_frontend_%: $(BUILD)/obj/tests/unit/test_frontend_%.o $(FRONTEND_LIB) $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_FRONTEND)
$(BUILD)/tests/test_cli_%: $(BUILD)/obj/tests/unit/test_cli_%.o $(CLI_LIB) $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_CLI) $(LIBS_PROTO)

# Test tools (IPC clients, fake peers): tests/tools/NAME.c, one program each, run by test scripts.
$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS) -levent -llmdb -lcurl -ljson-c -lsodium

# Benchmarks: bench/NAME.c is one program; bench_store links proto, the http baseline evhtp.
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS_FRONTEND) -llmdb -levent

# libFuzzer targets: tests/fuzz/fuzz_PROG_*.c, built with clang into build/fuzz,
# each linked with proto/ and PROG's files but its main.c.
FUZZ_SECONDS	?= 20
FUZZ		:= build/fuzz
FUZZ_CFLAGS	= -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DFUZZING -Iproto $(PKG_CFLAGS)
fuzz_obj	= $(patsubst %.c,$(FUZZ)/obj/%.o,$(1))
FUZZ_PROTO	:= $(call fuzz_obj,$(wildcard proto/*.c))
FUZZ_STORE	:= $(call fuzz_obj,$(filter-out store/main.c,$(wildcard store/*.c)))
FUZZ_AUTHD	:= $(call fuzz_obj,$(filter-out authd/main.c,$(wildcard authd/*.c)))
FUZZ_FRONTEND	:= $(call fuzz_obj,$(filter-out frontend/main.c,$(wildcard frontend/*.c)))
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(FUZZ)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -I$(dir $<) -c -o $@ $<
$(FUZZ)/fuzz_proto_%: $(FUZZ)/obj/tests/fuzz/fuzz_proto_%.o $(FUZZ_PROTO)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(LIBS_PROTO)
$(FUZZ)/fuzz_store_%: $(FUZZ)/obj/tests/fuzz/fuzz_store_%.o $(FUZZ_STORE) $(FUZZ_PROTO)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(LIBS_STORE)
$(FUZZ)/fuzz_authd_%: $(FUZZ)/obj/tests/fuzz/fuzz_authd_%.o $(FUZZ_AUTHD) $(FUZZ_PROTO)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(LIBS_AUTHD)
$(FUZZ)/fuzz_frontend_%: $(FUZZ)/obj/tests/fuzz/fuzz_frontend_%.o $(FUZZ_FRONTEND) $(FUZZ_PROTO)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(LIBS_FRONTEND)
-include $(shell find $(FUZZ)/obj -name '*.d' 2>/dev/null)

.PHONY: fuzz-build
fuzz-build: $(FUZZ_BINS)
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS)
fuzz-smoke: fuzz-build
	tests/fuzz/run.sh 8

# Each target installs its own package set (tests/deps.sh), then builds in a new
# make: that one reads the libraries' flags after they are installed.
deps:
	tests/deps.sh build

# Both builds, every test on each, one summary line at the end.
test:
	tests/deps.sh build test
	$(MAKE) all
	$(MAKE) all SAN=1
	tests/run.sh

demo:
	tests/deps.sh build demo
	$(MAKE) progs
	BIN=$(abspath $(BUILD)) tests/demo.sh

bench:
	tests/deps.sh build bench
	$(MAKE) all
	BIN=$(abspath $(BUILD)) bench/run.sh
	BIN=$(abspath $(BUILD)) bench/instr.sh --check README.md

check-units:
	tests/t_units.sh

# install = programs + data.  install-data alone (units, sysusers/tmpfiles, man pages,
# example config) is what tests use while a daemon is still missing.
# Units name /usr/sbin and /etc/airlock; they are rewritten to SBINDIR and SYSCONFDIR.
UNIT_FILES	:= $(wildcard systemd/*.service systemd/*.socket systemd/*.target)
MAN_PAGES	:= $(wildcard man/*.[158])
SUBST_PATHS	= sed -e 's|/usr/sbin/|$(SBINDIR)/|g' \
		      -e 's,/etc/airlock\([/[:space:]]\|$$\),$(SYSCONFDIR)/airlock\1,g'
.PHONY: install-bin install-data
install:
	tests/deps.sh install
	$(MAKE) install-bin install-data

install-bin: $(PROGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/airlock-store $(BUILD)/airlock-authd $(BUILD)/airlock-frontend $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/airlock $(DESTDIR)$(BINDIR)/

install-data:
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/airlock $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	for f in $(UNIT_FILES); do \
	  $(SUBST_PATHS) $$f >$(DESTDIR)$(UNITDIR)/$${f##*/} && chmod 0644 $(DESTDIR)$(UNITDIR)/$${f##*/} || exit 1; \
	done
	install -m 0644 systemd/sysusers.d/airlock.conf $(DESTDIR)$(SYSUSERSDIR)/airlock.conf
	$(SUBST_PATHS) systemd/tmpfiles.d/airlock.conf >$(DESTDIR)$(TMPFILESDIR)/airlock.conf
	chmod 0644 $(DESTDIR)$(TMPFILESDIR)/airlock.conf
	install -m 0644 docs/airlock.conf.example $(DESTDIR)$(SYSCONFDIR)/airlock/airlock.conf.example
	for f in $(MAN_PAGES); do \
	  install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$${f##*.}/ || exit 1; \
	done

# Removes what install put there; the configuration the admin wrote
# ($(SYSCONFDIR)/airlock/airlock.conf, credentials) and the state stay.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/airlock-store $(DESTDIR)$(SBINDIR)/airlock-authd \
	      $(DESTDIR)$(SBINDIR)/airlock-frontend $(DESTDIR)$(BINDIR)/airlock
	for f in $(UNIT_FILES); do rm -f $(DESTDIR)$(UNITDIR)/$${f##*/}; done
	rm -f $(DESTDIR)$(SYSUSERSDIR)/airlock.conf $(DESTDIR)$(TMPFILESDIR)/airlock.conf \
	      $(DESTDIR)$(SYSCONFDIR)/airlock/airlock.conf.example
	for f in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; done
	-rmdir $(DESTDIR)$(SYSCONFDIR)/airlock 2>/dev/null

clean:
	rm -rf build
