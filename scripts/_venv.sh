# Sourced by scripts/run and scripts/test (from the repository root): create .venv if needed, and install
# Pantau into it only when pyproject.toml changed since the last successful install. After the first
# install both scripts start without the network.
#
# Each install flavour has a stamp in .venv holding the sha256 of the pyproject.toml it installed, written
# only after pip succeeded. Delete .venv (or the stamp) to force a fresh install.

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi

# pantau_install SPEC STAMP...: `pip install -e SPEC` unless every STAMP matches pyproject.toml; on
# success, write every STAMP.
pantau_install() {
    local spec=$1 stamp wanted stale=0
    shift
    wanted=$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')
    for stamp in "$@"; do
        [ "$(cat ".venv/$stamp" 2>/dev/null)" = "$wanted" ] || stale=1
    done
    [ "$stale" = 1 ] || return 0
    echo "Installing $spec into .venv (pyproject.toml is new or changed)…" >&2
    # -qq: errors only (pip would otherwise repeat setuptools' editable-install notice on every install).
    .venv/bin/python -m pip install -qq --disable-pip-version-check -e "$spec"
    for stamp in "$@"; do
        echo "$wanted" > ".venv/$stamp"
    done
}
