"""Rebuild when only a file in ``_static`` changed.

Sphinx 7.4 copies the static files (the course's stylesheets and scripts in
``book/_static``) only while it writes pages: when no page is out of date it
stops at "no targets are out of date" and a changed stylesheet never reaches
the built site, so `make book` kept serving the old one. When a file in
``_static`` differs from its copy in the build, this marks the root page out
of date, which is enough for Sphinx to write it and copy every static file
again.
"""

import filecmp
from pathlib import Path


def changed_static_files(srcdir, outdir):
    """The files under ``srcdir/_static`` whose copy under ``outdir/_static``
    is missing or differs."""
    source, built = Path(srcdir) / "_static", Path(outdir) / "_static"
    changed = []
    for path in sorted(source.rglob("*")):
        if path.is_file():
            copy = built / path.relative_to(source)
            if not copy.is_file() or not filecmp.cmp(path, copy, shallow=False):
                changed.append(path)
    return changed


def root_page_if_static_changed(app, env, added, changed, removed):
    if app.builder.format != "html" or not (Path(app.outdir) / "_static").is_dir():
        return []
    return [app.config.root_doc] if changed_static_files(app.srcdir, app.outdir) else []


def setup(app):
    app.connect("env-get-outdated", root_page_if_static_changed)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
