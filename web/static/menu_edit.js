/* The meal editor's live check: when a dish changes, ask the panel which rules the edited
   meal would break (GET data-check-url with dish=... repeated) and show them. A separate
   file because the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";
  var form = document.getElementById("meal-edit");
  if (!form) { return; }
  var box = document.getElementById("live-check");
  var list = document.getElementById("live-items");
  var ok = document.getElementById("live-ok");
  var cost = document.getElementById("live-cost");
  var seq = 0;

  function show(data) {
    list.textContent = "";
    if (data.error) {
      var li = document.createElement("li");
      li.className = "hard";
      li.textContent = data.error;
      list.appendChild(li);
      box.className = "meal hard";
      ok.hidden = true;
      return;
    }
    (data.items || []).forEach(function (item) {
      var li = document.createElement("li");
      li.className = item.level;
      li.setAttribute("data-rule", item.rule);
      li.textContent = item.text + " ";
      var code = document.createElement("code");
      code.textContent = item.rule;  // the rule id, as the week grid and the plan name it
      li.appendChild(code);
      list.appendChild(li);
    });
    box.className = "meal " + data.level;
    box.setAttribute("data-level", data.level);
    ok.hidden = (data.items || []).length > 0;
    var kcal = (form.getAttribute("data-kcal") || "{n} kcal").replace("{n}", data.energy_kcal);
    cost.textContent = "¥" + (data.cost_fen / 100).toFixed(2) + " · " + kcal;
  }

  function check() {
    var params = new URLSearchParams();
    form.querySelectorAll("select[name=dish]").forEach(function (sel) {
      params.append("dish", sel.value);
    });
    var url = form.getAttribute("data-check-url");
    var mine = ++seq;
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + params.toString(), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (mine === seq) { show(data); }
    }).catch(function () { /* the saved check stays; saving checks again */ });
  }

  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "dish") { check(); }
  });
})();
