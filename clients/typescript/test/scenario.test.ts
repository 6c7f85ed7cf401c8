// The integration guide's scenario through the client, against the real service: the test
// runner (pytest, tests/e2e/test_typescript_client.py) starts it and sets TRADING_AGENTS_URL
// and TRADING_AGENTS_API_KEY, as the platform's backend has them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { TradingAgentsClient, TradingAgentsError } from "../src/index.js";

const client = new TradingAgentsClient();
const BUY = { symbol: "BTCUSDT", action: "buy", confidence: 0.85, price: 105_800 } as const;

test("the guide's scenario: three accounts on two agent types, from start to stop", async () => {
  const health = await client.healthCheck();
  assert.equal(health.status, "ok");

  // Two investment accounts on Atlas and one on Nova: the account is always explicit.
  const started = [
    await client.startAgent("inv-atlas-1", "atlas", 10_000),
    await client.startAgent("inv-atlas-2", "atlas", "2500.50"),
    await client.startAgent("inv-nova-1", "nova", 5_000),
  ];
  assert.deepEqual(
    started.map((s) => [s.account_id, s.agent, s.status, s.equity]),
    [
      ["inv-atlas-1", "atlas", "running", 10_000],
      ["inv-atlas-2", "atlas", "running", 2500.5],
      ["inv-nova-1", "nova", "running", 5_000],
    ],
  );

  const decision = await client.sendSignal("atlas", BUY, "inv-atlas-1");
  assert.equal(decision.account_id, "inv-atlas-1");
  assert.ok(["open", "hold", "close", "adjust"].includes(decision.action));
  const positions = await client.getPositions("atlas", "inv-atlas-1");
  assert.equal(positions.account_id, "inv-atlas-1");
  assert.equal(positions.total_positions, positions.positions.length);
  const metrics = await client.getAgentMetrics("atlas", "inv-atlas-1");
  assert.equal(typeof metrics.net_profit, "number");

  const deposited = await client.deposit("atlas", "inv-atlas-2", 500);
  assert.equal(deposited.equity, 3000.5);
  const withdrawn = await client.withdraw("atlas", "inv-atlas-2", "1000.25");
  assert.equal(withdrawn.equity, 2000.25);

  assert.equal((await client.pauseAgent("nova", "inv-nova-1")).status, "paused");
  assert.equal((await client.resumeAgent("nova", "inv-nova-1")).status, "running");
  assert.equal((await client.getAgentStatus("nova", "inv-nova-1")).status, "running");

  const listed = await client.allAccounts(2); // two pages
  assert.deepEqual(
    listed.map((a) => [a.account_id, a.agents.map((g) => g.agent)]),
    [
      ["inv-atlas-1", ["atlas"]],
      ["inv-atlas-2", ["atlas"]],
      ["inv-nova-1", ["nova"]],
    ],
  );
  const types = await client.listAgents();
  const atlas = types.items.find((t) => t.agent === "atlas");
  assert.equal(atlas?.accounts_running, 2);

  const stopped = await client.stopAgent("nova", "inv-nova-1");
  assert.equal(stopped.status, "stopped");
  const health2 = await client.healthCheck();
  assert.equal(health2.agents_running, 2);
});

test("a refusal comes back as an error with the service's message", async () => {
  await client.startAgent("inv-dup", "orion", 1_000);
  await assert.rejects(client.startAgent("inv-dup", "orion", 1_000), (error: unknown) => {
    assert.ok(error instanceof TradingAgentsError);
    assert.equal(error.status, 409);
    assert.match(String(error.detail), /already/);
    return true;
  });
  await assert.rejects(client.withdraw("orion", "inv-dup", 1_000_000), (error: unknown) => {
    assert.ok(error instanceof TradingAgentsError);
    assert.equal(error.status, 422);
    return true;
  });
  await assert.rejects(client.getAgentStatus("orion", "no-such-account"), { status: 404 });
});

test("a retried start under the same idempotency key starts the agent once", async () => {
  const first = await client.startAgent("inv-retry", "atlas", 1_000, "start-inv-retry-1");
  const again = await client.startAgent("inv-retry", "atlas", 1_000, "start-inv-retry-1");
  assert.deepEqual(again, first);
});

test("an account's own Binance keys are written, and only their fingerprint read back", async () => {
  const apiKey = "subAccountKey0123456789abcdef";
  const stored = await client.setVenueCredentials("inv-own-keys", apiKey, "subAccountSecret987");
  assert.equal(stored.venue, "binance");
  assert.match(stored.fingerprint, /^[0-9a-f]{12}$/);
  const listed = await client.listVenueCredentials("inv-own-keys");
  assert.deepEqual(
    listed.items.map((item) => item.fingerprint),
    [stored.fingerprint],
  );
  assert.ok(!JSON.stringify([stored, listed]).includes(apiKey));
});

test("a wrong API key is refused", async () => {
  const stranger = new TradingAgentsClient({ apiKey: "not-the-key" });
  await assert.rejects(stranger.startAgent("inv-x", "atlas", 1_000), { status: 401 });
});
