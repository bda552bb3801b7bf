"""The book in several languages: each page links to its twin in the others.

English is built at the site's root and each translation in a folder of its
own (``ko/``, see ``dlcourse/translations.py``). ``book_editions`` in
``_config.yml`` names them: language -> (folder under the site's root, the
language's own name). On every page this extension adds

- ``<link rel="alternate" hreflang=...>`` for every edition of the page,
  itself included, so that search engines show readers their own language
  (full addresses when ``html: baseurl:`` in ``_config.yml`` gives the
  site's, as search engines require; relative ones otherwise);
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
translated the page, and the figures' alt text, which Sphinx leaves alone,
are translated here (and extracted for the catalogs). An exercise
notebook's download link leads to the notebook in the page's language.

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
from sphinx.builders.gettext import MsgOrigin
from sphinx.locale import _ as sphinx_gettext
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain


def page_url(folder: str, pagename: str) -> str:
    return posixpath.join(folder, pagename + ".html") if folder else pagename + ".html"


def twin_links(editions: dict, language: str, pagename: str, site: str = "") -> list[dict]:
    """Every edition of ``pagename``, as seen from the page in ``language``:
    ``url`` relative to the page (for readers' links, which then work from
    any host or folder), ``address`` the full one when the site's address
    ``site`` is known (search engines want hreflang links in full), else
    the relative one."""
    here = posixpath.dirname(page_url(editions[language][0], pagename)) or "."
    links = []
    for lang, (folder, name) in editions.items():
        url = posixpath.relpath(page_url(folder, pagename), here)
        address = site.rstrip("/") + "/" + page_url(folder, pagename) if site else url
        links.append({"lang": lang, "name": name, "current": lang == language, "url": url,
                      "address": address})
    return links


def site_address(baseurl: str, folder: str) -> str:
    """The site's root address from an edition's ``html_baseurl`` (the
    Korean edition's is the site's with ``ko/`` added), or "" if unset."""
    if not baseurl:
        return ""
    base = baseurl.rstrip("/") + "/"
    if folder and base.endswith("/" + folder.strip("/") + "/"):
        base = base[: -len(folder.strip("/")) - 1]
    return base


def add_links(app, pagename, templatename, context, doctree) -> None:
    editions = app.config.book_editions
    if app.config.language not in editions:
        return
    site = site_address(app.config.html_baseurl, editions[app.config.language][0])
    links = twin_links(editions, app.config.language, pagename, site)
    context["edition_links"] = [link for link in links if not link["current"]]
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<link rel="alternate" hreflang="{link["lang"]}" href="{link["address"]}" />'
        for link in links)


#: Words of the frame that no template holds: Sphinx's HTML writer titles its
#: permalinks with them, and Jupyter Book's default search_bar_text (a theme
#: option, translated when the edition's configuration is read).
FRAME_STRINGS = ("Link to this heading", "Link to this image", "Link to this term",
                 "Search this book...", "book .pdf", "Download the whole book as a PDF")


def theme_templates(app) -> None:
    """Let the gettext builder read the themes' templates as well as ours, and
    the frame's words no template holds."""
    if app.builder.name != "gettext":
        return
    for text in FRAME_STRINGS:
        app.builder.catalogs["sphinx"].add(text, MsgOrigin("book/_ext/editions.py", 0))
    import pydata_sphinx_theme
    import sphinx_book_theme
    for package in (pydata_sphinx_theme, sphinx_book_theme):
        folder = Path(package.__file__).parent / "theme" / package.__name__
        if folder.is_dir():
            app.config.templates_path.append(str(folder))


def translate_theme_options(app, config) -> None:
    """The search field's placeholder in the edition's language (a theme
    option, so no template translates it)."""
    options = config.html_theme_options
    if config.language and config.language != "en" and options.get("search_bar_text"):
        options["search_bar_text"] = sphinx_gettext(options["search_bar_text"])


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


def page_catalog(transform):
    """The translations of the page being read, or None (English, or none yet)."""
    config = transform.config
    if not config.language or config.language == "en" or not config.locale_dirs:
        return None
    folders = [str(Path(transform.app.srcdir, folder)) for folder in config.locale_dirs]
    domain = docname_to_domain(transform.env.docname, config.gettext_compact)
    catalog, found = init_locale(folders, config.language, domain)
    return catalog if found else None


class TranslateFigureDescriptions(SphinxTransform):
    """Figures' descriptions (alt text) in the page's language.

    myst-nb writes a figure's alt text from its cell's metadata onto the
    image, and Sphinx neither extracts nor translates an image's alt text.
    The gettext builder gets them as messages of the page, and a translated
    edition's pages get their translations, after Sphinx has translated the
    rest (priority 20).
    """

    default_priority = 21

    def apply(self):
        images = [image for image in self.document.findall(nodes.image)
                  if image.get("alt") and any("cell_output" in a.get("classes", ())
                                              for a in _ancestors(image) if isinstance(a, nodes.Element))]
        if not images:
            return
        if self.app.builder.name == "gettext":
            domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
            source = str(self.env.doc2path(self.env.docname))
            for image in images:
                self.app.builder.catalogs[domain].add(image["alt"], MsgOrigin(source, image.line or 0))
            return
        catalog = page_catalog(self)
        if catalog is not None:
            for image in images:
                image["alt"] = catalog.gettext(image["alt"])


class TranslateToctreeCaptions(SphinxTransform):
    """The chapter list's captions ("Chapters") in the page's language.

    Jupyter Book puts the toctrees from _toc.yml into the pages after Sphinx
    has translated them (sphinx-external-toc's transform runs at priority
    100, Sphinx's at 20), so their captions stayed English. The gettext
    builder does extract them, into the root page's catalog.
    """

    default_priority = 101

    def apply(self):
        catalog = page_catalog(self)
        if catalog is None:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


class ExercisesInTheEditionsLanguage(SphinxTransform):
    """Download links to an exercise notebook lead to its twin in the page's
    language (``exercises/<language>/<assignment>/``, written by ``python -m
    autograder generate``), where there is one."""

    default_priority = 22

    def apply(self):
        language = self.config.language
        if not language or language == "en":
            return
        page = Path(self.env.doc2path(self.env.docname)).parent
        exercises = Path(self.app.srcdir).resolve().parent / "exercises"
        for link in self.document.findall(addnodes.download_reference):
            target = (page / link["reftarget"]).resolve()
            if exercises not in target.parents:
                continue
            twin = exercises / language / target.relative_to(exercises)
            if twin.is_file():
                link["reftarget"] = posixpath.relpath(twin.as_posix(), page.resolve().as_posix())


def setup(app):
    for role in (glue_roles.PasteRoleAny, glue_roles.PasteTextRole, glue_roles.PasteMarkdownRole):
        role.run = paste_in_translation(role.run)
    app.add_transform(TranslateToctreeCaptions)
    app.add_transform(GiveTableCellsASource)
    app.add_transform(TranslateFigureDescriptions)
    app.add_transform(ExercisesInTheEditionsLanguage)
    app.add_config_value("book_editions", {}, "html", [dict])
    # Set by dlcourse/translations.py for a translated edition: when any
    # catalog changes, every page is written again.
    app.add_config_value("book_catalogs_digest", "", "html", [str])
    app.connect("builder-inited", theme_templates)
    app.connect("config-inited", translate_theme_options)
    app.connect("html-page-context", add_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
