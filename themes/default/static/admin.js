// Enhancements for the editor; every form also works without this file.
(function () {
  "use strict";
  // The focal point: a click on the picture sets the two numbers of the form.
  var focal = document.querySelector("[data-focal]");
  if (focal) {
    var img = focal.querySelector("img");
    var mark = focal.querySelector(".focal-mark");
    var fx = document.querySelector("[data-focal-x]");
    var fy = document.querySelector("[data-focal-y]");
    var place = function () {
      mark.style.left = fx.value / 10 + "%";
      mark.style.top = fy.value / 10 + "%";
      mark.hidden = false;
    };
    place();
    fx.addEventListener("input", place);
    fy.addEventListener("input", place);
    img.addEventListener("click", function (event) {
      var box = img.getBoundingClientRect();
      var x = Math.round(((event.clientX - box.left) / box.width) * 1000);
      var y = Math.round(((event.clientY - box.top) / box.height) * 1000);
      fx.value = Math.min(1000, Math.max(0, x));
      fy.value = Math.min(1000, Math.max(0, y));
      place();
    });
  }
})();

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

  // Autosave: while there are unsaved changes, post the fields every 15 seconds. A failed
  // autosave is retried at the next tick; the warning above still guards the page.
  var autosaveUrl = form.getAttribute("data-autosave");
  if (autosaveUrl) {
    var pending = false;
    form.addEventListener("input", function () { pending = true; });
    setInterval(function () {
      if (!pending) return;
      pending = false;
      fetch(autosaveUrl, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" })
        .catch(function () { pending = true; });
    }, 15000);
  }

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
