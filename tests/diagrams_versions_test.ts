// Diagram versions through a real WebSocket: conflicting saves, load by version, restore, diff
// and publish on a real multi-page draw.io file, delete and paging.
// Slightly over 400 lines: one real multi-page drawing carried through every version tool.
import assert from "node:assert/strict";
import { parseDiagram } from "../server/diagrams/parse.ts";
import { buildDiagramXml } from "../server/diagrams/build.ts";
import type { Page } from "../server/diagrams/model.ts";
import { corpusDir, corpusMissing } from "./support/corpus.ts";
import { withServer } from "./support/server.ts";
import { RpcCallError, ToolCallError } from "./support/rpc_client.ts";

const MULTI_PAGE = "jgraph__drawio-diagrams/blog/threat-modelling.drawio";

async function expectToolError(p: Promise<unknown>, code: string, pattern?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ToolCallError, `expected a tool error, got ${err}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

const tiny = (label: string) =>
  `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/><mxCell id="v" value="${label}" vertex="1" parent="1"><mxGeometry width="10" height="10" as="geometry"/></mxCell></root></mxGraphModel>`;

type Dj = {
  pages: {
    id: string;
    name: string;
    vertices: { id: string; label: string; geometry: { x: number } }[];
    edges: { id: string; source: string | null; target: string | null }[];
  }[];
};

Deno.test("a save based on an old version is a conflict and writes nothing", async () => {
  await withServer(async (s, c) => {
    const d = await c.tool("save-diagram", { name: "d", xml: tiny("one") });
    const other = await s.client();
    await other.tool("save-diagram", { id: d.id, xml: tiny("two"), expectedVersion: 1 });
    const count = async () =>
      (await s.db.query<{ n: number }>(
        "SELECT (SELECT count(*) FROM diagram_versions)::int + (SELECT count(*) FROM audit_log)::int AS n",
      ))[0].n;
    const before = await count();
    await expectToolError(
      c.tool("save-diagram", { id: d.id, xml: tiny("three"), expectedVersion: 1 }),
      "conflict",
      /version 2, not 1/,
    );
    assert.equal(await count(), before);
    // The XML is parsed while the diagram is locked and checked: a refusal of the save itself
    // is reported before one of its XML.
    await expectToolError(
      c.tool("save-diagram", { id: d.id, xml: "<mxGraphModel><root>", expectedVersion: 1 }),
      "conflict",
      /version 2, not 1/,
    );
    // A save expecting a version of a diagram that does not exist; one that would create it
    // without a name.
    await expectToolError(
      c.tool("save-diagram", { id: 999_999, xml: "<mxGraphModel><root>", expectedVersion: 1 }),
      "not_found",
    );
    await expectToolError(
      c.tool("save-diagram", { id: "nope", xml: "<mxGraphModel><root>" }),
      "invalid",
      /without a name/,
    );
    await expectToolError(
      c.tool("save-diagram", { id: d.id, xml: "<mxGraphModel><root>" }),
      "invalid",
      /Cannot save diagram/,
    );
    assert.equal(await count(), before);
    const loaded = await c.tool<{ xml: string; version: number }>("load-diagram", { id: d.id });
    assert.equal(loaded.version, 2);
    assert.equal(loaded.xml, tiny("two"), "the other client's save survives");
    const v1 = await c.tool<{ xml: string; version: number; current_version: number }>(
      "load-diagram",
      { id: d.id, version: 1 },
    );
    assert.equal(v1.xml, tiny("one"));
    assert.equal(v1.version, 1);
    assert.equal(v1.current_version, 2);
    await expectToolError(c.tool("load-diagram", { id: d.id, version: 9 }), "not_found");
  });
});

Deno.test("concurrent saves of one diagram each get their own next version", async () => {
  await withServer(async (s, c) => {
    const d = await c.tool<{ id: string }>("save-diagram", { name: "busy", xml: tiny("v1") });
    const clients = await Promise.all(Array.from({ length: 6 }, () => s.client()));
    // Each save's XML goes out before it knows its version (read under the diagram's lock).
    const saved = await Promise.all(
      Array.from(
        { length: 12 },
        (_, i) =>
          clients[i % clients.length].tool<{ version: number }>("save-diagram", {
            id: d.id,
            xml: tiny(`save-${i}`),
          }),
      ),
    );
    const versions = saved.map((r) => r.version).sort((a, b) => a - b);
    assert.deepEqual(versions, Array.from({ length: 12 }, (_, i) => i + 2));
    // Every version holds the XML and the JSON of the save that was told its number.
    for (let i = 0; i < saved.length; i++) {
      const v = await c.tool<{ xml: string; diagram_json: Dj }>("load-diagram", {
        id: d.id,
        version: saved[i].version,
      });
      assert.equal(v.xml, tiny(`save-${i}`));
      assert.equal(v.diagram_json.pages[0].vertices[0].label, `save-${i}`);
    }
  });
});

Deno.test(
  "restore and diff work on a real multi-page draw.io file",
  async () => {
    if (corpusMissing("restore and diff on a multi-page corpus file")) return;
    const xml = Deno.readTextFileSync(`${corpusDir()}/drawio/${MULTI_PAGE}`);
    await withServer(async (_s, c) => {
      const v1 = await c.tool<{ id: string }>("save-diagram", { name: "threats", xml });
      const original = (await c.tool<{ diagram_json: Dj }>("load-diagram", { id: v1.id }))
        .diagram_json;
      assert.ok(original.pages.length >= 3, "the file has several pages");
      // Stored as the save produced it (in pieces) and passed on unparsed: the parse, exactly.
      assert.deepEqual(original, await parseDiagram(xml));

      // Version 2: the first page loses a vertex, the second page's first vertex moves and is
      // relabelled, and the last page is dropped altogether.
      const [p1, p2] = original.pages;
      const removed = p1.vertices.find((v) =>
        !p1.edges.some((e) => e.source === v.id || e.target === v.id)
      ) ?? p1.vertices[0];
      const moved = p2.vertices[0];
      const edited = structuredClone(original);
      edited.pages[0].vertices = edited.pages[0].vertices.filter((v) => v.id !== removed.id);
      edited.pages[0].edges = edited.pages[0].edges.filter((e) =>
        e.source !== removed.id && e.target !== removed.id
      );
      const m = edited.pages[1].vertices[0];
      m.label = "renamed by test";
      m.geometry.x += 100;
      const dropped = edited.pages.pop()!;
      const xml2 = buildDiagramXml(edited as unknown as { pages: Page[] });
      await c.tool("save-diagram", { id: v1.id, xml: xml2, changeSummary: "edit" });

      const diff = await c.tool<{
        pages: {
          page_id: string;
          status: string;
          removed: { id: string }[];
          changed: { id: string; changed: string[] }[];
        }[];
        summary: Record<string, number>;
      }>("diff-diagram-versions", { diagramId: v1.id, from: 1, to: 2 });
      const byPage = Object.fromEntries(diff.pages.map((p) => [p.page_id, p]));
      assert.ok(byPage[p1.id].removed.some((r) => r.id === removed.id));
      const change = byPage[p2.id].changed.find((ch) => ch.id === moved.id)!;
      assert.deepEqual(change.changed, ["label", "geometry"]);
      assert.equal(byPage[dropped.id].status, "removed");
      assert.equal(diff.summary.pages_removed, 1);

      const restored = await c.tool<{ version: number; restored_from: number }>(
        "restore-diagram-version",
        { diagramId: v1.id, version: 1, expectedVersion: 2 },
      );
      assert.equal(restored.version, 3, "restoring writes a new version");
      const now = await c.tool<{ xml: string; diagram_json: Dj }>("load-diagram", { id: v1.id });
      assert.equal(now.xml, xml, "the restored XML is the original, byte for byte");
      assert.deepEqual(now.diagram_json, original);
      const back = await c.tool<{ summary: Record<string, number> }>("diff-diagram-versions", {
        diagramId: v1.id,
        from: 1,
        to: 3,
      });
      assert.deepEqual(Object.values(back.summary), [0, 0, 0, 0, 0]);

      const list = await c.tool<{
        count: number;
        current_version: number;
        versions: { version: number; change_summary: string | null; stats: { pages: number } }[];
      }>("list-diagram-versions", { id: v1.id });
      assert.equal(list.count, 3);
      assert.deepEqual(list.versions.map((v) => [v.version, v.change_summary]), [
        [3, "Restored version 1"],
        [2, "edit"],
        [1, null],
      ]);
      assert.equal(list.versions[0].stats.pages, original.pages.length);
      assert.ok(!("xml" in list.versions[0]) && !("diagram_json" in list.versions[0]));

      await expectToolError(
        c.tool("restore-diagram-version", { diagramId: v1.id, version: 1, expectedVersion: 2 }),
        "conflict",
      );
      await expectToolError(
        c.tool("restore-diagram-version", { diagramId: v1.id, version: 42 }),
        "not_found",
      );
    });
  },
);

Deno.test("publish marks exactly one live version and moves it on", async () => {
  await withServer(async (s, c) => {
    const d = await c.tool<{ id: string }>("save-diagram", { name: "d", xml: tiny("a") });
    await c.tool("save-diagram", { id: d.id, xml: tiny("b") });
    const first = await c.tool("publish-diagram-version", { diagramId: d.id, version: 1 });
    assert.equal(first.is_published, true);
    assert.equal(first.previous_published_version, null);
    const second = await c.tool("publish-diagram-version", { diagramId: d.id, version: 2 });
    assert.equal(second.previous_published_version, 1);
    const live = await s.db.query<{ version: number }>(
      "SELECT version_number AS version FROM diagram_versions WHERE diagram_id = $1 AND is_published",
      [d.id],
    );
    assert.deepEqual(live.map((r) => r.version), [2]);
    const loaded = await c.tool("load-diagram", { id: d.id });
    assert.equal(loaded.published_version, 2);
    await expectToolError(
      c.tool("publish-diagram-version", { diagramId: d.id, version: 7 }),
      "not_found",
    );
    const after = await s.db.query<{ version: number }>(
      "SELECT version_number AS version FROM diagram_versions WHERE diagram_id = $1 AND is_published",
      [d.id],
    );
    assert.deepEqual(after.map((r) => r.version), [2], "a refused publish changes nothing");
    // The partial unique index itself refuses a second live version.
    await assert.rejects(
      s.db.query("UPDATE diagram_versions SET is_published = true WHERE diagram_id = $1", [d.id]),
    );
  });
});

Deno.test("delete-diagram removes a diagram and its versions, audited", async () => {
  await withServer(async (s, c) => {
    const d = await c.tool<{ id: string }>("save-diagram", { name: "gone", xml: tiny("a") });
    await c.tool("save-diagram", { id: d.id, xml: tiny("b") });
    const del = await c.tool("delete-diagram", { id: d.id });
    assert.equal(del.deleted, true);
    assert.equal(del.name, "gone");
    await expectToolError(c.tool("load-diagram", { id: d.id }), "not_found");
    await expectToolError(c.tool("delete-diagram", { id: d.id }), "not_found");
    const [n] = await s.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM diagram_versions WHERE diagram_id = $1",
      [d.id],
    );
    assert.equal(n.n, 0);
    const [a] = await s.db.query<{ action: string; old_value: { name: string } }>(
      "SELECT action, old_value FROM audit_log WHERE entity_type = 'diagram' ORDER BY id DESC LIMIT 1",
    );
    assert.equal(a.action, "delete");
    assert.equal(a.old_value.name, "gone");
  });
});

Deno.test("list-diagrams pages with a total count", async () => {
  await withServer(async (_s, c) => {
    for (let i = 0; i < 5; i++) {
      await c.tool("save-diagram", { name: `d${i}`, xml: tiny(String(i)), site: "hq" });
    }
    const page = await c.tool<{ count: number; diagrams: { name: string }[] }>(
      "list-diagrams",
      { limit: 2, offset: 2 },
    );
    assert.equal(page.count, 5);
    assert.deepEqual(page.diagrams.map((d) => d.name), ["d2", "d1"]);
    const past = await c.tool<{ count: number; diagrams: unknown[] }>("list-diagrams", {
      limit: 2,
      offset: 10,
    });
    assert.equal(past.count, 5, "a page past the end still says how many there are");
    assert.equal(past.diagrams.length, 0);
  });
});

Deno.test("diagram ids are text: given, a number taken as text, or generated", async () => {
  await withServer(async (s, c) => {
    const given = await c.tool<{ id: string; version: number }>("save-diagram", {
      id: "diagram-1",
      name: "given",
      xml: tiny("g1"),
      metadata: {},
    });
    assert.deepEqual([given.id, given.version], ["diagram-1", 1]);
    // The same id again stores a new version of that diagram.
    const again = await c.tool<{ id: string; version: number }>("save-diagram", {
      id: "diagram-1",
      xml: tiny("g2"),
      expectedVersion: 1,
    });
    assert.deepEqual([again.id, again.version], ["diagram-1", 2]);
    const numeric = await c.tool<{ id: string }>("save-diagram", {
      id: 42,
      name: "numeric",
      xml: tiny("n"),
    });
    assert.equal(numeric.id, "42");
    assert.equal((await c.tool<{ name: string }>("load-diagram", { id: "42" })).name, "numeric");
    assert.equal((await c.tool<{ name: string }>("load-diagram", { id: 42 })).name, "numeric");
    // Without an id the column's default numbers it; the number a client took already
    // ("diagram-1") is skipped, not reported.
    const generated = await c.tool<{ id: string }>("save-diagram", {
      name: "generated",
      xml: tiny("x"),
    });
    assert.match(generated.id, /^diagram-\d+$/);
    const next = await c.tool<{ id: string }>("save-diagram", { name: "next", xml: tiny("y") });
    assert.match(next.id, /^diagram-\d+$/);
    assert.notEqual(next.id, generated.id);
    assert.ok([generated.id, next.id].every((id) => id !== "diagram-1"));
    const loaded = await c.tool<{ id: string; xml: string; diagram_json: Dj }>("load-diagram", {
      id: "diagram-1",
    });
    assert.equal(loaded.id, "diagram-1");
    assert.equal(loaded.xml, tiny("g2"));
    assert.equal(loaded.diagram_json.pages[0].vertices[0].label, "g2");
    await expectToolError(c.tool("load-diagram", { id: "diagram-999" }), "not_found");
    await assert.rejects(
      c.tool("load-diagram", { id: " padded" }),
      (err: unknown) => err instanceof RpcCallError && err.error.code === -32602,
    );
    // The sequence behind the default is at 1 still: the next generated id is diagram-1,
    // taken, and the save must go on to the next free number.
    await s.db.query("SELECT setval('diagram_number', 1, false)");
    const skipped = await c.tool<{ id: string; version: number }>("save-diagram", {
      name: "skips",
      xml: tiny("z"),
    });
    assert.notEqual(skipped.id, "diagram-1");
    assert.equal(skipped.version, 1);
    assert.equal(
      (await c.tool<{ name: string }>("load-diagram", { id: "diagram-1" })).name,
      "given",
      "the taken id's diagram is untouched",
    );
  });
});

Deno.test(
  "the diagrams row holds the current content; versions keep every one, one of them current",
  async () => {
    await withServer(async (s, c) => {
      const d = await c.tool<{ id: string }>("save-diagram", { name: "first", xml: tiny("a") });
      await c.tool("save-diagram", { id: d.id, name: "second", xml: tiny("b") });
      await c.tool("save-diagram", { id: d.id, xml: tiny("c") });
      type Row = {
        version: number;
        name: string;
        diagram_xml: string;
        label: string;
        is_current: boolean;
      };
      const row = async () =>
        (await s.db.query<Row>(
          `SELECT version, name, diagram_xml, diagram_json #>> '{pages,0,vertices,0,label}' AS label
             FROM diagrams WHERE id = $1`,
          [d.id],
        ))[0];
      const versions = async () =>
        await s.db.query<Row & { version_number: number }>(
          `SELECT version_number, name, diagram_xml, is_current,
                  diagram_json #>> '{pages,0,vertices,0,label}' AS label
             FROM diagram_versions WHERE diagram_id = $1 ORDER BY version_number`,
          [d.id],
        );
      assert.deepEqual(await row(), {
        version: 3,
        name: "second",
        diagram_xml: tiny("c"),
        label: "c",
      });
      assert.deepEqual(
        (await versions()).map((v) => [v.version_number, v.name, v.label, v.is_current]),
        [[1, "first", "a", false], [2, "second", "b", false], [3, "second", "c", true]],
      );
      for (const v of await versions()) assert.equal(v.diagram_xml, tiny(v.label));

      // Restoring makes the old content the diagram's, as a new current version.
      await c.tool("restore-diagram-version", { diagramId: d.id, version: 1 });
      assert.deepEqual(await row(), {
        version: 4,
        name: "second",
        diagram_xml: tiny("a"),
        label: "a",
      });
      assert.deepEqual(
        (await versions()).map((v) => [v.version_number, v.label, v.is_current]),
        [[1, "a", false], [2, "b", false], [3, "c", false], [4, "a", true]],
      );
      const list = await c.tool<{ versions: { version: number; is_current: boolean }[] }>(
        "list-diagram-versions",
        { id: d.id },
      );
      assert.deepEqual(list.versions.filter((v) => v.is_current).map((v) => v.version), [4]);
      // One current version per diagram, whatever writes the table.
      await assert.rejects(
        s.db.query("UPDATE diagram_versions SET is_current = true WHERE diagram_id = $1", [d.id]),
      );
      // A refused save leaves both as they were.
      await expectToolError(
        c.tool("save-diagram", { id: d.id, xml: tiny("z"), expectedVersion: 3 }),
        "conflict",
      );
      assert.equal((await row()).label, "a");
      assert.equal((await versions()).length, 4);
    });
  },
);
