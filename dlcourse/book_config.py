"""Configurations derived from the book's own `_config.yml`.

The live book (`dlcourse.live`) and the Korean edition
(`dlcourse.translations`) are built by `jupyter-book build --config FILE
--path-output DIR book`, from a configuration written here: the book's own,
with its extension folders made absolute (the file lives elsewhere) and the
normal build's execution cache, so that no chapter is executed twice and every
build shows the same outputs.
"""

from pathlib import Path

import yaml


def derived_config(book):
    """The book's configuration, ready to be written outside the book."""
    book = Path(book).resolve()
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {name: str((book / path).resolve())
                                  for name, path in (sphinx.get("local_extensions") or {}).items()}
    sphinx.setdefault("config", {})
    config.setdefault("execute", {})["cache"] = str(book / "_build" / ".jupyter_cache")
    return config


def write_config(config, path, command):
    """Write `config` to `path`, saying which command wrote it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# Written by `{command}`; edit book/_config.yml instead.\n"
                    + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
