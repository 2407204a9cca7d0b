# Two entry points a new user needs: `make grade-samples` and `make test`.
# Both create the virtual environment first (.venv), so nothing is installed by hand.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# System tools: bubblewrap (the sandbox) and graphviz (plot_model). Installed when we are root
# with apt-get (as on CI); elsewhere tfgrade still runs, unsandboxed, and says so.
SYSTEM_TOOLS := bwrap:bubblewrap dot:graphviz tesseract:tesseract-ocr setpriv:util-linux prlimit:util-linux
# Only the tests need these: chromium renders the class report to a screenshot.
TEST_TOOLS := chromium:chromium
# A font with Hangul, for the screenshot test of a Korean feedback page (issue 14).
CJK_FONT := fonts-noto-cjk
TEST_STAMP := $(VENV)/.test-tools

# $(call apt_install,COMMAND:PACKAGE ...): install the packages whose command is missing.
define apt_install
missing=""; for pair in $(1); do \
	  command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "note: install$$missing (needs root); $(2)"; fi; \
	fi
endef

$(STAMP): pyproject.toml
	@$(call apt_install,$(SYSTEM_TOOLS),grading runs unsandboxed and plot_model cannot draw without them)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,browser-tests]'
	touch $(STAMP)

# What the course's notebooks may import besides TensorFlow (matplotlib, pandas...: course.toml and each
# assignment.toml, docs/packages.md), installed again when one of those files changes.
COURSE_STAMP := $(VENV)/.course-packages
$(COURSE_STAMP): $(STAMP) $(wildcard course.toml) $(wildcard assignments/*/assignment.toml)
	$(BIN)/python -m autograder.core.course_packages > $(VENV)/course-packages.txt
	$(BIN)/pip install --quiet -r $(VENV)/course-packages.txt
	touch $(COURSE_STAMP)

# Not fatal: without them the tests that need them skip and say why.
$(TEST_STAMP): $(STAMP)
	-@$(call apt_install,$(TEST_TOOLS),the tests that need them are skipped)
	-@fc-list :lang=ko 2>/dev/null | grep -q . || { $(call apt_install,no-hangul-font:$(CJK_FONT),the Korean screenshot test is skipped); }
	touch $(TEST_STAMP)

.PHONY: setup grade-samples test test-fast test-install lint
setup: $(STAMP) $(COURSE_STAMP)

grade-samples: $(STAMP) $(COURSE_STAMP)
	@for a in assignments/*/; do \
	  name=$$(basename $$a); \
	  if [ -d $$a/samples ]; then \
	    echo "== $$name =="; \
	    $(BIN)/tfgrade grade $$a/samples --assignment $$name --out out/samples/$$name || exit 1; \
	  fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check autograder tests benchmarks
	$(BIN)/mypy autograder
	@# Each student notebook is what `tfgrade assign` makes from its solution (docs/authoring.md).
	@for a in assignments/*/assignment.toml; do \
	  $(BIN)/tfgrade assign $$(basename $$(dirname $$a)) --check || exit 1; \
	done

# The fast loop: unit tests only, no real grading (slow) and no sandbox; under a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not sandbox"  # tests needing the real sandbox: not even imported (tests/conftest.py)

# Everything but the fresh-venv install of a release (TensorFlow from the index: minutes), which has its own target.
test: $(TEST_STAMP) $(COURSE_STAMP) lint
	$(BIN)/python -m pytest -q -m "not install"

# A release installed with only its README's command in a fresh venv, then check/submit/check("q1"), with and
# without the sandbox tools (tests/authoring/test_release_install.py). Needs the package index.
test-install: $(STAMP)
	$(BIN)/python -m pytest -q -m install

# The tool's gettext catalogs (docs/languages.md): extract every messages.py entry into the template,
# then bring each language's .po up to date with it (new entries arrive empty, changed ones fuzzy:
# tests/ground/test_catalogs.py fails on both until they are translated).
LOCALE := autograder/locale
CATALOG_LANGUAGES := en ko
.PHONY: catalogs
catalogs: $(STAMP)
	@# messages.py (students) and reports/class_words.py (the class report, which follows --lang too).
	$(BIN)/pybabel extract --no-default-keywords -k 'Message:1c,2,2t' -k 'Message:1c,2,3,3t' -k 'M:1c,2,2t' \
	  -k 'M:1c,2,3,3t' --no-location --omit-header --sort-output -o $(LOCALE)/tfgrade.pot \
	  autograder/messages.py autograder/reports/class_words.py
	@for lang in $(CATALOG_LANGUAGES); do \
	  $(BIN)/pybabel update -D tfgrade -i $(LOCALE)/tfgrade.pot -d $(LOCALE) -l $$lang --width 100 --ignore-obsolete || exit 1; \
	done
