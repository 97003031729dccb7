/* global window, document, getComputedStyle, performance, requestAnimationFrame, RED, $ */
/**
 * Probes the editor tests install in the page (as plain JavaScript, so nothing the test runner's
 * compiler adds can break it there): how long the request dialog takes to show a usable picker,
 * how long the picker takes to show the results of a keystroke, how readable a form's text is
 * (WCAG contrast against what is painted behind it), and dialog state for clean-ups.
 */
(function () {
  const SEARCH_INPUT = '.cw-picker-search input';

  function nextFrame() {
    return new Promise((resolve) => requestAnimationFrame(() => resolve()));
  }

  function nextTask() {
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Resolves on the first frame where `ready()` holds; rejects after `ms`. */
  function frameWhere(ready, what, ms) {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) resolve();
        else if (performance.now() - start > ms) reject(new Error(`timed out waiting for ${what}`));
        else requestAnimationFrame(check);
      };
      check();
    });
  }

  /**
   * Opens a node's dialog as a double click does; answers the milliseconds until the frame where
   * `readySelector` is visible (for our nodes: the picker's rows and search box). The dialog is
   * left open.
   */
  async function openDialogTimed(nodeId, readySelector) {
    const node = RED.nodes.node(nodeId);
    if (!node) throw new Error(`no node ${nodeId} in the workspace`);
    const start = performance.now();
    RED.editor.edit(node);
    await frameWhere(() => $(readySelector).is(':visible'), readySelector, 15000);
    return performance.now() - start;
  }

  /**
   * Types each query into the open picker one character at a time, as fast as a quick typist.
   * For each keystroke: `handler` is the time the input handler took (the rows are filtered and
   * built when it returns), `laidOut` the time until the page's styles and layout are brought up
   * to date for it (all the work before the frame showing the results can be painted), `shown`
   * the time until the next frame starts (which adds the wait for the display's frame, up to
   * 16.7 ms at 60 Hz, whatever the page does).
   */
  async function filterTimings(queries, msBetweenKeys) {
    const input = $(SEARCH_INPUT);
    if (input.length === 0) throw new Error('no picker search box is open');
    const handler = [];
    const laidOut = [];
    const shown = [];
    const typed = [];
    const counts = {};
    for (const query of queries) {
      input.val('').trigger('input');
      await nextFrame();
      await pause(msBetweenKeys);
      for (let length = 1; length <= query.length; length++) {
        const start = performance.now();
        input.val(query.slice(0, length)).trigger('input');
        handler.push(performance.now() - start);
        // Reading a position makes the browser recompute styles and layout now.
        document.querySelector('.cw-picker-tree').getBoundingClientRect();
        laidOut.push(performance.now() - start);
        // Anything the handler queued as a task runs before this one.
        await nextTask();
        await nextFrame();
        shown.push(performance.now() - start);
        typed.push(query.slice(0, length));
        await pause(msBetweenKeys);
      }
      counts[query] = $('.cw-picker-search .red-ui-searchBox-resultCount').text();
    }
    input.val('').trigger('input');
    return { handler, laidOut, shown, typed, counts };
  }

  /** Any CSS colour as [r, g, b, a] (0-255, a 0-1), as the browser paints it. */
  const paint = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  function rgba(cssColor) {
    paint.clearRect(0, 0, 1, 1);
    paint.fillStyle = '#000';
    paint.fillStyle = cssColor;
    paint.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = paint.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  }

  /** `top` painted over an opaque `bottom`. */
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
  }

  /** What an element's text is painted on: its own and its ancestors' backgrounds, composed. */
  function backgroundOf(element) {
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const color = rgba(getComputedStyle(node).backgroundColor);
      if (color[3] > 0) layers.push(color);
      if (color[3] >= 1) break;
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  }

  function luminance(color) {
    const [r, g, b] = color.slice(0, 3).map((channel) => {
      const c = channel / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  /** WCAG 2 contrast ratio of two opaque colours. */
  function contrast(a, b) {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  }

  function hex(color) {
    return `#${color
      .slice(0, 3)
      .map((c) => Math.round(c).toString(16).padStart(2, '0'))
      .join('')}`;
  }

  function describe(element) {
    const id = element.id ? `#${element.id}` : '';
    const classes = [...element.classList].map((name) => `.${name}`).join('');
    return `${element.tagName.toLowerCase()}${id}${classes}`;
  }

  function isShown(element) {
    if (element.closest('[aria-hidden="true"], [disabled]')) return false;
    const style = getComputedStyle(element);
    return style.visibility === 'visible' && element.getClientRects().length > 0;
  }

  /**
   * Every text under `root` a user reads (text and the values of inputs and selects), with the
   * contrast of its colour on what is painted behind it; disabled controls are left out.
   */
  function textContrasts(rootSelector) {
    const root = document.querySelector(rootSelector);
    if (!root) throw new Error(`nothing matches ${rootSelector}`);
    const found = [];
    for (const element of root.querySelectorAll('*')) {
      let text = '';
      if (element.matches('input:not([type=hidden]):not([type=checkbox]):not([type=radio])')) {
        text = element.value;
      } else if (element.matches('select')) {
        text = element.selectedOptions[0] ? element.selectedOptions[0].textContent : '';
      } else if (!element.matches('option, script, style, textarea')) {
        for (const child of element.childNodes) {
          if (child.nodeType === 3) text += child.textContent;
        }
      }
      text = text.replace(/\s+/g, ' ').trim();
      if (!text || !isShown(element)) continue;
      const style = getComputedStyle(element);
      let ink = rgba(style.color);
      let opacity = 1;
      for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
        opacity *= Number(getComputedStyle(node).opacity);
      }
      ink = [ink[0], ink[1], ink[2], ink[3] * opacity];
      const background = backgroundOf(element);
      const ratio = contrast(over(ink, background), background);
      found.push({
        text: text.slice(0, 60),
        element: describe(element),
        color: hex(over(ink, background)),
        background: hex(background),
        ratio: Math.round(ratio * 100) / 100,
      });
    }
    return found;
  }

  /** Whether the editor's topmost dialog has slid in and Node-RED has put the focus in it. */
  function dialogSettled() {
    const trays = document.querySelectorAll('#red-ui-editor-stack .red-ui-tray');
    const top = trays[trays.length - 1];
    return Boolean(top && top.contains(document.activeElement) && !$(top).is(':animated'));
  }

  /**
   * Cancels every open edit dialog (topmost first; Node-RED keeps only the topmost in the page)
   * and closes other dialogs and menus, so the next test starts on a plain workspace; resolves
   * once none is left.
   */
  async function closeDialogs() {
    $('.ui-dialog-content:visible').dialog('close');
    $('.red-ui-menu-dropdown:visible').hide();
    // Notifications of the last test would cover the next one's dialog in its screenshots.
    // Each closes itself (Node-RED removes it once faded out), as its own timeout would.
    $('.red-ui-notification').each(function () {
      if (typeof this.close === 'function') this.close();
    });
    for (let closed = 0; ; closed++) {
      const top = $('#red-ui-editor-stack .red-ui-tray').last();
      if (top.length === 0) return;
      if (closed === 10) throw new Error('the edit dialogs did not close');
      const cancel = top.find('.red-ui-tray-toolbar button[id$="-cancel"]');
      if (cancel.length > 0) cancel.first().trigger('click');
      else RED.tray.close();
      await frameWhere(() => !document.body.contains(top[0]), 'a dialog to close', 5000);
      // The dialog below slides back in before it can be cancelled in turn.
      await pause(300);
    }
  }

  window.cwE2E = { openDialogTimed, filterTimings, textContrasts, dialogSettled, closeDialogs };
})();
