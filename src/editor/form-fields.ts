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

/**
 * Shows or hides elements as jQuery's `toggle(shown)` does for elements the style sheets do not
 * hide, without reading their computed style first: a read while the dialog is being built makes
 * the browser work out the styles of the whole half-built dialog each time.
 */
export function showIf(elements: JQuery, shown: boolean): JQuery {
  return elements.css('display', shown ? '' : 'none');
}

/** Whether a dialog is being built: from its form's set-up until Node-RED has finished it. */
let buildingDialog = false;

/**
 * Runs a form's set-up. Node-RED lays the dialog out itself once the set-up has returned (in the
 * same task), so until then `resizeTray` need not make the browser lay it out again and again.
 */
export function buildingForm(prepare: () => void): void {
  buildingDialog = true;
  queueMicrotask(() => {
    buildingDialog = false;
  });
  prepare();
}

/** Lays the dialog out again after its content changed, unless Node-RED is still building it. */
export function resizeTray(): void {
  if (!buildingDialog) RED.tray.resize();
}

/** Runs after the next paint, so what is already on screen shows first. */
export function afterPaint(run: () => void): void {
  requestAnimationFrame(() => setTimeout(run, 0));
}
