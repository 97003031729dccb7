/**
 * Validators of the watched fields and change filters, with the runtime's own rules
 * (src/shared/change-filters.ts), so the form and a deploy refuse the same settings.
 */
import {
  changeFiltersProblem,
  readWatchedFields,
  type ChangeFilterConfig,
} from '../shared/change-filters';

type Validity = true | string;
/** Declared so Node-RED reads the returned message (see validators.ts). */
type ValidatorOptions = { label?: string } | undefined;

export function validateWatchedFields(
  this: unknown,
  value: string | undefined,
  _options?: ValidatorOptions,
): Validity {
  const { problem } = readWatchedFields(value);
  return problem ? `${problem.field}: ${problem.problem}` : true;
}

export function validateChangeFilters(
  this: { watchedFields?: string },
  filters: ChangeFilterConfig[] | undefined,
  _options?: ValidatorOptions,
): Validity {
  // While the dialog is open the watched fields live in their input.
  const typed = $('#node-input-watchedFields');
  const watched = typed.length ? String(typed.val() ?? '') : this.watchedFields;
  const problem = changeFiltersProblem(filters, readWatchedFields(watched).fields);
  return problem ? `${problem.field}: ${problem.problem}` : true;
}
