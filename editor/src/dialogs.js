// Small modal forms in native <dialog> elements: focus moves into them and back, Escape
// cancels, and every field has a label.

let counter = 0;

function field(form, spec) {
  const id = "editor-field-" + ++counter;
  const wrap = document.createElement("p");
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = spec.label;
  let input;
  if (spec.options) {
    input = document.createElement("select");
    for (const [value, text] of spec.options) input.add(new Option(text, value, false, value === spec.value));
  } else {
    input = document.createElement("input");
    input.type = spec.type || "text";
    input.value = spec.value || "";
    if (spec.placeholder) input.placeholder = spec.placeholder;
    if (spec.accept) input.accept = spec.accept;
  }
  input.id = id;
  input.name = spec.name;
  if (spec.required) input.required = true;
  wrap.append(label, input);
  if (spec.hint) {
    const hint = document.createElement("small");
    hint.id = id + "-hint";
    hint.textContent = spec.hint;
    input.setAttribute("aria-describedby", hint.id);
    wrap.append(hint);
  }
  form.append(wrap);
  return input;
}

/// Opens a dialog titled `title` around `build(form)`, which adds the fields; resolves with the
/// form's values, or null when cancelled.
export function open(title, build, submitLabel = "Insert") {
  return new Promise((resolve) => {
    const dialog = document.createElement("dialog");
    dialog.className = "editor-dialog";
    const heading = document.createElement("h2");
    heading.id = "editor-dialog-" + ++counter;
    heading.textContent = title;
    dialog.setAttribute("aria-labelledby", heading.id);
    const form = document.createElement("form");
    form.method = "dialog";
    const fields = document.createElement("div");
    form.append(fields);
    const extra = build(fields, { field: (spec) => field(fields, spec), close: (v) => finish(v) });
    const actions = document.createElement("p");
    actions.className = "actions";
    const ok = document.createElement("button");
    ok.type = "submit";
    ok.textContent = submitLabel;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary";
    cancel.textContent = "Cancel";
    actions.append(ok, cancel);
    form.append(actions);
    dialog.append(heading, form);
    const returnTo = document.activeElement;
    let done = false;
    function finish(value) {
      if (done) return;
      done = true;
      dialog.close();
      dialog.remove();
      if (returnTo && returnTo.focus) returnTo.focus();
      resolve(value);
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (extra && extra.validate && !extra.validate()) return;
      const values = Object.fromEntries(new FormData(form).entries());
      finish(extra && extra.values ? extra.values(values) : values);
    });
    cancel.addEventListener("click", () => finish(null));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = form.querySelector("input, select, button");
    if (first) first.focus();
  });
}

export function ask(title, specs, submitLabel) {
  return open(title, (_, { field: add }) => {
    specs.forEach(add);
  }, submitLabel);
}
