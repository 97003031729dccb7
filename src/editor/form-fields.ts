/** Small helpers for the forms' own inputs. */

/**
 * A select whose saved property is missing (a flow written before the property existed) shows
 * nothing; give it the property's default instead.
 */
export function ensureSelectValue(selector: string, fallback: string): void {
  const select = $(selector);
  const value = select.val();
  if (value === null || value === undefined || value === '') select.val(fallback);
}
