/**
 * The operation picker: a search box over a treeList grouped module -> tag -> operation. Groups
 * are built only when opened (`deferBuild`), so the ~3,000 rows cost nothing until shown. A
 * search hides and shows rows itself rather than through the treeList's filter: that one toggles
 * each built row with jQuery show/hide, which reads computed styles row by row and costs tens of
 * milliseconds a keystroke once a few hundred rows exist, and it opens every group with a match.
 *
 * The tree is built after the dialog has been painted, and the groups a search opens are opened a
 * few per frame, top first, so neither opening the dialog nor a keystroke waits for rows that are
 * not on screen yet.
 */
import type { CatalogIndex, OperationSummary } from '../shared/catalog-types';
import {
  matchesWords,
  queryWords,
  searchableOperation,
  type SearchableOperation,
  readableSummary,
} from './operation-search';

/** Up to this many matches every matching group is opened, so every matching row shows. */
const OPEN_ALL_LIMIT = 150;
/** Up to this many matching tags the modules open (showing the tags with their counts). */
const OPEN_MODULES_TAG_LIMIT = 40;
/** Time per frame spent opening the groups of a search; the rest follow in the next frames. */
const OPEN_BUDGET_MS = 6;
/** Frames to wait for a module to build the tag a search wants open before giving up on it. */
const OPEN_WAIT_FRAMES = 120;
const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

export interface OperationPickerLabels {
  search: string;
  loading: string;
  noMatches: string;
  /** e.g. "Selected:" */
  selected: string;
  none: string;
}

export interface OperationPickerOptions {
  labels: OperationPickerLabels;
  onPick: (operation: OperationSummary) => void;
  /** Height of the tree in pixels. */
  height?: number;
}

/** A row of the tree whose DOM is created the first time the treeList shows it. */
class OperationRow implements TreeListItem {
  readonly id: string;
  selected?: boolean;
  /** Whether the current search matches it. */
  matched = true;
  /** Set by the treeList when it takes the row. */
  treeList?: TreeListItem['treeList'];
  private built?: HTMLElement | JQuery;

  constructor(
    readonly entry: SearchableOperation,
    readonly tag: GroupItem,
  ) {
    this.id = rowId(entry.operation.operationId);
  }

  get operation(): OperationSummary {
    return this.entry.operation;
  }

  get element(): HTMLElement | JQuery {
    if (!this.built) this.built = operationElement(this.entry.operation);
    return this.built;
  }

  set element(value: HTMLElement | JQuery) {
    this.built = value;
  }
}

interface GroupItem extends TreeListItem {
  label: string;
  /** Tags of a module, rows of a tag. */
  members: TreeListItem[];
  total: number;
  /** Matches of the current search. */
  matches: number;
  module?: GroupItem;
}

interface Tree {
  modules: GroupItem[];
  tags: GroupItem[];
  rows: OperationRow[];
  rowsById: Map<string, OperationRow>;
}

/** What an index needs for searching, kept for the editor session (indexes are cached too). */
interface PreparedIndex {
  entries: SearchableOperation[];
  operationsById: Map<string, OperationSummary>;
}

const preparedIndexes = new WeakMap<CatalogIndex, PreparedIndex>();

function prepareIndex(index: CatalogIndex): PreparedIndex {
  let prepared = preparedIndexes.get(index);
  if (!prepared) {
    const entries = index.operations.map(searchableOperation).sort(compareEntries);
    const operationsById = new Map(
      entries.map((entry) => [entry.operation.operationId, entry.operation]),
    );
    prepared = { entries, operationsById };
    preparedIndexes.set(index, prepared);
  }
  return prepared;
}

/** Runs after the next paint, so what is already on screen shows first. */
function afterPaint(run: () => void): void {
  requestAnimationFrame(() => setTimeout(run, 0));
}

export class OperationPicker {
  readonly element: JQuery;
  private readonly treeElement: JQuery;
  private readonly search: JQuery;
  private readonly message: JQuery;
  private readonly selectedLine: JQuery;
  private tree: Tree = emptyTree();
  private entries: readonly SearchableOperation[] = [];
  private operationsById = new Map<string, OperationSummary>();
  /** Bumped by every index or error shown, so a tree build scheduled for an older one is dropped. */
  private indexGeneration = 0;
  /** Groups a search still has to open, in display order, and frames spent waiting on the first. */
  private openQueue: GroupItem[] = [];
  private openWaits = 0;
  private openScheduled = false;
  private selectedId: string | undefined;
  private appliedQuery = '';
  private filtering = false;
  /** Bumped by every search, so group openings scheduled for an older one are dropped. */
  private searchGeneration = 0;

  constructor(
    container: JQuery,
    private readonly options: OperationPickerOptions,
  ) {
    const labels = options.labels;
    this.element = $('<div class="cw-picker"></div>').appendTo(container);
    this.selectedLine = $('<div class="cw-picker-selected"></div>').appendTo(this.element);
    const searchRow = $('<div class="cw-picker-search"></div>').appendTo(this.element);
    this.search = $('<input type="text">')
      .attr('placeholder', labels.search)
      .appendTo(searchRow)
      .searchBox({ delay: 0, change: () => this.applyQuery(this.searchText()) });
    // searchBox reacts to keys only; pasting with the mouse must filter too.
    this.search.on('input', () => this.applyQuery(this.searchText()));
    this.search.on('keydown', (event) => {
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        this.treeElement.trigger('focus');
      } else if (event.key === 'Enter') {
        this.pickSingleMatch();
      }
    });
    this.treeElement = $('<div class="cw-picker-tree"></div>')
      .css({ height: `${options.height ?? 260}px` })
      .appendTo(this.element)
      .treeList({ data: [] });
    this.message = $('<div class="cw-picker-message"></div>').appendTo(this.treeElement);
    const onRow = (_event: unknown, item?: TreeListItem): void => this.onRow(item);
    this.treeElement.on('treelistselect', onRow).on('treelistconfirm', onRow);
    this.showMessage(labels.loading);
    this.renderSelected();
  }

  /** Shows an index (replacing any other); keeps the selection and the search text. */
  setIndex(index: CatalogIndex): void {
    const prepared = prepareIndex(index);
    this.entries = prepared.entries;
    this.operationsById = prepared.operationsById;
    this.renderSelected();
    // The tree waits for the dialog to be painted: the search box is usable before it.
    const generation = ++this.indexGeneration;
    afterPaint(() => {
      if (generation === this.indexGeneration) this.showTree();
    });
  }

  private showTree(): void {
    this.tree = buildTree(this.entries, this.selectedId);
    this.filtering = false;
    this.treeElement.treeList('data', this.tree.modules);
    // Rows and tags of groups built later are hidden at build time when they do not match, by
    // a style write: the treeList's own filter hides with jQuery, which reads styles row by row.
    const applyVisibility = (item: TreeListItem): boolean => {
      setShown(item, this.isVisible(item));
      return true;
    };
    for (const group of [...this.tree.modules, ...this.tree.tags]) {
      if (group.treeList) group.treeList.childFilter = applyVisibility;
    }
    this.message.hide();
    this.refresh();
  }

  /** Marks an operation as the chosen one (without calling onPick) and reveals it. */
  select(operationId: string | undefined): void {
    this.selectedId = operationId || undefined;
    this.renderSelected();
    this.revealSelection();
  }

  selected(): OperationSummary | undefined {
    return this.selectedId ? this.operationsById.get(this.selectedId) : undefined;
  }

  operation(operationId: string): OperationSummary | undefined {
    return this.operationsById.get(operationId);
  }

  showError(text: string): void {
    this.indexGeneration++;
    this.openQueue = [];
    this.entries = [];
    this.tree = emptyTree();
    this.treeElement.treeList('data', []);
    this.showMessage(text, true);
  }

  private searchText(): string {
    return String(this.search.val() ?? '');
  }

  private applyQuery(query: string): void {
    if (query === this.appliedQuery) return;
    this.appliedQuery = query;
    this.refresh();
  }

  private refresh(): void {
    const words = queryWords(this.appliedQuery);
    const total = this.tree.rows.length;
    if (total === 0) return;
    this.filtering = words.length > 0;
    ++this.searchGeneration;
    this.openQueue = [];
    this.openWaits = 0;
    for (const group of this.tree.modules) group.matches = 0;
    for (const group of this.tree.tags) group.matches = 0;
    let matchCount = 0;
    for (const row of this.tree.rows) {
      row.matched = !this.filtering || matchesWords(row.entry.haystack, words);
      if (!row.matched) continue;
      matchCount++;
      row.tag.matches++;
      if (row.tag.module) row.tag.module.matches++;
    }
    this.showBuiltRows();
    if (!this.filtering) {
      this.message.hide();
      this.search.searchBox('count', String(total));
      this.closeGroups();
      this.revealSelection();
      return;
    }
    this.search.searchBox('count', `${matchCount} / ${total}`);
    if (matchCount === 0) {
      this.showMessage(this.options.labels.noMatches);
      return;
    }
    this.message.hide();
    const matchingTags = this.tree.tags.filter((tag) => tag.matches > 0);
    const openTags = matchCount <= OPEN_ALL_LIMIT;
    if (!openTags && matchingTags.length > OPEN_MODULES_TAG_LIMIT) return;
    // In display order: each module, then its matching tags.
    const toOpen: GroupItem[] = [];
    for (const module of this.tree.modules) {
      if (module.matches === 0) continue;
      toOpen.push(module);
      if (!openTags) continue;
      for (const tag of module.members as GroupItem[]) if (tag.matches > 0) toOpen.push(tag);
    }
    this.openQueue = toOpen;
    this.scheduleOpening();
  }

  private scheduleOpening(): void {
    if (this.openScheduled) return;
    this.openScheduled = true;
    requestAnimationFrame(() => {
      this.openScheduled = false;
      this.openSome();
    });
  }

  /** Opens queued groups for a few milliseconds, top first; the rest in the next frames. */
  private openSome(): void {
    const started = performance.now();
    while (this.openQueue.length > 0) {
      const group = this.openQueue[0];
      if (!group.treeList?.container) {
        // A tag its module has not built yet (the treeList adds a few per task).
        if (++this.openWaits > OPEN_WAIT_FRAMES) this.openQueue.shift();
        break;
      }
      this.openQueue.shift();
      this.openWaits = 0;
      openGroup(group);
      if (performance.now() - started > OPEN_BUDGET_MS) break;
    }
    if (this.openQueue.length > 0) this.scheduleOpening();
  }

  private isVisible(item: TreeListItem): boolean {
    if (item instanceof OperationRow) return item.matched;
    return !this.filtering || (item as GroupItem).matches > 0;
  }

  /** Shows or hides every row and group the treeList has built, and updates group counts. */
  private showBuiltRows(): void {
    for (const module of this.tree.modules) {
      setShown(module, this.isVisible(module));
      setSublabel(module, `${this.filtering ? module.matches : module.total}`);
      if (!module.treeList?.childList) continue;
      for (const tag of module.members as GroupItem[]) {
        setShown(tag, this.isVisible(tag));
        setSublabel(tag, `${this.filtering ? tag.matches : tag.total}`);
        if (!tag.treeList?.childList) continue;
        for (const row of tag.members) setShown(row, this.isVisible(row));
      }
    }
  }

  /** Back to the unfiltered tree: groups closed, except the way to the chosen operation. */
  private closeGroups(): void {
    const selectedRow = this.selectedRow();
    const keepOpen = new Set<TreeListItem>();
    if (selectedRow) {
      keepOpen.add(selectedRow.tag);
      if (selectedRow.tag.module) keepOpen.add(selectedRow.tag.module);
    }
    for (const group of [...this.tree.tags, ...this.tree.modules]) {
      if (keepOpen.has(group)) continue;
      if (group.treeList?.container?.hasClass('expanded')) {
        group.treeList.collapse();
        // As when opening: no slide, so the next keystroke's frames are not spent on it.
        group.treeList.childList?.stop(true, true);
      } else if (!group.treeList?.container) {
        // Marked open by a search while its module was closed: it would open when built.
        group.expanded = false;
      }
    }
  }

  private selectedRow(): OperationRow | undefined {
    return this.selectedId ? this.tree.rowsById.get(this.selectedId) : undefined;
  }

  /** Opens the chosen operation's groups, then highlights and scrolls to its row. */
  private revealSelection(): void {
    const row = this.selectedRow();
    if (!row) return;
    const { tag } = row;
    if (tag.treeList?.container) {
      openGroup(tag);
    } else {
      // Not built yet: the treeList builds it open, in the same pass as its module.
      tag.expanded = true;
    }
    openGroup(tag.module);
    const generation = this.searchGeneration;
    let frames = 0;
    const highlight = (): void => {
      if (generation !== this.searchGeneration || !document.body.contains(this.element[0])) return;
      const label = row.treeList?.label;
      if (!label || !document.body.contains(label[0])) {
        // Rows are added a few at a time; give up after about three seconds.
        if (++frames < 180) requestAnimationFrame(highlight);
        return;
      }
      this.treeElement.treeList('select', row, false);
      this.treeElement.treeList('reveal', row);
    };
    highlight();
  }

  private onRow(item: TreeListItem | undefined): void {
    if (!(item instanceof OperationRow)) return;
    this.choose(item.operation);
  }

  private choose(operation: OperationSummary): void {
    if (this.selectedId === operation.operationId) return;
    this.selectedId = operation.operationId;
    this.renderSelected();
    this.options.onPick(operation);
  }

  /** Enter in the search box takes the only match. */
  private pickSingleMatch(): void {
    const words = queryWords(this.appliedQuery);
    if (words.length === 0) return;
    let found: SearchableOperation | undefined;
    for (const entry of this.entries) {
      if (!matchesWords(entry.haystack, words)) continue;
      if (found) return;
      found = entry;
    }
    if (!found) return;
    this.choose(found.operation);
    this.revealSelection();
  }

  private renderSelected(): void {
    const labels = this.options.labels;
    this.selectedLine.empty();
    $('<span class="cw-picker-selected-label"></span>')
      .text(labels.selected)
      .appendTo(this.selectedLine);
    const op = this.selected();
    if (op) {
      $(operationElement(op)).appendTo(this.selectedLine);
    } else if (this.selectedId) {
      $('<code></code>').text(this.selectedId).appendTo(this.selectedLine);
    } else {
      $('<span class="cw-picker-none"></span>').text(labels.none).appendTo(this.selectedLine);
    }
  }

  private showMessage(text: string, isError = false): void {
    this.message.text(text).toggleClass('cw-picker-error', isError).show();
  }
}

function rowId(operationId: string): string {
  return `op:${operationId}`;
}

function compareEntries(a: SearchableOperation, b: SearchableOperation): number {
  const x = a.operation;
  const y = b.operation;
  return (
    compareText(x.module, y.module) ||
    compareText(x.tag, y.tag) ||
    compareText(x.path, y.path) ||
    METHOD_ORDER.indexOf(x.method) - METHOD_ORDER.indexOf(y.method)
  );
}

function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function emptyTree(): Tree {
  return { modules: [], tags: [], rows: [], rowsById: new Map() };
}

/**
 * Module and tag groups over rows already in module, tag order; every group closed. A tag hands
 * its rows to the treeList only when opened, so the treeList does not set up 3,000 rows it may
 * never show.
 */
function buildTree(entries: readonly SearchableOperation[], selectedId: string | undefined): Tree {
  const tree: Tree = emptyTree();
  let module: GroupItem | undefined;
  let tag: GroupItem | undefined;
  for (const entry of entries) {
    const { operation } = entry;
    if (!module || module.label !== operation.module) {
      module = group(`module:${operation.module}`, operation.module);
      tree.modules.push(module);
      tag = undefined;
    }
    if (!tag || tag.label !== operation.tag) {
      tag = group(`tag:${operation.module}/${operation.tag}`, operation.tag);
      tag.module = module;
      module.members.push(tag);
      tree.tags.push(tag);
    }
    const row = new OperationRow(entry, tag);
    if (operation.operationId === selectedId) row.selected = true;
    tag.members.push(row);
    tag.total++;
    module.total++;
    tree.rows.push(row);
    tree.rowsById.set(operation.operationId, row);
  }
  for (const module of tree.modules) module.children = module.members;
  for (const tag of tree.tags) {
    tag.children = (done, item) => {
      // From now on the treeList (keyboard moves) sees the rows as plain children.
      item.children = tag.members;
      done(tag.members);
    };
  }
  for (const item of [...tree.modules, ...tree.tags]) item.sublabel = `${item.total}`;
  return tree;
}

function group(id: string, label: string): GroupItem {
  return { id, label, members: [], deferBuild: true, expanded: false, total: 0, matches: 0 };
}

function openGroup(group: GroupItem | undefined): void {
  if (!group?.treeList || group.treeList.container?.hasClass('expanded')) return;
  group.treeList.expand();
  // Skip the slide: many lists sliding at once re-measure the tree every frame.
  group.treeList.childList?.stop(true, true);
}

/** Hides a built item's list entry; writes only, so no style is recomputed per row. */
function setShown(item: TreeListItem, shown: boolean): void {
  const entry = item.treeList?.container?.[0]?.parentElement;
  if (!entry) return;
  const display = shown ? '' : 'none';
  if (entry.style.display !== display) entry.style.display = display;
}

function setSublabel(group: GroupItem, text: string): void {
  if (group.sublabel === text) return;
  group.sublabel = text;
  group.treeList?.label?.find('.red-ui-treeList-sublabel-text').first().text(text);
}

function operationElement(op: OperationSummary): HTMLElement {
  const row = document.createElement('span');
  row.className = 'cw-op';
  row.title = `${op.operationId}\n${op.method.toUpperCase()} ${op.path}\n${readableSummary(op.summary)}`;
  const method = document.createElement('span');
  method.className = `cw-op-method cw-op-${op.method}`;
  method.textContent = op.method.toUpperCase();
  const path = document.createElement('span');
  path.className = 'cw-op-path';
  path.textContent = op.path;
  const summary = document.createElement('span');
  summary.className = 'cw-op-summary';
  summary.textContent = `— ${readableSummary(op.summary)}`;
  row.append(method, path, summary);
  return row;
}
