import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '../../src/sandbox/server.js';
import { CLI, sandboxEnv } from './router.js';

/** No credentials in the environment: the router must get them from the store. */
export const NO_ENV_CREDS = { SEGMENT_WRITE_KEY: undefined, SEGMENT_PUBLIC_API_TOKEN: undefined };

export const tempHome = () => mkdtempSync(join(tmpdir(), 'sr-conn-'));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with the sandbox's environment; `input` goes to stdin (a pipe, never a terminal). */
export function runCli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: clean, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** The environment for a CLI run against a sandbox, with a given config home. */
export function cliEnv(sb: Sandbox, home: string, extra: Record<string, string | undefined> = {}) {
  return sandboxEnv(sb, { SEGMENT_ROUTER_HOME: home, ...NO_ENV_CREDS, ...extra });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A bare HTTP request with full control over headers (Host, Origin, Cookie), as an attacker would send. */
export function rawRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Does what a browser does with the connect page: GET it (cookie + csrf), then POST the form. */
export async function submitConnectForm(url: string, fields: { writeKey?: string; token?: string; region?: string }): Promise<RawResponse> {
  const page = await rawRequest(url, { headers: { Host: new URL(url).host } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0];
  if (!csrf || !cookie) throw new Error(`no form at ${url}: HTTP ${page.status}`);
  const body = new URLSearchParams({ csrf, writeKey: fields.writeKey ?? '', token: fields.token ?? '', region: fields.region ?? 'us' }).toString();
  const origin = new URL(url).origin;
  return rawRequest(url, {
    method: 'POST',
    headers: { Host: new URL(url).host, Origin: origin, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(Buffer.byteLength(body)) },
    body,
  });
}
