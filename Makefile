# The two commands in the README are `make run` and `make test`; everything else is for developers.
PY := .venv/bin/python
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test demo review setup train validate crossval bench ask telegram whatsapp clean

run: setup            ## set up, train if needed, chat with the assistant in this terminal
	$(PY) -m bot train
	$(PY) -m bot run

test: setup           ## set up, train if needed, run all tests
	@scripts/test-services.sh
	$(PY) -m bot train
	$(PY) -m pytest

demo: setup           ## the fieldworker demo: web chat on http://127.0.0.1:8000, offline (docs/demo.md)
	$(PY) -m bot train
	$(PY) -m bot demo

review: setup         ## the review desk: approve answers in a browser on http://127.0.0.1:8001; never expose it (docs/editing-content.md)
	$(PY) -m bot review-desk

setup:
	@scripts/setup.sh

train: setup          ## train a model if config, domain or data changed
	$(PY) -m bot train

validate: setup       ## check the training data and the content files
	.venv/bin/rasa data validate --fail-on-warnings
	$(PY) -m bot validate

crossval: setup       ## 5-fold cross-validation of the project's NLU pipeline (5 trainings; same folds as make bench)
	$(PY) -m bench.crossval --systems project

bench: setup train    ## benchmark suite: writes docs/benchmarks.md (hours; make bench ARGS="--only speed" for parts)
	$(PY) -m bench $(ARGS)

ask: setup            ## make ask Q="mag de politie mijn huis in?"
	$(PY) -m bot ask "$(Q)"

telegram whatsapp: setup   ## the assistant in the background + that gateway (docs/telegram.md, docs/whatsapp.md); Ctrl-C stops both
	$(PY) -m bot train
	@$(PY) -m bot run --no-chat & assistant=$$!; \
	trap 'kill $$assistant 2>/dev/null; wait $$assistant' EXIT; \
	trap 'exit 130' INT TERM; \
	$(PY) -m bot $@

lint: setup          ## ruff (settings in pyproject.toml)
	.venv/bin/ruff check bot actions bench tests testkit

types: setup         ## mypy on bot/ and actions/ (settings in pyproject.toml)
	.venv/bin/mypy

sbom:                ## a CycloneDX SBOM of the pinned environment: sbom.cdx.json (docs/deployment.md)
	@scripts/sbom.sh

clean:               ## models, caches and bench results; keeps the editors' usage counts (.rasa/usage.json)
	rm -rf models results .rasa/cache .rasa/logs
