# coophub: the two commands of the README, and the rest of the developer loop.
#   make demo    install what is missing, build (Release), start the hub with the demo (PORT=8080)
#   make test    install what is missing, build with ASan+UBSan, run every test (ctest),
#                then fuzz the API for FUZZ_SECONDS (30) and connector output for 20 s
#                with libFuzzer (clang), seed 1:
#                the same exploration every run, a regression check over the seed corpus
#   make fuzz    the same fuzzing, for FUZZ_SECONDS=600 and a random seed: to find new bugs
#   make bench   install what is missing, build (Release), print the benchmark table
#   make install PREFIX=/usr/local
SHELL := /bin/bash
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
PORT ?= 8080
RELEASE := build/release
TESTDIR := build/test
FUZZDIR := build/fuzz
FUZZ_SECONDS ?= 30
CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

.PHONY: all deps release demo test fuzz fuzz-run bench install clean

all: release

deps:
	@scripts/install-deps.sh build

release: deps
	@cmake -S . -B $(RELEASE) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

demo: release
	@# A demo admin, so that the tour can sign in (its password is in examples/demo/).
	@$(RELEASE)/hub/coophub user add demo --admin --password-file examples/demo/demo-password \
	  --data build/demo-data >/dev/null 2>&1 || true
	@echo "coophub demo: starting the hub with examples/demo (Ctrl-C stops it; another port: make demo PORT=9090)"
	@echo "  demo account: demo / $$(cat examples/demo/demo-password)"
	$(RELEASE)/hub/coophub serve --data build/demo-data --port $(PORT)

test:
	@scripts/install-deps.sh test
	@cmake -S . -B $(TESTDIR) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug -DCOOPHUB_SANITIZE=ON -DCOOPHUB_TESTS=ON >/dev/null
	@cmake --build $(TESTDIR) -j $(JOBS)
	@cd $(TESTDIR) && ctest --output-on-failure -j $(JOBS) --timeout 300
	@$(MAKE) --no-print-directory fuzz-run FUZZ_FLAGS=-seed=1

fuzz:
	@scripts/install-deps.sh test
	@$(MAKE) --no-print-directory fuzz-run FUZZ_SECONDS=$(if $(filter 30,$(FUZZ_SECONDS)),600,$(FUZZ_SECONDS))

# The libFuzzer targets, built by clang (with the hub, for its lock analysis), each run from its seed corpus
# (copied: what the fuzzer adds stays in the build tree): api_fuzz over requests for
# FUZZ_SECONDS, protocol_fuzz over connector output for two thirds of that. Any finding
# fails the run.
FUZZ_TARGETS := api_fuzz:tests/fuzz/corpus protocol_fuzz:tests/fuzz/protocol-corpus
fuzz-run:
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZDIR) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOOPHUB_FUZZ=ON >/dev/null
	@# The whole hub too: clang checks every module's locking (-Wthread-safety) as it builds.
	@cmake --build $(FUZZDIR) -j $(JOBS) --target api_fuzz protocol_fuzz coophub coophub-worker
	@set -e; for t in $(FUZZ_TARGETS); do \
	  name=$${t%%:*}; seeds=$${t#*:}; secs=$(FUZZ_SECONDS); \
	  [ $$name = api_fuzz ] || secs=$$(( $(FUZZ_SECONDS) * 2 / 3 )); \
	  mkdir -p $(FUZZDIR)/$$name-corpus $(FUZZDIR)/findings && cp $$seeds/* $(FUZZDIR)/$$name-corpus/; \
	  echo "fuzzing $$name for $$secs s (findings go to $(FUZZDIR)/findings/)"; \
	  $(FUZZDIR)/tests/fuzz/$$name -max_total_time=$$secs $(FUZZ_FLAGS) -timeout=10 -rss_limit_mb=4096 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZDIR)/findings/ $(FUZZDIR)/$$name-corpus 2>&1 | \
	    grep -E '^(stat::number_of_executed_units|stat::new_units_added|==|SUMMARY|.* answered [0-9]+:|terminate)' ; \
	  test $${PIPESTATUS[0]} -eq 0; \
	done

bench:
	@scripts/install-deps.sh bench
	@cmake -S . -B $(RELEASE) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release -DCOOPHUB_TESTS=ON >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)
	@bench/run.sh $(RELEASE)

install: release
	@cmake --install $(RELEASE) --prefix $(PREFIX)

clean:
	rm -rf build
