/**
 * What the request and poll forms share: the connection's catalog, the operation picker, the
 * chosen operation's detail and its parameter rows.
 */
import type { OperationSummary } from '../shared/catalog-types';
import type { ParameterRow } from '../shared/modes';
import {
  documentForConnection,
  loadIndex,
  loadOperation,
  type IndexKind,
  type OperationAnswer,
} from './catalog-client';
import { OperationPicker } from './operation-picker';
import { readableSummary } from './operation-search';
import { ParameterRows } from './parameter-rows';
import { parameterLabels, pickerLabels } from './picker-labels';

export interface OperationNode extends EditorNodeInstance {
  connection?: string;
  operationId?: string;
  operationSummary?: string;
  params?: ParameterRow[];
}

export interface OperationFormOptions {
  node: OperationNode;
  /** The node type, prefix of its labels. */
  prefix: string;
  kind: IndexKind;
  /** Parameters the node sets itself, never offered as rows. */
  hiddenParams?: readonly string[];
  /** Called with the chosen operation's detail (`undefined` when none or not available). */
  onDetail: (answer: OperationAnswer | undefined, initial: boolean) => void;
}

export class OperationForm {
  readonly picker: OperationPicker;
  readonly rows: ParameterRows;
  private document: string;
  private answer: OperationAnswer | undefined;
  /** Guards against an older detail answer arriving after a newer pick. */
  private detailRequest = 0;
  /** Why the current document's index could not be loaded, if it could not. */
  private indexError = '';
  private readonly operationInput = $('#node-input-operationId');
  private readonly summaryInput = $('#node-input-operationSummary');
  private readonly errorLine = $('#node-input-cw-operation-error');

  constructor(private readonly options: OperationFormOptions) {
    const { node, prefix } = options;
    this.picker = new OperationPicker($('#node-input-cw-picker'), {
      labels: pickerLabels(node, prefix),
      onPick: (operation) => this.pick(operation),
    });
    this.rows = new ParameterRows($('#node-input-cw-params'), {
      labels: parameterLabels(node, prefix),
      hiddenNames: options.hiddenParams,
    });
    this.rows.setOperation(undefined, node.params ?? []);
    this.document = documentForConnection(this.connectionId());
    this.picker.select(node.operationId);
    this.loadCatalog(true);
    $('#node-input-connection').on('change', () => {
      const document = documentForConnection(this.connectionId());
      if (document === this.document) return;
      this.document = document;
      this.loadCatalog(false);
    });
  }

  detail(): OperationAnswer | undefined {
    return this.answer;
  }

  operationId(): string {
    return String(this.operationInput.val() ?? '');
  }

  params(): ParameterRow[] {
    return this.rows.rows();
  }

  private connectionId(): string {
    const selected = $('#node-input-connection').val();
    return typeof selected === 'string' && selected
      ? selected
      : (this.options.node.connection ?? '');
  }

  /** Loads the index for the current document, then the chosen operation's detail. */
  private loadCatalog(initial: boolean): void {
    const document = this.document;
    this.indexError = '';
    loadIndex(document, this.options.kind).then(
      (index) => {
        if (document !== this.document) return;
        this.picker.setIndex(index);
        const chosen = this.operationId();
        if (chosen && !this.picker.operation(chosen)) {
          this.showError(
            this.options.node._(`${this.options.prefix}.errors.notInCatalog`, {
              operationId: chosen,
            }),
          );
        }
      },
      (err: Error) => {
        if (document !== this.document) return;
        this.indexError = err.message;
        this.picker.showError(err.message);
        // The picker already says it; the operation line need not repeat it.
        if (this.errorLine.text() === err.message) this.showError('');
      },
    );
    const chosen = this.operationId();
    if (chosen) this.loadDetail(chosen, initial);
  }

  private pick(operation: OperationSummary): void {
    this.operationInput.val(operation.operationId).trigger('change');
    this.summaryInput.val(readableSummary(operation.summary));
    this.loadDetail(operation.operationId, false);
  }

  private loadDetail(operationId: string, initial: boolean): void {
    const request = ++this.detailRequest;
    this.showError('');
    loadOperation(this.document, operationId).then(
      (answer) => {
        if (request !== this.detailRequest) return;
        this.answer = answer;
        this.summaryInput.val(readableSummary(answer.operation.summary));
        if (initial) {
          this.rows.setOperation(answer.operation, this.options.node.params ?? []);
        } else {
          this.rows.switchOperation(answer.operation);
        }
        this.options.onDetail(answer, initial);
        RED.tray.resize();
      },
      (err: Error) => {
        if (request !== this.detailRequest) return;
        this.answer = undefined;
        if (err.message !== this.indexError) this.showError(err.message);
        this.options.onDetail(undefined, initial);
      },
    );
  }

  private showError(text: string): void {
    this.errorLine.text(text).toggle(text !== '');
  }
}
