/** Helpers for the interop tests against real peers: free ports, binaries on PATH, processes by PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function findBinary(names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) for (const n of names) if (dir && existsSync(join(dir, n))) return join(dir, n);
  return undefined;
}

export const COAP_SERVER = findBinary(['coap-server', 'coap-server-notls', 'coap-server-openssl', 'coap-server-gnutls']);
export const COAP_CLIENT = findBinary(['coap-client', 'coap-client-notls', 'coap-client-openssl', 'coap-client-gnutls']);

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Run a command to completion (with a time limit); returns exit code and output. */
export async function run(cmd: string, args: string[], timeoutMs = 15000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(cmd, args);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Stop a process we started, by its PID. */
export async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 2000);
  await p.exited;
  clearTimeout(t);
}

/** Wait until a freshly started server answers a CoAP ping (empty CON → RST), up to ~20 tries. */
export async function waitForPing(client: { ping(peer: { address: string; port: number }): Promise<unknown> }, port: number, address = '127.0.0.1'): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await client.ping({ address, port });
      return;
    } catch (e) {
      if (i > 20) throw e;
    }
  }
}
