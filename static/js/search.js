// Starts Pagefind's search UI on the search page and runs the query from ?q= (the header's
// search form), so the form works with and without JavaScript.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("search");
  if (!root || typeof PagefindUI === "undefined") {
    return;
  }
  var ui = new PagefindUI({
    element: "#search",
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
