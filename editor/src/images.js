// Pictures from the media library: a picker that searches it, uploads that go into it, and the
// details (alt text, caption, credit, size) of an image in the body.
import { open, ask } from "./dialogs.js";

const LIBRARY_PREFIX = "/images/v2/raw/media:";

/// The id of a library item an image shows, if it is one.
export function libraryId(src) {
  return src && src.startsWith(LIBRARY_PREFIX) ? Number(src.slice(LIBRARY_PREFIX.length)) || null : null;
}

/// What the editor shows for an image: a library item through a signed preview (it may not be
/// public yet), anything else as it is.
export function previewSrc(src, width = 700) {
  const id = libraryId(src);
  return id ? `/admin/media/${id}/preview?width=${width}` : src;
}

async function library(params) {
  const r = await fetch("/admin/media.json?" + new URLSearchParams(params), { credentials: "same-origin" });
  if (!r.ok) throw new Error("The media library did not answer (" + r.status + ").");
  return r.json();
}

/// Uploads a file to the library; resolves with the new item.
export async function upload(file, csrf) {
  const data = new FormData();
  data.append("_csrf", csrf);
  data.append("file", file);
  const r = await fetch("/admin/media", { method: "POST", body: data, credentials: "same-origin" });
  const match = r.url.match(/\/admin\/media\/(\d+)$/);
  if (!r.ok || !match) throw new Error("The image could not be uploaded. Is it a JPEG, PNG, WebP, GIF or AVIF file?");
  const found = await library({ id: match[1] });
  return found.items[0];
}

/// Lets the writer choose library items (or upload one); resolves with the chosen items, or null.
export function pick(csrf, multiple) {
  const chosen = new Map();
  return open(multiple ? "Choose pictures for a gallery" : "Choose a picture", (fields, { field }) => {
    const input = field({ name: "q", label: "Search the library", type: "search" });
    const file = field({ name: "upload", label: "Or upload a new picture", type: "file", accept: "image/jpeg,image/png,image/webp,image/gif,image/avif" });
    const status = document.createElement("p");
    status.className = "editor-library-status";
    status.setAttribute("role", "status");
    const grid = document.createElement("ul");
    grid.className = "editor-library";
    grid.setAttribute("aria-label", "Library pictures");
    fields.append(status, grid);

    function tile(item) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "editor-tile";
      button.setAttribute("aria-pressed", chosen.has(item.id) ? "true" : "false");
      const img = document.createElement("img");
      img.src = item.thumb;
      img.alt = "";
      img.width = 160;
      img.height = Math.round((160 * item.height) / Math.max(1, item.width));
      const name = document.createElement("span");
      name.textContent = item.alt || "Picture " + item.id + " (no alt text yet)";
      button.append(img, name);
      button.addEventListener("click", () => {
        if (chosen.has(item.id)) chosen.delete(item.id);
        else chosen.set(item.id, item);
        button.setAttribute("aria-pressed", chosen.has(item.id) ? "true" : "false");
        if (!multiple) button.form.requestSubmit();
      });
      li.append(button);
      return li;
    }

    let timer = null;
    async function load() {
      status.textContent = "Loading…";
      try {
        const page = await library({ q: input.value.trim() });
        grid.replaceChildren(...page.items.map(tile));
        status.textContent = page.items.length ? page.items.length + " pictures" : "Nothing in the library matches.";
      } catch (e) {
        status.textContent = e.message;
      }
    }
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    });
    file.addEventListener("change", async () => {
      if (!file.files.length) return;
      status.textContent = "Uploading…";
      try {
        const item = await upload(file.files[0], csrf);
        chosen.set(item.id, item);
        grid.prepend(tile(item));
        status.textContent = "Uploaded.";
        if (!multiple) file.form.requestSubmit();
      } catch (e) {
        status.textContent = e.message;
      }
    });
    load();
    return {
      validate() {
        if (chosen.size) return true;
        status.textContent = multiple ? "Choose at least one picture." : "Choose a picture.";
        return false;
      },
      values: () => [...chosen.values()],
    };
  }, multiple ? "Add pictures" : "Choose");
}

/// Asks for an image's alt text, caption, credit and size; resolves with the attributes, or null.
export async function details(attrs, title = "Picture details") {
  const values = await ask(title, [
    { name: "alt", label: "Alt text (what the picture shows, for readers who cannot see it)", value: attrs.alt, required: true },
    { name: "caption", label: "Caption", value: attrs.caption },
    { name: "credit", label: "Credit", value: attrs.credit, placeholder: "Photograph: …" },
    { name: "size", label: "Size", value: attrs.size || "inline", options: [["inline", "Inline (text width)"], ["wide", "Wide"], ["full", "Full width"]] },
  ], "Save");
  return values && { ...attrs, alt: values.alt.trim(), caption: values.caption.trim(), credit: values.credit.trim(), size: values.size };
}

/// Image attributes from a library item, with its own alt text, caption and credit.
export function fromItem(item) {
  return { src: item.src, alt: item.alt, caption: item.caption, credit: item.credit, size: "inline", focal: item.focal };
}
