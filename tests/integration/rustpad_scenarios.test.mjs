// Rustpad's server scenarios, replayed against the real kolabpad server over real sockets.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, getText, docId } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

const history = (start, operations) => ({ History: { start, operations } });

test("a single operation is echoed to its sender with its id and shows in /api/text", async () => {
  const doc = docId("single");
  const [a, idA] = await join(fx.wsUrl, doc);
  await a.expectNoFrame(150);  // empty document: nothing after Identity
  a.send({ Edit: { revision: 0, operation: ["hello"] } });
  await a.expectText(history(0, [{ id: idA, operation: ["hello"] }]));
  assert.equal(await getText(fx.url, doc), "hello");
  const [b] = await join(fx.wsUrl, doc);
  await b.expectText(history(0, [{ id: idA, operation: ["hello"] }]));
  await Promise.all([a.close(), b.close()]);
});

test("an edit at a revision beyond the log closes the connection with bad_revision", async () => {
  const doc = docId("badrev");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 1, operation: ["hello"] } });
  const err = await a.recv();
  assert.equal(err.Error?.code, "bad_revision", JSON.stringify(err));
  assert.equal((await a.waitClosed()).code, 1008);
  assert.equal(await getText(fx.url, doc), "");
});

test("a stale concurrent insert is transformed to give ~rust~henlo", async () => {
  const doc = docId("concurrent");
  const [a, id] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["hello"] } });
  await a.expect(history(0, [{ id, operation: ["hello"] }]));
  a.send({ Edit: { revision: 1, operation: [2, "n", -1, 2] } });
  await a.expect(history(1, [{ id, operation: [2, "n", -1, 2] }]));
  a.send({ Edit: { revision: 1, operation: ["~rust~", 5] } });
  await a.expectText(history(2, [{ id, operation: ["~rust~", 5] }]));
  assert.equal(await getText(fx.url, doc), "~rust~henlo");
  const [b] = await join(fx.wsUrl, doc);
  await b.expect(history(0, [
    { id, operation: ["hello"] },
    { id, operation: [2, "n", -1, 2] },
    { id, operation: ["~rust~", 5] },
  ]));
  await Promise.all([a.close(), b.close()]);
});

test("setting the language tells everyone the language and who set it", async () => {
  const doc = docId("lang");
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b] = await join(fx.wsUrl, doc);
  a.send({ SetLanguage: "javascript" });
  for (const c of [a, b]) {
    await c.expectText({ Language: "javascript" });
    await c.expectText({ LanguageBy: idA });
  }
  const [c] = await join(fx.wsUrl, doc);
  await c.expect({ Language: "javascript" });
  await c.expectNoFrame(200);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test("two users see each other's user info", async () => {
  const doc = docId("two");
  const alice = { name: "Alice", hue: 42 };
  const bob = { name: "Bob", hue: 96 };
  const [a, idA] = await join(fx.wsUrl, doc);
  a.send({ ClientInfo: alice });
  await a.expectText({ UserInfo: { id: idA, info: alice } });
  const [b, idB] = await join(fx.wsUrl, doc);
  assert.notEqual(idA, idB);
  await b.expect({ UserInfo: { id: idA, info: alice } });
  b.send({ ClientInfo: bob });
  for (const c of [a, b]) await c.expect({ UserInfo: { id: idB, info: bob } });
  await Promise.all([a.close(), b.close()]);
});

test("a user who leaves is announced with info null and is not shown to later joiners", async () => {
  const doc = docId("leave");
  const alice = { name: "Alice", hue: 10 };
  const bob = { name: "Bob", hue: 200 };
  const [a, idA] = await join(fx.wsUrl, doc);
  a.send({ ClientInfo: alice });
  await a.expect({ UserInfo: { id: idA, info: alice } });
  const [b, idB] = await join(fx.wsUrl, doc);
  await b.expect({ UserInfo: { id: idA, info: alice } });
  b.send({ ClientInfo: bob });
  await a.expect({ UserInfo: { id: idB, info: bob } });
  await b.expect({ UserInfo: { id: idB, info: bob } });
  await a.close();
  await b.expectText({ UserInfo: { id: idA, info: null } });
  const [a2, idA2] = await join(fx.wsUrl, doc);
  assert.ok(![idA, idB].includes(idA2), "a rejoining user gets a fresh id");
  await a2.expect({ UserInfo: { id: idB, info: bob } });
  await a2.expectNoFrame(200);
  await Promise.all([a2.close(), b.close()]);
});

test("stored cursors move through edits so a late joiner sees current positions", async () => {
  const doc = docId("cursors");
  const [a, idA] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["hello world"] } });
  await a.recv();
  const info = { name: "A", hue: 1 };
  a.send({ ClientInfo: info });
  await a.expect({ UserInfo: { id: idA, info } });
  const cursors = { cursors: [4, 9], selections: [[1, 3], [6, 11]] };
  a.send({ CursorData: cursors });
  await a.expectText({ UserCursor: { id: idA, data: cursors } });
  const [b, idB] = await join(fx.wsUrl, doc);
  await b.recv();  // History
  await b.expect({ UserInfo: { id: idA, info } });
  await b.expect({ UserCursor: { id: idA, data: cursors } });
  // "ab" at the start, then remove "o wo" (positions 6..10 after the insert).
  b.send({ Edit: { revision: 1, operation: ["ab", 11] } });
  b.send({ Edit: { revision: 2, operation: [6, -4, 3] } });
  for (const c of [a, b])
    assert.deepStrictEqual(await c.recvEntries(1, 2), [{ id: idB, operation: ["ab", 11] }, { id: idB, operation: [6, -4, 3] }]);
  assert.equal(await getText(fx.url, doc), "abhellrld");
  const [c] = await join(fx.wsUrl, doc);
  await c.recv();  // History
  await c.expect({ UserInfo: { id: idA, info } });
  // 4 -> 6 -> 6; 9 -> 11 -> 7; [1,3] -> [3,5]; [6,11] -> [8,13] -> [6,9]
  await c.expect({ UserCursor: { id: idA, data: { cursors: [6, 7], selections: [[3, 5], [6, 9]] } } });
  await Promise.all([a.close(), b.close(), c.close()]);
});

test("lengths and cursors count code points: emoji, ZWJ family, astral letters", async () => {
  const doc = docId("unicode");
  const text = "h🎉e👨‍👨‍👦‍👦l𝕏o";  // 1+1+1+7+1+1+1 = 13 code points
  const [a, idA] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: [text] } });
  await a.expect(history(0, [{ id: idA, operation: [text] }]));
  a.send({ Edit: { revision: 1, operation: [13, "🦀"] } });
  await a.expect(history(1, [{ id: idA, operation: [13, "🦀"] }]));
  a.send({ Edit: { revision: 2, operation: [3, -7, 4] } });  // remove the family (7 code points)
  await a.expect(history(2, [{ id: idA, operation: [3, -7, 4] }]));
  assert.equal(await getText(fx.url, doc), "h🎉el𝕏o🦀");
  a.send({ ClientInfo: { name: "😀 Zoë", hue: 5 } });
  await a.expect({ UserInfo: { id: idA, info: { name: "😀 Zoë", hue: 5 } } });
  a.send({ CursorData: { cursors: [7], selections: [[5, 7]] } });
  await a.recv();
  a.send({ Edit: { revision: 3, operation: [1, "👨‍👩‍👧", 6] } });  // 5 code points after "h"
  await a.recv();
  const [b] = await join(fx.wsUrl, doc);
  await b.recv();
  await b.recv();
  await b.expect({ UserCursor: { id: idA, data: { cursors: [12], selections: [[10, 12]] } } });
  assert.equal(await getText(fx.url, doc), "h👨‍👩‍👧🎉el𝕏o🦀");
  // One code point too many is a base-length mismatch, not a byte or UTF-16 count.
  b.send({ Edit: { revision: 4, operation: [13, "!"] } });
  assert.equal((await b.recv()).Error?.code, "bad_operation");
  await Promise.all([a.close(), b.waitClosed()]);
});

test("100 rounds of back-to-back edits from two clients reach both in one order", async () => {
  const doc = docId("rounds");
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b, idB] = await join(fx.wsUrl, doc);
  let text = "|";  // a seed, so the two inserts never tie at one position
  a.send({ Edit: { revision: 0, operation: [text] } });
  await a.recv();
  await b.recv();
  for (let round = 0; round < 100; round++) {
    const rev = 1 + 2 * round;
    const len = [...text].length;
    const opA = ["a", len];
    const opB = [len, "b"];
    a.send({ Edit: { revision: rev, operation: opA } });
    b.send({ Edit: { revision: rev, operation: opB } });
    const got = [await a.recvEntries(rev, 2), await b.recvEntries(rev, 2)];
    assert.deepStrictEqual(got[0], got[1], `round ${round}: both clients see the same entries`);
    const aFirst = got[0][0].id === idA;
    const expected = aFirst
      ? [{ id: idA, operation: opA }, { id: idB, operation: [len + 1, "b"] }]
      : [{ id: idB, operation: opB }, { id: idA, operation: ["a", len + 1] }];
    assert.deepStrictEqual(got[0], expected, `round ${round}`);
    text = "a" + text + "b";
  }
  assert.equal(await getText(fx.url, doc), text);
  await Promise.all([a.close(), b.close()]);
});

test("5,000 characters are accepted and a 500,000-character insert is rejected", async () => {
  const doc = docId("large");
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b] = await join(fx.wsUrl, doc);
  const small = "x".repeat(5000);
  a.send({ Edit: { revision: 0, operation: [small] } });
  await a.expect(history(0, [{ id: idA, operation: [small] }]));
  await b.expect(history(0, [{ id: idA, operation: [small] }]));
  a.send({ Edit: { revision: 1, operation: [5000, "y".repeat(500000)], client: "big", seq: 7 } });
  const rej = await a.recv();
  assert.deepStrictEqual(Object.keys(rej), ["Rejected"]);
  assert.equal(rej.Rejected.code, "document_too_large");
  assert.equal(rej.Rejected.seq, 7);
  assert.equal(typeof rej.Rejected.message, "string");
  a.send({ Edit: { revision: 1, operation: ["z".repeat(500000), 5000] } });
  const rej2 = await a.recv();
  assert.equal(rej2.Rejected?.code, "document_too_large");
  assert.ok(rej2.Rejected.seq === undefined || rej2.Rejected.seq === null, "no seq when the edit had none");
  await b.expectNoFrame(200);
  assert.equal(await getText(fx.url, doc), small);
  a.send({ Edit: { revision: 1, operation: [5000, "!"] } });  // still open, revision unchanged
  await a.expect(history(1, [{ id: idA, operation: [5000, "!"] }]));
  await Promise.all([a.close(), b.close()]);
});
