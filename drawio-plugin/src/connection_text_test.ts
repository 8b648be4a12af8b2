import assert from "node:assert/strict";
import { keyOf, offlineText, type Refusal, refusalText } from "./connection_text.ts";

const base: Refusal = {
  reason: "",
  hadKey: true,
  renewable: false,
  wasOpen: false,
  server: "https://archiflow.example",
};

Deno.test("refusalText() tells a link without a key to come from NetBox", () => {
  const text = refusalText({
    ...base,
    hadKey: false,
    reason: "Authentication required: send Authorization: Token <key>",
  });
  assert.match(text, /^This editor link has no valid key, so ArchiFlow at https:\/\/archiflow/);
  assert.match(text, /Open the diagram from NetBox.*ask for a new link/);
  // The server's advice is for API clients, not for someone holding a link.
  assert.doesNotMatch(text, /Authorization/);
});

Deno.test("refusalText() gives the server's reason for a refused link", () => {
  const text = refusalText({
    ...base,
    renewable: true,
    reason: "Invalid or expired editor token.",
  });
  assert.match(text, /ArchiFlow refused it \(Invalid or expired editor token\)\. Editor links/);
  assert.match(text, /Open the diagram from NetBox again, or ask for a new link\./);
});

Deno.test("refusalText() keeps an editor whose NetBox session ended open for a new key", () => {
  const text = refusalText({ ...base, renewable: true, wasOpen: true, reason: "Token expired" });
  assert.match(text, /ended this editor's session \(Token expired\)/);
  assert.match(text, /log in to NetBox again: the editor reconnects by itself/);
  const apiKey = refusalText({ ...base, wasOpen: true, reason: "Invalid, revoked or expired" });
  assert.match(apiKey, /Nothing can be saved with this key/);
});

Deno.test("offlineText() says when the next try is due", () => {
  assert.match(
    offlineText("http://a", 3_400),
    /Not connected to ArchiFlow at http:\/\/a\. Retrying in 3 s;/,
  );
  assert.match(offlineText("http://a", 100), /Retrying in 1 s/);
  assert.match(offlineText("http://a", null), /\. Retrying; nothing can be opened/);
});

Deno.test("keyOf() finds the key among the subprotocols", () => {
  assert.equal(keyOf(["archiflow", "archiflow.token.af_123"]), "af_123");
  assert.equal(keyOf(["archiflow"]), null);
  assert.equal(keyOf(null), null);
});
