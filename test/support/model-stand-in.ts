import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat-completions request as the stand-in received it. */
export interface ModelRequest {
  headers: IncomingHttpHeaders;
  body: {
    model: string;
    messages: { role: string; content: string }[];
    tools?: { type: string; function: { name: string; parameters: unknown } }[];
    tool_choice?: string;
    temperature?: number;
    max_tokens?: number;
  };
}

/** What the stand-in does with a request: answer text, call a tool, or hang (the caller times out). */
export type ModelBehaviour = (request: ModelRequest) => { text: string } | { toolCall: { name: string; arguments: string } } | { status: number } | 'hang';

/**
 * A local server speaking OpenAI's Chat Completions format (`POST /v1/chat/completions`, with
 * `tools` and `tool_calls`), as OpenAI, Ollama and vLLM answer it. Each test names its own model,
 * and the behaviour set for that model answers.
 */
export interface ModelStandIn {
  /** The base URL to configure (`.../v1`). */
  baseUrl: string;
  requests: ModelRequest[];
  behave(model: string, behaviour: ModelBehaviour): void;
  close(): Promise<void>;
}

export async function startModelStandIn(): Promise<ModelStandIn> {
  const behaviours = new Map<string, ModelBehaviour>();
  const requests: ModelRequest[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const request: ModelRequest = { headers: req.headers, body: JSON.parse(raw) };
      requests.push(request);
      const behaviour = behaviours.get(request.body.model) ?? (() => ({ status: 404 }));
      const outcome = behaviour(request);
      if (outcome === 'hang') return;
      if ('status' in outcome) {
        res.writeHead(outcome.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'stand-in failure', type: 'server_error' } }));
        return;
      }
      const message =
        'text' in outcome
          ? { role: 'assistant', content: outcome.text }
          : { role: 'assistant', content: null, tool_calls: [{ id: `call_${requests.length}`, type: 'function', function: outcome.toolCall }] };
      const completion = {
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.body.model,
        choices: [{ index: 0, message, finish_reason: 'text' in outcome ? 'stop' : 'tool_calls' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    behave: (model, behaviour) => behaviours.set(model, behaviour),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
