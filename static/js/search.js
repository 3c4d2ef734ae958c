// Starts Pagefind's search UI on the search page and runs the query from ?q= (the header's
// search form), so the form works with and without JavaScript.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("search");
  if (!root || typeof PagefindUI === "undefined") {
    return;
  }
  // the index comes in bundles (pagefind/0/, pagefind/1/, …): the first one's UI searches all
  var bundles = (root.getAttribute("data-bundles") || "").split(" ").filter(Boolean);
  if (!bundles.length) {
    return;
  }
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: bundles[0],
    mergeIndex: bundles.slice(1).map(function (path) {
      return { bundlePath: path };
    }),
    baseUrl: root.getAttribute("data-base-url") || "/",
    showImages: false,
    showSubResults: true,
    resetStyles: false,
    autofocus: false,
    translations: { placeholder: "Search articles" },
  });
  // Pagefind names its box only by a title: give it a label screen readers announce
  var label = function () {
    var input = root.querySelector("input.pagefind-ui__search-input");
    if (input && !input.hasAttribute("aria-label")) {
      input.setAttribute("aria-label", "Search articles");
    }
    return Boolean(input);
  };
  if (!label()) {
    var watcher = new MutationObserver(function () {
      if (label()) {
        watcher.disconnect();
      }
    });
    watcher.observe(root, { childList: true, subtree: true });
  }
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
});
