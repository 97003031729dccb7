/**
 * Evaluating the editor's typed inputs (str, num, bool, json, msg, flow, global, env, jsonata) per
 * message. Uses the callback form of `RED.util.evaluateNodeProperty`, so JSONata expressions and
 * asynchronous context stores work, and turns every failure into an INPUT error naming the field.
 */
import type { Node, NodeAPI, NodeMessage } from 'node-red';

import { conditionTemplate, fillConditionTemplate } from '../core/condition-placeholders';
import { formatPlaceholder } from '../core/conditions';
import { CwError, inputError } from '../core/errors';
import { isConditionParameter } from '../core/parameter-values';
import { INPUT_TYPES, type InputType, type ParameterRow } from '../shared/modes';

export interface TypedValue {
  type: InputType | string;
  value: string;
}

/** An evaluated parameter row. Rows whose value is blank are left out. */
export interface EvaluatedRow {
  name: string;
  value: unknown;
}

function describeFailure(err: unknown): string {
  // JSONata reports plain objects `{code, position, token, message}`, not Errors.
  const message =
    err !== null && typeof err === 'object' && 'message' in err
      ? (err as { message: unknown }).message
      : undefined;
  const text = typeof message === 'string' ? message : String(err);
  return text.replace(/\s+/g, ' ').trim() || 'failed';
}

/** The value of one typed input for `msg`; a failure is an INPUT error on `field`. */
export function evaluateTypedInput(
  RED: NodeAPI,
  node: Node,
  input: TypedValue,
  msg: NodeMessage,
  field: string,
): Promise<unknown> {
  const type = input.type || 'str';
  if (!(INPUT_TYPES as readonly string[]).includes(type)) {
    return Promise.reject(inputError(field, `"${type}" is not a supported input type`));
  }
  const value = input.value ?? '';
  if (type === 'num') {
    // Number('') is 0 and Number('x') is NaN: neither is what the user meant.
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) {
      return Promise.reject(inputError(field, `${JSON.stringify(value)} is not a number`));
    }
    return Promise.resolve(number);
  }
  return new Promise((resolve, reject) => {
    const fail = (err: unknown): void => {
      if (err instanceof CwError) reject(err);
      else reject(inputError(field, `cannot evaluate ${type} ${value}: ${describeFailure(err)}`));
    };
    try {
      RED.util.evaluateNodeProperty(value, type, node, msg, (err, result: unknown) => {
        if (err) fail(err);
        else resolve(result);
      });
    } catch (err) {
      // `json` parsing and JSONata syntax errors are thrown before the callback is used.
      fail(err);
    }
  });
}

/**
 * A conditions text of the node's settings with its placeholders (`{{msg.board}}`) filled in for
 * `msg`. Without a message (a timed poll), a placeholder that reads msg is an INPUT error.
 */
export async function fillConditionPlaceholders(
  RED: NodeAPI,
  node: Node,
  text: string,
  msg: NodeMessage | undefined,
  field: string,
): Promise<string> {
  const template = conditionTemplate(text, field);
  if (template.placeholders.length === 0) return text;
  const values = await Promise.all(
    template.placeholders.map((use) => {
      if (use.source === 'msg' && msg === undefined) {
        return Promise.reject(
          inputError(field, `${formatPlaceholder(use)} reads msg, but a timed poll has no message`),
        );
      }
      return evaluateTypedInput(
        RED,
        node,
        { type: use.source, value: use.expression },
        msg ?? ({} as NodeMessage),
        field,
      );
    }),
  );
  return fillConditionTemplate(template, values);
}

/** True when the row says nothing: no value at all (a `bool` row always says something). */
export function isBlankRow(row: Pick<ParameterRow, 'type' | 'value'>): boolean {
  return row.type !== 'bool' && String(row.value ?? '').trim() === '';
}

/**
 * Evaluates every non-blank row for `msg`, in parallel (JSONata and context reads may be slow).
 * A fixed conditions row has its placeholders filled in; conditions that come from a message
 * or context are used as they are (their text is data, never read for placeholders).
 * `fieldOf` names a row in error messages; without `msg` (a timed poll) reading msg fails.
 */
export async function evaluateParameterRows(
  RED: NodeAPI,
  node: Node,
  rows: readonly ParameterRow[] | undefined,
  msg: NodeMessage | undefined,
  fieldOf: (row: ParameterRow) => string = (row) => row.name,
): Promise<EvaluatedRow[]> {
  const used = (rows ?? []).filter((row) => row && row.name && !isBlankRow(row));
  return Promise.all(
    used.map(async (row) => {
      const field = fieldOf(row);
      if ((row.type || 'str') === 'str' && isConditionParameter(row.name)) {
        return {
          name: row.name,
          value: await fillConditionPlaceholders(RED, node, row.value ?? '', msg, field),
        };
      }
      if (row.type === 'msg' && msg === undefined) {
        throw inputError(field, `reads msg.${row.value}, but a timed poll has no message`);
      }
      return {
        name: row.name,
        value: await evaluateTypedInput(RED, node, row, msg ?? ({} as NodeMessage), field),
      };
    }),
  );
}
