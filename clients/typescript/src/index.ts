// The platform backend's client of the Trading Agents service: the integration guide's
// methods, typed from the service's OpenAPI document (src/schema.ts is generated; see
// README.md), with the account always explicit.
import { randomUUID } from "node:crypto";

import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";
export type Schemas = components["schemas"];
export type Status = Schemas["StatusOut"];
export type Metrics = Schemas["MetricsOut"];
export type Positions = Schemas["PositionsOut"];
export type Signal = Schemas["SignalIn"];
export type Decision = Schemas["DecisionOut"];
export type Health = Schemas["HealthOut"];
export type AccountsPage = Schemas["AccountsOut"];
export type Account = Schemas["AccountOut"];
export type AgentTypes = Schemas["AgentsOut"];
export type Credentials = Schemas["CredentialsOut"];
export type CredentialsList = Schemas["CredentialsListOut"];
/** A decimal as the service takes it: a JSON number, or a plain string for exact values. */
export type Money = number | string;

/** The default URL of the integration guide's compose file. */
export const DEFAULT_URL = "http://trading-agents:8003";

export interface ClientOptions {
  /** Where the service is; default TRADING_AGENTS_URL, then DEFAULT_URL. */
  baseUrl?: string;
  /** Its API key; default TRADING_AGENTS_API_KEY. Sent as X-API-Key. */
  apiKey?: string;
  /** Milliseconds a call may take; default 30 000 (the guide's). */
  timeoutMs?: number;
  /** Attempts after the first for a call that may be repeated safely; default 2. */
  retries?: number;
  /** A fetch of your own (tests, proxies); default the global one. */
  fetch?: typeof fetch;
}

/** A refusal by the service (4xx, 5xx) with its message, or a call that got no answer. */
export class TradingAgentsError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    /** The service's `detail`: what was wrong. */
    readonly detail: unknown,
  ) {
    super(message);
    this.name = "TradingAgentsError";
  }
}

// Answers worth another try: the service or a proxy was briefly unavailable. A 409 is not one
// (a conflict, or the same key still being answered), nor any other 4xx: they need a fix.
const TRANSIENT = new Set([502, 503, 504]);
const SAFE = true;
const ONCE = false;

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export class TradingAgentsClient {
  private readonly api: Client<paths>;
  private readonly retries: number;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? process.env.TRADING_AGENTS_API_KEY;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const base = options.fetch ?? globalThis.fetch;
    this.retries = options.retries ?? 2;
    this.api = createClient<paths>({
      baseUrl: (options.baseUrl ?? process.env.TRADING_AGENTS_URL ?? DEFAULT_URL).replace(
        /\/+$/,
        "",
      ),
      headers: apiKey ? { "X-API-Key": apiKey } : {},
      fetch: (request: Request) => base(request, { signal: AbortSignal.timeout(timeoutMs) }),
    });
  }

  /** Start an agent type on an investment account with its initial equity in USDT. */
  startAgent(
    accountId: string,
    agentType: string,
    initialEquity: Money,
    idempotencyKey: string = randomUUID(),
  ): Promise<Status> {
    return this.call(SAFE, () =>
      this.api.POST("/accounts/{account_id}/agents/{agent}/start", {
        params: { path: { account_id: accountId, agent: agentType } },
        body: { initial_equity: initialEquity },
        headers: { "Idempotency-Key": idempotencyKey },
      }),
    );
  }

  /** Return an agent's status on an account (the default account when none is given). */
  getAgentStatus(agentType: string, accountId?: string): Promise<Status> {
    return this.call(SAFE, () =>
      accountId === undefined
        ? this.api.GET("/agents/{agent}/status", { params: { path: { agent: agentType } } })
        : this.api.GET("/accounts/{account_id}/agents/{agent}/status", {
            params: { path: { account_id: accountId, agent: agentType } },
          }),
    );
  }

  /** Return an agent's performance on an account: trades, PnL, drawdown, Sharpe. */
  getAgentMetrics(agentType: string, accountId: string): Promise<Metrics> {
    return this.call(SAFE, () =>
      this.api.GET("/accounts/{account_id}/agents/{agent}/metrics", {
        params: { path: { account_id: accountId, agent: agentType } },
      }),
    );
  }

  /** Pause an agent: it decides nothing new; its positions and their exits stay. */
  pauseAgent(agentType: string, accountId: string): Promise<Status> {
    return this.call(ONCE, () =>
      this.api.POST("/accounts/{account_id}/agents/{agent}/pause", {
        params: { path: { account_id: accountId, agent: agentType } },
      }),
    );
  }

  /** Resume a paused agent. */
  resumeAgent(agentType: string, accountId: string): Promise<Status> {
    return this.call(ONCE, () =>
      this.api.POST("/accounts/{account_id}/agents/{agent}/resume", {
        params: { path: { account_id: accountId, agent: agentType } },
      }),
    );
  }

  /** Stop an agent; its positions are closed at market unless `keepPositions`. */
  stopAgent(agentType: string, accountId: string, keepPositions = false): Promise<Status> {
    return this.call(ONCE, () =>
      this.api.POST("/accounts/{account_id}/agents/{agent}/stop", {
        params: { path: { account_id: accountId, agent: agentType } },
        body: { keep_positions: keepPositions },
      }),
    );
  }

  /** Return an agent's open positions on an account. */
  getPositions(agentType: string, accountId: string): Promise<Positions> {
    return this.call(SAFE, () =>
      this.api.GET("/accounts/{account_id}/agents/{agent}/positions", {
        params: { path: { account_id: accountId, agent: agentType } },
      }),
    );
  }

  /** Send a trading signal; the answer is the agent's decision on it, with its risk checks. */
  sendSignal(
    agentType: string,
    signal: Signal,
    accountId?: string,
    idempotencyKey: string = randomUUID(),
  ): Promise<Decision> {
    const headers = { "Idempotency-Key": idempotencyKey };
    return this.call(SAFE, () =>
      accountId === undefined
        ? this.api.POST("/agents/{agent}/signal", {
            params: { path: { agent: agentType } },
            body: signal,
            headers,
          })
        : this.api.POST("/accounts/{account_id}/agents/{agent}/signal", {
            params: { path: { account_id: accountId, agent: agentType } },
            body: signal,
            headers,
          }),
    );
  }

  /** Add money to an agent's account, in USDT. */
  deposit(
    agentType: string,
    accountId: string,
    amount: Money,
    idempotencyKey: string = randomUUID(),
  ): Promise<Status> {
    return this.moveMoney("deposit", agentType, accountId, amount, idempotencyKey);
  }

  /** Take money out of an agent's account, in USDT (at most what no position holds). */
  withdraw(
    agentType: string,
    accountId: string,
    amount: Money,
    idempotencyKey: string = randomUUID(),
  ): Promise<Status> {
    return this.moveMoney("withdraw", agentType, accountId, amount, idempotencyKey);
  }

  private moveMoney(
    way: "deposit" | "withdraw",
    agentType: string,
    accountId: string,
    amount: Money,
    idempotencyKey: string,
  ): Promise<Status> {
    const request = {
      params: { path: { account_id: accountId, agent: agentType } },
      body: { amount },
      headers: { "Idempotency-Key": idempotencyKey },
    };
    return this.call(SAFE, () =>
      way === "deposit"
        ? this.api.POST("/accounts/{account_id}/agents/{agent}/deposit", request)
        : this.api.POST("/accounts/{account_id}/agents/{agent}/withdraw", request),
    );
  }

  /** Return the service's health: market data, journal, venue, ML engine. */
  healthCheck(): Promise<Health> {
    return this.call(SAFE, () => this.api.GET("/health"));
  }

  /** Return one page of investment accounts with their agents; pass `nextAfter` on. */
  listAccounts(options: { limit?: number; after?: string } = {}): Promise<AccountsPage> {
    return this.call(SAFE, () => this.api.GET("/accounts", { params: { query: options } }));
  }

  /** Return every investment account, page after page. */
  async allAccounts(pageSize = 500): Promise<Account[]> {
    const accounts: Account[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.listAccounts({ limit: pageSize, after });
      accounts.push(...page.items);
      if (page.next_after === null) return accounts;
      after = page.next_after;
    }
  }

  /**
   * Register an investment account's own Binance keys (its sub-account), for agents whose
   * profile keeps segregated accounts. Write-only: the answer carries the key's fingerprint,
   * never the key. A PUT replaces earlier keys, so repeating it is safe.
   */
  setVenueCredentials(accountId: string, apiKey: string, apiSecret: string): Promise<Credentials> {
    return this.call(SAFE, () =>
      this.api.PUT("/accounts/{account_id}/venue-credentials", {
        params: { path: { account_id: accountId } },
        body: { venue: "binance", api_key: apiKey, api_secret: apiSecret },
      }),
    );
  }

  /** Return the venues an account has keys registered for, with their fingerprints. */
  listVenueCredentials(accountId: string): Promise<CredentialsList> {
    return this.call(SAFE, () =>
      this.api.GET("/accounts/{account_id}/venue-credentials", {
        params: { path: { account_id: accountId } },
      }),
    );
  }

  /** Return the agent types with how many accounts run them and their summed equity. */
  listAgents(): Promise<AgentTypes> {
    return this.call(SAFE, () => this.api.GET("/agents"));
  }

  /**
   * Make a call. One that is `SAFE` to repeat (a read, or a change sent under an idempotency
   * key, which a retry repeats) is tried again on no answer or a 502/503/504; a pause, resume
   * or stop is not: done once, a second one is refused as a conflict.
   */
  private async call<T>(retry: boolean, send: () => Promise<Answer<T>>): Promise<T> {
    const retries = retry ? this.retries : 0;
    let attempt = 0;
    for (;;) {
      let answer: Answer<T>;
      try {
        answer = await send();
      } catch (error) {
        if (attempt++ < retries) {
          await pause(attempt);
          continue;
        }
        throw new TradingAgentsError(`no answer from the service: ${String(error)}`, 0, null);
      }
      const { data, error, response } = answer;
      if (response.ok && data !== undefined) return data;
      // Retried under the same key, a 409 says the first try is still being answered.
      const pending = attempt > 0 && response.status === 409;
      if ((TRANSIENT.has(response.status) || pending) && attempt++ < retries) {
        await pause(attempt, response.headers.get("retry-after"));
        continue;
      }
      const detail = (error as { detail?: unknown } | undefined)?.detail ?? error;
      const text = typeof detail === "string" ? detail : JSON.stringify(detail);
      throw new TradingAgentsError(`${response.status}: ${text}`, response.status, detail);
    }
  }
}

function pause(attempt: number, retryAfter?: string | null): Promise<void> {
  const seconds = Number(retryAfter);
  const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 250 * 2 ** attempt;
  return new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5_000)));
}
