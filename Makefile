# braid — build, test and run.  `make demo` runs braid, `make check` runs every test.
# Both install missing Debian packages first (scripts/install-deps).

BUILD   ?= build
CC      ?= cc
PKGS    := jansson sqlite3 libsodium libmicrohttpd
WERROR  ?= $(if $(CI),-Werror,)
SAN     ?=
OPT     ?= -O2

CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g $(OPT) \
           -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
           -Wformat=2 -Wno-format-nonliteral $(WERROR) $(SAN) \
           -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -lpthread
TEST_LDLIBS := $(shell pkg-config --libs cmocka libcurl 2>/dev/null) $(LDLIBS)

LIB_SRC := $(wildcard src/core/*.c src/store/*.c src/app/*.c src/http/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c tests/store/test_*.c tests/cli/test_*.c tests/api/test_*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))

.PHONY: all deps check asan demo fmt lint fuzz clean

all: deps $(BUILD)/braid

deps:
	@scripts/install-deps --check 2>/dev/null || scripts/install-deps

$(BUILD)/libbraid.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/braid: $(CLI_OBJ) $(BUILD)/libbraid.a
	@echo "  LINK $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libbraid.a tests/testutil.h $(wildcard tests/*/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libbraid.a $(TEST_LDLIBS)

check: deps $(BUILD)/braid $(TESTS)
	@BRAID=$(BUILD)/braid tests/run $(TESTS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) --no-print-directory check BUILD=build-asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

demo: all
	$(BUILD)/braid exits --input examples/people.jsonl --as-of 2026-11-23

fuzz: deps
	@scripts/install-deps --check
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Isrc \
	    -fsanitize=fuzzer,address,undefined $(shell pkg-config --cflags jansson) \
	    -o $(BUILD)/fuzz_bundle tests/fuzz/fuzz_bundle.c src/app/bundle.c src/app/catalog_file.c \
	    src/core/*.c $(shell pkg-config --libs jansson) -lm
	@mkdir -p $(BUILD)/fuzz-corpus
	$(BUILD)/fuzz_bundle -max_total_time=60 -dict=tests/fuzz/bundle.dict $(BUILD)/fuzz-corpus tests/fuzz/corpus

# Benchmarks, not tests: a demo database of SIZE people (or several: SIZE="10000 100000"), and
# braid's exit runs timed against an SQL peer; figures are appended to bench/README.md.
SIZE ?= 100000
.PHONY: bench
bench:
	bench/run $(SIZE)

# The exit engine over people generated in memory, against a naive peer (bench/run's step g).
$(BUILD)/bench_exit: bench/bench_exit.c $(BUILD)/libbraid.a $(wildcard src/*/*.h)
	@echo "  LINK $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libbraid.a $(LDLIBS)

fmt:
	clang-format -i src/*/*.c src/*/*.h tests/*/*.c

lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 -Isrc src

clean:
	rm -rf build build-asan

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
