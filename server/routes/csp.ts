// Content-Security-Policy sources for pages whose inline scripts and styles are known: each inline
// block is allowed by the SHA-256 of its text, so a script that a stored diagram manages to put
// into the page (an onerror= attribute, a <script> in a label, a javascript: link) has no hash
// and does not run, while the page's own blocks keep working without 'unsafe-inline'.
import { createHash } from "node:crypto";

/**
 * CSP hash sources ('sha256-...') of the inline <script> (or <style>) blocks of `html`, in order,
 * without repeats. Blocks with a src attribute are loaded, not inline, and are left out.
 */
export function inlineHashes(html: string, tag: "script" | "style" = "script"): string[] {
  const block = new RegExp(`<${tag}\\b([^>]*)>([\\s\\S]*?)</${tag}\\s*>`, "gi");
  const out = new Set<string>();
  for (const [, attrs, text] of html.matchAll(block)) {
    if (/\ssrc\s*=/i.test(attrs)) continue;
    // Other types (text/vbscript, JSON data blocks) are never run as JavaScript.
    const type = /\stype\s*=\s*["']?([^"'\s>]*)/i.exec(attrs)?.[1].toLowerCase();
    if (type && !/^(text|application)\/(x-)?(java|ecma)script$|^module$/.test(type)) continue;
    // Browsers hash the text as parsed, and the HTML parser turns CR LF and lone CR into LF.
    const parsed = text.replace(/\r\n?/g, "\n");
    out.add(`'sha256-${createHash("sha256").update(parsed, "utf8").digest("base64")}'`);
  }
  return [...out];
}
