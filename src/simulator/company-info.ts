/** `GET /login/companyinfo/{companyId}`: the site's codebase, asked before any API call. */
import { jsonAnswer, type Answer } from './answers';
import type { SimMember } from './authentication';
import { MANAGE_RELEASE } from './site';

export const COMPANY_INFO_PATTERN = /^\/login\/companyinfo\/([^/]+)\/?$/i;

/** Manage answers `null` for a company it does not know. */
export function answerCompanyInfo(members: SimMember[], host: string, companyId: string): Answer {
  const member = members.find(
    (candidate) => candidate.companyId.toLowerCase() === companyId.toLowerCase(),
  );
  if (!member) return jsonAnswer(200, null);
  return jsonAnswer(200, {
    CompanyName: 'Simulated MSP',
    Codebase: MANAGE_RELEASE.codebase,
    VersionCode: MANAGE_RELEASE.versionCode,
    VersionNumber: MANAGE_RELEASE.versionNumber,
    CompanyID: member.companyId,
    IsCloud: false,
    SiteUrl: host,
  });
}
