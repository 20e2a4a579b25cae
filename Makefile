# The two commands a newcomer needs:  make run   and   make test
# Both set up what they need first (Python 3.10 venv, packages, database), idempotently.
.PHONY: run test bench eval shell setup setup-test

export RASA_TELEMETRY_ENABLED := false

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh test

## run: set up, migrate the database, load the demo knowledge base, train if needed, serve
run: setup
	.venv/bin/inclubot run

## test: set up with the test tools and run the whole test suite
# In 4 processes on any machine: most of a test's time is waiting for a server to start or
# answer, so 4 beat 2 even on 2 cores (902 s in one process, 568 s in 2, 453 s in 4).
test: setup-test
	.venv/bin/pytest -n 4 --dist loadgroup --no-loadscope-reorder

## bench: latency, throughput, start-up time and memory, printed with the command used
bench: setup-test
	.venv/bin/python -m bench.run_all

## eval: intent and language-identification accuracy per language on held-out messages
eval: setup-test
	.venv/bin/python -m bench.nlu_eval

## shell: chat with the assistant in the terminal (uses the action server of `make run`)
shell: setup
	ACTION_SERVER_URL=http://127.0.0.1:$${INCLUBOT_ACTIONS_PORT:-5055}/webhook \
		.venv/bin/rasa shell --port 5006 --endpoints endpoints.yml --model models
