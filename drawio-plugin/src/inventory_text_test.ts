import assert from "node:assert/strict";
import {
  ADDED_COLOUR,
  generateArgs,
  generatedText,
  MARKED_COLOUR,
  NOTHING_CHANGED,
  refreshHighlight,
  refreshText,
  scopeChoices,
  UPDATED_COLOUR,
} from "./inventory_text.ts";

const blank = {
  name: "",
  site: "",
  tag: "",
  role: "",
  includeNeighbors: false,
  groupBy: "" as const,
};

Deno.test("the generate form sends only the scope given, trimmed", () => {
  assert.deepEqual(generateArgs({ ...blank, name: " DM-Akron ", site: " dm-akron " }), {
    args: { name: "DM-Akron", site: "dm-akron" },
  });
  assert.deepEqual(
    generateArgs({
      name: "Core",
      site: "",
      tag: "core",
      role: "router",
      includeNeighbors: true,
      groupBy: "rack",
    }),
    {
      args: { name: "Core", tag: "core", role: "router", includeNeighbors: true, groupBy: "rack" },
    },
  );
  assert.deepEqual(generateArgs({ ...blank, site: "x", name: "  " }), {
    problem: "Give the diagram a name.",
  });
});

Deno.test("the form's lists hold the sites and roles of the loaded devices, once each, sorted", () => {
  const choices = scopeChoices([
    { asset_id: "1", site: "dm-nashua", device_type: "switch" },
    { asset_id: "2", site: "dm-akron", metadata: { netbox: { role: "Core Switch" } } },
    { asset_id: "3", site: "dm-akron", device_type: "router" },
    { asset_id: "4", site: null, device_type: null },
  ]);
  assert.deepEqual(choices, {
    sites: ["dm-akron", "dm-nashua"],
    roles: ["Core Switch", "router", "switch"],
  });
});

Deno.test("a generation is told with its counts", () => {
  assert.equal(
    generatedText({ id: "d-1", version: 1, generated: { devices: 12, links: 1, pages: 1 } }),
    "generated 12 devices and 1 link (version 1)",
  );
  assert.equal(
    generatedText({ id: "d-1", version: 1, generated: { devices: 1, links: 0, pages: 3 } }),
    "generated 1 device and 0 links on 3 pages (version 1)",
  );
});

Deno.test("a refresh marks new cells green, updated orange and those gone from the inventory red", () => {
  const seen: Record<string, { before: boolean; missing: boolean }> = {
    "af-dev-new": { before: false, missing: false },
    "af-dev-renamed": { before: true, missing: false },
    "af-dev-gone": { before: true, missing: true },
  };
  const map = refreshHighlight(
    ["af-dev-new", "af-dev-renamed", "af-dev-gone", "not-on-the-canvas"],
    (id) => seen[id] ?? null,
  );
  assert.deepEqual([...map], [
    ["af-dev-new", ADDED_COLOUR],
    ["af-dev-renamed", UPDATED_COLOUR],
    ["af-dev-gone", MARKED_COLOUR],
  ]);
});

Deno.test("a refresh is told by the server's change summary, or its counts", () => {
  assert.equal(refreshText({ id: "d", version: 2, changed: false }), NOTHING_CHANGED);
  assert.equal(
    refreshText({ id: "d", version: 3, changed: true, change_summary: "Added 2 devices" }),
    "Added 2 devices",
  );
  assert.equal(
    refreshText({
      id: "d",
      version: 3,
      changed: true,
      summary: {
        added: { devices: [{ assetId: "a" }, { assetId: "b" }], links: ["l1", "l2"] },
        marked: { devices: 1, links: 1 },
        updated: { devices: [{ assetId: "c" }] },
      },
    }),
    "Refreshed from the inventory: 4 added, 1 updated, 2 marked as gone",
  );
});
