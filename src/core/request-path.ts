/**
 * The request path: the template's placeholders (`{id}`, `{memberIdentifier:regex(...`) filled
 * with encoded values. Encoding every value and refusing `.`/`..` and separators means no value
 * can step out of its path segment.
 */
import type { OperationDetail, ParameterSpec } from '../shared/catalog-types';
import { inputError } from './errors';
import { isAbsent, toText, typedValue } from './parameter-values';
import { expandPathTemplate } from './path-template';

// eslint-disable-next-line no-control-regex
const PATH_SEPARATOR = /[/\\\u0000-\u001f\u007f]/;

/** The text as a server would see it after decoding percent escapes (repeatedly), or as is. */
function percentDecoded(text: string): string {
  let current = text;
  for (let round = 0; round < 3 && current.includes('%'); round++) {
    try {
      const next = decodeURIComponent(current);
      if (next === current) break;
      current = next;
    } catch {
      break;
    }
  }
  return current;
}

function segment(spec: ParameterSpec, value: unknown, operationId: string): string {
  const field = `params.${spec.name}`;
  if (isAbsent(value)) throw inputError(field, 'is required', operationId);
  const text =
    spec.type === 'integer' || spec.type === 'number'
      ? String(typedValue(spec, value, field, operationId))
      : toText(value, field, operationId).trim();
  if (/^\.+$/.test(text)) {
    throw inputError(field, `must not be ${JSON.stringify(text)}`, operationId);
  }
  // Encoding alone is not enough: servers that decode %2F or %5C before routing would let
  // `..%2F` climb out of the segment, so separators are refused in any spelling.
  if (PATH_SEPARATOR.test(text) || PATH_SEPARATOR.test(percentDecoded(text))) {
    throw inputError(
      field,
      'must not contain "/", "\\" or control characters (a path value is one segment)',
      operationId,
    );
  }
  try {
    return encodeURIComponent(text);
  } catch {
    throw inputError(
      field,
      'contains characters that cannot be sent (a lone surrogate)',
      operationId,
    );
  }
}

/** The operation's path with `values` (by name) in the placeholders of `templateParams`. */
export function fillPath(
  op: OperationDetail,
  templateParams: readonly ParameterSpec[],
  values: ReadonlyMap<string, unknown>,
): string {
  const encoded: Record<string, string> = {};
  for (const spec of templateParams) {
    encoded[spec.name] = segment(spec, values.get(spec.name), op.operationId);
  }
  return expandPathTemplate(op.path, encoded);
}
