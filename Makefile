# SPDX-License-Identifier: GPL-2.0
#
# exabond: the one entry point. It installs what is missing with apt-get,
# delegates the module to Kbuild (kmod/) and userspace to CMake (userspace/).
#
#   make            build the module and userspace
#   make check      every test: host unit tests (plain and ASan+UBSan), the
#                   VM tests and the VM harness self-test
#   make demo       boot the packaged kernel in qemu and show a live failover
#   make fixtures   capture rtnetlink messages of real bonds in the VM into
#                   tests/unit/rtnl/fixtures/ (the parser's unit tests)
#   make bench      benchmarks on the host and in the VM; figures into
#                   tests/bench/REPORT.md
#   make unit       host unit tests only (plain, ASan+UBSan, TSan)
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make vm-test    VM tests; T="name ..." for some, V=1 to stream output
#   make vm-selftest  prove the harness fails what fails
#   make style      checkpatch on the module and the ABI header
#   make deps       install the Debian packages everything needs
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
	iproute2 ethtool jq procps python3 ifenslave curl \
	libnl-3-dev libnl-route-3-dev libmnl-dev libboost-dev libspdlog-dev \
	nlohmann-json3-dev libsystemd-dev \
	libgtest-dev libbenchmark-dev clang libclang-rt-14-dev

# The packaged kernel: the image linux-image-amd64 depends on. Evaluated
# lazily, after `deps` has installed it.
KVER ?= $(shell dpkg-query -W -f='$${Depends}\n' linux-image-amd64 2>/dev/null | \
	grep -o 'linux-image-[^ ,]*' | head -n1 | sed 's/^linux-image-//')
KDIR ?= /usr/src/linux-headers-$(KVER)
VMLINUZ ?= /boot/vmlinuz-$(KVER)

MODULE := kmod/exabond.ko
SELFTEST_MODULE := tests/vm/selftest/kmod/exabond_vm_selftest.ko
INITRD := $(BUILD)/vm-initrd.gz
UB := $(BUILD)/userspace
UB_ASAN := $(BUILD)/userspace-asan
UB_TSAN := $(BUILD)/userspace-tsan
UB_FUZZ := $(BUILD)/userspace-fuzz
FUZZ_SECONDS ?= 60

VM_ARGS = --kernel $(VMLINUZ) --initrd $(INITRD) --module $(CURDIR)/$(MODULE) \
	--build $(UB) $(if $(V),--verbose)

# Targets that need packages run `deps` first, then re-enter make so that
# KVER and friends are read after the install.
PUBLIC := all module userspace check unit fuzz vm-test vm-selftest demo bench \
	fixtures
.PHONY: $(PUBLIC) deps style clean \
	_all _module _userspace _userspace-asan _userspace-tsan _userspace-fuzz \
	_initrd _selftest-module \
	_check _unit _fuzz _vm-test _vm-selftest _demo _bench _kernel _fixtures

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

_all: _module _userspace

_module: _kernel
	$(MAKE) -C kmod KDIR=$(KDIR) module

_selftest-module: _kernel
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/selftest/kmod modules

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

_unit: _userspace _userspace-asan _userspace-tsan
	cd $(UB) && ctest --output-on-failure
	cd $(UB_ASAN) && ctest --output-on-failure
	cd $(UB_TSAN) && ctest --output-on-failure

_fuzz: _userspace-fuzz
	tests/fuzz/run.sh $(UB_FUZZ) $(FUZZ_SECONDS)

_vm-test: _module _userspace _initrd
	python3 tests/vm/run.py $(VM_ARGS) --out $(BUILD)/vm $(T)

_vm-selftest: _module _selftest-module _userspace _initrd
	python3 tests/vm/selftest/check.py $(VM_ARGS)

_check: _module _selftest-module _userspace _userspace-asan _userspace-tsan \
		_userspace-fuzz _initrd
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/check.sh --build $(BUILD) -- $(VM_ARGS)

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

_bench: _module _userspace _initrd
	tests/bench/tools/reader_host.sh $(UB) $(BUILD)/bench-host
	python3 tests/vm/run.py $(VM_ARGS) --verbose --out $(BUILD)/bench \
		--tests-dir tests/bench --test-timeout 900 $(T)
	tests/bench/tools/report.sh $(BUILD)/bench $(KVER) $(BUILD)/bench-host \
		> tests/bench/REPORT.md.tmp
	mv tests/bench/REPORT.md.tmp tests/bench/REPORT.md
	@echo "bench: figures in tests/bench/REPORT.md"

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
	rm -rf $(BUILD)
