// The desk's dashboard: the desk at a glance and one agent on one account, kept live by the
// service's event stream (/events). Everything it shows comes from the service's own API.

const view = document.getElementById("view");
let current = () => true; // false once a newer render started: an older one writes nothing
const crumbs = document.getElementById("crumbs");
const connection = document.querySelector("[data-testid=connection-status]");
const toast = document.getElementById("toast");
let csrf = null; // the signed-in session's token, sent with every change
let route = parseRoute();
let refreshTimer = null;
let charts = [];

// -- talking to the service -------------------------------------------------------------

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  const answer = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (answer.status === 401 && !path.startsWith("/session")) {
    showSignIn();
    throw new Error("401: sign in with the service's API key");
  }
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    const detail = typeof data.detail === "string" ? data.detail : answer.statusText;
    throw new Error(`${answer.status}: ${detail}`);
  }
  return data;
}

const get = (path) => call("GET", path);
const post = (path, body) => call("POST", path, body ?? {});

// -- formatting -------------------------------------------------------------------------

const esc = (text) =>
  String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (n) =>
  n === null || n === undefined
    ? "—"
    : Number(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (n) => `<span class="${Number(n) < 0 ? "neg" : Number(n) > 0 ? "pos" : ""}">${money(n)}</span>`;
const pct = (n) => (n === null || n === undefined ? "—" : `${(Number(n) * 100).toFixed(2)} %`);
const plain = (n) => (n === null || n === undefined ? "—" : esc(n));
// Prices at the instrument's tick and quantities at its step, as /desk says they go.
let precision = {};
const places = (size) => (size && size.includes(".") ? size.split(".")[1].length : 0);
function atTick(symbol, n) {
  if (n === null || n === undefined) return "—";
  const p = precision[symbol];
  return p ? Number(n).toLocaleString("en-US", { minimumFractionDigits: places(p.tick_size), maximumFractionDigits: places(p.tick_size) }) : esc(n);
}
function atStep(symbol, n) {
  if (n === null || n === undefined) return "—";
  const p = precision[symbol];
  return p ? Number(n).toFixed(places(p.step_size)) : esc(n);
}
function when(iso) {
  if (!iso) return "—";
  const local = new Date(iso).toLocaleString();
  return `<time datetime="${esc(iso)}" title="${esc(local)} local">${esc(iso.replace("T", " ").replace("Z", " UTC"))}</time>`;
}
const agentPath = (agent, account) =>
  `/accounts/${encodeURIComponent(account)}/agents/${encodeURIComponent(agent)}`;

function say(message, isError = true) {
  toast.textContent = message;
  toast.className = isError ? "error" : "info";
  toast.hidden = false;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => (toast.hidden = true), 6000);
}

// -- routing ----------------------------------------------------------------------------

function parseRoute() {
  const found = location.hash.match(/^#\/accounts\/([^/]+)\/agents\/([^/]+)$/);
  try {
    if (found) return { page: "agent", account: decodeURIComponent(found[1]), agent: decodeURIComponent(found[2]) };
  } catch {
    // a hash that is not a valid escape: show the desk
  }
  return { page: "desk" };
}

window.addEventListener("hashchange", () => {
  route = parseRoute();
  render();
});

let shown = null; // the route whose skeleton is on the page
let renderSeq = 0; // renders overlap (events, actions, navigation): only the latest writes

async function render() {
  const key = JSON.stringify(route);
  const mine = ++renderSeq;
  current = () => mine === renderSeq && key === JSON.stringify(route);
  try {
    if (shown !== key) {
      charts.forEach((chart) => chart.remove());
      charts = [];
      if (price) price.chart.remove();
      price = null;
      view.innerHTML = route.page === "agent" ? agentSkeleton() : deskSkeleton();
      shown = key;
    }
    if (route.page === "agent") await updateAgent();
    else await updateDesk();
  } catch (error) {
    say(error.message);
  }
}

// -- the desk ---------------------------------------------------------------------------

function deskSkeleton() {
  crumbs.innerHTML = "";
  return `
    <section class="health" data-testid="health"></section>
    <section class="totals" data-testid="desk-totals"></section>
    <section>
      <label class="filter">Filter <input id="filter" type="search"
        placeholder="account, agent, state" autocomplete="off"></label>
      <div class="scroll">
      <table data-testid="desk-table">
        <thead><tr><th>Account</th><th>Agent</th><th>Status</th><th>Mode</th><th>Trading</th>
          <th class="num">Equity</th><th class="num">Today</th><th class="num">Total</th>
          <th class="num">Drawdown / limit</th><th class="num">Positions</th><th class="num">LLM $</th><th>Warnings</th></tr></thead>
        <tbody></tbody>
      </table>
      </div>
    </section>
    <form data-testid="start-form" class="card"></form>`;
}

async function updateDesk() {
  const stillMine = current;
  const desk = await get("/desk");
  if (!stillMine()) return;
  precision = desk.instruments;
  const health = desk.health;
  const parts = [
    ["market data", health.market_data_state],
    ["journal", health.journal],
    ["ML engine", health.ml_engine],
    ["LLM", desk.llm],
    ["venue", health.venue],
  ];
  const dropped = Object.entries(health.market_data_dropped || {});
  const strip = view.querySelector("[data-testid=health]");
  strip.dataset.status = health.status;
  strip.innerHTML = `<strong class="status ${esc(health.status)}">${esc(health.status)}</strong>
    ${parts.map(([name, state]) => `<span class="part ${state.startsWith("ok") || state === "streaming" ? "" : "warn"}">${esc(name)}: ${esc(state)}</span>`).join("")}
    ${health.market_data_through ? `<span class="part" data-testid="market-through">candles through ${when(health.market_data_through)}</span>` : ""}
    ${dropped.map(([symbol, why]) => `<span class="part warn" title="${esc(why)}">${esc(symbol)} dropped</span>`).join("")}`;
  view.querySelector("[data-testid=desk-totals]").innerHTML = `
    <div><span>Agents</span><b>${desk.totals.running} / ${desk.totals.agents} running</b></div>
    <div><span>Equity</span><b>${money(desk.totals.equity)}</b></div>
    <div><span>PnL today</span><b>${signed(desk.totals.pnl_today)}</b></div>
    <div><span>PnL total</span><b>${signed(desk.totals.pnl_total)}</b></div>
    <div><span>Open positions</span><b>${desk.totals.open_positions}</b></div>
    <div><span>Warnings</span><b data-testid="warning-count">${desk.totals.warnings}</b></div>
    <div title="${desk.alerts.critical_24h} critical; ${desk.alerts.undelivered} not delivered yet (GET /alerts lists them)"><span>Alerts (24 h)</span>
      <b data-testid="alert-count" class="${desk.alerts.critical_24h ? "neg" : ""}">${desk.alerts.last_24h}</b></div>`;
  view.querySelector("[data-testid=desk-table] tbody").innerHTML =
    desk.agents.map(deskRow).join("") || `<tr><td colspan="12">No agent started yet.</td></tr>`;
  applyFilter();
  const form = view.querySelector("[data-testid=start-form]");
  if (!form.dataset.ready) {
    form.innerHTML = startForm(desk.profiles);
    form.dataset.ready = "yes";
    form.addEventListener("submit", startAgent);
    view.querySelector("#filter").addEventListener("input", applyFilter);
  }
}

function deskRow(row) {
  const text = `${row.account_id} ${row.agent} ${row.status} ${row.trading_state} ${row.mode}`.toLowerCase();
  return `<tr data-testid="agent-row" data-agent="${esc(row.agent)}" data-account="${esc(row.account_id)}" data-text="${esc(text)}">
    <td><a href="#${esc(agentPath(row.agent, row.account_id))}">${esc(row.account_id)}</a></td>
    <td>${esc(row.agent)} <small>${esc(row.brain)}</small></td>
    <td data-testid="agent-status">${esc(row.status)}</td>
    <td>${esc(row.mode)}</td>
    <td class="state ${esc(row.trading_state)}">${esc(row.trading_state)}</td>
    <td class="num">${money(row.equity)}</td>
    <td class="num">${signed(row.pnl_today)}</td>
    <td class="num">${signed(row.pnl_total)}</td>
    <td class="num">${pct(row.current_drawdown)} / ${pct(row.drawdown_limit)}</td>
    <td class="num">${row.open_positions}</td>
    <td class="num">${row.llm_cost_usd === null ? "—" : money(row.llm_cost_usd)}</td>
    <td>${row.warnings.map((w) => `<span class="badge warn">${esc(w)}</span>`).join(" ")}</td>
  </tr>`;
}

function applyFilter() {
  const wanted = (view.querySelector("#filter")?.value ?? "").trim().toLowerCase();
  for (const row of view.querySelectorAll("[data-testid=agent-row]")) {
    row.hidden = wanted !== "" && !row.dataset.text.includes(wanted);
  }
}

function startForm(profiles) {
  return `
    <h2>Start an agent</h2>
    <label>Agent <select name="agent">${profiles.map((p) => `<option>${esc(p)}</option>`).join("")}</select></label>
    <label>Account <input name="account" required pattern="[A-Za-z0-9][A-Za-z0-9._:-]{0,63}" value="default"></label>
    <label>Initial equity (USDT) <input name="equity" required inputmode="decimal" value="10000"></label>
    <label>Brain <select name="brain"><option value="">profile's</option><option>rules</option><option>llm</option></select></label>
    <button type="submit">Start</button>`;
}

async function startAgent(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { initial_equity: form.get("equity") };
  if (form.get("brain")) body.brain = form.get("brain");
  try {
    await post(`${agentPath(form.get("agent"), form.get("account"))}/start`, body);
    say(`${form.get("agent")} started on ${form.get("account")}`, false);
    await updateDesk();
  } catch (error) {
    say(error.message);
  }
}

// -- one agent on one account -----------------------------------------------------------

function agentSkeleton() {
  crumbs.innerHTML = `<a href="#/">Desk</a> › ${esc(route.account)} › ${esc(route.agent)}`;
  return `
    <section class="card head">
      <h1>${esc(route.agent)} on ${esc(route.account)}</h1>
      <p id="summary"></p>
      <div class="controls">
        <button data-testid="pause-button" disabled>Pause</button>
        <button data-testid="resume-button" disabled>Resume</button>
        <label><input type="checkbox" id="keep"> keep positions</label>
        <button data-testid="stop-button" class="danger" disabled>Stop</button>
      </div>
    </section>
    <section class="card">
      <h2>Price <select id="symbol" aria-label="Symbol"></select>
        <small>entries ▲▼, exits ●, stop and target lines</small></h2>
      <div class="chart tall" data-testid="price-chart"></div>
    </section>
    <section class="grid">
      <div class="card"><h2>Equity</h2><div class="chart" data-testid="equity-chart"></div></div>
      <div class="card"><h2>Open positions</h2><div id="positions"></div></div>
    </section>
    <section class="grid">
      <form class="card" data-testid="money-form">
        <h2>Deposit or withdraw</h2>
        <label>Amount (USDT) <input name="amount" required inputmode="decimal" placeholder="1000"></label>
        <div class="controls">
          <button type="submit" name="use" value="deposit" data-testid="deposit-button" disabled>Deposit</button>
          <button type="submit" name="use" value="withdraw" data-testid="withdraw-button" disabled>Withdraw</button>
        </div>
      </form>
      <form class="card" data-testid="reset-form">
        <h2>Reset a tripped safety</h2>
        <label>Which <select name="what"><option value="kill_switch">kill switch</option>
          <option value="circuit_breaker">circuit breaker</option></select></label>
        <label>Reason (kept in the audit trail) <input name="reason" required minlength="3" maxlength="500"></label>
        <button type="submit" class="danger" data-testid="reset-button" disabled>Reset</button>
      </form>
    </section>
    <section class="card"><h2>Deposits and withdrawals</h2><div id="flows"></div></section>
    <section class="card"><h2>Orders</h2><div id="orders"></div></section>
    <section class="card"><h2>Round trips</h2><div id="trades"></div></section>
    <section class="card"><h2>Decisions</h2><div id="decisions"></div></section>`;
}

async function updateAgent() {
  const base = agentPath(route.agent, route.account);
  const stillMine = current;
  if (!Object.keys(precision).length) precision = (await get("/desk")).instruments;
  const [status, metrics, positions, orders, trades, decisions, equity, flows] = await Promise.all([
    get(`${base}/status`),
    get(`${base}/metrics`),
    get(`${base}/positions`),
    get(`${base}/orders?limit=200`),
    get(`${base}/trades?limit=200`),
    get(`${base}/decisions?limit=100`),
    get(`${base}/equity?limit=1000`),
    get(`${base}/cash-flows?limit=100`),
  ]);
  if (!stillMine()) return;
  view.querySelector("#summary").innerHTML = `<span data-testid="agent-status">${esc(status.status)}</span> · ${esc(status.mode)} ·
    <span class="state ${esc(status.trading_state)}" data-testid="trading-state">${esc(status.trading_state)}</span> ·
    equity <b>${money(status.equity)}</b> · net profit ${signed(metrics.net_profit)} ·
    drawdown ${pct(metrics.current_drawdown)} of ${pct(metrics.drawdown_limit)} ·
    ${metrics.total_trades} trades, win rate ${pct(metrics.win_rate)}`;
  const buttons = {
    pause: view.querySelector("[data-testid=pause-button]"),
    resume: view.querySelector("[data-testid=resume-button]"),
    stop: view.querySelector("[data-testid=stop-button]"),
  };
  buttons.pause.disabled = status.status !== "running";
  buttons.resume.disabled = status.status !== "paused";
  buttons.stop.disabled = status.status === "stopped";
  view.querySelector("[data-testid=reset-button]").disabled = status.trading_state === "active";
  if (!buttons.pause.dataset.ready) {
    buttons.pause.dataset.ready = "yes";
    view.querySelector("[data-testid=money-form]").addEventListener("submit", moveMoney);
    for (const button of view.querySelectorAll("[data-testid=money-form] button")) button.disabled = false;
    view.querySelector("[data-testid=reset-form]").addEventListener("submit", resetSafety);
    exchanges.clear();
    view.querySelector("#decisions").addEventListener("toggle", toggleExchange, true); // toggle does not bubble
    view.querySelector("#positions").addEventListener("click", (event) => {
      const button = event.target.closest("[data-testid=close-position]");
      if (!button) return;
      const symbol = button.dataset.symbol;
      if (window.confirm(`Close the ${symbol} position of ${route.agent} on ${route.account} at market?`)) {
        act(`positions/${encodeURIComponent(symbol)}/close`);
      }
    });
    buttons.pause.addEventListener("click", () => act("pause"));
    buttons.resume.addEventListener("click", () => act("resume"));
    buttons.stop.addEventListener("click", () => {
      const keep = view.querySelector("#keep").checked;
      const what = keep ? "keep its positions open" : "close its positions at market";
      if (window.confirm(`Stop ${route.agent} on ${route.account} and ${what}?`)) {
        act("stop", { keep_positions: keep });
      }
    });
  }
  view.querySelector("#positions").innerHTML = positionsTable(positions.positions);
  view.querySelector("#orders").innerHTML = ordersTable(orders.items);
  view.querySelector("#flows").innerHTML = table(
    "cash-flows-table",
    ["At", "Kind", "#Amount (USDT)"],
    flows
      .slice()
      .reverse()
      .map((f) => `<tr><td>${when(f.at)}</td><td>${esc(f.kind)}</td><td class="num">${money(f.amount)}</td></tr>`)
      .join(""),
    "None yet.",
  );
  view.querySelector("#trades").innerHTML = tradesTable(trades.items);
  view.querySelector("#decisions").innerHTML = decisionLog(decisions.items);
  drawEquity(view.querySelector("[data-testid=equity-chart]"), equity.items);
  const picker = view.querySelector("#symbol");
  if (!picker.options.length) {
    picker.innerHTML = status.symbols.map((s) => `<option>${esc(s)}</option>`).join("");
    picker.addEventListener("change", () => render());
  }
  const symbol = picker.value;
  const candles = await get(`${base}/candles?symbol=${encodeURIComponent(symbol)}&limit=300`);
  if (!stillMine()) return;
  drawPrice(view.querySelector("[data-testid=price-chart]"), symbol, candles, trades.items, orders.items, positions.positions);
}

async function moveMoney(event) {
  event.preventDefault();
  const use = event.submitter?.value ?? "deposit";
  const amount = new FormData(event.target).get("amount");
  if (use === "withdraw" && !window.confirm(`Withdraw ${amount} USDT from ${route.account}?`)) return;
  const buttons = event.target.querySelectorAll("button");
  buttons.forEach((button) => (button.disabled = true)); // one click, one movement of money
  try {
    await act(use, { amount });
    event.target.reset();
  } finally {
    buttons.forEach((button) => (button.disabled = false));
  }
}

async function resetSafety(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const what = form.get("what") === "kill_switch" ? "kill switch" : "circuit breaker";
  if (!window.confirm(`Reset the ${what} of ${route.agent} on ${route.account}? It lets the agent open positions again.`)) return;
  await act("reset", { what: form.get("what"), reason: form.get("reason") });
}

async function act(useCase, body) {
  try {
    await post(`${agentPath(route.agent, route.account)}/${useCase}`, body);
    await render();
  } catch (error) {
    say(error.message);
  }
}

function table(testid, head, body, empty) {
  return `<div class="scroll"><table data-testid="${testid}"><thead><tr>${head
    .map((h) => `<th${h.startsWith("#") ? ' class="num"' : ""}>${esc(h.replace(/^#/, ""))}</th>`)
    .join("")}</tr></thead><tbody>${body || `<tr><td colspan="${head.length}">${empty}</td></tr>`}</tbody></table></div>`;
}

function positionsTable(items) {
  const body = items
    .map((p) => {
      const distance =
        p.liquidation_price && p.mark_price
          ? pct(Math.abs(p.mark_price - p.liquidation_price) / p.mark_price)
          : "—";
      return `<tr data-symbol="${esc(p.symbol)}"><td>${esc(p.symbol)}</td><td>${esc(p.side)}</td>
        <td class="num">${atStep(p.symbol, p.quantity)}</td><td class="num">${atTick(p.symbol, p.entry_price)}</td>
        <td class="num">${atTick(p.symbol, p.mark_price)}</td><td class="num">${signed(p.unrealized_pnl)}</td>
        <td class="num">${p.leverage}x</td><td class="num">${atTick(p.symbol, p.liquidation_price)}</td><td class="num">${distance}</td>
        <td><button data-testid="close-position" data-symbol="${esc(p.symbol)}">Close</button></td></tr>`;
    })
    .join("");
  return table("positions-table", ["Symbol", "Side", "#Quantity", "#Entry", "#Mark", "#Unrealized", "#Leverage", "#Liquidation", "#Distance", ""], body, "Flat.");
}

function ordersTable(items) {
  const body = items
    .slice()
    .reverse()
    .map(
      (o) => `<tr><td>${when(o.created_at)}</td><td>${esc(o.symbol)}</td><td>${esc(o.side)}</td>
      <td>${esc(o.order_type)}${o.time_in_force ? ` <small>${esc(o.time_in_force)}</small>` : ""}${o.reduce_only ? " <small>reduce-only</small>" : ""}</td>
      <td class="num">${atStep(o.symbol, o.quantity)}</td><td class="num">${atTick(o.symbol, o.price ?? o.trigger_price)}</td>
      <td class="num">${atStep(o.symbol, o.filled_quantity)}</td><td class="status ${esc(o.status)}">${esc(o.status)}</td></tr>`,
    )
    .join("");
  return table("orders-table", ["Created", "Symbol", "Side", "Type", "#Quantity", "#Price", "#Filled", "Status"], body, "No orders yet.");
}

function tradesTable(items) {
  const body = items
    .slice()
    .reverse()
    .map(
      (t) => `<tr><td>${when(t.closed_at)}</td><td>${esc(t.symbol)}</td><td>${esc(t.side)}</td>
      <td class="num">${atStep(t.symbol, t.quantity)}</td><td class="num">${atTick(t.symbol, t.entry_price)}</td><td class="num">${atTick(t.symbol, t.exit_price)}</td>
      <td class="num">${money(t.fees)}</td><td class="num">${money(t.funding)}</td><td class="num">${signed(t.net_pnl)}</td>
      <td><span class="badge exit ${esc(t.exit_reason)}" data-testid="exit-reason">${esc(t.exit_reason.replace("_", " "))}</span></td></tr>`,
    )
    .join("");
  return table("trades-table", ["Closed", "Symbol", "Side", "#Quantity", "#Entry", "#Exit", "#Fees", "#Funding", "#Net PnL", "Exit"], body, "No round trips yet.");
}

function decisionLog(items) {
  const entries = items
    .slice()
    .reverse()
    .map(
      (d) => `<li data-testid="decision" data-action="${esc(d.action)}">
        <header>${when(d.at)} · <b>${esc(d.action)}</b> ${esc(d.symbol)} · ${esc(d.trigger)} · ${esc(d.brain)}
          ${d.confidence === null ? "" : `· confidence ${esc(d.confidence)}`}
          ${d.tokens ? `· ${d.tokens} tokens, $${esc(d.cost_usd)}` : ""}</header>
        <p>${esc(d.reasoning)}</p>
        ${d.tool_calls.length ? `<ol class="tools" data-testid="tool-calls">${d.tool_calls.map((c) => `<li><code>${esc(c.name)}(${esc(c.arguments)})</code></li>`).join("")}</ol>` : ""}
        ${d.brain.startsWith("llm") ? exchangeDetails(d.sequence) : ""}
        ${d.verdicts.length ? `<p class="verdicts">${d.verdicts.map((v) => `<code>${esc(v)}</code>`).join(" ")}</p>` : ""}
        ${d.orders.length ? `<p class="orders">${d.orders.map((o) => `<code>${esc(o)}</code>`).join(" ")}</p>` : ""}
      </li>`,
    )
    .join("");
  return `<ol class="log" data-testid="decision-log">${entries || "<li>No decision yet.</li>"}</ol>`;
}

// The messages of LLM decisions someone opened, by sequence: the log is redrawn on every
// update, and an opened exchange stays open, without asking the service again.
const exchanges = new Map();

function exchangeDetails(sequence) {
  const shown = exchanges.get(sequence);
  const body = shown === undefined ? "" : shown ?? "<p>Loading…</p>";
  return `<details class="exchange" data-testid="exchange" data-sequence="${sequence}"${shown === undefined ? "" : " open"}>
    <summary>Messages with the model</summary>${body}</details>`;
}

function exchangeBody(exchange) {
  const messages = exchange.messages
    .map(
      (m) => `<li class="message ${esc(m.role)}" data-testid="message" data-role="${esc(m.role)}">
        <b>${esc(m.role)}${m.tool ? ` · ${esc(m.tool)}` : ""}</b>
        ${m.content ? `<pre>${esc(m.content)}</pre>` : ""}
        ${m.tool_calls.map((c) => `<code>${esc(c.name)}(${esc(c.arguments)})</code>`).join(" ")}</li>`,
    )
    .join("");
  return `<p>${esc(exchange.model)} · ${exchange.calls} call${exchange.calls === 1 ? "" : "s"} · ${exchange.input_tokens} tokens in,
    ${exchange.output_tokens} out · $${esc(exchange.cost_usd)}</p><ol class="messages">${messages}</ol>`;
}

async function toggleExchange(event) {
  const details = event.target;
  if (!(details instanceof HTMLDetailsElement) || !details.dataset.sequence) return;
  const sequence = Number(details.dataset.sequence);
  if (!details.open) {
    exchanges.delete(sequence);
    return;
  }
  if (exchanges.has(sequence)) return;
  exchanges.set(sequence, null);
  const base = agentPath(route.agent, route.account);
  let body;
  try {
    body = exchangeBody(await get(`${base}/decisions/${sequence}/exchange`));
  } catch (error) {
    body = `<p class="error">${esc(error.message)}</p>`;
  }
  if (!exchanges.has(sequence)) return; // closed while it loaded
  exchanges.set(sequence, body);
  const open = view.querySelector(`[data-testid=exchange][data-sequence="${sequence}"]`);
  if (open) open.innerHTML = `<summary>Messages with the model</summary>${body}`;
}

// The page's own colours: a chart is part of the page, not a white box on it.
const THEME = {
  layout: { background: { color: "#171e26" }, textColor: "#8b98a7" },
  grid: { vertLines: { color: "#222b36" }, horzLines: { color: "#222b36" } },
  timeScale: { timeVisible: true, secondsVisible: false },
};
let equitySeries = null;
let drawdownSeries = null;
let price = null; // {chart, series, markers, lines, symbol}

const seconds = (iso) => Math.floor(Date.parse(iso) / 1000);

function drawPrice(element, symbol, candles, trades, orders, positions) {
  const library = window.LightweightCharts;
  if (!library) return;
  if (!candles.length) {
    if (price) price.chart.remove();
    price = null;
    element.dataset.candles = "0";
    element.textContent = "No closed candle of the agent's timeframe yet.";
    return;
  }
  if (!price || price.symbol !== symbol) {
    if (price) price.chart.remove();
    element.textContent = "";
    const chart = library.createChart(element, { autoSize: true, height: 320, ...THEME });
    const series = chart.addSeries(library.CandlestickSeries, {});
    price = { chart, series, markers: library.createSeriesMarkers(series, []), lines: [], symbol };
  }
  const bars = candles.map((c) => ({ time: seconds(c.at), open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) }));
  price.series.setData(bars);
  element.dataset.candles = String(bars.length);
  // A marker sits on the bar it happened in: the last one that opened at or before it.
  const onBar = (iso) => {
    const at = seconds(iso);
    let found = null;
    for (const bar of bars) if (bar.time <= at) found = bar.time;
    return found;
  };
  const marks = [];
  for (const t of trades.filter((t) => t.symbol === symbol)) {
    const long = t.side === "long";
    const opened = onBar(t.opened_at);
    const closed = onBar(t.closed_at);
    if (opened !== null) marks.push({ time: opened, position: long ? "belowBar" : "aboveBar", shape: long ? "arrowUp" : "arrowDown", color: "#4da3ff", text: `${long ? "long" : "short"} ${t.entry_price}` });
    if (closed !== null) marks.push({ time: closed, position: long ? "aboveBar" : "belowBar", shape: "circle", color: Number(t.net_pnl) >= 0 ? "#3fbf7f" : "#ef5f5f", text: `exit ${t.exit_price}` });
  }
  for (const p of positions.filter((p) => p.symbol === symbol)) {
    const entry = orders.findLast((o) => o.symbol === symbol && !o.reduce_only && Number(o.filled_quantity) > 0);
    const at = entry ? onBar(entry.created_at) : null;
    if (at !== null) marks.push({ time: at, position: p.side === "long" ? "belowBar" : "aboveBar", shape: p.side === "long" ? "arrowUp" : "arrowDown", color: "#4da3ff", text: `${p.side} ${p.entry_price}` });
  }
  marks.sort((a, b) => a.time - b.time);
  price.markers.setMarkers(marks);
  element.dataset.markers = String(marks.length);
  price.lines.forEach((line) => price.series.removePriceLine(line));
  price.lines = orders
    .filter((o) => o.symbol === symbol && o.trigger_price !== null && ["accepted", "triggered"].includes(o.status))
    .map((o) => price.series.createPriceLine({
      price: Number(o.trigger_price),
      color: o.order_type === "stop_market" ? "#ef5f5f" : "#3fbf7f",
      lineStyle: 2,
      title: o.order_type === "stop_market" ? "stop" : "target",
    }));
  element.dataset.lines = String(price.lines.length);
}

function drawEquity(element, points) {
  const library = window.LightweightCharts;
  if (!library || !points.length) {
    element.textContent = points.length ? "" : "No equity mark yet (marked hourly).";
    return;
  }
  if (!charts.length) {
    element.textContent = "";
    const chart = library.createChart(element, {
      autoSize: true,
      height: 220,
      ...THEME,
      leftPriceScale: { visible: true },
    });
    equitySeries = chart.addSeries(library.LineSeries, {
      title: "equity",
      priceFormat: { type: "price", precision: 2, minMove: 0.01 },
    });
    // The drawdown from the running peak of the marks, on the left scale, in percent.
    drawdownSeries = chart.addSeries(library.AreaSeries, {
      title: "drawdown",
      priceScaleId: "left",
      lineColor: "#ef5f5f",
      topColor: "rgba(239, 95, 95, 0.05)",
      bottomColor: "rgba(239, 95, 95, 0.3)",
      priceFormat: { type: "percent" },
    });
    charts.push(chart);
  }
  equitySeries.setData(points.map((p) => ({ time: seconds(p.at), value: Number(p.equity) })));
  // As the kill switch measures it: deposits and withdrawals move the peak, not the drawdown.
  let peak = -Infinity;
  let deposits = null;
  drawdownSeries.setData(
    points.map((p) => {
      const moved = deposits === null ? 0 : Number(p.net_deposits) - deposits;
      deposits = Number(p.net_deposits);
      peak = Math.max(peak + moved, Number(p.equity));
      return { time: seconds(p.at), value: (Number(p.equity) / peak - 1) * 100 };
    }),
  );
  charts[0].timeScale().fitContent();
}

// -- live -------------------------------------------------------------------------------

function setConnection(state, text) {
  connection.dataset.state = state;
  connection.textContent = text;
}

function refreshSoon(delay) {
  if (refreshTimer !== null) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    await render();
  }, delay);
}

function concerns(event) {
  if (route.page === "desk") return true;
  return event.agent === route.agent && event.account_id === route.account;
}

let connectedBefore = false;

function listen() {
  const source = new EventSource("/events");
  source.addEventListener("hello", () => {
    setConnection("live", "live");
    if (connectedBefore) refreshSoon(0); // back after a restart: fetch what changed meanwhile
    connectedBefore = true;
  });
  source.addEventListener("resync", () => refreshSoon(0));
  for (const kind of ["order", "trade", "equity", "decision", "cash_flow", "risk_state", "lifecycle", "repaired"]) {
    source.addEventListener(kind, (message) => {
      const event = JSON.parse(message.data);
      if (concerns(event)) refreshSoon(route.page === "desk" ? 150 : 30);
    });
  }
  source.onerror = () => {
    setConnection("reconnecting", "disconnected: reconnecting…");
    if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    // Refused (a restart signed this page out, or the service said no): find out, then retry.
    setTimeout(async () => {
      try {
        const session = await get("/session");
        if (session.key_required && !session.signed_in) {
          listening = false;
          showSignIn("signed out: the service restarted");
          return;
        }
      } catch {
        // still away: try the stream again
      }
      listen();
    }, 1000);
  };
}

// -- signing in (only when the service has an API key) ----------------------------------

function showSignIn(message = "") {
  shown = null;
  crumbs.innerHTML = "";
  view.innerHTML = `<form class="card signin" data-testid="login-form">
    <h2>This service asks for its API key</h2>
    <label>API key <input name="key" type="password" required autocomplete="current-password"></label>
    <button type="submit">Sign in</button>
    <p class="error">${esc(message)}</p>
  </form>`;
  view.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const session = await post("/session/sign-in", { api_key: new FormData(event.target).get("key") });
      csrf = session.csrf_token;
      await start();
    } catch (error) {
      showSignIn(error.message);
    }
  });
  view.querySelector("input").focus();
}

let listening = false;

async function start() {
  const session = await get("/session");
  if (session.key_required && !session.signed_in) {
    showSignIn();
    return;
  }
  csrf = session.csrf_token;
  await render();
  if (!listening) {
    listening = true;
    listen();
  }
}

start();
