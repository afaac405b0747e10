// The frames a new connection receives, in PROTOCOL.md's order, and Rustpad's view of them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, docId } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

const RUSTPAD_KINDS = new Set(["Identity", "History", "Language", "UserInfo", "UserCursor"]);
const kind = (f) => Object.keys(f)[0];

/** The frames c was sent on connect (after Identity). */
async function collect(c, ms = 10000) {
  // Everything sent on connect comes before the UserInfo answering c's own ClientInfo (the marker,
  // left out); waiting for it instead of for a quiet spell holds however slow the machine is.
  const marker = `collect-${c.id}`;
  c.send({ ClientInfo: { name: marker, hue: 0 } });
  const out = [];
  for (let f; (f = await c.recv(ms)).UserInfo?.info?.name !== marker; ) out.push(f);
  return out;
}

/** A document with two edits, a language, and two users who both sent info and cursors. */
async function populated() {
  const doc = docId("seq");
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b, idB] = await join(fx.wsUrl, doc);
  const infoA = { name: "Alice", hue: 42 }, infoB = { name: "Bob", hue: 300 };
  const curA = { cursors: [2], selections: [[0, 2]] }, curB = { cursors: [5], selections: [] };
  a.send({ Edit: { revision: 0, operation: ["hello"] } });
  a.send({ Edit: { revision: 1, operation: [5, " world"] } });
  a.send({ SetLanguage: "python" });
  a.send({ ClientInfo: infoA });
  a.send({ CursorData: curA });
  // Once b saw a's edits, language and cursor, b's cursor is stored after the edits and stays
  // put, and nothing a did is still on its way (a join racing a change is races.test.mjs's).
  let sawEdits = false, sawCursor = false, sawLanguage = false;
  await b.recvUntil((f) => {
    if (f.History && f.History.start + f.History.operations.length === 2) sawEdits = true;
    if (f.UserCursor?.id === idA) sawCursor = true;
    if (f.LanguageBy === idA) sawLanguage = true;
    return sawEdits && sawCursor && sawLanguage;
  });
  b.send({ ClientInfo: infoB });
  b.send({ CursorData: curB });
  await b.recvUntil((f) => f.UserCursor?.id === idB);
  const ops = [{ id: idA, operation: ["hello"] }, { id: idA, operation: [5, " world"] }];
  const users = [
    [{ UserInfo: { id: idA, info: infoA } }, { UserCursor: { id: idA, data: curA } }],
    [{ UserInfo: { id: idB, info: infoB } }, { UserCursor: { id: idB, data: curB } }],
  ];
  return { doc, a, b, ops, users };
}

/** Asserts the per-user tail: exactly one UserInfo and one UserCursor per user, info first. */
function assertUserTail(tail, users) {
  const key = (f) => JSON.stringify(f);
  assert.deepStrictEqual(tail.map(key).sort(), users.flat().map(key).sort());
  for (const [info, cursor] of users)
    assert.ok(tail.findIndex((f) => key(f) === key(info)) < tail.findIndex((f) => key(f) === key(cursor)),
      "a user's UserInfo comes before its UserCursor");
}

test("connect sequence: Identity, History from 0, Language, then UserInfo and UserCursor per user", async () => {
  const { doc, a, b, ops, users } = await populated();
  const [c, idC] = await join(fx.wsUrl, doc);
  assert.ok(![users[0][0].UserInfo.id, users[1][0].UserInfo.id].includes(idC));
  const frames = await collect(c);
  assert.deepStrictEqual(frames.slice(0, 2), [{ History: { start: 0, operations: ops } }, { Language: "python" }]);
  assertUserTail(frames.slice(2), users);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test("connect sequence seen by a Rustpad client equals Rustpad's", async () => {
  const { doc, a, b, ops, users } = await populated();
  const [c] = await join(fx.wsUrl, doc);
  const frames = (await collect(c)).filter((f) => RUSTPAD_KINDS.has(kind(f)));
  // Rustpad: History (log not empty), Language (set), every UserInfo, every UserCursor.
  assert.deepStrictEqual(frames.slice(0, 2), [{ History: { start: 0, operations: ops } }, { Language: "python" }]);
  const tail = frames.slice(2);
  // Rustpad sends every UserInfo first, then every UserCursor (each group in map order).
  assert.deepStrictEqual(tail.map(kind), ["UserInfo", "UserInfo", "UserCursor", "UserCursor"]);
  assertUserTail(tail, users);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test("an empty document sends only Identity; users without info or cursors are not announced", async () => {
  const doc = docId("quiet");
  const [a] = await join(fx.wsUrl, doc);
  const [b] = await join(fx.wsUrl, doc);
  await b.expectNoFrame(300);
  a.send({ ClientInfo: { name: "NoCursor", hue: 0 } });
  await a.recv();
  await b.recv();
  const [c] = await join(fx.wsUrl, doc);
  assert.deepStrictEqual(await collect(c), [{ UserInfo: { id: a.id, info: { name: "NoCursor", hue: 0 } } }]);
  await Promise.all([a.close(), b.close(), c.close()]);
});
