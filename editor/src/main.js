// The article editor: ProseMirror on Broadsheet's document model, in place of the body's HTML
// textarea, which it keeps filled so the form, autosave and the live preview work as before.
// Without this script the textarea itself is the editor.
import { EditorState, Plugin, TextSelection } from "prosemirror-state";
import { EditorView } from "prosemirror-view";
import { DOMParser, DOMSerializer } from "prosemirror-model";
import { keymap } from "prosemirror-keymap";
import { baseKeymap, chainCommands, exitCode } from "prosemirror-commands";
import { history, undo, redo } from "prosemirror-history";
import { inputRules, wrappingInputRule, textblockTypeInputRule, InputRule, smartQuotes, ellipsis } from "prosemirror-inputrules";
import { splitListItem, liftListItem, sinkListItem } from "prosemirror-schema-list";
import { dropCursor } from "prosemirror-dropcursor";
import { gapCursor } from "prosemirror-gapcursor";
import { tableEditing, goToNextCell, isInTable } from "prosemirror-tables";
import { schema } from "./schema.js";
import * as c from "./commands.js";
import { provider } from "./embeds.js";
import { previewSrc, upload, details, fromItem } from "./images.js";

const n = schema.nodes;
const m = schema.marks;
const mac = /Mac|iPhone|iPad/.test(navigator.platform);
const mod = mac ? "⌘" : "Ctrl";

function rules() {
  return inputRules({
    rules: [
      ...smartQuotes,
      ellipsis,
      textblockTypeInputRule(/^(#{2,4})\s$/, n.heading, (match) => ({ level: match[1].length })),
      wrappingInputRule(/^\s*>\s$/, n.blockquote),
      wrappingInputRule(/^\s*([-+*])\s$/, n.bullet_list),
      wrappingInputRule(/^(\d+)\.\s$/, n.ordered_list, (match) => ({ order: +match[1] }), (match, node) => node.childCount + node.attrs.order === +match[1]),
      textblockTypeInputRule(/^```$/, n.code_block),
      new InputRule(/^(?:---|\*\*\*|___)$/, (state, match, start, end) => {
        const $start = state.doc.resolve(start);
        if ($start.parent.type !== n.paragraph || $start.depth !== 1) return null;
        const tr = state.tr.replaceWith($start.before(), $start.after(), [n.horizontal_rule.create(), n.paragraph.create()]);
        return tr.setSelection(TextSelection.create(tr.doc, $start.before() + 2));
      }),
    ],
  });
}

/// The toolbar's buttons, in groups; `key` is the shortcut (ProseMirror's names).
function items(csrf) {
  const mark = (name, type, label, key) => ({ label, name, key, run: c.marks[type], active: (s) => c.markActive(s, m[type]) });
  return [
    [
      { label: "P", name: "Paragraph", key: "Mod-Alt-0", run: c.paragraph, active: (s) => s.selection.$from.parent.type === n.paragraph },
      ...[2, 3, 4].map((level) => ({ label: "H" + level, name: "Subheading, level " + level, key: "Mod-Alt-" + level, run: c.heading(level), active: (s) => s.selection.$from.parent.type === n.heading && s.selection.$from.parent.attrs.level === level })),
    ],
    [
      mark("Bold", "strong", "B", "Mod-b"),
      mark("Italic", "em", "I", "Mod-i"),
      { label: "Link", name: "Link", key: "Mod-k", run: c.link, active: (s) => c.markActive(s, m.link) },
      mark("Strikethrough", "strike", "S", "Mod-Shift-x"),
      mark("Code", "code", "</>", "Mod-e"),
      mark("Superscript", "sup", "x²", "Mod-."),
      mark("Subscript", "sub", "x₂", "Mod-,"),
    ],
    [
      { label: "• List", name: "Bulleted list", key: "Mod-Shift-8", run: c.bulletList, active: (s) => c.blockActive(s, n.bullet_list) },
      { label: "1. List", name: "Numbered list", key: "Mod-Shift-7", run: c.orderedList, active: (s) => c.blockActive(s, n.ordered_list) },
      { label: "Quote", name: "Quote", key: "Mod-Shift-9", run: c.quote(false), active: (s) => c.blockActive(s, n.blockquote, { pull: false }) },
      { label: "Pull quote", name: "Pull quote", key: "Mod-Shift-0", run: c.quote(true), active: (s) => c.blockActive(s, n.blockquote, { pull: true }) },
      { label: "Source", name: "Source of the quote", key: "Mod-Alt-s", run: c.cite, active: (s) => s.selection.$from.parent.type === n.cite },
      { label: "Aside", name: "Aside (a boxed note)", key: "Mod-Alt-a", run: c.aside, active: (s) => c.blockActive(s, n.aside) },
      { label: "Code block", name: "Code block", key: "Mod-Alt-c", run: c.codeBlock, active: (s) => s.selection.$from.parent.type === n.code_block },
    ],
    [
      { label: "Image", name: "Image from the library", key: "Mod-Alt-i", run: c.image(csrf) },
      { label: "Gallery", name: "Gallery of library images", key: "Mod-Alt-g", run: c.gallery(csrf) },
      { label: "Embed", name: "Embed a post or video", key: "Mod-Alt-e", run: c.embed },
      { label: "Table", name: "Table", key: "Mod-Alt-t", run: c.table },
      { label: "Rule", name: "Horizontal rule", key: "Mod-Alt-r", run: c.rule },
    ],
    [
      { label: "Row +", name: "Add a row below", run: c.tableCommands.addRowAfter, table: true },
      { label: "Column +", name: "Add a column to the right", run: c.tableCommands.addColumnAfter, table: true },
      { label: "Row −", name: "Delete the row", run: c.tableCommands.deleteRow, table: true },
      { label: "Column −", name: "Delete the column", run: c.tableCommands.deleteColumn, table: true },
      { label: "Header row", name: "Make the first row a header or not", run: c.tableCommands.toggleHeaderRow, table: true },
      { label: "Caption", name: "Table caption", run: c.tableCaption, table: true },
      { label: "Delete table", name: "Delete the table", run: c.tableCommands.deleteTable, table: true },
    ],
    [
      { label: "Undo", name: "Undo", key: "Mod-z", run: undo },
      { label: "Redo", name: "Redo", key: "Mod-Shift-z", run: redo },
    ],
  ];
}

function shortcutText(key) {
  return key.replace("Mod", mod).replace("Alt", mac ? "⌥" : "Alt").replace(/-/g, "+");
}

/// A toolbar with one tab stop: arrow keys move between its buttons, Escape goes back to the
/// text, and Alt+F10 in the text comes here.
function toolbar(view, groups) {
  const bar = document.createElement("div");
  bar.className = "editor-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting");
  bar.setAttribute("aria-controls", "body-editor");
  const buttons = [];
  for (const group of groups) {
    const box = document.createElement("div");
    box.className = "editor-group";
    box.setAttribute("role", "group");
    if (group[0].table) {
      box.classList.add("editor-table-group");
      box.setAttribute("aria-label", "Table");
    }
    for (const item of group) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = item.label;
      // The visible label starts the name, so speech input can say what it sees.
      const name = (item.label === item.name ? item.name : item.label + " — " + item.name) + (item.key ? " (" + shortcutText(item.key) + ")" : "");
      button.setAttribute("aria-label", name);
      button.title = name;
      button.tabIndex = buttons.length ? -1 : 0;
      button.addEventListener("mousedown", (e) => e.preventDefault());
      button.addEventListener("click", () => {
        item.run(view.state, view.dispatch, view);
        if (!view.hasFocus() && !document.querySelector("dialog[open]")) view.focus();
      });
      item.button = button;
      buttons.push(button);
      box.append(button);
    }
    bar.append(box);
  }
  bar.addEventListener("keydown", (event) => {
    const at = buttons.indexOf(document.activeElement);
    const visible = buttons.filter((b) => !b.closest("[hidden]"));
    const i = visible.indexOf(document.activeElement);
    let next = null;
    if (event.key === "ArrowRight") next = visible[(i + 1) % visible.length];
    else if (event.key === "ArrowLeft") next = visible[(i - 1 + visible.length) % visible.length];
    else if (event.key === "Home") next = visible[0];
    else if (event.key === "End") next = visible[visible.length - 1];
    else if (event.key === "Escape") {
      event.preventDefault();
      view.focus();
      return;
    }
    if (next && at >= 0) {
      event.preventDefault();
      buttons[at].tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    }
  });
  function update(state) {
    const inTable = isInTable(state);
    for (const group of groups) {
      for (const item of group) {
        const enabled = item.run(state, null, view);
        item.button.disabled = !enabled && !(item.active && item.active(state));
        if (item.active) item.button.setAttribute("aria-pressed", item.active(state) ? "true" : "false");
      }
      if (group[0].table) group[0].button.parentElement.hidden = !inTable;
    }
    if (!buttons.some((b) => b.tabIndex === 0 && !b.disabled && !b.closest("[hidden]"))) {
      buttons.forEach((b) => (b.tabIndex = -1));
      const first = buttons.find((b) => !b.disabled && !b.closest("[hidden]"));
      if (first) first.tabIndex = 0;
    }
  }
  return { bar, update, focus: () => (buttons.find((b) => b.tabIndex === 0) || buttons[0]).focus() };
}

/// How an image or embed looks in the editor: the picture (or the embed's card) with its
/// caption, and a button to change its details.
function atomView(node, view, getPos) {
  const dom = document.createElement("figure");
  dom.className = "editor-atom editor-" + node.type.name;
  dom.contentEditable = "false";
  if (node.type === n.image) {
    dom.dataset.size = node.attrs.size;
    const img = document.createElement("img");
    img.src = previewSrc(node.attrs.src);
    img.alt = node.attrs.alt;
    const caption = document.createElement("figcaption");
    caption.textContent = [node.attrs.caption, node.attrs.credit].filter(Boolean).join(" · ") || "No caption";
    const edit = document.createElement("button");
    edit.type = "button";
    edit.className = "secondary editor-atom-edit";
    edit.textContent = "Edit picture";
    edit.setAttribute("aria-label", "Edit picture: " + (node.attrs.alt || "no alt text"));
    edit.addEventListener("click", async () => {
      const attrs = await details(node.attrs);
      if (attrs) view.dispatch(view.state.tr.setNodeMarkup(getPos(), null, attrs));
      view.focus();
    });
    if (!node.attrs.alt) {
      const warn = document.createElement("p");
      warn.className = "editor-warning";
      warn.textContent = "This picture needs alt text.";
      dom.append(img, warn, caption, edit);
    } else {
      dom.append(img, caption, edit);
    }
  } else {
    const name = provider(node.attrs.url) || "Link";
    const label = document.createElement("p");
    label.className = "embed-source";
    label.textContent = "Embed · " + name;
    const link = document.createElement("a");
    link.href = node.attrs.url;
    link.textContent = node.attrs.url;
    link.target = "_blank";
    link.rel = "noopener";
    dom.append(label, link);
  }
  return { dom, ignoreMutation: () => true, stopEvent: (e) => e.target.tagName === "BUTTON" || e.target.tagName === "A" };
}

function words(doc) {
  const text = doc.textBetween(0, doc.content.size, " ", " ");
  return text.split(/\s+/).filter(Boolean).length;
}

/// Dropped or pasted picture files go to the library and into the body, then ask for details.
function dropImages(view, files, csrf, pos) {
  const images = [...files].filter((f) => f.type.startsWith("image/"));
  if (!images.length) return false;
  (async () => {
    for (const file of images) {
      try {
        const item = await upload(file, csrf);
        const attrs = await details(fromItem(item), "Details of the uploaded picture");
        if (!attrs) continue;
        if (pos != null) view.dispatch(view.state.tr.setSelection(TextSelection.near(view.state.doc.resolve(Math.min(pos, view.state.doc.content.size)))));
        view.dispatch(c.insertBlock(view.state, n.image.create(attrs)).tr);
      } catch (e) {
        alert(e.message);
      }
    }
  })();
  return true;
}

function start(textarea) {
  const form = textarea.form;
  const csrf = form.querySelector("input[name=_csrf]").value;
  const parsed = new window.DOMParser().parseFromString("<body>" + textarea.value + "</body>", "text/html");
  const doc = DOMParser.fromSchema(schema).parse(parsed.body);
  const serializer = DOMSerializer.fromSchema(schema);
  const groups = items(csrf);
  const keys = {};
  for (const group of groups) for (const item of group) if (item.key) keys[item.key] = item.run;
  const count = document.createElement("p");
  count.className = "editor-count";
  count.setAttribute("aria-live", "polite");

  let bar = null;
  const wrapper = document.createElement("div");
  wrapper.className = "editor-wrap";
  const state = EditorState.create({
    doc,
    plugins: [
      rules(),
      keymap({
        ...keys,
        "Mod-y": redo,
        "Shift-Enter": chainCommands(exitCode, (s, d) => {
          if (d) d(s.tr.replaceSelectionWith(n.hard_break.create()).scrollIntoView());
          return true;
        }),
        Enter: splitListItem(n.list_item),
        "Mod-[": liftListItem(n.list_item),
        "Mod-]": sinkListItem(n.list_item),
        Tab: goToNextCell(1),
        "Shift-Tab": goToNextCell(-1),
        "Alt-F10": () => {
          bar.focus();
          return true;
        },
      }),
      keymap(baseKeymap),
      history(),
      dropCursor(),
      gapCursor(),
      tableEditing(),
      new Plugin({
        props: {
          handlePaste(view, event) {
            const files = event.clipboardData && event.clipboardData.files;
            if (files && files.length && dropImages(view, files, csrf, null)) return true;
            const text = event.clipboardData && event.clipboardData.getData("text/plain");
            return !!text && !event.clipboardData.getData("text/html") && c.embedPastedUrl(view, text);
          },
          handleDrop(view, event) {
            const files = event.dataTransfer && event.dataTransfer.files;
            if (!files || !files.length) return false;
            const pos = view.posAtCoords({ left: event.clientX, top: event.clientY });
            event.preventDefault();
            return dropImages(view, files, csrf, pos ? pos.pos : null);
          },
        },
      }),
    ],
  });
  const view = new EditorView(wrapper, {
    state,
    nodeViews: { image: atomView, embed: atomView },
    attributes: {
      id: "body-editor",
      class: "article-body editor-content",
      role: "textbox",
      "aria-multiline": "true",
      "aria-labelledby": "body-label",
      "aria-describedby": "body-help",
    },
    dispatchTransaction(tr) {
      const next = view.state.apply(tr);
      view.updateState(next);
      bar.update(next);
      if (tr.docChanged) sync(next);
    },
  });
  bar = toolbar(view, groups);
  // Serialised in a document of its own: pictures in it are never fetched.
  const inert = document.implementation.createHTMLDocument("");
  function sync(s) {
    const holder = inert.createElement("div");
    holder.append(serializer.serializeFragment(s.doc.content, { document: inert }));
    textarea.value = holder.innerHTML;
    const total = words(s.doc);
    count.textContent = total + (total === 1 ? " word" : " words") + " · " + Math.max(1, Math.ceil(total / 230)) + " min read";
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
  const total = words(doc);
  count.textContent = total + (total === 1 ? " word" : " words") + " · " + Math.max(1, Math.ceil(total / 230)) + " min read";
  bar.update(state);
  textarea.hidden = true;
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;
  textarea.before(bar.bar, wrapper, count);
  const label = document.querySelector("label[for=body]");
  if (label) {
    label.id = "body-label";
    label.removeAttribute("for");
    label.addEventListener("click", () => view.focus());
  }
  document.documentElement.dataset.editorReady = "true";
  document.dispatchEvent(new CustomEvent("broadsheet:editor-ready"));
  return view;
}

const textarea = document.querySelector("form[data-editor] textarea[name=body]");
if (textarea) window.broadsheetEditor = start(textarea);
