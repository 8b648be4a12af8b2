import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import {
  EDITOR_TOOLS,
  type EditorGrant,
  editorMayUse,
  enforceEditorGrant,
} from "./editor_scope.ts";

/** A database that knows diagram sites and resolves site slugs and devices as given. */
function fakeDb(diagramSites: Record<string, string | null>) {
  return {
    query: (statement: { text: string }, params: unknown[]) => {
      if (statement.text.includes("FROM diagrams")) {
        const id = params[0];
        // Diagram ids are text: the statement is given the id as text, whatever the call sent.
        assert.equal(typeof id, "string");
        return Promise.resolve(
          Object.hasOwn(diagramSites, id as string) ? [{ site: diagramSites[id as string] }] : [],
        );
      }
      const [slug, device] = params as [string | null, number | null];
      return Promise.resolve([{
        site: slug === "ams-1" ? "Amsterdam 1" : slug,
        device_site: device === 77 ? "Frankfurt" : null,
      }]);
    },
  } as never;
}

const run = (editor: EditorGrant | undefined, tool: string, args: unknown) =>
  enforceEditorGrant(
    {
      actor: { editor },
      db: fakeDb({ 1: "Amsterdam 1", 2: "Frankfurt", "diagram-9": "Amsterdam 1" }),
    },
    tool,
    args,
  );

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "allowed";
  } catch (err) {
    assert.ok(err instanceof AppError && err.kind === "forbidden", String(err));
    return err.message;
  }
}

Deno.test("API tokens pass through unchanged", async () => {
  const args = { poolId: 1 };
  assert.equal(await run(undefined, "allocate-ip", args), args);
});

Deno.test("editor tokens call only the tools the draw.io plugin uses", async () => {
  for (
    const tool of [
      "allocate-ip",
      "release-ip",
      "get-ip-pools",
      "update-ip-pool",
      "sync-netbox",
      "share-diagram",
      "delete-diagram",
      "save-device",
    ]
  ) {
    assert.match(await refusal(run({}, tool, {})), /^Editor tokens cannot call/, tool);
  }
  assert.ok(EDITOR_TOOLS.includes("save-diagram"));
  assert.deepEqual(await run({}, "load-diagram", { id: 5 }), { id: 5 });
  assert.deepEqual(await run({}, "save-diagram", { name: "n", xml: "x" }), { name: "n", xml: "x" });
});

Deno.test("a diagram token reaches that diagram only, read as the tool's schema reads ids", async () => {
  const g = { diagram: "7" };
  assert.deepEqual(await run(g, "load-diagram", { id: 7 }), { id: 7 });
  assert.deepEqual(await run(g, "diff-diagram-versions", { diagramId: "7", from: 1, to: 2 }), {
    diagramId: "7",
    from: 1,
    to: 2,
  });
  for (const id of [8, " 8", "0x8", "07", 7.5, -7, null, true, "", {}]) {
    assert.notEqual(await refusal(run(g, "load-diagram", { id })), "allowed", String(id));
  }
  assert.match(await refusal(run(g, "save-diagram", { name: "n", xml: "x" })), /create a diagram/);
  assert.match(
    await refusal(run(g, "instantiate-template", { templateId: 1, name: "n" })),
    /create/,
  );
  assert.match(await refusal(run(g, "list-diagrams", {})), /Cannot list diagrams/);
  // Ids are text, as the document's ("diagram-1"); a number given stands for its text only.
  const text = { diagram: "diagram-9" };
  assert.deepEqual(await run(text, "load-diagram", { id: "diagram-9" }), { id: "diagram-9" });
  assert.deepEqual(await run(text, "restore-diagram-version", { diagramId: "diagram-9" }), {
    diagramId: "diagram-9",
  });
  for (const id of ["diagram-90", "Diagram-9", "diagram-9 ", 9]) {
    assert.match(
      await refusal(run(text, "load-diagram", { id })),
      /signed for diagram diagram-9 only|not a diagram id/,
    );
  }
  assert.notEqual(await refusal(run({ diagram: "abc" }, "load-diagram", { id: 1 })), "allowed");
});

Deno.test("a site token works on its site's diagrams and fixes the site of lists and new ones", async () => {
  const g = { site: "ams-1" };
  assert.deepEqual(await run(g, "list-diagrams", {}), { site: "Amsterdam 1" });
  assert.deepEqual(await run(g, "get-devices", { q: "r" }), { q: "r", site: "Amsterdam 1" });
  assert.deepEqual(await run(g, "save-diagram", { name: "n", xml: "x" }), {
    name: "n",
    xml: "x",
    site: "Amsterdam 1",
  });
  assert.deepEqual(await run(g, "save-diagram", { id: 1, xml: "x" }), { id: 1, xml: "x" });
  assert.deepEqual(await run(g, "load-diagram", { id: "diagram-9" }), { id: "diagram-9" });
  assert.match(await refusal(run(g, "load-diagram", { id: 2 })), /diagrams of site Amsterdam 1/);
  assert.match(await refusal(run(g, "load-diagram", { id: 3 })), /diagrams of site Amsterdam 1/);
  assert.match(
    await refusal(run(g, "list-diagrams", { site: "Frankfurt" })),
    /for site Amsterdam 1/,
  );
  assert.deepEqual(await run(g, "list-templates", {}), {});
});

Deno.test("a device token acts for its device's site, and for nothing when that is unknown", async () => {
  assert.deepEqual(await run({ device: 77 }, "load-diagram", { id: 2 }), { id: 2 });
  assert.notEqual(await refusal(run({ device: 77 }, "load-diagram", { id: 1 })), "allowed");
  assert.match(await refusal(run({ device: 5 }, "load-diagram", { id: 2 })), /has no site/);
  assert.match(
    await refusal(run({ device: 77, site: "ams-1" }, "load-diagram", { id: 2 })),
    /not at site/,
  );
});

Deno.test("editor tokens reach the WebSocket and POST /mcp only", () => {
  assert.ok(editorMayUse("/ws", true));
  assert.ok(editorMayUse("/", true));
  assert.ok(editorMayUse("/mcp", false));
  assert.ok(!editorMayUse("/api/ip-pools/", true), "an upgrade header does not open REST");
  assert.ok(!editorMayUse("/api/diagrams/", false));
  assert.ok(!editorMayUse("/metrics", false));
});

Deno.test("a site's editor token generates and refreshes that site's diagrams only", async () => {
  const site = { site: "ams-1" };
  assert.deepEqual(await run(site, "generate-diagram", { name: "AMS" }), {
    name: "AMS",
    site: "Amsterdam 1",
  });
  // Named by the slug the token was signed with, it is the same site.
  assert.deepEqual(await run(site, "generate-diagram", { name: "AMS", site: "ams-1" }), {
    name: "AMS",
    site: "Amsterdam 1",
  });
  assert.deepEqual(await run(site, "list-diagrams", { site: "ams-1" }), { site: "Amsterdam 1" });
  assert.match(
    await refusal(run(site, "generate-diagram", { name: "x", site: "Frankfurt" })),
    /Cannot use site Frankfurt \(generate-diagram\)/,
  );
  assert.match(
    await refusal(run({ diagram: "1" }, "generate-diagram", { name: "x" })),
    /Cannot create a diagram with generate-diagram/,
  );
  assert.deepEqual(await run(site, "refresh-diagram", { id: 1 }), { id: 1 });
  assert.match(
    await refusal(run(site, "refresh-diagram", { id: 2 })),
    /Cannot use diagram 2 \(refresh-diagram\)/,
  );
});
