/**
 * The largest MCP message either transport reads (one JSON-RPC line on stdio, one request body over
 * HTTP). Well above the 5 MB arguments limit, so an oversized call gets the executor's clear
 * field-level refusal instead of a transport error.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
