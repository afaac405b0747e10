// The server's transform of a stale edit, checked on the wire against ot.js (an independent
// implementation PROTOCOL.md names as a valid oracle on text without astral characters).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { ServerFixture } from "./lib/server.mjs";
import { join, getText, docId } from "./lib/client.mjs";
import { rng } from "./lib/typist.mjs";

const { TextOperation } = createRequire(import.meta.url)("ot");

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

/** A random ot.js operation on a text of length `len` (ASCII, with many same-position inserts). */
function randomOp(random, len) {
  const op = new TextOperation();
  const int = (n) => Math.floor(random() * n);
  let left = len;
  while (left > 0) {
    const r = random();
    if (r < 0.35) { const n = 1 + int(left); op.retain(n); left -= n; }
    else if (r < 0.6) { const n = 1 + int(Math.min(left, 4)); op["delete"](n); left -= n; }
    else op.insert("abcxyz".slice(int(3), 3 + int(4)) || "q");
  }
  if (random() < 0.5) op.insert("end");
  return op;
}

test("300 stale edits are transformed exactly as ot.js transforms them (incoming op on the left)", async () => {
  const doc = docId("oracle");
  const random = rng(4242);
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b, idB] = await join(fx.wsUrl, doc);
  let text = "", rev = 0;
  for (let round = 0; round < 300; round++) {
    if (text.length > 60) {  // keep the text short so rounds stay varied
      const trim = new TextOperation().retain(20)["delete"](text.length - 20);
      a.send({ Edit: { revision: rev, operation: trim.toJSON() } });
      await a.recvUntil((f) => f.History?.start === rev);
      await b.recvUntil((f) => f.History?.start === rev);
      text = trim.apply(text);
      rev++;
    }
    // a makes 1-3 edits in a row; b's edit, made before all of them, must be transformed over each.
    const k = 1 + Math.floor(random() * 3);
    const opB = randomOp(random, text.length);
    let bPrime = opB, textA = text;
    for (let i = 0; i < k; i++) {
      const opA = randomOp(random, textA.length);
      a.send({ Edit: { revision: rev + i, operation: opA.toJSON() } });
      await a.expect({ History: { start: rev + i, operations: [{ id: idA, operation: opA.toJSON() }] } });
      const [b1] = TextOperation.transform(bPrime, opA);
      bPrime = b1;
      textA = opA.apply(textA);
    }
    b.send({ Edit: { revision: rev, operation: opB.toJSON() } });
    const expected = { History: { start: rev + k, operations: [{ id: idB, operation: bPrime.toJSON() }] } };
    await b.recvUntil((f) => f.History?.start === rev + k - 1);
    assert.deepStrictEqual(await b.recv(), expected, `round ${round}: ${JSON.stringify(opB.toJSON())} over ${k} edits from ${JSON.stringify(text)}`);
    await a.recvUntil((f) => f.History?.start === rev + k);
    text = bPrime.apply(textA);
    rev += k + 1;
  }
  assert.equal(await getText(fx.url, doc), text);
  await Promise.all([a.close(), b.close()]);
});
