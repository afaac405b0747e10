// Acknowledged edits survive a clean restart, a SIGKILL, and repeated SIGKILLs mid-typing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, getText, docId, clientTag } from "./lib/client.mjs";
import { Typist, rng, sleep, tokensOf, onlyTokens, allAcknowledged, convergedText } from "./lib/typist.mjs";
import { apply, otName } from "./lib/ot.mjs";

/** Connects from scratch and rebuilds the text from what the server sends (Snapshot and/or History). */
async function rebuild(base, doc) {
  const [c] = await join(base, doc);
  let text = "", revision = 0, entries = [];
  // Everything sent on connect comes before the UserInfo answering c's own ClientInfo.
  const marker = `rebuild-${c.id}`;
  c.send({ ClientInfo: { name: marker, hue: 0 } });
  for (;;) {
    const f = await c.recv(10000);
    if (f.UserInfo?.info?.name === marker) break;
    if (f.Snapshot) ({ text, revision } = f.Snapshot);
    if (f.History) {
      assert.equal(f.History.start, revision);
      for (const e of f.History.operations) { text = apply(e.operation, text); revision++; entries.push(e); }
    }
  }
  await c.close();
  return { text, revision, entries };
}

test("acknowledged edits, revision and language survive a SIGTERM restart", async () => {
  const fx = new ServerFixture();
  await fx.start();
  try {
    const doc = docId("durable");
    const [a] = await join(fx.wsUrl, doc);
    const ops = [["héllo 👨‍👨‍👦‍👦"], [13, " 𝕏"], [-6, 9]];
    for (let i = 0; i < ops.length; i++) {
      a.send({ Edit: { revision: i, operation: ops[i] } });
      await a.recvUntil((f) => f.History?.start === i);
    }
    a.send({ SetLanguage: "rust" });
    await a.recvUntil((f) => f.Language);
    await a.close();
    await fx.restart("SIGTERM");
    assert.equal(await getText(fx.url, doc), "👨‍👨‍👦‍👦 𝕏");
    const [b] = await join(fx.wsUrl, doc);
    assert.deepStrictEqual(await b.recv(), { History: { start: 0, operations: ops.map((operation) => ({ id: a.id, operation })) } });
    assert.deepStrictEqual(await b.recv(), { Language: "rust" });
    b.send({ Edit: { revision: 3, operation: [9, "!"] } });
    await b.expect({ History: { start: 3, operations: [{ id: b.id, operation: [9, "!"] }] } });
    await b.close();
  } finally {
    await fx.dispose();
  }
});

test("an edit acknowledged just before a SIGKILL is kept", async () => {
  const fx = new ServerFixture();
  await fx.start();
  try {
    const doc = docId("kill");
    const [a] = await join(fx.wsUrl, doc);
    a.send({ Edit: { revision: 0, operation: ["acked"], client: "k", seq: 1 } });
    await a.recv();
    await fx.restart("SIGKILL");
    assert.equal(await getText(fx.url, doc), "acked");
    const { revision, entries } = await rebuild(fx.wsUrl, doc);
    assert.equal(revision, 1);
    assert.deepStrictEqual(entries, [{ id: a.id, operation: ["acked"], client: clientTag("k"), seq: 1 }]);
  } finally {
    await fx.dispose();
  }
});

test("two typists lose no acknowledged edit across 3-5 SIGKILLs and converge", async (t) => {
  t.diagnostic(`client OT library: ${otName}`);
  const fx = new ServerFixture();
  await fx.start();
  const doc = docId("crash");
  const typists = [
    new Typist({ name: "A", doc, getBase: () => fx.wsUrl, seed: 101 + Number(process.env.KOLABPAD_CRASH_SEED ?? 0) }).start(),
    new Typist({ name: "B", doc, getBase: () => fx.wsUrl, seed: 202 + Number(process.env.KOLABPAD_CRASH_SEED ?? 0) }).start(),
  ];
  try {
    const seed = Number(process.env.KOLABPAD_CRASH_SEED ?? 20261122);
    t.diagnostic(`seed ${seed} (set KOLABPAD_CRASH_SEED to vary)`);
    const random = rng(seed);
    let typing = true;
    const typed = Promise.all(typists.map((ty) => ty.typeWhile(() => typing)));
    const kills = 3 + Math.floor(random() * 3);
    const ackedBeforeKill = new Set();
    for (let k = 0; k < kills; k++) {
      await sleep(300 + Math.floor(random() * 900));
      for (const ty of typists) for (const tok of ty.acked) ackedBeforeKill.add(tok);
      await fx.server.kill();
      await sleep(Math.floor(random() * 150));
      await fx.start();
    }
    await sleep(400);
    typing = false;
    await typed;
    await allAcknowledged(typists);
    const serverText = await convergedText(typists, fx.url, doc);

    for (const ty of typists) assert.deepStrictEqual(ty.violations, [], `${ty.name} saw protocol violations`);
    assert.ok(typists.every((ty) => ty.connects >= kills + 1), "every typist reconnected after each kill");
    assert.ok(onlyTokens(serverText), "the text is whole tokens only");
    const tokens = tokensOf(serverText);
    assert.equal(new Set(tokens).size, tokens.length, "no edit applied twice");
    const typedAll = typists.flatMap((ty) => ty.typed);
    assert.deepStrictEqual([...tokens].sort(), [...typedAll].sort(), "every typed token is in the text exactly once");
    for (const tok of ackedBeforeKill) assert.ok(tokens.includes(tok), `acknowledged ${tok} survived`);
    t.diagnostic(`${kills} kills, ${typedAll.length} tokens, ${ackedBeforeKill.size} acknowledged before a kill`);

    const { text, revision, entries } = await rebuild(fx.wsUrl, doc);
    assert.equal(text, serverText, "the log replays to the text");
    assert.ok(typists.every((ty) => ty.revision === revision));
    const seen = new Set();
    for (const e of entries) {
      assert.ok(e.client && Number.isInteger(e.seq), "every entry echoes client and seq");
      const key = `${e.client}/${e.seq}`;
      assert.ok(!seen.has(key), `(client, seq) ${key} in the log twice`);
      seen.add(key);
    }
  } finally {
    await Promise.all(typists.map((ty) => ty.stop()));
    await fx.dispose();
  }
});

test("two Rustpad clients typing through many SIGTERM restarts: every edit is acknowledged or not stored, none twice", async (t) => {
  // A Rustpad client has no (client, seq): it resends whatever it did not see acknowledged. An
  // edit stored during shutdown but never acknowledged would then appear twice.
  const fx = new ServerFixture({ STORAGE_COMMIT_WINDOW_MS: 20 });
  await fx.start();
  const doc = docId("rustpad-restart");
  const typists = [
    new Typist({ name: "R", doc, getBase: () => fx.wsUrl, seed: 31, rustpad: true }).start(),
    new Typist({ name: "S", doc, getBase: () => fx.wsUrl, seed: 32, rustpad: true }).start(),
  ];
  try {
    const random = rng(4242);
    let typing = true;
    const typed = Promise.all(typists.map((ty) => ty.typeWhile(() => typing)));
    const restarts = 12;
    for (let k = 0; k < restarts; k++) {
      await sleep(150 + Math.floor(random() * 250));
      const stopped = await fx.server.stop("SIGTERM");
      assert.equal(stopped.code, 0, `shutdown ${k} exited cleanly: ${JSON.stringify(stopped)}`);
      await fx.start();
    }
    await sleep(300);
    typing = false;
    await typed;
    await allAcknowledged(typists);
    const serverText = await convergedText(typists, fx.url, doc);
    const tokens = tokensOf(serverText);
    const typedAll = typists.flatMap((ty) => ty.typed);
    assert.ok(onlyTokens(serverText), "the text is whole tokens only");
    assert.deepStrictEqual(tokens.filter((tok, i) => tokens.indexOf(tok) !== i), [], "no edit applied twice");
    assert.deepStrictEqual([...tokens].sort(), [...typedAll].sort(), "every typed token is in the text exactly once");
    t.diagnostic(`${restarts} restarts, ${typedAll.length} tokens`);
  } finally {
    await Promise.all(typists.map((ty) => ty.stop()));
    await fx.dispose();
  }
});
