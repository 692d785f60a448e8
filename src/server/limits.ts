/**
 * The largest MCP message either transport reads (one JSON-RPC line on stdio, one request body over
 * HTTP). Well above the 5 MB arguments limit, so an oversized call gets the executor's clear
 * field-level refusal instead of a transport error.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Bytes of request bodies the HTTP server holds at once, across all requests: one message of the
 * largest size plus room for ordinary calls beside it. A parsed body takes several times its size
 * in memory (a 15 MB body, some 130 MB), so this bounds the process, not only each request. Past it
 * a request is refused with 503 and Retry-After before its body is read.
 */
export const MAX_BODY_BYTES_IN_FLIGHT = MAX_MESSAGE_BYTES + 4 * 1024 * 1024;

/** Seconds a refused client is asked to wait. */
export const BUSY_RETRY_AFTER_S = 2;

/**
 * Connections the HTTP server keeps open at once, and how long one may take to send its headers and
 * its whole request: 20,000 half-open requests used to exhaust the file descriptors, each cut only
 * after 88 s. Past the cap new connections are closed at once; the health check answers again as
 * soon as the flood is cut.
 */
export const HTTP_CONNECTIONS = { max: 1_000, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, checkEveryMs: 2_000 } as const;

/**
 * Messages one HTTP request may carry as a JSON-RPC batch (MCP 2025-03-26 allowed them; later versions
 * have none). The SDK takes up to 100, so one request could carry a hundred calls' work; each call is
 * bounded on its own, and this bounds a request.
 */
export const MAX_BATCH_MESSAGES = 10;
