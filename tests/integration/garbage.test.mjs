// Many connections throwing garbage at the server while two honest typists keep editing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { connect, socketUrl, httpGet, docId } from "./lib/client.mjs";
import { Typist, rng, sleep, tokensOf, onlyTokens, allAcknowledged, convergedText } from "./lib/typist.mjs";
import { garbageFrames } from "./lib/garbage.mjs";
import { otName } from "./lib/ot.mjs";

const MESSAGE_KB = 16;
const CONNECTIONS = 12;
const FRAMES = 6000;

test("thousands of malformed, oversized and random frames leave the server up and the typists whole", async (t) => {
  t.diagnostic(`client OT library: ${otName}`);
  const fx = new ServerFixture({ MAX_MESSAGE_SIZE_KB: MESSAGE_KB });
  await fx.start();
  const doc = docId("garbage");
  const typists = [
    new Typist({ name: "A", doc, getBase: () => fx.wsUrl, seed: 7 }).start(),
    new Typist({ name: "B", doc, getBase: () => fx.wsUrl, seed: 8 }).start(),
  ];
  try {
    let typing = true;
    const typed = Promise.all(typists.map((ty) => ty.typeWhile(() => typing)));
    let sent = 0, connections = 0, refused = 0;
    const closeCodes = new Map();
    const attacker = async (seed) => {
      const random = rng(seed);
      const next = garbageFrames(random, { oversizeBytes: MESSAGE_KB * 1024 + 100 });
      while (sent < FRAMES) {
        const target = random() < 0.8 ? doc : random() < 0.5 ? docId("other") : "bad id!";
        let c;
        try { c = await connect(socketUrl(fx.wsUrl, target).replace("bad id!", "bad%20id!")); } catch { refused++; continue; }
        connections++;
        const burst = 1 + Math.floor(random() * 40);
        for (let i = 0; i < burst && !c.closed && sent < FRAMES; i++) {
          const { data, text } = next();
          c.sendRaw(data, { text });
          sent++;
          if (i % 8 === 7) await sleep(1);
        }
        const closed = await c.waitClosed(1500).catch(() => null);
        if (closed) closeCodes.set(closed.code, (closeCodes.get(closed.code) ?? 0) + 1);
        else c.terminate();
      }
    };
    const seed = Number(process.env.KOLABPAD_GARBAGE_SEED ?? 1000);
    t.diagnostic(`seed ${seed} (set KOLABPAD_GARBAGE_SEED to vary)`);
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => attacker(seed + i * 7919)));
    typing = false;
    await typed;
    t.diagnostic(`${sent} garbage frames over ${connections} connections (${refused} refused); close codes ${JSON.stringify([...closeCodes])}`);

    assert.equal(fx.server.proc.exitCode, null, "the server is still running");
    assert.equal((await httpGet(fx.url, "/api/health")).status, 200);
    await allAcknowledged(typists, 15000, "all typed edits acknowledged");
    const text = await convergedText(typists, fx.url, doc);
    for (const ty of typists) {
      assert.deepStrictEqual(ty.violations, [], `${ty.name} saw protocol violations`);
      assert.equal(ty.connects, 1, `${ty.name} was never disconnected`);
    }
    assert.ok(onlyTokens(text), "no garbage made it into the document");
    const tokens = tokensOf(text);
    assert.deepStrictEqual([...tokens].sort(), typists.flatMap((ty) => ty.typed).sort(), "every typed token once");
    assert.ok(sent >= FRAMES);
  } finally {
    await Promise.all(typists.map((ty) => ty.stop()));
    await fx.dispose();
  }
});
