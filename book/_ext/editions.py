"""The book in several languages: each page links to its twin in the others.

English is built at the site's root and each translation in a folder of its
own (``ko/``, see ``dlcourse/translations.py``). ``book_editions`` in
``_config.yml`` names them: language -> (folder under the site's root, the
language's own name). On every page this extension adds

- ``<link rel="alternate" hreflang=...>`` for every edition of the page,
  itself included, so that search engines show readers their own language;
- ``edition_links`` for ``_templates/article-header-buttons.html``: the other
  editions' addresses, relative to the page, and names, shown as links in the
  article header beside the download menu.

Translated paragraphs keep their glued values: Sphinx parses each
translation as a small document of its own, which has none of the chapter's
executed outputs, so myst-nb's ``{glue:text}`` role found no value there
("No key ... found in glue data"). There, the role reads the value from the
chapter's saved outputs instead, as it does for a value glued from another
page.

The chapter list's captions, which Jupyter Book adds after Sphinx has
translated the page, are translated here.

For the gettext builder it also extracts the themes' template strings
("Skip to main content", "Previous", the download menu...), which Sphinx's
own extraction leaves out (it reads only ``templates_path``), so that the
translated pages have no English left in their frame.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from docutils import nodes
from myst_nb.ext.glue import roles as glue_roles
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain


def page_url(folder: str, pagename: str) -> str:
    return posixpath.join(folder, pagename + ".html") if folder else pagename + ".html"


def twin_links(editions: dict, language: str, pagename: str) -> list[dict]:
    """Every edition of ``pagename``, as seen from the page in ``language``."""
    here = posixpath.dirname(page_url(editions[language][0], pagename)) or "."
    return [{"lang": lang, "name": name, "current": lang == language,
             "url": posixpath.relpath(page_url(folder, pagename), here)}
            for lang, (folder, name) in editions.items()]


def add_links(app, pagename, templatename, context, doctree) -> None:
    editions = app.config.book_editions
    if app.config.language not in editions:
        return
    links = twin_links(editions, app.config.language, pagename)
    context["edition_links"] = [link for link in links if not link["current"]]
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<link rel="alternate" hreflang="{link["lang"]}" href="{link["url"]}" />' for link in links)


def theme_templates(app) -> None:
    """Let the gettext builder read the themes' templates as well as ours."""
    if app.builder.name != "gettext":
        return
    import pydata_sphinx_theme
    import sphinx_book_theme
    for package in (pydata_sphinx_theme, sphinx_book_theme):
        folder = Path(package.__file__).parent / "theme" / package.__name__
        if folder.is_dir():
            app.config.templates_path.append(str(folder))


def paste_in_translation(run):
    """A glue role's ``run`` that, in a translated paragraph, reads the chapter's
    saved outputs (as ``{glue:text}`chapter.md::key```), resolved after reading."""
    def run_in_translation(self):
        if "nb_renderer" not in self.document and "::" not in self.text:
            env = self.document.settings.env
            self.text = f"{Path(env.doc2path(env.docname)).name}::{self.text}"
        return run(self)
    return run_in_translation


class GiveTableCellsASource(SphinxTransform):
    """Table cells inside a list, as in some exercises' answers, reach Sphinx
    from MyST without a source file, and Sphinx neither extracts nor
    translates text without one. They get their table's."""

    default_priority = 15  # before Sphinx extracts and translates (20)

    def apply(self):
        for table in self.document.findall(nodes.table):
            source = next((a.source for a in _ancestors(table) if a.source), None)
            line = next((a.line for a in _ancestors(table) if a.line), None)
            if source is None:
                continue
            for cell in table.findall(nodes.paragraph):
                if not cell.source:
                    cell.source, cell.line = source, cell.line or line


def _ancestors(node):
    while node is not None:
        yield node
        node = node.parent


class TranslateToctreeCaptions(SphinxTransform):
    """The chapter list's captions ("Chapters") in the page's language.

    Jupyter Book puts the toctrees from _toc.yml into the pages after Sphinx
    has translated them (sphinx-external-toc's transform runs at priority
    100, Sphinx's at 20), so their captions stayed English. The gettext
    builder does extract them, into the root page's catalog.
    """

    default_priority = 101

    def apply(self):
        if not self.config.language or self.config.language == "en" or not self.config.locale_dirs:
            return
        folders = [str(Path(self.app.srcdir, folder)) for folder in self.config.locale_dirs]
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalog, found = init_locale(folders, self.config.language, domain)
        if not found:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


def setup(app):
    for role in (glue_roles.PasteRoleAny, glue_roles.PasteTextRole, glue_roles.PasteMarkdownRole):
        role.run = paste_in_translation(role.run)
    app.add_transform(TranslateToctreeCaptions)
    app.add_transform(GiveTableCellsASource)
    app.add_config_value("book_editions", {}, "html", [dict])
    app.connect("builder-inited", theme_templates)
    app.connect("html-page-context", add_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
