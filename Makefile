# The two commands a new user runs: `make demo` and `make test`. Each installs what is missing,
# builds, then runs the demo or every test. CI adds `make sanitize` and `make tsan` (.ci/run).
BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps build demo test sanitize tsan zoo conformance clean

all: build

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

zoo: build
	/usr/bin/python3 tests/models/export_zoo.py $(BUILD)/zoo

demo: zoo
	bash scripts/demo.sh $(BUILD)

# Unit tests, CLI error-path tests, ONNX conformance, the installed package (tests/install)
# and the zoo models against PyTorch.
test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The unit tests and conformance again under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZENITH_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -LE models

# The API's concurrency tests (suites Api and ApiAsync) under ThreadSanitizer, built alone and at
# -O1 to keep CI short. tests/tsan.supp says what it suppresses and why.
tsan: deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DZENITH_SANITIZE_THREAD=ON $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD) -j$(JOBS) --target zenith_concurrency_tests
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp second_deadlock_stack=1" \
	  $(TSAN_BUILD)/zenith_concurrency_tests

conformance: build
	$(BUILD)/zenith-conformance /usr/share/libonnx-testdata/data -j$(JOBS) \
	  --skip-list tests/conformance/skip_list.txt --json $(BUILD)/conformance.json

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
