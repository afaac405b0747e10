// Shared checks of the distributed scenarios: typists on several instances, and what must hold
// when they stop (every token once, everyone converged to /api/text of every instance, the log in
// PostgreSQL without gaps or duplicates).
import assert from "node:assert/strict";
import { getText, eventually } from "../../integration/lib/client.mjs";
import { Typist, tokensOf, onlyTokens, allAcknowledged, sleep } from "../../integration/lib/typist.mjs";
import { psql } from "./cluster.mjs";

export { Typist, sleep };

/** Typists for `doc`: `placement[i]` is a function giving the base URL for typist i. */
export function typists(doc, placement, { seed = 1, rustpadEvery = 0 } = {}) {
  return placement.map((getBase, i) => new Typist({
    name: `T${String.fromCharCode(65 + i)}`, doc, getBase, seed: seed + i, rustpad: rustpadEvery > 0 && i % rustpadEvery === rustpadEvery - 1,
  }).start());
}

/** Every typed token is in the text exactly once; everyone converged to /api/text of every live instance. */
export async function assertConverged(ts, cluster, doc, { ackedBefore = new Set(), ms = 30000, extraTyped = [] } = {}) {
  await allAcknowledged(ts, ms);
  const live = [...Array(cluster.n).keys()].filter((k) => cluster.alive(k));
  const text = await eventually(async () => {
    const texts = await Promise.all(live.map((k) => getText(cluster.url(k), doc)));
    return texts.every((t) => t === texts[0]) && ts.every((ty) => ty.text === texts[0]) ? texts[0] : null;
  }, ms, "every typist and every instance's /api/text agree");
  for (const ty of ts) assert.deepStrictEqual(ty.violations, [], `${ty.name} saw protocol violations`);
  assert.ok(onlyTokens(text), `the text is whole tokens only; stray: ${JSON.stringify(text.replace(/\[[A-Za-z]+\d+\]/g, "|").slice(0, 300))}`);
  const tokens = tokensOf(text);
  assert.deepStrictEqual(tokens.filter((tok, i) => tokens.indexOf(tok) !== i), [], "no edit applied twice");
  const typed = ts.flatMap((ty) => ty.typed);
  // Typists that left (extraTyped): what they had acknowledged is in the text, nothing is twice.
  const mayBe = new Set(extraTyped.flatMap((ty) => ty.typed));
  for (const ty of extraTyped) {
    for (const tok of ty.acked) assert.ok(tokens.includes(tok), `acknowledged ${tok} of ${ty.name} survived`);
    const unsent = ty.buffer?.tokens ?? [];  // typed while nothing could be sent: never left the client
    for (const tok of ty.typed) if (!ty.acked.has(tok) && !(ty.outstanding?.tokens ?? []).includes(tok) && !unsent.includes(tok)) mayBe.delete(tok);
  }
  assert.deepStrictEqual([...tokens].filter((tok) => !mayBe.has(tok)).sort(), [...typed].sort(), "every typed token is in the text exactly once");
  for (const tok of ackedBefore) assert.ok(tokens.includes(tok), `acknowledged ${tok} survived`);
  return { text, tokens: typed.length };
}

/** The stored log of `doc`: no gap, each tagged (client, seq) once; returns its length. */
export function assertStoredLog(url, doc) {
  const [count, min, max, distinct, tagged] = psql(url,
    `SELECT count(*), coalesce(min(revision), 0), coalesce(max(revision), -1), count(DISTINCT (client, seq)) FILTER (WHERE client IS NOT NULL), ` +
    `count(*) FILTER (WHERE client IS NOT NULL) FROM operations WHERE document = '${doc}'`).split("|").map(Number);
  assert.equal(count, max - min + 1, "no gap in the stored log");
  assert.equal(distinct, tagged, "each (client, seq) stored once");
  return max + 1;
}
