import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import { ChangeTracker, filterMatches, type TrackedChange } from '../../src/core/change-tracker';
import { CwError } from '../../src/core/errors';
import { parseChangeFilters, parseWatchedFields } from '../../src/core/watched-fields';

const FIELDS = ['status/name', 'owner/identifier'];

function ticket(status: string | null, owner?: string): Record<string, unknown> {
  return {
    id: 1,
    summary: 'not watched',
    status: status === null ? null : { id: 1, name: status },
    ...(owner === undefined ? {} : { owner: { identifier: owner } }),
  };
}

describe('watched fields and filters', () => {
  it('reads a comma or line separated list, drops blanks and duplicates', () => {
    assert.deepEqual(parseWatchedFields(' status/name,\nowner/identifier , status/name,'), FIELDS);
    assert.deepEqual(parseWatchedFields(undefined), []);
    assert.deepEqual(parseWatchedFields(['priority/name']), ['priority/name']);
  });

  it('refuses a path that is not one, naming it', () => {
    assert.throws(
      () => parseWatchedFields('status/name, status name'),
      (err: CwError) =>
        err.code === 'INPUT' &&
        /watchedFields: "status name" is not a field path/.test(err.message),
    );
  });

  it('refuses a filter on a field that is not watched, and an unknown kind', () => {
    assert.throws(
      () => parseChangeFilters([{ kind: 'becomes', field: 'board/name', value: 'x' }], FIELDS),
      /changeFilters\[0\]\.field: "board\/name" is not one of the watched fields/,
    );
    assert.throws(
      () => parseChangeFilters([{ kind: 'rises' as 'any' }], FIELDS),
      /changeFilters\[0\]\.kind: must be any, becomes, leaves/,
    );
    assert.throws(() => parseChangeFilters([{ kind: 'any' }], []), /needs at least one watched/);
    assert.deepEqual(
      parseChangeFilters([{ kind: 'becomes', field: 'status/name', value: ' Waiting ' }], FIELDS),
      [{ kind: 'becomes', field: 'status/name', value: 'Waiting' }],
    );
  });
});

describe('ChangeTracker', () => {
  it('gives every watched field without "from" on the first sighting, then only what changed', () => {
    const tracker = new ChangeTracker(FIELDS);
    const first = tracker.observe(1, '2025-03-01T10:00:00Z', ticket('New', 'amy'), 'created');
    assert.deepEqual(first, {
      id: 1,
      lastUpdated: '2025-03-01T10:00:00Z',
      event: 'created',
      changes: { 'status/name': { to: 'New' }, 'owner/identifier': { to: 'amy' } },
      matches: true,
    });
    const second = tracker.observe(1, '2025-03-01T10:05:00Z', ticket('Open', 'amy'), 'updated');
    assert.deepEqual(second?.changes, { 'status/name': { from: 'New', to: 'Open' } });
    const third = tracker.observe(1, '2025-03-01T10:06:00Z', ticket('Open'), 'updated');
    assert.deepEqual(third?.changes, { 'owner/identifier': { from: 'amy', to: null } });
    const fourth = tracker.observe(1, '2025-03-01T10:07:00Z', ticket('Open'), 'updated');
    assert.deepEqual(fourth?.changes, {}, 'an unwatched field changed: no watched change');
  });

  it('sends a version once, and drops a version older than one already seen', () => {
    const tracker = new ChangeTracker(FIELDS);
    assert.ok(tracker.observe(1, '2025-03-01T10:05:00Z', ticket('Open'), 'updated'));
    assert.equal(tracker.observe(1, '2025-03-01T10:05:00Z', ticket('Open'), 'updated'), undefined);
    assert.equal(tracker.observe(1, '2025-03-01T10:01:00Z', ticket('New'), 'updated'), undefined);
    assert.equal(tracker.isKnown(1, '2025-03-01T10:05:00Z'), true);
    assert.equal(tracker.isKnown(1, '2025-03-01T10:05:01Z'), false);
  });

  it('reports a deletion with the last values as "from", once, and ignores late sightings', () => {
    const tracker = new ChangeTracker(FIELDS);
    tracker.observe(1, '2025-03-01T10:05:00Z', ticket('Open', 'amy'), 'updated');
    const deleted = tracker.forget(1);
    assert.deepEqual(deleted, {
      id: 1,
      lastUpdated: '2025-03-01T10:05:00Z',
      event: 'deleted',
      changes: { 'status/name': { from: 'Open' }, 'owner/identifier': { from: 'amy' } },
      matches: true,
    });
    assert.equal(tracker.forget(1), undefined);
    assert.equal(tracker.observe(1, '2025-03-01T11:00:00Z', ticket('New'), 'updated'), undefined);
  });

  it('compares objects by value and gives messages their own copies', () => {
    const tracker = new ChangeTracker(['status']);
    const first = tracker.observe(1, '2025-03-01T10:00:00Z', ticket('New'), 'created');
    (first?.changes.status.to as { name: string }).name = 'changed by a flow';
    assert.deepEqual(
      tracker.observe(1, '2025-03-01T10:01:00Z', ticket('New'), 'updated')?.changes,
      {},
    );
  });

  it('applies the filters: becomes, stops being, any watched field', () => {
    const filters = parseChangeFilters(
      [{ kind: 'becomes', field: 'status/name', value: 'Waiting on Customer' }],
      FIELDS,
    );
    const tracker = new ChangeTracker(FIELDS, filters);
    const at = (minute: number) => `2025-03-01T10:${String(minute).padStart(2, '0')}:00Z`;
    const seen = (minute: number, status: string, owner = 'amy') =>
      tracker.observe(1, at(minute), ticket(status, owner), 'updated')?.matches;
    assert.equal(seen(0, 'New'), false);
    assert.equal(seen(1, 'Waiting on Customer'), true);
    assert.equal(seen(2, 'Waiting on Customer', 'bob'), false, 'still waiting: not entered again');
    assert.equal(seen(3, 'Open'), false);
    assert.equal(seen(4, 'Waiting on Customer'), true, 'entered a second time');

    const leaving = { kind: 'leaves', field: 'status/name', value: 'Open' } as const;
    const any = { kind: 'any' } as const;
    const change = (changes: TrackedChange['changes']): TrackedChange => ({
      id: 1,
      lastUpdated: at(0),
      event: 'updated',
      changes,
      matches: false,
    });
    assert.equal(
      filterMatches(leaving, change({ 'status/name': { from: 'Open', to: 'X' } })),
      true,
    );
    assert.equal(filterMatches(leaving, change({ 'status/name': { to: 'X' } })), false);
    assert.equal(filterMatches(leaving, change({ 'status/name': { from: 'Open' } })), true);
    assert.equal(filterMatches(any, change({})), false);
    assert.equal(filterMatches(any, change({ 'owner/identifier': { from: 'a', to: 'b' } })), true);
    assert.equal(
      filterMatches(
        { kind: 'becomes', field: 'status/name', value: '3' },
        change({ 'status/name': { from: 2, to: 3 } }),
      ),
      true,
      'numbers compare as text',
    );
  });

  it('survives its stored form as JSON, and starts over for other watched fields', () => {
    const tracker = new ChangeTracker(FIELDS);
    tracker.observe(1, '2025-03-01T10:00:00Z', ticket('New', 'amy'), 'created');
    tracker.observe(2, '2025-03-01T10:00:00Z', ticket('Open'), 'created');
    tracker.forget(2);
    const stored = JSON.parse(JSON.stringify(tracker.toStored()));
    assert.deepEqual(
      { ...stored, records: JSON.parse(stored.records) },
      { version: 1, fields: FIELDS, records: { 1: [1740823200, 'New', 'amy'], 2: [-1] } },
    );
    const resumed = ChangeTracker.fromStored(stored, FIELDS);
    assert.deepEqual(
      resumed.observe(1, '2025-03-01T10:01:00Z', ticket('Open', 'amy'), 'updated')?.changes,
      { 'status/name': { from: 'New', to: 'Open' } },
    );
    assert.equal(resumed.forget(2), undefined);
    assert.equal(ChangeTracker.fromStored(stored, ['status/name']).size, 0);
    assert.throws(
      () => ChangeTracker.fromStored({ ...stored, records: '{"1":["x"]}' }, FIELDS),
      (err: CwError) => err.code === 'CONFIG' && /snapshot: record 1/.test(err.message),
    );
  });
});

/**
 * Random schedules: tickets are updated at rising seconds; each update is delivered zero, one or
 * two times, late or early; safety-net polls read every ticket's current version; the tracker is
 * stored as JSON and resumed (a restart) at random points.
 */
describe('ChangeTracker over random schedules (property)', () => {
  const STATUSES = ['New', 'Open', 'Waiting', 'Closed'];
  type Version = { lastUpdated: string; status: string; owner: string };
  type Step =
    | { kind: 'update'; id: number; status: number; owner: number }
    | { kind: 'deliver'; pick: number; duplicate: boolean }
    | { kind: 'drop'; pick: number }
    | { kind: 'poll' }
    | { kind: 'restart' };

  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('update' as const),
        id: fc.integer({ min: 1, max: 5 }),
        status: fc.integer({ min: 0, max: 3 }),
        owner: fc.integer({ min: 0, max: 1 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('deliver' as const),
        pick: fc.nat(),
        duplicate: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('poll' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  );

  function run(steps: Step[], filterTo: string | undefined) {
    const filters =
      filterTo === undefined
        ? []
        : parseChangeFilters([{ kind: 'becomes', field: 'status/name', value: filterTo }], FIELDS);
    let tracker = new ChangeTracker(FIELDS, filters);
    const history = new Map<number, Version[]>();
    const inFlight: { id: number; version: Version }[] = [];
    const observed: TrackedChange[] = [];
    let second = 0;
    const record = (id: number, v: Version) => ({
      id,
      status: { name: v.status },
      owner: { identifier: v.owner },
      _info: { lastUpdated: v.lastUpdated },
    });
    const see = (id: number, v: Version) => {
      const versions = history.get(id) ?? [];
      const event = versions[0] === v ? 'created' : 'updated';
      const change = tracker.observe(id, v.lastUpdated, record(id, v), event);
      if (change) observed.push(change);
    };
    const poll = () => {
      for (const [id, versions] of history) see(id, versions[versions.length - 1]);
    };
    for (const s of steps) {
      if (s.kind === 'update') {
        second += 1;
        const version: Version = {
          lastUpdated: new Date(Date.UTC(2025, 2, 1, 10, 0, second))
            .toISOString()
            .replace('.000Z', 'Z'),
          status: STATUSES[s.status],
          owner: s.owner === 0 ? 'amy' : 'bob',
        };
        const versions = history.get(s.id) ?? [];
        versions.push(version);
        history.set(s.id, versions);
        inFlight.push({ id: s.id, version });
      } else if (s.kind === 'deliver' && inFlight.length > 0) {
        // Any waiting delivery, not the oldest: deliveries arrive out of order.
        const index = s.pick % inFlight.length;
        const { id, version } = inFlight[index];
        if (!s.duplicate) inFlight.splice(index, 1);
        see(id, version);
      } else if (s.kind === 'drop' && inFlight.length > 0) {
        inFlight.splice(s.pick % inFlight.length, 1);
      } else if (s.kind === 'poll') {
        poll();
      } else if (s.kind === 'restart') {
        tracker = ChangeTracker.fromStored(
          JSON.parse(JSON.stringify(tracker.toStored())),
          FIELDS,
          filters,
        );
      }
    }
    poll(); // the safety net catches whatever was lost
    return { history, observed };
  }

  it('sends each (id, lastUpdated) at most once, in order, the newest always, with true diffs', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const { history, observed } = run(steps, undefined);
        const sent = new Set<string>();
        const last = new Map<number, { lastUpdated: string; status: string; owner: string }>();
        for (const change of observed) {
          const key = `${change.id}@${change.lastUpdated}`;
          assert.ok(!sent.has(key), `${key} sent twice`);
          sent.add(key);
          const before = last.get(change.id);
          const now = history.get(change.id)?.find((v) => v.lastUpdated === change.lastUpdated);
          assert.ok(now, 'a version that existed');
          if (before) assert.ok(before.lastUpdated < now.lastUpdated, 'newer than the one before');
          const expected: Record<string, { from?: string; to: string }> = {};
          if (!before || before.status !== now.status) {
            expected['status/name'] = before
              ? { from: before.status, to: now.status }
              : { to: now.status };
          }
          if (!before || before.owner !== now.owner) {
            expected['owner/identifier'] = before
              ? { from: before.owner, to: now.owner }
              : { to: now.owner };
          }
          assert.deepEqual(change.changes, expected);
          last.set(change.id, now);
        }
        for (const [id, versions] of history) {
          assert.equal(last.get(id)?.lastUpdated, versions[versions.length - 1].lastUpdated);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with "status becomes Waiting", matches exactly the sightings that entered Waiting', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const { observed } = run(steps, 'Waiting');
        const previous = new Map<number, string>();
        for (const change of observed) {
          const before = previous.get(change.id);
          const status = change.changes['status/name']?.to ?? before;
          assert.equal(change.matches, status === 'Waiting' && before !== 'Waiting');
          previous.set(change.id, status as string);
        }
      }),
      { numRuns: 300 },
    );
  });
});
