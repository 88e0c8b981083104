# coophub: the two commands of the README, and the rest of the developer loop.
#   make demo    install what is missing, build (Release), start the hub with the demo (PORT=8080)
#   make test    install what is missing, build with ASan+UBSan, run every test (ctest)
#   make bench   install what is missing, build (Release), print the benchmark table
#   make install PREFIX=/usr/local
SHELL := /bin/bash
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
PORT ?= 8080
RELEASE := build/release
TESTDIR := build/test
CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

.PHONY: all deps release demo test bench install clean

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

bench:
	@scripts/install-deps.sh bench
	@cmake -S . -B $(RELEASE) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release -DCOOPHUB_TESTS=ON >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)
	@bench/run.sh $(RELEASE)

install: release
	@cmake --install $(RELEASE) --prefix $(PREFIX)

clean:
	rm -rf build
