# airssys-wasm: top-level driver. `make` installs missing build dependencies,
# finds or builds the Wasmtime C API (cached outside the checkout), then builds
# the library, the CLI, the guests, the examples and the tests with CMake.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
export PATH := $(HOME)/.cargo/bin:$(PATH)

WASMTIME_PREFIX = $(shell cat $(BUILD)/.wasmtime-prefix 2>/dev/null)
GUEST_TOOLS ?= $(or $(AW_GUEST_TOOLS),$(HOME)/.cache/airssys-wasm/guest-tools)
# Sanitizer builds reuse the main build's WIT components (uninstrumented wasm).
SHARED_COMPONENTS = -DAW_GUEST_TOOLS=$(GUEST_TOOLS) -DAW_COMPONENT_DIR=$(CURDIR)/$(BUILD)/guests

.PHONY: all deps wasmtime configure test test-sanitize test-tsan bench install docs clean help
all: $(BUILD)/.configured
	cmake --build $(BUILD) -j$(JOBS)

help:
	@echo "make                 build everything (installs missing deps first)"
	@echo "make test            run the whole test suite (ctest)"
	@echo "make test-sanitize   build and run the suite under ASan+UBSan"
	@echo "make test-tsan       build and run the runtime tests under ThreadSanitizer"
	@echo "make bench           run the benchmarks (JSON lines)"
	@echo "make install         install headers, library, CLI, pkg-config (PREFIX=$(PREFIX))"
	@echo "make docs            API reference from the headers (Doxygen): $(BUILD)/docs/html/index.html"

deps:
	@scripts/install-deps.sh

wasmtime: deps
	@mkdir -p $(BUILD)
	@deps/wasmtime/build.sh > $(BUILD)/.wasmtime-prefix.tmp && mv $(BUILD)/.wasmtime-prefix.tmp $(BUILD)/.wasmtime-prefix

$(BUILD)/.configured: CMakeLists.txt deps/wasmtime/Cargo.toml deps/wasmtime/src/lib.rs
	@$(MAKE) --no-print-directory wasmtime
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DWASMTIME_DIR=$$(cat $(BUILD)/.wasmtime-prefix) -DCMAKE_INSTALL_PREFIX=$(PREFIX) -DAW_GUEST_TOOLS=$(GUEST_TOOLS)
	@touch $@

test: all
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-sanitize: all
	@$(MAKE) --no-print-directory wasmtime BUILD=$(ASAN_BUILD)
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAW_SANITIZE=address,undefined -DWASMTIME_DIR=$$(cat $(ASAN_BUILD)/.wasmtime-prefix) $(SHARED_COMPONENTS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:allow_user_segv_handler=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

# 100k+ live actors need more memory mappings than the kernel default allows.
# The engine is Rust and not instrumented: it is linked as a shared library so
# that TSan can ignore it as a module; see scripts/tsan.supp.
TSAN_TESTS = mailbox|registry|actor|native|messaging|pubsub|timers|deadline|runtime|trap|supervision|hostile|capabilities|wit|pipeline|upgrade|route|pipeline_data|cli_up_admin|managed_host|test_admin
test-tsan: all
	@$(MAKE) --no-print-directory wasmtime BUILD=$(TSAN_BUILD)
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAW_SANITIZE=thread -DAW_WASMTIME_SHARED=ON -DWASMTIME_DIR=$$(cat $(TSAN_BUILD)/.wasmtime-prefix) $(SHARED_COMPONENTS)
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=1 suppressions=$(CURDIR)/scripts/tsan.supp" ctest --output-on-failure -j$(JOBS) -R '$(TSAN_TESTS)'

bench: all
	@[ "$$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 0)" -ge 1048576 ] || \
	  sysctl -qw vm.max_map_count=1048576 2>/dev/null || \
	  echo "bench: cannot raise vm.max_map_count; max_live_wasm_actors will be limited" >&2
	@sync; sleep 2  # let the build's disk writeback settle before timing anything
	$(BUILD)/aw-bench

install: all
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)
	cmake --install $(BUILD)

# The API reference needs only doxygen, not the engine build. docs/Doxyfile
# turns every warning (an undocumented public symbol, a bad command) into a
# failure; the version comes from the AW_VERSION_* macros.
docs:
	@command -v doxygen >/dev/null 2>&1 || { echo "docs: doxygen not found; run scripts/install-deps.sh or apt-get install doxygen" >&2; exit 1; }
	@rm -rf $(BUILD)/docs && mkdir -p $(BUILD)/docs
	( cat docs/Doxyfile; \
	  echo "OUTPUT_DIRECTORY = $(BUILD)/docs"; \
	  echo "PROJECT_NUMBER = $$(sed -n 's/^#define AW_VERSION_[A-Z]* \([0-9]*\).*/\1/p' include/airssys/airssys.h | paste -sd. -)" \
	) | doxygen -
	@echo "docs: $(BUILD)/docs/html/index.html"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
