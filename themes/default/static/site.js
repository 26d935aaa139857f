// Progressive enhancement only: every control works as a plain link or form without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function backToTop() {
    var button = document.querySelector("[data-back-to-top]");
    if (!button) return;
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
  }

  // Embeds: the card links to the post; a player is loaded from its provider only when the
  // reader asks for it here.
  function embeds() {
    document.querySelectorAll("[data-embed-player]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var frame = document.createElement("iframe");
        frame.src = button.getAttribute("data-embed-player");
        frame.title = button.getAttribute("data-embed-title");
        frame.className = "embed-player";
        frame.setAttribute("allow", "fullscreen; picture-in-picture; encrypted-media");
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        var note = button.nextElementSibling;
        if (note && note.classList.contains("embed-note")) note.remove();
        button.replaceWith(frame);
        frame.focus();
      });
    });
  }

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) {
      return c.indexOf(name + "=") === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1).replace(/\+/g, " ")) : "";
  }

  // The comment form: refilled from the remember-me cookies, a fresh time stamp once the reader
  // starts (the page may come from a cache), Reply moves the form under the comment, and posting
  // does not reload the page.
  function comments() {
    var form = document.querySelector("[data-comment-form]");
    var respond = document.getElementById("respond");
    if (!form || !respond) return;
    var home = document.createComment("respond");
    respond.parentNode.insertBefore(home, respond);
    var parentField = form.querySelector("#comment_parent");
    var title = respond.querySelector("[data-reply-title]");
    var cancel = document.getElementById("cancel-comment-reply-link");
    var status = form.querySelector("[data-comment-status]");

    var remembered = false;
    [["comment_author", "author"], ["comment_author_email", "email"], ["comment_author_url", "url"]].forEach(function (pair) {
      var value = cookie(pair[0]);
      var field = form.querySelector("#" + pair[1]);
      if (value && field && !field.value) {
        field.value = value;
        remembered = true;
      }
    });
    if (remembered) form.querySelector("#wp-comment-cookies-consent").checked = true;

    var stamped = false;
    form.addEventListener("focusin", function () {
      if (stamped) return;
      stamped = true;
      fetch("/comments/stamp", { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && body.stamp) form.querySelector("[data-form-stamp]").value = body.stamp;
        })
        .catch(function () {});
    });

    function setTitle(name) {
      title.textContent = name ? "Leave a Reply to " + name : "Leave a Reply";
      cancel.hidden = !name;
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest("[data-reply-to]");
      if (!link) return;
      event.preventDefault();
      var li = document.getElementById("li-comment-" + link.getAttribute("data-reply-to"));
      li.querySelector(".comment-body").after(respond);
      parentField.value = link.getAttribute("data-reply-to");
      setTitle(link.getAttribute("data-reply-name"));
      form.querySelector("#comment").focus();
    });
    cancel.addEventListener("click", function (event) {
      event.preventDefault();
      home.after(respond);
      parentField.value = "0";
      setTitle("");
    });

    function clearErrors() {
      form.querySelectorAll(".field-error[data-js]").forEach(function (e) { e.remove(); });
      form.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      status.textContent = "Posting…";
      var button = form.querySelector("[type=submit]");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams(new FormData(form)),
      })
        .then(function (r) {
          return r.json().then(function (body) { return { status: r.status, body: body }; });
        })
        .then(function (answer) {
          if (answer.status === 201) {
            placeComment(answer.body);
          } else if (answer.body.error && answer.body.error.fields) {
            showErrors(answer.body.error.fields);
          } else {
            status.textContent = answer.body.error ? answer.body.error.message : "Your comment could not be posted.";
          }
        })
        .catch(function () {
          status.textContent = "Your comment could not be sent; check your connection and try again.";
        })
        .then(function () { button.disabled = false; });
    });

    function showErrors(fields) {
      status.textContent = "Your comment was not posted yet. Please check the fields marked.";
      var first = null;
      Object.keys(fields).forEach(function (name) {
        var input = form.querySelector("#" + name);
        if (!input) return;
        input.setAttribute("aria-invalid", "true");
        var note = document.createElement("span");
        note.className = "field-error";
        note.setAttribute("data-js", "");
        note.textContent = fields[name];
        input.after(note);
        first = first || input;
      });
      if (first) first.focus();
    }

    function placeComment(body) {
      var li = document.createElement("li");
      li.className = "comment";
      li.id = "li-comment-" + body.id;
      li.innerHTML = body.html;
      var parentId = parentField.value;
      var list;
      if (parentId && parentId !== "0") {
        var parent = document.getElementById("li-comment-" + parentId);
        list = parent.querySelector(":scope > ol.children");
        if (!list) {
          list = document.createElement("ol");
          list.className = "children";
          parent.appendChild(list);
        }
      } else {
        list = document.querySelector(".comment-list");
        if (!list) {
          list = document.createElement("ol");
          list.className = "comment-list";
          home.before(list);
        }
      }
      list.appendChild(li);
      form.querySelector("#comment").value = "";
      home.after(respond);
      parentField.value = "0";
      setTitle("");
      status.textContent = body.status === "approved"
        ? "Your comment has been posted."
        : "Thank you: your comment is awaiting moderation.";
      li.scrollIntoView({ block: "nearest", behavior: reduceMotion.matches ? "auto" : "smooth" });
    }
  }

  // Newsletter sign-ups confirm in place; the answer is the same whatever the address.
  function newsletters() {
    document.querySelectorAll("[data-newsletter-form]").forEach(function (form) {
      var status = form.querySelector("[data-newsletter-status]");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        status.textContent = "Signing you up…";
        fetch(form.action, {
          method: "POST",
          headers: { Accept: "application/json" },
          body: new URLSearchParams(new FormData(form)),
        })
          .then(function (r) { return r.json(); })
          .then(function (body) {
            if (body.message) {
              status.textContent = body.message;
              form.querySelector("input[type=email]").value = "";
            } else {
              status.textContent = body.error ? body.error.message : "That did not work; please try again.";
            }
          })
          .catch(function () {
            status.textContent = "Your sign-up could not be sent; check your connection and try again.";
          });
      });
    });
  }

  backToTop();
  comments();
  embeds();
  newsletters();
})();
