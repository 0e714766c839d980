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

/** `#/components/schemas/X` references inlined, so each response schema compiles on its own. */
function inlineComponents(schema: unknown, components: Record<string, object>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inlineComponents(s, components));
  if (typeof schema !== 'object' || schema === null) return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const target = components[ref.slice('#/components/schemas/'.length)];
    if (!target) throw new Error(`Unresolvable ${ref}`);
    return target;
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inlineComponents(v, components)]));
}

/**
 * Checks real answers against the OpenAPI document: finds the operation of a method and concrete
 * path (`/v1/conversations/65f...` matches `/v1/conversations/{id}`), then validates the JSON body
 * against the schema documented for that status. Error bodies are always checked against the one
 * Error schema. What the document does not describe is collected rather than refused.
 */
export class OpenApiValidator {
  readonly undocumented: UndocumentedResponse[] = [];
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private readonly operations: OperationEntry[] = [];
  private readonly compiled = new Map<object, ValidateFunction>();
  private readonly errorSchema: object;
  private readonly seen = new Set<string>();

  constructor(
    readonly document: OpenApiDocument = buildOpenApiDocument('http://gateway.test'),
    private readonly onUndocumented?: (entry: UndocumentedResponse) => void,
  ) {
    addFormats(this.ajv);
    const components = document.components.schemas as Record<string, object>;
    this.errorSchema = components.Error!;
    for (const [template, methods] of Object.entries(document.paths)) {
      const params = (template.match(/\{[^}]+\}/g) ?? []).length;
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
      for (const [method, op] of Object.entries(methods)) {
        const { responses } = op as { responses: Record<string, DocumentedResponse> };
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}$`),
          params,
          responses: inlineComponents(responses, components) as Record<string, DocumentedResponse>,
        });
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
    const schema = documented?.content?.['application/json']?.schema ?? (status >= 400 && isJson ? this.errorSchema : undefined);
    if (!op || !documented || (isJson && !documented.content)) {
      this.note({ method: method.toUpperCase(), path: op?.template ?? path.split('?')[0]!, status, reason: !op ? 'no_operation' : !documented ? 'no_status' : 'no_schema' });
    }
    if (!schema || !isJson) return;
    const validate = this.validatorOf(schema);
    if (!validate(body)) throw new ResponseMismatchError(`${method.toUpperCase()} ${path} → ${status}`, validate.errors ?? []);
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
