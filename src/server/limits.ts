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
