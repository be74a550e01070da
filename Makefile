# airlock: one Makefile for the three daemons, the CLI, tests, fuzzers and benchmarks.
# make            normal hardened build into build/normal
# make SAN=1      AddressSanitizer + UBSan build into build/asan
# make deps       installs the Debian packages the build needs (as root)
# make test       installs what the tests need, runs every test on both builds
# make demo       installs what the demo needs, starts everything with a local
#                 development OpenID provider
# make demo-cluster  the same on two nodes sharing one PostgreSQL, behind nginx
# make fuzz       runs each libFuzzer target (FUZZ_SECONDS each)

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
UNITDIR		?= /lib/systemd/system
SYSUSERSDIR	?= /usr/lib/sysusers.d
TMPFILESDIR	?= /usr/lib/tmpfiles.d
DOCDIR		?= $(PREFIX)/share/doc/airlock
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
PKGS		:= libevent lmdb libcurl json-c libsodium libpq cjose
# -isystem: library headers (evhtp.h) are not held to our warning flags.
# Read when the first compile needs them (then kept), not when make reads this file.
PKG_CFLAGS	= $(eval PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags $(PKGS) evhtp 2>/dev/null)))$(PKG_CFLAGS)
# pkg-config module:Debian package of every library linked (tests/deps.sh's build set)
PKG_DEBS	:= libevhtp-dev:evhtp libevent-dev:libevent liblmdb-dev:lmdb \
		   libcurl4-openssl-dev:libcurl libjson-c-dev:json-c libsodium-dev:libsodium \
		   libssl-dev:openssl libpq-dev:libpq libjansson-dev:jansson libcjose-dev:cjose
# Goals that compile nothing; any other goal first checks that every library is
# there and stops with one line naming the missing packages.  demo, test, bench
# and install install their packages, then build in a new make.
NOBUILD_GOALS	:= deps demo demo-cluster test bench install install-data uninstall clean check-units
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

# proto/ and each program's folder but its main.c (the LAYERS) are one archive
# each, DIR/libLAYER.a, so that a program links only the objects it calls.
# LIBS_LAYER names the libraries LAYER's objects may call; a link names those of
# the archives it draws from, and --as-needed records only the libraries that
# the objects it pulled really call.
LAYERS		:= proto store authd frontend cli
LIBS_proto	:= -levent -ljson-c -lsodium
LIBS_store	:= -levent -llmdb -lpq -lsodium
LIBS_authd	:= -levent -lcurl -ljson-c -lsodium -lcjose -ljansson
LIBS_frontend	:= -levhtp -levent -lsodium
LIBS_cli	:= -lcurl -ljson-c -lsodium
# The benchmarks call lmdb, evhtp and libpq themselves.
LIBS_BENCH	:= -levhtp -levent -llmdb -lpq -lsodium

# libFuzzer targets: tests/fuzz/fuzz_LAYER_*.c, built with clang into build/fuzz.
FUZZ_SECONDS	?= 20
FUZZ		:= build/fuzz
FUZZ_CFLAGS	= -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DFUZZING -Iproto $(PKG_CFLAGS)

# obj(DIR,SOURCES): their objects under DIR/obj
obj		= $(patsubst %.c,$(1)/obj/%.o,$(2))
# archives(DIR,LAYER): what a program of LAYER links, its own archive first
archives	= $(1)/lib$(2).a $(1)/libproto.a
# archive_objs(DIR/libLAYER.a): LAYER/*.c but main.c, compiled into DIR/obj
archive_layer	= $(patsubst lib%.a,%,$(notdir $(1)))
archive_src	= $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
archive_objs	= $(call obj,$(patsubst %/,%,$(dir $(1))),$(call archive_src,$(call archive_layer,$(1))))
# libs_of(PREREQUISITES): the LIBS_LAYER of each archive among them, each once
libs_of		= $(sort $(foreach a,$(filter %.a,$(1)),$(LIBS_$(call archive_layer,$(a)))))
# name_layer(test_LAYER_NAME or fuzz_LAYER_NAME): LAYER
name_layer	= $(word 2,$(subst _, ,$(1)))
# prog_layer(airlock-LAYER): LAYER; the CLI, airlock, is cli
prog_layer	= $(or $(patsubst airlock-%,%,$(filter airlock-%,$(1))),cli)
# One link for every program of a build: the entry object, then the archives.
LINK		= mkdir -p $(@D) && $(CC) -o $@ $^ $(LDFLAGS) -Wl,--as-needed $(call libs_of,$^)
FUZZ_LINK	= clang $(FUZZ_CFLAGS) -o $@ $^ -Wl,--as-needed $(call libs_of,$^)

ARCHIVES	:= $(foreach l,$(LAYERS),$(BUILD)/lib$(l).a $(FUZZ)/lib$(l).a)
PROGS		:= $(BUILD)/airlock-store $(BUILD)/airlock-authd $(BUILD)/airlock-frontend $(BUILD)/airlock
UNIT_SRC	:= $(wildcard tests/unit/test_*.c)
UNITS		:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_PROGS	:= $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
TOOLS		:= $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(FUZZ)/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all progs test demo demo-cluster fuzz fuzz-smoke fuzz-build bench install uninstall clean deps check-units
all: $(PROGS) $(UNITS) $(BENCH_PROGS) $(TOOLS)
progs: $(PROGS)
fuzz-build: $(FUZZ_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -I$(dir $<) -c -o $@ $<
$(FUZZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -I$(dir $<) -c -o $@ $<
-include $(shell find $(BUILD)/obj $(FUZZ)/obj -name '*.d' 2>/dev/null)

# Static pattern rules: every object is an explicit prerequisite, so make keeps
# it (none is intermediate) and `make -q` after `make` answers "up to date".
.SECONDEXPANSION:
$(ARCHIVES): %.a: $$(call archive_objs,$$@)
	rm -f $@ && $(AR) rcs $@ $^
# airlock-LAYER is LAYER/main.c; unit tests/unit/test_LAYER_NAME.c tests LAYER.
$(PROGS): $(BUILD)/%: $(BUILD)/obj/$$(call prog_layer,$$*)/main.o $$(call archives,$(BUILD),$$(call prog_layer,$$*))
	$(LINK)
$(UNITS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $$(call archives,$(BUILD),$$(call name_layer,$$*))
	$(LINK)
# Test tools (IPC clients, fake peers) and benchmarks: one file each, with proto.
$(TOOLS): $(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libproto.a
	$(LINK)
$(BENCH_PROGS): $(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libproto.a
	$(LINK) $(LIBS_BENCH)
$(FUZZ_BINS): $(FUZZ)/%: $(FUZZ)/obj/tests/fuzz/%.o $$(call archives,$(FUZZ),$$(call name_layer,$$*))
	$(FUZZ_LINK)

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

# Two airlock nodes on one PostgreSQL behind nginx (see README, "Running on several machines").
demo-cluster:
	tests/deps.sh build demo-cluster
	$(MAKE) progs
	BIN=$(abspath $(BUILD)) tests/demo_cluster.sh

bench:
	tests/deps.sh build bench
	$(MAKE) all
	BIN=$(abspath $(BUILD)) bench/run.sh
	BIN=$(abspath $(BUILD)) bench/pg.sh
	BIN=$(abspath $(BUILD)) bench/roundtrips.sh
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
	install -d $(DESTDIR)$(DOCDIR)/airlock-store.service.d
	install -m 0644 docs/nginx-cluster.conf $(DESTDIR)$(DOCDIR)/nginx-cluster.conf
	install -m 0644 docs/nginx-gateway.conf $(DESTDIR)$(DOCDIR)/nginx-gateway.conf
	$(SUBST_PATHS) systemd/airlock-store.service.d/postgresql.conf.example \
	    >$(DESTDIR)$(DOCDIR)/airlock-store.service.d/postgresql.conf.example
	chmod 0644 $(DESTDIR)$(DOCDIR)/airlock-store.service.d/postgresql.conf.example
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
	rm -f $(DESTDIR)$(DOCDIR)/nginx-cluster.conf $(DESTDIR)$(DOCDIR)/nginx-gateway.conf \
	      $(DESTDIR)$(DOCDIR)/airlock-store.service.d/postgresql.conf.example
	-rmdir $(DESTDIR)$(DOCDIR)/airlock-store.service.d $(DESTDIR)$(DOCDIR) 2>/dev/null
	for f in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; done
	-rmdir $(DESTDIR)$(SYSCONFDIR)/airlock 2>/dev/null

clean:
	rm -rf build
