# Sourced by the other scripts: make .venv (once) and install minitorch into it with the given extras.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "minitorch needs Python 3.10 or newer; $python is $("$python" --version 2>&1)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extras=${1:+[$1]}
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
