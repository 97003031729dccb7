/**
 * ConnectWise Manage `conditions` strings: a parser (so malformed conditions are refused before
 * anything is sent) and a printer. The simulator evaluates the parsed trees.
 *
 * Grammar (keywords case-insensitive; `and` binds tighter than `or`; `not` binds tightest):
 *   expression := term ("or" term)*
 *   term       := factor ("and" factor)*
 *   factor     := "not" factor | "(" expression ")" | comparison
 *   comparison := field op value | field ["not"] "in" "(" value ("," value)* ")"
 *                 | field ["not"] ("contains" | "like") value
 *   op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "like"
 *   value      := "string" | 'string' | number | True | False | null | [date]
 *                 | placeholder | [placeholder]                (only where placeholders are allowed)
 *   placeholder:= "{{" ("msg." | "flow." | "global." | "env.") path "}}" | "{{jsonata:" expression "}}"
 * Placeholders are the nodes' message-time values (`board/name = {{msg.board}}`): the nodes fill
 * them in before sending, so ConnectWise (and the simulator) never sees one. Inside brackets the
 * value is read as a date; inside an `in (...)` list an array gives one value per item.
 * Positions in error messages count characters from 1.
 */
import { CwError } from './errors';

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'like';

/** Where a placeholder's value comes from: the typed-input types of Node-RED. */
export const PLACEHOLDER_SOURCES = ['msg', 'flow', 'global', 'env', 'jsonata'] as const;
export type PlaceholderSource = (typeof PLACEHOLDER_SOURCES)[number];

export type ConditionValue =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  /** `value` is the text between the brackets, e.g. `2025-01-01T00:00:00Z`. */
  | { type: 'date'; value: string }
  /** A value filled in when a message is sent; `date` when written between brackets. */
  | { type: 'placeholder'; source: PlaceholderSource; expression: string; date: boolean };

export interface ParseOptions {
  /** Accept `{{msg.x}}`-style placeholders (the nodes' own settings); off for what is sent. */
  placeholders?: boolean;
}

/** A placeholder in conditions text: where it is and whether it stands in an `in (...)` list. */
export interface PlaceholderUse {
  source: PlaceholderSource;
  expression: string;
  date: boolean;
  inList: boolean;
  /** Its text is `text.slice(start, end)`, brackets included for a date. */
  start: number;
  end: number;
}

export type ConditionNode =
  | { type: 'comparison'; field: string; operator: ComparisonOperator; value: ConditionValue }
  | { type: 'in'; field: string; values: ConditionValue[]; negated: boolean }
  | { type: 'not'; operand: ConditionNode }
  | { type: 'and'; left: ConditionNode; right: ConditionNode }
  | { type: 'or'; left: ConditionNode; right: ConditionNode };

type Token =
  | { kind: '(' | ')' | ',' | 'end'; pos: number }
  | { kind: 'op'; text: ComparisonOperator; pos: number }
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'value'; value: ConditionValue; text: string; pos: number };

const SYMBOL_OPERATORS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const NUMBER_PATTERN = /-?\d+(\.\d+)?/y;
const WORD_PATTERN = /[A-Za-z_][A-Za-z0-9_./]*/y;
const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_.]*(\/[A-Za-z_][A-Za-z0-9_.]*)*$/;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'like', 'true', 'false', 'null']);

function conditionError(field: string, problem: string): CwError {
  return new CwError('INPUT', `${field}: ${problem}`, { field });
}

function describeToken(token: Token, source: string): string {
  if (token.kind === 'end') return 'the end';
  if (token.kind === 'word' || token.kind === 'op') return `"${token.text}"`;
  if (token.kind === 'value') return token.text;
  return `"${source[token.pos]}"`;
}

const PLACEHOLDER_PREFIX = /\{\{\s*(?:(msg|flow|global|env)\.|(jsonata)\s*:)/y;

/**
 * The placeholder that starts at `start` (at its `{{`), and where it ends. A JSONata expression
 * may hold braces, and any expression quoted text: its `}}` is the first one outside both.
 */
function readPlaceholder(
  source: string,
  start: number,
  fail: (problem: string) => never,
): { source: PlaceholderSource; expression: string; end: number } {
  PLACEHOLDER_PREFIX.lastIndex = start;
  const prefix = PLACEHOLDER_PREFIX.exec(source);
  if (!prefix) {
    fail(
      `unknown placeholder at position ${start + 1} (expected {{msg.…}}, {{flow.…}}, ` +
        `{{global.…}}, {{env.…}} or {{jsonata: …}})`,
    );
  }
  const match = prefix as RegExpExecArray;
  const from = start + match[0].length;
  const kind = (match[1] ?? match[2]) as PlaceholderSource;
  let depth = 0;
  let quote = '';
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || (kind === 'jsonata' && c === '`')) {
      quote = c;
    } else if (c === '{') {
      if (kind !== 'jsonata') fail(`unexpected "{" in the placeholder at position ${start + 1}`);
      depth++;
    } else if (c === '}') {
      if (depth > 0) {
        depth--;
      } else if (source[i + 1] === '}') {
        const expression = source.slice(from, i).trim();
        if (expression === '') fail(`empty placeholder at position ${start + 1}`);
        return { source: kind, expression, end: i + 2 };
      } else {
        fail(`unexpected "}" in the placeholder at position ${start + 1}`);
      }
    }
  }
  return fail(`unclosed "{{" at position ${start + 1}`);
}

/** A placeholder as conditions text spell it; a date one between brackets. */
export function formatPlaceholder(
  value: Pick<PlaceholderUse, 'source' | 'expression' | 'date'>,
): string {
  const inner =
    value.source === 'jsonata'
      ? `{{jsonata: ${value.expression}}}`
      : `{{${value.source}.${value.expression}}}`;
  return value.date ? `[${inner}]` : inner;
}

function tokenize(source: string, field: string, options: ParseOptions = {}): Token[] {
  const tokens: Token[] = [];
  const fail = (problem: string): never => {
    throw conditionError(field, problem);
  };
  const placeholder = (start: number, date: boolean): { value: ConditionValue; end: number } => {
    const read = readPlaceholder(source, start, fail);
    return {
      value: { type: 'placeholder', source: read.source, expression: read.expression, date },
      end: read.end,
    };
  };
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
    } else if (options.placeholders && ch === '{' && source[i + 1] === '{') {
      const read = placeholder(i, false);
      tokens.push({ kind: 'value', value: read.value, text: source.slice(i, read.end), pos: i });
      i = read.end;
    } else if (options.placeholders && ch === '[' && /^\[\s*\{\{/.test(source.slice(i, i + 64))) {
      const read = placeholder(source.indexOf('{{', i), true);
      let close = read.end;
      while (source[close] === ' ' || source[close] === '\t') close++;
      if (source[close] !== ']') fail(`unclosed "[" at position ${i + 1}`);
      tokens.push({ kind: 'value', value: read.value, text: source.slice(i, close + 1), pos: i });
      i = close + 1;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, pos: i });
      i++;
    } else if (ch === '"' || ch === "'") {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) fail(`unbalanced quote at position ${start + 1}`);
        const c = source[i];
        if (c === '\\' && (source[i + 1] === ch || source[i + 1] === '\\')) {
          text += source[i + 1];
          i += 2;
        } else if (c === ch) {
          i++;
          break;
        } else {
          text += c;
          i++;
        }
      }
      tokens.push({
        kind: 'value',
        value: { type: 'string', value: text },
        text: source.slice(start, i),
        pos: start,
      });
    } else if (ch === '[') {
      const close = source.indexOf(']', i);
      if (close < 0) fail(`unclosed "[" at position ${i + 1}`);
      const text = source.slice(i + 1, close).trim();
      if (!DATE_PATTERN.test(text) || Number.isNaN(conditionDateToMillis(text))) {
        fail(`invalid date "[${text}]" at position ${i + 1} (expected [2025-01-31T00:00:00Z])`);
      }
      tokens.push({
        kind: 'value',
        value: { type: 'date', value: text },
        text: source.slice(i, close + 1),
        pos: i,
      });
      i = close + 1;
    } else if (ch === '=' || ch === '!' || ch === '<' || ch === '>') {
      let end = i;
      while (end < source.length && '=!<>'.includes(source[end])) end++;
      const text = source.slice(i, end);
      if (!SYMBOL_OPERATORS.has(text)) fail(`unknown operator "${text}" at position ${i + 1}`);
      tokens.push({ kind: 'op', text: text as ComparisonOperator, pos: i });
      i = end;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER_PATTERN.lastIndex = i;
      const match = NUMBER_PATTERN.exec(source);
      if (!match) fail(`unexpected "${ch}" at position ${i + 1}`);
      const text = (match as RegExpExecArray)[0];
      tokens.push({
        kind: 'value',
        value: { type: 'number', value: Number(text) },
        text,
        pos: i,
      });
      i += text.length;
    } else {
      WORD_PATTERN.lastIndex = i;
      const match = WORD_PATTERN.exec(source);
      if (!match) fail(`unexpected character "${ch}" at position ${i + 1}`);
      const text = (match as RegExpExecArray)[0];
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'false') {
        tokens.push({
          kind: 'value',
          value: { type: 'boolean', value: lower === 'true' },
          text,
          pos: i,
        });
      } else if (lower === 'null') {
        tokens.push({ kind: 'value', value: { type: 'null' }, text, pos: i });
      } else {
        tokens.push({ kind: 'word', text, pos: i });
      }
      i += text.length;
    }
  }
  tokens.push({ kind: 'end', pos: source.length });
  return tokens;
}

class ConditionParser {
  private index = 0;
  private inList = false;
  /** The placeholders met, in order. */
  readonly placeholders: PlaceholderUse[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private readonly field: string,
    private readonly placeholdersAllowed = false,
  ) {}

  parse(): ConditionNode {
    const node = this.expression();
    const next = this.peek();
    if (next.kind !== 'end') this.unexpected(next, '"and", "or" or the end');
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    return this.tokens[this.index++];
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private fail(problem: string): never {
    throw conditionError(this.field, problem);
  }

  private unexpected(token: Token, expected: string): never {
    if (token.kind === 'end') this.fail(`expected ${expected} at position ${token.pos + 1}`);
    return this.fail(
      `unexpected ${describeToken(token, this.source)} at position ${token.pos + 1}; ` +
        `expected ${expected}`,
    );
  }

  private expression(): ConditionNode {
    let node = this.term();
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      node = { type: 'or', left: node, right: this.term() };
    }
    return node;
  }

  private term(): ConditionNode {
    let node = this.factor();
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      node = { type: 'and', left: node, right: this.factor() };
    }
    return node;
  }

  private factor(): ConditionNode {
    const token = this.peek();
    if (this.isKeyword(token, 'not')) {
      this.next();
      return { type: 'not', operand: this.factor() };
    }
    if (token.kind === '(') {
      this.next();
      const node = this.expression();
      const close = this.peek();
      if (close.kind === 'end') {
        this.fail(`missing ")" for the "(" at position ${token.pos + 1}`);
      }
      if (close.kind !== ')') this.unexpected(close, '"and", "or" or ")"');
      this.next();
      return node;
    }
    return this.comparison();
  }

  private comparison(): ConditionNode {
    const fieldToken = this.next();
    if (fieldToken.kind !== 'word' || KEYWORDS.has(fieldToken.text.toLowerCase())) {
      if (fieldToken.kind === ')') {
        this.fail(`unexpected ")" at position ${fieldToken.pos + 1}`);
      }
      this.unexpected(fieldToken, 'a field name');
    }
    const field = (fieldToken as { text: string }).text;
    if (!FIELD_PATTERN.test(field)) {
      this.fail(`invalid field name "${field}" at position ${fieldToken.pos + 1}`);
    }
    let negated = false;
    let operatorToken = this.next();
    if (this.isKeyword(operatorToken, 'not')) {
      negated = true;
      operatorToken = this.next();
    }
    if (operatorToken.kind === 'op' && !negated) {
      return { type: 'comparison', field, operator: operatorToken.text, value: this.value() };
    }
    if (operatorToken.kind === 'word') {
      const keyword = operatorToken.text.toLowerCase();
      if (keyword === 'in') return { type: 'in', field, values: this.list(), negated };
      if (keyword === 'contains' || keyword === 'like') {
        const node: ConditionNode = {
          type: 'comparison',
          field,
          operator: keyword,
          value: this.value(),
        };
        return negated ? { type: 'not', operand: node } : node;
      }
      this.fail(`unknown operator "${operatorToken.text}" at position ${operatorToken.pos + 1}`);
    }
    return this.unexpected(
      operatorToken,
      negated
        ? '"in", "like" or "contains" after "not"'
        : `an operator after "${field}" (=, !=, <, <=, >, >=, contains, like, in)`,
    );
  }

  private value(): ConditionValue {
    const token = this.next();
    if (token.kind === 'value') {
      const value = token.value;
      if (value.type === 'placeholder') {
        this.placeholders.push({
          source: value.source,
          expression: value.expression,
          date: value.date,
          inList: this.inList,
          start: token.pos,
          end: token.pos + token.text.length,
        });
      }
      return value;
    }
    const previous = this.tokens[this.index - 2];
    const after =
      previous.kind === 'op' || previous.kind === 'word' ? ` after "${previous.text}"` : '';
    return this.unexpected(
      token,
      this.placeholdersAllowed
        ? `a value${after} (a "quoted string", a number, True, False, null, a [date] or a {{placeholder}})`
        : `a value${after} (a "quoted string", a number, True, False, null or a [date])`,
    );
  }

  private list(): ConditionValue[] {
    const open = this.next();
    if (open.kind !== '(') this.unexpected(open, '"(" after "in"');
    this.inList = true;
    const values: ConditionValue[] = [this.value()];
    for (;;) {
      const token = this.next();
      if (token.kind === ')') {
        this.inList = false;
        return values;
      }
      if (token.kind === 'end') {
        this.fail(`missing ")" for the "(" at position ${open.pos + 1}`);
      }
      if (token.kind !== ',') this.unexpected(token, '"," or ")" in the list');
      values.push(this.value());
    }
  }
}

/**
 * Parses a conditions string into a tree; throws a CwError with code INPUT whose message names
 * the problem and its position (`conditions: unbalanced quote at position 12`).
 */
export function parseConditions(
  text: string,
  field = 'conditions',
  options: ParseOptions = {},
): ConditionNode {
  return parseConditionTemplate(text, field, options).tree;
}

/** The tree of a conditions text and the placeholders in it (none unless they are allowed). */
export function parseConditionTemplate(
  text: string,
  field = 'conditions',
  options: ParseOptions = {},
): { tree: ConditionNode; placeholders: PlaceholderUse[] } {
  if (typeof text !== 'string') throw conditionError(field, 'must be a string');
  if (text.trim() === '') throw conditionError(field, 'is empty');
  const parser = new ConditionParser(
    tokenize(text, field, options),
    text,
    field,
    options.placeholders === true,
  );
  const tree = parser.parse();
  return { tree, placeholders: parser.placeholders };
}

/** Checks a conditions string; answers the CwError instead of throwing it (undefined when valid). */
export function validateConditions(
  text: string,
  field = 'conditions',
  options: ParseOptions = {},
): CwError | undefined {
  try {
    parseConditions(text, field, options);
    return undefined;
  } catch (err) {
    if (err instanceof CwError) return err;
    throw err;
  }
}

/** A value as conditions spell it: strings quoted and escaped, `True`/`False`, dates in brackets. */
export function formatConditionValue(value: ConditionValue): string {
  switch (value.type) {
    case 'string':
      return `"${value.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    case 'number':
      return String(value.value);
    case 'boolean':
      return value.value ? 'True' : 'False';
    case 'null':
      return 'null';
    case 'date':
      return `[${value.value}]`;
    case 'placeholder':
      return formatPlaceholder(value);
  }
}

/** Prints a tree back as a conditions string that parses to the same tree. */
export function formatConditions(node: ConditionNode): string {
  switch (node.type) {
    case 'comparison':
      return `${node.field} ${node.operator} ${formatConditionValue(node.value)}`;
    case 'in':
      return `${node.field} ${node.negated ? 'not in' : 'in'} (${node.values.map(formatConditionValue).join(', ')})`;
    case 'not': {
      const inner = formatConditions(node.operand);
      return node.operand.type === 'and' || node.operand.type === 'or'
        ? `not (${inner})`
        : `not ${inner}`;
    }
    case 'and': {
      // Both operators are left-associative: a right operand of the same kind needs parentheses.
      const left =
        node.left.type === 'or' ? `(${formatConditions(node.left)})` : formatConditions(node.left);
      const right =
        node.right.type === 'or' || node.right.type === 'and'
          ? `(${formatConditions(node.right)})`
          : formatConditions(node.right);
      return `${left} and ${right}`;
    }
    case 'or': {
      const right =
        node.right.type === 'or'
          ? `(${formatConditions(node.right)})`
          : formatConditions(node.right);
      return `${formatConditions(node.left)} or ${right}`;
    }
  }
}

/** An instant as conditions dates are written (whole seconds, UTC): `2025-01-31T08:30:00Z`. */
export function conditionDateText(millis: number): string {
  return new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The instant of a bracketed date. Dates without a zone are UTC in Manage; JavaScript would read
 * them as local time.
 */
export function conditionDateToMillis(text: string): number {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes('T');
  return Date.parse(hasZone ? text : `${text}Z`);
}
