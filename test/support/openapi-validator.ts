import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { buildOpenApiDocument } from '../../src/http/openapi.js';

// ajv-formats is CommonJS: under ESM its function is the default export's default.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

interface DocumentedResponse {
  content?: Record<string, { schema?: object }>;
}
interface OperationEntry {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, DocumentedResponse>;
}
/** The parts of the document the validator reads, its references resolved. */
interface ResolvedDocument {
  paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>>;
  webhooks: Record<string, { post: { requestBody: DocumentedResponse } }>;
  components: { schemas: Record<string, object> };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

/** A response the spec says nothing about: an unknown route, method or status, or a JSON answer without a schema. */
export interface UndocumentedResponse {
  method: string;
  path: string;
  status: number;
  reason: 'no_operation' | 'no_status' | 'no_schema';
}

export class ResponseMismatchError extends Error {
  constructor(
    readonly where: string,
    readonly errors: ErrorObject[],
  ) {
    super(`${where} does not match the OpenAPI document: ${JSON.stringify(errors, null, 2)}`);
    this.name = 'ResponseMismatchError';
  }
}

/**
 * The document with every `#/components/...` reference (schemas, responses, parameters) replaced
 * by what it points to, so each schema compiles on its own. A reference with siblings (a
 * description) keeps them beside it in an allOf, as 2020-12 reads them.
 */
export function resolveReferences<T>(node: T, document: object, seen: string[] = []): T {
  if (Array.isArray(node)) return node.map((n) => resolveReferences(n, document, seen)) as T;
  if (typeof node !== 'object' || node === null) return node;
  const { $ref: ref, ...rest } = node as { $ref?: unknown };
  if (typeof ref === 'string' && ref.startsWith('#/components/')) {
    if (seen.includes(ref)) throw new Error(`Circular reference ${[...seen, ref].join(' → ')}`);
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], document);
    if (target === undefined) throw new Error(`Unresolvable ${ref}`);
    const resolved = resolveReferences(target, document, [...seen, ref]) as object;
    return (Object.keys(rest).length > 0 ? { allOf: [resolved], ...resolveReferences(rest, document, seen) } : resolved) as T;
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveReferences(v, document, seen)])) as T;
}

/**
 * Checks real answers against the OpenAPI document: finds the operation of a method and concrete
 * path (`/v1/conversations/65f...` matches `/v1/conversations/{id}`), then validates the JSON body
 * against the schema documented for that status (an error's `code` against the operation's codes
 * for it). An error at a status the operation does not document is checked against the Error
 * schema, every known code. What the document does not describe is collected rather than refused.
 * Webhook payloads are checked against their event's entry under `webhooks` (`checkEvent`).
 */
export class OpenApiValidator {
  readonly undocumented: UndocumentedResponse[] = [];
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private readonly operations: OperationEntry[] = [];
  private readonly compiled = new Map<object, ValidateFunction>();
  private readonly resolved: ResolvedDocument;
  private readonly seen = new Set<string>();

  constructor(
    readonly document: OpenApiDocument = buildOpenApiDocument('http://gateway.test'),
    private readonly onUndocumented?: (entry: UndocumentedResponse) => void,
  ) {
    addFormats(this.ajv);
    this.resolved = resolveReferences(document as unknown as ResolvedDocument, document);
    for (const [template, methods] of Object.entries(this.resolved.paths)) {
      const params = (template.match(/\{[^}]+\}/g) ?? []).length;
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
      for (const [method, { responses }] of Object.entries(methods)) {
        this.operations.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${source}$`), params, responses });
      }
    }
    // A literal segment wins over a parameter (`/templates/sync` before `/templates/{templateId}`).
    this.operations.sort((a, b) => a.params - b.params);
  }

  /** The documented operation of a method and concrete path, if any. */
  operationOf(method: string, path: string): OperationEntry | undefined {
    const bare = path.split('?')[0]!;
    return this.operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(bare));
  }

  /** Throws ResponseMismatchError when a JSON body contradicts its documented schema. */
  check(method: string, path: string, status: number, body: unknown, contentType: string | null): void {
    const isJson = contentType?.includes('application/json') ?? false;
    const op = this.operationOf(method, path);
    const documented = op?.responses[String(status)];
    const schema = documented?.content?.['application/json']?.schema ?? (status >= 400 && isJson ? this.resolved.components.schemas.Error : undefined);
    if (!op || !documented || (isJson && !documented.content)) {
      this.note({ method: method.toUpperCase(), path: op?.template ?? path.split('?')[0]!, status, reason: !op ? 'no_operation' : !documented ? 'no_status' : 'no_schema' });
    }
    if (!schema || !isJson) return;
    const validate = this.validatorOf(schema);
    if (!validate(body)) throw new ResponseMismatchError(`${method.toUpperCase()} ${path} → ${status}`, validate.errors ?? []);
  }

  /** Throws when a webhook body (`{type, timestamp, data}`) contradicts its event's payload schema, or its type has none. */
  checkEvent(body: { type: string }): void {
    const { type } = body;
    const schema = this.resolved.webhooks[type]?.post.requestBody.content?.['application/json']?.schema;
    if (!schema) throw new Error(`No webhook is documented for the event type ${type}`);
    const validate = this.validatorOf(schema);
    if (!validate(body)) throw new ResponseMismatchError(`webhook ${type}`, validate.errors ?? []);
  }

  /** Each combination once, and told to `onUndocumented` when it is first seen. */
  private note(entry: UndocumentedResponse): void {
    const key = `${entry.method} ${entry.path} ${entry.status}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.undocumented.push(entry);
    this.onUndocumented?.(entry);
  }

  private validatorOf(schema: object): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}

let shared: OpenApiValidator | undefined;

/**
 * One validator per test process, built on first use. What the document does not describe is
 * printed once per combination, so the gaps show in the test output without failing the test.
 */
export function openApiValidator(): OpenApiValidator {
  shared ??= new OpenApiValidator(undefined, (e) => process.stderr.write(`[openapi] undocumented answer (${e.reason}): ${e.method} ${e.path} ${e.status}\n`));
  return shared;
}
