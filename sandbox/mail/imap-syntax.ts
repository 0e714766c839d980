/**
 * IMAP's command syntax (RFC 3501 §9), as much of it as the sandbox's server reads: lines with
 * atoms, quoted strings, parenthesized lists and literals (synchronizing `{n}` and LITERAL+'s
 * `{n+}`), sequence sets, and the quoting of what it answers.
 */

/** An atom or quoted string, a literal's bytes, or a parenthesized list. */
export type Token = string | Buffer | Token[];

const CRLF = Buffer.from('\r\n');
const LITERAL_AT_END = /\{(\d+)(\+?)\}$/;

/**
 * Splits what a client sends into commands: `push` the bytes as they come, each complete command
 * goes to `onCommand` as its tokens. A synchronizing literal is asked for with `onContinue`
 * (the server's `+` line) before the client sends it.
 */
export class CommandReader {
  private buffer = Buffer.alloc(0);
  /** The current command's parts so far: text up to each literal, and the literals. */
  private parts: Array<string | Buffer> = [];
  private continued = false;

  constructor(
    private readonly onCommand: (tokens: Token[]) => void,
    private readonly onContinue: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf(CRLF);
      if (end === -1) return;
      const line = this.buffer.subarray(0, end).toString('utf8');
      const literal = LITERAL_AT_END.exec(line);
      if (!literal) {
        this.buffer = this.buffer.subarray(end + 2);
        const parts = [...this.parts, line];
        this.parts = [];
        this.onCommand(tokenize(parts));
        continue;
      }
      const size = Number(literal[1]);
      if (this.buffer.length < end + 2 + size) {
        if (!literal[2] && !this.continued) {
          this.continued = true;
          this.onContinue();
        }
        return;
      }
      this.parts.push(line.slice(0, literal.index), Buffer.from(this.buffer.subarray(end + 2, end + 2 + size)));
      this.buffer = this.buffer.subarray(end + 2 + size);
      this.continued = false;
    }
  }
}

function tokenize(parts: Array<string | Buffer>): Token[] {
  const root: Token[] = [];
  const stack: Token[][] = [root];
  const add = (token: Token) => stack.at(-1)!.push(token);
  for (const part of parts) {
    if (Buffer.isBuffer(part)) {
      add(part);
      continue;
    }
    let i = 0;
    while (i < part.length) {
      const c = part[i]!;
      if (c === ' ') {
        i++;
      } else if (c === '(') {
        const list: Token[] = [];
        add(list);
        stack.push(list);
        i++;
      } else if (c === ')') {
        if (stack.length > 1) stack.pop();
        i++;
      } else if (c === '"') {
        let value = '';
        for (i++; i < part.length && part[i] !== '"'; i++) value += part[i] === '\\' ? part[++i] : part[i];
        add(value);
        i++;
      } else {
        // An atom; brackets may hold spaces and parentheses (BODY.PEEK[HEADER.FIELDS (FROM)]).
        const start = i;
        for (let depth = 0; i < part.length; i++) {
          const d = part[i]!;
          if (d === '[') depth++;
          else if (d === ']') depth--;
          else if (depth <= 0 && (d === ' ' || d === '(' || d === ')')) break;
        }
        add(part.slice(start, i));
      }
    }
  }
  return root;
}

/**
 * A sequence set (`1:*`, `3,5:7`) as a test of numbers, `*` being `largest` (the highest UID or
 * message number). `n:*` holds the largest even when it is below n (RFC 3501 §6.4.8).
 */
export function sequenceSet(set: string, largest: number): ((n: number) => boolean) | null {
  const ranges: Array<[number, number]> = [];
  for (const item of set.split(',')) {
    const bounds = item.split(':').map((b) => (b === '*' ? largest : /^\d+$/.test(b) ? Number(b) : NaN));
    if (bounds.length > 2 || bounds.some(Number.isNaN)) return null;
    const [a, b = a] = bounds as [number, number?];
    ranges.push([Math.min(a, b!), Math.max(a, b!)]);
  }
  return (n) => ranges.some(([low, high]) => n >= low && n <= high);
}

/** A string as IMAP's quoted string. */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `*` matches anything, `%` anything but the hierarchy delimiter (RFC 3501 §6.3.8). */
export function mailboxPattern(pattern: string, delimiter: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, `[^${delimiter}]*`);
  return new RegExp(`^${escaped}$`);
}
