# Stackless Python 3.13: the build driver.
#
# The interpreter is CPython 3.13.5 (fetched, verified, never committed)
# plus patches/ plus the overlay (Stackless/, Include/, Lib/), materialised
# in build/src and built out of tree.  See docs/building.md.

SHELL := /bin/bash
PREFIX ?= /usr/local
BUILD := build
TOOLS := tools

.PHONY: all run test deps src debug asan stock patches check-patches \
	reset-src install dist parity bench bench-quick clean distclean \
	test-variants clinic fuzz fuzz-pickle stress-threads softonly

# Build the release interpreter; ./python runs it.
all: deps
	$(TOOLS)/build.sh release
	ln -sfn $(BUILD)/release/python python

# The showcase: many tasklets talking over channels.
run: all
	./python examples/showcase.py

# The project's tests, an installed-interpreter smoke test and CPython's
# full regression suite, compared against stock 3.13.5.
test: all
	$(TOOLS)/run-tests.sh

# test_stackless under -X dev, a debug build's refleak run (-R 3:3) and
# the AddressSanitizer build: what a change to Stackless/ must pass.
test-variants: all debug asan
	$(TOOLS)/test-variants.sh

# The random fuzzer over many seeds on the release, debug and ASan builds
# (make test runs a few; see tools/fuzz.sh for the knobs).
fuzz: all debug asan
	$(TOOLS)/fuzz.sh

# Mutated tasklet pickles, loaded and run, on the release, debug and ASan
# builds (make test runs a few hundred; see tools/fuzz-pickle.sh).
fuzz-pickle: all debug asan
	$(TOOLS)/fuzz-pickle.sh

# Randomized cross-thread channel traffic checked against a message model
# (Lib/test/test_stackless/thread_stress.py), many seeds, on the release
# and ASan builds; make test runs three short seeds.
stress-threads: all asan
	$(TOOLS)/stress-threads.sh

deps:
	$(TOOLS)/install-deps.sh

# Create or update the fork tree only.
src:
	$(TOOLS)/materialise.sh

debug: deps
	$(TOOLS)/build.sh debug

asan: deps
	$(TOOLS)/build.sh asan

# The soft-only interpreter (no C stack slicing), build/softonly/python.
softonly: deps
	$(TOOLS)/build.sh softonly

stock: deps
	$(TOOLS)/build.sh stock

# Regenerate the Argument Clinic parsers of Stackless/module
# (Stackless/module/clinic/*.c.h, committed like CPython's).
clinic: all
	$(TOOLS)/clinic.sh

# Export the commits made in build/src into patches/.
patches:
	$(TOOLS)/export-patches.sh

# Fail when build/src holds upstream edits that patches/ lacks.
check-patches:
	$(TOOLS)/check-patches.sh

# Throw away build/src (and its unexported edits); the next build re-creates it.
reset-src:
	rm -rf $(BUILD)/src

install: all
	$(TOOLS)/install.sh release "$(PREFIX)"

# A source tarball of the fork tree that builds with ./configure && make.
dist: src
	$(TOOLS)/dist.sh

# Run the regression suite on stock 3.13.5 and record what fails or is
# skipped there (tests/regrtest-stock.txt).
parity: stock
	$(TOOLS)/parity.sh

# Benchmarks against the alternatives (bench/README.md): stock 3.13.5 for
# asyncio, threads and the CPU-bound set; greenlet, gevent and PyPy from
# Debian.  Results and plots go to bench/results/.
# Then the CPU-bound set once more, counting instructions under valgrind:
# exact where wall-clock time drifts (bench/instructions.py).
BENCH_PACKAGES := pypy3 python3-greenlet python3-gevent gnuplot-nox valgrind
bench: all stock
	-$(TOOLS)/install-deps.sh $(BENCH_PACKAGES)
	./python bench/run.py
	./python bench/pickling.py | tee bench/results/pickling.txt
	./python bench/threads.py | tee bench/results/threads.txt
	./python bench/preempt.py | tee bench/results/preempt.txt
	./python bench/capi.py | tee bench/results/capi.txt
	./python bench/aio.py | tee bench/results/aio.txt
	./python bench/instructions.py --json bench/results/instructions.json \
		| tee bench/results/instructions.txt

bench-quick: all
	./python bench/run.py --quick
	./python bench/pickling.py --quick
	./python bench/preempt.py --quick
	./python bench/capi.py --quick
	./python bench/aio.py --quick

clean:
	rm -rf $(BUILD) python dist

# Also forget the cached upstream tarball.
distclean: clean
	rm -rf $${SLP_CACHE:-$$HOME/.cache/stackless-python}
