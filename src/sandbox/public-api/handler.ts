import type { PublicApiAnswer } from './answers.js';
import type { PublicApiStore } from './store.js';

/** What a stateful route of the sandbox receives, and the shape of its handler. */
export interface RouteRequest {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
}

export type Handler = (s: PublicApiStore, r: RouteRequest) => PublicApiAnswer;
