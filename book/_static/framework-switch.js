// Framework switch: show the Keras cells, the PyTorch cells, or both.
//
// Chapter cells tagged `keras` or `pytorch` are rendered by myst-nb with the
// classes `tag_keras` / `tag_pytorch`. The choice is stored in localStorage,
// so it holds across pages and reloads; the CSS in framework-switch.css does
// the hiding from the `data-framework` attribute on <html>.
(function () {
  "use strict";
  var KEY = "dlcourse-framework";
  // The switch's words in each of the book's languages (<html lang>).
  var WORDS = {
    en: { code: "Code:", group: "Framework shown in code cells", both: "Both" },
    ko: { code: "코드:", group: "코드 셀에 보여 줄 프레임워크", both: "둘 다" },
  };
  var words = WORDS[(document.documentElement.lang || "en").slice(0, 2)] || WORDS.en;
  var CHOICES = [
    ["keras", "Keras"],
    ["pytorch", "PyTorch"],
    ["both", words.both],
  ];
  var DEFAULT = "both";

  function isChoice(value) {
    return CHOICES.some(function (c) { return c[0] === value; });
  }

  function load() {
    try {
      var value = window.localStorage.getItem(KEY);
      return isChoice(value) ? value : DEFAULT;
    } catch (err) {
      return DEFAULT; // storage disabled: fall back to showing both
    }
  }

  function save(choice) {
    try {
      window.localStorage.setItem(KEY, choice);
    } catch (err) {
      /* storage disabled: the choice lasts for this page only */
    }
  }

  function apply(choice) {
    document.documentElement.setAttribute("data-framework", choice);
    var buttons = document.querySelectorAll(".fw-switch button");
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-choice") === choice;
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  function buildSwitch() {
    var box = document.createElement("div");
    box.className = "fw-switch";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", words.group);
    var label = document.createElement("span");
    label.className = "fw-switch-label";
    label.textContent = words.code;
    box.appendChild(label);
    CHOICES.forEach(function (c) {
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-choice", c[0]);
      button.textContent = c[1];
      button.addEventListener("click", function () {
        save(c[0]);
        apply(c[0]);
      });
      box.appendChild(button);
    });
    return box;
  }

  // Apply the stored choice at once (this script loads in <head>), so hidden
  // cells never flash on screen.
  apply(load());

  // The switch goes into the article header, the bar the book theme keeps
  // at the top of the window (sticky), so that it is at hand wherever the
  // reader is in a chapter, on a phone too (issue 18). Without that bar,
  // under the chapter's title.
  function placeSwitch(box) {
    var bar = document.querySelector(".bd-header-article .header-article-items__start");
    if (bar) {
      var item = document.createElement("div");
      item.className = "header-article-item";
      item.appendChild(box);
      bar.appendChild(item);
      return true;
    }
    var heading = document.querySelector("article.bd-article h1") || document.querySelector("article h1");
    if (heading) {
      heading.insertAdjacentElement("afterend", box);
      return true;
    }
    return false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector(".tag_keras, .tag_pytorch")) {
      return; // no framework code on this page: no switch
    }
    if (placeSwitch(buildSwitch())) {
      apply(load());
    }
  });

  // Another tab changed the choice: follow it.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      apply(load());
    }
  });
})();
