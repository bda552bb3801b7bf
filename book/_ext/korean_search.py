"""Search for the Korean edition: words found without their particles.

Sphinx has no Korean search language. Its fallback, English, indexes every
run of letters as a word, and Korean writes particles onto the noun: a
reader looking for 텐서 (tensor) would not find 텐서는, 텐서를 or 텐서의.
This language indexes each word without the particle at its end, and the
page's search script does the same to what the reader types, so the two
meet. The list of particles is short and conservative: a noun that happens
to end like a particle (차이 "difference" -> 차) is cut on both sides alike,
so it is still found. Latin words (code, English terms) are only lowercased.
"""

from __future__ import annotations

from sphinx.search import SearchLanguage

#: Particles (조사) stripped from the end of a word, longest first.
PARTICLES = ("에서는", "으로는", "에서의", "에서도", "에서", "으로", "에게", "까지", "부터", "처럼",
             "보다", "와의", "과의", "이나", "이다", "에는", "에도", "만으로", "은", "는", "이", "가",
             "을", "를", "의", "에", "로", "와", "과", "도", "만")


def stem(word: str) -> str:
    word = word.lower()
    if word.isascii():
        return word
    while True:
        particle = next((p for p in PARTICLES if len(word) > len(p) and word.endswith(p)), None)
        if particle is None:
            return word
        word = word[: -len(particle)]


JS_STEMMER = """
/** Korean: the word without the particles at its end (_ext/korean_search.py). */
var Stemmer = function() {
  var PARTICLES = %s;
  this.stemWord = function(w) {
    w = w.toLowerCase();
    if (/^[\\x00-\\x7f]*$/.test(w)) return w;
    var cut = true;
    while (cut) {
      cut = false;
      for (var i = 0; i < PARTICLES.length; i++) {
        var p = PARTICLES[i];
        if (w.length > p.length && w.endsWith(p)) {
          w = w.slice(0, w.length - p.length);
          cut = true;
          break;
        }
      }
    }
    return w;
  };
};
""" % ("[" + ", ".join(f'"{p}"' for p in PARTICLES) + "]")


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = JS_STEMMER

    def stem(self, word: str) -> str:
        return stem(word)


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
