// Small DOM helpers for the plugin's own dialogs and notices: plain elements with stable ids so
// people and browser tests find them, kept apart from draw.io's internal dialog classes.
/// <reference lib="dom" />

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") e.textContent = v;
    else if (k === "style") e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export function button(id: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = el("button", { id, type: "button", class: "geBtn", text: label });
  b.addEventListener("click", (ev) => {
    ev.preventDefault();
    onClick();
  });
  return b;
}

const OVERLAY_STYLE = "position:fixed;inset:0;background:rgba(0,0,0,.25);z-index:100000;" +
  "display:flex;align-items:center;justify-content:center;font:13px Helvetica,Arial,sans-serif";
const BOX_STYLE =
  "background:#fff;color:#222;border-radius:6px;box-shadow:0 4px 24px rgba(0,0,0,.3);" +
  "padding:16px 18px;min-width:340px;max-width:720px;max-height:80vh;overflow:auto";

export interface DialogHandle {
  box: HTMLElement;
  close(): void;
}

/** Shows a modal dialog; Escape and a click outside close it. */
export function openDialog(id: string, title: string, ...body: (Node | string)[]): DialogHandle {
  document.getElementById(id)?.remove();
  const box = el("div", { style: BOX_STYLE, role: "dialog", "aria-label": title });
  const overlay = el("div", { id, class: "archiflow-dialog", style: OVERLAY_STYLE }, box);
  const close = () => {
    overlay.remove();
    document.removeEventListener("keydown", onKey, true);
  };
  const onKey = (ev: KeyboardEvent) => {
    if (ev.key === "Escape") {
      ev.stopPropagation();
      close();
    }
  };
  document.addEventListener("keydown", onKey, true);
  overlay.addEventListener("mousedown", (ev) => {
    if (ev.target === overlay) close();
  });
  box.append(el("h3", { style: "margin:0 0 10px;font-size:15px", text: title }), ...body);
  document.body.append(overlay);
  return { box, close };
}

/** A message with one OK button; resolves when it is closed. */
export function message(id: string, title: string, text: string): Promise<void> {
  return new Promise((resolve) => {
    const d = openDialog(
      id,
      title,
      el("p", { class: "archiflow-message", style: "white-space:pre-wrap", text }),
      el("div", { style: "text-align:right" }, button(`${id}-ok`, "OK", () => d.close())),
    );
    const observer = new MutationObserver(() => {
      if (!d.box.isConnected) {
        observer.disconnect();
        resolve();
      }
    });
    observer.observe(document.body, { childList: true });
  });
}

/** Asks a yes/no question; resolves true for yes. */
export function confirmDialog(
  id: string,
  title: string,
  text: string,
  yes = "OK",
  no = "Cancel",
): Promise<boolean> {
  return new Promise((resolve) => {
    let answered = false;
    const answer = (v: boolean) => {
      if (answered) return;
      answered = true;
      d.close();
      resolve(v);
    };
    const d = openDialog(
      id,
      title,
      el("p", { style: "white-space:pre-wrap", text }),
      el(
        "div",
        { style: "text-align:right;display:flex;gap:8px;justify-content:flex-end" },
        button(`${id}-no`, no, () => answer(false)),
        button(`${id}-yes`, yes, () => answer(true)),
      ),
    );
    const observer = new MutationObserver(() => {
      if (!d.box.isConnected) {
        observer.disconnect();
        answer(false);
      }
    });
    observer.observe(document.body, { childList: true });
  });
}

/** Asks for one line of text; resolves null when cancelled. */
export function promptDialog(
  id: string,
  title: string,
  label: string,
  initial = "",
): Promise<string | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: string | null) => {
      if (done) return;
      done = true;
      d.close();
      resolve(v);
    };
    const input = el("input", {
      id: `${id}-input`,
      type: "text",
      style: "width:100%;box-sizing:border-box",
    });
    input.value = initial;
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && input.value.trim()) finish(input.value.trim());
    });
    const d = openDialog(
      id,
      title,
      el("label", { text: label, style: "display:block;margin-bottom:4px" }),
      input,
      el(
        "div",
        { style: "text-align:right;margin-top:10px;display:flex;gap:8px;justify-content:flex-end" },
        button(`${id}-cancel`, "Cancel", () => finish(null)),
        button(`${id}-ok`, "OK", () => input.value.trim() && finish(input.value.trim())),
      ),
    );
    const observer = new MutationObserver(() => {
      if (!d.box.isConnected) {
        observer.disconnect();
        finish(null);
      }
    });
    observer.observe(document.body, { childList: true });
    input.focus();
  });
}

/** A notice bar at the top of the page, replacing an earlier one with the same id. */
export function notice(
  id: string,
  text: string,
  kind: "info" | "warn" | "error",
  actions: { id: string; label: string; run: () => void }[] = [],
): HTMLElement {
  document.getElementById(id)?.remove();
  const colours = { info: "#dae8fc", warn: "#fff2cc", error: "#f8cecc" };
  const bar = el("div", {
    id,
    class: "archiflow-notice",
    role: "alert",
    style: `position:fixed;top:72px;left:50%;transform:translateX(-50%);z-index:99999;` +
      `background:${colours[kind]};border:1px solid #888;border-radius:4px;padding:8px 12px;` +
      `font:13px Helvetica,Arial,sans-serif;display:flex;gap:10px;align-items:center;max-width:80vw`,
  }, el("span", { class: "archiflow-notice-text", text }));
  for (const a of actions) {
    const b = button(a.id, a.label, a.run);
    b.style.whiteSpace = "nowrap";
    bar.append(b);
  }
  bar.append(button(`${id}-close`, "×", () => bar.remove()));
  document.body.append(bar);
  return bar;
}
