// The place page's instant check: when the trip or the position changes, ask the server's
// check (JSON, the same check the save uses) and say at once whether the stop fits.
(function () {
  "use strict";
  var form = document.getElementById("place-check");
  if (!form) { return; }
  var out = document.getElementById("check-result");
  function show(data) {
    out.textContent = "";
    var p = document.createElement("p");
    if (data.error) {
      p.className = "bad";
      p.textContent = data.error;
      out.appendChild(p);
      return;
    }
    p.className = data.ok ? "ok" : "bad";
    p.textContent = (data.ok ? "\u2713 " : "\u2717 ") + "#" + data.position + " \u00b7 " +
      data.arrive[data.position - 1] + " \u2192 " + data["return"] + " \u00b7 " +
      data.load + "/" + data.capacity;
    out.appendChild(p);
    if (data.breaches.length) {
      var ul = document.createElement("ul");
      ul.className = "breaches";
      data.breaches.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        ul.appendChild(li);
      });
      out.appendChild(ul);
    }
    if (data.ok) {
      form.requestSubmit();  // the server renders the result with the save button
    }
  }
  function check() {
    var trip = form.elements.trip.value;
    if (!trip) { out.textContent = ""; return; }
    var url = form.dataset.checkUrl + "?trip=" + encodeURIComponent(trip) +
      "&position=" + encodeURIComponent(form.elements.position.value || "");
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(show)
      .catch(function () { /* the Check button still works */ });
  }
  form.elements.trip.addEventListener("change", check);
  form.elements.position.addEventListener("change", check);
}());
