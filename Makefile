# The front door: every command a user or CI needs.
BUILD_DIR      ?= build
SANITIZE_DIR   ?= build-sanitize
MINNOW_NATIVE  ?= ON
MINNOW_WERROR  ?= OFF
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=

DEB_PACKAGES := cmake g++ make libopenblas-dev catch2 libfmt-dev libcxxopts-dev zlib1g-dev \
                nlohmann-json3-dev dataset-fashion-mnist librsvg2-bin

.PHONY: all deps build test sanitize bench bench-compare demo data clean

all: build

deps:
	@./scripts/install-deps.sh $(DEB_PACKAGES)

build:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DMINNOW_NATIVE=$(MINNOW_NATIVE) \
	      -DMINNOW_WERROR=$(MINNOW_WERROR) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

sanitize: deps
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DMINNOW_SANITIZE=ON \
	      -DMINNOW_WERROR=$(MINNOW_WERROR) $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target minnow_tests
	cd $(SANITIZE_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	      ctest --output-on-failure -j $(JOBS)

bench: deps build data
	$(BUILD_DIR)/bin/minnow_bench --out $(BUILD_DIR)/bench.json

demo: deps build data
	$(BUILD_DIR)/bin/minnow compare --model mlp --data data/mnist --epochs 5 --out runs/compare

data: deps
	./data/prepare.sh

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
