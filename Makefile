# The two commands a new user runs: `make demo` and `make test`. Each installs what is missing,
# builds, then runs the demo or every test. CI adds `make sanitize`, `make tsan` and `make fuzz`
# (.ci/run).
BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= 2
CMAKE_FLAGS ?=
# The plain tree builds unity too (as the sanitizer tree does, below): from a fresh clone the
# demo's targets took 382 s instead of 759 s on 2 cores, and the binaries ran as fast (ResNet-50
# 113.8 / 114.3 ms). UNITY=OFF builds file by file, quicker to rebuild after a one-file change.
UNITY ?= ON

.PHONY: all deps configure build demo test sanitize tsan fuzz zoo conformance clean

all: build

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_UNITY_BUILD=$(UNITY) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# The zoo models: torchvision's (seeded weights) and the trained Fashion-MNIST CNN (stamped: each
# is made once per recipe).
zoo: build
	/usr/bin/python3 tests/models/export_zoo.py $(BUILD)/zoo
	/usr/bin/python3 tests/models/train_fashion_mnist.py $(BUILD)/zoo

# The demo builds only what it runs, not the tests, and reuses what is built and exported: the CLI
# first; scripts/demo.sh builds the Python module and the timer beside ONNX Runtime, and trains
# the Fashion-MNIST CNN, when it reaches the parts that need them, after the first results.
demo: configure
	@echo "== building the zenith CLI (the rest when the demo needs it; the tests are left to make test) =="
	cmake --build $(BUILD) -j$(JOBS) --target zenith
	@echo "== exporting the model zoo from torchvision (once; later runs reuse it) =="
	/usr/bin/python3 tests/models/export_zoo.py $(BUILD)/zoo
	JOBS=$(JOBS) bash scripts/demo.sh $(BUILD)

# Unit tests, CLI error-path tests, ONNX conformance, the installed package (tests/install)
# and the zoo models against PyTorch.
test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The unit tests, the CLI's tests and conformance again under AddressSanitizer +
# UndefinedBehaviorSanitizer, at -O1 with line tables only (at -O2 -g, building this tree took
# most of CI's 1367 s here), building only what those tests run: not the benchmark tools or the
# shared library, which the plain tree's tests cover. A unity build (CMake joins up to 8 sources
# of a target into one file), for CI, which builds it once: so two .cpp files of one target may
# not both define a name in an anonymous namespace. CMakeLists.txt says which checks the tests'
# own code and the UBSan set leave out, and why; the unit tests run as four gtest shards.
sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DZENITH_SANITIZE=ON -DCMAKE_UNITY_BUILD=ON \
	  $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target zenith_tests zenith zenith-conformance
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -LE models

# The API's concurrency tests (suites Api and ApiAsync), GradientReducer's and the serving
# threads' under ThreadSanitizer, built alone, unity and at -O1 to keep CI short (file by file it
# took 377 s of a CI-like run on 2 cores); ApiZoo reads models that only `make test`'s tree has.
# tests/tsan.supp says what it suppresses and why. The run is cut at 15 minutes (it takes
# seconds): a test slowed to a crawl fails here instead of eating CI.
tsan: deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DZENITH_SANITIZE_THREAD=ON -DCMAKE_UNITY_BUILD=ON \
	  $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD) -j$(JOBS) --target zenith_concurrency_tests
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp second_deadlock_stack=1" \
	  timeout 900 $(TSAN_BUILD)/zenith_concurrency_tests --gtest_filter=-*Zoo*

# The .zir reader under libFuzzer (clang, AddressSanitizer + UBSan) for FUZZ_SECONDS, from seeds
# written by the current code; the corpus it grows stays in $(FUZZ_BUILD)/zir_corpus, and the
# input of a finding (crash-*, leak-*, timeout-*) is written to $(FUZZ_BUILD).
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DZENITH_FUZZ=ON -DZENITH_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target zir_fuzz zir_fuzz_seeds
	$(FUZZ_BUILD)/zir_fuzz_seeds $(FUZZ_BUILD)/zir_seeds
	mkdir -p $(FUZZ_BUILD)/zir_corpus
	$(FUZZ_BUILD)/zir_fuzz $(FUZZ_BUILD)/zir_corpus $(FUZZ_BUILD)/zir_seeds -dict=tests/fuzz/zir.dict \
	  -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/

conformance: build
	$(BUILD)/zenith-conformance /usr/share/libonnx-testdata/data -j$(JOBS) \
	  --skip-list tests/conformance/skip_list.txt --json $(BUILD)/conformance.json

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
