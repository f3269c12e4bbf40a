/* Small progressive enhancements for the homeowner pages; every page works without them. */
(function () {
  "use strict";

  var POLL_MS = 10000;

  // Preset chips fill an input ("30 kWh", "07:00"); the chip matching the input's value shows pressed.
  function sameValue(chipValue, inputValue) {
    return chipValue.indexOf(":") >= 0 ? inputValue.slice(0, 5) === chipValue : parseFloat(chipValue) === parseFloat(inputValue);
  }
  function markChips(input) {
    document.querySelectorAll('[data-fill="' + input.id + '"]').forEach(function (chip) {
      chip.setAttribute("aria-pressed", sameValue(chip.getAttribute("data-value"), input.value));
    });
  }
  document.addEventListener("click", function (event) {
    var chip = event.target.closest("[data-fill]");
    if (!chip) return;
    var input = document.getElementById(chip.getAttribute("data-fill"));
    if (!input) return;
    input.value = chip.getAttribute("data-value");
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
  document.addEventListener("input", function (event) {
    if (event.target.id) markChips(event.target);
  });

  // A read-only link to copy (an invitation) is selected whole when focused.
  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) event.target.select();
  });

  // A second tap on a button while the first submit is on its way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) return;
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    form.setAttribute("aria-busy", "true");
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  window.addEventListener("pageshow", function () {  // back button: the page may come from the cache
    document.querySelectorAll("form[aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });

  // Charging needs: kWh or range, converted with the car's efficiency.
  var KM_PER_MILE = 1.609344;
  function amountForms() {
    document.querySelectorAll("input[name=amount_in]").forEach(function (radio) {
      var form = radio.form;
      function show() {
        var chosen = form.querySelector("input[name=amount_in]:checked");
        form.querySelectorAll("[data-panel]").forEach(function (panel) {
          panel.hidden = chosen && panel.getAttribute("data-panel") !== chosen.value;
        });
      }
      radio.addEventListener("change", show);
      show();
    });
    var distance = document.getElementById("id_distance");
    var efficiency = document.getElementById("id_efficiency");
    var unit = document.getElementById("id_distance_unit");
    var energy = document.getElementById("id_energy_kwh");
    if (!distance || !efficiency || !unit || !energy) return;
    var estimate = document.querySelector("[data-kwh-estimate]");
    var rangeHint = document.querySelector("[data-range-hint]");
    var unitLabel = document.querySelector("[data-efficiency-unit]");
    var lastUnit = unit.value;
    function unitWords() { return unit.value === "km" ? "km" : "miles"; }
    function update() {
      var d = parseFloat(distance.value), e = parseFloat(efficiency.value), k = parseFloat(energy.value);
      if (estimate) estimate.textContent = d > 0 && e > 0 ? "That's about " + (Math.ceil(d / e * 10) / 10) + " kWh." : "";
      if (rangeHint) rangeHint.textContent = k > 0 && e > 0 ? "About " + Math.round(k * e) + " " + unitWords() + " of range." : "";
    }
    unit.addEventListener("change", function () {
      var e = parseFloat(efficiency.value);
      if (e > 0 && unit.value !== lastUnit) {
        efficiency.value = (unit.value === "km" ? e * KM_PER_MILE : e / KM_PER_MILE).toFixed(1);
      }
      lastUnit = unit.value;
      if (unitLabel) unitLabel.textContent = unitWords() + " per kWh";
      update();
    });
    [distance, efficiency, energy].forEach(function (el) { el.addEventListener("input", update); });
    update();
  }

  // Parts of a page that refresh themselves: data-live polls, data-load loads once.
  function fetchFragment(url) {
    return fetch(url, { headers: { "X-Fragment": "1" }, credentials: "same-origin" }).then(function (response) {
      if (response.redirected || !response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    });
  }
  function versionOf(html) {
    var match = /data-version="([^"]*)"/.exec(html);
    return match ? match[1] : null;
  }
  function live(section) {
    var url = section.getAttribute("data-live");
    var note = document.getElementById("plan-updated");
    function tick() {
      if (document.hidden) return;
      fetchFragment(url).then(function (html) {
        var before = section.querySelector("[data-version]");
        var oldVersion = before ? before.getAttribute("data-version") : null;
        // Only the picture changes; keep what the reader has opened (e.g. "Why it changed").
        var open = section.querySelector("details[open]") !== null;
        section.innerHTML = html;
        if (open) { var d = section.querySelector("details"); if (d) d.open = true; }
        if (note && oldVersion !== null && versionOf(html) !== oldVersion) {
          note.hidden = false;
          setTimeout(function () { note.hidden = true; }, 6000);
        }
      }).catch(function () { /* offline for a moment: try again next tick */ });
    }
    setInterval(tick, POLL_MS);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) tick(); });
  }
  function loadOnce(box) {
    fetchFragment(box.getAttribute("data-load")).then(function (html) {
      box.innerHTML = html;
    }).catch(function () {
      box.innerHTML = '<p class="friendly">This can\u2019t be shown right now. Please try again later.</p>';
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-fill]").forEach(function (chip) {
      var input = document.getElementById(chip.getAttribute("data-fill"));
      if (input) markChips(input);
    });
    amountForms();
    document.querySelectorAll("[data-live]").forEach(live);
    document.querySelectorAll("[data-load]").forEach(loadOnce);
  });
})();
