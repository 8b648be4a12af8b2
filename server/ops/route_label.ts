// The `route` label of HTTP metrics: the pattern of the route that answered (or would have
// answered, when a middleware refused the request first), written as the API documents it:
// `/api/ip-pools/{id}/`, without the matching rules Hono patterns carry (`:id{[0-9]+}`). Only a
// request no route matches is `unmatched`, so a 404 from a real route (an unknown id) keeps its
// route, and the label's values stay bounded by the routes the server declares.
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

export const UNMATCHED = "unmatched";

/** Hono's method of middleware registered with use(), which matches every request. */
const ANY_METHOD = "ALL";

/** The label for a request once it has been answered. */
// deno-lint-ignore no-explicit-any
export function routeLabel(c: Context<any>): string {
  const routes = matchedRoutes(c);
  const answered = routes[c.req.routeIndex];
  if (answered && answered.method !== ANY_METHOD) return plainPattern(answered.path);
  // A middleware answered (authentication, a rate or size limit) or nothing matched: the first
  // route handler in line is the one the request was for. Failing that, an all-methods handler
  // of a real path (the 405 that names the methods a path offers) labels it by that path;
  // middleware paths carry a wildcard.
  const meant = routes.find((r) => r.method !== ANY_METHOD) ??
    (answered && !answered.path.includes("*") ? answered : undefined);
  return meant ? plainPattern(meant.path) : UNMATCHED;
}

/**
 * A Hono route pattern with its parameters as `{name}`: `:id{[0-9]+}` and `:id` both become
 * `{id}`, an optional `:id?` becomes `{id}` too; wildcards and literal text stay.
 */
export function plainPattern(pattern: string): string {
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    const atSegment = i === 0 || pattern[i - 1] === "/";
    if (ch !== ":" || !atSegment) {
      out += ch;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < pattern.length && /[A-Za-z0-9_-]/.test(pattern[j])) j++;
    const name = pattern.slice(i + 1, j);
    if (pattern[j] === "{") j = closingBrace(pattern, j) + 1;
    if (pattern[j] === "?") j++;
    out += `{${name}}`;
    i = j;
  }
  return out;
}

/** Index of the brace closing the one at `open`, counting nested braces (`{2,3}` quantifiers). */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return text.length - 1;
}
