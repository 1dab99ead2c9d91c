// Emphasise the passage named by the URL fragment (#q-START-END): every <mark> segment that belongs to it.
(function () {
  function show() {
    var id = decodeURIComponent(location.hash.slice(1));
    document.querySelectorAll("mark.current").forEach(function (m) { m.classList.remove("current"); });
    var match = /^q-(\d+)-(\d+)$/.exec(id);
    if (!match) return;
    var token = match[1] + "-" + match[2];
    var marks = Array.prototype.filter.call(document.querySelectorAll("mark[data-spans]"), function (m) {
      return m.getAttribute("data-spans").split(" ").indexOf(token) !== -1;
    });
    marks.forEach(function (m) { m.classList.add("current"); });
    if (marks.length) marks[0].scrollIntoView({block: "center"});
  }
  window.addEventListener("hashchange", show);
  show();
})();
