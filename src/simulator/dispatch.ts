/**
 * Routes every request: simulator controls, the site's own pages, then the API, where each
 * request is authenticated and matched to its operation of the OpenAPI document before the
 * operation's handler runs.
 */
import { errorAnswer, jsonAnswer, type Answer } from './answers';
import { authenticate, type SimMember } from './authentication';
import { answerBinary, uploadDocument } from './binary-handlers';
import { CALLBACK_KEY_PATTERN } from './callbacks';
import { COMPANY_INFO_PATTERN, answerCompanyInfo } from './company-info';
import { handleControl, isControlPath } from './control-handlers';
import { answerCount, answerList, answerSearch } from './list-handlers';
import { notFound } from './manage-errors';
import { MEMBER_TOKEN_PATTERN } from './member-tokens';
import {
  acknowledgeAction,
  createRecord,
  deleteRecord,
  getRecord,
  getSingleton,
  patchRecord,
  replaceRecord,
} from './record-handlers';
import type { RouteAction, RouteOperation } from './routes';
import { matchedRequest, type SimRequest } from './sim-request';
import type { OperationHandler, SimContext } from './simulator-context';

/** A route the document does not have, matched before the document's. */
interface OwnRoute {
  method: string;
  pattern: RegExp;
  answer(
    context: SimContext,
    request: SimRequest,
    captures: RegExpExecArray,
    member?: SimMember,
  ): Answer;
}

/** Outside the API base; no credentials needed. */
const SITE_ROUTES: OwnRoute[] = [
  {
    method: 'GET',
    pattern: COMPANY_INFO_PATTERN,
    answer: (context, request, [, companyId]) =>
      answerCompanyInfo(context.members, request.host, decodeURIComponent(companyId)),
  },
];

/** Under the API base, after authentication. */
const API_ROUTES: OwnRoute[] = [
  {
    method: 'GET',
    pattern: CALLBACK_KEY_PATTERN,
    answer: (context, _request, [, keyId]) => {
      const answer = context.callbacks.signingKeyAnswer(Number(keyId));
      if (!answer) throw notFound(`No callback key with id ${keyId}`);
      return jsonAnswer(200, answer);
    },
  },
  {
    method: 'POST',
    pattern: MEMBER_TOKEN_PATTERN,
    answer: (context, _request, [, identifier], member) =>
      jsonAnswer(
        200,
        context.memberTokens.issue(
          context.store,
          member?.companyId ?? context.members[0].companyId,
          decodeURIComponent(identifier),
        ),
      ),
  },
];

const ACTION_HANDLERS: Record<RouteAction, OperationHandler> = {
  list: answerList,
  search: answerSearch,
  count: answerCount,
  create: createRecord,
  get: getRecord,
  replace: replaceRecord,
  patch: patchRecord,
  delete: deleteRecord,
  singleton: getSingleton,
  binary: answerBinary,
  action: acknowledgeAction,
};

/** The handler of an operation: by the shape of its path, unless the operation needs its own. */
function handlerFor(operation: RouteOperation): OperationHandler {
  if (operation.action === 'create' && operation.multipart) return uploadDocument;
  return ACTION_HANDLERS[operation.action];
}

function ownRoute(
  routes: OwnRoute[],
  method: string,
  path: string,
): { route: OwnRoute; captures: RegExpExecArray } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const captures = route.pattern.exec(path);
    if (captures) return { route, captures };
  }
  return undefined;
}

function noResource(context: SimContext, request: SimRequest): Answer {
  return errorAnswer(
    notFound(
      `No HTTP resource was found that matches the request URI '${context.siteUrl()}${request.pathname}' (${request.method}).`,
    ),
  );
}

/** Answers one request; throws a ManageHttpError to answer an error. */
export function dispatch(context: SimContext, request: SimRequest): Answer {
  if (isControlPath(request.pathname)) return handleControl(context, request);
  const site = ownRoute(SITE_ROUTES, request.method, request.pathname);
  if (site) return site.route.answer(context, request, site.captures);
  const { apiPath } = request;
  if (apiPath === undefined) return noResource(context, request);
  const member = authenticate(context.members, request.headers, context.memberTokens);
  const own = ownRoute(API_ROUTES, request.method, apiPath);
  if (own) return own.route.answer(context, request, own.captures, member);
  const match = context.routes.match(request.method, apiPath);
  if (!match) return noResource(context, request);
  const matched = matchedRequest(request, apiPath, member, match);
  context.validator.check(matched);
  return handlerFor(match.operation)(context, matched);
}
