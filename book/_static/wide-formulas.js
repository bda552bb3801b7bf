/* A displayed formula wider than the column scrolls sideways
   (page-layout.css). Formulas are not Tab stops, so a keyboard reader could
   not scroll one: each formula that overflows becomes focusable (Tab, then
   the arrow keys), with a name that says so. Formulas are measured once the
   page has loaded (by then the theme has laid out the whole page, so
   measuring costs little), and again when the window changes size or fonts
   arrive. */
(function () {
  "use strict";

  function check(formula) {
    var wide = formula.scrollWidth > formula.clientWidth + 1;
    if (wide) {
      formula.setAttribute("tabindex", "0");
      formula.setAttribute("aria-description", "wide formula: scroll sideways");
    } else if (formula.getAttribute("aria-description")) {
      formula.removeAttribute("tabindex");
      formula.removeAttribute("aria-description");
    }
  }

  function checkAll() {
    document.querySelectorAll(".bd-article div.math").forEach(check);
  }

  function start() {
    checkAll();
    window.addEventListener("resize", checkAll);
    if (document.fonts) document.fonts.addEventListener("loadingdone", checkAll);
  }

  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
