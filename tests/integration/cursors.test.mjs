// Cursors: a user's UserCursor never overtakes the History of that user's earlier edits, and
// positions are clamped to the text's length (docs/protocol.md, "Cursors").
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, docId } from "./lib/client.mjs";

const fx = new ServerFixture();
before(() => fx.start());
after(() => fx.dispose());

test("a typist's cursor never reaches an observer before the History of the edit made just before it", async () => {
  const doc = docId("cursor-order");
  const [typist] = await join(fx.wsUrl, doc);
  const [observer] = await join(fx.wsUrl, doc);
  const rounds = 150;
  // The observer checks every frame as it arrives: the document has one character per entry, and
  // the typist's cursor sits after the character it just typed.
  let held = 0;
  const violations = [];
  let lastCursor = null;
  observer.ws.on("message", (buf) => {
    const m = JSON.parse(buf.toString("utf8"));
    if (m.History) held = m.History.start + m.History.operations.length;
    if (m.UserCursor?.id === typist.id) {
      const [pos] = m.UserCursor.data.cursors;
      lastCursor = pos;
      if (pos > held) violations.push(`cursor at ${pos} arrived while the observer held ${held} characters`);
    }
  });
  for (let k = 0; k < rounds; k++) {
    typist.send({ Edit: { revision: k, operation: k ? [k, "x"] : ["x"], client: "typist-secret", seq: k + 1 } });
    typist.send({ CursorData: { cursors: [k + 1], selections: [] } });
    await typist.recvUntil((f) => f.History && f.History.start + f.History.operations.length > k);
  }
  const deadline = Date.now() + 3000;
  while (lastCursor !== rounds || held < rounds) {
    assert.ok(Date.now() < deadline, `the observer received every edit and the last cursor (holds ${held}, cursor ${lastCursor})`);
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.deepStrictEqual(violations.slice(0, 5), [], `${violations.length} of ${rounds} cursors overtook their edit`);
  await Promise.all([typist.close(), observer.close()]);
});

test("cursor and selection positions past the end are clamped to the text's length", async () => {
  const doc = docId("cursor-clamp");
  const [a] = await join(fx.wsUrl, doc);
  const [b] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["h🎉y"] } });
  await b.recvUntil((f) => f.History);
  a.sendRaw('{"CursorData":{"cursors":[18446744073709551615,1],"selections":[[2,18446744073709551615]]}}');
  const f = await b.recvUntil((m) => m.UserCursor);
  assert.deepStrictEqual(f, { UserCursor: { id: a.id, data: { cursors: [3, 1], selections: [[2, 3]] } } });
  // A late joiner sees the clamped value too.
  const [c] = await join(fx.wsUrl, doc);
  assert.deepStrictEqual(await c.recvUntil((m) => m.UserCursor), f);
  await Promise.all([a.close(), b.close(), c.close()]);
});
