import { readBody } from '../util/read-body.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Region } from '../config/runtime.js';
import { formPage, refusalPage, resultPage, type ResultView } from './connect-page.js';
import type { OpenLink, SubmitInput } from './types.js';

/**
 * The connect page: a one-time link on 127.0.0.1 where a person pastes Segment credentials, so
 * they reach the router without passing through the chat. Defences, each for a reason:
 * - a random port and a 256-bit one-time token in the path: the link is the capability;
 * - only the loopback interface, and the Host header must be exactly 127.0.0.1:<port>, so a web
 *   page cannot reach it by DNS rebinding;
 * - POST only for changes, with a CSRF token in the form that must match a SameSite=Strict cookie
 *   and have been issued for this link; a cross-site Origin is refused;
 * - the link expires after 10 minutes and is spent by the first successful submission.
 */

export const CONNECT_TTL_MS = 10 * 60_000;
const MAX_BODY = 16 * 1024;
const COOKIE = 'sr_csrf';

export type SubmitAnswer = { ok: true; view: ResultView } | { ok: false; error: string };

/** What the connect server asks of the connection service. */
export interface PortalHandlers {
  submit(connection: string, input: SubmitInput): Promise<SubmitAnswer>;
  /** The stored region and which secrets exist, for the form's defaults. */
  describe(connection: string): { region: Region; stored: { writeKey: boolean; token: boolean } };
}

interface Session {
  id: string;
  connection: string;
  url: string;
  expiresAt: number;
  used: boolean;
  busy: boolean;
  csrf: string[];
  listeners: (() => void)[];
  /** Waiters told when the link is spent or withdrawn (expiry they time themselves). */
  watchers: Set<() => void>;
}

/** How a wait for a connect link ended. */
export type WaitOutcome = 'completed' | 'expired' | 'withdrawn' | 'timeout' | 'cancelled' | 'no_open_link';

export class ConnectPortal {
  private server?: Server;
  private port = 0;
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<Socket>();
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly handlers: PortalHandlers,
    private readonly ttlMs = CONNECT_TTL_MS,
  ) {}

  /** A link for a connection: the open one if there is one, else a new one. */
  async open(connection: string, onComplete?: () => void): Promise<OpenLink> {
    const live = this.liveSession(connection);
    if (live) {
      if (onComplete) live.listeners.push(onComplete);
      return view(live);
    }
    await this.listen();
    const token = randomBytes(32).toString('base64url');
    const session: Session = {
      id: randomUUID(),
      connection,
      url: `http://127.0.0.1:${this.port}/connect/${token}`,
      expiresAt: Date.now() + this.ttlMs,
      used: false,
      busy: false,
      csrf: [],
      listeners: onComplete ? [onComplete] : [],
      watchers: new Set(),
    };
    this.sessions.set(hash(token), session);
    return view(session);
  }

  /** The open (unused, unexpired) link for a connection, if any: the connection is INITIATED. */
  pending(connection: string): OpenLink | undefined {
    const s = this.liveSession(connection);
    return s ? view(s) : undefined;
  }

  /**
   * Waits until the connection's open link is spent (the person submitted the form), withdrawn or
   * expired, or `timeoutMs` passes, or `signal` aborts. Resolves at once when no link is open.
   */
  wait(connection: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    const s = this.liveSession(connection);
    if (!s) return Promise.resolve('no_open_link');
    if (signal?.aborted) return Promise.resolve('cancelled');
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = (outcome: WaitOutcome) => {
        timers.forEach(clearTimeout);
        s.watchers.delete(changed);
        signal?.removeEventListener('abort', aborted);
        resolve(outcome);
      };
      const changed = () => finish(s.used ? 'completed' : 'withdrawn');
      const aborted = () => finish('cancelled');
      s.watchers.add(changed);
      signal?.addEventListener('abort', aborted, { once: true });
      const left = s.expiresAt - Date.now();
      // The link's own expiry wins a tie: the answer then says what the person can no longer do.
      timers.push(setTimeout(() => finish(left <= timeoutMs ? 'expired' : 'timeout'), Math.max(0, Math.min(left, timeoutMs))));
    });
  }

  /** Withdraws a connection's open link (it was disconnected, or the user declined). */
  cancel(connection: string): void {
    for (const [k, s] of this.sessions) {
      if (s.connection === connection && !s.used) {
        this.sessions.delete(k);
        notify(s.watchers);
      }
    }
    this.maybeStop();
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) notify(s.watchers);
    this.sessions.clear();
    await this.stop();
  }

  private liveSession(connection: string): Session | undefined {
    const now = Date.now();
    for (const s of this.sessions.values()) if (s.connection === connection && !s.used && s.expiresAt > now) return s;
    return undefined;
  }

  private async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) this.page(res, 500, (n) => refusalPage('Something went wrong', 'segment-router could not handle this request.', n));
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    // Spent and expired links are kept until then, so a reused link gets a clear answer.
    this.sweep = setInterval(() => this.expire(), 15_000);
    this.sweep.unref();
  }

  private expire(): void {
    const now = Date.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
    this.maybeStop();
  }

  private maybeStop(): void {
    if (this.sessions.size === 0) void this.stop();
  }

  private async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://127.0.0.1:${this.port}`;
    if (req.headers.host !== `127.0.0.1:${this.port}`) {
      return this.page(res, 421, (n) => refusalPage('Wrong address', 'This page only answers at 127.0.0.1.', n));
    }
    const path = new URL(req.url ?? '/', origin).pathname;
    const m = /^\/connect\/([A-Za-z0-9_-]{20,100})$/.exec(path);
    if (!m) return this.page(res, 404, (n) => refusalPage('Not found', 'There is nothing here.', n));
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      return this.page(res, 405, (n) => refusalPage('Not allowed', 'Only GET and POST are accepted.', n));
    }
    const key = hash(m[1]!);
    const session = this.sessions.get(key);
    if (!session) return this.page(res, 404, (n) => refusalPage('Link not valid', 'This connect link is not valid, or it has expired.', n));
    if (this.spent(res, key, session)) return;

    if (req.method === 'GET') return this.form(req, res, session);

    // POST: same-origin browser form submissions only.
    const from = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if ((from !== undefined && from !== origin) || (site !== undefined && site !== 'same-origin')) {
      return this.page(res, 403, (n) => refusalPage('Refused', 'This form can only be sent from its own page.', n));
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return this.page(res, 415, (n) => refusalPage('Refused', 'Unexpected form encoding.', n));
    }
    const body = (await readBody(req, MAX_BODY).catch(() => undefined))?.toString('utf8');
    if (body === undefined) return this.page(res, 413, (n) => refusalPage('Refused', 'The form is too large.', n));
    // Checked again once the body is in: while it came, the link may have been used, expired or withdrawn.
    if (this.spent(res, key, session)) return;
    const form = new URLSearchParams(body);
    const csrf = form.get('csrf') ?? '';
    if (!csrf || csrf !== cookie(req, COOKIE) || !session.csrf.includes(csrf)) {
      return this.page(res, 403, (n) => refusalPage('Form expired', 'This form is stale or was not sent from its page. Reload the link and try again.', n));
    }
    if (session.busy) return this.page(res, 409, (n) => refusalPage('Already checking', 'These credentials are being checked; wait for the result in the other tab.', n));
    const region = form.get('region') === 'eu' ? 'eu' : 'us';
    const input: SubmitInput = { region, writeKey: clean(form.get('writeKey')), token: clean(form.get('token')) };
    session.busy = true;
    let answer: SubmitAnswer;
    try {
      answer = await this.handlers.submit(session.connection, input);
    } finally {
      session.busy = false;
    }
    if (!answer.ok) return this.form(req, res, session, answer.error, 422, region);
    session.used = true;
    notify(session.listeners);
    notify(session.watchers);
    return this.page(res, 200, (n) => resultPage(answer.view, n));
  }

  /** Answers the refusal when the link can no longer be used (used, expired, withdrawn); false when it can. */
  private spent(res: ServerResponse, key: string, session: Session): boolean {
    if (this.sessions.get(key) !== session) this.page(res, 410, (n) => refusalPage('Link withdrawn', 'This connect link was withdrawn; ask for a new one.', n));
    else if (session.used) this.page(res, 410, (n) => refusalPage('Link already used', 'This connect link was already used; links work once.', n));
    else if (session.expiresAt <= Date.now()) this.page(res, 410, (n) => refusalPage('Link expired', 'This connect link has expired (links last 10 minutes).', n));
    else return false;
    return true;
  }

  private form(req: IncomingMessage, res: ServerResponse, session: Session, error?: string, status = 200, region?: Region): void {
    // One CSRF token per browser: a second tab reuses it, so it does not invalidate the first.
    const held = cookie(req, COOKIE);
    const csrf = held && session.csrf.includes(held) ? held : randomBytes(24).toString('base64url');
    if (csrf !== held) session.csrf = [...session.csrf.slice(-9), csrf];
    const d = this.handlers.describe(session.connection);
    // Scoped to this link's own path: another link's page (this router's or another's, browsers do not
    // tell ports apart) sets a cookie of its own instead of replacing this one.
    res.setHeader('Set-Cookie', `${COOKIE}=${csrf}; HttpOnly; SameSite=Strict; Path=${new URL(req.url ?? '/', 'http://127.0.0.1').pathname}`);
    this.page(res, status, (n) =>
      formPage({ connection: session.connection, region: region ?? d.region, csrf, expiresAt: new Date(session.expiresAt).toISOString(), stored: d.stored, ...(error ? { error } : {}) }, n),
    );
  }

  private page(res: ServerResponse, status: number, render: (nonce: string) => string): void {
    const nonce = randomBytes(16).toString('base64');
    const html = render(nonce);
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Cache-Control': 'no-store',
      'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      // same-origin (not no-referrer): browsers then send a real Origin on the form's POST.
      'Referrer-Policy': 'same-origin',
    });
    res.end(html);
  }
}

function notify(callbacks: Iterable<() => void>): void {
  for (const l of [...callbacks]) {
    try {
      l();
    } catch {
      /* a listener's failure must not spoil the page */
    }
  }
}

const view = (s: Session): OpenLink => ({ id: s.id, url: s.url, expires_at: new Date(s.expiresAt).toISOString() });

/** Links are looked up by hash, so the token itself is never kept or compared char by char. */
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

const clean = (v: string | null) => (v ? v.trim() || undefined : undefined);

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

