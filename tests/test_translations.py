"""The Korean edition: catalogs that are current and complete, translations
that keep their markup, pages that exist in both languages and link to each
other, the same outputs in both, and a search that finds Korean words.

English is the source (book/*.md); the Korean text lives in
book/locale/ko/LC_MESSAGES/ (dlcourse/translations.py).
"""

import copy
import functools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import write_po
from book_browser import html_pages
from bs4 import BeautifulSoup
from conftest import BOOK, HTML

from dlcourse import translations
from dlcourse.translations import markup, message_problems, problems

sys.path.insert(0, str(BOOK / "_ext"))
import editions  # noqa: E402
import korean_search  # noqa: E402

KO = HTML / "ko"


# --- the checks a translation must pass (no build) ------------------------------

@pytest.mark.parametrize("english, korean", [
    ("it calls {term}`tensors <tensor>` (텐서)", "{term}`텐서(tensor) <tensor>`라고 부른다"),
    ("a {term}`rank` of `x.ndim`", "`x.ndim`의 {term}`랭크(rank) <rank>`"),
    ("the loss $L = (wx - y)^2$ is {glue:text}`loss:.3f`",
     "손실 $L = (wx - y)^2$은 {glue:text}`loss:.3f`이다"),
    ("see {doc}`the exercises <../exercises>` and [NumPy](https://numpy.org)",
     "{doc}`채점 과제 <../exercises>`와 [NumPy 문서](https://numpy.org)를 보라"),
    ("1. Tensors and frameworks", "1\\. 텐서와 프레임워크"),
])
def test_a_faithful_translation_passes(english, korean):
    assert message_problems(Message(english, korean)) == []


@pytest.mark.parametrize("english, korean, problem", [
    ("a {term}`rank`", "랭크(rank)", "lost '{term}`rank`'"),  # the glossary link dropped
    ("a {term}`rank`", "{term}`랭크 <랭크>`", "lost '{term}`rank`'"),  # the target translated
    ("call `model.fit`", "`모델.fit`을 호출한다", "lost '`model.fit`'"),
    ("where $h = 10^{-5}$", "$h = 10^{-4}$일 때", "lost '$h = 10^{-5}$'"),
    ("by {cite:t}`kingma2015`", "{cite:t}`kingma2014`가", "lost '{cite:t}`kingma2015`'"),
    ("value {glue:text}`acc:.2f`", "값", "lost '{glue:text}`acc:.2f`'"),
    ("[docs](https://numpy.org)", "[문서](https://numpy.org/ko)", "lost 'https://numpy.org'"),
    ("1. Tensors", "1. 텐서", "numbered title"),  # would become a list
])
def test_a_translation_that_breaks_or_loses_markup_is_caught(english, korean, problem):
    found = message_problems(Message(english, korean))
    assert any(problem in line for line in found), found


def test_markup_counts_repeats():
    assert markup("`x` and `x`")["`x`"] == 2
    assert message_problems(Message("`x` and `x`", "`x`")) == ["lost '`x`'"]


def catalog_copy(tmp_path, edit):
    """A copy of the book's catalogs with one message changed by ``edit``."""
    locale = tmp_path / "book" / "locale"
    shutil.copytree(BOOK / "locale", locale)
    path = locale / "ko" / "LC_MESSAGES" / "intro.po"
    catalog = translations.read(path)
    message = next(m for m in catalog if m.id and m.string and "{doc}" in m.id)
    edit(message)
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0)
    return tmp_path / "book"


def test_the_book_catalogs_are_complete_and_keep_their_markup():
    assert set(translations.catalogs(BOOK, "ko")) >= {
        "intro", "exercises", "glossary", "references", "sphinx",
        *(f"chapters/{p.stem}" for p in (BOOK / "chapters").glob("*.md"))}
    assert problems(BOOK, "ko") == []


@pytest.mark.parametrize("edit, expected", [
    (lambda m: setattr(m, "string", ""), "1 untranslated and 0 fuzzy"),
    (lambda m: m.flags.add("fuzzy"), "0 untranslated and 1 fuzzy"),
    (lambda m: setattr(m, "string", re.sub(r"\{doc\}`[^`]*`", "", m.string)), "lost '{doc}"),
])
def test_an_incomplete_or_broken_catalog_is_reported(tmp_path, edit, expected):
    book = catalog_copy(tmp_path, edit)
    found = problems(book, "ko")
    assert any(line.startswith("intro: ") and expected in line for line in found), found


PO_WITH_GUESSES = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: ko\\n"

#, python-format
msgid "Keep 20% of the data for testing."
msgstr "데이터의 20%를 시험용으로 남겨 둔다."

#, no-python-format, python-format
msgid "Dropping 30% of 8 units removes capacity."
msgstr "유닛 8개 중 30%를 버리면 용량이 준다."

#, python-brace-format, python-format
msgid "{accuracy:.1%} right; at least 95% is needed."
msgstr "{accuracy:.1%}를 맞혔다. 적어도 95%가 필요하다."

#, python-format
msgid "Last updated on %(last_updated)s."
msgstr "마지막 수정: %(last_updated)s."
"""


def test_babels_python_format_guesses_are_reported_and_dropped(tmp_path):
    """A "%" in prose makes babel flag the message python-format, and then
    `msgfmt -c` rejects the correct "20%를"; a real %(name)s keeps its flag."""
    path = tmp_path / "page.po"
    path.write_text(PO_WITH_GUESSES, encoding="utf-8")
    found = translations.catalog_problems(path, "page")
    assert [line for line in found if "flagged python-format" in line] == [
        f"page: flagged python-format, with no %-placeholder (run python -m dlcourse.translations "
        f"extract) in {english}" for english in (
            '"Keep 20% of the data for testing."', '"Dropping 30% of 8 units removes capacity."',
            '"{accuracy:.1%} right; at least 95% is needed."')]
    assert translations.drop_format_guesses(path)
    assert translations.format_guesses(path) == []
    text = path.read_text(encoding="utf-8")
    assert text.count("python-format") == 1  # Sphinx's %(name)s; the brace format stays too
    assert "#, python-brace-format\nmsgid \"{accuracy" in text
    assert "#, python-format\nmsgid \"Last updated" in text
    assert not translations.drop_format_guesses(path)  # nothing left to do: not rewritten
    if shutil.which("msgfmt"):
        checked = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


# --- search: the same word with and without its particle -------------------------

WORDS = ["텐서는", "텐서를", "텐서", "가중치의", "신경망에서", "역전파로", "차이", "차이가", "Tensors",
         "ReLU", "과적합이다", "정확도", "정확도는", "가중치에는"]


def test_korean_words_are_indexed_without_their_particles():
    assert {korean_search.stem(w) for w in ("텐서는", "텐서를", "텐서의", "텐서")} == {"텐서"}
    assert korean_search.stem("신경망에서도") == korean_search.stem("신경망") == "신경망"
    assert korean_search.stem("가중치에는") == "가중치"  # particles on particles
    assert korean_search.stem("Tensors") == "tensors"  # Latin words: lowercased only
    assert korean_search.stem("이") == "이"  # never stripped to nothing


def glossary_korean_words():
    """Every word of every Korean name in the glossary (the lines of Hangul)."""
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    names = re.findall(r"^([\uac00-\ud7a3][\uac00-\ud7a3 ]*)$", text, re.M)
    return sorted({word for name in names for word in name.split()})


def test_every_glossary_word_is_found_with_any_particle():
    """A noun that ends like a particle (정확도, 경로, 효과) must be indexed the
    same with a particle as without, or a search for it misses pages."""
    words = glossary_korean_words()
    assert len(words) > 80 and "정확도" in words
    missed = [f"{word}+{particle}" for word in words for particle in korean_search.PARTICLES
              if korean_search.stem(word + particle) != korean_search.stem(word)]
    assert missed == []


def test_the_pages_search_script_stems_as_the_index_does():
    """The reader's query is stemmed in the browser: the same words must come out."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found (make browser installs Node.js with npm)")
    script = korean_search.JS_STEMMER + (
        f"\nconst s = new Stemmer();\n"
        f"console.log(JSON.stringify({json.dumps(WORDS)}.map(w => s.stemWord(w))));")
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [korean_search.stem(w) for w in WORDS]


# --- links between the editions (no build) ----------------------------------------

def test_twin_links_lead_to_the_same_page_in_the_other_edition():
    both = {"en": ["", "English"], "ko": ["ko", "한국어"]}
    english = {link["lang"]: link["url"] for link in editions.twin_links(both, "en", "chapters/01_tensors")}
    korean = {link["lang"]: link["url"] for link in editions.twin_links(both, "ko", "chapters/01_tensors")}
    assert english == {"en": "01_tensors.html", "ko": "../ko/chapters/01_tensors.html"}
    assert korean == {"en": "../../chapters/01_tensors.html", "ko": "01_tensors.html"}
    top = {link["lang"]: link["url"] for link in editions.twin_links(both, "ko", "intro")}
    assert top == {"en": "../intro.html", "ko": "intro.html"}
    # hreflang links in full when the site's address is configured (html: baseurl:).
    site = "https://dl.example.edu/course/"
    for language, baseurl in (("en", site), ("ko", site + "ko/"), ("ko", "https://dl.example.edu/course/ko")):
        assert editions.site_address(baseurl, both[language][0]) == site
        full = {link["lang"]: link["address"]
                for link in editions.twin_links(both, language, "chapters/01_tensors", site)}
        assert full == {"en": site + "chapters/01_tensors.html",
                        "ko": site + "ko/chapters/01_tensors.html"}
    assert editions.site_address("", "ko") == ""


def test_the_korean_editions_canonical_addresses_are_under_its_folder(tmp_path, monkeypatch):
    import yaml

    book = tmp_path / "book"
    shutil.copytree(BOOK, book, ignore=shutil.ignore_patterns("_build", "locale", "chapters"))
    config = yaml.safe_load((book / "_config.yml").read_text())
    config.setdefault("html", {})["baseurl"] = "https://dl.example.edu/course/"
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    written = yaml.safe_load(Path(translations.write_edition_config(book, "ko")).read_text())
    assert written["html"]["baseurl"] == "https://dl.example.edu/course/ko/"


# --- the built Korean edition ---------------------------------------------------------

pages = pytest.mark.book


@functools.lru_cache(maxsize=None)
def page(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def site_pages(root):
    """The site's pages under ``root``, without the Korean edition's folder."""
    return [name for name in html_pages(root) if not name.startswith("ko/")]


@pages
def test_every_page_has_a_korean_twin_in_korean(built_book):
    english, korean = site_pages(HTML), site_pages(KO)
    assert english == korean and "chapters/01_tensors.html" in korean
    for name in korean:
        soup = page(KO / name)
        if soup.html is None:  # index.html: a redirect
            continue
        assert soup.html.get("lang") == "ko", name
        assert page(HTML / name).html.get("lang") == "en", name


@pages
def test_twins_link_to_each_other_both_ways(built_book):
    for name in site_pages(KO):
        for root, other, lang in ((HTML, KO, "ko"), (KO, HTML, "en")):
            soup = page(root / name)
            if soup.html is None:
                continue
            link = soup.select_one(f"a.edition-link[hreflang={lang}]")
            assert link is not None, f"{root.name}/{name}: no link to the {lang} edition"
            assert ((root / name).parent / link["href"]).resolve() == (other / name).resolve(), link["href"]
            alternates = {a["hreflang"]: a["href"] for a in soup.select("link[rel=alternate][hreflang]")}
            assert set(alternates) == {"en", "ko"}, name


@pages
def test_each_edition_offers_the_exercises_in_its_language(built_book):
    for root, language in ((HTML, None), (KO, "ko")):
        downloads = [a["href"] for a in page(root / "exercises.html").select("a.download")
                     if a["href"].endswith(".ipynb")]
        assert len(downloads) == 9, downloads
        for href in downloads:
            notebook = json.loads((root / href).read_text(encoding="utf-8"))
            assert notebook["metadata"].get("dlcourse", {}).get("language") == language, href


@pages
def test_both_editions_show_the_same_outputs_and_figures(built_book):
    chapters = [name for name in site_pages(KO) if name.startswith("chapters/")]
    assert len(chapters) == 9
    for name in chapters:
        en, ko = page(HTML / name), page(KO / name)
        # What the cells printed (a figure's caption is prose, and translated).
        outputs = [[o.get_text() for o in soup.select(".cell_output pre")] for soup in (en, ko)]
        assert outputs[0] and outputs[0] == outputs[1], name
        figures = [[img["src"] for img in soup.select(".cell_output img")] for soup in (en, ko)]
        assert figures[0] and figures[0] == figures[1], name
        code = [[c.get_text() for c in soup.select(".cell_input")] for soup in (en, ko)]
        assert code[0] == code[1], name


def prose(element):
    """An element's text without its code and formulas."""
    element = copy.copy(element)
    for part in element.select("code, .math, .katex"):
        part.decompose()
    return element.get_text(strip=True)


PROSE = "p, li, h1, h2, h3, dt, dd, caption, th, td, figcaption"


@pages
def test_no_english_paragraph_is_left_in_the_korean_pages(built_book):
    """No paragraph, heading, list item, caption or table cell of a Korean
    page reads as its English twin's (code, formulas, program output and the
    papers' titles aside): an untranslated message, or one copied from the
    English, fails. The pages' titles differ too."""
    for name in site_pages(KO):
        en, ko = page(HTML / name), page(KO / name)
        if ko.html is None or ko.select_one("article.bd-article") is None or name == "genindex.html":
            continue  # the index lists the glossary's terms, English and Korean
        english = {prose(e) for e in en.select_one("article.bd-article").select(PROSE)}
        left = [prose(e) for e in ko.select_one("article.bd-article").select(PROSE)
                if not e.find_parent(class_=["cell", "citation"])  # code's output; the papers' titles
                and not (e.name == "dt" and e.find_parent("dl", class_="glossary"))  # a term's names
                and len(prose(e)) > 25 and prose(e) in english]
        assert left == [], f"ko/{name} still has English: {left[:3]}"
        assert ko.h1 is None or ko.h1.get_text() != en.h1.get_text() or name == "genindex.html", name


@pages
def test_figures_are_described_in_korean(built_book):
    """A figure's alt text (from its cell's metadata, which Sphinx does not
    translate by itself: book/_ext/editions.py) is what a screen reader
    says instead of the picture."""
    hangul = re.compile(r"[\uac00-\ud7a3]")
    described = 0
    for name in site_pages(KO):
        for image in page(KO / name).select(".cell_output img"):
            assert hangul.search(image.get("alt", "")), f"ko/{name}: {image.get('alt')!r}"
            described += 1
    assert described >= 40


@pages
def test_the_korean_frame_and_switch_speak_korean(built_book):
    soup = page(KO / "chapters" / "01_tensors.html")
    assert "본문으로 건너뛰기" in soup.get_text()
    assert "Skip to main content" not in soup.get_text()
    assert "두 가지 방법으로 배우는 딥러닝" in soup.title.get_text()
    captions = [c.get_text(strip=True) for c in soup.select("nav .caption, p.caption")]
    assert "Chapters" not in captions and "장" in captions, captions


#: An attribute value in English words only (a citation's tooltip has its year).
ENGLISH_WORDS = re.compile(r"^[A-Za-z][A-Za-z .,'…!?-]*$")


@pages
def test_the_korean_frame_names_nothing_in_english(built_book):
    """Tooltips, landmarks' names, placeholders and alt texts: what a screen
    reader or a pointer shows, which no paragraph test sees."""
    found = set()
    for name in site_pages(KO):
        soup = page(KO / name)
        for tag in soup.find_all(True):
            for attribute in ("title", "aria-label", "placeholder", "alt"):
                value = tag.get(attribute)
                if isinstance(value, str) and ENGLISH_WORDS.match(value):
                    found.add((attribute, value))
    assert not found, sorted(found)


@pytest.fixture(scope="module")
def templates(built_book, tmp_path_factory):
    """The messages of today's English pages, extracted again as `python -m
    dlcourse.translations extract` does (the gettext builder, reading the
    English build's execution cache)."""
    found = translations.extract_templates(BOOK, tmp_path_factory.mktemp("gettext"))
    assert len(list(found.rglob("*.pot"))) >= 14
    return found


@pages
def test_the_catalogs_hold_todays_english_text(templates):
    """The catalogs translate exactly the messages of today's English pages:
    English changed without the Korean following fails."""
    assert problems(BOOK, "ko", templates) == []


@pages
def test_a_changed_english_paragraph_is_reported_stale(templates, tmp_path):
    """The same check on a copy of the catalogs in which one English
    paragraph of the intro has changed since it was translated."""
    book = catalog_copy(tmp_path, lambda m: setattr(m, "id", m.id + " (an older wording)"))
    found = problems(book, "ko", templates)
    assert any(line.startswith("intro: 1 English messages not in the catalog, 1 no longer in the book")
               for line in found), found
