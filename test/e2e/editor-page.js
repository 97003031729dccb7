/* global window, performance, requestAnimationFrame, RED, $ */
/**
 * Timing probes the editor tests install in the page (as plain JavaScript, so nothing the test
 * runner's compiler adds can break it there): how long the request dialog takes to show a usable
 * picker, and how long the picker takes to show the results of a keystroke.
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
   * For each keystroke: `handler` is the time the input handler took (the rows are filtered when
   * it returns), `shown` the time until the groups it opens are built and the next frame starts.
   */
  async function filterTimings(queries, msBetweenKeys) {
    const input = $(SEARCH_INPUT);
    if (input.length === 0) throw new Error('no picker search box is open');
    const handler = [];
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
        // Group openings are queued as tasks by the handler; this one runs after them.
        await nextTask();
        await nextFrame();
        shown.push(performance.now() - start);
        typed.push(query.slice(0, length));
        await pause(msBetweenKeys);
      }
      counts[query] = $('.cw-picker-search .red-ui-searchBox-resultCount').text();
    }
    input.val('').trigger('input');
    return { handler, shown, typed, counts };
  }

  window.cwE2E = { openDialogTimed, filterTimings };
})();
