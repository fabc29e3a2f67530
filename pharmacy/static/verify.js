/* Product verification with a handheld scanner (issue 21). A scanner types the code and
   presses Enter: Enter in a field moves to the next one, so each scan lands in its own
   field; Enter in the last field (the signature) submits. The page works without it. */
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  if (!form) { return; }
  var order = ["scanned_label", "scanned_lot", "quantity", "password"];
  var fields = order.map(function (name) { return form.elements[name]; });
  fields.forEach(function (field, i) {
    field.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      if (!field.value.trim()) { return; }
      var next = fields.slice(i + 1).filter(function (f) { return !f.value; })[0];
      if (next) { next.focus(); return; }
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
    });
  });
  var first = fields.filter(function (f) { return !f.value; })[0];
  if (first) { first.focus(); }
})();
