# Shared by scripts/demo and scripts/test: create .venv and install the project
# into it (editable) once, again only when setup.cfg or pyproject.toml change.
ensure_venv() {
  local extra="${1:-}"
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "contacts-crm needs Python 3.11 or newer (found: $("$py" --version 2>&1))" >&2
    exit 69
  fi
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  local spec="."
  [ -n "$extra" ] && spec=".[${extra}]"
  local stamp
  stamp=".venv/.installed-${extra:-base}-$(cat setup.cfg pyproject.toml | sha1sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    echo "== installing contacts-crm${extra:+ with $extra tools} into .venv (first run only)"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"
    touch "$stamp"
  fi
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
}
