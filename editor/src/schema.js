// The document model of src/articles/body/mod.rs as a ProseMirror schema. Each node reads the
// canonical HTML the server stores and writes it back, so loading and saving an article changes
// nothing the writer did not change; anything else pasted in is read into these nodes or dropped.
import { Schema } from "prosemirror-model";
import { tableNodes } from "prosemirror-tables";

const FLOW = "(paragraph | bullet_list | ordered_list)";

/// A property of an element's `style` attribute, read from the text: the admin's CSP allows no
/// inline styles, so the browser does not parse them into `dom.style`.
function css(dom, property) {
  for (const declaration of (dom.getAttribute("style") || "").split(";")) {
    const [name, ...value] = declaration.split(":");
    if (name.trim().toLowerCase() === property) return value.join(":").trim().toLowerCase();
  }
  return "";
}

function bold(dom) {
  const weight = css(dom, "font-weight");
  return weight === "bold" || weight === "bolder" || Number(weight) >= 600;
}

/// A rule for a mark that a word processor writes as a styled <span>; other marks' rules may
/// match the same span.
function styled(test) {
  return { tag: "span[style]", consuming: false, getAttrs: (dom) => (test(dom) ? null : false) };
}

function text(dom, selector) {
  const found = selector ? dom.querySelector(selector) : dom;
  return found ? found.textContent.replace(/\s+/g, " ").trim() : "";
}

/// The attributes of an image figure from the figure (or a bare <img>) of canonical HTML, of a
/// WordPress block, or of a paste.
function imageAttrs(dom) {
  const img = dom.tagName === "IMG" ? dom : dom.querySelector("img");
  if (!img || !img.getAttribute("src")) return false;
  const credit = text(dom, ".credit");
  const captionNode = dom.querySelector("figcaption");
  let caption = "";
  if (captionNode) {
    const copy = captionNode.cloneNode(true);
    copy.querySelectorAll(".credit").forEach((c) => c.remove());
    caption = text(copy);
  }
  const size = dom.getAttribute("data-size") || (dom.classList && dom.classList.contains("alignfull") ? "full" : dom.classList && dom.classList.contains("alignwide") ? "wide" : "inline");
  return {
    src: img.getAttribute("src"),
    alt: img.getAttribute("alt") || "",
    caption,
    credit,
    size: ["inline", "wide", "full"].includes(size) ? size : "inline",
    focal: dom.getAttribute("data-focal") || img.getAttribute("data-focal") || null,
  };
}

const tables = tableNodes({ tableGroup: "block", cellContent: "inline*", cellAttributes: {} });
tables.table.attrs = { caption: { default: "" } };
tables.table.parseDOM = [
  { tag: "table", getAttrs: (dom) => ({ caption: text(dom, "caption") }) },
  { tag: "caption", ignore: true },
];
tables.table.toDOM = (node) =>
  node.attrs.caption ? ["table", ["caption", node.attrs.caption], ["tbody", 0]] : ["table", ["tbody", 0]];

export const schema = new Schema({
  nodes: {
    doc: { content: "block+" },
    paragraph: {
      content: "inline*",
      group: "block",
      parseDOM: [{ tag: "p" }, { tag: "dd" }, { tag: "dt" }],
      toDOM: () => ["p", 0],
    },
    heading: {
      attrs: { level: { default: 2 } },
      content: "inline*",
      group: "block",
      defining: true,
      parseDOM: [
        { tag: "h1", attrs: { level: 2 } },
        { tag: "h2", attrs: { level: 2 } },
        { tag: "h3", attrs: { level: 3 } },
        { tag: "h4", attrs: { level: 4 } },
        { tag: "h5", attrs: { level: 4 } },
        { tag: "h6", attrs: { level: 4 } },
      ],
      toDOM: (node) => ["h" + node.attrs.level, 0],
    },
    blockquote: {
      attrs: { pull: { default: false } },
      // The source line may stand anywhere in the editor (the page shows it where it is); a
      // trailing `cite?` would make Enter at the end of a quote start a source line.
      content: "(paragraph | bullet_list | ordered_list | cite)+",
      group: "block",
      defining: true,
      parseDOM: [
        { tag: "figure.wp-block-pullquote blockquote", attrs: { pull: true } },
        { tag: "blockquote", getAttrs: (dom) => ({ pull: dom.classList.contains("pull-quote") || dom.classList.contains("wp-block-pullquote") }) },
      ],
      toDOM: (node) => (node.attrs.pull ? ["blockquote", { class: "pull-quote" }, 0] : ["blockquote", 0]),
    },
    cite: {
      content: "inline*",
      defining: true,
      parseDOM: [{ tag: "blockquote cite" }],
      toDOM: () => ["cite", 0],
    },
    aside: {
      content: FLOW + "+",
      group: "block",
      defining: true,
      parseDOM: [{ tag: "aside" }, { tag: "div.footnote-definition" }],
      toDOM: () => ["aside", { class: "note" }, 0],
    },
    bullet_list: {
      content: "list_item+",
      group: "block",
      parseDOM: [{ tag: "ul" }],
      toDOM: () => ["ul", 0],
    },
    ordered_list: {
      attrs: { order: { default: 1 } },
      content: "list_item+",
      group: "block",
      parseDOM: [{ tag: "ol", getAttrs: (dom) => ({ order: Number.isInteger(Number(dom.getAttribute("start") ?? "1")) ? Number(dom.getAttribute("start") ?? "1") : 1 }) }],
      toDOM: (node) => (node.attrs.order === 1 ? ["ol", 0] : ["ol", { start: node.attrs.order }, 0]),
    },
    list_item: {
      content: "paragraph (paragraph | bullet_list | ordered_list)*",
      defining: true,
      parseDOM: [{ tag: "li" }],
      toDOM: () => ["li", 0],
    },
    horizontal_rule: {
      group: "block",
      parseDOM: [{ tag: "hr" }],
      toDOM: () => ["hr"],
    },
    code_block: {
      content: "text*",
      marks: "",
      group: "block",
      code: true,
      defining: true,
      parseDOM: [{ tag: "pre", preserveWhitespace: "full" }],
      toDOM: () => ["pre", ["code", 0]],
    },
    image: {
      attrs: {
        src: { default: "" },
        alt: { default: "" },
        caption: { default: "" },
        credit: { default: "" },
        size: { default: "inline" },
        focal: { default: null },
      },
      group: "block",
      atom: true,
      draggable: true,
      parseDOM: [
        { tag: "figure", getAttrs: (dom) => (dom.classList.contains("embed") || dom.classList.contains("wp-block-embed") || dom.classList.contains("gallery") || dom.classList.contains("wp-block-gallery") ? false : imageAttrs(dom)) },
        { tag: "img[src]", getAttrs: imageAttrs },
      ],
      toDOM(node) {
        const a = node.attrs;
        const figure = { class: "image", "data-size": a.size };
        if (a.focal) figure["data-focal"] = a.focal;
        const parts = ["figure", figure, ["img", { src: a.src, alt: a.alt }]];
        if (a.caption || a.credit) {
          const caption = ["figcaption"];
          if (a.caption) caption.push(a.caption + (a.credit ? " " : ""));
          if (a.credit) caption.push(["small", { class: "credit" }, a.credit]);
          parts.push(caption);
        }
        return parts;
      },
    },
    gallery: {
      content: "image+ gallery_caption?",
      group: "block",
      parseDOM: [{ tag: "figure.gallery" }, { tag: "figure.wp-block-gallery" }, { tag: "div.gallery" }],
      toDOM: () => ["figure", { class: "gallery" }, 0],
    },
    gallery_caption: {
      content: "inline*",
      parseDOM: [{ tag: "figure.gallery > figcaption" }],
      toDOM: () => ["figcaption", 0],
    },
    embed: {
      attrs: { url: {} },
      group: "block",
      atom: true,
      draggable: true,
      parseDOM: [
        {
          tag: "figure.embed, figure.wp-block-embed",
          getAttrs(dom) {
            const link = dom.querySelector("a[href]");
            const url = link ? link.getAttribute("href") : text(dom);
            return /^https?:\/\//.test(url) ? { url } : false;
          },
        },
      ],
      toDOM: (node) => ["figure", { class: "embed" }, ["a", { href: node.attrs.url }, node.attrs.url]],
    },
    ...tables,
    text: { group: "inline" },
    hard_break: {
      inline: true,
      group: "inline",
      selectable: false,
      parseDOM: [{ tag: "br" }],
      toDOM: () => ["br"],
    },
  },
  marks: {
    link: {
      attrs: { href: {}, title: { default: null } },
      inclusive: false,
      parseDOM: [{ tag: "a[href]", getAttrs: (dom) => ({ href: dom.getAttribute("href"), title: dom.getAttribute("title") }) }],
      toDOM: (mark) => ["a", mark.attrs.title ? { href: mark.attrs.href, title: mark.attrs.title } : { href: mark.attrs.href }, 0],
    },
    strong: {
      parseDOM: [
        { tag: "strong" },
        // Google Docs wraps a whole paste in <b style="font-weight:normal">.
        { tag: "b", getAttrs: (dom) => (css(dom, "font-weight") && !bold(dom) ? false : null) },
        styled(bold),
      ],
      toDOM: () => ["strong", 0],
    },
    em: {
      parseDOM: [{ tag: "em" }, { tag: "i" }, styled((dom) => css(dom, "font-style") === "italic")],
      toDOM: () => ["em", 0],
    },
    code: {
      parseDOM: [{ tag: "code" }, { tag: "kbd" }, { tag: "samp" }],
      toDOM: () => ["code", 0],
    },
    strike: {
      parseDOM: [{ tag: "s" }, { tag: "del" }, { tag: "strike" }, styled((dom) => (css(dom, "text-decoration") + css(dom, "text-decoration-line")).includes("line-through"))],
      toDOM: () => ["s", 0],
    },
    sub: {
      excludes: "sup",
      parseDOM: [{ tag: "sub" }, styled((dom) => css(dom, "vertical-align") === "sub")],
      toDOM: () => ["sub", 0],
    },
    sup: {
      excludes: "sub",
      parseDOM: [{ tag: "sup" }, styled((dom) => css(dom, "vertical-align") === "super")],
      toDOM: () => ["sup", 0],
    },
  },
});
