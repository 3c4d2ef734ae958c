/* b12site serve: reloads the page when a rebuild changes it, and shows why a rebuild failed.
   Added by the development server only; never part of a built site. */
(function () {
  "use strict";

  var me = document.currentScript;
  if (!me || !window.EventSource || !window.JSON) {
    return;
  }
  var run = me.getAttribute("data-run") || "";
  var base = me.getAttribute("data-base") || "/";
  var since = me.getAttribute("data-update") || "";
  var files = (me.getAttribute("data-files") || "").split(" ").filter(Boolean);
  var OVERLAY = "b12site-overlay";
  var reloading = false;
  var hiddenUntil = null; /* the update whose overlay was hidden with the Hide button */
  var focusBefore = null;

  /* The output file a same-site URL is served from, or "" for another site's. */
  function outputPath(address) {
    var url;
    try {
      url = new URL(address, document.baseURI);
    } catch (error) {
      return "";
    }
    if (url.origin !== location.origin) {
      return "";
    }
    var path;
    try {
      path = decodeURIComponent(url.pathname);
    } catch (error) {
      path = url.pathname;
    }
    if (path.slice(0, base.length) !== base) {
      return "";
    }
    path = path.slice(base.length);
    return path === "" || path.slice(-1) === "/" ? path + "index.html" : path;
  }

  /* Every output file this page shows: the page itself, its style sheets, scripts and images. */
  function shownFiles() {
    var shown = files.slice();
    var found = document.querySelectorAll("link[rel~='stylesheet'][href], script[src], img[src]");
    for (var i = 0; i < found.length; i++) {
      var element = found[i];
      var path = outputPath(element.getAttribute(element.tagName === "LINK" ? "href" : "src"));
      if (path) {
        shown.push(path);
      }
    }
    return shown;
  }

  function reload() {
    if (!reloading) {
      reloading = true;
      location.reload();
    }
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) {
      made.className = className;
    }
    if (text !== undefined) {
      made.textContent = text;
    }
    return made;
  }

  function addStyle(then) {
    var href = base + "__b12site/live.css";
    var link = document.querySelector("link[data-b12site-live]");
    if (link && link.getAttribute("data-loaded")) {
      then();
      return;
    }
    if (!link) {
      link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      link.setAttribute("data-b12site-live", "");
      (document.head || document.documentElement).appendChild(link);
    }
    var done = function () {
      link.setAttribute("data-loaded", "1");
      then();
    };
    link.addEventListener("load", done, { once: true });
    link.addEventListener("error", done, { once: true });
  }

  /* "line 3, column 5", "line 3" or "" */
  function where(finding) {
    if (!finding.line) {
      return "";
    }
    return "line " + finding.line + (finding.column ? ", column " + finding.column : "");
  }

  function findingItem(finding) {
    var item = element("li", "b12site-overlay__finding");
    var place = where(finding);
    if (place) {
      item.appendChild(element("span", "b12site-overlay__where", place));
    }
    if (finding.field) {
      item.appendChild(element("span", "b12site-overlay__field", finding.field));
    }
    if (finding.severity && finding.severity !== "error") {
      item.appendChild(element("span", "b12site-overlay__severity", finding.severity));
    }
    item.appendChild(element("span", "b12site-overlay__message", finding.message || finding.text));
    if (finding.rule) {
      item.appendChild(element("span", "b12site-overlay__rule", "[" + finding.rule + "]"));
    }
    return item;
  }

  function findingsByFile(findings) {
    var list = element("div", "b12site-overlay__files");
    var groups = {};
    var order = [];
    findings.forEach(function (finding) {
      var file = finding.file || "";
      if (!Object.prototype.hasOwnProperty.call(groups, file)) {
        groups[file] = [];
        order.push(file);
      }
      groups[file].push(finding);
    });
    order.forEach(function (file) {
      var section = element("section", "b12site-overlay__file");
      section.appendChild(element("h3", "b12site-overlay__file-name", file || "The site"));
      var items = element("ul", "b12site-overlay__findings");
      groups[file].forEach(function (finding) {
        items.appendChild(findingItem(finding));
      });
      section.appendChild(items);
      list.appendChild(section);
    });
    if (!order.length) {
      list.appendChild(element("p", "b12site-overlay__text", "The terminal says what went wrong."));
    }
    return list;
  }

  function removeOverlay() {
    var overlay = document.getElementById(OVERLAY);
    if (!overlay) {
      return;
    }
    var hadFocus = overlay.contains(document.activeElement);
    overlay.parentNode.removeChild(overlay);
    if (hadFocus && focusBefore && document.contains(focusBefore)) {
      focusBefore.focus({ preventScroll: true });
    }
    focusBefore = null;
  }

  function buildOverlay(update) {
    var overlay = element("div");
    overlay.id = OVERLAY;
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-modal", "false");
    overlay.setAttribute("aria-labelledby", OVERLAY + "-title");
    overlay.setAttribute("aria-describedby", OVERLAY + "-text");
    var panel = element("div", "b12site-overlay__panel");
    var title = element("h2", "b12site-overlay__title", "The site was not rebuilt");
    title.id = OVERLAY + "-title";
    var text = element(
      "p",
      "b12site-overlay__text",
      "The last good version is shown underneath; fix the file and save to rebuild."
    );
    text.id = OVERLAY + "-text";
    var hide = element("button", "b12site-overlay__hide", "Hide");
    hide.type = "button";
    hide.addEventListener("click", function () {
      hiddenUntil = update.number;
      removeOverlay();
    });
    overlay.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        hide.click();
      }
    });
    var head = element("div", "b12site-overlay__head");
    head.appendChild(title);
    head.appendChild(hide);
    panel.appendChild(head);
    panel.appendChild(text);
    panel.appendChild(findingsByFile(update.findings || []));
    overlay.appendChild(panel);
    return overlay;
  }

  function showOverlay(update) {
    if (hiddenUntil === update.number) {
      return;
    }
    addStyle(function () {
      var old = document.getElementById(OVERLAY);
      var overlay = buildOverlay(update);
      if (old) {
        var hadFocus = old.contains(document.activeElement);
        old.parentNode.replaceChild(overlay, old);
        if (hadFocus) {
          overlay.querySelector("button").focus({ preventScroll: true });
        }
        return;
      }
      focusBefore = document.activeElement;
      (document.body || document.documentElement).appendChild(overlay);
      overlay.querySelector("button").focus({ preventScroll: true });
    });
  }

  function onUpdate(event) {
    var update;
    try {
      update = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (update.reload || update.run !== run) {
      reload();
      return;
    }
    var changed = update.changed || [];
    var shown = shownFiles();
    var affected = changed.some(function (file) {
      return shown.indexOf(file) >= 0;
    });
    if (affected) {
      reload(); /* after a failed update too: the reloaded page shows the overlay again */
      return;
    }
    if (update.failed) {
      showOverlay(update);
    } else {
      hiddenUntil = null;
      removeOverlay();
    }
  }

  var query = "since=" + encodeURIComponent(since) + "&run=" + encodeURIComponent(run);
  var source = new EventSource(base + "__b12site/events?" + query);
  /* When the server stops, EventSource retries by itself: nothing to say meanwhile. */
  source.addEventListener("update", onUpdate);
})();
