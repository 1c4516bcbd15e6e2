/* Recipe editor: live nutrient totals per serving as the user edits.
   eaten grams = grams as purchased x edible fraction; nutrient = eaten x per-100 g / 100.
   The server recomputes the same on save (mealplan.services.food). No external assets. */
(function () {
  "use strict";
  var table = document.getElementById("recipe");
  var dataEl = document.getElementById("ingredient-data");
  if (!table || !dataEl) { return; }
  var ingredients = JSON.parse(dataEl.textContent || "{}");
  var body = table.querySelector("tbody");
  var totalsCells = document.querySelectorAll("#totals td[data-key]");

  function fmt(v) { return (Math.round(v * 10) / 10).toFixed(1); }

  function recompute() {
    var totals = {};
    var cost = 0;
    totalsCells.forEach(function (td) { totals[td.dataset.key] = 0; });
    body.querySelectorAll("tr.line").forEach(function (tr) {
      var code = tr.querySelector(".ing").value.trim();
      var grams = parseFloat(tr.querySelector(".grams").value);
      var kcalCell = tr.querySelector(".kcal");
      var ing = ingredients[code];
      tr.classList.toggle("unknown", code !== "" && !ing);
      if (!ing || !(grams > 0)) { kcalCell.textContent = ""; return; }
      var eaten = grams * ing.edible_fraction;
      Object.keys(ing.per_100g).forEach(function (key) {
        var v = ing.per_100g[key];
        if (v !== null && key in totals) { totals[key] += eaten * v / 100; }
      });
      kcalCell.textContent = fmt(eaten * (ing.per_100g.energy_kcal || 0) / 100);
      cost += grams * ing.price_fen_per_kg / 1000;
    });
    totalsCells.forEach(function (td) {
      var key = td.dataset.key;
      td.textContent = key === "cost_fen" ? String(Math.round(cost)) : fmt(totals[key]);
    });
  }

  function renumber() {
    body.querySelectorAll("tr.line").forEach(function (tr, i) {
      tr.querySelector(".ing").name = "recipe-" + i + "-ingredient";
      tr.querySelector(".grams").name = "recipe-" + i + "-grams";
    });
  }

  body.addEventListener("input", recompute);
  body.addEventListener("click", function (ev) {
    if (ev.target.classList.contains("remove")) {
      var rows = body.querySelectorAll("tr.line");
      var tr = ev.target.closest("tr");
      if (rows.length > 1) { tr.remove(); } else {
        tr.querySelector(".ing").value = ""; tr.querySelector(".grams").value = "";
      }
      renumber(); recompute();
    }
  });
  var add = document.getElementById("add-line");
  if (add) {
    add.addEventListener("click", function () {
      var rows = body.querySelectorAll("tr.line");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelector(".ing").value = "";
      copy.querySelector(".grams").value = "";
      copy.querySelector(".kcal").textContent = "";
      body.appendChild(copy);
      renumber();
      copy.querySelector(".ing").focus();
    });
  }
  recompute();
})();
