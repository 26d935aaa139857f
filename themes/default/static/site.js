// Progressive enhancement only: every control works as a plain link or form without this file.
(function () {
  "use strict";
  var button = document.querySelector("[data-back-to-top]");
  if (!button) return;
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  document.documentElement.classList.add("js");

  function update() {
    button.classList.toggle("is-visible", window.scrollY > window.innerHeight);
  }
  window.addEventListener("scroll", update, { passive: true });
  update();

  button.addEventListener("click", function (event) {
    event.preventDefault();
    window.scrollTo({ top: 0, behavior: reduceMotion.matches ? "auto" : "smooth" });
    var target = document.querySelector(".skip-link");
    if (target) target.focus({ preventScroll: true });
    history.replaceState(null, "", window.location.pathname + window.location.search);
  });
})();
