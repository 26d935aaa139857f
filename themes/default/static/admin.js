// Enhancements for the editor; every form also works without this file.
(function () {
  "use strict";
  var form = document.querySelector("[data-editor]");
  if (!form) return;

  // Warn before leaving with unsaved changes.
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // Live preview, rendered by the server with the same code as the site.
  var source = form.querySelector("[data-preview-source]");
  var target = document.querySelector("[data-preview]");
  var csrf = form.querySelector("input[name=_csrf]");
  if (!source || !target || !csrf) return;
  var timer = null;
  source.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var body = new URLSearchParams({ _csrf: csrf.value, body: source.value });
      fetch("/admin/preview", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { target.innerHTML = html; })
        .catch(function () {});
    }, 400);
  });
})();
