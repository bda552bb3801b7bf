/* A displayed formula wider than the column scrolls sideways. Formulas are
   not Tab stops (book/_config.yml), so a keyboard reader could not scroll
   one: each formula that overflows becomes focusable (Tab, then the arrow
   keys), with a name that says so. MathJax typesets formulas as they come
   into view, so each one is looked at when it appears and when the window
   changes size. */
(function () {
  "use strict";

  function check(formula) {
    var wide = formula.scrollWidth > formula.clientWidth + 1;
    if (wide) {
      formula.setAttribute("tabindex", "0");
      formula.setAttribute("aria-description", "wide formula: scroll sideways");
    } else if (formula.getAttribute("aria-description")) {
      formula.setAttribute("tabindex", "-1");
      formula.removeAttribute("aria-description");
    }
  }

  function checkAll() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(check);
  }

  function start() {
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === 1 && node.matches('mjx-container[display="true"]')) {
            requestAnimationFrame(function () { check(node); });
          }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", checkAll);
    checkAll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
