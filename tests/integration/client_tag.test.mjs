// The Edit's `client` is a secret: History shows only its tag, so nobody can forge edits under
// another user's key (docs/protocol.md, "Client ids and tags").
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, getText, docId, clientTag } from "./lib/client.mjs";

const MAX_GAP = 50;
const fx = new ServerFixture({ EDIT_SEQ_MAX_GAP: MAX_GAP });
before(() => fx.start());
after(() => fx.dispose());

/** Sends an Edit as raw JSON text, so that a seq beyond 2^53 arrives exactly. */
function sendEdit(c, revision, operation, client, seq) {
  c.sendRaw(`{"Edit":{"revision":${revision},"operation":${JSON.stringify(operation)},"client":${JSON.stringify(client)},"seq":${seq}}}`);
}

/** The victim's edit at `revision` is sequenced and acknowledged to it under its tag and seq. */
async function expectAcked(c, revision, operation, secret, seq) {
  sendEdit(c, revision, operation, secret, seq);
  const f = await c.recvUntil((m) => m.History && m.History.start + m.History.operations.length > revision);
  const entry = f.History.operations[revision - f.History.start];
  assert.deepStrictEqual(entry, { id: c.id, operation, client: clientTag(secret), seq });
}

test("History shows the tag of the client id, never the id", async () => {
  const doc = docId("tag");
  const [a] = await join(fx.wsUrl, doc);
  const [b] = await join(fx.wsUrl, doc);
  sendEdit(a, 0, ["hi"], "a-secret-0001", 1);
  const f = await b.recv();
  assert.deepStrictEqual(f, { History: { start: 0, operations: [{ id: a.id, operation: ["hi"], client: clientTag("a-secret-0001"), seq: 1 }] } });
  const raw = (await a.recvFrame()).text;
  assert.ok(!raw.includes("a-secret-0001"), raw);
  await Promise.all([a.close(), b.close()]);
});

test("an attacker replaying a victim's History client with seq 2^64-1 does not stop the victim's edits", async () => {
  const doc = docId("attack");
  const secret = "victim-7f3a9c";
  const [victim] = await join(fx.wsUrl, doc);
  const [attacker] = await join(fx.wsUrl, doc);
  await expectAcked(victim, 0, ["v1 "], secret, 1);
  const seen = (await attacker.recvUntil((m) => m.History)).History.operations[0].client;
  sendEdit(attacker, 1, [3], seen, "18446744073709551615");  // a no-op under what History showed
  await attacker.recvUntil((m) => m.History?.start === 1);
  await expectAcked(victim, 2, [3, "v2 "], secret, 2);
  await expectAcked(victim, 3, [6, "v3 "], secret, 3);
  // Also after reconnecting: the victim's next edit is not taken for a duplicate.
  await victim.close();
  const [again] = await join(fx.wsUrl, doc, { revision: 4 });
  await expectAcked(again, 4, [9, "v4"], secret, 4);
  assert.equal(await getText(fx.url, doc), "v1 v2 v3 v4");
  await Promise.all([again.close(), attacker.close()]);
});

test(`a seq more than EDIT_SEQ_MAX_GAP (${MAX_GAP}) past the last one is bad_seq, close 1008`, async () => {
  const doc = docId("gap");
  const [a] = await join(fx.wsUrl, doc);
  await expectAcked(a, 0, ["a"], "gapper", 1000);  // a first seq for an unknown client is accepted
  await expectAcked(a, 1, [1, "b"], "gapper", 1000 + MAX_GAP);  // exactly at the limit
  sendEdit(a, 2, [2, "c"], "gapper", 1000 + 2 * MAX_GAP + 1);
  assert.deepStrictEqual((await a.recv()).Error?.code, "bad_seq");
  assert.equal((await a.waitClosed()).code, 1008);
  assert.equal(await getText(fx.url, doc), "ab");
});
