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

  // Upload a lead image without leaving the editor: the file goes to the library, and the new
  // item is chosen as the lead image.
  var uploadHere = form.querySelector("[data-upload-here]");
  var uploadInput = form.querySelector("[data-lead-upload]");
  var leadSelect = form.querySelector("#lead");
  if (uploadHere && uploadInput && leadSelect) {
    uploadHere.hidden = false;
    uploadInput.addEventListener("change", function () {
      if (!uploadInput.files.length) return;
      var data = new FormData();
      data.append("_csrf", form.querySelector("input[name=_csrf]").value);
      data.append("file", uploadInput.files[0]);
      fetch("/admin/media", { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) {
          var match = r.url.match(/\/admin\/media\/(\d+)$/);
          if (!r.ok || !match) return Promise.reject(r.status);
          var option = new Option(uploadInput.files[0].name, match[1], true, true);
          leadSelect.add(option);
          dirty = true;
        })
        .catch(function () { alert("The image could not be uploaded. Is it a JPEG, PNG, WebP, GIF or AVIF file?"); });
    });
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
      var body = new URLSearchParams({ _csrf: csrf.value, body: source.value, body_format: "html" });
      fetch("/admin/preview", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { target.innerHTML = html; })
        .catch(function () {});
    }, 400);
  });
})();
