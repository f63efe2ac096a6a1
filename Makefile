.PHONY: demo test fuzz lint typecheck lock messages worker bench

demo:  ## Install what is needed and start the demo at http://127.0.0.1:8000 (SQLite)
	scripts/demo.sh

test:  ## Install what is needed and run the whole suite (throwaway PostgreSQL unless DATABASE_URL is set)
	scripts/test.sh

fuzz:  ## Schema fuzzing of the whole API with many examples (FUZZ_MAX_EXAMPLES=200 by default; make test runs 4)
	scripts/fuzz.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck:  ## mypy with django-stubs: the whole project, strict on the actions, rules and API modules
	DATABASE_URL=$${DATABASE_URL:-postgres://localhost/tinhso} .venv/bin/mypy

lock:  ## Regenerate the pinned dependency locks from requirements*.in
	.venv/bin/python -m pip install --quiet uv
	.venv/bin/uv pip compile --quiet --python-version 3.11 requirements.in -o requirements.lock
	.venv/bin/uv pip compile --quiet --python-version 3.11 requirements-dev.in -o requirements-dev.lock

messages:  ## Recompile the Vietnamese translations of every app (needs gettext)
	for dir in tinhso/*/locale; do (cd $$dir/.. && $(CURDIR)/.venv/bin/django-admin compilemessages -v 0); done

worker:  ## Run a background task worker (waits for the database when it goes away)
	.venv/bin/python manage.py run_worker

bench:  ## Benchmark on a throwaway PostgreSQL (BENCH_DOSSIERS=1000000 by default); results in bench/results/
	scripts/bench.sh
