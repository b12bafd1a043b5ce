/** Test helpers: serve a Fetch-API handler over real loopback HTTP (Hono's Node server), POST raw. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** Starts `fetch` on 127.0.0.1 (random port); returns its base URL and a close function. */
export async function serveFetch(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<{ url: string; close: () => Promise<void> }> {
  let listening: (info: AddressInfo) => void = () => {};
  const ready = new Promise<AddressInfo>((r) => {
    listening = r;
  });
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => listening(info));
  const { port } = await ready;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** POSTs `body` with a content type; returns status, content type and parsed JSON (if any). */
/** The parts of an answer body the tests read. */
export interface AnswerJson {
  error?: { code?: string; subCode?: string; message?: string; hint?: string };
}

export async function postRaw(
  url: string,
  body: string,
  contentType: string,
): Promise<{ status: number; type: string | null; json: AnswerJson | undefined }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  let json: AnswerJson | undefined;
  try {
    json = text ? (JSON.parse(text) as AnswerJson) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type'), json };
}
