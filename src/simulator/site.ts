/** The simulated site: where its API lives and which Manage version it reports. */

/** `api-current-version` of every answer. */
export const API_VERSION = '2025.1';

/** What `/login/companyinfo` and `/system/info` report. */
export const MANAGE_RELEASE = {
  codebase: 'v2025_1/',
  versionCode: 'v2025.1',
  versionNumber: 'v2025.1.10431',
};

/** The codebase that routes to the current one, as on a cloud site. */
export const CURRENT_CODEBASE = 'v4_6_release';

const API_BASE_PATTERN = /^\/(v4_6_release|v20\d\d_\d+)\/apis\/3\.0(\/.*)?$/i;

/** `http://127.0.0.1:PORT/v4_6_release/apis/3.0`, or with the given codebase (`v2025_1`). */
export function apiBaseUrl(siteUrl: string, codebase = CURRENT_CODEBASE): string {
  return `${siteUrl}/${codebase.replace(/^\/+|\/+$/g, '')}/apis/3.0`;
}

/** The path under the API base (`/service/tickets`), or undefined for a path outside it. */
export function apiPathOf(pathname: string): string | undefined {
  const match = API_BASE_PATTERN.exec(pathname);
  return match ? (match[2] ?? '/') : undefined;
}
