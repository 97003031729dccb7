/** Notices triggered from outside reach the log at most once per interval per kind. */
import { strict as assert } from 'node:assert';

import { NoticeThrottle } from '../../src/core/notice-throttle';

describe('NoticeThrottle', () => {
  it('writes one notice per kind per interval and counts the ones held back', () => {
    let now = 0;
    const written: string[] = [];
    const throttle = new NoticeThrottle(
      (text) => written.push(text),
      1000,
      () => now,
    );
    for (let i = 0; i < 5; i++) throttle.notice('forged', 'refused a forged delivery');
    throttle.notice('unsigned', 'refused an unsigned delivery');
    now = 999;
    throttle.notice('forged', 'refused a forged delivery');
    now = 1000;
    throttle.notice('forged', 'refused a forged delivery');
    throttle.notice('forged', 'refused a forged delivery');
    now = 2000;
    throttle.notice('forged', 'refused a forged delivery');
    assert.deepEqual(written, [
      'refused a forged delivery',
      'refused an unsigned delivery',
      'refused a forged delivery (and 5 more like it since the last notice)',
      'refused a forged delivery (and 1 more like it since the last notice)',
    ]);
  });
});
