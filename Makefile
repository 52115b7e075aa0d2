# SPDX-License-Identifier: GPL-2.0
#
# exabond: the one entry point. It installs what is missing with apt-get,
# delegates the module to Kbuild (kmod/) and userspace to CMake (userspace/).
#
#   make            build the module and userspace
#   make check      every test: host unit tests (plain, ASan+UBSan, TSan),
#                   the fuzzers, the VM tests and the harness self-test
#                   on the generic and the PREEMPT_RT kernel, side by side
#                   (CHECK_RT=0: the generic kernel only)
#   make demo       boot the packaged kernel in qemu and show a live failover
#   make fixtures   capture rtnetlink messages of real bonds in the VM into
#                   tests/unit/rtnl/fixtures/ (the parser's unit tests)
#   make bench      benchmarks on the host and in the VM; figures into
#                   tests/bench/REPORT.md
#   make unit       host unit tests only (plain, ASan+UBSan, TSan)
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make vm-test    VM tests; T="name ..." for some, V=1 to stream output
#   make vm-test-rt the VM tests on Debian's PREEMPT_RT kernel alone
#   make vm-selftest  prove the harness fails what fails
#   make debug-check  build a 6.1 kernel with KASAN, lockdep, kmemleak and
#                   debugobjects (cached in DEBUG_KERNEL_CACHE), run the VM
#                   tests and a longer lifecycle storm on it, then a kmemleak
#                   scan (too long for make check: see tests/RELIABILITY.md)
#   make style      checkpatch on the module and the ABI header
#   make deps       install the Debian packages everything needs
#   make install    as root: the module through DKMS (for KVER), libexabond,
#                   headers, pkg-config and CMake files, exabondctl,
#                   exabond-monitor, systemd units, udev rule; PREFIX=
#                   (default /usr/local); DESTDIR= only stages the files
#   make uninstall  undo make install (same PREFIX, BUILD and DESTDIR)
#   make deb        Debian packages from a copy of the tree, in build/deb/
#
# The module is built for the kernel that Debian's linux-image-amd64 package
# installs (the one the VM boots), never for the running host kernel. Override
# with KVER= (and KDIR= for headers elsewhere).

SHELL := /bin/bash
.DEFAULT_GOAL := all

BUILD ?= $(CURDIR)/build
JOBS ?= $(shell nproc)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

APT_PACKAGES := build-essential make cmake pkg-config file \
	linux-image-amd64 linux-headers-amd64 kmod \
	qemu-system-x86 busybox-static cpio gzip \
	linux-image-rt-amd64 linux-headers-rt-amd64 linux-source-6.1 \
	iproute2 ethtool jq procps python3 ifenslave curl tcpdump bash-builtins \
	gnuplot-nox \
	libnl-3-dev libnl-route-3-dev libmnl-dev libboost-dev libspdlog-dev \
	nlohmann-json3-dev libsystemd-dev \
	libgtest-dev libbenchmark-dev clang libclang-rt-14-dev \
	dkms dh-dkms debhelper fakeroot dpkg-dev systemd udev \
	flex bison bc libelf-dev libssl-dev

# The packaged kernel: the image linux-image-amd64 depends on. Evaluated
# lazily, after `deps` has installed it.
KVER ?= $(shell dpkg-query -W -f='$${Depends}\n' linux-image-amd64 2>/dev/null | \
	grep -o 'linux-image-[^ ,]*' | head -n1 | sed 's/^linux-image-//')
KDIR ?= /usr/src/linux-headers-$(KVER)
VMLINUZ ?= /boot/vmlinuz-$(KVER)

# The kernel matrix: the same VM tests also run on Debian's PREEMPT_RT
# kernel, which low-latency hosts often run (sleeping in atomic context
# and lock misuse show there first), with the module built for it.
RT_KVER ?= $(shell dpkg-query -W -f='$${Depends}\n' linux-image-rt-amd64 2>/dev/null | \
	grep -o 'linux-image-[^ ,]*' | head -n1 | sed 's/^linux-image-//')
RT_KDIR ?= /usr/src/linux-headers-$(RT_KVER)
RT_VMLINUZ ?= /boot/vmlinuz-$(RT_KVER)

MODULE := kmod/exabond.ko
SELFTEST_MODULE := tests/vm/selftest/kmod/exabond_vm_selftest.ko
INITRD := $(BUILD)/vm-initrd.gz
RT_MODULE := $(BUILD)/kmod-rt/kmod/exabond.ko
RT_INITRD := $(BUILD)/vm-initrd-rt.gz
UB := $(BUILD)/userspace
UB_ASAN := $(BUILD)/userspace-asan
UB_TSAN := $(BUILD)/userspace-tsan
UB_FUZZ := $(BUILD)/userspace-fuzz
FUZZ_SECONDS ?= 60

VM_ARGS = --kernel $(VMLINUZ) --initrd $(INITRD) --module $(CURDIR)/$(MODULE) \
	--build $(UB) $(if $(V),--verbose)
# The same runner on the RT kernel: later options override earlier ones.
VM_RT_OVERRIDES = --kernel $(RT_VMLINUZ) --initrd $(RT_INITRD) \
	--module $(RT_MODULE)
VM_ARGS_RT = $(VM_ARGS) $(VM_RT_OVERRIDES)

# The debug kernel: built once from linux-source-6.1 and cached outside the
# tree (tests/vm/kernels/build-debug.sh prints where).
DEBUG_KERNEL_CACHE ?= $(HOME)/.cache/exabond
STORM_SECONDS_DEBUG ?= 300

# Targets that need packages run `deps` first, then re-enter make so that
# KVER and friends are read after the install.
PUBLIC := all module userspace check unit fuzz vm-test vm-test-rt vm-selftest \
	debug-check demo bench fixtures install deb
.PHONY: $(PUBLIC) deps style clean uninstall \
	_all _module _userspace _userspace-asan _userspace-tsan _userspace-fuzz \
	_initrd _selftest-module _bench-module _kernel-rt _module-rt _initrd-rt \
	_bonding-selftests _check _unit _fuzz _vm-test _vm-test-rt _vm-selftest \
	_debug-check _debug-run _demo _bench _kernel _fixtures \
	_install _install-kmod _userspace-install _dkms-remove _system-reload \
	_deb FORCE

$(PUBLIC): deps
	@$(MAKE) --no-print-directory _$@

deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | \
			grep -q '^install ok installed$$' || echo "$$p"; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi
	@kver=$$(dpkg-query -W -f='$${Depends}\n' linux-image-amd64 | \
		grep -o 'linux-image-[^ ,]*' | head -n1 | sed 's/^linux-image-//'); \
	if [ ! -d "/usr/src/linux-headers-$$kver" ]; then \
		echo "deps: installing linux-headers-$$kver to match the kernel image"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			--no-install-recommends "linux-headers-$$kver"; \
	fi

_kernel:
	@test -n "$(KVER)" || { echo "no packaged kernel: is linux-image-amd64 installed?" >&2; exit 1; }
	@test -f "$(VMLINUZ)" || { echo "$(VMLINUZ) missing (linux-image-$(KVER))" >&2; exit 1; }
	@test -d "$(KDIR)" || { echo "$(KDIR) missing (linux-headers-$(KVER))" >&2; exit 1; }

_kernel-rt:
	@test -n "$(RT_KVER)" || { echo "no PREEMPT_RT kernel: is linux-image-rt-amd64 installed?" >&2; exit 1; }
	@test -f "$(RT_VMLINUZ)" || { echo "$(RT_VMLINUZ) missing (linux-image-$(RT_KVER))" >&2; exit 1; }
	@test -d "$(RT_KDIR)" || { echo "$(RT_KDIR) missing (linux-headers-$(RT_KVER))" >&2; exit 1; }

_all: _module _userspace

_module: _kernel
	$(MAKE) -C kmod KDIR=$(KDIR) module

# kmod_build DIR KDIR: the module built for another kernel, from a copy of
# its source in DIR (Kbuild writes its objects next to the source, so each
# kernel needs its own copy): the files DKMS gets.
define kmod_build
	mkdir -p $(1)/kmod $(1)/include/exabond
	cp -p $(DKMS_FILES) $(1)/kmod/
	cp -p include/exabond/page.h $(1)/include/exabond/
	$(MAKE) -C $(2) M=$(1)/kmod modules
endef

_module-rt: _kernel-rt
	$(call kmod_build,$(BUILD)/kmod-rt,$(RT_KDIR))

_selftest-module: _kernel
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/selftest/kmod modules

# tests/bench/scale.sh times exabond's notifier with it.
_bench-module: _kernel
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/bench/kmod modules

_userspace:
	cmake -S userspace -B $(UB) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(UB) -j$(JOBS)

_userspace-asan:
	cmake -S userspace -B $(UB_ASAN) -DCMAKE_BUILD_TYPE=Debug \
		-DEXABOND_SANITIZE=ON >/dev/null
	cmake --build $(UB_ASAN) -j$(JOBS)

# Only the tests: the benchmarks are not run under TSan.
_userspace-tsan:
	cmake -S userspace -B $(UB_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DEXABOND_TSAN=ON -DEXABOND_BENCH=OFF >/dev/null
	cmake --build $(UB_TSAN) -j$(JOBS)

# libFuzzer is Clang's: a Clang build of the fuzz targets only.
_userspace-fuzz:
	CC=clang CXX=clang++ cmake -S userspace -B $(UB_FUZZ) \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXABOND_FUZZ=ON \
		-DEXABOND_TESTS=OFF -DEXABOND_BENCH=OFF >/dev/null
	cmake --build $(UB_FUZZ) -j$(JOBS)

_initrd: _kernel
	tests/vm/mkinitramfs.sh $(KVER) $(INITRD)

_initrd-rt: _kernel-rt
	tests/vm/mkinitramfs.sh $(RT_KVER) $(RT_INITRD)

# Bonding's own selftests, from the kernel source package, where the guest
# finds them (tests/vm/tests/bonding_selftests.sh).
_bonding-selftests: _userspace
	tests/vm/tools/extract-bonding-selftests.sh /usr/src/linux-source-6.1.tar.xz \
		$(UB)/bonding-selftests

_unit: _userspace _userspace-asan _userspace-tsan
	cd $(UB) && ctest --output-on-failure
	cd $(UB_ASAN) && ctest --output-on-failure
	cd $(UB_TSAN) && ctest --output-on-failure

_fuzz: _userspace-fuzz
	tests/fuzz/run.sh $(UB_FUZZ) $(FUZZ_SECONDS)

_vm-test: _module _userspace _initrd _deb _bonding-selftests
	python3 tests/vm/run.py $(VM_ARGS) --out $(BUILD)/vm $(T)

_vm-test-rt: _module-rt _userspace _initrd-rt _deb _bonding-selftests
	python3 tests/vm/run.py $(VM_ARGS_RT) --out $(BUILD)/vm-rt $(T)

_vm-selftest: _module _selftest-module _userspace _initrd
	python3 tests/vm/selftest/check.py $(VM_ARGS)

# The VM tests run on the PREEMPT_RT kernel too, as a tier beside the
# generic kernel's in a second VM (tests/check.sh); CHECK_RT=0 leaves it
# out (durations in tests/RELIABILITY.md).
CHECK_RT ?= 1
_check: _module _selftest-module _userspace _userspace-asan _userspace-tsan \
		_userspace-fuzz _initrd _deb _bonding-selftests \
		$(if $(filter 1,$(CHECK_RT)),_module-rt _initrd-rt)
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/check.sh --build $(BUILD) \
		$(if $(filter 1,$(CHECK_RT)),--rt "$(VM_RT_OVERRIDES)") -- $(VM_ARGS)

# The debug kernel's run. Its modules are mounted over /lib/modules/KVER in
# the guest; everything it needs is built in, so the initramfs loads none.
_debug-check: _userspace _deb _bonding-selftests
	@dir=$$(tests/vm/kernels/build-debug.sh $(DEBUG_KERNEL_CACHE) | tail -n1) && \
	kver=$$(cat $$dir/kernelrelease) && \
	$(MAKE) --no-print-directory _debug-run DEBUG_DIR=$$dir DEBUG_KVER=$$kver

DEBUG_OUT := $(BUILD)/vm-debug
_debug-run:
	$(call kmod_build,$(BUILD)/kmod-debug,$(DEBUG_DIR)/obj)
	tests/vm/mkinitramfs.sh $(DEBUG_KVER) $(BUILD)/vm-initrd-debug.gz \
		$(DEBUG_DIR)/modroot
	python3 tests/vm/run.py $(VM_ARGS) --kernel $(DEBUG_DIR)/bzImage \
		--initrd $(BUILD)/vm-initrd-debug.gz \
		--module $(BUILD)/kmod-debug/kmod/exabond.ko \
		--modules $(DEBUG_DIR)/modroot/lib/modules/$(DEBUG_KVER) \
		--env EXABOND_STORM_SECONDS=$(STORM_SECONDS_DEBUG) \
		--memory 3072 --slowdown 8 --out $(DEBUG_OUT) \
		--json $(DEBUG_OUT).json \
		$(or $(T),$(sort $(wildcard tests/vm/tests/*.sh)) \
			tests/vm/kernels/kmemleak_scan.sh)

_demo: _module _userspace _initrd
	python3 tests/vm/run.py $(VM_ARGS) --verbose --out $(BUILD)/demo \
		--tests-dir tests/vm/demo demo

# The guest's writes stay in the VM: capture.sh prints the fixtures on the
# log port and extract.py writes them into the tree.
_fixtures: _module _userspace _initrd
	python3 tests/vm/run.py $(VM_ARGS) --out $(BUILD)/fixtures \
		--tests-dir tests/vm/fixtures capture
	python3 tests/vm/fixtures/extract.py $(BUILD)/fixtures \
		tests/unit/rtnl/fixtures

_bench: _module _userspace _initrd _bench-module
	tests/bench/tools/reader_host.sh $(UB) $(BUILD)/bench-host
	python3 tests/vm/run.py $(VM_ARGS) --verbose --out $(BUILD)/bench \
		--tests-dir tests/bench --test-timeout 900 $(T)
	tests/bench/tools/report.sh $(BUILD)/bench $(KVER) $(BUILD)/bench-host \
		> tests/bench/REPORT.md.tmp
	mv tests/bench/REPORT.md.tmp tests/bench/REPORT.md
	@echo "bench: figures in tests/bench/REPORT.md"

# --- install, uninstall, deb ---------------------------------------------------

# The one version: project(exabond VERSION ...) in userspace/CMakeLists.txt.
# dkms.conf gets it here; debian/rules checks that debian/changelog agrees.
VERSION := $(shell sed -n 's/^project.exabond VERSION \([0-9][0-9.]*\).*/\1/p' \
	userspace/CMakeLists.txt)

PREFIX ?= /usr/local
DESTDIR ?=
# udev reads rules only from its own directories, whatever PREFIX is.
UDEVDIR ?= $(shell pkg-config --variable=udevdir udev 2>/dev/null || echo /lib/udev)
DKMS_SRC = $(DESTDIR)/usr/src/exabond-$(VERSION)
UDEV_RULE = $(DESTDIR)$(UDEVDIR)/rules.d/60-exabond.rules
# What DKMS needs to build the module: kmod/ and the ABI header beside it,
# where Kbuild's -I$(src)/../include finds it.
DKMS_FILES = kmod/Kbuild kmod/Makefile \
	$(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h)
UB_INSTALL := $(BUILD)/userspace-install

# Userspace as installed: its own build, configured for PREFIX (the unit
# and pkg-config files name it), without tests and benchmarks.
_userspace-install:
	cmake -S userspace -B $(UB_INSTALL) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) -DEXABOND_TESTS=OFF \
		-DEXABOND_BENCH=OFF -DEXABOND_EXAMPLES=OFF >/dev/null
	cmake --build $(UB_INSTALL) -j$(JOBS)

# The module's source for DKMS and the udev rule, under DESTDIR. Also what
# debian/rules installs into the exabond-dkms package.
_install-kmod:
	@test -n "$(VERSION)" || { echo "install: no version in userspace/CMakeLists.txt's project()" >&2; exit 1; }
	rm -rf $(DKMS_SRC)
	install -d -m 0755 $(DKMS_SRC)/kmod $(DKMS_SRC)/include/exabond
	install -m 0644 $(DKMS_FILES) $(DKMS_SRC)/kmod/
	install -m 0644 include/exabond/page.h $(DKMS_SRC)/include/exabond/
	sed 's/#MODULE_VERSION#/$(VERSION)/' kmod/dkms.conf > $(DKMS_SRC)/dkms.conf
	install -D -m 0644 kmod/60-exabond.rules $(UDEV_RULE)

# Without DESTDIR: also register the source with DKMS, build and install
# the module for KVER (DKMS rebuilds it for later 6.1 kernels by itself),
# and tell ld.so, udev and systemd.
_install: _userspace-install
	$(if $(DESTDIR),,@$(MAKE) --no-print-directory _dkms-remove)
	@$(MAKE) --no-print-directory _install-kmod
	DESTDIR=$(DESTDIR) cmake --install $(UB_INSTALL)
ifeq ($(DESTDIR),)
	@$(MAKE) --no-print-directory _kernel
	dkms add -m exabond -v $(VERSION)
	dkms install -m exabond -v $(VERSION) -k $(KVER)
	@$(MAKE) --no-print-directory _system-reload
	@echo "install: done; exabond.ko is installed for $(KVER): modprobe exabond"
endif

_dkms-remove:
	@if command -v dkms >/dev/null && \
	    [ -n "$$(dkms status -m exabond -v $(VERSION))" ]; then \
		echo "dkms remove -m exabond -v $(VERSION) --all"; \
		dkms remove -m exabond -v $(VERSION) --all; \
	fi

_system-reload:
	-ldconfig
	-if udevadm control --ping >/dev/null 2>&1; then \
		udevadm control --reload && \
		udevadm trigger --subsystem-match=exabond; fi
	-if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# What cmake --install wrote is in its manifest; the DKMS source and the
# udev rule are ours.
uninstall:
	$(if $(DESTDIR),,@$(MAKE) --no-print-directory _dkms-remove)
	rm -rf $(DKMS_SRC)
	rm -f $(UDEV_RULE)
	@manifest=$(UB_INSTALL)/install_manifest.txt; \
	if [ ! -f "$$manifest" ]; then \
		echo "uninstall: $$manifest is missing: nothing recorded" \
			"what make install put under PREFIX (same BUILD=?)" >&2; \
		exit 1; \
	fi; \
	echo "uninstall: removing the $$(wc -l < "$$manifest") files in $$manifest"; \
	xargs -r -d '\n' rm -f < "$$manifest"; \
	sed 's|/[^/]*$$||' "$$manifest" | sort -u | grep '/exabond$$' | \
		xargs -r -d '\n' rmdir --ignore-fail-on-non-empty
ifeq ($(DESTDIR),)
	@$(MAKE) --no-print-directory _system-reload
endif

# The packages, built out of tree: dpkg-buildpackage runs in a copy of what
# a clone has of the directories the packages are built from (tracked
# files, and new ones git does not ignore) and writes the .deb files next
# to it, in $(DEB). Rebuilt only when one of those files changed or the
# list of them did (a change to tests/ alone rebuilds nothing).
DEB := $(BUILD)/deb
DEB_DIRS := Makefile README.md debian include kmod userspace
BUILD_IN_TREE := $(patsubst $(CURDIR)/%,%,$(filter $(CURDIR)/%,$(abspath $(BUILD))))
DEB_INPUTS = $(filter-out $(if $(BUILD_IN_TREE),$(BUILD_IN_TREE)/%), \
	$(wildcard $(shell git ls-files -co --exclude-standard -- $(DEB_DIRS) \
		2>/dev/null)))

_deb: $(DEB)/.built

$(DEB)/.inputs: FORCE
	@git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { \
		echo "deb: $(CURDIR) is not a git checkout: the packages are" \
			"built from the files git lists" >&2; exit 1; }
	@mkdir -p $(DEB)
	@printf '%s\n' $(DEB_INPUTS) > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

.SECONDEXPANSION:
$(DEB)/.built: $(DEB)/.inputs $$(DEB_INPUTS)
	@echo "deb: dpkg-buildpackage in $(DEB)/src (log: $(DEB)/build.log)"
	rm -rf $(DEB)/src $(DEB)/*.deb $(DEB)/*.changes $(DEB)/*.buildinfo
	mkdir -p $(DEB)/src
	@tar -cf - -T $(DEB)/.inputs | tar -xf - -C $(DEB)/src
	@start=$$(date +%s); \
	if ! (cd $(DEB)/src && dpkg-buildpackage -b -us -uc -j$(JOBS)) \
			> $(DEB)/build.log 2>&1; then \
		tail -n 40 $(DEB)/build.log; \
		echo "deb: dpkg-buildpackage failed; the log is $(DEB)/build.log," \
			"the tree $(DEB)/src" >&2; \
		exit 1; \
	fi; \
	echo "deb: built in $$(($$(date +%s) - start)) s:"; \
	cd $(DEB) && ls -1 *.deb
	rm -rf $(DEB)/src
	@touch $@

# checkpatch.pl comes from Debian's linux-source-6.1 tarball.
CHECKPATCH_DIR := $(BUILD)/checkpatch
style:
	@dpkg-query -W -f='$${Status}\n' linux-source-6.1 2>/dev/null | \
		grep -q '^install ok installed$$' || \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			--no-install-recommends linux-source-6.1
	@test -x $(CHECKPATCH_DIR)/scripts/checkpatch.pl || { \
		mkdir -p $(CHECKPATCH_DIR) && \
		tar -C $(CHECKPATCH_DIR) --strip-components=1 -xf \
			/usr/src/linux-source-6.1.tar.xz \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch; }
	$(MAKE) -C kmod CHECKPATCH=$(CHECKPATCH_DIR)/scripts/checkpatch.pl style

clean:
	-$(MAKE) -C kmod KDIR=$(KDIR) clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/selftest/kmod clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/bench/kmod clean
	rm -rf $(BUILD)
