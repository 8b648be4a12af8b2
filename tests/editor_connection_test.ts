// The editor when it cannot talk to ArchiFlow, in a real browser: a link without a key or with a
// refused one says so at once and what to do, and makes one connection attempt, not a storm; a
// connection that drops (the network between browser and server cut by a TCP relay) is retried
// with a growing backoff, shown after a grace period with the time of the next try, and comes
// back with "Retry now". Screenshots: test-output/screenshots/.
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { Frame, Page } from "playwright-core";
import { signEditorToken } from "../server/auth/editor_token.ts";
import {
  browserMissing,
  drawioFrame,
  editorUrl,
  launchBrowser,
  openEditor,
  screenshot,
} from "./support/browser.ts";
import { startTestServer } from "./support/server.ts";

const missing = browserMissing();
if (missing) console.warn(`editor connection browser tests skipped: ${missing}`);

const SECRET = "connection-test-secret-0123456789abcdef";

/** Every WebSocket the page's frames open to the editor's address, with when each was opened. */
function countSockets(page: Page) {
  const opened: number[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  page.on("websocket", (ws) => {
    if (new URL(ws.url()).pathname !== "/ws") return;
    opened.push(performance.now());
    for (const w of waiters.filter((w) => opened.length >= w.n)) w.resolve();
  });
  return {
    opened,
    /** Resolves once `n` sockets have been opened in all. */
    reached(n: number): Promise<void> {
      if (opened.length >= n) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      waiters.push({ n, resolve });
      return promise;
    },
  };
}

function ready(frame: Frame) {
  return frame.waitForFunction(
    () => (globalThis as any).document.documentElement.dataset.archiflowReady === "1",
    null,
    { timeout: 60_000 },
  );
}

function connection(frame: Frame) {
  return frame.evaluate(() => {
    const rpc = (globalThis as any).archiflow.rpc;
    return { status: rpc.status, nextRetryAt: rpc.nextRetryAt, close: rpc.lastClose };
  });
}

Deno.test({
  name: "an editor link without a valid key says what to do and tries only once",
  ignore: missing !== null,
  async fn(t) {
    const server = await startTestServer({ ARCHIFLOW_EDITOR_SECRET: SECRET });
    const browser = await launchBrowser();
    try {
      const noKey = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const noKeySockets = countSockets(noKey);
      await t.step("no key in the link", async () => {
        await noKey.goto(`${server.url}/editor?diagram=diagram-1`);
        const frame = await drawioFrame(noKey);
        const notice = await frame.waitForSelector('#archiflow-connection[data-kind="refused"]', {
          timeout: 60_000,
        });
        const text = await notice.textContent() ?? "";
        assert.match(text, /This editor link has no valid key/);
        assert.match(text, /Open the diagram from NetBox/);
        assert.match(text, /ask for a new link/);
        await ready(frame);
        await screenshot(noKey, "30-no-key-notice");
        assert.deepEqual(await connection(frame), {
          status: "refused",
          nextRetryAt: null,
          close: { code: 1008, reason: "Authentication required: send Authorization: Token <key>" },
        });
        // Refused calls say nothing more: the notice has said it, no error dialog on top.
        assert.equal(await frame.$("#archiflow-error"), null);
        assert.match(
          await frame.locator("#archiflow-status").textContent() ?? "",
          /\[key refused\]/,
        );
        assert.equal(await frame.$("#archiflow-connection-retry"), null, "no key to try again");
        assert.equal(noKeySockets.opened.length, 1);
      });

      await t.step("an expired link from NetBox, and Try again", async () => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const sockets = countSockets(page);
        const hourAgo = Math.floor(Date.now() / 1000) - 3600;
        const old = await signEditorToken(SECRET, { sub: "jdoe" }, hourAgo, 600);
        await page.goto(editorUrl(server.url, old));
        const frame = await drawioFrame(page);
        const notice = await frame.waitForSelector('#archiflow-connection[data-kind="refused"]', {
          timeout: 60_000,
        });
        assert.match(
          await notice.textContent() ?? "",
          /refused it \(Invalid or expired editor token\).*Open the diagram from NetBox again/,
        );
        await ready(frame);
        await screenshot(page, "31-expired-link-notice");
        assert.equal(sockets.opened.length, 1);
        // Trying again is one more attempt, refused like the first.
        await frame.click("#archiflow-connection-retry");
        await sockets.reached(2);
        await frame.waitForFunction(() => (globalThis as any).archiflow.rpc.status === "refused");
        assert.equal(sockets.opened.length, 2);
        await page.close();
      });
      // All the while, the first page stayed at its one attempt.
      assert.equal(noKeySockets.opened.length, 1, "the page without a key kept reconnecting");
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

/**
 * A TCP relay in front of the server that can cut the network: down() closes every connection
 * and refuses new ones, as a lost network or a stopped server would; up() listens again on the
 * same port.
 */
class Relay {
  readonly port: number;
  #listener: Deno.Listener | null = null;
  #conns = new Set<Deno.Conn>();

  constructor(readonly target: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#accept(this.#listener);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async #accept(listener: Deno.Listener) {
    try {
      for await (const down of listener) {
        this.#conns.add(down);
        Deno.connect({ hostname: "127.0.0.1", port: this.target }).then((up) => {
          this.#conns.add(up);
          const end = () => {
            for (const c of [down, up]) {
              this.#conns.delete(c);
              try {
                c.close();
              } catch { /* already closed */ }
            }
          };
          Promise.allSettled([
            down.readable.pipeTo(up.writable),
            up.readable.pipeTo(down.writable),
          ]).then(end);
        }, () => down.close());
      }
    } catch { /* the listener was closed */ }
  }

  down() {
    this.#listener?.close();
    this.#listener = null;
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    this.#conns.clear();
  }

  up() {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: this.port });
    this.#accept(this.#listener);
  }
}

Deno.test({
  name: "a lost connection is retried with a growing backoff, said after a grace, and recovers",
  ignore: missing !== null,
  async fn() {
    const server = await startTestServer();
    const relay = new Relay(server.port);
    const browser = await launchBrowser();
    try {
      // A diagram with a shape bound to a device (the older editor's rounded rectangle).
      const api = await server.client();
      await api.tool("save-device", { assetId: "A-1", deviceName: "sw-1", status: "active" });
      const d = await api.tool<{ id: string }>("save-diagram", {
        name: "Cut",
        xml: '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>' +
          '<object id="sw" label="sw-1" asset_id="A-1"><mxCell style="rounded=1;html=0;" ' +
          'vertex="1" parent="1"><mxGeometry x="200" y="200" width="120" height="50" ' +
          'as="geometry"/></mxCell></object></root></mxGraphModel>',
      });
      const fill = () =>
        frame.evaluate(() => {
          const graph = (globalThis as any).archiflowUi.editor.graph;
          return graph.getCellStyle(graph.model.getCell("sw")).fillColor as string;
        });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const sockets = countSockets(page);
      const query = new URLSearchParams({ diagram: d.id }).toString();
      const frame = await openEditor(page, editorUrl(relay.url, server.adminKey, query));
      assert.equal(await fill(), "#d5e8d4");
      await frame.waitForFunction(() => (globalThis as any).archiflow.rpc.status === "open");
      assert.equal(sockets.opened.length, 1);

      relay.down();
      const cut = performance.now();
      const notice = await frame.waitForSelector('#archiflow-connection[data-kind="offline"]', {
        timeout: 30_000,
      });
      const shownAfter = performance.now() - cut;
      assert.match(
        await notice.textContent() ?? "",
        /Not connected to ArchiFlow at .*(Retrying in \d+ s|Retrying);.*your edits stay here/,
      );
      await screenshot(page, "32-connection-lost");
      // No storm of attempts while the network is down, and the waits grow (with jitter, so
      // compared two apart).
      await sockets.reached(5);
      const tries = sockets.opened.slice(1);
      const gaps = tries.slice(1).map((at, i) => at - tries[i]);
      console.log(
        `connection lost: notice after ${Math.round(shownAfter)} ms; ` +
          `gaps between attempts ${gaps.map((g) => Math.round(g)).join(", ")} ms`,
      );
      for (const gap of gaps) assert.ok(gap > 600, `attempts ${Math.round(gap)} ms apart`);
      assert.ok(gaps[2] > gaps[0] * 1.5, `the backoff does not grow: ${gaps.join(", ")}`);
      assert.equal((await connection(frame)).status, "connecting");
      // Meanwhile the device fails: the editor, cut off, cannot hear of it.
      await api.tool("save-device", { assetId: "A-1", deviceName: "sw-1", status: "failed" });
      assert.equal(await fill(), "#d5e8d4");

      // Back: "Retry now" connects at once instead of waiting out the backoff.
      relay.up();
      const before = sockets.opened.length;
      await frame.click("#archiflow-connection-retry");
      await frame.waitForFunction(() => (globalThis as any).archiflow.rpc.status === "open");
      assert.equal(sockets.opened.length, before + 1);
      await frame.waitForSelector("#archiflow-connection", { state: "detached" });
      assert.doesNotMatch(await frame.locator("#archiflow-status").textContent() ?? "", /\[/);
      // What was missed while cut off is caught up on: the device is drawn as failed.
      await frame.waitForFunction(() => {
        const graph = (globalThis as any).archiflowUi.editor.graph;
        return graph.getCellStyle(graph.model.getCell("sw")).fillColor === "#f8cecc";
      });
      // And it works: the diagram is saved through the new connection.
      await frame.evaluate(() => {
        const graph = (globalThis as any).archiflowUi.editor.graph;
        graph.insertVertex(graph.getDefaultParent(), null, "after the cut", 40, 40, 120, 50);
      });
      assert.equal(await frame.evaluate(() => (globalThis as any).archiflow.save()), true);
      assert.equal(await frame.evaluate(() => (globalThis as any).archiflow.state.version), 2);
      await screenshot(page, "33-connection-back");
    } finally {
      await browser.close();
      relay.down();
      await server.close();
    }
  },
});
