// Scripts and framing the open pages allow. draw.io 14.6.12 is an old build whose own defences
// (its HTML sanitizer) can be got round by a stored diagram: a math label's \href puts a
// javascript: link on the canvas. /drawio/ therefore runs under a Content-Security-Policy that
// allows draw.io's own files and the hashed inline blocks of the page served, nothing inline else,
// so a payload stored in a diagram cannot run even when it reaches the page. /api/docs, which asks
// for an API key, cannot be framed by another site.
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { loadConfig } from "../../server/config.ts";
import { createEditorRoutes } from "../../server/routes/editor.ts";
import { browserMissing, editorUrl, launchBrowser, openEditor } from "../support/browser.ts";
import { startTestServer } from "../support/server.ts";

const missing = browserMissing();
if (missing) console.warn(`stored-XSS browser test skipped: ${missing}`);

/** The sources of one directive of a policy, or null when the policy has no such directive. */
function directive(policy: string, name: string): string[] | null {
  for (const part of policy.split(";")) {
    const [key, ...sources] = part.trim().split(/\s+/);
    if (key === name) return sources;
  }
  return null;
}

/** The CSP hash source of an inline script as browsers compute it (text as parsed, UTF-8). */
async function hashSource(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text.replace(/\r\n?/g, "\n"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

Deno.test(
  "/drawio/ allows only draw.io's own scripts: 'self' and a hash per inline script, nothing inline",
  async () => {
    const app = createEditorRoutes(loadConfig({ ARCHIFLOW_FRAME_ANCESTORS: "https://nb.example" }));
    const res = await app.request("http://af.test/drawio/?embed=1");
    assert.equal(res.status, 200);
    const policy = res.headers.get("content-security-policy") ?? "";
    const scripts = directive(policy, "script-src");
    assert.ok(scripts, `no script-src in ${JSON.stringify(policy)}`);
    assert.ok(scripts.includes("'self'"));
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:"]) {
      assert.ok(!scripts.includes(loose), `script-src allows ${loose}`);
    }
    assert.deepEqual(directive(policy, "object-src"), ["'none'"]);
    assert.deepEqual(directive(policy, "base-uri"), ["'self'"]);
    assert.deepEqual(directive(policy, "form-action"), ["'self'"]);
    assert.deepEqual(directive(policy, "frame-ancestors"), ["'self'", "https://nb.example"]);
    // Every inline JavaScript block of the page served is allowed by its hash, and only those.
    const html = await res.text();
    const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
      .filter(([, attrs]) => !/\bsrc=/.test(attrs) && !/vbscript/i.test(attrs));
    assert.ok(inline.length >= 2, "draw.io's index.html has its inline scripts");
    const hashes = await Promise.all(inline.map(([, , text]) => hashSource(text)));
    assert.deepEqual(scripts.filter((s) => s.startsWith("'sha256-")).sort(), [...hashes].sort());
    // Scripts and images are served with the same policy (an SVG opened on its own runs nothing).
    for (const path of ["/drawio/js/PreConfig.js", "/drawio/images/drawlogo.svg"]) {
      const other = await app.request(`http://af.test${path}`);
      await other.body?.cancel();
      const scriptSrc = directive(other.headers.get("content-security-policy") ?? "", "script-src");
      assert.deepEqual(scriptSrc, ["'self'"], path);
    }
  },
);

Deno.test(
  "/api/docs cannot be framed by another site and is not content-sniffed",
  async () => {
    const server = await startTestServer();
    try {
      for (const path of ["/api/docs", "/api/docs/"]) {
        const res = await fetch(server.url + path);
        const html = await res.text();
        assert.equal(res.status, 200, path);
        const policy = res.headers.get("content-security-policy") ?? "";
        assert.deepEqual(directive(policy, "frame-ancestors"), ["'none'"], path);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
        // Its one inline script runs by hash; nothing else inline would.
        const scripts = directive(policy, "script-src") ?? [];
        assert.ok(!scripts.includes("'unsafe-inline'"), path);
        const inline = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
        assert.ok(scripts.includes(await hashSource(inline)), path);
      }
    } finally {
      await server.close();
    }
  },
);

/** A diagram carrying a stored-XSS payload in every place a label or link can hold one. */
const HOSTILE_XML = '<mxGraphModel math="1"><root><mxCell id="0"/><mxCell id="1" parent="0"/>' +
  // An HTML label with an event handler (draw.io's sanitizer strips it; the policy would block it).
  '<mxCell id="xss-img" value="&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;img" ' +
  'style="html=1;" vertex="1" parent="1"><mxGeometry x="20" y="20" width="120" height="40" ' +
  'as="geometry"/></mxCell>' +
  '<mxCell id="xss-script" value="&lt;script&gt;window.__xss=2&lt;/script&gt;script" ' +
  'style="html=1;" vertex="1" parent="1"><mxGeometry x="20" y="80" width="120" height="40" ' +
  'as="geometry"/></mxCell>' +
  '<UserObject id="xss-link" label="link" link="javascript:window.__xss=3">' +
  '<mxCell style="html=1;" vertex="1" parent="1"><mxGeometry x="20" y="140" width="120" ' +
  'height="40" as="geometry"/></mxCell></UserObject>' +
  // Math labels are typeset after sanitizing: \href becomes a live javascript: link.
  '<mxCell id="xss-math" value="$$\\href{javascript:window.__xss=4}{CLICK}$$" ' +
  'style="text;html=1;" vertex="1" parent="1"><mxGeometry x="20" y="200" width="200" ' +
  'height="60" as="geometry"/></mxCell>' +
  '<mxCell id="plain" value="still-works" vertex="1" parent="1"><mxGeometry x="260" y="20" ' +
  'width="120" height="40" as="geometry"/></mxCell>' +
  "</root></mxGraphModel>";

Deno.test({
  name: "a stored-XSS payload in a diagram does not run in the editor, and draw.io still works",
  ignore: missing !== null,
  async fn() {
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const api = await server.client();
      const saved = await api.tool("save-diagram", { name: "Hostile labels", xml: HOSTILE_XML });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      // Every frame records what its policy refused, before any of its own scripts run.
      await page.addInitScript(() => {
        const seen: { directive: string; blocked: string }[] = [];
        (globalThis as any).__cspViolations = seen;
        (globalThis as any).document.addEventListener("securitypolicyviolation", (e: any) => {
          seen.push({ directive: e.violatedDirective, blocked: e.blockedURI });
        });
      });
      const frame = await openEditor(
        page,
        editorUrl(server.url, server.adminKey, `diagram=${saved.id}`),
      );

      const ids = await frame.evaluate(() =>
        Object.keys((globalThis as any).archiflowUi.editor.graph.model.cells)
      );
      for (const id of ["xss-img", "xss-script", "xss-link", "xss-math", "plain"]) {
        assert.ok(ids.includes(id), `cell ${id} is on the canvas`);
      }
      await frame.getByText("still-works").first().waitFor();

      // The typeset \href is on the canvas as a javascript: link; a user clicks it.
      await frame.waitForFunction(() =>
        Array.from((globalThis as any).document.querySelectorAll("a")).some((a: any) =>
          (a.getAttribute("xlink:href") ?? a.getAttribute("href") ?? "").startsWith("javascript:")
        )
      );
      await frame.evaluate(() => {
        for (const a of (globalThis as any).document.querySelectorAll("a")) {
          const href = a.getAttribute("xlink:href") ?? a.getAttribute("href") ?? "";
          if (href.startsWith("javascript:")) a.setAttribute("data-hostile-link", "1");
        }
      });
      await frame.locator("[data-hostile-link]").first().click();
      // Either the payload runs or the policy refuses it, which is an event in the frame.
      await frame.waitForFunction(() =>
        (globalThis as any).__xss !== undefined ||
        (globalThis as any).__cspViolations.some((v: any) => v.blocked === "inline")
      );

      assert.equal(await frame.evaluate(() => (globalThis as any).__xss), undefined);
      const violations: { directive: string; blocked: string }[] = await frame.evaluate(() =>
        (globalThis as any).__cspViolations
      );
      // Only the payload was refused: draw.io itself needed nothing the policy leaves out.
      for (const v of violations) {
        assert.equal(v.blocked, "inline", `draw.io needed ${v.directive} for ${v.blocked}`);
      }
      assert.equal(await frame.evaluate(() => (globalThis as any).__xss), undefined);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
