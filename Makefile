# Convenience targets; the README's two commands are scripts/desk.sh and scripts/test.sh.
.PHONY: run test bench lint format typecheck package

run:
	bash scripts/desk.sh

test:
	bash scripts/test.sh

bench:
	bash scripts/bootstrap.sh
	@for b in tests/benchmarks/bench_*.py; do echo "== $$b"; QT_QPA_PLATFORM=offscreen .venv/bin/python $$b || exit 1; done

lint:
	.venv/bin/ruff check sora_studio tests
	.venv/bin/ruff format --check sora_studio tests
	.venv/bin/lint-imports

format:
	.venv/bin/ruff format sora_studio tests
	.venv/bin/ruff check --fix sora_studio tests

typecheck:
	.venv/bin/mypy sora_studio

# The desktop bundle (packaging/README.md): `make package` builds dist/sora-studio/ and the
# .tar.zst download; `make package-smoke` checks the built bundle offscreen (its own libraries,
# an emulator render, playback with sound, a PDF, the key store, the desk, the size budget).
.PHONY: package-smoke
package:
	bash packaging/build.sh

package-smoke:
	bash packaging/smoke_test.sh
