/** The connectwise-connection config node's dialog and its "Test connection" button. */
import {
  CONNECTION_DEFAULTS,
  type ConnectionConfig,
  type ConnectionCredentials,
} from '../shared/node-configs';
import { ajaxErrorText } from './catalog-client';
import { ensureSelectValue } from './form-fields';

type ConnectionNode = EditorNodeInstance & Partial<ConnectionConfig>;

export const CONNECTION_TEST_URL = 'connectwise-manage/connection/test';

export type ConnectionTestAnswer =
  | { ok: true; version?: string; companyName?: string; codebase?: string; baseUrl?: string }
  | { ok: false; code?: string; statusCode?: number; error?: string };

const PREFIX = '#node-config-input-';

export function prepareConnectionForm(node: ConnectionNode): void {
  const field = (name: string): JQuery => $(`${PREFIX}${name}`);
  ensureSelectValue(`${PREFIX}site`, CONNECTION_DEFAULTS.site);
  ensureSelectValue(`${PREFIX}openapiSource`, CONNECTION_DEFAULTS.openapiSource);
  field('site')
    .on('change', () => {
      $('.cw-host-row').toggle(field('site').val() === 'custom');
      $('.cw-sandbox-row').toggle(field('site').val() === 'sandbox');
      RED.tray.resize();
    })
    .trigger('change');
  field('discoverCodebase')
    .on('change', () => {
      field('codebase').prop('disabled', field('discoverCodebase').prop('checked') === true);
    })
    .trigger('change');
  field('openapiSource')
    .on('change', () => {
      $('.cw-openapi-path-row').toggle(field('openapiSource').val() === 'file');
      RED.tray.resize();
    })
    .trigger('change');
  ensureSelectValue(`${PREFIX}redisUrlFrom`, CONNECTION_DEFAULTS.redisUrlFrom);
  const showRedis = (): void => {
    const on = field('coordinate').prop('checked') === true;
    const fromEnv = field('redisUrlFrom').val() !== 'credential';
    $('.cw-redis-row').toggle(on);
    $('.cw-redis-env-row').toggle(on && fromEnv);
    $('.cw-redis-url-row').toggle(on && !fromEnv);
    RED.tray.resize();
  };
  field('coordinate').on('change', showRedis);
  field('redisUrlFrom').on('change', showRedis);
  showRedis();
  $('#node-config-cw-test').on('click', (event) => {
    event.preventDefault();
    testConnection(node);
  });
}

/** The form's current values, as the runtime's test endpoint takes them. */
export function connectionFormValues(): {
  config: ConnectionConfig;
  credentials: ConnectionCredentials;
} {
  const text = (name: string): string => String($(`${PREFIX}${name}`).val() ?? '').trim();
  const checked = (name: string): boolean => $(`${PREFIX}${name}`).prop('checked') === true;
  // Every saved setting, read from its input the way Node-RED saves it.
  const config: Record<string, unknown> = { version: CONNECTION_DEFAULTS.version };
  for (const [name, fallback] of Object.entries(CONNECTION_DEFAULTS)) {
    if (name === 'version') continue;
    config[name] = typeof fallback === 'boolean' ? checked(name) : text(name);
  }
  // Unchanged stored secrets show as a placeholder; the runtime then uses the deployed ones.
  const credentials: ConnectionCredentials = {
    publicKey: text('publicKey'),
    privateKey: text('privateKey'),
    clientId: text('clientId'),
  };
  return { config: config as unknown as ConnectionConfig, credentials };
}

function testConnection(node: ConnectionNode): void {
  const t = (key: string, values?: Record<string, unknown>): string =>
    node._(`connectwise-connection.test.${key}`, values);
  const button = $('#node-config-cw-test');
  const result = $('#node-config-cw-test-result');
  const { config, credentials } = connectionFormValues();
  button.prop('disabled', true);
  result.removeClass('cw-test-ok cw-test-failed').text(t('running'));
  $.ajax({
    url: CONNECTION_TEST_URL,
    method: 'POST',
    contentType: 'application/json',
    dataType: 'json',
    data: JSON.stringify({ id: node.id, config, credentials }),
  })
    .done((answer: ConnectionTestAnswer) => showResult(result, answer, t))
    .fail((xhr: JQuery.jqXHR, _status: string, thrown: string) => {
      const answer = xhr.responseJSON as ConnectionTestAnswer | undefined;
      if (answer && answer.ok === false) {
        showResult(result, answer, t);
      } else {
        showResult(result, { ok: false, error: ajaxErrorText(xhr, thrown) }, t);
      }
    })
    .always(() => button.prop('disabled', false));
}

function showResult(
  result: JQuery,
  answer: ConnectionTestAnswer,
  t: (key: string, values?: Record<string, unknown>) => string,
): void {
  result.empty().removeClass('cw-test-ok cw-test-failed');
  if (answer.ok) {
    result.addClass('cw-test-ok');
    $('<i class="fa fa-check"></i>').appendTo(result);
    const who = answer.companyName ? ` — ${answer.companyName}` : '';
    result.append(document.createTextNode(` ${t('ok', { version: answer.version ?? '?' })}${who}`));
    const where = [answer.codebase, answer.baseUrl].filter(Boolean).join(', ');
    if (where) $('<div></div>').text(where).appendTo(result);
  } else {
    result.addClass('cw-test-failed');
    $('<i class="fa fa-exclamation-triangle"></i>').appendTo(result);
    const status = answer.statusCode ? ` ${answer.statusCode}` : '';
    const code = answer.code ? `${answer.code}${status}: ` : '';
    result.append(document.createTextNode(` ${t('failed')} ${code}${answer.error ?? ''}`));
  }
  RED.tray.resize();
}
