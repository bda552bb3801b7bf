"""Author-year citations in round brackets, and a References list labelled
the same way.

sphinxcontrib-bibtex's author-year style writes "Rosenblatt [1958]", and
pybtex labels the References list [Ros58]. This registers, under the name
``course_author_year``, a referencing style with round brackets
("Rosenblatt (1958)", "(Vaswani et al., 2017)") and a formatting style whose
labels read "Rosenblatt 1958", "Ioffe and Szegedy 2015", sorted by author and
year. ``bibtex_reference_style`` and ``bibtex_default_style`` in _config.yml
name them.
"""

from dataclasses import dataclass, field

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round():
    return BracketStyle(left="(", right=")")


@dataclass
class RoundAuthorYear(AuthorYearReferenceStyle):
    bracket_textual: BracketStyle = field(default_factory=_round)
    bracket_parenthetical: BracketStyle = field(default_factory=_round)


def _who(entry) -> str:
    names = [" ".join(person.last_names) for person in entry.persons.get("author", [])]
    if len(names) <= 2:
        return " and ".join(names)
    return f"{names[0]} et al."


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield f"{_who(entry)} {entry.fields.get('year', '')}".strip()


class AuthorYearStyle(PlainStyle):
    default_label_style = "course_author_year"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "course_author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "course_author_year", AuthorYearStyle)
    register_bibtex_plugin("sphinxcontrib.bibtex.style.referencing", "course_author_year",
                           RoundAuthorYear)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
