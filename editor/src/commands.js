// The editor's commands: one per element of the document model, used by the toolbar, the
// keyboard shortcuts and the Markdown-style input rules alike.
import { setBlockType, toggleMark, wrapIn, lift } from "prosemirror-commands";
import { wrapInList } from "prosemirror-schema-list";
import { NodeSelection, TextSelection } from "prosemirror-state";
import { addRowAfter, addColumnAfter, deleteRow, deleteColumn, deleteTable, toggleHeaderRow, isInTable } from "prosemirror-tables";
import { schema } from "./schema.js";
import { ask } from "./dialogs.js";
import { pick, details, fromItem } from "./images.js";
import { provider } from "./embeds.js";

const n = schema.nodes;
const m = schema.marks;

export function markActive(state, type) {
  const { from, $from, to, empty } = state.selection;
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks());
  return state.doc.rangeHasMark(from, to, type);
}

export function blockActive(state, type, attrs = {}) {
  const { $from } = state.selection;
  for (let d = $from.depth; d > 0; d--) {
    const node = $from.node(d);
    if (node.type === type) return Object.entries(attrs).every(([k, v]) => node.attrs[k] === v);
  }
  const selected = state.selection instanceof NodeSelection ? state.selection.node : null;
  return !!selected && selected.type === type;
}

/// Wraps the selection in a quote of the given kind, or unwraps it when it is one already.
export function quote(pull) {
  return (state, dispatch) => {
    if (blockActive(state, n.blockquote, { pull })) return lift(state, dispatch);
    return wrapIn(n.blockquote, { pull })(state, dispatch);
  };
}

export function aside(state, dispatch) {
  if (blockActive(state, n.aside)) return lift(state, dispatch);
  return wrapIn(n.aside)(state, dispatch);
}

/// A transaction that puts a block where the cursor is — in place of an empty paragraph, else
/// after the top-level block the cursor is in — followed by a paragraph to write on in, which
/// holds the cursor, so the next insertion cannot replace this one.
export function insertBlock(state, node) {
  const { $from } = state.selection;
  const empty = $from.depth >= 1 && $from.node(1).type === n.paragraph && $from.node(1).content.size === 0;
  const start = $from.depth >= 1 ? $from.before(1) : $from.pos;
  const end = $from.depth >= 1 ? $from.after(1) : $from.pos;
  const tr = empty ? state.tr.replaceWith(start, end, [node, n.paragraph.create()]) : state.tr.insert(end, [node, n.paragraph.create()]);
  const at = empty ? start : end;
  return { tr: tr.setSelection(TextSelection.create(tr.doc, at + node.nodeSize + 1)).scrollIntoView(), at };
}

function insert(node) {
  return (state, dispatch) => {
    if (dispatch) dispatch(insertBlock(state, node).tr);
    return true;
  };
}

export const rule = (state, dispatch) => insert(n.horizontal_rule.create())(state, dispatch);

/// Asks for a link's address; with none given, removes the link.
export function link(state, dispatch, view) {
  if (state.selection.empty && !markActive(state, m.link)) return false;
  if (!dispatch) return true;
  const { from, to } = state.selection;
  let current = "";
  state.doc.nodesBetween(from, to, (node) => {
    const found = m.link.isInSet(node.marks);
    if (found) current = found.attrs.href;
  });
  ask("Link", [{ name: "href", label: "Address (leave empty to remove the link)", type: "url", value: current, placeholder: "https://" }], "Apply").then((values) => {
    if (!values) return view.focus();
    const href = values.href.trim();
    let tr = view.state.tr.removeMark(from, to, m.link);
    if (href) tr = tr.addMark(from, to, m.link.create({ href }));
    view.dispatch(tr);
    view.focus();
  });
  return true;
}

export function image(csrf) {
  return (state, dispatch, view) => {
    if (!dispatch) return true;
    pick(csrf, false).then(async (items) => {
      if (!items) return view.focus();
      const attrs = await details(fromItem(items[0]));
      if (attrs) view.dispatch(insertBlock(view.state, n.image.create(attrs)).tr);
      view.focus();
    });
    return true;
  };
}

export function gallery(csrf) {
  return (state, dispatch, view) => {
    if (!dispatch) return true;
    pick(csrf, true).then((items) => {
      if (items && items.length) {
        const images = items.map((item) => n.image.create(fromItem(item)));
        // An empty caption to type in under the pictures; left empty, it is not kept.
        const caption = n.gallery_caption.create();
        view.dispatch(insertBlock(view.state, n.gallery.create(null, [...images, caption])).tr);
      }
      view.focus();
    });
    return true;
  };
}

export function embed(state, dispatch, view) {
  if (!dispatch) return true;
  ask("Embed a post or video", [{ name: "url", label: "Address of the post or video", type: "url", required: true, placeholder: "https://www.youtube.com/watch?v=…", hint: "YouTube, Vimeo, X, Instagram, Facebook, TikTok, Bluesky, Threads, SoundCloud, Spotify or any page" }]).then((values) => {
    if (values && /^https?:\/\//.test(values.url.trim())) {
      view.dispatch(insertBlock(view.state, n.embed.create({ url: values.url.trim() })).tr);
    }
    view.focus();
  });
  return true;
}

/// A table of three rows and columns, the first row of headers, with the cursor in its first
/// cell.
export function table(state, dispatch) {
  if (isInTable(state)) return false;
  if (!dispatch) return true;
  const cell = (header) => (header ? n.table_header : n.table_cell).createAndFill();
  const row = (header) => n.table_row.create(null, [cell(header), cell(header), cell(header)]);
  const { tr, at } = insertBlock(state, n.table.create(null, [row(true), row(false), row(false)]));
  dispatch(tr.setSelection(TextSelection.create(tr.doc, at + 3)));
  return true;
}

export function tableCaption(state, dispatch, view) {
  if (!isInTable(state)) return false;
  if (!dispatch) return true;
  const { $from } = state.selection;
  let depth = $from.depth;
  while (depth > 0 && $from.node(depth).type !== n.table) depth--;
  const pos = $from.before(depth);
  const tableNode = $from.node(depth);
  ask("Table caption", [{ name: "caption", label: "Caption", value: tableNode.attrs.caption }], "Save").then((values) => {
    if (values) view.dispatch(view.state.tr.setNodeMarkup(pos, null, { ...tableNode.attrs, caption: values.caption.trim() }));
    view.focus();
  });
  return true;
}

export const tableCommands = { addRowAfter, addColumnAfter, deleteRow, deleteColumn, deleteTable, toggleHeaderRow };

export const heading = (level) => setBlockType(n.heading, { level });
export const paragraph = setBlockType(n.paragraph);
export const codeBlock = setBlockType(n.code_block);
export const cite = setBlockType(n.cite);
export const bulletList = wrapInList(n.bullet_list);
export const orderedList = wrapInList(n.ordered_list);
export const marks = {
  strong: toggleMark(m.strong),
  em: toggleMark(m.em),
  code: toggleMark(m.code),
  strike: toggleMark(m.strike),
  sub: toggleMark(m.sub),
  sup: toggleMark(m.sup),
};

/// A URL pasted alone on an empty line becomes an embed when it is a known provider's.
export function embedPastedUrl(view, text) {
  const url = text.trim();
  if (!/^https?:\/\/\S+$/.test(url) || !provider(url)) return false;
  const { $from, empty } = view.state.selection;
  if (!empty || $from.parent.type !== n.paragraph || $from.parent.content.size !== 0 || $from.depth !== 1) return false;
  view.dispatch(insertBlock(view.state, n.embed.create({ url })).tr);
  return true;
}
