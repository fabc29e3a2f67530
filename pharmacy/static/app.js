/* LDN pharmacy pages: progressive enhancement only; every page works without it. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  /* ---- Show only the fields that apply (capsule/liquid, fixed/custom plan). ---- */
  function syncVisibility(form) {
    var dosage = form.elements["dosage_form"];
    var plan = form.elements["plan"];
    var isLiquid = dosage && dosage.value === "liquid";
    $all(".only-capsule", form).forEach(function (el) { el.classList.toggle("is-hidden", isLiquid); });
    $all(".only-liquid", form).forEach(function (el) { el.classList.toggle("is-hidden", !isLiquid); });
    var planValue = plan ? plan.value : "fixed";
    $all(".only-fixed", form).forEach(function (el) { el.classList.toggle("is-hidden", planValue !== "fixed"); });
    $all(".only-custom", form).forEach(function (el) { el.classList.toggle("is-hidden", planValue !== "custom"); });
  }

  /* ---- Live preview of directions and the dated schedule (changes nothing). ---- */
  /* Only the dose plan goes into the preview's URL: patient details, notes and the
     prescriber never leave the form except in the POST that submits it (URLs end up in
     access logs and browser history). */
  var PREVIEW_FIELDS = ["dosage_form", "dose_basis", "strength_mg", "concentration_mg_per_ml",
    "syringe_ml", "plan", "dose_mg", "quantity", "days_supply", "refills", "filler", "start_on",
    /* the patient's language, for the dates and words of the dose chart */
    "patient.language",
    /* the medications, for the opioid screen: POSTed, never in the URL; never the name or
       the date of birth */
    "patient.current_medications"];
  function isPlanField(key) {
    return PREVIEW_FIELDS.indexOf(key) !== -1 || key.indexOf("titration.") === 0;
  }
  function previewParams(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (isPlanField(key) && typeof value === "string") { params.append(key, value); }
    });
    return params;
  }

  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }

  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); }

  /* The leaflet's dose chart, as SVG the server made from the same plan. It goes in as an
     image (a data: URL, allowed by the page's img-src): an SVG image runs no script and
     loads nothing, and no markup from the response is ever parsed into the page. */
  function renderChart(data) {
    var box = $("#preview-chart");
    if (!box) { return; }
    var figure = $("figure", box), chart = data.ok ? data.chart : null;
    clear(figure);
    box.hidden = !(chart && chart.svg);
    if (box.hidden) { return; }
    $("#preview-chart-title").textContent = chart.title;
    var img = document.createElement("img");
    img.alt = chart.title + " (" + chart.caption + ")";
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(chart.svg);
    figure.appendChild(img);
  }

  function renderPreview(data) {
    var list = $("#preview-directions"), body = $("#preview-schedule"), errors = $("#preview-errors");
    var empty = $("#preview-empty"), qty = $("#preview-quantity"), acks = $("#preview-acks");
    clear(list); clear(body);
    errors.hidden = true; errors.textContent = "";
    acks.hidden = true; acks.textContent = "";
    qty.textContent = "";
    var messages = [];
    Object.keys(data.errors || {}).forEach(function (field) {
      (data.errors[field] || []).forEach(function (m) { messages.push(m); });
    });
    if (messages.length) { errors.textContent = messages.join(" "); errors.hidden = false; }
    empty.hidden = data.ok || messages.length > 0;
    (data.directions || []).forEach(function (line) {
      var li = document.createElement("li"); li.textContent = line; list.appendChild(li);
    });
    (data.schedule || []).forEach(function (s) {
      var tr = document.createElement("tr");
      cell(tr, s.start); cell(tr, s.end); cell(tr, s.dose_mg + " mg"); cell(tr, String(s.days));
      body.appendChild(tr);
    });
    renderChart(data);
    if (data.ok) { qty.textContent = "The plan needs " + data.quantity_needed + " over " + data.total_days + " days."; }
    var est = data.estimate;
    if (data.ok && est && est.available) {
      /* DOMAIN.md §12: an estimate from the standard cost; the fill's price comes from its batch. */
      qty.textContent += " Estimated price: " + est.per_month_text + " a month, " + est.total_text +
        " in total (an estimate; the price is set when the pharmacy fills it).";
    } else if (data.ok && est && est.available === false) {
      /* The reason names the pharmacy's missing costs; the prescriber needs only this. */
      qty.textContent += " No price estimate yet: the pharmacy has not costed this " +
        "preparation; it will give the patient the price.";
    }
    var flag = $("#preview-opioids");
    if (flag) {
      var found = (data.opioids || []).map(function (o) {
        return o.medication + " (" + o.ingredient + (o.severity === "stop" ? "" : ", a caution") + ")";
      });
      flag.textContent = found.length ? "Opioid found in the medications: " + found.join("; ") +
        ". Naltrexone can cause sudden withdrawal; the pharmacist will hold this prescription." : "";
      flag.hidden = !found.length;
    }
    if (data.acknowledgements && data.acknowledgements.length) {
      acks.textContent = data.acknowledgements.join(" "); acks.hidden = false;
    }
  }

  function setupPreview(form) {
    var url = form.getAttribute("data-preview-url");
    if (!url || !$("#preview-directions")) { return; }
    var timer = null, seq = 0;
    function run() {
      var mine = ++seq;
      var token = form.querySelector("input[name=csrf_token]");
      fetch(url, {
        method: "POST", credentials: "same-origin", body: previewParams(form),
        headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
      }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && mine === seq) { renderPreview(data); } })
        .catch(function () { /* the preview is a convenience; the server checks on submit */ });
    }
    function later() { clearTimeout(timer); timer = setTimeout(run, 250); }
    form.addEventListener("input", later);
    form.addEventListener("change", function () { syncVisibility(form); later(); });
    run();
  }

  /* ---- Barcode scanners type the code and press Enter. In a field marked
     data-scan="next", Enter moves to the next field instead of submitting, so a scan
     never submits a half-filled worksheet. data-scan="submit" submits as usual. ---- */
  function setupScanners() {
    $all("input[data-scan]").forEach(function (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        input.value = input.value.trim();
        if (input.getAttribute("data-scan") !== "next") { return; }
        event.preventDefault();
        var fields = $all("input:not([type=hidden]):not([disabled]), select, textarea, button", input.form);
        var i = fields.indexOf(input);
        if (i >= 0 && i + 1 < fields.length) { fields[i + 1].focus(); if (fields[i + 1].select) { fields[i + 1].select(); } }
      });
    });
    var autofocus = $("input[data-scan][autofocus]");
    if (autofocus) { autofocus.focus(); }
  }

  /* ---- Weights: highlight a value outside its [data-low, data-high] range. ---- */
  function setupTolerance() {
    $all("input[data-low][data-high]").forEach(function (input) {
      function check() {
        var v = parseFloat(input.value), low = parseFloat(input.getAttribute("data-low")), high = parseFloat(input.getAttribute("data-high"));
        var has = input.value.trim() !== "" && !isNaN(v);
        var out = has && (v < low || v > high);
        input.classList.toggle("out-of-tolerance", out);
        input.classList.toggle("in-tolerance", has && !out);
        input.setAttribute("aria-invalid", out ? "true" : "false");
      }
      input.addEventListener("input", check);
      check();
    });
  }

  /* ---- Confirm before irreversible actions (recall, reject, reprint). ---- */
  function setupConfirm() {
    $all("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  /* ---- A print answers with a PDF. The form is sent with fetch so the download is
     finished before the page reloads (the reload shows the log and the "Reprint (reason)"
     form); a timer-based reload could cancel a download still in flight on a busy
     machine. When the answer is not a PDF (the server refused and redirected with a
     message), the form is submitted normally so the message shows. ---- */
  function downloadName(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : fallback;
  }

  function setupPrintForms() {
    $all("form[data-print]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.fetch || !window.URL || !URL.createObjectURL) { return; }
        event.preventDefault();
        var buttons = $all("button[type=submit]", form);
        buttons.forEach(function (b) { b.disabled = true; });
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
          .then(function (response) {
            var type = response.headers.get("Content-Type") || "";
            if (!response.ok || type.indexOf("application/pdf") !== 0) {
              buttons.forEach(function (b) { b.disabled = false; });
              HTMLFormElement.prototype.submit.call(form);
              return null;
            }
            var name = downloadName(response, "document.pdf");
            return response.blob().then(function (blob) {
              var url = URL.createObjectURL(blob);
              var link = document.createElement("a");
              link.href = url;
              link.download = name;
              document.body.appendChild(link);
              link.click();
              link.remove();
              window.setTimeout(function () {
                URL.revokeObjectURL(url);
                window.location.reload();
              }, 300);
            });
          })
          .catch(function () {
            buttons.forEach(function (b) { b.disabled = false; });
            HTMLFormElement.prototype.submit.call(form);
          });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var rxForm = $("#rx-form");
    if (rxForm) { syncVisibility(rxForm); setupPreview(rxForm); }
    setupScanners();
    setupTolerance();
    setupConfirm();
    setupPrintForms();
  });
})();
