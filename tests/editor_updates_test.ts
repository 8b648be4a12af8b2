// The open drawing stays live in a real browser while other users and processes change things:
// a device's status recolours its shape, an inventory rename or address change reaches the
// shape's label, the open Allocate IP dialog follows allocations made elsewhere, and the alerts
// mark counts alerts as they are raised; an editor opened from NetBox (an editor token) sees a
// device go down too. Screenshots: test-output/screenshots/.
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { Frame } from "playwright-core";
import { signEditorToken } from "../server/auth/editor_token.ts";
import { deviceShape } from "../server/diagrams/device_shapes.ts";
import {
  browserMissing,
  editorUrl,
  launchBrowser,
  openEditor,
  screenshot,
} from "./support/browser.ts";
import { startTestServer } from "./support/server.ts";

const missing = browserMissing();
if (missing) console.warn(`editor live-update browser test skipped: ${missing}`);

const SECRET = "updates-test-secret-0123456789abcdef";

// A switch drawn by the editor (its icon, from the table generated diagrams use too) and a
// firewall drawn by an older editor (a rounded rectangle), both bound to inventory devices.
const SWITCH_STYLE = `${deviceShape("switch").style}html=0;archiflowDevice=1;`;
const DIAGRAM = '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>' +
  '<object id="sw" label="core-sw-01&#xa;10.1.0.1" asset_id="A-1" device_type="switch" ' +
  `ip_address="10.1.0.1"><mxCell style="${SWITCH_STYLE}" vertex="1" parent="1">` +
  '<mxGeometry x="120" y="120" width="82" height="41" as="geometry"/></mxCell></object>' +
  '<object id="fw" label="edge-fw-01" asset_id="A-2" device_type="firewall">' +
  '<mxCell style="rounded=1;html=0;archiflowDevice=1;" vertex="1" parent="1">' +
  '<mxGeometry x="360" y="120" width="120" height="50" as="geometry"/></mxCell></object>' +
  "</root></mxGraphModel>";

/** A cell's label, attributes and the colours it is drawn with. */
function drawn(frame: Frame, id: string) {
  return frame.evaluate((id) => {
    const graph = (globalThis as any).archiflowUi.editor.graph;
    const cell = graph.model.getCell(id);
    const style = graph.getCellStyle(cell);
    return {
      label: cell.value.getAttribute("label") as string,
      ip: cell.value.getAttribute("ip_address") as string | null,
      fill: style.fillColor as string,
      labelBackground: (style.labelBackgroundColor ?? null) as string | null,
    };
  }, id);
}

function statusText(frame: Frame): Promise<string> {
  return frame.evaluate(() =>
    (globalThis as any).document.getElementById("archiflow-status")?.textContent ?? ""
  );
}

Deno.test({
  name: "the open drawing follows device, pool and alert changes made elsewhere",
  ignore: missing !== null,
  async fn(t) {
    const server = await startTestServer({ ARCHIFLOW_EDITOR_SECRET: SECRET });
    const browser = await launchBrowser();
    try {
      const api = await server.client();
      const device = (assetId: string, deviceName: string, more: Record<string, string> = {}) =>
        api.tool("save-device", { assetId, deviceName, ...more });
      await device("A-1", "core-sw-01", {
        deviceType: "switch",
        status: "active",
        primaryIp: "10.1.0.1",
      });
      await device("A-2", "edge-fw-01", { deviceType: "firewall", status: "active" });
      const pool = await api.tool<{ id: string }>("create-ip-pool", {
        name: "mgmt",
        network: "10.30.0.0/29",
      });
      const d = await api.tool<{ id: string }>("save-diagram", { name: "Live", xml: DIAGRAM });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const query = new URLSearchParams({ diagram: d.id }).toString();
      const frame = await openEditor(page, editorUrl(server.url, server.adminKey, query));
      assert.equal((await drawn(frame, "sw")).labelBackground, "#d5e8d4");
      assert.equal((await drawn(frame, "fw")).fill, "#d5e8d4");
      assert.match(await frame.locator("#archiflow-alerts").textContent() ?? "", /0 alerts/);

      await t.step("a device that fails is recoloured, and its alert counted", async () => {
        await device("A-1", "core-sw-01", { status: "failed" });
        await frame.waitForFunction(() => {
          const graph = (globalThis as any).archiflowUi.editor.graph;
          return graph.getCellStyle(graph.model.getCell("sw")).labelBackgroundColor === "#f8cecc";
        });
        // Status is drawn, not written: the diagram has no unsaved change for it.
        assert.equal(
          await frame.evaluate(() => (globalThis as any).archiflowUi.editor.modified),
          false,
        );
        await frame.waitForFunction(() =>
          /⚠ 1 alert$/.test(
            (globalThis as any).document.getElementById("archiflow-alerts")?.textContent ?? "",
          )
        );
        await screenshot(page, "40-live-device-failed");
      });

      await t.step("an inventory address change and a rename reach the labels", async () => {
        await device("A-1", "core-sw-01", { primaryIp: "10.1.0.9" });
        await frame.waitForFunction(() =>
          (globalThis as any).archiflowUi.editor.graph.model.getCell("sw").value
            .getAttribute("label") === "core-sw-01\n10.1.0.9"
        );
        assert.equal((await drawn(frame, "sw")).ip, "10.1.0.9");
        await device("A-2", "edge-fw-01-new");
        await frame.waitForFunction(() =>
          (globalThis as any).archiflowUi.editor.graph.model.getCell("fw").value
            .getAttribute("label") === "edge-fw-01-new"
        );
        assert.match(await statusText(frame), /updated 1 shape from the inventory/);
        // The updates are edits of the drawing, saved with it, each one undoable.
        assert.equal(
          await frame.evaluate(() => (globalThis as any).archiflowUi.editor.modified),
          true,
        );
        await screenshot(page, "41-live-labels");
      });

      await t.step("the open Allocate IP dialog follows allocations made elsewhere", async () => {
        await frame.evaluate(() => {
          const graph = (globalThis as any).archiflowUi.editor.graph;
          graph.setSelectionCell(graph.model.getCell("fw"));
        });
        await frame.click("#archiflow-menu");
        await frame.locator(".mxPopupMenu td", { hasText: "Allocate IP" }).first().click();
        const option = frame.locator(`#archiflow-pool-select option[value="${pool.id}"]`);
        await frame.waitForSelector("#archiflow-pool-select");
        assert.match(await option.textContent() ?? "", /\(0\/6 used, 0\.0%\)/);
        const other = await server.client();
        await other.tool("allocate-ip", { poolId: pool.id, count: 2, deviceName: "elsewhere" });
        await frame.waitForFunction(
          (id) =>
            /\(2\/6 used, 33\.3%\)/.test(
              (globalThis as any).document.querySelector(
                `#archiflow-pool-select option[value="${id}"]`,
              )?.textContent ?? "",
            ),
          pool.id,
        );
        assert.equal(
          await frame.locator("#archiflow-pool-usage").textContent(),
          "4 free; next free: 10.30.0.3, 10.30.0.4, 10.30.0.5",
        );
        await screenshot(page, "42-live-allocate-dialog");
        await frame.click("#archiflow-allocate-ok");
        await frame.waitForFunction(() =>
          (globalThis as any).archiflowUi.editor.graph.model.getCell("fw").value
            .getAttribute("ip_address") === "10.30.0.3"
        );
        // Filling the pool raises pool_exhausted: the alerts mark counts it.
        await other.tool("allocate-ip", { poolId: pool.id, count: 3, deviceName: "elsewhere" });
        await frame.waitForFunction(() =>
          /⚠ 2 alerts/.test(
            (globalThis as any).document.getElementById("archiflow-alerts")?.textContent ?? "",
          )
        );
      });

      await t.step("an editor opened from NetBox sees a device go down", async () => {
        const fromNetBox = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const token = await signEditorToken(SECRET, { sub: "jdoe", diagram: d.id });
        const nb = await openEditor(fromNetBox, editorUrl(server.url, token, query));
        assert.equal((await drawn(nb, "fw")).fill, "#d5e8d4");
        await device("A-2", "edge-fw-01-new", { status: "offline" });
        await nb.waitForFunction(() => {
          const graph = (globalThis as any).archiflowUi.editor.graph;
          return graph.getCellStyle(graph.model.getCell("fw")).fillColor === "#ffe6cc";
        });
        await screenshot(fromNetBox, "43-live-from-netbox");
        await fromNetBox.close();
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
