import assert from "node:assert/strict";
import { templateVariables } from "./templates.ts";

Deno.test("templateVariables() reads typed variables with labels, defaults and enum options", () => {
  const t = {
    id: 1,
    name: "branch",
    variables: [
      { name: "site", type: "string", label: "Site name", required: true },
      { name: "uplinks", type: "number", default: 2, required: false },
      { name: "role", type: "enum", options: ["edge", "core"], default: "edge" },
    ],
  };
  assert.deepEqual(templateVariables(t), [
    {
      name: "site",
      label: "Site name",
      default: undefined,
      required: true,
      options: undefined,
      type: "string",
    },
    {
      name: "uplinks",
      label: "uplinks",
      default: "2",
      required: false,
      options: undefined,
      type: "number",
    },
    {
      name: "role",
      label: "role",
      default: "edge",
      required: false,
      options: ["edge", "core"],
      type: "enum",
    },
  ]);
});

Deno.test("templateVariables() accepts plain names and an object map, and nothing", () => {
  assert.deepEqual(templateVariables({ variables: ["a"] }).map((v) => v.name), ["a"]);
  assert.deepEqual(
    templateVariables({ variables: { b: { default: "x" } } }).map((v) => [v.name, v.default]),
    [["b", "x"]],
  );
  assert.deepEqual(templateVariables(null), []);
});
