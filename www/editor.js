// The definitions editor: one textarea per pack file, line numbers, and the engine's errors marked
// at their line. Knows nothing of YAML: validation is the engine's, called by app.js.

/**
 * @param {{builtin: Record<string,string>, edits: Record<string,string>, onInput: (files: Record<string,string>) => void}} options
 */
export function createEditor({ builtin: initial, edits, onInput }) {
  // The pack the edits are made over: the built-in one, or a pack folder the user loaded.
  let builtin = initial;
  const select = document.getElementById("def-file");
  const text = document.getElementById("def-text");
  const gutter = document.getElementById("gutter");
  const backdrop = document.getElementById("backdrop");
  const list = document.getElementById("def-errors");
  const files = { ...builtin, ...edits };
  let diagnostics = [];
  let timer;

  function fillFiles() {
    select.replaceChildren(...Object.keys(builtin).sort().map((path) => new Option(path, path)));
    select.value = Object.keys(builtin).find((p) => p.startsWith("workflows/") && !p.includes("/automation")) || select.options[0]?.value || "";
  }
  fillFiles();

  function current() {
    return select.value;
  }

  function paint() {
    const lines = text.value.split("\n");
    const bad = new Map();
    for (const d of diagnostics) if (d.file === current() && d.line > 0) bad.set(d.line, d.message);
    gutter.replaceChildren(...lines.map((_, i) => {
      const span = document.createElement("span");
      span.textContent = String(i + 1);
      if (bad.has(i + 1)) {
        span.className = "err";
        span.title = bad.get(i + 1);
      }
      return span;
    }));
    // The backdrop repeats the text with the erroneous lines marked; the textarea sits on top.
    backdrop.replaceChildren(...lines.map((line, i) => {
      const span = document.createElement("span");
      span.textContent = line + "\n";
      if (bad.has(i + 1)) span.className = "err-line";
      return span;
    }));
    syncScroll();
  }

  function syncScroll() {
    gutter.scrollTop = text.scrollTop;
    backdrop.scrollTop = text.scrollTop;
    backdrop.scrollLeft = text.scrollLeft;
  }

  function load() {
    text.value = files[current()] ?? "";
    paint();
  }

  function changed() {
    const edited = {};
    for (const [path, value] of Object.entries(files)) if (value !== builtin[path]) edited[path] = value;
    return edited;
  }

  select.addEventListener("change", load);
  text.addEventListener("scroll", syncScroll);
  text.addEventListener("input", () => {
    files[current()] = text.value;
    paint();
    clearTimeout(timer);
    timer = setTimeout(() => onInput({ ...files }, changed()), 120);
  });

  load();
  return {
    files: () => ({ ...files }),
    edits: changed,
    /** Marks the engine's errors (all files) and lists them; a click on one jumps to it. */
    showErrors(found) {
      diagnostics = found;
      list.replaceChildren(...found.map((d) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = `${d.file}${d.line ? `:${d.line}:${d.column}` : ""}`;
        button.addEventListener("click", () => goTo(d));
        li.append(button, ` ${d.message}`);
        return li;
      }));
      paint();
    },
    /** Shows another set of edits (a state restored from a URL) without reporting them back. */
    replace(edits) {
      for (const path of Object.keys(files)) files[path] = edits[path] ?? builtin[path];
      load();
    },
    reset() {
      Object.assign(files, builtin);
      load();
      onInput({ ...files }, {});
    },
    /** Edits another pack from now on (a loaded folder, or the built-in pack again). */
    setBase(next) {
      builtin = next;
      for (const path of Object.keys(files)) delete files[path];
      Object.assign(files, next);
      fillFiles();
      load();
    },
  };

  function goTo(d) {
    if (files[d.file] === undefined) return;
    select.value = d.file;
    load();
    const lines = text.value.split("\n");
    const offset = lines.slice(0, Math.max(0, d.line - 1)).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, d.column - 1);
    text.focus();
    text.setSelectionRange(offset, offset);
  }
}
