// Clients editing Unicode text concurrently, with dropped connections, converge to the server's text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, docId } from "./lib/client.mjs";
import { RandomEditor } from "./lib/random_editor.mjs";
import { rng, sleep, allAcknowledged, convergedText } from "./lib/typist.mjs";
import { apply, otName } from "./lib/ot.mjs";

test("three clients typing Unicode with deletes and dropped connections converge", async (t) => {
  assert.equal(otName, "@kolabpad/ot", "code-point OT needs the wasm package (ot.js counts UTF-16)");
  const fx = new ServerFixture();
  await fx.start();
  const doc = docId("converge");
  const seed = Number(process.env.KOLABPAD_CONVERGE_SEED ?? 77);
  t.diagnostic(`seed ${seed} (set KOLABPAD_CONVERGE_SEED to vary)`);
  const editors = ["A", "B", "C"].map((name, i) =>
    new RandomEditor({ name, doc, getBase: () => fx.wsUrl, seed: seed * 10 + i }).start());
  try {
    let typing = true;
    const typed = Promise.all(editors.map((e) => e.typeWhile(() => typing)));
    const random = rng(seed);
    let drops = 0;
    for (const stopAt = Date.now() + 3000; Date.now() < stopAt; drops++) {
      await sleep(100 + Math.floor(random() * 250));
      editors[Math.floor(random() * editors.length)].client?.terminate();  // lose whatever is in flight
    }
    typing = false;
    await typed;
    await allAcknowledged(editors);
    const text = await convergedText(editors, fx.url, doc, 5000, "editors converge to the server's text");
    t.diagnostic(`${drops} dropped connections, ${editors.reduce((n, e) => n + e.typed.length, 0)} edits, ${Array.from(text).length} code points`);

    const [c] = await join(fx.wsUrl, doc);
    const h = await c.recv();
    let replay = "";
    for (const e of h.History.operations) replay = apply(e.operation, replay);
    assert.equal(replay, text, "the log replays to the text");
    const keys = h.History.operations.map((e) => `${e.client}/${e.seq}`);
    assert.equal(new Set(keys).size, keys.length, "no (client, seq) applied twice");
    assert.equal(editors.reduce((n, e) => n + e.seq, 0), keys.length, "every sent edit is in the log once");
    await c.close();
  } finally {
    await Promise.all(editors.map((e) => e.stop()));
    await fx.dispose();
  }
});

test("eight documents with three editors each stay separate and each converge", async () => {
  const fx = new ServerFixture();
  await fx.start();
  const docs = Array.from({ length: 8 }, (_, i) => docId(`multi${i}`));
  const editors = docs.flatMap((doc, d) => ["A", "B", "C"].map((name, i) =>
    new RandomEditor({ name, doc, getBase: () => fx.wsUrl, seed: 1000 + d * 10 + i }).start()));
  try {
    let typing = true;
    const typed = Promise.all(editors.map((e) => e.typeWhile(() => typing)));
    await sleep(2000);
    typing = false;
    await typed;
    await allAcknowledged(editors, 20000);
    for (const doc of docs) {
      const mine = editors.filter((e) => e.doc === doc);
      await convergedText(mine, fx.url, doc, 5000, `${doc} converged`);
      const [c] = await join(fx.wsUrl, doc);
      const h = await c.recv();
      const clients = new Set(h.History.operations.map((e) => e.client));
      assert.deepStrictEqual([...clients].sort(), mine.map((e) => e.clientTag).sort(), "only this document's editors in its log");
      await c.close();
    }
  } finally {
    await Promise.all(editors.map((e) => e.stop()));
    await fx.dispose();
  }
});

test("Rustpad-style clients (no client/seq, acknowledgement by id) converge unchanged", async () => {
  const fx = new ServerFixture();
  await fx.start();
  const doc = docId("rustpad");
  const editors = ["A", "B"].map((name, i) =>
    new RandomEditor({ name, doc, getBase: () => fx.wsUrl, seed: 500 + i, rustpad: true }).start());
  try {
    let typing = true;
    const typed = Promise.all(editors.map((e) => e.typeWhile(() => typing)));
    await sleep(1500);
    typing = false;
    await typed;
    await allAcknowledged(editors);
    await convergedText(editors, fx.url, doc, 5000, "editors converge to the server's text");
    const [c] = await join(fx.wsUrl, doc);
    const h = await c.recv();
    assert.ok(h.History.operations.every((e) => Object.keys(e).join() === "id,operation"), "entries carry only id and operation");
    assert.equal(h.History.operations.length, editors.reduce((n, e) => n + e.seq, 0));
    await c.close();
  } finally {
    await Promise.all(editors.map((e) => e.stop()));
    await fx.dispose();
  }
});
