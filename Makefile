.PHONY: run test bench schema lock

run:  ## install (first time) and start the platform at http://localhost:8000
	scripts/start.sh

test:  ## install everything and run the whole test suite
	scripts/test.sh

bench:  ## print every bench figure against its baseline
	.venv/bin/python bench/run.py

schema:  ## rewrite the committed GraphSpec JSON Schema
	.venv/bin/lcnc schema --write

lock:  ## re-resolve requirements.lock in one go from pyproject.toml
	scripts/lock.sh
