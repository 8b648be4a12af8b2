// Compressed diagrams that stand for far more than was sent: a 400 KB save-diagram whose page
// inflates to 300 MB, the same page carried by a .drawio.svg and by a template, and a compressed
// page of 400,000 tiny cells. Each must be refused with `invalid` naming the limit, write nothing,
// and leave the server serving everyone else.
import assert from "node:assert/strict";
import { bytesToBase64, compressPage } from "../../server/diagrams/compress.ts";
import { type RpcClient, ToolCallError } from "../support/rpc_client.ts";
import { assertStillServing, hostileOpts, startHostileServer } from "./support.ts";

/** Raw deflate of head + `times` repetitions of `unit` + tail, never holding it inflated. */
async function deflateRepeated(
  head: string,
  unit: string,
  times: number,
  tail: string,
): Promise<Uint8Array> {
  const stream = new CompressionStream("deflate-raw");
  const enc = new TextEncoder();
  const unitBytes = enc.encode(unit);
  const writing = (async () => {
    const writer = stream.writable.getWriter();
    await writer.write(enc.encode(head));
    for (let i = 0; i < times; i++) await writer.write(unitBytes);
    await writer.write(enc.encode(tail));
    await writer.close();
  })();
  const out = new Uint8Array(await new Response(stream.readable).arrayBuffer());
  await writing;
  return out;
}

const MB = 1024 * 1024;

/** A compressed page (draw.io's encoding) holding one cell whose label is 300 MB of "A". */
async function bombPage(): Promise<string> {
  const head = encodeURIComponent(
    '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/><mxCell id="v" value="',
  );
  const tail = encodeURIComponent(
    '" vertex="1" parent="1"><mxGeometry width="1" height="1" as="geometry"/></mxCell></root></mxGraphModel>',
  );
  return bytesToBase64(await deflateRepeated(head, "A".repeat(MB), 300, tail));
}

const mxfile = (page: string) => `<mxfile><diagram id="p" name="Bomb">${page}</diagram></mxfile>`;

const escAttr = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

async function expectRefused(p: Promise<unknown>, reason: string, setting: string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ToolCallError, `expected a tool error, got ${err}`);
    assert.equal(err.code, "invalid", err.message);
    const details = err.details as Record<string, unknown>;
    assert.equal(details.reason, reason, err.message);
    assert.equal(details.setting, setting);
    assert.match(err.message, new RegExp(setting));
    return true;
  });
}

/** How many diagrams and templates there are (the database comes with a few templates). */
async function stored(client: RpcClient) {
  const diagrams = await client.tool<{ count: number }>("list-diagrams", {});
  const templates = await client.tool<{ count: number }>("list-templates", {});
  return { diagrams: diagrams.count, templates: templates.count };
}

Deno.test(
  "a page that inflates to 300 MB is `invalid` (ARCHIFLOW_MAX_DIAGRAM_BYTES) as a page, inside a .drawio.svg and as a template; nothing is stored and the server keeps serving",
  hostileOpts,
  async () => {
    const page = await bombPage();
    assert.ok(page.length < 500_000, `the page is ${page.length} bytes`);
    const server = await startHostileServer();
    try {
      const client = await server.client();
      const before = await stored(client);
      assert.equal(before.diagrams, 0);
      const setting = "ARCHIFLOW_MAX_DIAGRAM_BYTES";
      await expectRefused(
        client.tool("save-diagram", { name: "bomb", xml: mxfile(page) }),
        "too_large",
        setting,
      );
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" content="${
        escAttr(mxfile(page))
      }"><g/></svg>`;
      await expectRefused(
        client.tool("save-diagram", { name: "bomb.drawio.svg", xml: svg }),
        "too_large",
        setting,
      );
      await expectRefused(
        client.tool("create-template", { name: "bomb", xml: mxfile(page), variables: [] }),
        "too_large",
        setting,
      );
      assert.deepEqual(await stored(client), before, "nothing was stored");
      await assertStillServing(server, "a 300 MB deflate bomb in a page, an SVG and a template");
    } finally {
      await server.close();
    }
  },
);

// Cells are counted while the page is read, so the refusal costs what the limit allows, not what
// the page holds: with the limit at 10,000, reading stops at the 10,001st of 400,000 cells.
Deno.test(
  "a compressed page of 400,000 cells is `invalid` (ARCHIFLOW_MAX_DIAGRAM_CELLS); nothing is stored",
  hostileOpts,
  async () => {
    const cells = ['<mxCell id="0"/><mxCell id="1" parent="0"/>'];
    for (let i = 0; i < 400_000; i++) cells.push(`<mxCell id="${i + 2}" vertex="1" parent="1"/>`);
    const page = await compressPage(`<mxGraphModel><root>${cells.join("")}</root></mxGraphModel>`);
    const server = await startHostileServer({ env: { ARCHIFLOW_MAX_DIAGRAM_CELLS: "10000" } });
    try {
      const client = await server.client();
      const before = await stored(client);
      await expectRefused(
        client.tool("save-diagram", { name: "cells", xml: mxfile(page) }),
        "too_many_cells",
        "ARCHIFLOW_MAX_DIAGRAM_CELLS",
      );
      assert.deepEqual(await stored(client), { ...before, diagrams: 0 }, "nothing was stored");
      await assertStillServing(server, "a compressed page of 400,000 cells");
    } finally {
      await server.close();
    }
  },
);
