#!/usr/bin/env bash
# The test command: sets up .venv with the test extra, then runs the whole suite.
source "$(dirname "$0")/setup.sh" test
exec .venv/bin/python -m pytest "$@"
