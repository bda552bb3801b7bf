// Live code: run this page's cells on the reader's local Jupyter server.
//
// `make live` starts a Jupyter server on 127.0.0.1 with a random token and
// prints this book's address with the server's port and token in the
// fragment (#jupyter-port=...&jupyter-token=...). A fragment never reaches a
// web server, so the token travels only from the terminal to this browser;
// it is kept in localStorage for this origin (the live book's address) and
// removed from the address bar. Clicking "Run code" loads thebe from the
// book's own _static/thebe/ and connects it to the server; each cell gets
// run buttons and its output appears under it.
(function () {
  "use strict";
  var KEY = "dlcourse-live-server";
  var SCRIPT = document.currentScript;
  var STATIC = SCRIPT ? SCRIPT.src.replace(/live-code\.js(\?.*)?$/, "") : "_static/";

  function meta(name) {
    var node = document.querySelector('meta[name="' + name + '"]');
    return node ? node.getAttribute("content") : null;
  }

  // The server's port and token: from the address (then remembered), or as
  // remembered from an earlier visit.
  function server() {
    var params = new URLSearchParams(window.location.hash.slice(1));
    var port = params.get("jupyter-port");
    var token = params.get("jupyter-token");
    if (port !== null && token !== null) {
      if (/^\d{1,5}$/.test(port) && /^[A-Za-z0-9_-]+$/.test(token)) {
        try {
          window.localStorage.setItem(KEY, JSON.stringify({ port: port, token: token }));
        } catch (err) {
          /* storage disabled: the settings last for this page only */
        }
        window.history.replaceState(null, "", window.location.pathname + window.location.search);
        return { port: port, token: token };
      }
    }
    try {
      var saved = JSON.parse(window.localStorage.getItem(KEY) || "null");
      if (saved && /^\d{1,5}$/.test(saved.port) && /^[A-Za-z0-9_-]+$/.test(saved.token)) {
        return saved;
      }
    } catch (err) {
      /* nothing usable stored */
    }
    return null;
  }

  var settings = server();
  var baseUrl = settings ? "http://127.0.0.1:" + settings.port + "/" : null;

  function setStatus(bar, state, text) {
    bar.setAttribute("data-live-status", state);
    bar.querySelector(".live-code-status").textContent = text;
  }

  function loadThebe() {
    if (window.thebe && window.thebe.bootstrap) {
      return Promise.resolve();
    }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = STATIC + "thebe/thebe.css";
    document.head.appendChild(css);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = STATIC + "thebe/index.js";
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + script.src)); };
      document.head.appendChild(script);
    });
  }

  // Mark every code cell's source and output place for thebe. thebe pairs the
  // n-th source with the n-th output, so a cell without output gets an empty
  // one, right where its output would be.
  function markCells() {
    document.querySelectorAll("div.cell").forEach(function (cell) {
      var pre = cell.querySelector(".cell_input pre");
      if (!pre) {
        return;
      }
      pre.setAttribute("data-executable", "true");
      pre.setAttribute("data-language", "python");
      var output = cell.querySelector(".cell_output");
      if (!output) {
        output = document.createElement("div");
        output.className = "cell_output docutils container";
        cell.appendChild(output);
      }
      output.setAttribute("data-output", "");
    });
  }

  function start(bar, source, kernel) {
    var button = bar.querySelector("button");
    button.disabled = true;
    setStatus(bar, "loading", "Loading thebe…");
    loadThebe().then(function () {
      markCells();
      window.thebe.on("status", function (name, data) {
        if (data && data.message && bar.getAttribute("data-live-status") !== "ready") {
          setStatus(bar, "connecting", data.message);
        }
      });
      setStatus(bar, "connecting", "Connecting to " + baseUrl + "…");
      return window.thebe.bootstrap({
        useBinder: false,
        useJupyterLite: false,
        requestKernel: true,
        mountActivateWidget: false,
        mountStatusWidget: false,
        selector: "[data-executable]",
        outputSelector: "[data-output]",
        serverSettings: {
          baseUrl: baseUrl,
          wsUrl: baseUrl.replace(/^http/, "ws"),
          token: settings.token,
          appendToken: true,
        },
        // The kernel starts in the chapter's folder, as when the book is built.
        kernelOptions: { kernelName: kernel, path: source.replace(/\/[^/]*$/, "") },
        // Formulas in outputs use the MathJax that comes with the book.
        mathjaxUrl: STATIC + "mathjax/tex-mml-chtml.js",
        codeMirrorConfig: { mode: "python" },
      });
    }).then(function (result) {
      if (!result || !result.session) {
        throw new Error("the server started no kernel");
      }
      setStatus(bar, "ready", "Kernel ready: press run under a cell (or Shift-Enter in it).");
    }).catch(function (err) {
      button.disabled = false;
      setStatus(bar, "error", "Could not start a kernel on " + baseUrl + " (" + err + "). " +
        "Is `make live` still running? Open the address it printed.");
    });
  }

  function buildBar(source, kernel) {
    var bar = document.createElement("div");
    bar.className = "live-code";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "live-code-run";
    button.textContent = "Run code";
    bar.appendChild(button);
    var status = document.createElement("span");
    status.className = "live-code-status";
    bar.appendChild(status);
    if (!settings) {
      button.disabled = true;
      setStatus(bar, "off", "To run this page's code, start `make live` and open the address it prints.");
    } else {
      setStatus(bar, "idle", "Runs the cells on your Jupyter server at " + baseUrl);
      button.addEventListener("click", function () { start(bar, source, kernel); });
    }
    return bar;
  }

  // The server's notebook view ("/notebooks/") opens the chapter's MyST
  // Markdown source as a notebook (jupytext); JupyterLab's "/lab/tree/"
  // would open it as a text file. Its menu links on to JupyterLab.
  function jupyterLabUrl(source) {
    return baseUrl + "notebooks/" + source.split("/").map(encodeURIComponent).join("/") +
      "?token=" + encodeURIComponent(settings.token);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = meta("live-code-source");
    if (!source) {
      return; // not a chapter: nothing to run
    }
    var kernel = meta("live-code-kernel") || "python3";
    var links = document.querySelectorAll("a.btn-live-jupyterlab");
    for (var i = 0; i < links.length; i++) {
      if (settings) {
        links[i].href = jupyterLabUrl(source);
      } else {
        links[i].removeAttribute("href");
        links[i].title = "Start `make live` to open this chapter in JupyterLab";
      }
    }
    var heading = document.querySelector("article.bd-article h1") || document.querySelector("article h1");
    if (heading) {
      var bar = buildBar(source, kernel);
      var after = heading.nextElementSibling;
      // Below the framework switch, if the page has one.
      if (after && after.classList.contains("fw-switch")) {
        heading = after;
      }
      heading.insertAdjacentElement("afterend", bar);
    }
  });
})();
