import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { taskSignals } from '../meta/execute-tool.js';
import { awaitAnswer, taskReceipts } from '../meta/answer-delivery.js';
import { AnswerReceipts } from '../util/answer-receipts.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolRequestSchema, ErrorCode, GetTaskPayloadRequestSchema, ListToolsRequestSchema, McpError, type CallToolRequest, type CallToolResult, type ListToolsResult, type Request, type RequestId, type ServerNotification, type ServerRequest, type Task } from '@modelcontextprotocol/sdk/types.js';
import type { CreateTaskOptions } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import { cutText } from '../security/snippet.js';

/**
 * Long work as MCP tasks (the 2025-11-25 experimental tasks). A client that lists a tool with
 * `execution.taskSupport: "optional"` may add `task` to its tools/call: the server answers at once
 * with a task, runs the call in the background, and the client polls tasks/get, reads tasks/result,
 * or cancels with tasks/cancel. A call without `task` runs as before: synchronous, with progress
 * notifications. The work itself is the same EXECUTE_TOOL call either way: the SDK's own tools/call
 * handler runs it (input schema, the executor, output schema), only later.
 *
 * The SDK's McpServer can run a tool as a task only if every call of it is one (a tool registered as a
 * task tool turns calls without `task` into tasks it polls every interval). So the router keeps its
 * tools as they are and puts a thin layer over the two requests: tools/list says which tools take
 * tasks, tools/call sends task requests of those tools to the background.
 */

/** The tools that may run as tasks: the ones whose calls can take long (a large batch, a script). */
export const TASK_TOOLS: ReadonlySet<string> = new Set(['EXECUTE_TOOL', 'RUN_SCRIPT']);

/**
 * How long a finished task's result is kept when the client asks for no TTL, and at most. A task is
 * kept whatever its TTL while its work runs: the TTL counts from when it ends (a task forgotten while
 * it still sent could no longer be cancelled, and the client, told "not found", sent it all again).
 */
export const TASK_TTL_MS = { default: 10 * 60_000, max: 60 * 60_000 };
/** What clients are told to wait between two tasks/get. */
export const TASK_POLL_MS = 500;
/**
 * Tasks a store keeps at most, running and finished. Past it, a new task makes room by forgetting the
 * oldest finished one (its result was kept for its TTL, which can be an hour); when every task is still
 * running, a new one is refused until one ends. So a flood of task calls holds at most this many
 * results, never more, however long their TTLs.
 */
export const MAX_TASKS = 100;

const FINISHED: ReadonlySet<Task['status']> = new Set(['completed', 'failed', 'cancelled']);

/** The capabilities a server with tasks declares; without `list` when its store is not listable. */
export const taskCapabilities = (store: RouterTaskStore) => ({ tasks: { ...(store.listable ? { list: {} } : {}), cancel: {}, requests: { tools: { call: {} } } } });

/**
 * The SDK's in-memory store, bounded in count (MAX_TASKS), keeping no copy of each call's arguments,
 * and telling the running call when the client cancels its task.
 */
export class RouterTaskStore extends InMemoryTaskStore {
  /** Tasks whose work runs: what aborts it, and when it has ended. */
  private readonly running = new Map<string, { controller: AbortController; ended: Promise<void>; end: () => void }>();
  /** Task ids in the order they were created: the oldest finished one is forgotten first. */
  private readonly order = new Set<string>();
  /** Creations between their count and their add: counted, so tasks created at once cannot pass the limit. */
  private creating = 0;
  /** What waits for each task's result to be read (util/answer-receipts.ts): the delivery journal's close. */
  private readonly receipts = new Map<string, AnswerReceipts>();

  /**
   * `listable` false: tasks/list lists nothing. Over HTTP every request is a stranger (no session,
   * often one token for every client): a task is reached by its id, which only its caller was given.
   */
  constructor(
    private readonly maxTasks = MAX_TASKS,
    readonly listable = true,
  ) {
    super();
  }

  override async listTasks(cursor?: string, sessionId?: string): ReturnType<InMemoryTaskStore['listTasks']> {
    return this.listable ? super.listTasks(cursor, sessionId) : { tasks: [] };
  }

  /** How many tasks the store holds now (running and finished). */
  get size(): number {
    return this.order.size;
  }

  override async createTask(taskParams: CreateTaskOptions, requestId: RequestId, request: Request, sessionId?: string): Promise<Task> {
    this.makeRoom();
    this.creating++;
    let task: Task;
    try {
      // The SDK keeps the request with the task and never reads it back; its arguments (a batch can be
      // megabytes) would stay alive for the task's TTL. The method is enough.
      task = await super.createTask(taskParams, requestId, { method: request.method }, sessionId);
    } finally {
      this.creating--;
    }
    // The SDK starts the TTL now; it starts again when the task ends (a result stored, a cancel).
    const { cleanupTimers } = this.sdk();
    clearTimeout(cleanupTimers.get(task.taskId));
    cleanupTimers.delete(task.taskId);
    this.order.add(task.taskId);
    return task;
  }

  /** A cancelled task's result: waits for its work to wind down, then answers what it did before it stopped. */
  override async getTaskResult(taskId: string, sessionId?: string): Promise<CallToolResult> {
    const task = await super.getTask(taskId, sessionId);
    if (task?.status !== 'cancelled') return (await super.getTaskResult(taskId, sessionId)) as CallToolResult;
    await this.running.get(taskId)?.ended;
    const kept = this.sdk().tasks.get(taskId)?.result;
    if (!kept) throw new McpError(ErrorCode.InvalidParams, `Task ${taskId} was cancelled before its work could say what it had done.`);
    return kept as CallToolResult;
  }

  /** What waits for the task's result to reach its client, handed over once (to the tasks/result that answers it). */
  takeReceipts(taskId: string): AnswerReceipts | undefined {
    const receipts = this.receipts.get(taskId);
    this.receipts.delete(taskId);
    return receipts;
  }

  /** Keeps the answer of a cancelled task's work (the SDK stores no result once a task has ended): what was sent before the cancel. */
  keepCancelledResult(taskId: string, result: CallToolResult): void {
    const stored = this.sdk().tasks.get(taskId);
    if (stored?.task.status === 'cancelled') stored.result = result;
  }

  override async getTask(taskId: string, sessionId?: string): Promise<Task | null> {
    const task = await super.getTask(taskId, sessionId);
    // Forgotten by its TTL: forget it here too (its work has ended: a working task is never forgotten).
    if (!task && sessionId === undefined && !this.running.has(taskId)) {
      this.order.delete(taskId);
      this.receipts.delete(taskId);
    }
    return task;
  }

  /**
   * Forgets the oldest finished tasks until a new one fits; refuses when every task is still running.
   * No await between the count and the add (createTask): tasks created at once are all counted. A
   * cancelled task whose work still winds down counts as running.
   */
  private makeRoom(): void {
    const { tasks } = this.sdk();
    const full = () => this.order.size + this.creating >= this.maxTasks;
    for (const id of this.order) {
      if (!full()) return;
      if (this.running.has(id)) continue;
      const status = tasks.get(id)?.task.status;
      if (status === undefined) {
        this.order.delete(id);
        this.receipts.delete(id);
      }
      else if (FINISHED.has(status)) this.forget(id);
    }
    if (full()) {
      throw new McpError(ErrorCode.InvalidRequest, `Too many tasks: ${this.maxTasks} are still running on this server. Call without "task" (the call then runs at once, answering with progress), or wait for tasks of yours to finish (tasks/get) or cancel them (tasks/cancel) and call again; nothing was run.`);
    }
  }

  /**
   * The SDK store's two maps. It has no way to drop a task, to keep a working task past its TTL or to
   * keep a cancelled task's answer: they are read here, and only here.
   */
  private sdk(): { tasks: Map<string, { task: Task; result?: unknown }>; cleanupTimers: Map<string, NodeJS.Timeout> } {
    const self = this as unknown as { tasks?: Map<string, { task: Task; result?: unknown }>; cleanupTimers?: Map<string, NodeJS.Timeout> };
    if (!(self.tasks instanceof Map) || !(self.cleanupTimers instanceof Map)) throw new Error('the SDK task store changed: its tasks cannot be kept and forgotten as they must');
    return { tasks: self.tasks, cleanupTimers: self.cleanupTimers };
  }

  private forget(taskId: string): void {
    const { tasks, cleanupTimers } = this.sdk();
    clearTimeout(cleanupTimers.get(taskId));
    cleanupTimers.delete(taskId);
    tasks.delete(taskId);
    this.order.delete(taskId);
    this.receipts.delete(taskId);
  }

  /** The signal that aborts the task's work when the task is cancelled or the server closes. */
  watch(taskId: string): AbortSignal {
    const controller = new AbortController();
    const receipts = new AnswerReceipts();
    this.receipts.set(taskId, receipts);
    taskReceipts.set(controller.signal, receipts);
    let end = () => undefined as void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.running.set(taskId, { controller, ended, end });
    return controller.signal;
  }

  finished(taskId: string): void {
    this.running.get(taskId)?.end();
    this.running.delete(taskId);
    // A task cancelled while it worked: its TTL starts now that its work has ended.
    const { tasks, cleanupTimers } = this.sdk();
    const ttl = tasks.get(taskId)?.task.ttl;
    if (ttl && !cleanupTimers.has(taskId)) {
      cleanupTimers.set(taskId, setTimeout(() => {
        tasks.delete(taskId);
        cleanupTimers.delete(taskId);
        this.receipts.delete(taskId);
      }, ttl));
    }
  }

  override async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string, sessionId?: string): Promise<void> {
    await super.updateTaskStatus(taskId, status, statusMessage, sessionId);
    const running = this.running.get(taskId);
    if (!running || !FINISHED.has(status)) return;
    // The SDK starts the TTL at the cancel; the work still winds down: it starts when that ends (finished).
    const { cleanupTimers } = this.sdk();
    clearTimeout(cleanupTimers.get(taskId));
    cleanupTimers.delete(taskId);
    if (status === 'cancelled') running.controller.abort(new Error('The client cancelled the task.'));
  }

  /** Stops every running task's work and forgets every task (the server is closing). */
  close(): void {
    for (const r of this.running.values()) {
      r.controller.abort(new Error('The server closed.'));
      r.end();
    }
    this.running.clear();
    this.order.clear();
    this.receipts.clear();
    this.cleanup();
  }
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Handler = (request: unknown, extra: Extra) => Promise<unknown>;

/** The handler the SDK installed for a method (the SDK has no public getter; this is its only private read). */
export function installed(server: McpServer, method: string): Handler {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  const handler = handlers?.get(method);
  if (!handler) throw new Error(`no ${method} handler to wrap: register the tools first`);
  return handler;
}

/** The TTL a task gets: the client's, within bounds. */
export function taskTtl(requested: number | undefined): number {
  if (requested === undefined || !Number.isFinite(requested) || requested <= 0) return TASK_TTL_MS.default;
  return Math.min(requested, TASK_TTL_MS.max);
}

/** Call after the tools are registered, before connecting. */
export function enableToolTasks(server: McpServer, store: RouterTaskStore, warn: (message: string) => void): void {
  const list = installed(server, 'tools/list');
  const call = installed(server, 'tools/call');
  const result = installed(server, 'tasks/result');

  // A task's result reaches its client with the answer to tasks/result: its calls close once that is written.
  server.server.setRequestHandler(GetTaskPayloadRequestSchema, async (request, extra) => {
    const answer = await result(request, extra);
    const receipts = store.takeReceipts(request.params.taskId);
    if (receipts) awaitAnswer(server, extra, receipts);
    return answer as never;
  });

  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const result = (await list(request, extra)) as ListToolsResult;
    return { ...result, tools: result.tools.map((t) => (TASK_TOOLS.has(t.name) ? { ...t, execution: { ...t.execution, taskSupport: 'optional' as const } } : t)) };
  });

  server.server.setRequestHandler(CallToolRequestSchema, async (request: CallToolRequest, extra) => {
    const asked = request.params.task;
    // Refused before it runs: the SDK ran such a call and only then refused its answer as no task.
    if (asked && !TASK_TOOLS.has(request.params.name)) throw new McpError(ErrorCode.MethodNotFound, `${cutText(request.params.name, 100)} does not run as a task (only ${[...TASK_TOOLS].join(' and ')} do): call it without "task". Nothing was run.`);
    if (!asked || !extra.taskStore) return (await call(request, extra)) as CallToolResult;
    const task = await extra.taskStore.createTask({ ttl: taskTtl(asked.ttl), pollInterval: TASK_POLL_MS });
    const signal = store.watch(task.taskId);
    taskSignals.add(signal);
    const { task: _task, ...params } = request.params;
    const taskStore = extra.taskStore;
    // The same call without `task`, run by the SDK's handler once this answer is out. Progress goes on to
    // the request's progress token; tasks/cancel aborts it through `signal`.
    void (async () => {
      let result: CallToolResult;
      try {
        result = (await call({ ...request, params }, { ...extra, signal })) as CallToolResult;
      } catch (err) {
        result = { content: [{ type: 'text', text: `The call failed: ${(err as Error).message}` }], isError: true };
      }
      try {
        // Cancelled meanwhile: the answer says what was sent before the cancel (tasks/result reads it).
        if (signal.aborted) store.keepCancelledResult(task.taskId, result);
        // A tool answer with isError is a failed task; tasks/result still returns the answer, with its hint.
        else await taskStore.storeTaskResult(task.taskId, result.isError ? 'failed' : 'completed', result);
      } catch (err) {
        // Over stateless HTTP the result is stored and only the status notice after it fails (its request's
        // answer is long out): that is no failure to report. A result that really was not stored is.
        const stored = await store.getTask(task.taskId).catch(() => null);
        if (stored?.status !== 'completed' && stored?.status !== 'failed') warn(`task ${task.taskId}: result not stored: ${(err as Error).message}`);
      } finally {
        store.finished(task.taskId);
      }
    })();
    return { task };
  });
}
